//! Engagement events from the app.

pub mod events;
