//! Markdown as the server renders it, for editors who want to see an article before
//! anyone else does.

pub mod preview;
