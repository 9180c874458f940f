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
pub struct TranslationBody {
    pub title: String,
    pub summary: Option<String>,
    /// Articles: required. Videos: not allowed.
    pub body_markdown: Option<String>,
}

/// Add or replace the translation of a content into a locale, under the same rules as
/// PATCH: into a draft directly, into the pending `revision` of a published content
/// (learners keep the published translations until the change is approved).
#[utoipa::path(
    operation_id = "admin_put_translation",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id"), ("locale" = String, Path, description = "BCP 47 tag, e.g. `en`, `ug`")),
    request_body = TranslationBody,
    responses(
        (status = 200, description = "The content with its translations (and its pending `revision`)", body = StaffContent),
        (status = 403, description = "Not allowed for this caller in this state"),
        (status = 404, description = "No such content"),
        (status = 409, description = "Not editable in its state (`invalid_state`)"),
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
