//! Answering, submitting and reviewing attempts.

pub mod answer;
pub mod show;
pub mod submit;
