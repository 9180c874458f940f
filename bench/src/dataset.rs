//! The shape of the seeded data set: sizes, the organization tree, the days the events
//! fall on, and who studied what when. The SQL in `seed` and the load scripts both follow
//! these definitions.

use chrono::{Datelike as _, NaiveDate, TimeZone as _};
use serde::{Deserialize, Serialize};

/// The password of every seeded account (one argon2 hash, reused).
pub const PASSWORD: &str = "Bench-Learner-2026";
pub const ADMIN: &str = "bench_admin";
/// The server's time zone during the bench (local days of the aggregates).
pub const TIMEZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// County → 15 townships → 10 schools each → 5 classes each: 916 nodes, learners in the
/// 750 classes. Ids are laid out by level so a learner's class is arithmetic.
pub const TOWNSHIPS: i64 = 15;
pub const SCHOOLS_PER_TOWNSHIP: i64 = 10;
pub const CLASSES_PER_SCHOOL: i64 = 5;
pub const FIRST_TOWNSHIP: i64 = 2;
pub const FIRST_SCHOOL: i64 = FIRST_TOWNSHIP + TOWNSHIPS;
pub const FIRST_CLASS: i64 = FIRST_SCHOOL + TOWNSHIPS * SCHOOLS_PER_TOWNSHIP;
pub const CLASSES: i64 = TOWNSHIPS * SCHOOLS_PER_TOWNSHIP * CLASSES_PER_SCHOOL;

/// Events fall on the last `DAYS` local days before today (13 is coprime with 60, so a
/// learner's sessions land on distinct days).
pub const DAYS: i64 = 60;
/// A study session: a `view`, eight `progress` reports 15 s apart and a `complete`.
pub const EVENTS_PER_SESSION: i64 = 10;
pub const TOPICS: i64 = 12;
/// One in five contents is a video (all playing the one seeded media file).
pub const VIDEO_EVERY: i64 = 5;
/// One in four contents has an English translation.
pub const TRANSLATED_EVERY: i64 = 4;
pub const MEDIA_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Scale {
    pub learners: i64,
    pub contents: i64,
    /// Sessions per learner; events = learners × sessions × 10.
    pub sessions: i64,
}

impl Scale {
    /// The scale closest to the requested event count (whole sessions per learner).
    pub fn new(learners: i64, contents: i64, events: i64) -> anyhow::Result<Self> {
        anyhow::ensure!(learners >= 1 && contents >= VIDEO_EVERY, "need at least 1 learner and 5 contents");
        let sessions = (events / (learners * EVENTS_PER_SESSION)).max(1);
        anyhow::ensure!(sessions < DAYS, "at most {} sessions per learner", DAYS - 1);
        anyhow::ensure!(sessions <= contents, "more sessions per learner than contents");
        Ok(Self { learners, contents, sessions })
    }

    pub fn events(&self) -> i64 {
        self.learners * self.sessions * EVENTS_PER_SESSION
    }

    pub fn admin_id(&self) -> i64 {
        self.learners + 1
    }

    pub fn editor_id(&self) -> i64 {
        self.learners + 2
    }
}

/// One local day of the seeded range, with the period keys the server uses
/// (`d:2026-11-30`, `w:2026-W49`, `m:2026-11`).
#[derive(Debug, Clone)]
pub struct Day {
    pub index: i64,
    pub date: NaiveDate,
    /// 09:00 local time on that day, as UTC epoch seconds: sessions start from here.
    pub morning_epoch: i64,
    pub week_key: String,
    pub month_key: String,
}

/// The `DAYS` local days ending yesterday.
pub fn days(today: NaiveDate) -> Vec<Day> {
    (0..DAYS)
        .map(|index| {
            let date = today - chrono::Days::new((DAYS - index) as u64);
            let week = date.iso_week();
            let morning = date.and_hms_opt(9, 0, 0).unwrap_or_default();
            let morning_epoch = TIMEZONE.from_local_datetime(&morning).single().map_or(0, |t| t.timestamp());
            Day {
                index,
                date,
                morning_epoch,
                week_key: format!("w:{}-W{:02}", week.year(), week.week()),
                month_key: format!("m:{}-{:02}", date.year(), date.month()),
            }
        })
        .collect()
}

pub fn local_today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&TIMEZONE).date_naive()
}

/// Chinese and English phrases that titles, summaries and bodies are made of.
pub const PHRASES: [(&str, &str); 16] = [
    ("铸牢中华民族共同体意识", "Forging a strong sense of community for the Chinese nation"),
    ("民族团结一家亲", "All ethnic groups are one family"),
    ("石榴籽紧紧抱在一起", "Like pomegranate seeds held tightly together"),
    ("各民族交往交流交融", "Exchanges and integration among ethnic groups"),
    ("守望相助共建美好家园", "Helping each other to build a better home"),
    ("民族政策知识问答", "Questions and answers on ethnic policy"),
    ("乡村振兴中的民族团结故事", "Stories of unity in rural revitalization"),
    ("国家通用语言文字学习", "Learning the national common language"),
    ("中华优秀传统文化", "Fine traditional Chinese culture"),
    ("民族团结进步示范创建", "Building demonstration sites of unity and progress"),
    ("法治宣传进社区", "Rule-of-law publicity in the community"),
    ("红色故事代代传", "Revolutionary stories passed down"),
    ("互嵌式社区建设", "Building mutually embedded communities"),
    ("各族青少年手拉手", "Young people of all ethnic groups hand in hand"),
    ("节日里的民族风情", "Ethnic customs on festival days"),
    ("团结奋进新时代", "United and striving in the new era"),
];

pub const TAGS: [&str; 20] = [
    "民族团结",
    "共同体意识",
    "政策解读",
    "乡村振兴",
    "通用语言",
    "传统文化",
    "法治",
    "红色故事",
    "社区",
    "青少年",
    "节日",
    "示范创建",
    "宣讲",
    "微视频",
    "典型人物",
    "交往交流交融",
    "互嵌",
    "文化润疆",
    "学习强国",
    "知识竞赛",
];

/// The non-public audiences some contents are also aimed at.
pub const AUDIENCES: [&str; 6] = ["primary", "junior", "senior", "university", "cadre", "party_member"];
