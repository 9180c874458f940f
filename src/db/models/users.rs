use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::lower;
use crate::db::DbConn;
use crate::db::models::organizations::{OrganizationRow, subtree_range};
use crate::db::schema::{organizations, refresh_tokens, users};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub username_key: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub audience: String,
    pub organization_id: Option<i64>,
    pub birth_year: Option<i32>,
    pub guardian_consent_at: Option<NaiveDateTime>,
    pub locale: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// Set while the password is a temporary one (see the migration `school_accounts`).
    pub password_temporary_until: Option<NaiveDateTime>,
    pub guardian_consent_by: Option<i64>,
    pub student_number: Option<String>,
}

/// A user with the organization they belong to, as most responses need both.
pub type UserWithOrg = (UserRow, Option<OrganizationRow>);

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub username_key: &'a str,
    /// `username_skeleton(username_key)`.
    pub username_skeleton: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub audience: &'a str,
    pub organization_id: Option<i64>,
    pub birth_year: Option<i32>,
    pub guardian_consent_at: Option<NaiveDateTime>,
    pub guardian_consent_by: Option<i64>,
    pub locale: &'a str,
    pub password_temporary_until: Option<NaiveDateTime>,
    pub student_number: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub audience: Option<String>,
    pub locale: Option<String>,
    pub organization_id: Option<Option<i64>>,
    pub role: Option<String>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
    /// `Some(None)` when a chosen password replaces a temporary one.
    pub password_temporary_until: Option<Option<NaiveDateTime>>,
    pub guardian_consent_at: Option<Option<NaiveDateTime>>,
    pub updated_at: Option<NaiveDateTime>,
}

/// The form under which a username is compared for look-alikes: the UTS #39 skeleton of
/// its key (the lower-cased NFKC name), lower-cased again so that a prototype in capitals
/// (`0` → `O`) meets its lower-case twin. Two names with the same skeleton may be taken
/// for each other (Cyrillic `х` for `x`, `rn` for `m`, `1` for `l`); the unique index
/// `users_username_skeleton` lets only one of them exist. Kept here, below the domain,
/// because the migrate-time backfill needs the very same function. (A new version of the
/// `unicode-security` tables could change some skeletons; rows keep the ones they got.)
pub fn username_skeleton(username_key: &str) -> String {
    unicode_security::skeleton(username_key).collect::<String>().to_lowercase()
}

/// Whether a live account's username has this skeleton.
pub fn skeleton_taken(conn: &mut DbConn, skeleton: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::username_skeleton.eq(skeleton)))).get_result(conn)
}

/// True when `err` is the unique index on skeletons refusing a look-alike (PostgreSQL
/// names the constraint; SQLite names the column in its message).
pub fn is_skeleton_violation(err: &diesel::result::Error) -> bool {
    match err {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name().is_some_and(|c| c.contains("skeleton")) || info.message().contains("skeleton")
        }
        _ => false,
    }
}

/// Computes the skeleton of live accounts that have none: rows from before the column
/// existed, or written by tools that insert users directly. Runs when the server
/// migrates, so every database gets them without an operator's step. In id order: of
/// several look-alikes registered before the rule, the oldest keeps the skeleton and the
/// others stay without one (nobody is renamed; a new look-alike of any of them is still
/// refused, since they share it). Returns how many rows got one.
pub fn backfill_skeletons(conn: &mut DbConn) -> QueryResult<usize> {
    let missing: Vec<(i64, String)> = users::table
        .filter(users::username_skeleton.is_null())
        .filter(users::deleted_at.is_null())
        .order(users::id.asc())
        .select((users::id, users::username_key))
        .load(conn)?;
    if missing.is_empty() {
        return Ok(0);
    }
    let mut taken: std::collections::HashSet<String> = users::table
        .filter(users::username_skeleton.is_not_null())
        .select(users::username_skeleton)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    let todo: Vec<(i64, String)> = missing
        .into_iter()
        .filter_map(|(id, key)| {
            let skeleton = username_skeleton(&key);
            taken.insert(skeleton.clone()).then_some((id, skeleton))
        })
        .collect();
    let set_one = |conn: &mut DbConn, id: i64, skeleton: &str| {
        diesel::update(users::table.find(id).filter(users::username_skeleton.is_null()))
            .set(users::username_skeleton.eq(skeleton))
            .execute(conn)
    };
    let mut set = 0;
    for chunk in todo.chunks(500) {
        let done = conn.transaction(|conn| {
            let mut n = 0;
            for (id, skeleton) in chunk {
                n += set_one(conn, *id, skeleton)?;
            }
            Ok::<_, diesel::result::Error>(n)
        });
        set += match done {
            Ok(n) => n,
            // A server already running registered a look-alike meanwhile: one by one,
            // leaving out whoever collides.
            Err(e) if is_skeleton_violation(&e) => {
                let mut n = 0;
                for (id, skeleton) in chunk {
                    match conn.transaction(|conn| set_one(conn, *id, skeleton)) {
                        Ok(one) => n += one,
                        Err(e) if is_skeleton_violation(&e) => {}
                        Err(e) => return Err(e),
                    }
                }
                n
            }
            Err(e) => return Err(e),
        };
    }
    Ok(set)
}

/// Sets a chosen password in place of `old_hash` (a temporary password stops being one);
/// 0 rows when the hash is no longer `old_hash`.
pub fn replace_password_hash(
    conn: &mut DbConn,
    id: i64,
    old_hash: &str,
    new_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id).filter(users::password_hash.eq(old_hash)).filter(users::deleted_at.is_null()))
        .set((
            users::password_hash.eq(new_hash),
            users::password_temporary_until.eq(None::<NaiveDateTime>),
            users::updated_at.eq(at),
        ))
        .execute(conn)
}

/// Records which staff member recorded a guardian's consent.
pub fn set_consent_recorder(conn: &mut DbConn, id: i64, recorder: i64) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set(users::guardian_consent_by.eq(Some(recorder))).execute(conn)
}

/// The live accounts of a unit with these student numbers (a roster's earlier import).
pub fn find_by_student_numbers(conn: &mut DbConn, organization_id: i64, numbers: &[&str]) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::organization_id.eq(organization_id))
        .filter(users::student_number.eq_any(numbers))
        .filter(users::deleted_at.is_null())
        .select(UserRow::as_select())
        .load(conn)
}

/// Key of the PostgreSQL advisory lock a roster import holds ("roster" in ASCII).
const ROSTER_LOCK: i64 = 0x0000_726f_7374_6572;

/// Makes roster imports take turns until the end of the transaction, on every instance.
/// Two imports inserting the same names in different orders would otherwise wait on each
/// other's rows and one would die in a deadlock. SQLite has one writer at a time anyway.
pub fn lock_roster_imports(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(_) => Ok(()),
        DbConn::Pg(_) => {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({ROSTER_LOCK})")).execute(conn).map(|_| ())
        }
    }
}

/// True when `err` is the unique index on (organization, student number) refusing a
/// second account for the same pupil (PostgreSQL names the index; SQLite the columns).
pub fn is_student_number_violation(err: &diesel::result::Error) -> bool {
    match err {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, info) => {
            info.constraint_name().is_some_and(|c| c.contains("student_number"))
                || info.message().contains("student_number")
        }
        _ => false,
    }
}

/// Whether a live account has this username key or this skeleton (a look-alike).
pub fn name_in_use(conn: &mut DbConn, key: &str, skeleton: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::username_key.eq(key).or(users::username_skeleton.eq(skeleton))),
    ))
    .get_result(conn)
}

/// A live (not deleted) user by id, with their organization.
pub fn find_active(conn: &mut DbConn, id: i64) -> QueryResult<Option<UserWithOrg>> {
    users::table
        .left_join(organizations::table)
        .filter(users::id.eq(id))
        .filter(users::deleted_at.is_null())
        .select((UserRow::as_select(), Option::<OrganizationRow>::as_select()))
        .first(conn)
        .optional()
}

/// The caller of a request: a live user by id with their organization, and whether the
/// session (refresh-token family) their access token was issued with is still alive.
/// One statement, so checking the session costs no extra round trip: a logout, a reused
/// refresh token or a password change ends the session's access tokens at once, on every
/// instance (the partial index `refresh_tokens_live_family` answers the `EXISTS`). The
/// session id comes from a signed token and a family belongs to one user: the family
/// alone is looked up, so that index, not every token the user ever had, is probed.
pub fn find_caller(conn: &mut DbConn, id: i64, session: &str) -> QueryResult<Option<(UserWithOrg, bool)>> {
    let alive = diesel::dsl::exists(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(session))
            .filter(refresh_tokens::revoked_at.is_null()),
    );
    users::table
        .left_join(organizations::table)
        .filter(users::id.eq(id))
        .filter(users::deleted_at.is_null())
        .select((UserRow::as_select(), Option::<OrganizationRow>::as_select(), alive))
        .first::<(UserRow, Option<OrganizationRow>, bool)>(conn)
        .optional()
        .map(|found| found.map(|(user, org, alive)| ((user, org), alive)))
}

pub fn find_by_username_key(conn: &mut DbConn, key: &str) -> QueryResult<Option<UserWithOrg>> {
    users::table
        .left_join(organizations::table)
        .filter(users::username_key.eq(key))
        .filter(users::deleted_at.is_null())
        .select((UserRow::as_select(), Option::<OrganizationRow>::as_select()))
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> QueryResult<i64> {
    diesel::insert_into(users::table).values(new).returning(users::id).get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &UserChanges) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set(changes).execute(conn)
}

pub struct ListFilter<'a> {
    /// Only members of organizations inside this subtree.
    pub within_path: Option<&'a str>,
    /// Substring of the username or the display name.
    pub query: Option<&'a str>,
    pub role: Option<&'a str>,
    pub disabled: Option<bool>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, filter: &ListFilter<'_>) -> QueryResult<Vec<UserWithOrg>> {
    let mut query = users::table
        .left_join(organizations::table)
        .filter(users::deleted_at.is_null())
        .select((UserRow::as_select(), Option::<OrganizationRow>::as_select()))
        .into_boxed();
    if let Some(path) = filter.within_path {
        let (from, to) = subtree_range(path);
        query = query.filter(organizations::path.ge(from)).filter(organizations::path.lt(to));
    }
    if let Some(needle) = filter.query {
        let pattern = super::like_pattern(&needle.to_lowercase());
        query = query.filter(
            users::username_key
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::display_name).like(pattern).escape('\\')),
        );
    }
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    // The flag itself rather than `= ?`: then the partial index of the few disabled serves it.
    match filter.disabled {
        Some(true) => query = query.filter(users::disabled),
        Some(false) => query = query.filter(diesel::dsl::not(users::disabled)),
        None => {}
    }
    if let Some(after) = filter.after_id {
        query = query.filter(users::id.gt(after));
    }
    query.order(users::id.asc()).limit(filter.limit + 1).load(conn)
}

/// `(id, username, display_name)` of these users, in one query (names shown beside items).
pub fn names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String, String)>> {
    users::table.filter(users::id.eq_any(ids)).select((users::id, users::username, users::display_name)).load(conn)
}
