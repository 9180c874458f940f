use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::Organization;
use crate::api::extract::Json;
use crate::auth::{Admins, Require};
use crate::domain::organizations::{self, NewNode};
use crate::domain::vocab::OrgKind;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    /// The parent node; omit for a root (the county).
    pub parent_id: Option<i64>,
    #[schema(example = "民族团结实验小学", min_length = 1, max_length = 100)]
    pub name: String,
    pub kind: OrgKind,
    #[serde(default)]
    pub demonstration_site: bool,
    /// The local day the site was granted (not in the future); omitted: today. Only with
    /// `demonstration_site: true`.
    #[schema(example = "2026-09-01")]
    pub demonstration_since: Option<NaiveDate>,
}

/// Create an organization; a join code is generated for it.
#[utoipa::path(
    operation_id = "create_organization",
    tag = "admin: organizations",
    security(("bearer" = [])),
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "Created", body = Organization,
            headers(("Location" = String, description = "The new organization's URL"))),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs admin"),
        (status = 422, description = "A field is invalid or the parent does not exist"),
    )
)]
#[post("/admin/organizations")]
pub async fn create(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<Admins, Json<CreateOrganization>>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, tz) = (caller.id, state.clock.now(), state.config.timezone);
    let row = state
        .db
        .run(move |conn| {
            let node = NewNode {
                parent_id: body.parent_id,
                name: &body.name,
                kind: body.kind,
                demonstration_site: body.demonstration_site,
                demonstration_since: body.demonstration_since,
            };
            organizations::create(conn, Some(actor), &node, now, tz)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/admin/organizations/{}", row.id)))
        .json(Organization::from(row)))
}
