//! `GET /me/export`: everything stored about the caller, as one JSON document streamed
//! page by page. Each page is read on the blocking pool with its own connection checkout,
//! rendered, and sent before the next is read, so a learner with 100 000 events never has
//! their whole document in memory, nor a pooled connection held while a slow client reads.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use serde::Serialize;
use utoipa::ToSchema;

use super::Profile;
use crate::api::admin::audit_log::AuditEntry;
use crate::api::quizzes::Attempt;
use crate::auth::AuthUser;
use crate::clock::utc;
use crate::domain::privacy::{self, Cursor, Rows, Section};
use crate::domain::questions::Answer;
use crate::error::AppError;
use crate::startup::AppState;

/// The version of the document's shape, first in the document.
pub const FORMAT: &str = "tongxin-export/1";

/// A session: one refresh token of a login. Token hashes are never exported.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportSession {
    pub id: i64,
    /// The login (refresh-token family) this token belongs to.
    pub session_id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When it was exchanged for its successor.
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A raw engagement event as the app sent it (kept for a limited time).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportEvent {
    pub id: String,
    /// `view`, `progress`, `complete` or `share`.
    pub kind: String,
    pub content_id: i64,
    pub position_s: Option<i32>,
    /// The app's time, clamped.
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// The local day it was credited to.
    pub local_date: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportProgress {
    pub content_id: i64,
    pub position_s: i32,
    pub position_at: Option<DateTime<Utc>>,
    /// Study time the server vouched for.
    pub effective_s: i32,
    /// Videos: the played segments, `[start, end]` in seconds.
    pub segments: Vec<[i32; 2]>,
    pub first_view_at: Option<DateTime<Utc>>,
    pub last_receipt_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// An entry of the wrong-answer book (once its quiz's review policy lets it show).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportMistake {
    pub question_id: i64,
    pub wrong_count: i32,
    pub right_count: i32,
    /// The learner's last wrong answer, in the question's own option keys.
    pub last_response: Option<Answer>,
    pub last_attempt_id: i64,
    pub visible_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportLedgerEntry {
    pub id: i64,
    pub action: String,
    pub source: String,
    pub local_date: String,
    pub points: i32,
    pub created_at: DateTime<Utc>,
}

/// Points under one rule on one local day (what daily caps are checked against).
/// The local days of a year on which the learner was active while in one organization:
/// `days` has one character per day of the year (`1` = active), as unit reports count them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportActiveDays {
    pub org_id: i64,
    pub year: i32,
    pub days: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportRuleDay {
    pub action: String,
    pub local_date: String,
    pub points: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportUserDay {
    pub local_date: String,
    pub points: i32,
    pub reading_seconds: i32,
    pub watching_seconds: i32,
    pub articles_completed: i32,
    pub videos_completed: i32,
    pub quizzes_taken: i32,
}

/// Points per period (`all`, `d:2026-11-30`, `w:2026-W49`, `m:2026-11`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportUserPoints {
    pub period: String,
    pub points: i32,
    pub reached_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportStats {
    pub total_points: i32,
    pub streak_days: i32,
    pub longest_streak: i32,
    pub last_active_date: Option<String>,
    pub study_seconds_total: i32,
    pub articles_completed: i32,
    pub videos_completed: i32,
    pub quizzes_taken: i32,
    pub last_receipt_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportLike {
    pub content_id: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportFavorite {
    pub id: i64,
    pub content_id: i64,
    pub created_at: DateTime<Utc>,
}

/// Everything stored about the caller. Keys appear in this order; lists are in storage
/// order (ids, times or days ascending).
#[derive(Debug, Serialize, ToSchema)]
pub struct MyDataExport {
    /// `tongxin-export/1`.
    pub format: String,
    pub generated_at: DateTime<Utc>,
    /// Profile and consent: username, display name, role, audience, organization,
    /// locale, birth year, when a guardian's consent was recorded, created_at.
    pub profile: Profile,
    pub sessions: Vec<ExportSession>,
    pub events: Vec<ExportEvent>,
    pub progress: Vec<ExportProgress>,
    /// Attempts as the learner sees them: answers and explanations only once the quiz's
    /// review policy allows.
    pub attempts: Vec<Attempt>,
    pub mistakes: Vec<ExportMistake>,
    pub points_ledger: Vec<ExportLedgerEntry>,
    pub rule_daily: Vec<ExportRuleDay>,
    pub user_daily: Vec<ExportUserDay>,
    pub active_days: Vec<ExportActiveDays>,
    pub user_points: Vec<ExportUserPoints>,
    /// `null` before any activity.
    pub user_stats: Option<ExportStats>,
    pub likes: Vec<ExportLike>,
    pub favorites: Vec<ExportFavorite>,
    /// Audit entries where the caller acted or was acted upon.
    pub audit: Vec<AuditEntry>,
}

/// Download everything stored about the caller, as one JSON document.
///
/// The document is streamed (chunked) as it is read, and offered as a file download.
#[utoipa::path(
    operation_id = "export_me",
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's data", body = MyDataExport, content_type = "application/json",
         headers(("Content-Disposition" = String, description = "`attachment; filename=\"tongxin-export-<id>.json\"`"))),
        (status = 401, description = "Missing, invalid or expired access token"),
    )
)]
#[get("/me/export")]
pub async fn export(state: web::Data<AppState>, caller: AuthUser) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let profile = Box::new(Profile::from_rows(&caller.user, caller.organization.as_ref()));
    let mut job = Export { state, user: caller.id, now, step: Step::Head(profile) };
    // The head and the first page are read before answering, so an unavailable database
    // is a proper 503 rather than a document cut short.
    let mut first = next_chunk(&mut job).await?.unwrap_or_default().to_vec();
    first.extend_from_slice(&next_chunk(&mut job).await?.unwrap_or_default());
    let rest = futures_util::stream::unfold(Some(job), |state| async move {
        let mut job = state?;
        match next_chunk(&mut job).await {
            Ok(Some(bytes)) => Some((Ok(bytes), Some(job))),
            Ok(None) => None,
            Err(err) => {
                // The status line is gone: ending the stream early is the only signal left
                // (the document is then not valid JSON).
                tracing::error!(error = %err, "export stream failed");
                Some((Err(actix_web::Error::from(err)), None))
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok::<_, actix_web::Error>(Bytes::from(first)) }).chain(rest);
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"tongxin-export-{}.json\"", caller.id),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .streaming(body))
}

struct Export {
    state: web::Data<AppState>,
    user: i64,
    now: DateTime<Utc>,
    step: Step,
}

enum Step {
    Head(Box<Profile>),
    Section { index: usize, cursor: Cursor, written: bool },
    Done,
}

fn write(buf: &mut Vec<u8>, value: &impl Serialize) -> Result<(), AppError> {
    serde_json::to_writer(buf, value).map_err(AppError::internal)
}

/// The next piece of the document, or `None` after its closing brace.
async fn next_chunk(job: &mut Export) -> Result<Option<Bytes>, AppError> {
    let mut buf = Vec::with_capacity(16 * 1024);
    match std::mem::replace(&mut job.step, Step::Done) {
        Step::Done => return Ok(None),
        Step::Head(profile) => {
            buf.extend_from_slice(b"{\"format\":");
            write(&mut buf, &FORMAT)?;
            buf.extend_from_slice(b",\"generated_at\":");
            write(&mut buf, &job.now)?;
            buf.extend_from_slice(b",\"profile\":");
            write(&mut buf, &profile)?;
            job.step = Step::Section { index: 0, cursor: Cursor::Start, written: false };
        }
        Step::Section { index, cursor, mut written } => {
            let section = Section::ALL[index];
            let (user, now, at) = (job.user, job.now, cursor.clone());
            let page = job.state.db.run(move |conn| privacy::export_page(conn, user, section, &at, now)).await?;
            let list = !matches!(section, Section::UserStats);
            if cursor == Cursor::Start {
                buf.extend_from_slice(b",");
                write(&mut buf, &section.key())?;
                buf.extend_from_slice(if list { b":[" } else { b":" });
            }
            render(&mut buf, page.rows, now, &mut written)?;
            job.step = if let Some(cursor) = page.next {
                Step::Section { index, cursor, written }
            } else {
                if list {
                    buf.push(b']');
                }
                if index + 1 < Section::ALL.len() {
                    Step::Section { index: index + 1, cursor: Cursor::Start, written: false }
                } else {
                    buf.push(b'}');
                    Step::Done
                }
            };
        }
    }
    Ok(Some(Bytes::from(buf)))
}

/// Appends the rows of a page as list items (comma-separated across pages).
fn render(buf: &mut Vec<u8>, rows: Rows, now: DateTime<Utc>, written: &mut bool) -> Result<(), AppError> {
    fn items<T: Serialize>(
        buf: &mut Vec<u8>,
        written: &mut bool,
        items: impl Iterator<Item = T>,
    ) -> Result<(), AppError> {
        for item in items {
            if *written {
                buf.push(b',');
            }
            write(buf, &item)?;
            *written = true;
        }
        Ok(())
    }
    match rows {
        Rows::Sessions(rows) => items(
            buf,
            written,
            rows.into_iter().map(|r| ExportSession {
                id: r.id,
                session_id: r.family_id,
                created_at: utc(r.created_at),
                expires_at: utc(r.expires_at),
                used_at: r.used_at.map(utc),
                revoked_at: r.revoked_at.map(utc),
            }),
        ),
        Rows::Events(rows) => items(
            buf,
            written,
            rows.into_iter().map(|r| ExportEvent {
                id: r.id,
                kind: r.kind,
                content_id: r.content_id,
                position_s: r.position_s,
                occurred_at: utc(r.occurred_at),
                received_at: utc(r.received_at),
                local_date: r.local_date,
            }),
        ),
        Rows::Progress(rows) => items(
            buf,
            written,
            rows.into_iter().map(|r| ExportProgress {
                content_id: r.content_id,
                position_s: r.position_s,
                position_at: r.position_at.map(utc),
                effective_s: r.effective_s,
                segments: serde_json::from_str(&r.segments).unwrap_or_default(),
                first_view_at: r.first_view_at.map(utc),
                last_receipt_at: r.last_receipt_at.map(utc),
                completed_at: r.completed_at.map(utc),
            }),
        ),
        // The learner's own view of an attempt: the same review rule as `GET /attempts/{id}`.
        Rows::Attempts(loaded) => items(buf, written, loaded.iter().map(|l| Attempt::from_loaded(l, now))),
        Rows::Mistakes(rows) => items(
            buf,
            written,
            rows.into_iter().map(|r| ExportMistake {
                question_id: r.question_id,
                wrong_count: r.wrong_count,
                right_count: r.right_count,
                last_response: r.last_response.as_deref().and_then(Answer::from_json),
                last_attempt_id: r.last_attempt_id,
                visible_at: utc(r.visible_at),
                updated_at: utc(r.updated_at),
            }),
        ),
        Rows::PointsLedger(rows) => items(
            buf,
            written,
            rows.into_iter().map(|r| ExportLedgerEntry {
                id: r.id,
                action: r.action,
                source: r.source,
                local_date: r.local_date,
                points: r.points,
                created_at: utc(r.created_at),
            }),
        ),
        Rows::RuleDaily(rows) => items(
            buf,
            written,
            rows.into_iter().map(|r| ExportRuleDay { action: r.action, local_date: r.local_date, points: r.points }),
        ),
        Rows::ActiveDays(rows) => items(
            buf,
            written,
            rows.into_iter().map(|r| ExportActiveDays { org_id: r.org_id, year: r.year, days: r.days }),
        ),
        Rows::UserDaily(rows) => items(
            buf,
            written,
            rows.into_iter().map(|r| ExportUserDay {
                local_date: r.local_date,
                points: r.points,
                reading_seconds: r.reading_seconds,
                watching_seconds: r.watching_seconds,
                articles_completed: r.articles_completed,
                videos_completed: r.videos_completed,
                quizzes_taken: r.quizzes_taken,
            }),
        ),
        Rows::UserPoints(rows) => items(
            buf,
            written,
            rows.into_iter().map(|r| ExportUserPoints {
                period: r.period,
                points: r.points,
                reached_at: utc(r.reached_at),
            }),
        ),
        Rows::UserStats(row) => write(
            buf,
            &row.map(|r| ExportStats {
                total_points: r.total_points,
                streak_days: r.streak_days,
                longest_streak: r.longest_streak,
                last_active_date: r.last_active_date,
                study_seconds_total: r.study_seconds_total,
                articles_completed: r.articles_completed,
                videos_completed: r.videos_completed,
                quizzes_taken: r.quizzes_taken,
                last_receipt_at: r.last_receipt_at.map(utc),
            }),
        ),
        Rows::Likes(rows) => items(
            buf,
            written,
            rows.into_iter().map(|r| ExportLike { content_id: r.content_id, created_at: utc(r.created_at) }),
        ),
        Rows::Favorites(rows) => items(
            buf,
            written,
            rows.into_iter().map(|r| ExportFavorite {
                id: r.id,
                content_id: r.content_id,
                created_at: utc(r.created_at),
            }),
        ),
        Rows::Audit(rows) => items(buf, written, rows.into_iter().map(AuditEntry::from)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed document and the documented schema have the same keys, in order.
    #[test]
    fn the_streamed_keys_are_the_documented_ones() {
        let document = MyDataExport {
            format: FORMAT.into(),
            generated_at: Utc::now(),
            profile: Profile {
                id: 1,
                username: "u".into(),
                display_name: "u".into(),
                role: crate::domain::vocab::Role::Learner,
                audience: crate::domain::vocab::Audience::Public,
                organization: None,
                birth_year: None,
                guardian_consent_at: None,
                student_number: None,
                locale: "zh-Hans".into(),
                created_at: Utc::now(),
                updated_at: Utc::now(),
            },
            sessions: vec![],
            events: vec![],
            progress: vec![],
            attempts: vec![],
            mistakes: vec![],
            points_ledger: vec![],
            rule_daily: vec![],
            user_daily: vec![],
            active_days: vec![],
            user_points: vec![],
            user_stats: None,
            likes: vec![],
            favorites: vec![],
            audit: vec![],
        };
        let value = serde_json::to_value(&document).unwrap_or_default();
        let documented: Vec<&str> =
            value.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        let streamed: Vec<&str> =
            ["format", "generated_at", "profile"].into_iter().chain(Section::ALL.iter().map(|s| s.key())).collect();
        assert_eq!(documented, streamed);
    }
}
