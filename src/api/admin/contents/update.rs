use actix_web::{HttpResponse, patch, web};

use super::{ContentFields, StaffContent, actor};
use crate::api::extract::Json;
use crate::auth::{ContentStaff, Require};
use crate::domain::contents;
use crate::error::AppError;
use crate::startup::AppState;

/// Edit a content; the caller becomes one of the writers of the revision, who may not
/// approve it.
///
/// Drafts: their author or a reviewer, changed in place. Published contents: their author
/// or a reviewer; the change goes to the pending `revision` (started from the published
/// version) and learners keep the published version until the change is submitted and
/// approved by a reviewer who neither wrote nor submitted it. Items (or changes) in review
/// and archived items cannot be edited. Status changes only through the workflow
/// endpoints. `kind` cannot change (it may not be sent); fields of the other kind (an
/// article's `body_markdown`, a video's `media_id`, `duration_s` and `poster_media_id`)
/// conflict with the stored kind: 409 `conflict`. A media id naming no file is 404
/// `unknown_reference`, as is a topic naming none.
#[utoipa::path(
    operation_id = "admin_update_content",
    tag = "admin: contents",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Content id")),
    request_body = ContentFields,
    responses(
        (status = 200, description = "The content: the draft as edited, or the published version with its pending `revision`", body = StaffContent),
        (status = 403, description = "Not allowed for this caller in this state"),
        (status = 404, description = "No such content, or a reference naming nothing (`unknown_reference`)"),
        (status = 409, description = "Not editable in its state (`invalid_state`), a field of the other kind, or a `duration_s` more than 1 s away from the video file's (a new `media_id` brings its file's duration) (`conflict`)"),
        (status = 422, description = "A field is invalid"),
    )
)]
#[patch("/admin/contents/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<ContentStaff, Json<ContentFields>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    if body.kind.is_some() {
        return Err(AppError::validation("kind", "cannot be changed; create a new content instead"));
    }
    let (actor, now, id) = (actor(&caller), state.clock.now(), id.into_inner());
    let input = body.into_input();
    let data = state
        .db
        .run(move |conn| {
            contents::update(conn, actor, id, &input, now)?;
            contents::staff_view(conn, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(StaffContent::from_data(data)))
}
