use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::Organization;
use crate::api::extract::Json;
use crate::auth::{MemberManagers, Require};
use crate::domain::organizations::{self, NewNode, Scope};
use crate::domain::vocab::OrgKind;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    /// The parent node; omit for a root (the county: admins only, 403 for org admins). An
    /// id that names no organization (for an org admin: none in their subtree) is 404
    /// `unknown_reference`.
    #[schema(example = 1)]
    pub parent_id: Option<i64>,
    /// 1–100 characters, not all white space, without control characters; stored trimmed.
    // The pattern is `organizations::NAME_PATTERN` (an attribute takes only a literal).
    #[schema(
        example = "民族团结实验小学",
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    pub kind: OrgKind,
    /// Admins only (403 for org admins when `true`).
    #[serde(default)]
    #[schema(example = true)]
    pub demonstration_site: bool,
    /// The local day (in `TONGXIN_TIMEZONE`) the site was granted, not in the future;
    /// omitted or `null`: today. Only with `demonstration_site: true` (otherwise 422).
    #[serde(default, deserialize_with = "crate::serde_ext::optional_date")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-09-01")]
    pub demonstration_since: Option<NaiveDate>,
}

/// Create an organization; a join code is generated for it. `demonstration_since` may be
/// sent only with `demonstration_site: true`, and not be a day after today.
///
/// Admins create anywhere. Org admins create under their own node or any node below it:
/// a `parent_id` outside their subtree is 404 `unknown_reference` as if it did not exist;
/// a top-level node (no `parent_id`) and the demonstration-site title are for admins
/// (403). Audited as `organization.create`.
#[utoipa::path(
    operation_id = "create_organization",
    tag = "admin: organizations",
    security(("bearer" = [])),
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "Created", body = Organization,
            headers(("Location" = String, description = "The new organization's URL"))),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs org_admin or admin; org admins cannot create a top-level node or grant the demonstration-site title (`forbidden`)"),
        (status = 404, description = "`parent_id` names no organization in the caller's scope (`unknown_reference`, with `errors` naming the field)"),
        (status = 422, description = "A field is invalid: a bad name, a `demonstration_since` in the future or without `demonstration_site: true` (`validation_failed`)"),
    )
)]
#[post("/admin/organizations")]
pub async fn create(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<MemberManagers, Json<CreateOrganization>>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, tz) = (caller.id, state.clock.now(), state.config.timezone);
    let scope = Scope::of(caller.role, caller.org_path());
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
            organizations::create(conn, Some(actor), &scope, &node, now, tz)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/admin/organizations/{}", row.id)))
        .json(Organization::from(row)))
}
