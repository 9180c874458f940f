//! Operations endpoints (no `/api/v1` prefix): health, readiness, metrics.

pub mod healthz;
pub mod metrics;
pub mod readyz;

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok` from `/healthz` (the process is up), `ready` from `/readyz` (the database answers).
    #[schema(example = "ok")]
    pub status: &'static str,
}
