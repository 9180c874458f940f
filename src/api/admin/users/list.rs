use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Member, MemberPage};
use crate::api::extract::Query;
use crate::api::pagination;
use crate::auth::{MemberManagers, Require};
use crate::domain::members::{self, MemberFilter};
use crate::domain::organizations::Scope;
use crate::domain::privacy;
use crate::domain::vocab::Role;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsers {
    /// Part of the username or display name. At most 100 characters; blank means no filter.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// Only members of this organization and the nodes below it.
    pub org_id: Option<i64>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// Search members: everyone for admins, their own subtree for org admins. Each search is
/// recorded in the audit log (`user.search`) with its filter and the ids it returned.
#[utoipa::path(
    operation_id = "list_users",
    tag = "admin: users",
    security(("bearer" = [])),
    params(ListUsers),
    responses(
        (status = 200, description = "A page of members, by id", body = MemberPage),
        (status = 400, description = "Bad cursor (`invalid_cursor`)"),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs org_admin or admin"),
        (status = 404, description = "`org_id` names no organization in the caller's scope (`unknown_reference`, with `errors` naming the field)"),
        (status = 422, description = "A parameter is invalid"),
    )
)]
#[get("/admin/users")]
pub async fn list(
    state: web::Data<AppState>,
    Require { user: caller, body: Query(params), .. }: Require<MemberManagers, Query<ListUsers>>,
) -> Result<HttpResponse, AppError> {
    let limit = pagination::limit(params.limit)?;
    let after_id = pagination::decode_cursor(params.cursor.as_deref())?;
    let scope = Scope::of(caller.role, caller.org_path());
    let (actor, now) = (caller.id, state.clock.now());
    let page = state
        .db
        .run(move |conn| {
            let filter = MemberFilter {
                query: params.q.as_deref(),
                org_id: params.org_id,
                role: params.role,
                disabled: params.disabled,
                after_id,
                limit,
            };
            let page = members::list(conn, &scope, &filter)?;
            // Search results are personal data read by staff: recorded before they are sent.
            let returned: Vec<i64> = page.items.iter().map(|(user, _)| user.id).collect();
            let record = privacy::SearchRecord {
                query: params.q.as_deref(),
                org_id: params.org_id,
                role: params.role.map(Role::as_str),
                disabled: params.disabled,
                after_id,
            };
            privacy::audit_search(conn, actor, &record, &returned, now)?;
            Ok(page)
        })
        .await?;
    let page: MemberPage = pagination::paged(page, |(user, _)| user.id, Member::from);
    Ok(HttpResponse::Ok().json(page))
}
