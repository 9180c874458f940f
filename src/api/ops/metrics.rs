use actix_web::{HttpResponse, get, web};

use crate::startup::AppState;

/// Prometheus metrics: requests by route template and status, latency histogram, pool state.
#[utoipa::path(
    operation_id = "metrics",
    tag = "operations",
    security(()),
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.db.pool().state();
    let max = state.db.pool().max_size();
    ::metrics::gauge!("db_pool_connections", "state" => "idle").set(f64::from(pool.idle_connections));
    ::metrics::gauge!("db_pool_connections", "state" => "in_use")
        .set(f64::from(pool.connections - pool.idle_connections));
    ::metrics::gauge!("db_pool_max_connections").set(f64::from(max));
    state.metrics.run_upkeep();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(state.metrics.render())
}
