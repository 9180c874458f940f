//! The demo data set: the county's programme as content, an organization tree, an account
//! for every role. It is loaded through the same domain functions the API uses (so the
//! audit log tells how it was made), into an empty database only.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::auth::password::{Password, PasswordHasher};
use crate::config::Config;
use crate::db::models::reactions::Reaction;
use crate::db::{Db, DbConn};
use crate::domain::accounts::{self, NewLearner};
use crate::domain::contents::{self, Actor, ContentInput, Kind, TranslationInput};
use crate::domain::organizations::{self, NewNode};
use crate::domain::questions::{self, QuestionDraft};
use crate::domain::quizzes::{self, Draw, Mode, QuizInput, Review};
use crate::domain::topics::{self, TopicInput, TopicRef};
use crate::domain::vocab::{Audience, OrgKind, Role};
use crate::domain::workflow::Transition;
use crate::domain::{feed, media};
use crate::error::AppError;
use crate::media::MediaStore;

mod activity;
mod roster;

/// Every demo account has this password.
pub const PASSWORD: &str = "Tongxin-Demo-2026";

#[derive(Deserialize)]
struct Translation {
    title: String,
    summary: String,
    body_markdown: Option<String>,
}

#[derive(Deserialize)]
struct Entry {
    topic: String,
    audiences: Vec<Audience>,
    tags: Vec<String>,
    title: String,
    summary: String,
    body_markdown: Option<String>,
    #[serde(default)]
    translations: std::collections::BTreeMap<String, Translation>,
}

const TOPICS: &[(&str, &str, &str)] = &[
    ("national-view", "国家观", "The nation"),
    ("history-view", "历史观", "History"),
    ("ethnic-view", "民族观", "Ethnic groups"),
    ("culture-view", "文化观", "Culture"),
    ("religion-view", "宗教观", "Religion"),
    ("exemplary-stories", "先进典型", "Exemplary stories"),
    ("policy-law", "政策法规", "Policy and law"),
    ("ethnic-culture", "民族文化", "Ethnic culture"),
];

const CLIPS: [(&[u8], &[u8]); 8] = [
    (include_bytes!("../demo/media/clip-1.mp4"), include_bytes!("../demo/media/poster-1.jpg")),
    (include_bytes!("../demo/media/clip-2.mp4"), include_bytes!("../demo/media/poster-2.jpg")),
    (include_bytes!("../demo/media/clip-3.mp4"), include_bytes!("../demo/media/poster-3.jpg")),
    (include_bytes!("../demo/media/clip-4.mp4"), include_bytes!("../demo/media/poster-4.jpg")),
    (include_bytes!("../demo/media/clip-5.mp4"), include_bytes!("../demo/media/poster-5.jpg")),
    (include_bytes!("../demo/media/clip-6.mp4"), include_bytes!("../demo/media/poster-6.jpg")),
    (include_bytes!("../demo/media/clip-7.mp4"), include_bytes!("../demo/media/poster-7.jpg")),
    (include_bytes!("../demo/media/clip-8.mp4"), include_bytes!("../demo/media/poster-8.jpg")),
];

/// Where a demo account belongs in the tree.
#[derive(Clone, Copy)]
enum Place {
    County,
    Town,
    PrimaryClass,
    JuniorClass,
    Bureau,
    Community,
}

/// One demo login, printed at start.
pub struct Account {
    pub username: &'static str,
    pub role: Role,
    pub note: &'static str,
    display_name: &'static str,
    audience: Audience,
    place: Place,
    /// Age in years, for a birth year; `None` when not given.
    age: Option<i32>,
}

pub const ACCOUNTS: &[Account] = &[
    Account {
        username: "admin",
        role: Role::Admin,
        note: "administrator: everything",
        display_name: "县委宣传部管理员",
        audience: Audience::Cadre,
        place: Place::County,
        age: None,
    },
    Account {
        username: "reviewer",
        role: Role::Reviewer,
        note: "reviewer (审核): approves and rejects",
        display_name: "审核员王老师",
        audience: Audience::Cadre,
        place: Place::County,
        age: None,
    },
    Account {
        username: "editor",
        role: Role::Editor,
        note: "editor (宣传干事): writes and submits",
        display_name: "宣传干事李编辑",
        audience: Audience::Cadre,
        place: Place::County,
        age: None,
    },
    Account {
        username: "town_admin",
        role: Role::OrgAdmin,
        note: "organization admin of 石榴镇 and below",
        display_name: "石榴镇管理员",
        audience: Audience::Cadre,
        place: Place::Town,
        age: None,
    },
    Account {
        username: "xiaoming",
        role: Role::Learner,
        note: "pupil, 石榴镇中心小学 三年级一班 (guardian consent recorded)",
        display_name: "小明",
        audience: Audience::Primary,
        place: Place::PrimaryClass,
        age: Some(9),
    },
    Account {
        username: "ayguli",
        role: Role::Learner,
        note: "student, 团结乡初级中学 初一(1)班 (guardian consent recorded)",
        display_name: "阿依古丽",
        audience: Audience::Junior,
        place: Place::JuniorClass,
        age: Some(13),
    },
    Account {
        username: "zhangwei",
        role: Role::Learner,
        note: "cadre, 县教育局",
        display_name: "张伟",
        audience: Audience::Cadre,
        place: Place::Bureau,
        age: Some(35),
    },
    Account {
        username: "gulnar",
        role: Role::Learner,
        note: "resident, 石榴社区",
        display_name: "古丽娜尔",
        audience: Audience::Public,
        place: Place::Community,
        age: Some(42),
    },
];

fn entries(json: &str) -> Result<Vec<Entry>, AppError> {
    serde_json::from_str(json).map_err(|e| AppError::internal(anyhow::anyhow!("demo data: {e}")))
}

/// True when the database has no accounts, organizations or topics yet.
pub fn is_empty(conn: &mut DbConn) -> Result<bool, AppError> {
    use diesel::prelude::*;

    use crate::db::schema::{organizations, topics, users};
    let users: i64 = users::table.count().get_result(conn)?;
    let orgs: i64 = organizations::table.count().get_result(conn)?;
    let topics: i64 = topics::table.count().get_result(conn)?;
    Ok(users + orgs + topics == 0)
}

/// Loads the demo set unless the database already holds data. Returns whether it loaded.
pub async fn load(config: &Config, db: &Db, store: &MediaStore, now: DateTime<Utc>) -> Result<bool, AppError> {
    if !db.run(is_empty).await? {
        return Ok(false);
    }
    let hash = PasswordHasher::new(1).hash(&Password::new(PASSWORD)).await?;
    // Files first: storage is async, the rest is one blocking job.
    let mut files = Vec::new();
    for (clip, poster) in CLIPS {
        let video = store.ingest_bytes(clip, config.max_upload_bytes).await?;
        let image = store.ingest_bytes(poster, config.max_upload_bytes).await?;
        files.push((video, image));
    }
    let tz = config.timezone;
    let engagement = crate::domain::engagement::Settings {
        tz,
        min_read: config.min_read,
        complete_share: config.article_complete_share,
        retention: config.event_retention,
    };
    let timing = crate::domain::attempts::Timing { grace: config.attempt_grace, tz };
    db.run(move |conn| {
        // Everything happened over the last seven weeks, oldest first.
        let start = now - Duration::days(50);
        let orgs = organizations_tree(conn, start, tz)?;
        let users = people(conn, &orgs, &hash, start, tz)?;
        // Imported yesterday: the initial passwords still work for weeks.
        roster::load(conn, orgs.junior, users["admin"], &hash, (now - Duration::days(1), tz))?;
        for (i, (slug, zh, en)) in TOPICS.iter().enumerate() {
            let names = [(String::from("zh-Hans"), (*zh).to_owned()), (String::from("en"), (*en).to_owned())].into();
            let input = TopicInput { slug: Some(slug), names: Some(&names), position: Some(i as i32) };
            topics::create(conn, users["admin"], &input, start)?;
        }
        let (editor, reviewer) = (users["editor"], users["reviewer"]);
        let write = Actor { id: editor, role: Role::Editor };
        let review = Actor { id: reviewer, role: Role::Reviewer };

        let mut articles = entries(include_str!("../demo/articles-1.json"))?;
        articles.extend(entries(include_str!("../demo/articles-2.json"))?);
        let videos = entries(include_str!("../demo/videos.json"))?;
        let total = articles.len() + videos.len();
        let mut published = Vec::new();
        let mut video_files = files.into_iter();
        for (n, (entry, is_video)) in
            articles.into_iter().map(|a| (a, false)).chain(videos.into_iter().map(|v| (v, true))).enumerate()
        {
            // Spread over the weeks; interleave videos with articles.
            let when = start + Duration::hours(((n * 1117) % (total * 24)) as i64 + 24);
            let mut input = ContentInput {
                title: Some(entry.title.clone()),
                summary: Some(entry.summary.clone()),
                body_markdown: entry.body_markdown.clone(),
                topic: Some(TopicRef::Slug(entry.topic.clone())),
                audiences: Some(entry.audiences.clone()),
                tags: Some(entry.tags.clone()),
                ..ContentInput::default()
            };
            let kind = if is_video {
                let (video, poster) =
                    video_files.next().ok_or_else(|| AppError::internal(anyhow::anyhow!("too few clips")))?;
                let (video, _) = media::register(conn, &video, Some(editor), when)?;
                let (poster, _) = media::register(conn, &poster, Some(editor), when)?;
                input.media_id = Some(video.id);
                input.poster_media_id = Some(Some(poster.id));
                input.duration_s = video.duration_s.or(Some(4));
                Kind::Video
            } else {
                Kind::Article
            };
            let id = contents::create(conn, write, kind, &input, when)?;
            for (tag, t) in &entry.translations {
                let translation = TranslationInput {
                    title: t.title.clone(),
                    summary: Some(t.summary.clone()),
                    body_markdown: t.body_markdown.clone(),
                };
                contents::translate(conn, write, id, tag, &translation, when)?;
            }
            contents::submit(conn, write, id, when + Duration::minutes(30))?;
            match n {
                // One waits for review, one is scheduled for the day after tomorrow.
                5 => {}
                11 => contents::approve(conn, review, id, Some(now + Duration::days(2)), when + Duration::hours(2))?,
                _ => {
                    contents::approve(conn, review, id, None, when + Duration::hours(2))?;
                    published.push(id);
                }
            }
        }
        quizzes_and_questions(conn, write, review, start)?;
        let rows = crate::db::models::contents::find_many(conn, &published)?;
        let lengths: Vec<(i64, bool, i32)> = published
            .iter()
            .filter_map(|id| rows.iter().find(|r| r.id == *id))
            .map(|r| {
                let video = r.kind == "video";
                (r.id, video, if video { r.duration_s } else { r.reading_time_s }.unwrap_or(60).max(1))
            })
            .collect();
        let named: Vec<(i64, Option<i64>, Audience)> = ACCOUNTS
            .iter()
            .filter(|a| a.role == Role::Learner)
            .map(|a| (users[a.username], Some(place_org(&orgs, a.place)), a.audience))
            .collect();
        let units: Vec<(i64, String, Audience)> = orgs
            .units
            .iter()
            .map(|(id, audience)| {
                let code = crate::db::models::organizations::find(conn, *id)?.map(|o| o.join_code).unwrap_or_default();
                Ok((*id, code, *audience))
            })
            .collect::<Result<_, AppError>>()?;
        activity::load(
            conn,
            &activity::Context {
                write,
                review,
                units: &units,
                town: orgs.town,
                named: &named,
                published: &lengths,
                hash: &hash,
                now,
                engagement,
                timing,
            },
        )?;
        // A little engagement so "popular" differs from "latest".
        for (k, id) in published.iter().enumerate() {
            for (j, learner) in ["xiaoming", "ayguli", "zhangwei", "gulnar"].iter().enumerate() {
                if (k + j) % 3 == 0 {
                    feed::react(conn, users[learner], *id, Reaction::Like, true, now)?;
                }
                if (k * 7 + j) % 11 == 0 {
                    feed::react(conn, users[learner], *id, Reaction::Favorite, true, now)?;
                }
            }
        }
        Ok(())
    })
    .await?;
    Ok(true)
}

/// The question bank and three quizzes: a practice set, an exam, and the daily quiz.
fn quizzes_and_questions(conn: &mut DbConn, write: Actor, review: Actor, at: DateTime<Utc>) -> Result<(), AppError> {
    let drafts: Vec<QuestionDraft> = serde_json::from_str(include_str!("../demo/questions.json"))
        .map_err(|e| AppError::internal(anyhow::anyhow!("demo questions: {e}")))?;
    let rows: Vec<(String, Result<QuestionDraft, crate::error::FieldError>)> =
        drafts.into_iter().enumerate().map(|(i, d)| (format!("questions[{i}]."), Ok(d))).collect();
    let ids = questions::import(conn, write, &rows, at)?;
    let publish = |conn: &mut DbConn, input: QuizInput| -> Result<(), AppError> {
        let id = quizzes::create(conn, write, &input, at)?;
        quizzes::transition(conn, write, id, Transition::Submit, None, None, at)?;
        quizzes::transition(conn, review, id, Transition::Approve, None, None, at + Duration::minutes(5))
    };
    publish(
        conn,
        QuizInput {
            title: Some("民族团结知识练习".into()),
            description: Some("十道题，随时练习，提交后即可查看答案和解析。".into()),
            mode: Some(Mode::Practice),
            question_ids: Some(ids.iter().step_by(7).take(10).copied().collect()),
            shuffle_options: Some(true),
            review: Some(Review::AfterSubmit),
            ..QuizInput::default()
        },
    )?;
    publish(
        conn,
        QuizInput {
            title: Some("民族团结进步创建知识测验".into()),
            description: Some("二十道题，限时二十分钟，每人两次机会，六十分及格。答案在测验结束后公布。".into()),
            mode: Some(Mode::Exam),
            draw: Some(Draw { count: 20, topic: None, tags: Vec::new(), difficulty: None }),
            shuffle_questions: Some(true),
            shuffle_options: Some(true),
            time_limit_s: Some(Some(20 * 60)),
            max_attempts: Some(Some(2)),
            pass_score: Some(Some(60)),
            closes_at: Some(Some(at + Duration::days(90))),
            review: Some(Review::AfterClose),
            ..QuizInput::default()
        },
    )?;
    publish(
        conn,
        QuizInput {
            title: Some("每日答题".into()),
            description: Some("每天五道题，答对一题得一分。".into()),
            mode: Some(Mode::Daily),
            draw: Some(Draw { count: 5, topic: None, tags: Vec::new(), difficulty: None }),
            shuffle_options: Some(true),
            review: Some(Review::AfterSubmit),
            points_per_correct: Some(Some(1)),
            ..QuizInput::default()
        },
    )?;
    Ok(())
}

struct Orgs {
    /// Units learners join, with the audience they serve.
    units: Vec<(i64, Audience)>,
    county: i64,
    town: i64,
    class_3_1: i64,
    junior_1_1: i64,
    /// 团结乡初级中学, where the roster class is created.
    junior: i64,
    bureau: i64,
    community: i64,
}

fn node(
    conn: &mut DbConn,
    parent: Option<i64>,
    name: &str,
    kind: OrgKind,
    site: bool,
    (at, tz): (DateTime<Utc>, chrono_tz::Tz),
) -> Result<i64, AppError> {
    let new = NewNode { parent_id: parent, name, kind, demonstration_site: site, demonstration_since: None };
    Ok(organizations::create(conn, None, &organizations::Scope::All, &new, at, tz)?.id)
}

fn organizations_tree(conn: &mut DbConn, at: DateTime<Utc>, tz: chrono_tz::Tz) -> Result<Orgs, AppError> {
    let at = (at, tz);
    let county = node(conn, None, "同心县", OrgKind::County, false, at)?;
    let bureau = node(conn, Some(county), "县教育局", OrgKind::Bureau, false, at)?;
    let town = node(conn, Some(county), "石榴镇", OrgKind::Township, false, at)?;
    let tuanjie = node(conn, Some(county), "团结乡", OrgKind::Township, false, at)?;
    let hexie = node(conn, Some(county), "和谐镇", OrgKind::Township, false, at)?;
    let primary = node(conn, Some(town), "石榴镇中心小学", OrgKind::School, true, at)?;
    let community = node(conn, Some(town), "石榴社区", OrgKind::Community, false, at)?;
    let junior = node(conn, Some(tuanjie), "团结乡初级中学", OrgKind::School, false, at)?;
    let senior = node(conn, Some(hexie), "和谐镇第一中学", OrgKind::School, false, at)?;
    let class_3_1 = node(conn, Some(primary), "三年级一班", OrgKind::Class, false, at)?;
    let class_5_2 = node(conn, Some(primary), "五年级二班", OrgKind::Class, false, at)?;
    let junior_1_1 = node(conn, Some(junior), "初一(1)班", OrgKind::Class, false, at)?;
    let junior_2_3 = node(conn, Some(junior), "初二(3)班", OrgKind::Class, true, at)?;
    let senior_1_2 = node(conn, Some(senior), "高一(2)班", OrgKind::Class, false, at)?;
    let branch = node(conn, Some(hexie), "和谐镇机关党支部", OrgKind::Branch, false, at)?;
    let units = vec![
        (class_3_1, Audience::Primary),
        (class_5_2, Audience::Primary),
        (junior_1_1, Audience::Junior),
        (junior_2_3, Audience::Junior),
        (senior_1_2, Audience::Senior),
        (branch, Audience::PartyMember),
        (community, Audience::Public),
        (bureau, Audience::Cadre),
    ];
    Ok(Orgs { units, county, town, class_3_1, junior_1_1, junior, bureau, community })
}

fn place_org(orgs: &Orgs, place: Place) -> i64 {
    match place {
        Place::County => orgs.county,
        Place::Town => orgs.town,
        Place::PrimaryClass => orgs.class_3_1,
        Place::JuniorClass => orgs.junior_1_1,
        Place::Bureau => orgs.bureau,
        Place::Community => orgs.community,
    }
}

fn people(
    conn: &mut DbConn,
    orgs: &Orgs,
    hash: &str,
    at: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<std::collections::HashMap<&'static str, i64>, AppError> {
    use crate::db::models::organizations as org_db;
    let year = accounts::local_year(at, tz);
    let mut ids = std::collections::HashMap::new();
    for account in ACCOUNTS {
        let org = place_org(orgs, account.place);
        let birth_year = account.age.map(|age| year - age);
        let learner = NewLearner {
            username: accounts::check_username(account.username).map_err(|e| AppError::Validation(vec![e]))?,
            display_name: account.display_name.to_owned(),
            audience: account.audience,
            org_code: org_db::find(conn, org)?.map(|o| o.join_code),
            birth_year,
            consent_recorded: accounts::may_be_minor(account.audience, birth_year, year),
            locale: accounts::DEFAULT_LOCALE.to_owned(),
        };
        // The demo set loads only into an empty database: no username can be held there.
        let no_holds = crate::domain::privacy::HoldKeys::new(Vec::new());
        let (user, _) = accounts::create_user(conn, &learner, account.role, hash, &no_holds, at)?;
        ids.insert(account.username, user.id);
    }
    Ok(ids)
}

/// The text printed once when the demo set is loaded.
pub fn banner(base_url: &str) -> String {
    use std::fmt::Write as _;
    let mut text = format!("\nTongxin demo data loaded. Accounts (password for all: {PASSWORD}):\n");
    for account in ACCOUNTS {
        let _ = writeln!(text, "  {:<11} {:<9} {}", account.username, account.role.as_str(), account.note);
    }
    let pupils: Vec<String> = roster::PUPILS.iter().map(|(name, _, _)| roster::username(name)).collect();
    let _ = writeln!(
        text,
        "Pupils of {} (团结乡初级中学), imported as a roster: {}. Their initial password is the demo \
         password, but temporary: the first sign-in answers password_change_required; choose a new one with POST /api/v1/auth/password.",
        roster::CLASS,
        pupils.join(", ")
    );
    let _ = writeln!(text, "Try: curl -s {base_url}/api/v1/contents | head -c 600");
    text
}
