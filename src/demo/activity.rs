//! The demo's living part: a running publicity month (宣传月) with a knowledge contest, an
//! upcoming themed week for one township, and three weeks of learners in every unit
//! reading, watching, sharing and answering. Everything goes through the domain
//! functions the API uses, with the clock set to when it happened, so the ledger, the
//! aggregates, the leaderboards and the reports agree as they would in production.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::db::DbConn;
use crate::db::models::attempts::ItemRow;
use crate::domain::accounts::{self, NewLearner};
use crate::domain::attempts::{self, Learner, Timing};
use crate::domain::campaigns::{self, CampaignInput, Kind as CampaignKind};
use crate::domain::engagement::{self, Settings};
use crate::domain::points::Earner;
use crate::domain::questions::Answer;
use crate::domain::quizzes::{self, Draw, Mode, QuizInput, Review};
use crate::domain::vocab::{Audience, Role};
use crate::domain::workflow::{Actor, Transition};
use crate::error::AppError;

/// How many synthetic learners join, and for how many days they have been active.
const LEARNERS: usize = 36;
const DAYS: i64 = 21;

const SURNAMES: [&str; 12] = ["王", "李", "马", "张", "刘", "杨", "艾", "买", "古", "哈", "周", "吴"];
const GIVEN: [&str; 12] =
    ["晓东", "阿依", "建国", "丽娜", "明轩", "古丽", "海燕", "木拉提", "思远", "娜扎", "文博", "雪莲"];

/// What the activity needs from the rest of the demo.
pub struct Context<'a> {
    pub write: Actor,
    pub review: Actor,
    /// Leaf units learners join, with their join codes and the audience they serve.
    pub units: &'a [(i64, String, Audience)],
    /// The township whose themed week is upcoming.
    pub town: i64,
    /// The named demo learners (id, organization, audience), active too.
    pub named: &'a [(i64, Option<i64>, Audience)],
    /// Published contents: (id, is_video, length in seconds).
    pub published: &'a [(i64, bool, i32)],
    pub hash: &'a str,
    pub now: DateTime<Utc>,
    pub engagement: Settings,
    pub timing: Timing,
}

/// A small deterministic mix, so the demo is the same on every first start.
fn mix(a: usize, b: i64) -> u64 {
    let mut x = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 31;
    x.wrapping_mul(0x94D0_49BB_1331_11EB) >> 11
}

pub fn load(conn: &mut DbConn, ctx: &Context<'_>) -> Result<(), AppError> {
    let (contest, daily) = contest_quiz(conn, ctx)?;
    campaigns_for(conn, ctx, contest)?;
    let mut learners: Vec<(i64, Option<i64>, Audience)> = ctx.named.to_vec();
    learners.extend(synthetic_learners(conn, ctx)?);
    // Where each learner belongs: a quiz in a campaign is open only inside its scope.
    let mut paths: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
    for org in learners.iter().filter_map(|(_, org, _)| *org) {
        if let std::collections::hash_map::Entry::Vacant(slot) = paths.entry(org)
            && let Some(row) = crate::db::models::organizations::find(conn, org)?
        {
            slot.insert(row.path);
        }
    }
    for day in (1..=DAYS).rev() {
        for (i, &(user, org, audience)) in learners.iter().enumerate() {
            // Units differ in how often their members study: reports have something to show.
            let eagerness = 35 + (org.unwrap_or(0) % 5) * 10;
            if (mix(i, day) % 100) as i64 >= eagerness {
                continue;
            }
            // An evening session, local time does not matter for the demo's shape.
            let start = ctx.now - Duration::days(day) - Duration::hours(3) + Duration::minutes((i as i64 * 7) % 90);
            let who = Earner::learner(user, org);
            study(conn, ctx, who, i, day, start)?;
            let learner = Learner {
                id: user,
                audience: audience.as_str().to_owned(),
                org_path: org.and_then(|o| paths.get(&o).cloned()),
            };
            if mix(i, day + 100).is_multiple_of(3) {
                answer_quiz(conn, ctx, &learner, daily, i, start + Duration::minutes(20))?;
            }
            // The contest runs in the campaign's window (the last ten days); one try each.
            if day == 10 - (i as i64 % 9) && !mix(i, 7).is_multiple_of(4) {
                answer_quiz(conn, ctx, &learner, contest, i, start + Duration::minutes(30))?;
            }
        }
    }
    Ok(())
}

/// The knowledge contest (知识竞赛) of the publicity month; returns (contest, daily quiz).
fn contest_quiz(conn: &mut DbConn, ctx: &Context<'_>) -> Result<(i64, i64), AppError> {
    let at = ctx.now - Duration::days(11);
    let input = QuizInput {
        title: Some("民族团结进步知识竞赛".into()),
        description: Some(
            "宣传月知识竞赛：十道题，限时十五分钟，每人一次机会，每答对一题得两分，竞赛结束后公布答案。".into(),
        ),
        mode: Some(Mode::Contest),
        draw: Some(Draw { count: 10, topic: None, tags: Vec::new(), difficulty: None }),
        shuffle_questions: Some(true),
        shuffle_options: Some(true),
        time_limit_s: Some(Some(15 * 60)),
        max_attempts: Some(Some(1)),
        opens_at: Some(Some(ctx.now - Duration::days(10))),
        closes_at: Some(Some(ctx.now + Duration::days(20))),
        review: Some(Review::AfterClose),
        points_per_correct: Some(Some(2)),
        ..QuizInput::default()
    };
    let id = quizzes::create(conn, ctx.write, &input, at)?;
    quizzes::transition(conn, ctx.write, id, Transition::Submit, None, None, at)?;
    quizzes::transition(conn, ctx.review, id, Transition::Approve, None, None, at + Duration::minutes(10))?;
    let daily = crate::db::models::quizzes::latest_visible_of_mode(
        conn,
        Mode::Daily.as_str(),
        crate::clock::naive(ctx.now - Duration::days(DAYS + 1)),
    )?
    .ok_or_else(|| AppError::internal(anyhow::anyhow!("the demo daily quiz is missing")))?;
    Ok((id, daily.id))
}

fn campaigns_for(conn: &mut DbConn, ctx: &Context<'_>, contest: i64) -> Result<(), AppError> {
    let at = ctx.now - Duration::days(11);
    let month = CampaignInput {
        title: Some("民族团结进步宣传月".into()),
        description: Some(
            "全县开展民族团结进步宣传月活动：学习党的民族理论和民族政策，讲好各民族交往交流交融的故事，参加知识竞赛。活动期间学习活动内容积分翻1.5倍。"
                .into(),
        ),
        kind: Some(CampaignKind::PublicityMonth),
        starts_at: Some(ctx.now - Duration::days(10)),
        ends_at: Some(ctx.now + Duration::days(20)),
        org_id: None,
        points_multiplier: Some(1.5),
        content_ids: Some(ctx.published.iter().take(10).map(|(id, _, _)| *id).collect()),
        quiz_ids: Some(vec![contest]),
    };
    let week = CampaignInput {
        title: Some("石榴镇“石榴籽”主题活动周".into()),
        description: Some("石榴镇各学校、社区开展“像石榴籽一样紧紧抱在一起”主题活动。".into()),
        kind: Some(CampaignKind::Themed),
        starts_at: Some(ctx.now + Duration::days(5)),
        ends_at: Some(ctx.now + Duration::days(12)),
        org_id: Some(Some(ctx.town)),
        points_multiplier: None,
        content_ids: Some(ctx.published.iter().skip(10).take(4).map(|(id, _, _)| *id).collect()),
        quiz_ids: None,
    };
    for input in [month, week] {
        let id = campaigns::create(conn, ctx.write, &input, at)?;
        campaigns::transition(conn, ctx.write, id, Transition::Submit, None, None, at)?;
        campaigns::transition(conn, ctx.review, id, Transition::Approve, None, None, at + Duration::hours(1))?;
    }
    Ok(())
}

fn synthetic_learners(conn: &mut DbConn, ctx: &Context<'_>) -> Result<Vec<(i64, Option<i64>, Audience)>, AppError> {
    let joined = ctx.now - Duration::days(DAYS + 2);
    let mut made = Vec::with_capacity(LEARNERS);
    for i in 0..LEARNERS {
        let (unit, code, audience) = &ctx.units[i % ctx.units.len()];
        // Learners with one surname are 12 apart and get given names 13 apart (mod 12: 1), so
        // no two of the first 144 share a name: a class never has two 王晓东.
        let name = format!("{}{}", SURNAMES[i % SURNAMES.len()], GIVEN[(i * 5 + i / SURNAMES.len()) % GIVEN.len()]);
        let learner = NewLearner {
            username: accounts::check_username(&format!("learner{:02}", i + 1))
                .map_err(|e| AppError::Validation(vec![e]))?,
            display_name: name,
            audience: *audience,
            org_code: Some(code.clone()),
            birth_year: None,
            // Pupils' guardians consented when the school enrolled them (PIPL art. 31).
            consent_recorded: audience.is_pupil(),
            locale: accounts::DEFAULT_LOCALE.to_owned(),
        };
        let no_holds = crate::domain::privacy::HoldKeys::new(Vec::new());
        let (user, _) = accounts::create_user(conn, &learner, Role::Learner, ctx.hash, &no_holds, joined)?;
        made.push((user.id, Some(*unit), *audience));
    }
    Ok(made)
}

/// One sitting: open a content, read or watch it through in a few reports, now and then
/// share it.
fn study(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    who: Earner,
    i: usize,
    day: i64,
    start: DateTime<Utc>,
) -> Result<(), AppError> {
    let pick = (mix(i, day + 200) as usize) % ctx.published.len();
    let (content, is_video, length) = ctx.published[pick];
    let event = |kind: &str, position: Option<i32>, at: DateTime<Utc>| {
        let mut e = json!({"id": uuid::Uuid::new_v4().to_string(), "kind": kind, "content_id": content, "occurred_at": at.to_rfc3339()});
        if let Some(p) = position {
            e["position_s"] = json!(p);
        }
        e
    };
    engagement::ingest(conn, who, &[event("view", Some(0), start)], start, ctx.engagement)?;
    // Some stop halfway; most finish.
    let finish = !mix(i, day + 300).is_multiple_of(4);
    let steps = if is_video { 2 } else { 3 };
    let mut at = start;
    for step in 1..=steps {
        let step_len = if is_video { length.max(1) / steps } else { (length / steps).clamp(40, 240) };
        at += Duration::seconds(i64::from(step_len) + 5);
        let position = if step == steps { length } else { step_len * step };
        let mut batch = vec![event("progress", Some(position), at)];
        if step == steps && finish {
            batch.push(event("complete", Some(position), at));
        }
        if step == 1 || finish || step < steps {
            engagement::ingest(conn, who, &batch, at, ctx.engagement)?;
        }
    }
    if mix(i, day + 400).is_multiple_of(5) {
        let at = at + Duration::minutes(1);
        engagement::ingest(conn, who, &[event("share", None, at)], at, ctx.engagement)?;
    }
    Ok(())
}

/// Starts a quiz and submits it with most answers right (a few wrong, so averages vary).
fn answer_quiz(
    conn: &mut DbConn,
    ctx: &Context<'_>,
    learner: &Learner,
    quiz: i64,
    i: usize,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let loaded = match attempts::start(conn, learner, quiz, at, ctx.timing) {
        Ok(loaded) => loaded,
        // Out of attempts or outside the quiz's window: the learner simply does not play.
        Err(AppError::Conflict { .. } | AppError::NotFound(_)) => return Ok(()),
        Err(other) => return Err(other),
    };
    let answers: Vec<(i64, Answer)> = loaded
        .items
        .iter()
        .enumerate()
        .filter_map(|(n, item)| {
            let right = mix(i, n as i64 + at.timestamp()) % 10 < 7;
            // A question left blank counts as wrong.
            right.then(|| right_answer(item)).flatten().map(|r| (item.question_id, r))
        })
        .collect();
    attempts::submit(conn, learner.id, loaded.attempt.id, &answers, at + Duration::minutes(6), ctx.timing)?;
    Ok(())
}

/// The right response to a delivered item (its answer is stored in delivered keys).
fn right_answer(item: &ItemRow) -> Option<Answer> {
    let answer: Answer = serde_json::from_str(&item.answer).ok()?;
    match (item.kind.as_str(), answer) {
        ("fill_blank", Answer::List(accepted)) => accepted.into_iter().next().map(Answer::Text),
        (_, answer) => Some(answer),
    }
}
