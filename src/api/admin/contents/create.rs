use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ContentFields, StaffContent, actor};
use crate::api::contents::feed::KindFilter;
use crate::api::extract::Json;
use crate::auth::AuthUser;
use crate::domain::contents::{self, Kind};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateContent {
    pub kind: KindFilter,
    #[serde(flatten)]
    pub fields: ContentFields,
}

/// Create a draft article or micro-video; the caller is its author.
///
/// Articles need `title`, `topic`, `audiences` and `body_markdown`; videos need `title`,
/// `topic`, `audiences` and `media_id` (an uploaded video), with `duration_s` when the file
/// does not tell it.
#[utoipa::path(
    operation_id = "admin_create_content",
    tag = "admin: contents",
    security(("bearer" = [])),
    request_body = CreateContent,
    responses(
        (status = 201, description = "The new draft", body = StaffContent, headers(("Location" = String))),
        (status = 403, description = "Needs editor, reviewer or admin"),
    )
)]
#[post("/admin/contents")]
pub async fn create(state: web::Data<AppState>, caller: AuthUser, Json(body): Json<CreateContent>) -> Result<HttpResponse, AppError> {
    let kind = match body.kind {
        KindFilter::Article => Kind::Article,
        KindFilter::Video => Kind::Video,
    };
    let (actor, now) = (actor(&caller), state.clock.now());
    let input = body.fields.into_input();
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
