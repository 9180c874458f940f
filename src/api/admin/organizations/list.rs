use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Organization, OrganizationPage};
use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::{MemberManagers, Require};
use crate::domain::organizations::{self, NodeFilter, Scope};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOrganizations {
    /// Only the direct children of this node (which must be in the caller's scope).
    pub parent_id: Option<i64>,
    /// Only demonstration sites (`true`) or only the other nodes (`false`).
    pub demonstration_site: Option<bool>,
    /// Only closed units (`true`: their join codes are refused) or only open ones (`false`).
    pub closed: Option<bool>,
    /// Part of the name. At most 100 characters; blank means no filter.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// List organizations: all for admins, their own subtree for org admins.
#[utoipa::path(
    operation_id = "list_organizations",
    tag = "admin: organizations",
    security(("bearer" = [])),
    params(ListOrganizations),
    responses(
        (status = 200, description = "A page of organizations, by id", body = OrganizationPage),
        (status = 400, description = "Bad cursor (`invalid_cursor`)"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs org_admin or admin"),
        (status = 404, description = "`parent_id` names no organization in the caller's scope (`unknown_reference`, with `errors` naming the field)"),
        (status = 422, description = "A parameter is invalid"),
    )
)]
#[get("/admin/organizations")]
pub async fn list(
    state: web::Data<AppState>,
    Require { user: caller, body: Query(params), .. }: Require<MemberManagers, Query<ListOrganizations>>,
) -> Result<HttpResponse, AppError> {
    let filter_limit = pagination::limit(params.limit)?;
    let after_id = pagination::decode_cursor(params.cursor.as_deref())?;
    let scope = Scope::of(caller.role, caller.org_path());
    let page = state
        .db
        .run(move |conn| {
            let filter = NodeFilter {
                parent_id: params.parent_id,
                demonstration_site: params.demonstration_site,
                closed: params.closed,
                query: params.q.as_deref(),
                after_id,
                limit: filter_limit,
            };
            organizations::list(conn, &scope, &filter)
        })
        .await?;
    let page: OrganizationPage = pagination::paged(page, |row| row.id, Organization::from);
    Ok(HttpResponse::Ok().json(page))
}
