//! Rules that are neither HTTP nor SQL: who may do what, what a valid account is, how
//! sessions rotate, how the organization tree may change. Functions here take a
//! connection when they need data and call `db::models` for it.

pub mod accounts;
pub mod attempts;
pub mod audit;
pub mod campaigns;
pub mod content_revision;
pub mod contents;
pub mod csv_rows;
pub mod engagement;
pub mod feed;
pub mod group_commit;
pub mod item_stats;
pub mod leaderboards;
pub mod locale;
pub mod markdown;
pub mod media;
pub mod member_progress;
pub mod members;
pub mod organizations;
pub mod points;
pub mod privacy;
pub mod questions;
pub mod quiz_window;
pub mod quizzes;
pub mod rank_snapshot;
pub mod reports;
pub mod review_work;
pub mod roles;
pub mod roster;
pub mod search;
pub mod sessions;
pub mod temporary_passwords;
pub mod topics;
pub mod vocab;
pub mod workflow;
