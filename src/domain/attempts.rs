//! Attempts: a snapshot of the questions at start, answers saved until the server's
//! deadline (plus a small grace for the network), scoring exactly once on the server, and
//! review only when the quiz's policy allows. Also the daily quiz (the same set on every
//! device for a learner's local day) and practice from the wrong-answer book.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use rand::SeedableRng as _;
use rand::rngs::StdRng;
use rand::seq::SliceRandom as _;
use sha2::{Digest as _, Sha256};

use crate::clock::{naive, utc};
use crate::db::models::Page;
use crate::db::models::attempts::{self as attempt_db, AttemptRow, ItemRow, MistakeRow, NewAttempt, Score};
use crate::db::models::questions::{self as question_db, QuestionRow};
use crate::db::models::quizzes::{self as quiz_db, QuizRow};
use crate::db::{DbConn, is_unique_violation, write_tx};
use crate::domain::points;
use crate::domain::questions::{self, Answer, QuestionKind, QuestionOption};
use crate::domain::quiz_window::{self, Gate, Window};
use crate::domain::quizzes::{self, Mode, Review};
use crate::error::{AppError, FieldError};

pub const IN_PROGRESS: &str = "in_progress";
pub const SUBMITTED: &str = "submitted";

/// The learner taking an attempt.
#[derive(Debug, Clone)]
pub struct Learner {
    pub id: i64,
    pub audience: String,
    /// Their organization's path: a quiz in a campaign is open only inside its scope.
    pub org_path: Option<String>,
}

/// An attempt with its questions (and its quiz, unless it is a wrong-answer practice).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub attempt: AttemptRow,
    pub items: Vec<ItemRow>,
    pub quiz: Option<QuizRow>,
    /// True when an attempt already in progress was returned instead of a new one.
    pub resumed: bool,
}

impl Loaded {
    /// Whether right answers and explanations may be shown now.
    pub fn reviewable(&self, now: DateTime<Utc>) -> bool {
        self.attempt.status == SUBMITTED && self.attempt.review_at.is_some_and(|at| utc(at) <= now)
    }
}

fn closed(detail: &str) -> AppError {
    AppError::conflict("attempt_closed", detail.to_owned())
}

pub fn local_date(now: DateTime<Utc>, tz: chrono_tz::Tz) -> chrono::NaiveDate {
    now.with_timezone(&tz).date_naive()
}

fn seed_of(parts: &str) -> u64 {
    let digest = Sha256::digest(parts.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().unwrap_or([0; 8]))
}

/// The questions of an attempt, planned from a seed so the daily set can be shown before
/// it is started and be the same when it is.
fn plan_items(quiz: Option<&QuizRow>, questions: &[QuestionRow], seed: u64) -> Vec<ItemRow> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut order: Vec<&QuestionRow> = questions.iter().collect();
    if quiz.is_some_and(|q| q.shuffle_questions) {
        order.shuffle(&mut rng);
    }
    let shuffle_options = quiz.is_some_and(|q| q.shuffle_options);
    order
        .into_iter()
        .enumerate()
        .map(|(position, q)| {
            let kind = QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Single);
            let mut options = questions::options_of(q);
            if shuffle_options {
                options.shuffle(&mut rng);
            }
            // Options are shown in their delivered order; when shuffled they are re-lettered
            // so learners see A, B, C…, and the answer is kept in the delivered letters.
            let mut map: HashMap<String, String> = HashMap::new();
            let delivered: Vec<QuestionOption> = options
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let key = if shuffle_options { letter(i) } else { o.key.clone() };
                    map.insert(key.clone(), o.key.clone());
                    QuestionOption { key, text: o.text.clone() }
                })
                .collect();
            let to_delivered = |original: &str| {
                map.iter().find(|(_, o)| o.as_str() == original).map(|(d, _)| d.clone()).unwrap_or_default()
            };
            let answer = match Answer::from_json(&q.answer) {
                Some(Answer::Text(k)) if kind == QuestionKind::Single => Answer::Text(to_delivered(&k)),
                Some(Answer::List(ks)) if kind == QuestionKind::Multiple => {
                    let mut ks: Vec<String> = ks.iter().map(|k| to_delivered(k)).collect();
                    ks.sort();
                    Answer::List(ks)
                }
                Some(other) => other,
                None => Answer::List(Vec::new()),
            };
            ItemRow {
                attempt_id: 0,
                position: position as i32,
                question_id: q.id,
                question_version: q.version,
                kind: q.kind.clone(),
                stem: q.stem.clone(),
                options: serde_json::to_string(&delivered).unwrap_or_else(|_| "[]".into()),
                option_map: serde_json::to_string(&map).unwrap_or_else(|_| "{}".into()),
                answer: answer.to_json(),
                explanation: q.explanation.clone(),
                response: None,
                answered_at: None,
                correct: None,
            }
        })
        .collect()
}

fn letter(i: usize) -> String {
    char::from(b'A' + (i % 26) as u8).to_string()
}

/// Questions in the given order (ids that are gone are skipped).
fn questions_in_order(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<QuestionRow>, AppError> {
    let mut by_id: HashMap<i64, QuestionRow> =
        question_db::find_many(conn, ids)?.into_iter().map(|q| (q.id, q)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Today's daily set for a learner: from the daily quiz's pool for their audience,
/// avoiding what they were given in the three days before when the pool allows, in an
/// order fixed by (learner, day, quiz) — the same on every device all day.
fn daily_selection(
    conn: &mut DbConn,
    learner: &Learner,
    quiz: &QuizRow,
    date: chrono::NaiveDate,
) -> Result<(Vec<QuestionRow>, u64), AppError> {
    let draw =
        quizzes::draw_of(quiz).ok_or_else(|| AppError::internal(anyhow::anyhow!("daily quiz without a draw")))?;
    let count = usize::try_from(draw.count).unwrap_or(0);
    let mut pool = question_db::pool(conn, &draw.pool(Some(&learner.audience)))?;
    if pool.len() < count {
        pool = question_db::pool(conn, &draw.pool(None))?;
    }
    let recent: Vec<String> = (1..=3).map(|d| (date - chrono::Days::new(d)).to_string()).collect();
    let seen = attempt_db::daily_questions_seen(conn, learner.id, &recent)?;
    let seed = seed_of(&format!("daily:{}:{date}:{}", learner.id, quiz.id));
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut fresh, mut repeat): (Vec<i64>, Vec<i64>) = pool.into_iter().partition(|id| !seen.contains(id));
    fresh.shuffle(&mut rng);
    repeat.shuffle(&mut rng);
    let chosen: Vec<i64> = fresh.into_iter().chain(repeat).take(count).collect();
    Ok((questions_in_order(conn, &chosen)?, seed))
}

/// Policy settings: how long after the deadline answers still count.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub grace: Duration,
    pub tz: chrono_tz::Tz,
}

fn overdue(attempt: &AttemptRow, now: DateTime<Utc>, grace: Duration) -> bool {
    attempt.status == IN_PROGRESS
        && attempt.deadline_at.is_some_and(|d| now > utc(d) + chrono::Duration::from_std(grace).unwrap_or_default())
}

const RACE: &str = "attempt_race";

/// Starts an attempt, or returns the one in progress. Limits and windows are checked in
/// the same transaction as the insert, and a unique index on (quiz, user, number) stops
/// two concurrent starts from both getting through.
pub fn start(
    conn: &mut DbConn,
    learner: &Learner,
    quiz_id: i64,
    now: DateTime<Utc>,
    timing: Timing,
) -> Result<Loaded, AppError> {
    for _ in 0..3 {
        let result = write_tx(conn, |conn| try_start(conn, learner, quiz_id, now, timing));
        if !matches!(result, Err(AppError::Conflict { code: RACE, .. })) {
            return result;
        }
    }
    Err(AppError::conflict("conflict", "Too many simultaneous starts; retry."))
}

fn try_start(
    conn: &mut DbConn,
    learner: &Learner,
    quiz_id: i64,
    now: DateTime<Utc>,
    timing: Timing,
) -> Result<Loaded, AppError> {
    let quiz = quiz_db::find_visible(conn, quiz_id, naive(now))?.ok_or_else(|| AppError::not_found("quiz"))?;
    // A quiz in a campaign follows the campaign's scope (404 outside it) and window.
    let gate = quiz_window::gates_of(conn, &[quiz.id], learner.org_path.as_deref(), now)?;
    let window = Window::of(&quiz, gate.get(&quiz.id).copied().unwrap_or(Gate::Free))
        .ok_or_else(|| AppError::not_found("quiz"))?;
    window.check(now)?;
    let mut existing = attempt_db::of_user_for_quiz(conn, learner.id, quiz.id)?;
    for attempt in existing.iter_mut().filter(|a| overdue(a, now, timing.grace)) {
        finalize(conn, attempt, now, true, timing.tz)?;
        attempt.status = SUBMITTED.into();
    }
    let mode = Mode::parse(&quiz.mode).unwrap_or(Mode::Practice);
    let today = local_date(now, timing.tz);
    let resume = |attempt: &AttemptRow, conn: &mut DbConn, quiz: QuizRow| -> Result<Loaded, AppError> {
        Ok(Loaded {
            items: attempt_db::items(conn, attempt.id)?,
            attempt: attempt.clone(),
            quiz: Some(quiz),
            resumed: true,
        })
    };
    if mode == Mode::Daily {
        if let Some(attempt) = existing.iter().find(|a| a.local_date.as_deref() == Some(&today.to_string())) {
            if attempt.status == IN_PROGRESS {
                return resume(attempt, conn, quiz);
            }
            return Err(AppError::conflict("attempt_limit_reached", "Today's daily quiz is done; come back tomorrow."));
        }
    } else if let Some(attempt) = existing.iter().find(|a| a.status == IN_PROGRESS) {
        return resume(attempt, conn, quiz);
    }
    if mode != Mode::Daily && quiz.max_attempts.is_some_and(|max| existing.len() >= usize::try_from(max).unwrap_or(0)) {
        return Err(AppError::conflict("attempt_limit_reached", "No attempts left for this quiz."));
    }
    let (questions, seed) = if mode == Mode::Daily {
        daily_selection(conn, learner, &quiz, today)?
    } else {
        let seed: u64 = rand::random();
        let ids = match (quizzes::fixed_ids(&quiz), quizzes::draw_of(&quiz)) {
            (Some(ids), _) => ids,
            (None, Some(draw)) => {
                let mut pool = question_db::pool(conn, &draw.pool(None))?;
                pool.shuffle(&mut StdRng::seed_from_u64(seed ^ 0x5eed));
                pool.truncate(usize::try_from(draw.count).unwrap_or(0));
                pool
            }
            (None, None) => Vec::new(),
        };
        (questions_in_order(conn, &ids)?, seed)
    };
    if questions.is_empty() {
        return Err(AppError::conflict("quiz_empty", "This quiz has no questions available."));
    }
    let mut deadline = quiz.time_limit_s.map(|s| now + chrono::Duration::seconds(i64::from(s)));
    if let Some(close) = window.closes_at {
        deadline = Some(deadline.map_or(close, |d| d.min(close)));
    }
    let attempt_no = existing.iter().map(|a| a.attempt_no).max().unwrap_or(0) + 1;
    let date = (mode == Mode::Daily).then(|| today.to_string());
    let items = plan_items(Some(&quiz), &questions, seed);
    let id = attempt_db::insert(
        conn,
        &NewAttempt {
            quiz_id: Some(quiz.id),
            user_id: learner.id,
            source: if mode == Mode::Daily { "daily" } else { "quiz" },
            attempt_no,
            local_date: date.as_deref(),
            status: IN_PROGRESS,
            started_at: naive(now),
            deadline_at: deadline.map(naive),
            max_score: items.len() as i32,
        },
    )
    .map_err(|e| if is_unique_violation(&e) { AppError::conflict(RACE, "retry") } else { e.into() })?;
    for mut item in items {
        item.attempt_id = id;
        attempt_db::insert_item(conn, &item)?;
    }
    load(conn, id, false)
}

fn load(conn: &mut DbConn, id: i64, resumed: bool) -> Result<Loaded, AppError> {
    let attempt = attempt_db::find(conn, id)?.ok_or_else(|| AppError::not_found("attempt"))?;
    let quiz = match attempt.quiz_id {
        Some(quiz_id) => quiz_db::find(conn, quiz_id)?,
        None => None,
    };
    Ok(Loaded { items: attempt_db::items(conn, id)?, attempt, quiz, resumed })
}

/// An attempt of this learner's, or 404 (another learner's attempt does not exist for them).
fn owned(conn: &mut DbConn, learner: i64, id: i64) -> Result<AttemptRow, AppError> {
    attempt_db::find(conn, id)?.filter(|a| a.user_id == learner).ok_or_else(|| AppError::not_found("attempt"))
}

/// Scores an attempt once and closes it; updates the wrong-answer book when the review
/// policy lets the learner see the answers. `at` is when it closed.
fn finalize(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    at: DateTime<Utc>,
    late: bool,
    tz: chrono_tz::Tz,
) -> Result<(), AppError> {
    let items = attempt_db::items(conn, attempt.id)?;
    let quiz = match attempt.quiz_id {
        Some(id) => quiz_db::find(conn, id)?,
        None => None,
    };
    let mut score = 0;
    let mut judged = Vec::with_capacity(items.len());
    for item in &items {
        let kind = QuestionKind::parse(&item.kind).unwrap_or(QuestionKind::Single);
        let answer = Answer::from_json(&item.answer);
        let response = item.response.as_deref().and_then(Answer::from_json);
        let correct = match (&answer, &response) {
            (Some(answer), Some(response)) => questions::is_correct(kind, answer, response),
            _ => false,
        };
        score += i32::from(correct);
        judged.push((item, correct, response));
    }
    let review = quiz.as_ref().map_or(Review::AfterSubmit, |q| Review::parse(&q.review).unwrap_or(Review::AfterSubmit));
    let review_at = match review {
        Review::AfterSubmit => Some(naive(at)),
        Review::AfterClose => quiz.as_ref().and_then(|q| q.closes_at),
        Review::Never => None,
    };
    let max = items.len() as i32;
    let passed = quiz.as_ref().and_then(|q| q.pass_score).map(|p| score * 100 >= p * max);
    // The status flip is the guard: only the first of racing finalizers gets here with true.
    if !attempt_db::close(conn, attempt.id, &Score { at: naive(at), late, score, passed, review_at })? {
        return Ok(());
    }
    for (item, correct, response) in &judged {
        attempt_db::mark_item(conn, attempt.id, item.position, *correct)?;
        if let Some(visible_at) = review_at {
            let original = response.as_ref().map(|r| to_original(item, r));
            record_mistake(conn, attempt, item.question_id, *correct, original, visible_at, naive(at))?;
        }
    }
    if let Some(quiz) = &quiz {
        credit(conn, attempt, quiz, (score, max), at, tz)?;
    }
    Ok(())
}

/// A scored quiz attempt counts as a quiz taken on the day it closed, and earns points in
/// the same transaction: the daily quiz per correct answer, a contest its own points.
fn credit(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    quiz: &QuizRow,
    (score, max): (i32, i32),
    at: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<(), AppError> {
    // The account's organization and role when the attempt is scored: staff earn nothing.
    let who = match crate::db::models::users::find_active(conn, attempt.user_id)? {
        Some((user, _)) => points::Earner::of(user.id, user.organization_id, &user.role),
        None => points::Earner { user_id: attempt.user_id, org_id: None, learner: true },
    };
    crate::db::models::points::lock_learner(conn, who.user_id)?;
    let day = points::Day::of(at, tz);
    let taken = crate::db::models::points::DayDelta {
        quizzes_taken: 1,
        quiz_score: score,
        quiz_max: max,
        ..Default::default()
    };
    points::record_day(conn, who, &day, taken, at)?;
    let source = format!("attempt:{}", attempt.id);
    let granted = match Mode::parse(&quiz.mode) {
        Some(Mode::Daily) => points::award(conn, who, points::Action::DailyQuiz, &source, score, &day, at)?,
        Some(Mode::Contest) => {
            // Contest points count once per learner per quiz, for the best attempt: this
            // attempt pays only what it adds to what the learner's earlier attempts at the
            // quiz were paid (all under the learner's lock, so in order).
            let units = score.saturating_mul(quiz.points_per_correct.unwrap_or(1));
            let earlier: Vec<String> = attempt_db::of_user_for_quiz(conn, attempt.user_id, quiz.id)?
                .iter()
                .filter(|a| a.id != attempt.id)
                .map(|a| format!("attempt:{}", a.id))
                .collect();
            let action = points::Action::ContestQuiz;
            let paid = crate::db::models::points::points_for_sources(conn, who.user_id, action.as_str(), &earlier)?;
            points::award_top_up(conn, who, action, &source, units, paid, &day, at)?
        }
        _ => 0,
    };
    // The campaigns running when the attempt started count it: its deadline is their end
    // at the latest, so an attempt submitted (or swept) after the campaign ended was
    // still taken in it, and counts for it.
    let attached = crate::db::models::campaigns::Attached::Quiz(quiz.id);
    let started = utc(attempt.started_at);
    crate::domain::campaigns::credit(conn, who, attached, granted, &source, &day, (started, at))?;
    Ok(())
}

/// A response in delivered keys, turned back into the question's own keys.
fn to_original(item: &ItemRow, response: &Answer) -> Answer {
    let map: HashMap<String, String> = serde_json::from_str(&item.option_map).unwrap_or_default();
    let back = |k: &String| map.get(k).cloned().unwrap_or_else(|| k.clone());
    match (QuestionKind::parse(&item.kind), response) {
        (Some(QuestionKind::Single), Answer::Text(k)) => Answer::Text(back(k)),
        (Some(QuestionKind::Multiple), Answer::List(ks)) => {
            let mut ks: Vec<String> = ks.iter().map(back).collect();
            ks.sort();
            Answer::List(ks)
        }
        (_, other) => other.clone(),
    }
}

/// A wrong answer enters (or stays in) the book; two right answers take it out.
fn record_mistake(
    conn: &mut DbConn,
    attempt: &AttemptRow,
    question_id: i64,
    correct: bool,
    response: Option<Answer>,
    visible_at: NaiveDateTime,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let existing = attempt_db::find_mistake(conn, attempt.user_id, question_id)?;
    match (existing, correct, response) {
        (Some(mut row), true, _) => {
            row.right_count += 1;
            if row.right_count >= 2 {
                attempt_db::delete_mistake(conn, attempt.user_id, question_id)?;
            } else {
                row.updated_at = at;
                attempt_db::update_mistake(conn, &row)?;
            }
        }
        (Some(mut row), false, Some(response)) => {
            row.wrong_count += 1;
            row.right_count = 0;
            row.last_response = Some(response.to_json());
            row.last_attempt_id = attempt.id;
            row.visible_at = visible_at;
            row.updated_at = at;
            attempt_db::update_mistake(conn, &row)?;
        }
        (None, false, Some(response)) => {
            let row = MistakeRow {
                user_id: attempt.user_id,
                question_id,
                wrong_count: 1,
                right_count: 0,
                last_response: Some(response.to_json()),
                last_attempt_id: attempt.id,
                visible_at,
                updated_at: at,
            };
            attempt_db::insert_mistake(conn, &row)?;
        }
        // Right without being in the book, or left blank: nothing to record.
        _ => {}
    }
    Ok(())
}

enum Saved {
    Ok,
    Closed,
}

/// Saves one answer while the attempt is open (deadline plus grace).
pub fn answer(
    conn: &mut DbConn,
    learner: i64,
    attempt_id: i64,
    question_id: i64,
    response: &Answer,
    now: DateTime<Utc>,
    timing: Timing,
) -> Result<(), AppError> {
    let saved = write_tx(conn, |conn| -> Result<Saved, AppError> {
        let attempt = owned(conn, learner, attempt_id)?;
        if attempt.status != IN_PROGRESS {
            return Ok(Saved::Closed);
        }
        if overdue(&attempt, now, timing.grace) {
            finalize(conn, &attempt, now, true, timing.tz)?;
            return Ok(Saved::Closed);
        }
        let items = attempt_db::items(conn, attempt_id)?;
        let item = items
            .iter()
            .find(|i| i.question_id == question_id)
            .ok_or_else(|| AppError::not_found("question in this attempt"))?;
        check_item_response(item, response, "response")?;
        attempt_db::save_response(conn, attempt_id, question_id, &response.to_json(), naive(now))?;
        Ok(Saved::Ok)
    })?;
    match saved {
        Saved::Ok => Ok(()),
        Saved::Closed => Err(closed("This attempt is over: it was submitted or its time ran out.")),
    }
}

fn check_item_response(item: &ItemRow, response: &Answer, field: &str) -> Result<(), AppError> {
    let kind = QuestionKind::parse(&item.kind).unwrap_or(QuestionKind::Single);
    let options: Vec<QuestionOption> = serde_json::from_str(&item.options).unwrap_or_default();
    let keys: Vec<String> = options.into_iter().map(|o| o.key).collect();
    questions::check_response(kind, &keys, response).map_err(|m| AppError::validation(field, m))
}

/// Submits an attempt: answers sent with it count if they arrive in time, then it is
/// scored once. Submitting again (or concurrently) returns the same result.
pub fn submit(
    conn: &mut DbConn,
    learner: i64,
    attempt_id: i64,
    answers: &[(i64, Answer)],
    now: DateTime<Utc>,
    timing: Timing,
) -> Result<Loaded, AppError> {
    write_tx(conn, |conn| {
        let attempt = owned(conn, learner, attempt_id)?;
        if attempt.status == IN_PROGRESS {
            let late = overdue(&attempt, now, timing.grace);
            if !late && !answers.is_empty() {
                let items = attempt_db::items(conn, attempt_id)?;
                let mut errors = Vec::new();
                for (i, (question_id, response)) in answers.iter().enumerate() {
                    match items.iter().find(|it| it.question_id == *question_id) {
                        None => errors.push(FieldError::unknown(
                            format!("answers[{i}].question_id"),
                            "is not a question of this attempt",
                        )),
                        Some(item) => {
                            if let Err(AppError::Validation(mut e)) =
                                check_item_response(item, response, &format!("answers[{i}].response"))
                            {
                                errors.append(&mut e);
                            }
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(AppError::Validation(errors));
                }
                for (question_id, response) in answers {
                    attempt_db::save_response(conn, attempt_id, *question_id, &response.to_json(), naive(now))?;
                }
            }
            finalize(conn, &attempt, now, late, timing.tz)?;
        }
        load(conn, attempt_id, false)
    })
}

/// The attempt as its owner may see it (finishing it first if its time ran out).
pub fn view(
    conn: &mut DbConn,
    learner: i64,
    attempt_id: i64,
    now: DateTime<Utc>,
    timing: Timing,
) -> Result<Loaded, AppError> {
    write_tx(conn, |conn| {
        let attempt = owned(conn, learner, attempt_id)?;
        if overdue(&attempt, now, timing.grace) {
            finalize(conn, &attempt, now, true, timing.tz)?;
        }
        load(conn, attempt_id, false)
    })
}

/// Finalizes attempts abandoned past their deadline (the periodic sweep). Returns how many.
pub fn finalize_overdue(conn: &mut DbConn, now: DateTime<Utc>, timing: Timing) -> Result<usize, AppError> {
    let cutoff = now - chrono::Duration::from_std(timing.grace).unwrap_or_default();
    let ids = attempt_db::overdue(conn, naive(cutoff), 200)?;
    let mut done = 0;
    for id in ids {
        write_tx(conn, |conn| {
            if let Some(attempt) = attempt_db::find(conn, id)?.filter(|a| overdue(a, now, timing.grace)) {
                finalize(conn, &attempt, now, true, timing.tz)?;
                done += 1;
            }
            Ok::<_, AppError>(())
        })?;
    }
    Ok(done)
}

/// Today's daily quiz for a learner: the quiz, the local date, the attempt if started,
/// and the questions (exactly those an attempt started today gets).
pub struct Daily {
    pub quiz: QuizRow,
    /// When the learner may take it (a daily quiz in a campaign follows the campaign).
    pub window: Window,
    pub date: chrono::NaiveDate,
    pub attempt: Option<AttemptRow>,
    pub items: Vec<ItemRow>,
}

pub fn daily(conn: &mut DbConn, learner: &Learner, now: DateTime<Utc>, timing: Timing) -> Result<Daily, AppError> {
    let quiz = quiz_db::latest_visible_of_mode(conn, Mode::Daily.as_str(), naive(now))?
        .ok_or_else(|| AppError::not_found("daily quiz"))?;
    let gate = quiz_window::gates_of(conn, &[quiz.id], learner.org_path.as_deref(), now)?;
    let window = Window::of(&quiz, gate.get(&quiz.id).copied().unwrap_or(Gate::Free))
        .ok_or_else(|| AppError::not_found("daily quiz"))?;
    let date = local_date(now, timing.tz);
    if let Some(attempt) = attempt_db::daily_of_user(conn, learner.id, quiz.id, &date.to_string())? {
        let items = attempt_db::items(conn, attempt.id)?;
        return Ok(Daily { quiz, window, date, attempt: Some(attempt), items });
    }
    let (questions, seed) = daily_selection(conn, learner, &quiz, date)?;
    let items = plan_items(Some(&quiz), &questions, seed);
    Ok(Daily { quiz, window, date, attempt: None, items })
}

/// Starts a practice attempt from the learner's wrong-answer book (most recent first).
pub fn practice_mistakes(conn: &mut DbConn, learner: i64, count: i64, now: DateTime<Utc>) -> Result<Loaded, AppError> {
    write_tx(conn, |conn| {
        let mistakes = attempt_db::mistakes_page(conn, learner, naive(now), None, count)?;
        let ids: Vec<i64> =
            mistakes.iter().take(usize::try_from(count).unwrap_or(0)).map(|(m, _)| m.question_id).collect();
        if ids.is_empty() {
            return Err(AppError::conflict("nothing_to_practice", "The wrong-answer book is empty."));
        }
        let questions = questions_in_order(conn, &ids)?;
        let items = plan_items(None, &questions, rand::random());
        let id = attempt_db::insert(
            conn,
            &NewAttempt {
                quiz_id: None,
                user_id: learner,
                source: "mistakes",
                attempt_no: 1,
                local_date: None,
                status: IN_PROGRESS,
                started_at: naive(now),
                deadline_at: None,
                max_score: items.len() as i32,
            },
        )?;
        for mut item in items {
            item.attempt_id = id;
            attempt_db::insert_item(conn, &item)?;
        }
        load(conn, id, false)
    })
}

/// A page of the learner's wrong-answer book (entries whose review is allowed), most
/// recent first, with one probe row beyond `limit`.
pub fn mistakes(
    conn: &mut DbConn,
    learner: i64,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Page<(MistakeRow, QuestionRow)>, AppError> {
    Ok(Page::from_probe(attempt_db::mistakes_page(conn, learner, naive(now), after, limit)?, limit))
}
