use actix_web::http::header;
use actix_web::{HttpResponse, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::Json;
use crate::auth::{ContentStaff, Require};
use crate::domain::contents;
use crate::error::AppError;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The article body, bounded as a content's `body_markdown`: 1–200000 characters,
    /// not only white space.
    #[schema(
        example = "## 石榴籽\n\n| 民族 | 人口 |\n| --- | --- |\n| 汉 | 1 |",
        min_length = 1,
        max_length = 200_000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub body_markdown: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    /// Sanitized HTML: exactly the `body_html` an article with this body shows once published.
    #[schema(example = "<h2>石榴籽</h2>\n<table>…</table>")]
    pub html: String,
}

/// Render an article body as the server will publish it (editors, reviewers, admins):
/// the same Markdown renderer and sanitizer as published articles, so scripts, event
/// handlers and `javascript:` links are gone here too. Stores nothing; the answer is
/// `Cache-Control: no-store`.
#[utoipa::path(
    operation_id = "admin_preview_markdown",
    tag = "admin: contents",
    security(("bearer" = [])),
    request_body = PreviewRequest,
    responses(
        (status = 200, description = "The sanitized HTML (`Cache-Control: no-store`)", body = Preview),
        (status = 403, description = "Needs editor, reviewer or admin"),
        (status = 422, description = "`body_markdown` empty, too long or with control characters (`validation_failed`)"),
    )
)]
#[post("/admin/markdown/preview")]
pub async fn preview(
    Require { user: _, body: Json(body), .. }: Require<ContentStaff, Json<PreviewRequest>>,
) -> Result<HttpResponse, AppError> {
    // Pure CPU work bounded by the body limit: no database, no blocking pool needed.
    let html = contents::preview_html(&body.body_markdown)?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(Preview { html }))
}
