use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::Json;
use crate::auth::AuthUser;
use crate::domain::engagement::{self, MAX_BATCH};
use crate::domain::points::Earner;
use crate::error::AppError;
use crate::startup::AppState;

/// One event as the app sends it.
// Only the document uses this shape: the batch is read as raw JSON so that a bad event
// is refused on its own (`rejected`) while the rest of the batch is kept.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct EventInput {
    /// A UUID the app generates; the same id is counted once, forever.
    #[schema(example = "0b9f3c1e-5d2a-4a57-9a43-6f1e3f2b8c10")]
    pub id: String,
    #[schema(value_type = EventKind)]
    pub kind: String,
    pub content_id: i64,
    /// `progress`: the playback or reading position in seconds.
    pub position_s: Option<f64>,
    /// When it happened on the device. Clamped to the last 7 days … 5 minutes ahead and used
    /// only for ordering: credit always goes to the server's local day of receipt.
    #[schema(format = DateTime)]
    pub occurred_at: String,
}

/// What happened: `view` (opened), `progress` (reached `position_s`), `complete` (finished
/// an article: it completes only once the server has credited enough reading, see
/// `not_completed`; videos complete from their progress) or `share`. Any other value is refused
/// for that event alone (`invalid_kind`).
// Documented as an enum so generated clients get the four values.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum EventKind {
    View,
    Progress,
    Complete,
    Share,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    /// At most 100 events.
    #[schema(value_type = Vec<EventInput>, max_items = 100)]
    pub events: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedEvent {
    pub id: String,
    /// `invalid_id`, `invalid_kind`, `invalid_content`, `invalid_position`, `invalid_time`,
    /// `unknown_content` (no such published content), `id_in_use` (another learner's id) or
    /// `expired` (its `occurred_at` is older than the server keeps raw events, less a day:
    /// drop it, it cannot be counted once only any more).
    pub code: String,
}

/// An accepted `complete` that did not complete its article.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotCompletedEvent {
    pub id: String,
    /// `reading_too_short`: the article's credited reading (`effective_s`) is below
    /// `TONGXIN_ARTICLE_COMPLETE_SHARE` (50 %) of its reading-time estimate, or below
    /// `TONGXIN_MIN_READ_S` (30 s; at most the estimate). Keep reporting progress and send a
    /// new `complete` (a new id) later: this one stays counted and is not looked at again.
    pub code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IngestResult {
    /// New events stored and credited.
    pub accepted: usize,
    /// Events already received before (or twice in this batch): counted once.
    pub duplicates: usize,
    pub rejected: Vec<RejectedEvent>,
    /// Accepted `complete` events (counted in `accepted`) that did not complete their
    /// article because too little reading was credited yet.
    pub not_completed: Vec<NotCompletedEvent>,
}

/// Send a batch of engagement events (views, progress, completions, shares).
///
/// A retried or concurrently resent batch changes nothing: each event id counts once.
/// Bad events are refused one by one while the good ones are kept. Study time is
/// credited from the server's clock (see the Integrity rules in the product guide).
#[utoipa::path(
    operation_id = "post_events", tag = "engagement", security(("bearer" = [])),
    request_body = EventBatch,
    responses((status = 200, description = "What was accepted, duplicated and refused", body = IngestResult))
)]
#[post("/events")]
pub async fn events(
    state: web::Data<AppState>,
    caller: AuthUser,
    Json(body): Json<EventBatch>,
) -> Result<HttpResponse, AppError> {
    if body.events.len() > MAX_BATCH {
        return Err(AppError::validation("events", format!("at most {MAX_BATCH} events per batch")));
    }
    let who = Earner::of(caller.id, caller.user.organization_id, caller.role.as_str());
    let (now, settings) = (state.clock.now(), state.engagement());
    let outcome = state.event_writer.submit(engagement::check(who, &body.events, now, settings)).await?;
    Ok(HttpResponse::Ok().json(IngestResult {
        accepted: outcome.accepted,
        duplicates: outcome.duplicates,
        rejected: outcome.rejected.into_iter().map(|(id, code)| RejectedEvent { id, code: code.to_owned() }).collect(),
        not_completed: outcome
            .not_completed
            .into_iter()
            .map(|(id, code)| NotCompletedEvent { id, code: code.to_owned() })
            .collect(),
    }))
}
