//! Media files for players and image views.

pub mod range;
pub mod show;
