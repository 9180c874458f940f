use actix_web::{HttpResponse, patch, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use super::Organization;
use crate::api::extract::{Json, nullable};
use crate::auth::{MemberManagers, Require};
use crate::domain::organizations::{self, NodeChanges, Scope};
use crate::domain::vocab::OrgKind;
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    /// 1–100 characters, not all white space, without control characters; stored trimmed.
    // The pattern is `organizations::NAME_PATTERN` (an attribute takes only a literal).
    #[schema(
        example = "民族团结实验小学",
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    pub kind: Option<OrgKind>,
    /// Move the node (and its subtree) under another parent; `null` makes it a root (admins
    /// only). An id that names no organization (for an org admin: none in their subtree) is
    /// 404 `unknown_reference`; the node itself or one of its descendants is 409
    /// `conflict`. An org admin cannot move their own node (403).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    /// `true` makes the node a demonstration site dated today (unless `demonstration_since`
    /// is given), `false` ends it and clears the date; a site stays dated when flagged again.
    /// Admins only (403 for org admins), like `demonstration_since`.
    #[schema(example = true)]
    pub demonstration_site: Option<bool>,
    /// Sets or corrects the local day (in `TONGXIN_TIMEZONE`) the site was granted, not in
    /// the future; only for a node that is, or is made, a demonstration site: with
    /// `demonstration_site: false` it is 422, and for a node that is not a site when the
    /// request does not send `demonstration_site: true` it is 409 `conflict`.
    #[serde(default, deserialize_with = "crate::serde_ext::optional_date")]
    #[schema(value_type = Option<String>, format = Date, example = "2026-09-01")]
    pub demonstration_since: Option<NaiveDate>,
    /// `true` replaces the join code (the old one stops working).
    #[serde(default)]
    pub rotate_join_code: bool,
    /// `true` closes the unit: its join code is refused at registration and in `PATCH /me`
    /// like an unknown code, its members stay. `false` reopens it (the same code works
    /// again). Closing a closed unit keeps its `closed_at`.
    #[schema(example = false)]
    pub closed: Option<bool>,
}

/// Rename, re-kind, move, flag, close or reopen an organization, or rotate its join code.
/// `demonstration_since` may not be sent with `demonstration_site: false`, and may not be
/// a day after today.
///
/// Admins change any node. Org admins change the nodes of their own subtree (any other is
/// 404): they rename, move between nodes of their subtree (a `parent_id` outside it is 404
/// `unknown_reference`), rotate join codes and close or reopen units; moving their own
/// node, making a node top-level and the demonstration-site title are for admins (403).
/// Audited as `organization.update` (with the parent a moved node came from).
#[utoipa::path(
    operation_id = "update_organization",
    tag = "admin: organizations",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Organization id")),
    request_body = UpdateOrganization,
    responses(
        (status = 200, description = "The updated organization", body = Organization),
        (status = 401, description = "Missing, invalid or expired access token"),
        (status = 403, description = "Needs org_admin or admin; org admins cannot move their own node, make a node top-level (`parent_id: null`) or change the demonstration-site title (`forbidden`)"),
        (status = 404, description = "No such organization in the caller's scope (`not_found`), or `parent_id` names no organization in the caller's scope (`unknown_reference`, with `errors` naming the field)"),
        (status = 409, description = "The change clashes with the stored tree (`conflict`): a move under the node itself or one of its descendants, or a `demonstration_since` for a node that is not a demonstration site without `demonstration_site: true`"),
        (status = 422, description = "A field is invalid: a bad name, a `demonstration_since` in the future or sent with `demonstration_site: false` (`validation_failed`)"),
    )
)]
#[patch("/admin/organizations/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<MemberManagers, Json<UpdateOrganization>>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (actor, now, tz) = (caller.id, state.clock.now(), state.config.timezone);
    let scope = Scope::of(caller.role, caller.org_path());
    let id = id.into_inner();
    let row = state
        .db
        .run(move |conn| {
            let changes = NodeChanges {
                name: body.name.as_deref(),
                kind: body.kind,
                demonstration_site: body.demonstration_site,
                demonstration_since: body.demonstration_since,
                parent_id: body.parent_id,
                rotate_join_code: body.rotate_join_code,
                closed: body.closed,
            };
            organizations::update(conn, actor, &scope, id, &changes, now, tz)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Organization::from(row)))
}
