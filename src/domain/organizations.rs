//! The organization tree: creating nodes, renaming and moving them, join codes,
//! demonstration sites, and the subtree scope that limits what an org admin sees.
//!
//! The tree is a materialized path: every node stores the ids from its root down
//! ("/1/4/9/"), and `path` is indexed (byte-ordered: `COLLATE "C"` on PostgreSQL, SQLite's
//! default). Why this rather than a closure table:
//! - a subtree is one index range scan, `path >= '/1/4/' AND path < '/1/40'`, the same SQL
//!   on both backends, and it composes with any other filter (users join their node and
//!   get the same range), with no second table to join or keep in step;
//! - moving a node rewrites its subtree's paths in one `UPDATE` (a closure table deletes
//!   and reinserts the cross product of the subtree and its old/new ancestors);
//! - the tree is shallow (county → township → school → grade → class: at most 5 levels),
//!   so paths stay short and "is X inside Y" is a string prefix test in memory too.
//!
//! Scope: every staff read or write that an org admin may make goes through [`Scope::of`]
//! and then [`find_in_scope`] (a node) or [`user_in_scope`] (a member); lists use
//! [`Scope::list_root`]. Anything outside answers 404 `not_found`, as if it did not exist.
//!
//! Org admins run the units of their subtree: they create nodes under any node of it,
//! rename, re-kind and move them between its nodes, rotate join codes, and close and
//! reopen units. They never reach above their own node: a parent outside the subtree is
//! 404 `unknown_reference` (as if it did not exist), and what an admin could do with the
//! same request — a top-level node, moving their own node, the demonstration-site title
//! (granted by the county) — is 403 `forbidden`.

use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng as _;

use crate::clock::naive;
use serde_json::json;

use crate::db::models::Page;
use crate::db::models::organizations::{
    self as org_db, NewOrganization, OrganizationChanges, OrganizationRow, subtree_range,
};
use crate::db::models::users::{self as user_db, UserWithOrg};
use crate::db::{DbConn, write_tx};
use crate::domain::audit::{self, Target};
use crate::domain::vocab::{OrgKind, Role};
use crate::error::{AppError, FieldError};

pub const NAME_CHARS: std::ops::RangeInclusive<usize> = 1..=100;
/// What `check_name` takes: no control character (C0, DEL, C1) and at least one character
/// that is neither white space (as `str::trim` sees it) nor a control character.
pub const NAME_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$";
/// No 0/O, 1/I/L: codes are read aloud in classrooms and typed on phones.
const JOIN_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const JOIN_CODE_LEN: usize = 8;

pub fn new_join_code() -> String {
    let mut rng = rand::rng();
    (0..JOIN_CODE_LEN).map(|_| char::from(JOIN_CODE_ALPHABET[rng.random_range(0..JOIN_CODE_ALPHABET.len())])).collect()
}

/// A join code as typed (any case, stray spaces), or `None` if it cannot be one.
pub fn normalize_join_code(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    ((4..=16).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(code)
}

/// A name as the document states it (`NAME_PATTERN`, 1–100 characters as sent): no
/// control characters and at least one that is not white space. Stored trimmed.
pub fn check_name(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim().to_owned();
    if !NAME_CHARS.contains(&raw.chars().count()) || name.is_empty() || raw.chars().any(char::is_control) {
        return Err(FieldError::new(
            "name",
            "must be 1 to 100 characters, not all white space, without control characters",
        ));
    }
    Ok(name)
}

/// Which part of the tree a caller may see: all of it, one subtree, or nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Subtree(String),
    Nothing,
}

impl Scope {
    /// Admins see everything; org admins their own node and below; others nothing.
    pub fn of(role: Role, org_path: Option<&str>) -> Self {
        match (role, org_path) {
            (Role::Admin, _) => Self::All,
            (Role::OrgAdmin, Some(path)) => Self::Subtree(path.to_owned()),
            _ => Self::Nothing,
        }
    }

    /// Whether a node with this path is inside the scope.
    pub fn contains(&self, path: &str) -> bool {
        match self {
            Self::All => true,
            Self::Subtree(root) => {
                let (from, to) = subtree_range(root);
                path >= from.as_str() && path < to.as_str()
            }
            Self::Nothing => false,
        }
    }

    /// Whether a member of this node (`None`: of no node) is inside the scope. Members of
    /// no organization are only in scope for admins.
    pub fn contains_member_of(&self, org: Option<&OrganizationRow>) -> bool {
        self.contains_member_path(org.map(|o| o.path.as_str()))
    }

    /// The same, from the path of the member's node (`None`: of no node).
    pub fn contains_member_path(&self, path: Option<&str>) -> bool {
        match (self, path) {
            (Self::All, _) => true,
            (_, Some(path)) => self.contains(path),
            (_, None) => false,
        }
    }

    /// For list queries: `None` when nothing is visible, else the path to stay within
    /// (`Some(None)`: no restriction).
    pub fn list_root(&self) -> Option<Option<&str>> {
        match self {
            Self::All => Some(None),
            Self::Subtree(path) => Some(Some(path)),
            Self::Nothing => None,
        }
    }
}

/// A node the caller may see, or 404 whether it exists or not (no existence leaks).
pub fn find_in_scope(conn: &mut DbConn, scope: &Scope, id: i64) -> Result<OrganizationRow, AppError> {
    org_db::find(conn, id)?.filter(|org| scope.contains(&org.path)).ok_or_else(|| AppError::not_found("organization"))
}

/// A node that a field of the request (a filter or a reference) names, if the caller may
/// see it; else 404 `unknown_reference` naming the field, whether it exists or not.
pub fn referenced_in_scope(
    conn: &mut DbConn,
    scope: &Scope,
    field: &str,
    id: i64,
) -> Result<OrganizationRow, AppError> {
    match find_in_scope(conn, scope, id) {
        Err(AppError::NotFound(_)) => Err(AppError::unknown_reference(field, "no such organization in your scope")),
        other => other,
    }
}

/// A (not deleted) member the caller may see, with their node, or 404 whether they exist
/// or not.
pub fn user_in_scope(conn: &mut DbConn, scope: &Scope, id: i64) -> Result<UserWithOrg, AppError> {
    user_db::find_active(conn, id)?
        .filter(|(_, org)| scope.contains_member_of(org.as_ref()))
        .ok_or_else(|| AppError::not_found("user"))
}

pub struct NodeFilter<'a> {
    pub parent_id: Option<i64>,
    pub demonstration_site: Option<bool>,
    pub closed: Option<bool>,
    pub query: Option<&'a str>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, scope: &Scope, filter: &NodeFilter<'_>) -> Result<Page<OrganizationRow>, AppError> {
    let query = crate::domain::search::check_query("q", filter.query)?;
    // Asking for the children of a node outside the scope is asking about that node: 404.
    if let Some(parent) = filter.parent_id {
        referenced_in_scope(conn, scope, "parent_id", parent)?;
    }
    let Some(within_path) = scope.list_root() else {
        return Ok(Page { items: Vec::new(), has_more: false });
    };
    let rows = org_db::list(
        conn,
        &org_db::ListFilter {
            within_path,
            parent_id: filter.parent_id,
            demonstration_site: filter.demonstration_site,
            closed: filter.closed,
            name_like: query.as_deref(),
            after_id: filter.after_id,
            limit: filter.limit,
        },
    )?;
    Ok(Page::from_probe(rows, filter.limit))
}

pub struct NewNode<'a> {
    pub parent_id: Option<i64>,
    pub name: &'a str,
    pub kind: OrgKind,
    pub demonstration_site: bool,
    /// The local day the site was granted; `None`: today. Only with `demonstration_site`.
    pub demonstration_since: Option<NaiveDate>,
}

/// The local day a demonstration site was granted, as stored: the given day (not in the
/// future) or today; nothing when the node is not a site, and a given day then is an error.
fn site_since(
    site: bool,
    given: Option<NaiveDate>,
    kept: Option<&str>,
    today: NaiveDate,
) -> Result<Option<String>, AppError> {
    const FIELD: &str = "demonstration_since";
    match (site, given) {
        (false, None) => Ok(None),
        (false, Some(_)) => Err(AppError::validation(FIELD, "only a demonstration site has a date it was granted")),
        (true, Some(day)) if day > today => Err(AppError::validation(FIELD, "cannot be in the future")),
        (true, Some(day)) => Ok(Some(day.format("%Y-%m-%d").to_string())),
        (true, None) => Ok(Some(kept.map_or_else(|| today.format("%Y-%m-%d").to_string(), str::to_owned))),
    }
}

fn only_admins_grant_sites() -> AppError {
    AppError::forbidden("Only admins grant or withdraw the demonstration-site title.")
}

fn only_admins_place_roots() -> AppError {
    AppError::forbidden("Only admins create or move a top-level organization.")
}

/// Creates a node inside `scope` (the system and admins: `Scope::All`); `actor` is
/// recorded in the audit log (`None`: the system). `tz` gives the local day a
/// demonstration site is granted on.
pub fn create(
    conn: &mut DbConn,
    actor: Option<i64>,
    scope: &Scope,
    node: &NewNode<'_>,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<OrganizationRow, AppError> {
    let name = check_name(node.name).map_err(|e| AppError::Validation(vec![e]))?;
    let since = site_since(node.demonstration_site, node.demonstration_since, None, local_day(now, tz))?;
    if *scope != Scope::All {
        if node.demonstration_site || node.demonstration_since.is_some() {
            return Err(only_admins_grant_sites());
        }
        if node.parent_id.is_none() {
            return Err(only_admins_place_roots());
        }
    }
    write_tx(conn, |conn| {
        let parent_path = match node.parent_id {
            // Outside the caller's subtree it is as if the parent did not exist.
            Some(parent) => referenced_in_scope(conn, scope, "parent_id", parent)?.path,
            None => "/".to_owned(),
        };
        let code = free_join_code(conn)?;
        let new = NewOrganization {
            parent_id: node.parent_id,
            name: &name,
            kind: node.kind.as_str(),
            join_code: &code,
            demonstration_site: node.demonstration_site,
            demonstration_since: since.as_deref(),
            path: "",
            created_at: naive(now),
            updated_at: naive(now),
        };
        let row = org_db::insert(conn, &new, &parent_path)?;
        let detail = json!({
            "name": row.name, "kind": row.kind, "parent_id": row.parent_id,
            "demonstration_site": row.demonstration_site, "demonstration_since": row.demonstration_since,
        });
        audit::record(conn, actor, "organization.create", Target::Organization(row.id), &detail, now)?;
        Ok(row)
    })
}

/// A join code no node uses. Collisions in 31^8 codes are rare; retry a few times. The
/// unique index still guards against a concurrent writer on PostgreSQL.
fn free_join_code(conn: &mut DbConn) -> Result<String, AppError> {
    for _ in 0..5 {
        let code = new_join_code();
        if !org_db::join_code_exists(conn, &code)? {
            return Ok(code);
        }
    }
    Err(AppError::internal(anyhow::anyhow!("could not find a free join code")))
}

#[derive(Default)]
pub struct NodeChanges<'a> {
    pub name: Option<&'a str>,
    pub kind: Option<OrgKind>,
    pub demonstration_site: Option<bool>,
    /// Sets (or corrects) the day a site was granted; only for a node that is, or is made,
    /// a demonstration site.
    pub demonstration_since: Option<NaiveDate>,
    /// `Some(None)` makes the node a root.
    pub parent_id: Option<Option<i64>>,
    pub rotate_join_code: bool,
    /// `true` closes the unit (its join code stops working), `false` reopens it.
    pub closed: Option<bool>,
}

/// Applies changes to a node inside `scope`; moving a node moves its whole subtree and may
/// not create a cycle, nor (for an org admin) leave the subtree or move its root. Turning
/// the demonstration flag on dates it today (or the given day), keeping it on keeps the
/// date, turning it off clears it. Closing keeps the first closing time; reopening clears it.
pub fn update(
    conn: &mut DbConn,
    actor: i64,
    scope: &Scope,
    id: i64,
    input: &NodeChanges<'_>,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<OrganizationRow, AppError> {
    let name = input.name.map(check_name).transpose().map_err(|e| AppError::Validation(vec![e]))?;
    write_tx(conn, |conn| {
        let current = find_in_scope(conn, scope, id)?;
        if *scope != Scope::All && (input.demonstration_site.is_some() || input.demonstration_since.is_some()) {
            return Err(only_admins_grant_sites());
        }
        // A date for a node that is not a site, and that the request does not make one:
        // the value is fine, the stored node is not.
        if input.demonstration_since.is_some() && input.demonstration_site.is_none() && !current.demonstration_site {
            return Err(AppError::conflict(
                "conflict",
                "demonstration_since: the organization is not a demonstration site; send `demonstration_site: true` with the date to make it one",
            ));
        }
        let site = input.demonstration_site.unwrap_or(current.demonstration_site);
        let kept = current.demonstration_site.then_some(current.demonstration_since.as_deref()).flatten();
        let since = site_since(site, input.demonstration_since, kept, local_day(now, tz))?;
        let closed_at = match (input.closed, current.closed_at) {
            (Some(true), None) => Some(Some(naive(now))),
            (Some(false), Some(_)) => Some(None),
            _ => None,
        };
        let mut changes = OrganizationChanges {
            name,
            kind: input.kind.map(|k| k.as_str().to_owned()),
            demonstration_site: input.demonstration_site,
            demonstration_since: (since != current.demonstration_since).then(|| since.clone()),
            closed_at,
            updated_at: Some(naive(now)),
            ..OrganizationChanges::default()
        };
        let moved = input.parent_id.filter(|new_parent| *new_parent != current.parent_id);
        if let Some(new_parent) = moved {
            // An org admin's own node hangs from a parent they cannot see: only an admin
            // moves it, as only an admin moves staff.
            if matches!(scope, Scope::Subtree(root) if *root == current.path) {
                return Err(AppError::forbidden("You cannot move your own organization; an admin places it."));
            }
            let parent_path = match new_parent {
                Some(parent_id) => {
                    // Outside the caller's subtree it is as if the parent did not exist.
                    let parent = referenced_in_scope(conn, scope, "parent_id", parent_id)?;
                    // A valid value that clashes with the tree as it is now: 409.
                    if Scope::Subtree(current.path.clone()).contains(&parent.path) {
                        return Err(AppError::conflict(
                            "conflict",
                            "parent_id: cannot move a node under itself or its descendants",
                        ));
                    }
                    parent.path
                }
                None if *scope != Scope::All => return Err(only_admins_place_roots()),
                None => "/".to_owned(),
            };
            changes.parent_id = Some(new_parent);
            org_db::move_subtree(conn, &current.path, &org_db::child_path(&parent_path, id))?;
        }
        let mut row = org_db::update(conn, id, &changes)?;
        if input.rotate_join_code {
            let code = free_join_code(conn)?;
            row = org_db::set_join_code(conn, id, &code)?;
        }
        let detail = json!({
            "name": input.name, "kind": input.kind.map(OrgKind::as_str), "parent_id": input.parent_id,
            "demonstration_site": input.demonstration_site, "rotate_join_code": input.rotate_join_code,
            "demonstration_since": changes.demonstration_since, "closed": input.closed,
            "from_parent_id": moved.map(|_| current.parent_id),
        });
        audit::record(conn, Some(actor), "organization.update", Target::Organization(id), &detail, now)?;
        Ok(row)
    })
}

fn local_day(now: DateTime<Utc>, tz: chrono_tz::Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}
