//! Topics as learners see them.

pub mod list;
