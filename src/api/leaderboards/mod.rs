//! Rankings.

pub mod boards;
