//! Staff endpoints under `/admin`, each checking the caller's role and scope.

pub mod organizations;
pub mod users;
