//! The workflow across contents, quizzes and campaigns at a glance: the review queue and
//! the counts per state (what the staff console's home pages show).

pub mod counts;
pub mod review_queue;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::review_work::Person;

/// A staff member named beside an item.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffMember {
    pub id: i64,
    /// Empty for an erased account.
    pub username: String,
    pub display_name: String,
}

impl From<Person> for StaffMember {
    fn from(p: Person) -> Self {
        Self { id: p.id, username: p.username, display_name: p.display_name }
    }
}
