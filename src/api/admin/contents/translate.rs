use actix_web::{HttpResponse, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{StaffContent, actor};
use crate::api::extract::Json;
use crate::auth::{ContentStaff, Require};
use crate::domain::contents::{self, TranslationInput};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "The pomegranate seeds", "summary": "A story of unity.", "body_markdown": "Like pomegranate seeds, we hold together."}))]
pub struct TranslationBody {
    /// 1–200 characters, not only white space (stored trimmed).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: String,
    /// At most 500 characters.
    #[schema(max_length = 500)]
    pub summary: Option<String>,
    /// Articles: required (else 409 `conflict`), 1–200000 characters, not only white space.
    /// Videos: not allowed (409 `conflict`).
    #[schema(
        min_length = 1,
        max_length = 200_000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub body_markdown: Option<String>,
}

/// Add or replace the translation of a content into a locale, under the same rules as
/// PATCH: into a draft directly, into the pending `revision` of a published content
/// (learners keep the published translations until the change is approved).
///
/// Articles need `body_markdown`, videos may not have it, and `locale` may not be the
/// content's own: these depend on the stored content and are 409 `conflict`.
#[utoipa::path(
    operation_id = "admin_put_translation",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id"), ("locale" = String, Path, description = "BCP 47 tag, e.g. `en`, `ug`", max_length = 35, pattern = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")),
    request_body = TranslationBody,
    responses(
        (status = 200, description = "The content with its translations (and its pending `revision`)", body = StaffContent),
        (status = 403, description = "Not allowed for this caller in this state"),
        (status = 404, description = "No such content"),
        (status = 409, description = "Not editable in its state (`invalid_state`), or the body does not fit the content's kind or locale (`conflict`)"),
    )
)]
#[put("/admin/contents/{id}/translations/{locale}")]
pub async fn translate(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<ContentStaff, Json<TranslationBody>>,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, locale) = path.into_inner();
    let (actor, now) = (actor(&caller), state.clock.now());
    let input = TranslationInput { title: body.title, summary: body.summary, body_markdown: body.body_markdown };
    let data = state
        .db
        .run(move |conn| {
            contents::translate(conn, actor, id, &locale, &input, now)?;
            contents::staff_view(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(StaffContent::from_data(data)))
}
