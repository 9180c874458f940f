//! Engagement events and the study time the server can vouch for.
//!
//! Every event has a client UUID, stored under a unique key: the same id twice is
//! counted once, forever, and an id another learner used is refused. Client times are
//! clamped and only order events; credit follows the server's clock: a stretch between
//! two receipts earns at most the wall-clock time between them (×2 for videos, which
//! may be played fast), never more than the content's length, and a video's credit
//! follows the union of the segments actually played: a jump longer than the time allows
//! is a seek and earns nothing. All of a learner's contents and devices share one clock:
//! the credit of a batch across contents is bounded by the time since the learner's
//! previous event, under a per-learner row lock.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::clock::{naive, utc};
use crate::db::models::Page;
use crate::db::models::campaigns::Attached;
use crate::db::models::contents::{self as content_db, ContentRow, Counter};
use crate::db::models::points::DayDelta;
use crate::db::models::progress::{self as progress_db, NewEvent, ProgressRow};
use crate::db::models::reports::{self as report_db, ContentDay};
use crate::db::{DbConn, write_tx};
use crate::domain::campaigns;
use crate::domain::points::{self, Action, Day, Earner};
use crate::error::AppError;

pub const MAX_BATCH: usize = 100;
/// A video counts as watched at 90 % of its length.
const WATCHED_PERMILLE: i64 = 900;
/// Articles may be credited up to 1.5 × their reading-time estimate.
const READING_MARGIN: f64 = 1.5;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub tz: chrono_tz::Tz,
    /// Credited reading an article's `complete` needs at least (capped at the article's
    /// reading-time estimate, so a short article can still be completed).
    pub min_read: Duration,
    /// Percent of an article's reading-time estimate its credited reading must reach
    /// before a `complete` completes it (0–100).
    pub complete_share: u8,
    /// How long raw events are kept (`None`: forever). Events older than that, by the
    /// client's clock, are refused as `expired`: their id may already have been pruned,
    /// and accepting them again would credit them twice.
    pub retention: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    View,
    Progress,
    Complete,
    Share,
}

impl Kind {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "view" => Some(Self::View),
            "progress" => Some(Self::Progress),
            "complete" => Some(Self::Complete),
            "share" => Some(Self::Share),
            _ => None,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Progress => "progress",
            Self::Complete => "complete",
            Self::Share => "share",
        }
    }
}

/// An event that passed its checks.
#[derive(Debug, Clone)]
struct Event {
    id: String,
    kind: Kind,
    content_id: i64,
    position_s: Option<i32>,
    occurred_at: DateTime<Utc>,
    /// Position in the batch, to keep the client's order among equal times.
    order: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub accepted: usize,
    pub duplicates: usize,
    /// (event id as sent, code)
    pub rejected: Vec<(String, &'static str)>,
    /// Accepted `complete` events that did not complete their article, with the reason
    /// (`reading_too_short`): (event id, code).
    pub not_completed: Vec<(String, &'static str)>,
}

/// Why an accepted `complete` did not complete its article: less credited reading than
/// the article needs.
pub const READING_TOO_SHORT: &str = "reading_too_short";

/// Credited reading seconds an article of `estimate` seconds needs before a `complete`
/// counts: `complete_share` % of the estimate, and at least `min_read`, but never more
/// than the estimate itself (credit may reach 1.5 × the estimate, so it stays reachable).
pub fn reading_needed_s(estimate: i32, settings: &Settings) -> i32 {
    let estimate = i64::from(estimate.max(0));
    let share = (estimate * i64::from(settings.complete_share.min(100)) + 99) / 100;
    let floor = i64::try_from(settings.min_read.as_secs()).unwrap_or(i64::MAX);
    i32::try_from(share.max(floor).min(estimate)).unwrap_or(i32::MAX)
}

fn parse_event(
    value: &Value,
    order: usize,
    now: DateTime<Utc>,
    oldest: Option<DateTime<Utc>>,
) -> Result<Event, (String, &'static str)> {
    let raw_id = value.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    let id = uuid::Uuid::parse_str(&raw_id).map_err(|_| (raw_id.clone(), "invalid_id"))?.hyphenated().to_string();
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .and_then(Kind::parse)
        .ok_or_else(|| (raw_id.clone(), "invalid_kind"))?;
    let content_id =
        value.get("content_id").and_then(Value::as_i64).ok_or_else(|| (raw_id.clone(), "invalid_content"))?;
    let position_s = match value.get("position_s") {
        None | Some(Value::Null) if kind == Kind::Progress => return Err((raw_id, "invalid_position")),
        None | Some(Value::Null) => None,
        Some(p) => match p.as_f64() {
            Some(p) if (0.0..=86_400.0).contains(&p) => Some(p.round() as i32),
            _ => return Err((raw_id, "invalid_position")),
        },
    };
    let occurred_at = value
        .get("occurred_at")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .ok_or_else(|| (raw_id.clone(), "invalid_time"))?
        .with_timezone(&Utc);
    if oldest.is_some_and(|oldest| occurred_at < oldest) {
        return Err((raw_id, "expired"));
    }
    // The client's clock is advisory: clamp it, and use it only to order events.
    let occurred_at = occurred_at.clamp(now - chrono::Duration::days(7), now + chrono::Duration::minutes(5));
    Ok(Event { id, kind, content_id, position_s, occurred_at, order })
}

/// A batch whose events passed (or failed) their checks; nothing read or written yet.
#[derive(Debug, Clone)]
pub struct Batch {
    pub who: Earner,
    now: DateTime<Utc>,
    settings: Settings,
    events: Vec<Event>,
    /// Duplicates within the batch and events refused by their checks.
    checked: Outcome,
}

/// Checks every event of a batch (no database needed: done before the batch queues for
/// the writer).
pub fn check(who: Earner, batch: &[Value], now: DateTime<Utc>, settings: Settings) -> Batch {
    let mut checked = Outcome::default();
    let mut events = Vec::new();
    let mut seen = HashSet::new();
    let oldest = crate::domain::privacy::oldest_accepted(now, settings.retention);
    for (order, value) in batch.iter().enumerate() {
        match parse_event(value, order, now, oldest) {
            Ok(event) if !seen.insert(event.id.clone()) => checked.duplicates += 1,
            Ok(event) => events.push(event),
            Err(rejection) => checked.rejected.push(rejection),
        }
    }
    Batch { who, now, settings, events, checked }
}

/// What batches add to the rows every learner shares (content counters and content
/// days). Collected per batch and written once per content for a whole group of
/// batches, in content order, so these hot rows are locked briefly and in one order.
#[derive(Debug, Default)]
pub struct SharedCounts {
    /// content → (views, shares)
    counters: BTreeMap<i64, (i64, i64)>,
    /// (content, local date) → what the day gains
    days: BTreeMap<(i64, String), ContentDay>,
}

impl SharedCounts {
    pub fn merge(&mut self, other: SharedCounts) {
        for (content, (views, shares)) in other.counters {
            self.add_counts(content, views, shares);
        }
        for ((content, date), add) in other.days {
            self.add_day(content, &date, add);
        }
    }

    fn add_counts(&mut self, content: i64, views: i64, shares: i64) {
        let entry = self.counters.entry(content).or_default();
        entry.0 += views;
        entry.1 += shares;
    }

    fn add_day(&mut self, content: i64, date: &str, add: ContentDay) {
        let day = self.days.entry((content, date.to_owned())).or_default();
        day.views += add.views;
        day.shares += add.shares;
        day.completions += add.completions;
        day.learner_days += add.learner_days;
        day.percent_sum += add.percent_sum;
    }

    /// Writes the sums: one statement per counter and content, one upsert per content day.
    pub fn apply(self, conn: &mut DbConn) -> Result<(), AppError> {
        for (content_id, (viewed, shares)) in self.counters {
            if viewed > 0 {
                content_db::bump(conn, content_id, Counter::Views, viewed)?;
            }
            if shares > 0 {
                content_db::bump(conn, content_id, Counter::Shares, shares)?;
            }
        }
        for ((content_id, date), add) in self.days {
            report_db::add_content_day(conn, content_id, &date, add)?;
        }
        Ok(())
    }
}

/// Ingests a batch in a transaction of its own: good events are kept and credited, bad
/// ones are refused one by one with a code. (The HTTP path groups concurrent batches
/// into one transaction instead: `domain::group_commit`.)
pub fn ingest(
    conn: &mut DbConn,
    who: Earner,
    batch: &[Value],
    now: DateTime<Utc>,
    settings: Settings,
) -> Result<Outcome, AppError> {
    let batch = check(who, batch, now, settings);
    write_tx(conn, |conn| {
        let mut shared = SharedCounts::default();
        let outcome = write(conn, &batch, &mut shared)?;
        shared.apply(conn)?;
        Ok(outcome)
    })
}

/// Writes a checked batch inside the caller's transaction: its events, the learner's
/// progress, points and day figures. What it adds to shared rows goes into `shared`,
/// which the caller applies before committing.
pub fn write(conn: &mut DbConn, batch: &Batch, shared: &mut SharedCounts) -> Result<Outcome, AppError> {
    let Batch { who, now, settings, .. } = *batch;
    let mut outcome = batch.checked.clone();
    let day = Day::of(now, settings.tz);
    // One clock for all of the learner's contents: what is credited across them is
    // bounded by the time since the learner's previous accepted event.
    let last_receipt = crate::db::models::points::lock_learner(conn, who.user_id)?;
    // The caller was authenticated before this lock: an erasure may have committed since.
    if !crate::domain::privacy::is_live(conn, who.user_id)? {
        return Err(AppError::unauthorized("unauthorized", "This account no longer exists or is disabled."));
    }
    let mut wall_left = seconds_since(last_receipt, now);
    let ids: Vec<i64> = batch.events.iter().map(|e| e.content_id).collect();
    let visible: HashMap<i64, ContentRow> =
        content_db::find_many_visible(conn, &ids, naive(now))?.into_iter().map(|c| (c.id, c)).collect();
    let date = day.key();
    let mut fresh: BTreeMap<i64, Vec<Event>> = BTreeMap::new();
    let (known, unknown): (Vec<Event>, Vec<Event>) =
        batch.events.iter().cloned().partition(|e| visible.contains_key(&e.content_id));
    outcome.rejected.extend(unknown.into_iter().map(|e| (e.id, "unknown_content")));
    let rows: Vec<NewEvent<'_>> = known
        .iter()
        .map(|event| NewEvent {
            id: &event.id,
            user_id: who.user_id,
            kind: event.kind.as_str(),
            content_id: event.content_id,
            position_s: event.position_s,
            occurred_at: naive(event.occurred_at),
            received_at: naive(now),
            local_date: &date,
        })
        .collect();
    let stored = progress_db::insert_events(conn, &rows)?;
    let not_stored: Vec<&str> = known.iter().filter(|e| !stored.contains(&e.id)).map(|e| e.id.as_str()).collect();
    let owners = progress_db::event_owners(conn, &not_stored)?;
    drop(rows);
    for event in known {
        if stored.contains(&event.id) {
            outcome.accepted += 1;
            fresh.entry(event.content_id).or_default().push(event);
        } else if owners.get(&event.id) == Some(&who.user_id) {
            outcome.duplicates += 1;
        } else {
            outcome.rejected.push((event.id, "id_in_use"));
        }
    }
    let mut delta = DayDelta::default();
    let mut completed: Vec<(i64, Action)> = Vec::new();
    // (content, views, shares) to add to the content's counters.
    let mut counted: Vec<(i64, i64, i64)> = Vec::new();
    // What each content's day adds to the content report's aggregate.
    let mut content_days: Vec<(i64, ContentDay)> = Vec::new();
    for (content_id, mut events) in fresh {
        let content = &visible[&content_id];
        events.sort_by_key(|e| (e.occurred_at, e.order));
        let count = |kind: Kind| events.iter().filter(|e| e.kind == kind).count() as i64;
        let (viewed, shares) = (count(Kind::View), count(Kind::Share));
        if viewed + shares > 0 {
            counted.push((content_id, viewed, shares));
        }
        let mut row = progress_db::lock(conn, who.user_id, content_id)?;
        let before = (row.effective_s, row.completed_at.is_some());
        let percent_before = percent(&row, content);
        // The learner's first event on this content today: `last_receipt_at` is set by
        // every batch, moved back by at most a second of carry.
        let first_today = row
            .last_receipt_at
            .is_none_or(|at| Day::of(utc(at) + chrono::Duration::seconds(1), settings.tz).date < day.date);
        wall_left -= apply(&mut row, content, &events, now, settings, wall_left, &mut outcome.not_completed);
        progress_db::save(conn, &row)?;
        let percent_after = percent(&row, content);
        content_days.push((
            content_id,
            ContentDay {
                views: viewed as i32,
                shares: shares as i32,
                completions: i32::from(!before.1 && row.completed_at.is_some()),
                learner_days: i32::from(first_today),
                percent_sum: if first_today { percent_after } else { percent_after - percent_before },
            },
        ));
        let gained = row.effective_s - before.0;
        let is_video = content.kind == "video";
        if is_video {
            delta.watching_seconds += gained;
        } else {
            delta.reading_seconds += gained;
        }
        if !before.1 && row.completed_at.is_some() {
            if is_video {
                delta.videos_completed += 1;
                completed.push((content_id, Action::VideoWatched));
            } else {
                delta.articles_completed += 1;
                completed.push((content_id, Action::ArticleRead));
            }
        }
    }
    if outcome.accepted > 0 {
        crate::db::models::points::set_last_receipt(conn, who.user_id, receipt_with_carry(now, wall_left))?;
        points::award_first_activity(conn, who, &day, now)?;
    }
    if delta.reading_seconds + delta.watching_seconds + delta.articles_completed + delta.videos_completed > 0 {
        points::record_day(conn, who, &day, delta, now)?;
    }
    // Content-sourced points also count for the campaigns that hold the content.
    for (content_id, action) in completed {
        let source = format!("content:{content_id}");
        let granted = points::award(conn, who, action, &source, 1, &day, now)?;
        campaigns::credit(conn, who, Attached::Content(content_id), granted, &source, &day, (now, now))?;
    }
    for &(content_id, _, shares) in &counted {
        if shares > 0 {
            let source = format!("content:{content_id}");
            let granted = points::award(conn, who, Action::Share, &source, 1, &day, now)?;
            campaigns::credit(conn, who, Attached::Content(content_id), granted, &source, &day, (now, now))?;
        }
    }
    if delta.reading_seconds > 0 || delta.watching_seconds > 0 {
        let (_, reading, watching) = crate::db::models::points::user_day(conn, who.user_id, &date)?.unwrap_or_default();
        if delta.reading_seconds > 0 {
            points::award_time(conn, who, Action::ReadingTime, reading, &day, now)?;
        }
        if delta.watching_seconds > 0 {
            points::award_time(conn, who, Action::WatchingTime, watching, &day, now)?;
        }
    }
    for (content_id, viewed, shares) in counted {
        shared.add_counts(content_id, viewed, shares);
    }
    for (content_id, add) in content_days {
        shared.add_day(content_id, &date, add);
    }
    Ok(outcome)
}

/// Played segments of a video, merged and sorted.
fn merge(mut segments: Vec<(i32, i32)>) -> Vec<(i32, i32)> {
    segments.sort_unstable();
    let mut merged: Vec<(i32, i32)> = Vec::with_capacity(segments.len());
    for (start, end) in segments.into_iter().filter(|(s, e)| e > s) {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Server seconds since `last`; none when nothing arrived before.
fn seconds_since(last: Option<chrono::NaiveDateTime>, now: DateTime<Utc>) -> f64 {
    last.map_or(0.0, |t| (now - utc(t)).num_milliseconds().max(0) as f64 / 1000.0)
}

/// The receipt time to remember: `now`, moved back by up to a second of time that was
/// not credited, so rounding to whole seconds loses nothing over many reports. Only
/// unused time is carried, so credited stretches never overlap and a flood of requests
/// earns no more than the time that passed.
fn receipt_with_carry(now: DateTime<Utc>, unused_s: f64) -> chrono::NaiveDateTime {
    let carry_ms = (unused_s.clamp(0.0, 1.0) * 1000.0).floor() as i64;
    naive(now - chrono::Duration::milliseconds(carry_ms))
}

/// Applies a batch of one content's events to its progress. Credit is bounded by the
/// server time since the previous receipt for this content and by `wall_left` (what is
/// left of the learner's own time since their previous event), ×2 for video; by the
/// content's length; and for video by what has not been played before. An article
/// completes at a `complete` once its credited reading reaches `reading_needed_s`; an
/// earlier `complete` is kept but goes into `not_completed`. Returns the wall-clock
/// seconds the credit used.
fn apply(
    row: &mut ProgressRow,
    content: &ContentRow,
    events: &[Event],
    now: DateTime<Utc>,
    settings: Settings,
    wall_left: f64,
    not_completed: &mut Vec<(String, &'static str)>,
) -> f64 {
    let is_video = content.kind == "video";
    let factor = if is_video { 2.0 } else { 1.0 };
    let since_last = seconds_since(row.last_receipt_at, now);
    let elapsed = since_last.min(wall_left.max(0.0));
    let initial_budget = (elapsed * factor).floor() as i32;
    let mut budget = initial_budget;
    let mut segments: Vec<(i32, i32)> = serde_json::from_str(&row.segments).unwrap_or_default();
    let mut cursor = row.position_s;
    let length = if is_video { content.duration_s.unwrap_or(0) } else { content.reading_time_s.unwrap_or(0) };
    let article_cap = (f64::from(length) * READING_MARGIN).ceil() as i32;
    for event in events {
        match event.kind {
            Kind::View => {
                row.first_view_at = row.first_view_at.or(Some(naive(now)));
            }
            Kind::Progress => {
                let position = event.position_s.unwrap_or(0).min(if is_video { length.max(0) } else { i32::MAX });
                if is_video {
                    // A stretch longer than the time allows was a seek, not playing: no credit.
                    let played = position - cursor;
                    if played > 0 && played <= budget {
                        budget -= played;
                        segments.push((cursor, position));
                        segments = merge(segments);
                    }
                } else {
                    let credit = budget.min((article_cap - row.effective_s).max(0));
                    budget -= credit;
                    row.effective_s += credit;
                }
                cursor = position;
                // Resume position: the newest report wins, a stale device cannot move it back.
                if row.position_at.is_none_or(|at| naive(event.occurred_at) >= at) {
                    row.position_s = position;
                    row.position_at = Some(naive(event.occurred_at));
                }
            }
            // The one clock bounds completions too: only credited reading counts, not the
            // time since the article was opened.
            Kind::Complete if !is_video && row.completed_at.is_none() => {
                if row.effective_s >= reading_needed_s(length, &settings) {
                    row.completed_at = Some(naive(now));
                } else {
                    not_completed.push((event.id.clone(), READING_TOO_SHORT));
                }
            }
            // Videos complete from their progress; a completed article stays completed.
            Kind::Complete | Kind::Share => {}
        }
    }
    if is_video {
        let played: i32 = segments.iter().map(|(s, e)| e - s).sum();
        row.effective_s = row.effective_s.max(played.min(length.max(0)));
        row.segments = serde_json::to_string(&segments).unwrap_or_else(|_| "[]".into());
        if row.completed_at.is_none()
            && length > 0
            && i64::from(row.effective_s) * 1000 >= i64::from(length) * WATCHED_PERMILLE
        {
            row.completed_at = Some(naive(now));
        }
    }
    let used = f64::from(initial_budget - budget) / factor;
    row.last_receipt_at = Some(receipt_with_carry(now, since_last - used));
    used
}

/// Percent of the content effectively studied (0–100).
pub fn percent(row: &ProgressRow, content: &ContentRow) -> i32 {
    percent_of(row.effective_s, row.completed_at.is_some(), content)
}

/// Percent from the two figures it depends on.
pub fn percent_of(effective_s: i32, completed: bool, content: &ContentRow) -> i32 {
    let length = if content.kind == "video" { content.duration_s } else { content.reading_time_s }.unwrap_or(0);
    if completed {
        return 100;
    }
    if length <= 0 {
        return 0;
    }
    (i64::from(effective_s) * 100 / i64::from(length)).clamp(0, 100) as i32
}

/// Progress of the learner on these contents (visible ones), with each content.
pub fn progress_of(
    conn: &mut DbConn,
    user: i64,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<Vec<(ProgressRow, ContentRow)>, AppError> {
    Ok(progress_db::of_visible_contents(conn, user, ids, naive(now))?)
}

/// What the learner opened, most recent first.
pub fn history(
    conn: &mut DbConn,
    user: i64,
    after: Option<(chrono::NaiveDateTime, i64)>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Page<(ProgressRow, ContentRow)>, AppError> {
    Ok(Page::from_probe(progress_db::history_page(conn, user, naive(now), after, limit)?, limit))
}

#[cfg(test)]
mod tests {
    use super::merge;

    #[test]
    fn segments_merge_overlaps_and_neighbours() {
        assert_eq!(merge(vec![(10, 20), (0, 5), (5, 8), (15, 30), (40, 40)]), [(0, 8), (10, 30)]);
    }
}
