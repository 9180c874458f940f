//! Managing topics (admins).

pub mod manage;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::utc;
use crate::db::models::topics::TopicRow;
use crate::domain::topics;

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffTopic {
    pub id: i64,
    pub slug: String,
    /// Name per locale.
    #[schema(example = json!({"zh-Hans": "民族观", "en": "Ethnic view"}))]
    pub names: BTreeMap<String, String>,
    pub position: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TopicRow> for StaffTopic {
    fn from(row: TopicRow) -> Self {
        Self {
            id: row.id,
            names: topics::names_of(&row),
            slug: row.slug,
            position: row.position,
            created_at: utc(row.created_at),
            updated_at: utc(row.updated_at),
        }
    }
}
