//! Tongxin (同心): the backend of a mobile publicity-and-education app. See README.md.

pub mod api;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
// The staff console's embedded static files (issue 15).
pub mod console;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod media;
pub mod serde_ext;
pub mod startup;
pub mod telemetry;
