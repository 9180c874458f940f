//! Staff endpoints under `/admin`, each checking the caller's role and scope.

pub mod audit_log;
pub mod campaigns;
pub mod contents;
pub mod markdown;
pub mod media;
pub mod organizations;
pub mod point_rules;
pub mod questions;
pub mod quizzes;
pub mod reports;
pub mod topics;
pub mod users;
pub mod workflow;

/// Sort direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}
