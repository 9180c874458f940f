use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::organizations;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub kind: String,
    pub join_code: String,
    pub demonstration_site: bool,
    pub path: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The local day (YYYY-MM-DD) the node became a demonstration site; `None` when not one.
    pub demonstration_since: Option<String>,
    /// When the unit was closed (its join code stops working); `None` while it is open.
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organizations)]
pub struct NewOrganization<'a> {
    pub parent_id: Option<i64>,
    pub name: &'a str,
    pub kind: &'a str,
    pub join_code: &'a str,
    pub demonstration_site: bool,
    pub demonstration_since: Option<&'a str>,
    pub path: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = organizations)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub demonstration_site: Option<bool>,
    pub demonstration_since: Option<Option<String>>,
    pub parent_id: Option<Option<i64>>,
    pub closed_at: Option<Option<NaiveDateTime>>,
    pub updated_at: Option<NaiveDateTime>,
}

/// The materialized path of a node with this id under a parent path ("/" for a root).
pub fn child_path(parent_path: &str, id: i64) -> String {
    format!("{parent_path}{id}/")
}

/// The half-open range `[path, upper)` that contains exactly `path` and its descendants.
/// Paths end in '/', and '0' is the byte after '/', so "/1/4/" .. "/1/40" holds every
/// "/1/4/…" and nothing else.
pub fn subtree_range(path: &str) -> (String, String) {
    let upper = format!("{}0", &path[..path.len() - 1]);
    (path.to_owned(), upper)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<OrganizationRow>> {
    organizations::table.find(id).select(OrganizationRow::as_select()).first(conn).optional()
}

/// The open unit with this join code: a closed unit's code is refused like an unknown one.
pub fn find_open_by_join_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<OrganizationRow>> {
    organizations::table
        .filter(organizations::join_code.eq(code))
        .filter(organizations::closed_at.is_null())
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts a node and fills in its path (which needs the new id) in the same transaction
/// as the caller's.
pub fn insert(conn: &mut DbConn, new: &NewOrganization<'_>, parent_path: &str) -> QueryResult<OrganizationRow> {
    let id: i64 =
        diesel::insert_into(organizations::table).values(new).returning(organizations::id).get_result(conn)?;
    let path = child_path(parent_path, id);
    diesel::update(organizations::table.find(id))
        .set(organizations::path.eq(&path))
        .returning(organizations::all_columns)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, changes: &OrganizationChanges) -> QueryResult<OrganizationRow> {
    diesel::update(organizations::table.find(id)).set(changes).returning(organizations::all_columns).get_result(conn)
}

/// Rewrites the path prefix of a whole subtree after its root moved: one statement.
pub fn move_subtree(conn: &mut DbConn, old_path: &str, new_path: &str) -> QueryResult<usize> {
    let (from, to) = subtree_range(old_path);
    diesel::sql_query("UPDATE organizations SET path = $1 || substr(path, $2) WHERE path >= $3 AND path < $4")
        .bind::<diesel::sql_types::Text, _>(new_path)
        .bind::<diesel::sql_types::Integer, _>(old_path.len() as i32 + 1)
        .bind::<diesel::sql_types::Text, _>(from)
        .bind::<diesel::sql_types::Text, _>(to)
        .execute(conn)
}

pub struct ListFilter<'a> {
    /// Only nodes inside this subtree (the caller's scope, or a requested root).
    pub within_path: Option<&'a str>,
    pub parent_id: Option<i64>,
    pub demonstration_site: Option<bool>,
    /// Only closed units (`true`) or only open ones (`false`).
    pub closed: Option<bool>,
    /// Case-insensitive substring of the name.
    pub name_like: Option<&'a str>,
    pub after_id: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, filter: &ListFilter<'_>) -> QueryResult<Vec<OrganizationRow>> {
    let mut query = organizations::table.select(OrganizationRow::as_select()).into_boxed();
    if let Some(path) = filter.within_path {
        let (from, to) = subtree_range(path);
        query = query.filter(organizations::path.ge(from)).filter(organizations::path.lt(to));
    }
    if let Some(parent) = filter.parent_id {
        query = query.filter(organizations::parent_id.eq(parent));
    }
    // The flag itself rather than `= ?`: then the partial index of the few sites serves it.
    match filter.demonstration_site {
        Some(true) => query = query.filter(organizations::demonstration_site),
        Some(false) => query = query.filter(diesel::dsl::not(organizations::demonstration_site)),
        None => {}
    }
    match filter.closed {
        Some(true) => query = query.filter(organizations::closed_at.is_not_null()),
        Some(false) => query = query.filter(organizations::closed_at.is_null()),
        None => {}
    }
    if let Some(needle) = filter.name_like {
        query = query.filter(organizations::name.like(super::like_pattern(needle)).escape('\\'));
    }
    if let Some(after) = filter.after_id {
        query = query.filter(organizations::id.gt(after));
    }
    query.order(organizations::id.asc()).limit(filter.limit + 1).load(conn)
}

pub fn set_join_code(conn: &mut DbConn, id: i64, code: &str) -> QueryResult<OrganizationRow> {
    diesel::update(organizations::table.find(id))
        .set(organizations::join_code.eq(code))
        .returning(organizations::all_columns)
        .get_result(conn)
}

pub fn join_code_exists(conn: &mut DbConn, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(organizations::table.filter(organizations::join_code.eq(code)))).get_result(conn)
}
