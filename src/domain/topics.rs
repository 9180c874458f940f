//! Topics (专题): a slug, a name per locale, an order.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::naive;
use crate::db::models::topics::{self as topic_db, NewTopic, TopicChanges, TopicRow};
use crate::db::{DbConn, is_unique_violation, write_tx};
use crate::domain::audit::{self, Target};
use crate::domain::{accounts, locale};
use crate::error::{AppError, FieldError};

/// A topic named by its slug or its id, as content bodies may do.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TopicRef {
    Id(i64),
    Slug(String),
}

/// A topic slug as `check_slug` takes it: 2–40 of a-z, 0-9 and `-`, not starting or
/// ending with `-`.
pub const SLUG_PATTERN: &str = "^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$";

/// What serde takes for a [`TopicRef`]: an id (integer) or a slug (string). A well-formed
/// slug or id naming no topic is 404 `unknown_reference`.
impl utoipa::PartialSchema for TopicRef {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64))),
            )
            .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(SLUG_PATTERN)))
            .description(Some("Topic id, or topic slug (2–40 of a-z, 0-9 and -)"))
            .into()
    }
}

impl utoipa::ToSchema for TopicRef {}

pub fn check_slug(raw: &str) -> Result<String, FieldError> {
    let ok = (2..=40).contains(&raw.len())
        && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !raw.starts_with('-')
        && !raw.ends_with('-');
    if ok { Ok(raw.to_owned()) } else { Err(FieldError::new("slug", "must be 2–40 of a-z, 0-9 and -")) }
}

/// Names per locale: at least the default locale, each 1–50 characters.
pub fn check_names(names: &BTreeMap<String, String>) -> Result<String, FieldError> {
    if !names.contains_key(locale::DEFAULT) {
        return Err(FieldError::new("names", format!("must include a {} name", locale::DEFAULT)));
    }
    for (tag, name) in names {
        accounts::check_locale(tag).map_err(|_| FieldError::new("names", format!("`{tag}` is not a language tag")))?;
        let len = name.trim().chars().count();
        if !(1..=50).contains(&len) || name.chars().any(char::is_control) {
            return Err(FieldError::new("names", format!("the {tag} name must be 1–50 characters")));
        }
    }
    let trimmed: BTreeMap<&str, &str> = names.iter().map(|(k, v)| (k.as_str(), v.trim())).collect();
    Ok(json!(trimmed).to_string())
}

/// The topic's name in the best locale for these preferences, and that locale.
pub fn name_for(row: &TopicRow, prefs: &[String]) -> (String, String) {
    let names: BTreeMap<String, String> = serde_json::from_str(&row.names).unwrap_or_default();
    let available: Vec<&str> = names.keys().map(String::as_str).collect();
    let chosen = locale::negotiate(prefs, &available, locale::DEFAULT);
    let name = names.get(chosen).or_else(|| names.values().next()).cloned().unwrap_or_else(|| row.slug.clone());
    (name, chosen.to_owned())
}

pub fn names_of(row: &TopicRow) -> BTreeMap<String, String> {
    serde_json::from_str(&row.names).unwrap_or_default()
}

/// Finds a topic by id or slug, or a field error naming `field`.
pub fn resolve(conn: &mut DbConn, field: &str, topic: &TopicRef) -> Result<TopicRow, AppError> {
    let found = match topic {
        TopicRef::Id(id) => topic_db::find(conn, *id)?,
        TopicRef::Slug(slug) => topic_db::find_by_slug(conn, slug)?,
    };
    found.ok_or_else(|| AppError::unknown_reference(field, "no such topic"))
}

pub struct TopicInput<'a> {
    pub slug: Option<&'a str>,
    pub names: Option<&'a BTreeMap<String, String>>,
    pub position: Option<i32>,
}

fn taken(e: diesel::result::Error) -> AppError {
    if is_unique_violation(&e) { AppError::conflict("slug_taken", "Another topic has this slug.") } else { e.into() }
}

pub fn create(conn: &mut DbConn, actor: i64, input: &TopicInput<'_>, now: DateTime<Utc>) -> Result<TopicRow, AppError> {
    let mut errors = Vec::new();
    let slug = input.slug.map(check_slug).transpose().map_err(|e| errors.push(e)).ok().flatten();
    let names = input.names.map(check_names).transpose().map_err(|e| errors.push(e)).ok().flatten();
    if slug.is_none() && !errors.iter().any(|e| e.field == "slug") {
        errors.push(FieldError::new("slug", "is required"));
    }
    if names.is_none() && !errors.iter().any(|e| e.field == "names") {
        errors.push(FieldError::new("names", "is required"));
    }
    let (Some(slug), Some(names), true) = (slug, names, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    write_tx(conn, |conn| {
        let new = NewTopic {
            slug: &slug,
            names: &names,
            position: input.position.unwrap_or(0),
            created_at: naive(now),
            updated_at: naive(now),
        };
        let id = topic_db::insert(conn, &new).map_err(taken)?;
        audit::record(conn, Some(actor), "topic.create", Target::Topic(id), &json!({"slug": slug}), now)?;
        topic_db::find(conn, id)?.ok_or_else(|| AppError::not_found("topic"))
    })
}

pub fn update(
    conn: &mut DbConn,
    actor: i64,
    id: i64,
    input: &TopicInput<'_>,
    now: DateTime<Utc>,
) -> Result<TopicRow, AppError> {
    let mut errors = Vec::new();
    let changes = TopicChanges {
        slug: input.slug.map(check_slug).transpose().map_err(|e| errors.push(e)).ok().flatten(),
        names: input.names.map(check_names).transpose().map_err(|e| errors.push(e)).ok().flatten(),
        position: input.position,
        updated_at: Some(naive(now)),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_tx(conn, |conn| {
        topic_db::find(conn, id)?.ok_or_else(|| AppError::not_found("topic"))?;
        topic_db::update(conn, id, &changes).map_err(taken)?;
        let detail = json!({"slug": changes.slug, "names": changes.names.is_some(), "position": changes.position});
        audit::record(conn, Some(actor), "topic.update", Target::Topic(id), &detail, now)?;
        topic_db::find(conn, id)?.ok_or_else(|| AppError::not_found("topic"))
    })
}

/// Deletes a topic no content uses.
pub fn delete(conn: &mut DbConn, actor: i64, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let topic = topic_db::find(conn, id)?.ok_or_else(|| AppError::not_found("topic"))?;
        if topic_db::in_use(conn, id)? {
            return Err(AppError::conflict("topic_in_use", "Contents still use this topic; move them first."));
        }
        topic_db::delete(conn, id)?;
        audit::record(conn, Some(actor), "topic.delete", Target::Topic(id), &json!({"slug": topic.slug}), now)
    })
}
