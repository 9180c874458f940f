use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::extract::Json;
use crate::auth::AuthUser;
use crate::domain::engagement::{self, MAX_BATCH};
use crate::domain::points::Earner;
use crate::error::{AppError, FieldError};
use crate::startup::AppState;

/// One event as the app sends it. An event that breaks this shape (a wrong type, a
/// missing or unknown field, an id that is not a hyphenated UUID, an unknown `kind`, a
/// `position_s` outside 0–86400, an `occurred_at` that is not RFC 3339) refuses the whole
/// batch with 422: a working app never sends one. A well-formed event that cannot be
/// counted is refused on its own (`rejected`) and the rest of the batch is kept.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read for its shape only; the domain reads the event from JSON
pub struct EventInput {
    /// A UUID the app generates (hyphenated, RFC 4122 text form); the same id is counted
    /// once, forever.
    #[schema(
        example = "0b9f3c1e-5d2a-4a57-9a43-6f1e3f2b8c10",
        pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub id: String,
    pub kind: EventKind,
    pub content_id: i64,
    /// `progress`: the playback or reading position in seconds (required for `progress`;
    /// a `progress` without it is refused on its own, `invalid_position`).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 86400)]
    pub position_s: Option<f64>,
    /// When it happened on the device (RFC 3339). Clamped to the last 7 days … 5 minutes
    /// ahead and used only for ordering: credit always goes to the server's local day of
    /// receipt.
    #[schema(format = DateTime)]
    pub occurred_at: String,
}

/// What happened: `view` (opened), `progress` (reached `position_s`), `complete` (finished
/// an article: it completes only once the server has credited enough reading, see
/// `not_completed`; videos complete from their progress) or `share`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
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

/// Every event of the batch against the documented shape: the errors of all of them, each
/// named `events[i].field`.
fn check_shapes(batch: &[serde_json::Value]) -> Result<(), AppError> {
    let mut errors = Vec::new();
    for (i, value) in batch.iter().enumerate() {
        match serde_path_to_error::deserialize::<_, EventInput>(value) {
            Err(err) => {
                let path = err.path().to_string();
                let path = if path == "." { format!("events[{i}]") } else { format!("events[{i}].{path}") };
                errors.push(crate::api::extract::field_error(&path, &err.into_inner().to_string()));
            }
            Ok(event) => {
                let is_uuid = event.id.len() == 36 && uuid::Uuid::try_parse(&event.id).is_ok();
                if !is_uuid {
                    errors.push(FieldError::new(format!("events[{i}].id"), "must be a hyphenated UUID"));
                }
                if event.position_s.is_some_and(|p| !(0.0..=86_400.0).contains(&p)) {
                    errors.push(FieldError::new(format!("events[{i}].position_s"), "must be 0 to 86400 seconds"));
                }
                if chrono::DateTime::parse_from_rfc3339(&event.occurred_at).is_err() {
                    errors.push(FieldError::new(format!("events[{i}].occurred_at"), "must be an RFC 3339 date-time"));
                }
            }
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Validation(errors)) }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectedEvent {
    pub id: String,
    /// `invalid_position` (a `progress` without `position_s`), `unknown_content` (no such
    /// published content), `id_in_use` (another learner's id) or
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
/// An event that breaks the documented shape refuses the whole batch (422, nothing
/// stored); well-formed events that cannot be counted are refused one by one while the
/// good ones are kept. Study time is
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
    check_shapes(&body.events)?;
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
