//! Quizzes: which questions (fixed or drawn), the rules of an attempt (time, attempts,
//! window, pass mark, review policy), and the same review workflow as contents.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::clock::naive;
use crate::db::models::questions::{self as question_db, PoolFilter};
use crate::db::models::quizzes::{self as quiz_db, NewQuiz, QuizChanges, QuizRow};
use crate::db::{DbConn, write_tx};
use crate::domain::audit::{self, Target};
use crate::domain::quiz_window::{self, Gate, Window};
use crate::domain::topics::{self, TopicRef};
use crate::domain::workflow::{self, Actor, Edit, Effect, Status, Transition, require_editor};
use crate::error::{AppError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Practice,
    Exam,
    /// Drawn per learner per local day (每日答题).
    Daily,
    /// Inside a campaign (竞赛); earns the quiz's own points.
    Contest,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Practice => "practice",
            Self::Exam => "exam",
            Self::Daily => "daily",
            Self::Contest => "contest",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Practice, Self::Exam, Self::Daily, Self::Contest].into_iter().find(|m| m.as_str() == text)
    }
}

/// When learners may see the right answers and explanations of their attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Review {
    AfterSubmit,
    AfterClose,
    Never,
}

impl Review {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AfterSubmit => "after_submit",
            Self::AfterClose => "after_close",
            Self::Never => "never",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [Self::AfterSubmit, Self::AfterClose, Self::Never].into_iter().find(|r| r.as_str() == text)
    }
}

/// Draw `count` questions at random for each attempt from those matching the filters.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Draw {
    /// 1 to 100, and no more than the bank holds matching questions (else 409 `conflict`).
    #[schema(minimum = 1, maximum = 100)]
    pub count: i32,
    /// Topic slug or id.
    pub topic: Option<TopicRef>,
    /// Questions with any of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// 1 (easy) to 5 (hard).
    #[schema(minimum = 1, maximum = 5)]
    pub difficulty: Option<i32>,
}

/// The draw rule as stored: the topic resolved to its id.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredDraw {
    pub count: i32,
    pub topic_id: Option<i64>,
    pub tags: Vec<String>,
    pub difficulty: Option<i32>,
}

impl StoredDraw {
    pub fn pool<'a>(&'a self, audience: Option<&'a str>) -> PoolFilter<'a> {
        PoolFilter { topic_id: self.topic_id, tags: &self.tags, difficulty: self.difficulty, audience }
    }
}

/// A quiz's settings as editors send them. On update, absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "民族团结进步知识测验", "mode": "practice", "draw": {"count": 5},
    "max_attempts": 3, "opens_at": "2026-06-01T00:00:00Z", "closes_at": "2026-06-30T00:00:00Z"
}))]
pub struct QuizInput {
    /// 1–200 characters, not only white space (stored trimmed). Required when creating.
    #[schema(
        example = "民族团结进步知识测验",
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\s\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: Option<String>,
    /// At most 2000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// A daily quiz draws its questions (`draw`).
    pub mode: Option<Mode>,
    /// Fixed questions, in order: 1 to 200 distinct ids of live (not retired) questions;
    /// an id naming none is 404 `unknown_reference`. Give this or `draw`, not both.
    #[schema(min_items = 1, max_items = 200)]
    pub question_ids: Option<Vec<i64>>,
    /// Questions drawn per attempt. Give this or `question_ids`.
    #[schema(example = json!({"count": 5}))]
    pub draw: Option<Draw>,
    pub shuffle_questions: Option<bool>,
    pub shuffle_options: Option<bool>,
    /// Seconds from start, 10 to 86400; the server enforces it. `0`/`null`/absent: no limit.
    #[serde(default, deserialize_with = "crate::serde_ext::nullable")]
    #[schema(schema_with = time_limit_schema)]
    pub time_limit_s: Option<Option<i32>>,
    /// 1 to 100; `null`: no limit.
    #[serde(default, deserialize_with = "crate::serde_ext::nullable")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 100)]
    pub max_attempts: Option<Option<i32>>,
    /// Percent of the maximum score needed to pass, 0 to 100.
    #[serde(default, deserialize_with = "crate::serde_ext::nullable")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 100)]
    pub pass_score: Option<Option<i32>>,
    #[serde(default, deserialize_with = "crate::serde_ext::nullable")]
    #[schema(value_type = Option<DateTime<Utc>>, example = "2026-06-01T00:00:00Z")]
    pub opens_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "crate::serde_ext::nullable")]
    #[schema(value_type = Option<DateTime<Utc>>, example = "2026-06-30T00:00:00Z")]
    pub closes_at: Option<Option<DateTime<Utc>>>,
    /// `after_close` needs a `closes_at`.
    pub review: Option<Review>,
    /// Points per correct answer (daily and contest quizzes), 0 to 100.
    #[serde(default, deserialize_with = "crate::serde_ext::nullable")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 100)]
    pub points_per_correct: Option<Option<i32>>,
}

/// `time_limit_s`: 0 (no limit) or 10 to 86400 seconds, or null.
fn time_limit_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    let integer = || {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int32)))
    };
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .item(integer().minimum(Some(0)).maximum(Some(0)))
        .item(integer().minimum(Some(10)).maximum(Some(86_400)))
        .into()
}

/// The settings of a quiz after merging changes into what is stored: what an edit
/// produces, and (for a published quiz) the pending revision approval puts live.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub title: String,
    pub description: String,
    pub mode: Mode,
    pub question_ids: Option<Vec<i64>>,
    pub draw: Option<StoredDraw>,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub time_limit_s: Option<i32>,
    pub max_attempts: Option<i32>,
    pub pass_score: Option<i32>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub review: Review,
    pub points_per_correct: Option<i32>,
}

/// The pending change of a published quiz, as stored (JSON in `quizzes.revision`):
/// learners go on taking the published settings until another reviewer approves it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revision {
    #[serde(flatten)]
    pub settings: Settings,
    pub updated_at: DateTime<Utc>,
}

impl Revision {
    fn pending(conn: &mut DbConn, id: i64) -> Result<Option<Self>, AppError> {
        Ok(quiz_db::revision_of(conn, id)?.and_then(|text| serde_json::from_str(&text).ok()))
    }
}

impl Settings {
    fn from_row(row: &QuizRow) -> Self {
        Self {
            title: row.title.clone(),
            description: row.description.clone(),
            mode: Mode::parse(&row.mode).unwrap_or(Mode::Practice),
            question_ids: row.question_ids.as_deref().and_then(|j| serde_json::from_str(j).ok()),
            draw: row.draw.as_deref().and_then(|j| serde_json::from_str(j).ok()),
            shuffle_questions: row.shuffle_questions,
            shuffle_options: row.shuffle_options,
            time_limit_s: row.time_limit_s,
            max_attempts: row.max_attempts,
            pass_score: row.pass_score,
            opens_at: row.opens_at.map(crate::clock::utc),
            closes_at: row.closes_at.map(crate::clock::utc),
            review: Review::parse(&row.review).unwrap_or(Review::AfterSubmit),
            points_per_correct: row.points_per_correct,
        }
    }

    fn blank() -> Self {
        Self {
            title: String::new(),
            description: String::new(),
            mode: Mode::Practice,
            question_ids: None,
            draw: None,
            shuffle_questions: false,
            shuffle_options: false,
            time_limit_s: None,
            max_attempts: None,
            pass_score: None,
            opens_at: None,
            closes_at: None,
            review: Review::AfterSubmit,
            points_per_correct: None,
        }
    }

    /// Merges the input and checks the result as a whole. A rule between two fields that
    /// the request breaks on its own is 422; one it breaks only together with a stored
    /// value (an edit, `creating` false) is 409 `conflict`, as is a draw the bank cannot
    /// fill. Question ids naming no live question are unknown references (404 when they are
    /// the only fault).
    fn merge(mut self, conn: &mut DbConn, input: &QuizInput, creating: bool) -> Result<Self, AppError> {
        let mut errors = Vec::new();
        let mut conflicts: Vec<String> = Vec::new();
        if let Some(title) = &input.title {
            title.trim().clone_into(&mut self.title);
        }
        if !(1..=200).contains(&self.title.chars().count()) || self.title.chars().any(char::is_control) {
            errors.push(FieldError::new("title", "must be 1 to 200 characters"));
        }
        if let Some(description) = &input.description {
            description.trim().clone_into(&mut self.description);
        }
        if self.description.chars().count() > 2000 {
            errors.push(FieldError::new("description", "must be at most 2000 characters"));
        }
        if let Some(mode) = input.mode {
            self.mode = mode;
        }
        match (&input.question_ids, &input.draw) {
            (Some(ids), Some(_)) => {
                errors.push(FieldError::new("draw", "give either question_ids or draw, not both"));
                self.question_ids = Some(ids.clone());
            }
            (Some(ids), None) => {
                self.question_ids = Some(ids.clone());
                self.draw = None;
            }
            (None, Some(draw)) => {
                let topic_id = match &draw.topic {
                    Some(topic) => Some(topics::resolve(conn, "draw.topic", topic)?.id),
                    None => None,
                };
                self.draw = Some(StoredDraw {
                    count: draw.count,
                    topic_id,
                    tags: draw.tags.clone(),
                    difficulty: draw.difficulty,
                });
                self.question_ids = None;
            }
            (None, None) => {}
        }
        match (&self.question_ids, &self.draw) {
            (None, None) => errors.push(FieldError::new("question_ids", "give question_ids or draw")),
            (Some(ids), _) => {
                let mut unique = ids.clone();
                unique.sort_unstable();
                unique.dedup();
                if ids.is_empty() || ids.len() > 200 || unique.len() != ids.len() {
                    errors.push(FieldError::new("question_ids", "must be 1 to 200 distinct question ids"));
                } else {
                    let live =
                        question_db::find_many(conn, ids)?.into_iter().filter(|q| q.retired_at.is_none()).count();
                    if live != ids.len() {
                        errors
                            .push(FieldError::unknown("question_ids", "every id must be a live question in the bank"));
                    }
                }
            }
            (None, Some(draw)) => {
                if !(1..=100).contains(&draw.count) {
                    errors.push(FieldError::new("draw.count", "must be 1 to 100"));
                } else if draw.difficulty.is_some_and(|d| !(1..=5).contains(&d)) {
                    errors.push(FieldError::new("draw.difficulty", "must be 1 to 5"));
                } else {
                    let available = question_db::pool(conn, &draw.pool(None))?.len();
                    if available < draw.count as usize {
                        conflicts.push(format!("draw.count: only {available} questions in the bank match the draw"));
                    }
                }
            }
        }
        if self.mode == Mode::Daily && self.draw.is_none() {
            let own = creating || (input.mode.is_some() && input.question_ids.is_some());
            cross(own, FieldError::new("draw", "a daily quiz draws its questions"), &mut errors, &mut conflicts);
        }
        if let Some(v) = input.shuffle_questions {
            self.shuffle_questions = v;
        }
        if let Some(v) = input.shuffle_options {
            self.shuffle_options = v;
        }
        if let Some(v) = input.time_limit_s {
            self.time_limit_s = v.filter(|s| *s != 0);
        }
        if self.time_limit_s.is_some_and(|s| !(10..=86_400).contains(&s)) {
            errors.push(FieldError::new("time_limit_s", "must be 10 to 86400 seconds"));
        }
        if let Some(v) = input.max_attempts {
            self.max_attempts = v;
        }
        if self.max_attempts.is_some_and(|n| !(1..=100).contains(&n)) {
            errors.push(FieldError::new("max_attempts", "must be 1 to 100"));
        }
        if let Some(v) = input.pass_score {
            self.pass_score = v;
        }
        if self.pass_score.is_some_and(|p| !(0..=100).contains(&p)) {
            errors.push(FieldError::new("pass_score", "must be a percentage, 0 to 100"));
        }
        if let Some(v) = input.opens_at {
            self.opens_at = v;
        }
        if let Some(v) = input.closes_at {
            self.closes_at = v;
        }
        if let (Some(opens), Some(closes)) = (self.opens_at, self.closes_at)
            && opens >= closes
        {
            let own = creating || (input.opens_at.is_some() && input.closes_at.is_some());
            cross(own, FieldError::new("closes_at", "must be after opens_at"), &mut errors, &mut conflicts);
        }
        if let Some(v) = input.review {
            self.review = v;
        }
        if self.review == Review::AfterClose && self.closes_at.is_none() {
            let own = creating || (input.review.is_some() && input.closes_at.is_some());
            cross(own, FieldError::new("review", "after_close needs a closes_at"), &mut errors, &mut conflicts);
        }
        if let Some(v) = input.points_per_correct {
            self.points_per_correct = v;
        }
        if self.points_per_correct.is_some_and(|p| !(0..=100).contains(&p)) {
            errors.push(FieldError::new("points_per_correct", "must be 0 to 100"));
        }
        AppError::from_faults(errors, &conflicts).map(|()| self)
    }

    fn ids_json(&self) -> Option<String> {
        self.question_ids.as_ref().map(|ids| json!(ids).to_string())
    }

    fn draw_json(&self) -> Option<String> {
        self.draw.as_ref().map(|d| json!(d).to_string())
    }

    /// Every setting as a change to the stored quiz.
    fn changes(&self) -> QuizChanges {
        QuizChanges {
            title: Some(self.title.clone()),
            description: Some(self.description.clone()),
            mode: Some(self.mode.as_str().to_owned()),
            question_ids: Some(self.ids_json()),
            draw: Some(self.draw_json()),
            shuffle_questions: Some(self.shuffle_questions),
            shuffle_options: Some(self.shuffle_options),
            time_limit_s: Some(self.time_limit_s),
            max_attempts: Some(self.max_attempts),
            pass_score: Some(self.pass_score),
            opens_at: Some(self.opens_at.map(naive)),
            closes_at: Some(self.closes_at.map(naive)),
            review: Some(self.review.as_str().to_owned()),
            points_per_correct: Some(self.points_per_correct),
            ..QuizChanges::default()
        }
    }

    /// How many questions an attempt gets.
    pub fn question_count(&self) -> i32 {
        match (&self.question_ids, &self.draw) {
            (Some(ids), _) => ids.len() as i32,
            (None, Some(draw)) => draw.count,
            (None, None) => 0,
        }
    }
}

/// A broken rule between two fields: the request's own fault (`own`: it gave both, or it
/// creates) is a field error; else the request conflicts with what is stored.
pub(crate) fn cross(own: bool, error: FieldError, errors: &mut Vec<FieldError>, conflicts: &mut Vec<String>) {
    if own {
        errors.push(error);
    } else {
        conflicts.push(format!("{}: {}", error.field, error.message));
    }
}

pub fn create(conn: &mut DbConn, actor: Actor, input: &QuizInput, now: DateTime<Utc>) -> Result<i64, AppError> {
    require_editor(actor.role)?;
    let writers = workflow::writers_text(&[actor.id]);
    write_tx(conn, |conn| {
        let s = Settings::blank().merge(conn, input, true)?;
        let id = quiz_db::insert(
            conn,
            &NewQuiz {
                title: &s.title,
                description: &s.description,
                mode: s.mode.as_str(),
                question_ids: s.ids_json().as_deref(),
                draw: s.draw_json().as_deref(),
                shuffle_questions: s.shuffle_questions,
                shuffle_options: s.shuffle_options,
                time_limit_s: s.time_limit_s,
                max_attempts: s.max_attempts,
                pass_score: s.pass_score,
                opens_at: s.opens_at.map(naive),
                closes_at: s.closes_at.map(naive),
                review: s.review.as_str(),
                points_per_correct: s.points_per_correct,
                status: Status::Draft.as_str(),
                author_id: actor.id,
                revised_by: &writers,
                created_at: naive(now),
                updated_at: naive(now),
            },
        )?;
        audit::record(
            conn,
            Some(actor.id),
            "quiz.create",
            Target::Quiz(id),
            &json!({"title": s.title, "mode": s.mode.as_str()}),
            now,
        )?;
        Ok(id)
    })
}

fn item(row: &QuizRow) -> workflow::Item {
    workflow::Item::from_columns(
        &row.status,
        row.author_id,
        row.revision_status.as_deref(),
        &row.revised_by,
        row.submitted_by,
    )
}

/// Applies an edit: a draft changes in place; a published quiz keeps its published
/// settings and the edit goes to its pending revision, which another reviewer approves.
/// The editor becomes one of the revision's writers, who may not approve it.
pub fn update(conn: &mut DbConn, actor: Actor, id: i64, input: &QuizInput, now: DateTime<Utc>) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let row = quiz_db::find_for_update(conn, id)?.ok_or_else(|| AppError::not_found("quiz"))?;
        let item = item(&row);
        let edit = workflow::check_editable(actor, &item)?;
        let base = match edit {
            Edit::Revision { fresh: false } => Revision::pending(conn, id)?.map(|r| r.settings),
            _ => None,
        };
        let s = base.unwrap_or_else(|| Settings::from_row(&row)).merge(conn, input, false)?;
        let revised_by = Some(workflow::writers_text(&workflow::writers_after(actor, &item, edit)));
        let revision = edit != Edit::InPlace;
        let changes = if revision {
            let pending = Revision { settings: s, updated_at: now };
            QuizChanges {
                revision: Some(Some(json!(pending).to_string())),
                revision_status: Some(Some(Status::Draft.as_str().to_owned())),
                revised_by,
                ..QuizChanges::default()
            }
        } else {
            QuizChanges { version: Some(row.version + 1), updated_at: Some(naive(now)), revised_by, ..s.changes() }
        };
        quiz_db::update(conn, id, &changes)?;
        let version = if revision { row.version } else { row.version + 1 };
        let detail = json!({"version": version, "revision": revision});
        audit::record(conn, Some(actor.id), "quiz.update", Target::Quiz(id), &detail, now)
    })
}

/// Applies a workflow transition (the same rules as for contents) and records it.
/// Approving the pending revision of a published quiz puts its settings live.
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
        let row = quiz_db::find_for_update(conn, id)?.ok_or_else(|| AppError::not_found("quiz"))?;
        let item = item(&row);
        let Some(out) = workflow::outcome(step, actor, &item, publish_at, reason.clone(), now)? else { return Ok(()) };
        let mut detail = out.detail.clone();
        let live = if out.effect == Effect::ApplyRevision {
            let pending = Revision::pending(conn, id)?
                .ok_or_else(|| AppError::conflict("invalid_state", "The pending change could not be read."))?;
            detail["version"] = json!(row.version + 1);
            QuizChanges { version: Some(row.version + 1), ..pending.settings.changes() }
        } else {
            QuizChanges::default()
        };
        let changes = QuizChanges {
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
        quiz_db::update(conn, id, &changes)?;
        let action = format!("quiz.{}", out.verb);
        audit::record(conn, Some(actor.id), &action, Target::Quiz(id), &detail, now)
    })
}

/// A quiz with what staff see beside it: its pending change, if any.
pub struct StaffData {
    pub row: QuizRow,
    pub revision: Option<(Status, Revision)>,
}

fn with_revisions(conn: &mut DbConn, rows: Vec<QuizRow>) -> Result<Vec<StaffData>, AppError> {
    let ids: Vec<i64> = rows.iter().filter(|r| r.revision_status.is_some()).map(|r| r.id).collect();
    let mut stored: std::collections::HashMap<i64, Revision> = quiz_db::revisions_of(conn, &ids)?
        .into_iter()
        .filter_map(|(id, text)| serde_json::from_str(&text).ok().map(|r| (id, r)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| StaffData {
            revision: row.revision_status.as_deref().and_then(Status::parse).zip(stored.remove(&row.id)),
            row,
        })
        .collect())
}

/// One quiz in any state, as staff see it.
pub fn staff_view(conn: &mut DbConn, id: i64) -> Result<StaffData, AppError> {
    let row = find(conn, id)?;
    with_revisions(conn, vec![row])?.pop().ok_or_else(|| AppError::not_found("quiz"))
}

/// How many questions an attempt at this quiz gets.
pub fn question_count(row: &QuizRow) -> i32 {
    Settings::from_row(row).question_count()
}

pub fn fixed_ids(row: &QuizRow) -> Option<Vec<i64>> {
    row.question_ids.as_deref().and_then(|j| serde_json::from_str(j).ok())
}

pub fn draw_of(row: &QuizRow) -> Option<StoredDraw> {
    row.draw.as_deref().and_then(|j| serde_json::from_str(j).ok())
}

/// The caller's own record with a quiz.
#[derive(Debug, Clone)]
pub struct Mine {
    pub attempts_used: i32,
    /// `None`: unlimited.
    pub attempts_left: Option<i32>,
    pub best_score: Option<i32>,
    pub in_progress: Option<i64>,
}

/// A quiz as learners see it.
pub struct ForLearner {
    pub row: QuizRow,
    pub question_count: i32,
    pub mine: Option<Mine>,
    /// When this viewer may take it: its own window, narrowed by its campaign's.
    pub window: Window,
}

/// Who is looking at quizzes: a learner (or nobody), and where they belong, since a quiz
/// in a campaign is seen only inside the campaign's scope.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub id: Option<i64>,
    pub org_path: Option<String>,
}

fn mine_of(row: &QuizRow, attempts: &[crate::db::models::attempts::AttemptRow]) -> Mine {
    let own: Vec<_> = attempts.iter().filter(|a| a.quiz_id == Some(row.id)).collect();
    let used = own.len() as i32;
    Mine {
        attempts_used: used,
        attempts_left: row.max_attempts.map(|max| (max - used).max(0)),
        best_score: own.iter().filter_map(|a| a.score).max(),
        in_progress: own.iter().find(|a| a.status == "in_progress").map(|a| a.id),
    }
}

/// The rows as the viewer sees them; quizzes their campaigns hide from the viewer are
/// left out.
fn for_learners(
    conn: &mut DbConn,
    rows: Vec<QuizRow>,
    viewer: &Viewer,
    now: DateTime<Utc>,
) -> Result<Vec<ForLearner>, AppError> {
    let ids: Vec<i64> = rows.iter().map(|q| q.id).collect();
    let gates = quiz_window::gates_of(conn, &ids, viewer.org_path.as_deref(), now)?;
    let attempts = match viewer.id {
        Some(user) => Some(crate::db::models::attempts::of_user_for_quizzes(conn, user, &ids)?),
        None => None,
    };
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let window = Window::of(&row, gates.get(&row.id).copied().unwrap_or(Gate::Free))?;
            Some(ForLearner {
                question_count: question_count(&row),
                mine: attempts.as_deref().map(|a| mine_of(&row, a)),
                window,
                row,
            })
        })
        .collect())
}

/// Visible quizzes (not the daily one), newest first; `next` continues before that id.
/// Quizzes in campaigns the viewer may not see are not listed.
pub fn visible_list(
    conn: &mut DbConn,
    viewer: &Viewer,
    before_id: Option<i64>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<(Vec<ForLearner>, Option<i64>), AppError> {
    let hidden = quiz_window::hidden(conn, viewer.org_path.as_deref(), now)?;
    let filter = quiz_db::ListFilter {
        visible_at: Some(naive(now)),
        status: None,
        revision_status: None,
        mode: None,
        before_id,
        limit,
        except: &hidden,
    };
    let mut rows = quiz_db::list(conn, &filter)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next = if has_more { rows.last().map(|r| r.id) } else { None };
    Ok((for_learners(conn, rows, viewer, now)?, next))
}

/// The visible quizzes among `ids`, in the order of `ids`.
pub fn visible_many(
    conn: &mut DbConn,
    ids: &[i64],
    viewer: &Viewer,
    now: DateTime<Utc>,
) -> Result<Vec<ForLearner>, AppError> {
    let mut rows = quiz_db::find_many_visible(conn, ids, naive(now))?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    for_learners(conn, rows, viewer, now)
}

/// One visible quiz; 404 when its campaigns hide it from the viewer.
pub fn visible_one(conn: &mut DbConn, id: i64, viewer: &Viewer, now: DateTime<Utc>) -> Result<ForLearner, AppError> {
    let row = quiz_db::find_visible(conn, id, naive(now))?.ok_or_else(|| AppError::not_found("quiz"))?;
    for_learners(conn, vec![row], viewer, now)?.pop().ok_or_else(|| AppError::not_found("quiz"))
}

/// Staff listing, every state, newest first.
pub fn staff_list(
    conn: &mut DbConn,
    status: Option<Status>,
    revision_status: Option<Status>,
    mode: Option<Mode>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<(Vec<StaffData>, Option<i64>), AppError> {
    let filter = quiz_db::ListFilter {
        visible_at: None,
        status: status.map(Status::as_str),
        revision_status: revision_status.map(Status::as_str),
        mode: mode.map(Mode::as_str),
        before_id,
        limit,
        except: &[],
    };
    let mut rows = quiz_db::list(conn, &filter)?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next = if has_more { rows.last().map(|r| r.id) } else { None };
    Ok((with_revisions(conn, rows)?, next))
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<QuizRow, AppError> {
    quiz_db::find(conn, id)?.ok_or_else(|| AppError::not_found("quiz"))
}
