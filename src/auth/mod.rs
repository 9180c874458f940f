//! Authentication: password hashing, access tokens (JWT), refresh-token secrets, the
//! per-address rate limit, and the `AuthUser` extractor handlers use.

pub mod client_ip;
pub mod extract;
pub mod jwt;
pub mod password;
pub mod rate_limit;
pub mod refresh;

pub use extract::{Admins, AuthUser, ContentStaff, MaybeAuthUser, MemberManagers, Require, Reviewers};
