//! Staff management of accounts: admins everywhere, org admins inside their subtree.

use chrono::{DateTime, Utc};

use crate::clock::naive;
use crate::db::models::Page;
use crate::db::models::users::{self as user_db, UserChanges, UserWithOrg};
use crate::db::{DbConn, write_tx};
use serde_json::json;

use crate::domain::audit::{self, Target};
use crate::domain::organizations::{Scope, referenced_in_scope, user_in_scope};
use crate::domain::sessions;
use crate::domain::vocab::Role;
use crate::error::AppError;

/// The staff member acting, as far as these rules care.
pub struct Actor {
    pub id: i64,
    pub role: Role,
    pub scope: Scope,
}

pub struct MemberFilter<'a> {
    pub query: Option<&'a str>,
    /// Only members of this organization's subtree (which must be in the actor's scope).
    pub org_id: Option<i64>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, scope: &Scope, filter: &MemberFilter<'_>) -> Result<Page<UserWithOrg>, AppError> {
    let query = crate::domain::search::check_query("q", filter.query)?;
    let requested_root = match filter.org_id {
        Some(id) => Some(referenced_in_scope(conn, scope, "org_id", id)?.path),
        None => None,
    };
    let Some(scope_root) = scope.list_root() else {
        return Ok(Page { items: Vec::new(), has_more: false });
    };
    let rows = user_db::list(
        conn,
        &user_db::ListFilter {
            // A requested node inside the scope is the narrower of the two.
            within_path: requested_root.as_deref().or(scope_root),
            query: query.as_deref(),
            role: filter.role.map(Role::as_str),
            disabled: filter.disabled,
            after_id: filter.after_id,
            limit: filter.limit,
        },
    )?;
    Ok(Page::from_probe(rows, filter.limit))
}

#[derive(Default)]
pub struct MemberChanges {
    pub role: Option<Role>,
    /// `Some(None)` removes the member from any organization (admins only).
    pub organization_id: Option<Option<i64>>,
    pub disabled: Option<bool>,
}

/// Applies staff changes to an account; disabling ends all of its sessions.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    target_id: i64,
    input: &MemberChanges,
    now: DateTime<Utc>,
) -> Result<UserWithOrg, AppError> {
    write_tx(conn, |conn| {
        let (target, _) = user_in_scope(conn, &actor.scope, target_id)?;
        if input.role.is_some() && actor.role != Role::Admin {
            return Err(AppError::forbidden("Only admins can change roles."));
        }
        // Staff accounts (an org admin's own included) are placed and disabled by admins
        // only: otherwise an org admin could move a peer or themselves, and their scope
        // with them, or lock out the reviewer who checks their unit.
        if actor.role != Role::Admin && target.role != Role::Learner.as_str() {
            return Err(AppError::forbidden(
                "Org admins manage learners only; staff accounts are managed by an admin.",
            ));
        }
        if target.id == actor.id && (input.role.is_some() || input.disabled == Some(true)) {
            return Err(AppError::forbidden("You cannot change your own role or disable yourself."));
        }
        let organization_id = match input.organization_id {
            // The same scope check as everywhere; here a field of the request names a node
            // the caller cannot see: 404 `unknown_reference` naming the field.
            Some(Some(org_id)) => Some(Some(referenced_in_scope(conn, &actor.scope, "organization_id", org_id)?.id)),
            // A permission, not a bad value: the same request from an admin succeeds.
            Some(None) if actor.scope != Scope::All => {
                return Err(AppError::forbidden("Only admins can remove a member from the organization tree."));
            }
            other => other,
        };
        let changes = UserChanges {
            role: input.role.map(|r| r.as_str().to_owned()),
            organization_id,
            disabled: input.disabled,
            updated_at: Some(naive(now)),
            ..UserChanges::default()
        };
        user_db::update(conn, target.id, &changes)?;
        if input.disabled == Some(true) {
            sessions::end_all(conn, target.id, None, now)?;
        }
        let moved_from = input.organization_id.is_some().then_some(target.organization_id);
        let detail = json!({
            "role": input.role.map(Role::as_str), "organization_id": input.organization_id, "disabled": input.disabled,
            "from_organization_id": moved_from,
        });
        audit::record(conn, Some(actor.id), "user.update", Target::User(target.id), &detail, now)?;
        user_db::find_active(conn, target.id)?.ok_or_else(|| AppError::not_found("user"))
    })
}
