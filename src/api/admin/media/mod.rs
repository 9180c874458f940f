//! Uploading media files.

pub mod upload;
