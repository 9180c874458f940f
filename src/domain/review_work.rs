//! The reviewers' and editors' overview of the workflow across contents, quizzes and
//! campaigns: one review queue, oldest submission first, each item saying whether the
//! caller may approve it (four eyes), and the number of items in each state.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::clock::naive;
use crate::db::DbConn;
use crate::db::models::Page;
use crate::db::models::users as user_db;
use crate::db::models::workflow_items::{self as items_db, QueueKey, QueueRow, StatusCounts};
use crate::domain::workflow::{self, Actor, FourEyes};
use crate::error::AppError;

/// Someone named beside an item.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub username: String,
    pub display_name: String,
}

#[derive(Debug, Clone)]
pub struct QueueItem {
    pub row: QueueRow,
    pub submitted_by: Option<Person>,
    pub author: Person,
    /// Why the caller may not approve it, if they may not.
    pub not_approvable: Option<FourEyes>,
}

/// A page of the queue: items after `after`, plus the key of the last one when more follow.
pub fn queue(
    conn: &mut DbConn,
    actor: Actor,
    kind: Option<&str>,
    after: Option<QueueKey>,
    limit: i64,
) -> Result<(Vec<QueueItem>, Option<QueueKey>), AppError> {
    workflow::require_reviewer(actor.role)?;
    let Page { items: rows, has_more } =
        items_db::review_queue(conn, kind, after.unwrap_or_else(QueueKey::start), limit)?;
    let mut ids: Vec<i64> = rows.iter().flat_map(|r| [Some(r.author_id), r.submitted_by]).flatten().collect();
    ids.sort_unstable();
    ids.dedup();
    let people: HashMap<i64, Person> = user_db::names(conn, &ids)?
        .into_iter()
        .map(|(id, username, display_name)| (id, Person { id, username, display_name }))
        .collect();
    // An erased account keeps its id on the item; it is shown without a name.
    let person = |id: i64| {
        people.get(&id).cloned().unwrap_or(Person { id, username: String::new(), display_name: String::new() })
    };
    let next = if has_more {
        rows.last().map(|r| QueueKey { submitted_at: r.submitted_at, kind_order: r.kind_order, id: r.id })
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|row| {
            let item = workflow::Item::from_columns(
                &row.status,
                row.author_id,
                row.revision_status.as_deref(),
                &row.revised_by,
                row.submitted_by,
            );
            QueueItem {
                not_approvable: workflow::four_eyes(actor.id, &item),
                submitted_by: row.submitted_by.map(person),
                author: person(row.author_id),
                row,
            }
        })
        .collect();
    Ok((items, next))
}

/// Counts per workflow state of contents, quizzes and campaigns, in that order: every
/// item's (content staff may list everyone's items) or only those `author_id` wrote.
pub fn counts(
    conn: &mut DbConn,
    actor: Actor,
    author_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<[StatusCounts; 3], AppError> {
    workflow::require_editor(actor.role)?;
    let rows = items_db::status_counts(conn, naive(now), author_id)?;
    let of = |kind: &str| rows.iter().find(|r| r.item_kind == kind).cloned().unwrap_or_default();
    Ok(items_db::ITEM_KINDS.map(of))
}

/// The queue's cursor: `<microseconds since 1970>_<kind>_<id>`, as the pattern documented
/// on `GET /admin/review-queue` says.
pub fn encode_cursor(key: QueueKey) -> String {
    let kind = items_db::ITEM_KINDS.get(key.kind_order as usize).copied().unwrap_or("content");
    format!("{}_{kind}_{}", key.submitted_at.and_utc().timestamp_micros().max(0), key.id)
}

/// Reads a cursor matching that pattern; `None` for any other text.
pub fn decode_cursor(text: &str) -> Option<QueueKey> {
    let mut parts = text.splitn(3, '_');
    let (micros, kind, id) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(micros, 16) || !digits(id, 18) {
        return None;
    }
    let submitted_at: NaiveDateTime = DateTime::from_timestamp_micros(micros.parse().ok()?)?.naive_utc();
    let kind_order = items_db::ITEM_KINDS.iter().position(|k| *k == kind)? as i32;
    Some(QueueKey { submitted_at, kind_order, id: id.parse().ok()? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_cursors_round_trip_and_refuse_other_text() {
        let key = decode_cursor("1765000000123456_quiz_42");
        assert_eq!(key.map(|k| (k.kind_order, k.id)), Some((1, 42)));
        assert_eq!(key.map(encode_cursor).as_deref(), Some("1765000000123456_quiz_42"));
        for bad in ["", "1_poll_2", "+1_quiz_2", "1_quiz_", "1_quiz_2_3"] {
            assert!(decode_cursor(bad).is_none(), "{bad}");
        }
    }
}
