//! Staff management of accounts: admins everywhere, org admins inside their subtree.

use chrono::{DateTime, Utc};

use crate::clock::naive;
use crate::db::models::Page;
use crate::db::models::users::{self as user_db, UserChanges, UserRow, UserWithOrg};
use crate::db::{DbConn, write_tx};
use serde_json::json;

use crate::domain::accounts::{local_year, may_be_minor};
use crate::domain::audit::{self, Target};
use crate::domain::organizations::{Scope, referenced_in_scope, user_in_scope};
use crate::domain::sessions;
use crate::domain::vocab::{Audience, Role};
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
    /// Staff set pupils' audiences (a pupil cannot change their own).
    pub audience: Option<Audience>,
    /// The staff member records that a guardian consented (the school holds the form).
    pub guardian_consent: bool,
}

/// Org admins manage learners only; staff accounts (an org admin's own included) are
/// managed by admins: otherwise an org admin could move, disable or reset a peer or
/// themselves, or lock out the reviewer who checks their unit.
pub fn require_manageable(actor: &Actor, target: &UserRow) -> Result<(), AppError> {
    if actor.role != Role::Admin && target.role != Role::Learner.as_str() {
        return Err(AppError::forbidden("Org admins manage learners only; staff accounts are managed by an admin."));
    }
    Ok(())
}

/// When staff record a guardian's consent: asked for (`guardian_consent`) or needed, the
/// same rule as `PATCH /me` — moving someone who may be under 14 into a pupil audience
/// needs it. `None` when nothing is to be recorded (already recorded, or not needed).
fn consent_change(
    target: &UserRow,
    input: &MemberChanges,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<Option<chrono::NaiveDateTime>, AppError> {
    let current = Audience::parse(&target.audience).unwrap_or(Audience::Public);
    let audience = input.audience.unwrap_or(current);
    let minor = may_be_minor(audience, target.birth_year, local_year(now, tz));
    if target.guardian_consent_at.is_some() || !minor {
        return Ok(None);
    }
    if input.guardian_consent {
        return Ok(Some(naive(now)));
    }
    if input.audience.is_some_and(|a| a != current) {
        return Err(AppError::Unprocessable {
            code: "guardian_consent_required",
            detail: "This member may be under 14 in a pupil audience: send guardian_consent: true once the school \
                     holds a guardian's consent."
                .into(),
        });
    }
    Ok(None)
}

/// Applies staff changes to an account; disabling ends all of its sessions.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    target_id: i64,
    input: &MemberChanges,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<UserWithOrg, AppError> {
    write_tx(conn, |conn| {
        let (target, _) = user_in_scope(conn, &actor.scope, target_id)?;
        if input.role.is_some() && actor.role != Role::Admin {
            return Err(AppError::forbidden("Only admins can change roles."));
        }
        require_manageable(actor, &target)?;
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
        let consent = consent_change(&target, input, now, tz)?;
        let changes = UserChanges {
            role: input.role.map(|r| r.as_str().to_owned()),
            organization_id,
            disabled: input.disabled,
            audience: input.audience.map(|a| a.as_str().to_owned()),
            guardian_consent_at: consent.map(Some),
            updated_at: Some(naive(now)),
            ..UserChanges::default()
        };
        user_db::update(conn, target.id, &changes)?;
        if consent.is_some() {
            user_db::set_consent_recorder(conn, target.id, actor.id)?;
        }
        if input.disabled == Some(true) {
            sessions::end_all(conn, target.id, None, now)?;
        }
        let moved_from = input.organization_id.is_some().then_some(target.organization_id);
        let detail = json!({
            "role": input.role.map(Role::as_str), "organization_id": input.organization_id, "disabled": input.disabled,
            "from_organization_id": moved_from, "audience": input.audience.map(Audience::as_str),
            "guardian_consent_recorded": consent.is_some(),
        });
        audit::record(conn, Some(actor.id), "user.update", Target::User(target.id), &detail, now)?;
        user_db::find_active(conn, target.id)?.ok_or_else(|| AppError::not_found("user"))
    })
}
