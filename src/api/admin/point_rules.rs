use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::Json;
use crate::auth::{Admins, Require};
use crate::clock::utc;
use crate::domain::points::{self, Action, RuleInput};
use crate::error::AppError;
use crate::startup::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct PointRule {
    pub action: Action,
    pub points: i32,
    pub daily_cap: Option<i32>,
    pub enabled: bool,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointRules {
    pub items: Vec<PointRule>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointRulesBody {
    /// The rules to change (others stay as they are); in each, only the fields sent
    /// change, e.g. `{"action": "share", "points": 2}` keeps the cap and the switch. At
    /// least one rule.
    #[schema(min_items = 1)]
    pub rules: Vec<RuleInput>,
}

async fn respond(state: &AppState) -> Result<HttpResponse, AppError> {
    let rows = state.db.run(points::rules).await?;
    Ok(HttpResponse::Ok().json(PointRules {
        items: rows
            .into_iter()
            .filter_map(|r| {
                Some(PointRule {
                    action: Action::parse(&r.action)?,
                    points: r.points,
                    daily_cap: r.daily_cap,
                    enabled: r.enabled,
                    updated_at: utc(r.updated_at),
                })
            })
            .collect(),
    }))
}

/// The points rules: what each action earns and its daily cap.
#[utoipa::path(
    operation_id = "admin_get_point_rules", tag = "admin: points", security(("bearer" = [])),
    responses((status = 200, description = "The rules", body = PointRules), (status = 403, description = "Needs admin"))
)]
#[get("/admin/point-rules")]
pub async fn list(state: web::Data<AppState>, _caller: Require<Admins>) -> Result<HttpResponse, AppError> {
    respond(&state).await
}

/// Change rules (audited): a partial update, each rule naming its `action` and only the
/// fields to change. Points already earned stay as they were.
#[utoipa::path(
    operation_id = "admin_put_point_rules", tag = "admin: points", security(("bearer" = [])),
    request_body = PointRulesBody,
    responses(
        (status = 200, description = "The rules now", body = PointRules),
        (status = 403, description = "Needs admin"),
        (status = 422, description = "An unknown action (`campaign_bonus` included), a value out of range or no rules (`validation_failed`)"),
    )
)]
#[put("/admin/point-rules")]
pub async fn replace(
    state: web::Data<AppState>,
    Require { user: caller, body: Json(body), .. }: Require<Admins, Json<PointRulesBody>>,
) -> Result<HttpResponse, AppError> {
    let (actor, now) = (caller.id, state.clock.now());
    state.db.run(move |conn| points::set_rules(conn, actor, &body.rules, now)).await?;
    respond(&state).await
}
