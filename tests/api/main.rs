//! One integration test binary: each module covers one area of the API.
// Tests fail loudly by design: unwrap and expect are how they say what went wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;
mod processes;

mod admin_organizations;
mod admin_users;
mod auth_login;
mod auth_register;
mod authorization;
mod campaigns;
mod cli;
// The staff console's static files (issue 15).
mod console;
mod console_api;
mod content_extras;
mod content_feed;
mod content_workflow;
mod control_characters;
mod crash;
mod engagement;
mod errors;
mod http_semantics;
mod instances;
mod me;
mod media;
mod members_progress;
mod migrations;
mod openapi;
mod operations;
mod password_reset;
mod privacy;
mod public_cache;
mod quizzes;
mod reports;
mod roster;
mod storage;
mod subtree_scope;
mod tokens;
