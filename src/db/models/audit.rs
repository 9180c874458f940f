use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::audit_log;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    pub detail: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAudit<'a> {
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<i64>,
    pub detail: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, entry: &NewAudit<'_>) -> QueryResult<usize> {
    diesel::insert_into(audit_log::table).values(entry).execute(conn)
}

pub struct ListFilter<'a> {
    pub actor_id: Option<i64>,
    pub target_type: Option<&'a str>,
    pub target_id: Option<i64>,
    pub action: Option<&'a str>,
    /// Newest first: only entries older than this id.
    pub before_id: Option<i64>,
    pub limit: i64,
}

pub fn list(conn: &mut DbConn, filter: &ListFilter<'_>) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_log::table.select(AuditRow::as_select()).into_boxed();
    if let Some(actor) = filter.actor_id {
        query = query.filter(audit_log::actor_id.eq(actor));
    }
    if let Some(kind) = filter.target_type {
        query = query.filter(audit_log::target_type.eq(kind));
    }
    if let Some(target) = filter.target_id {
        query = query.filter(audit_log::target_id.eq(target));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_log::action.eq(action));
    }
    if let Some(before) = filter.before_id {
        query = query.filter(audit_log::id.lt(before));
    }
    query.order(audit_log::id.desc()).limit(filter.limit + 1).load(conn)
}
