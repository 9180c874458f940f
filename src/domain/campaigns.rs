//! Campaigns (主题活动): publicity weeks and months, contests and themed activities. They
//! go through the shared review workflow, run in a time window, may be limited to an
//! organization subtree, group contents and quizzes, keep their own leaderboard and may
//! multiply the points earned from what they group while they run.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::clock::{naive, utc};
use crate::db::models::Page;
use crate::db::models::campaigns::{
    self as campaign_db, Attached, CampaignChanges, CampaignRow, ListFilter, NewCampaign, ScopedCampaign, Window,
};
use crate::db::models::contents as content_db;
use crate::db::models::organizations as org_db;
use crate::db::models::quizzes as quiz_db;
use crate::db::{DbConn, write_tx};
use crate::domain::audit::{self, Target};
use crate::domain::organizations::Scope;
use crate::domain::points::{self, Day, Earner};
use crate::domain::quizzes::cross;
use crate::domain::workflow::{self, Actor, Edit, Effect, Status, Transition, require_editor};
use crate::domain::{feed, quizzes};
use crate::error::{AppError, FieldError};

pub const TITLE_CHARS: std::ops::RangeInclusive<usize> = 1..=200;
pub const DESCRIPTION_CHARS: usize = 5000;
/// A campaign's detail lists all its contents in one page of the feed.
pub const MAX_CONTENTS: usize = 100;
pub const MAX_QUIZZES: usize = 50;
/// A campaign runs for at most a year (a publicity month is the usual length).
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 宣传周
    PublicityWeek,
    /// 宣传月
    PublicityMonth,
    /// 知识竞赛
    Contest,
    /// 主题活动
    Themed,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Self::PublicityWeek, Self::PublicityMonth, Self::Contest, Self::Themed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PublicityWeek => "publicity_week",
            Self::PublicityMonth => "publicity_month",
            Self::Contest => "contest",
            Self::Themed => "themed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Where a campaign stands in its calendar at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Upcoming,
    Active,
    Past,
}

impl Phase {
    pub fn of(row: &CampaignRow, now: DateTime<Utc>) -> Self {
        let now = naive(now);
        if now < row.starts_at {
            Self::Upcoming
        } else if now < row.ends_at {
            Self::Active
        } else {
            Self::Past
        }
    }
}

/// A campaign as editors send it. On update, absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "民族团结进步宣传月", "kind": "publicity_month",
    "starts_at": "2026-09-01T00:00:00Z", "ends_at": "2026-09-30T00:00:00Z", "points_multiplier": 1.5
}))]
pub struct CampaignInput {
    /// 1–200 characters, not only white space (stored trimmed). Required when creating.
    #[schema(
        example = "民族团结进步宣传月",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: Option<String>,
    /// At most 5000 characters.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// Required when creating.
    #[schema(example = "publicity_month")]
    pub kind: Option<Kind>,
    /// Required when creating.
    #[schema(example = "2026-09-01T00:00:00Z")]
    pub starts_at: Option<DateTime<Utc>>,
    /// Required when creating. After `starts_at`, at most 366 days later.
    #[schema(example = "2026-09-30T00:00:00Z")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Only learners in this organization's subtree see the campaign; `null`: everyone. An
    /// id naming no organization is 404 `unknown_reference`.
    #[serde(default, deserialize_with = "crate::serde_ext::nullable")]
    #[schema(value_type = Option<i64>)]
    pub org_id: Option<Option<i64>>,
    /// 1.0 to 5.0, kept to two decimals (rounded): points from the campaign's contents and quizzes earned
    /// while it runs are multiplied by this (the extra points are a `campaign_bonus`
    /// ledger entry, outside the daily caps). Default 1.0.
    #[schema(example = 1.5, minimum = 1.0, maximum = 5.0)]
    pub points_multiplier: Option<f64>,
    /// Attached contents, in order (any state; learners see only published ones): at most
    /// 100 distinct ids; one naming no content is 404 `unknown_reference`.
    #[schema(max_items = 100)]
    pub content_ids: Option<Vec<i64>>,
    /// Attached quizzes, in order (any state; learners see only published ones): at most
    /// 50 distinct ids; one naming no quiz is 404 `unknown_reference`.
    #[schema(max_items = 50)]
    pub quiz_ids: Option<Vec<i64>>,
}

/// A campaign's settings after merging changes into what is stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub title: String,
    pub description: String,
    pub kind: Kind,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub org_id: Option<i64>,
    /// Percent: 100 = no bonus.
    pub multiplier: i32,
}

/// The pending change of a published campaign, as stored (JSON in `campaigns.revision`):
/// its settings and attachments as they would be once approved. Learners go on seeing the
/// published campaign until another reviewer approves it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revision {
    #[serde(flatten)]
    pub settings: Settings,
    pub content_ids: Vec<i64>,
    pub quiz_ids: Vec<i64>,
    pub updated_at: DateTime<Utc>,
}

impl Revision {
    fn parse(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    fn pending(conn: &mut DbConn, id: i64) -> Result<Option<Self>, AppError> {
        Ok(campaign_db::revision_of(conn, id)?.and_then(|text| Self::parse(&text)))
    }
}

impl Settings {
    fn blank() -> Self {
        Self {
            title: String::new(),
            description: String::new(),
            kind: Kind::Themed,
            starts_at: None,
            ends_at: None,
            org_id: None,
            multiplier: 100,
        }
    }

    fn from_row(row: &CampaignRow) -> Self {
        Self {
            title: row.title.clone(),
            description: row.description.clone(),
            kind: Kind::parse(&row.kind).unwrap_or(Kind::Themed),
            starts_at: Some(utc(row.starts_at)),
            ends_at: Some(utc(row.ends_at)),
            org_id: row.org_id,
            multiplier: row.points_multiplier,
        }
    }

    fn merge(mut self, conn: &mut DbConn, input: &CampaignInput, creating: bool) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let mut conflicts = Vec::new();
        if let Some(title) = &input.title {
            title.trim().clone_into(&mut self.title);
        }
        if !TITLE_CHARS.contains(&self.title.chars().count()) || self.title.chars().any(char::is_control) {
            errors.push(FieldError::new("title", "must be 1 to 200 characters without control characters"));
        }
        if let Some(description) = &input.description {
            description.trim().clone_into(&mut self.description);
        }
        if self.description.chars().count() > DESCRIPTION_CHARS {
            errors.push(FieldError::new("description", "must be at most 5000 characters"));
        }
        match (input.kind, creating) {
            (Some(kind), _) => self.kind = kind,
            (None, true) => errors.push(FieldError::new("kind", "is required")),
            (None, false) => {}
        }
        self.starts_at = input.starts_at.or(self.starts_at);
        self.ends_at = input.ends_at.or(self.ends_at);
        // Broken by the request alone (422), or only with a stored value (409 `conflict`).
        let own = creating || (input.starts_at.is_some() && input.ends_at.is_some());
        match (self.starts_at, self.ends_at) {
            (Some(starts), Some(ends)) if ends <= starts => {
                cross(own, FieldError::new("ends_at", "must be after starts_at"), &mut errors, &mut conflicts);
            }
            (Some(starts), Some(ends)) if (ends - starts).num_days() > MAX_DAYS => {
                let error = FieldError::new("ends_at", "a campaign runs for at most 366 days");
                cross(own, error, &mut errors, &mut conflicts);
            }
            (Some(_), Some(_)) => {}
            (starts, ends) => {
                if starts.is_none() {
                    errors.push(FieldError::new("starts_at", "is required"));
                }
                if ends.is_none() {
                    errors.push(FieldError::new("ends_at", "is required"));
                }
            }
        }
        if let Some(org) = input.org_id {
            self.org_id = org;
        }
        if let Some(org) = input.org_id.flatten()
            && org_db::find(conn, org)?.is_none()
        {
            errors.push(FieldError::unknown("org_id", "no such organization"));
        }
        if let Some(m) = input.points_multiplier {
            let percent = (m * 100.0).round();
            if !m.is_finite() || !(1.0..=5.0).contains(&m) {
                errors.push(FieldError::new("points_multiplier", "must be 1.0 to 5.0"));
            } else {
                // In range and whole after the check above: the cast is exact.
                #[allow(clippy::cast_possible_truncation)]
                let percent = percent as i32;
                self.multiplier = percent;
            }
        }
        check_ids(conn, "content_ids", input.content_ids.as_deref(), MAX_CONTENTS, &mut errors, |conn, ids| {
            Ok(content_db::count_existing(conn, ids)?)
        })?;
        check_ids(conn, "quiz_ids", input.quiz_ids.as_deref(), MAX_QUIZZES, &mut errors, |conn, ids| {
            Ok(quiz_db::count_existing(conn, ids)?)
        })?;
        AppError::from_faults(errors, &conflicts).map(|()| self)
    }

    /// Every setting as a change to the stored campaign.
    fn changes(&self) -> CampaignChanges {
        CampaignChanges {
            title: Some(self.title.clone()),
            description: Some(self.description.clone()),
            kind: Some(self.kind.as_str().to_owned()),
            starts_at: self.starts_at.map(naive),
            ends_at: self.ends_at.map(naive),
            org_id: Some(self.org_id),
            points_multiplier: Some(self.multiplier),
            ..CampaignChanges::default()
        }
    }
}

/// Attached ids must be distinct, existing and not too many.
fn check_ids(
    conn: &mut DbConn,
    field: &str,
    ids: Option<&[i64]>,
    max: usize,
    errors: &mut Vec<FieldError>,
    existing: impl Fn(&mut DbConn, &[i64]) -> Result<i64, AppError>,
) -> Result<(), AppError> {
    let Some(ids) = ids else { return Ok(()) };
    if ids.len() > max {
        errors.push(FieldError::new(field, format!("at most {max} items")));
        return Ok(());
    }
    if ids.iter().collect::<HashSet<_>>().len() != ids.len() {
        errors.push(FieldError::new(field, "must not repeat an id"));
        return Ok(());
    }
    if !ids.is_empty() && existing(conn, ids)? != ids.len() as i64 {
        errors.push(FieldError::unknown(field, "names an item that does not exist"));
    }
    Ok(())
}

fn item(row: &CampaignRow) -> workflow::Item {
    workflow::Item::from_columns(
        &row.status,
        row.author_id,
        row.revision_status.as_deref(),
        &row.revised_by,
        row.submitted_by,
    )
}

/// Creates a draft campaign with its attachments.
pub fn create(conn: &mut DbConn, actor: Actor, input: &CampaignInput, now: DateTime<Utc>) -> Result<i64, AppError> {
    require_editor(actor.role)?;
    let writers = workflow::writers_text(&[actor.id]);
    write_tx(conn, |conn| {
        let s = Settings::blank().merge(conn, input, true)?;
        let (Some(starts_at), Some(ends_at)) = (s.starts_at, s.ends_at) else {
            return Err(AppError::validation("starts_at", "is required"));
        };
        let id = campaign_db::insert(
            conn,
            &NewCampaign {
                title: &s.title,
                description: &s.description,
                kind: s.kind.as_str(),
                starts_at: naive(starts_at),
                ends_at: naive(ends_at),
                org_id: s.org_id,
                points_multiplier: s.multiplier,
                status: Status::Draft.as_str(),
                author_id: actor.id,
                revised_by: &writers,
                created_at: naive(now),
                updated_at: naive(now),
            },
        )?;
        campaign_db::set_contents(conn, id, input.content_ids.as_deref().unwrap_or_default())?;
        campaign_db::set_quizzes(conn, id, input.quiz_ids.as_deref().unwrap_or_default())?;
        let detail = json!({"title": s.title, "kind": s.kind.as_str(), "org_id": s.org_id});
        audit::record(conn, Some(actor.id), "campaign.create", Target::Campaign(id), &detail, now)?;
        Ok(id)
    })
}

/// Changes a campaign under the same edit rules as contents and quizzes: a draft in
/// place; a published campaign through its pending revision (settings and attachments),
/// which another reviewer approves while learners keep the published campaign.
pub fn update(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    input: &CampaignInput,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let row = campaign_db::find_for_update(conn, id)?.ok_or_else(|| AppError::not_found("campaign"))?;
        let item = item(&row);
        let edit = workflow::check_editable(actor, &item)?;
        let revised_by = Some(workflow::writers_text(&workflow::writers_after(actor, &item, edit)));
        let revision = edit != Edit::InPlace;
        if revision {
            let base = match edit {
                Edit::Revision { fresh: false } => Revision::pending(conn, id)?,
                _ => None,
            };
            let base = if let Some(pending) = base {
                pending
            } else {
                let live = with_attachments(conn, vec![row.clone()])?.pop();
                let (content_ids, quiz_ids) = live.map(|f| (f.content_ids, f.quiz_ids)).unwrap_or_default();
                Revision { settings: Settings::from_row(&row), content_ids, quiz_ids, updated_at: now }
            };
            let pending = Revision {
                settings: base.settings.merge(conn, input, false)?,
                content_ids: input.content_ids.clone().unwrap_or(base.content_ids),
                quiz_ids: input.quiz_ids.clone().unwrap_or(base.quiz_ids),
                updated_at: now,
            };
            let changes = CampaignChanges {
                revision: Some(Some(json!(pending).to_string())),
                revision_status: Some(Some(Status::Draft.as_str().to_owned())),
                revised_by,
                ..CampaignChanges::default()
            };
            campaign_db::update(conn, id, &changes)?;
        } else {
            let s = Settings::from_row(&row).merge(conn, input, false)?;
            campaign_db::update(
                conn,
                id,
                &CampaignChanges { updated_at: Some(naive(now)), revised_by, ..s.changes() },
            )?;
            if let Some(ids) = &input.content_ids {
                campaign_db::set_contents(conn, id, ids)?;
            }
            if let Some(ids) = &input.quiz_ids {
                campaign_db::set_quizzes(conn, id, ids)?;
            }
        }
        let fields: Vec<&str> = [
            input.title.as_ref().map(|_| "title"),
            input.description.as_ref().map(|_| "description"),
            input.kind.map(|_| "kind"),
            input.starts_at.map(|_| "starts_at"),
            input.ends_at.map(|_| "ends_at"),
            input.org_id.map(|_| "org_id"),
            input.points_multiplier.map(|_| "points_multiplier"),
            input.content_ids.as_ref().map(|_| "content_ids"),
            input.quiz_ids.as_ref().map(|_| "quiz_ids"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let detail = json!({ "fields": fields, "revision": revision });
        audit::record(conn, Some(actor.id), "campaign.update", Target::Campaign(id), &detail, now)
    })
}

/// Applies a workflow transition (the rules shared with contents and quizzes). Approving
/// the pending revision of a published campaign puts its settings and attachments live.
pub fn transition(
    conn: &mut DbConn,
    actor: Actor,
    id: i64,
    step: Transition,
    publish_at: Option<DateTime<Utc>>,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let reason = workflow::reject_reason(step, actor, reason)?;
    write_tx(conn, |conn| {
        let row = campaign_db::find_for_update(conn, id)?.ok_or_else(|| AppError::not_found("campaign"))?;
        let item = item(&row);
        let Some(out) = workflow::outcome(step, actor, &item, publish_at, reason.clone(), now)? else { return Ok(()) };
        let pending = if out.effect == Effect::ApplyRevision {
            Some(
                Revision::pending(conn, id)?
                    .ok_or_else(|| AppError::conflict("invalid_state", "The pending change could not be read."))?,
            )
        } else {
            None
        };
        let live = pending.as_ref().map_or_else(CampaignChanges::default, |p| p.settings.changes());
        let changes = CampaignChanges {
            status: out.status().map(str::to_owned),
            publish_at: out.publish_at.map(Some),
            reviewer_id: out.reviewer_id.map(Some),
            reject_reason: out.reject_reason.clone(),
            submitted_by: out.submitted_by,
            revised_by: out.revised_by.as_deref().map(workflow::writers_text),
            revision_status: out.revision_status().map(|s| s.map(str::to_owned)),
            revision: out.drops_revision().then_some(None),
            updated_at: Some(naive(now)),
            ..live
        };
        campaign_db::update(conn, id, &changes)?;
        if let Some(pending) = &pending {
            campaign_db::set_contents(conn, id, &pending.content_ids)?;
            campaign_db::set_quizzes(conn, id, &pending.quiz_ids)?;
        }
        let action = format!("campaign.{}", out.verb);
        audit::record(conn, Some(actor.id), &action, Target::Campaign(id), &out.detail, now)
    })
}

/// A campaign with its attachments, as staff see it.
pub struct Full {
    pub row: CampaignRow,
    pub content_ids: Vec<i64>,
    pub quiz_ids: Vec<i64>,
    /// Its pending change (staff reads only; `None` in what learners get).
    pub revision: Option<(Status, Revision)>,
}

fn with_attachments(conn: &mut DbConn, rows: Vec<CampaignRow>) -> Result<Vec<Full>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut contents: HashMap<i64, Vec<i64>> = HashMap::new();
    for (campaign, content) in campaign_db::contents_of(conn, &ids)? {
        contents.entry(campaign).or_default().push(content);
    }
    let mut quizzes: HashMap<i64, Vec<i64>> = HashMap::new();
    for (campaign, quiz) in campaign_db::quizzes_of(conn, &ids)? {
        quizzes.entry(campaign).or_default().push(quiz);
    }
    Ok(rows
        .into_iter()
        .map(|row| Full {
            content_ids: contents.remove(&row.id).unwrap_or_default(),
            quiz_ids: quizzes.remove(&row.id).unwrap_or_default(),
            revision: None,
            row,
        })
        .collect())
}

/// Adds their pending changes to campaigns staff read.
fn with_revisions(conn: &mut DbConn, mut items: Vec<Full>) -> Result<Vec<Full>, AppError> {
    let ids: Vec<i64> = items.iter().filter(|c| c.row.revision_status.is_some()).map(|c| c.row.id).collect();
    let mut stored: HashMap<i64, Revision> = campaign_db::revisions_of(conn, &ids)?
        .into_iter()
        .filter_map(|(id, text)| Revision::parse(&text).map(|r| (id, r)))
        .collect();
    for item in &mut items {
        item.revision = item.row.revision_status.as_deref().and_then(Status::parse).zip(stored.remove(&item.row.id));
    }
    Ok(items)
}

/// One campaign in any state, with its pending change, as staff see it.
pub fn find(conn: &mut DbConn, id: i64) -> Result<Full, AppError> {
    let row = campaign_db::find(conn, id)?.ok_or_else(|| AppError::not_found("campaign"))?;
    let full = with_attachments(conn, vec![row])?;
    with_revisions(conn, full)?.pop().ok_or_else(|| AppError::not_found("campaign"))
}

/// Staff listing: every state (or one; or those whose pending change is in a state),
/// newest first.
pub fn staff_list(
    conn: &mut DbConn,
    status: Option<Status>,
    revision_status: Option<Status>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Page<Full>, AppError> {
    let rows = campaign_db::admin_list(
        conn,
        status.map(Status::as_str),
        revision_status.map(Status::as_str),
        before_id,
        limit,
    )?;
    let page = Page::from_probe(rows, limit);
    let items = with_attachments(conn, page.items)?;
    Ok(Page { items: with_revisions(conn, items)?, has_more: page.has_more })
}

/// Whether a learner at `viewer_path` (their organization's path, if any) is inside a
/// campaign scoped to `campaign_path` (`None`: everyone is).
pub fn in_scope(campaign_path: Option<&str>, viewer_path: Option<&str>) -> bool {
    match (campaign_path, viewer_path) {
        (None, _) => true,
        (Some(root), Some(path)) => Scope::Subtree(root.to_owned()).contains(path),
        (Some(_), None) => false,
    }
}

/// A campaign the viewer may see, or 404 (whether it exists or not).
pub fn visible_to(
    conn: &mut DbConn,
    id: i64,
    viewer_path: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ScopedCampaign, AppError> {
    campaign_db::find_visible(conn, id, naive(now))?
        .filter(|(_, path)| in_scope(path.as_deref(), viewer_path))
        .ok_or_else(|| AppError::not_found("campaign"))
}

/// One page of the campaigns the viewer may see in a window, with only their published
/// attachments; `next` is the cursor key of the last row read (scope filtering may make
/// a page shorter than `limit`).
pub struct Listing {
    pub items: Vec<Full>,
    pub next: Option<(chrono::NaiveDateTime, i64)>,
}

pub fn list(
    conn: &mut DbConn,
    window: Window,
    viewer_path: Option<&str>,
    after: Option<(chrono::NaiveDateTime, i64)>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Listing, AppError> {
    let page = Page::from_probe(
        campaign_db::list_visible(conn, &ListFilter { now: naive(now), window, after, limit })?,
        limit,
    );
    let next = if page.has_more {
        page.items.last().map(|(row, _)| (if window == Window::Upcoming { row.starts_at } else { row.ends_at }, row.id))
    } else {
        None
    };
    let rows = page.items.into_iter().filter(|(_, path)| in_scope(path.as_deref(), viewer_path)).map(|(r, _)| r);
    let items = with_attachments(conn, rows.collect())?;
    Ok(Listing { items: for_learners(conn, items, now)?, next })
}

/// Drops the attachments learners cannot see (drafts, scheduled, archived): two queries
/// for any number of campaigns.
pub fn for_learners(conn: &mut DbConn, mut items: Vec<Full>, now: DateTime<Utc>) -> Result<Vec<Full>, AppError> {
    let content_ids: Vec<i64> = items.iter().flat_map(|c| c.content_ids.iter().copied()).collect();
    let quiz_ids: Vec<i64> = items.iter().flat_map(|c| c.quiz_ids.iter().copied()).collect();
    let contents: HashSet<i64> =
        content_db::find_many_visible(conn, &content_ids, naive(now))?.into_iter().map(|r| r.id).collect();
    let quizzes: HashSet<i64> =
        quiz_db::find_many_visible(conn, &quiz_ids, naive(now))?.into_iter().map(|r| r.id).collect();
    for campaign in &mut items {
        campaign.content_ids.retain(|id| contents.contains(id));
        campaign.quiz_ids.retain(|id| quizzes.contains(id));
    }
    Ok(items)
}

/// A campaign as a learner opens it: its visible contents (as feed items, newest first)
/// and quizzes (in the campaign's order).
pub struct Detail {
    pub campaign: Full,
    pub contents: Vec<feed::Item>,
    pub quizzes: Vec<quizzes::ForLearner>,
}

pub fn detail(
    conn: &mut DbConn,
    id: i64,
    viewer: Option<i64>,
    viewer_path: Option<&str>,
    prefs: Vec<String>,
    now: DateTime<Utc>,
) -> Result<Detail, AppError> {
    let (row, _) = visible_to(conn, id, viewer_path, now)?;
    let full = with_attachments(conn, vec![row])?;
    let campaign = for_learners(conn, full, now)?.pop().ok_or_else(|| AppError::not_found("campaign"))?;
    let page = feed::feed(
        conn,
        &feed::FeedQuery {
            kind: None,
            topic: None,
            audience: None,
            campaign: Some(id),
            q: None,
            order: crate::db::models::contents::FeedOrder::Latest,
            after: None,
            limit: MAX_CONTENTS as i64,
            prefs,
            viewer,
            viewer_path: viewer_path.map(str::to_owned),
        },
        now,
    )?;
    let quiz_viewer = quizzes::Viewer { id: viewer, org_path: viewer_path.map(str::to_owned) };
    let quizzes = quizzes::visible_many(conn, &campaign.quiz_ids, &quiz_viewer, now)?;
    Ok(Detail { campaign, contents: page.items, quizzes })
}

/// The key of a campaign's leaderboard in the per-period totals.
pub fn board_key(id: i64) -> String {
    format!("c:{id}")
}

/// Credits `base` points, just granted to a learner for `source` (an attached content or
/// quiz), to every campaign running `during` the fact (now, or when a quiz attempt
/// started) that holds it and that the learner is in: each
/// campaign's board gains them, and the highest multiplier among those campaigns adds a
/// bonus ledger entry (one bonus per fact, however many campaigns overlap). Runs in the
/// transaction that granted the points, after the learner's lock.
pub fn credit(
    conn: &mut DbConn,
    who: Earner,
    attached: Attached,
    base: i32,
    source: &str,
    day: &Day,
    (during, now): (DateTime<Utc>, DateTime<Utc>),
) -> Result<(), AppError> {
    if base <= 0 {
        return Ok(());
    }
    let running = campaign_db::running_with(conn, attached, naive(during))?;
    if running.is_empty() {
        return Ok(());
    }
    let viewer_path = match who.org_id {
        Some(org) => org_db::find(conn, org)?.map(|o| o.path),
        None => None,
    };
    let running: Vec<CampaignRow> = running
        .into_iter()
        .filter(|(_, path)| in_scope(path.as_deref(), viewer_path.as_deref()))
        .map(|(r, _)| r)
        .collect();
    // Highest multiplier; the oldest campaign among equals, so the choice is stable.
    let Some(best) = running.iter().max_by_key(|c| (c.points_multiplier, std::cmp::Reverse(c.id))) else {
        return Ok(());
    };
    let bonus = base.saturating_mul(best.points_multiplier - 100) / 100;
    let granted = if bonus > 0 {
        points::award_bonus(conn, who, &format!("campaign:{}:{source}", best.id), bonus, day, now)?
    } else {
        0
    };
    for campaign in &running {
        let earned = base + if campaign.id == best.id { granted } else { 0 };
        crate::db::models::points::add_user_period(conn, who.user_id, &board_key(campaign.id), earned, naive(now))?;
    }
    Ok(())
}

/// Archives are the only delete: attachments and boards stay for the record.
pub fn archive(conn: &mut DbConn, actor: Actor, id: i64, now: DateTime<Utc>) -> Result<(), AppError> {
    transition(conn, actor, id, Transition::Archive, None, None, now)
}
