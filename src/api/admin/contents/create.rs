use actix_web::http::header;
use actix_web::{HttpResponse, post, web};

use super::{ContentFields, StaffContent, actor};
use crate::api::contents::feed::KindFilter;
use crate::api::extract::Json;
use crate::auth::{ContentStaff, Require};
use crate::domain::contents::{self, Kind};
use crate::error::AppError;
use crate::startup::AppState;

/// Create a draft article or micro-video; the caller is its author.
///
/// Articles need `title`, `topic`, `audiences` and `body_markdown`, and may not have
/// `media_id`, `duration_s` or a `poster_media_id`; videos need `title`, `topic`,
/// `audiences` and `media_id` (an uploaded video) and may not have `body_markdown`. The
/// video's duration is the file's, and `duration_s` is needed only when the file does not
/// tell it. A topic or media id naming nothing is 404 `unknown_reference`.
#[utoipa::path(
    operation_id = "admin_create_content",
    tag = "admin: contents",
    security(("bearer" = [])),
    request_body = ContentFields,
    responses(
        (status = 201, description = "The new draft", body = StaffContent, headers(("Location" = String))),
        (status = 403, description = "Needs editor, reviewer or admin"),
        (status = 404, description = "A topic or media file named does not exist (`unknown_reference`)"),
        (status = 409, description = "`duration_s` is more than 1 s away from the video file's duration (`conflict`)"),
        (status = 422, description = "A field is invalid"),
    )
)]
#[post("/admin/contents")]
pub async fn create(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<ContentStaff, Json<ContentFields>>,
) -> Result<HttpResponse, AppError> {
    let kind = match body.kind {
        Some(KindFilter::Article) => Kind::Article,
        Some(KindFilter::Video) => Kind::Video,
        None => return Err(AppError::validation("kind", "is required: article or video")),
    };
    let (actor, now) = (actor(&caller), state.clock.now());
    let input = body.into_input();
    let data = state
        .db
        .run(move |conn| {
            let id = contents::create(conn, actor, kind, &input, now)?;
            contents::staff_view(conn, id)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/admin/contents/{}", data.row.id)))
        .json(StaffContent::from_data(data)))
}
