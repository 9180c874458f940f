//! Bulk seeding, straight into the schema `tongxin migrate` created: set-based SQL over
//! small helper tables (numbers, days, phrases), one statement per table, on both
//! backends. Only the per-learner activity maps (`org_active`) are built in Rust.
//!
//! Each learner studies `sessions` contents, each on its own day of the last 60: a
//! session is a `view`, eight `progress` reports and a `complete` (10 events), with the
//! progress row, the ledger entries (the day's login point, the completion and, for
//! articles, a reading-time point) and every aggregate the server keeps from them.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use argon2::password_hash::PasswordHasher as _;
use chrono::{Datelike as _, NaiveDate};
use sha2::{Digest as _, Sha256};

use crate::dataset::{
    self, ADMIN, AUDIENCES, CLASSES, CLASSES_PER_SCHOOL, DAYS, FIRST_CLASS, FIRST_SCHOOL, FIRST_TOWNSHIP, MEDIA_BYTES,
    PASSWORD, PHRASES, SCHOOLS_PER_TOWNSHIP, Scale, TAGS, TOPICS, TOWNSHIPS, TRANSLATED_EVERY, VIDEO_EVERY,
};
use crate::db::{Db, Dialect};

/// What a seed run produced, kept next to the data so `run` can reuse it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Seeded {
    pub scale: Scale,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub seconds: f64,
    /// When seeding finished (RFC 3339).
    pub at: String,
}

struct Steps {
    started: Instant,
    last: Instant,
}

impl Steps {
    fn new() -> Self {
        let now = Instant::now();
        Self { started: now, last: now }
    }

    fn done(&mut self, what: &str) {
        let now = Instant::now();
        eprintln!(
            "  {what:<52} {:>6.1} s  (total {:>6.1} s)",
            (now - self.last).as_secs_f64(),
            (now - self.started).as_secs_f64()
        );
        self.last = now;
    }
}

/// One argon2id PHC string for every account, with the server's parameters.
pub fn password_hash() -> anyhow::Result<String> {
    let params = argon2::Params::new(19_456, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?;
    let argon2 = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let hash = argon2.hash_password(PASSWORD.as_bytes()).map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(hash.to_string())
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Seeds an empty, migrated database. `media_root` is the server's media folder.
pub fn seed(db: &mut Db, scale: Scale, media_root: &Path, today: NaiveDate) -> anyhow::Result<Seeded> {
    let d = db.dialect();
    let mut steps = Steps::new();
    let days = dataset::days(today);
    let (first_day, last_day) = (days[0].date, days[days.len() - 1].date);
    let now_epoch = chrono::Utc::now().timestamp();
    let long_ago = d.ts(&(days[0].morning_epoch - 30 * 86_400).to_string());
    let (n, c, s) = (scale.learners, scale.contents, scale.sessions);
    let (admin, editor) = (scale.admin_id(), scale.editor_id());

    match d {
        Dialect::Sqlite => db.batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000; \
             PRAGMA temp_store = MEMORY; BEGIN",
        )?,
        Dialect::Postgres => {
            db.batch("SET synchronous_commit = off; SET maintenance_work_mem = '512MB'; SET work_mem = '256MB'")?;
        }
    }

    // Helper tables: numbers, event steps, session numbers, days, phrases, tags, audiences.
    let numbers = n.max(c);
    db.batch(&format!(
        "CREATE TEMP TABLE bench_n (i BIGINT NOT NULL); \
         INSERT INTO bench_n (i) WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i + 1 < {numbers}) \
         SELECT i FROM r; \
         CREATE TEMP TABLE bench_k AS SELECT i FROM bench_n WHERE i < 10; \
         CREATE TEMP TABLE bench_s AS SELECT i FROM bench_n WHERE i < {s}; \
         CREATE TEMP TABLE bench_days (i BIGINT, local_date TEXT, morning BIGINT, week_key TEXT, month_key TEXT, \
             year BIGINT, doy BIGINT); \
         CREATE TEMP TABLE bench_phrases (k BIGINT, zh TEXT, en TEXT); \
         CREATE TEMP TABLE bench_tags (k BIGINT, tag TEXT); \
         CREATE TEMP TABLE bench_audiences (k BIGINT, audience TEXT)"
    ))?;
    db.insert_values(
        "INSERT INTO bench_days (i, local_date, morning, week_key, month_key, year, doy)",
        days.iter().map(|day| {
            format!(
                "({}, '{}', {}, '{}', '{}', {}, {})",
                day.index,
                day.date,
                day.morning_epoch,
                day.week_key,
                day.month_key,
                day.date.year(),
                day.date.ordinal()
            )
        }),
        500,
    )?;
    db.insert_values(
        "INSERT INTO bench_phrases (k, zh, en)",
        PHRASES.iter().enumerate().map(|(k, (zh, en))| format!("({k}, {}, {})", quote(zh), quote(en))),
        500,
    )?;
    db.insert_values(
        "INSERT INTO bench_tags (k, tag)",
        TAGS.iter().enumerate().map(|(k, tag)| format!("({k}, {})", quote(tag))),
        500,
    )?;
    db.insert_values(
        "INSERT INTO bench_audiences (k, audience)",
        std::iter::once("public").chain(AUDIENCES).enumerate().map(|(k, a)| format!("({k}, '{a}')")),
        500,
    )?;
    steps.done("helper tables");

    // The tree: county 1, townships, schools, classes, ids by level.
    let mut orgs = vec![(1, None, "团结县".to_owned(), "county", "/1/".to_owned())];
    for t in 0..TOWNSHIPS {
        let township = FIRST_TOWNSHIP + t;
        orgs.push((township, Some(1), format!("第{}乡镇", t + 1), "township", format!("/1/{township}/")));
        for k in 0..SCHOOLS_PER_TOWNSHIP {
            let school = FIRST_SCHOOL + t * SCHOOLS_PER_TOWNSHIP + k;
            orgs.push((school, Some(township), format!("第{}乡镇第{}学校", t + 1, k + 1), "school", {
                format!("/1/{township}/{school}/")
            }));
            for m in 0..CLASSES_PER_SCHOOL {
                let class = FIRST_CLASS + (t * SCHOOLS_PER_TOWNSHIP + k) * CLASSES_PER_SCHOOL + m;
                orgs.push((
                    class,
                    Some(school),
                    format!("第{}乡镇第{}学校{}班", t + 1, k + 1, m + 1),
                    "class",
                    format!("/1/{township}/{school}/{class}/"),
                ));
            }
        }
    }
    let site_since = quote(&first_day.to_string());
    db.insert_values(
        "INSERT INTO organizations (id, parent_id, name, kind, join_code, demonstration_site, demonstration_since, \
         path, created_at, updated_at)",
        orgs.into_iter().map(|(id, parent, name, kind, path)| {
            // Every fifth township is a demonstration site (示范点).
            let site = kind == "township" && (id - FIRST_TOWNSHIP) % 5 == 0;
            format!(
                "({id}, {}, {}, '{kind}', 'BX{id:04}', {}, {}, '{path}', {long_ago}, {long_ago})",
                parent.map_or("NULL".to_owned(), |p: i64| p.to_string()),
                quote(&name),
                if site { "TRUE" } else { "FALSE" },
                if site { site_since.as_str() } else { "NULL" },
            )
        }),
        500,
    )?;
    steps.done("organizations (4 levels, 916 nodes)");

    let hash = password_hash()?;
    db.exec(&format!(
        "INSERT INTO users (id, username, username_key, display_name, password_hash, role, audience, organization_id, \
         locale, disabled, created_at, updated_at) \
         SELECT n.i + 1, 'learner' || (n.i + 1), 'learner' || (n.i + 1), '学员' || (n.i + 1), '{hash}', 'learner', \
         a.audience, {FIRST_CLASS} + (n.i + 1) % {CLASSES}, 'zh-Hans', FALSE, {long_ago}, {long_ago} \
         FROM bench_n n JOIN bench_audiences a ON a.k = (n.i + 1) % 7 WHERE n.i < {n}"
    ))?;
    db.exec(&format!(
        "INSERT INTO users (id, username, username_key, display_name, password_hash, role, audience, organization_id, \
         locale, disabled, created_at, updated_at) VALUES \
         ({admin}, '{ADMIN}', '{ADMIN}', '管理员', '{hash}', 'admin', 'cadre', 1, 'zh-Hans', FALSE, {long_ago}, {long_ago}), \
         ({editor}, 'bench_editor', 'bench_editor', '宣传干事', '{hash}', 'editor', 'cadre', 1, 'zh-Hans', FALSE, \
          {long_ago}, {long_ago})"
    ))?;
    steps.done(&format!("users ({n} learners, one argon2 hash)"));

    db.insert_values(
        "INSERT INTO topics (id, slug, names, position, created_at, updated_at)",
        (1..=TOPICS).map(|id| {
            let (zh, en) = PHRASES[(id - 1) as usize];
            let names = serde_json::json!({"zh-Hans": zh, "en": en}).to_string();
            format!("({id}, 'topic-{id}', {}, {id}, {long_ago}, {long_ago})", quote(&names))
        }),
        500,
    )?;
    let media = write_media(media_root)?;
    db.exec(&format!(
        "INSERT INTO media (id, kind, mime, size, sha256, storage_key, duration_s, uploader_id, created_at) \
         VALUES (1, 'video', 'video/mp4', {MEDIA_BYTES}, '{media}', 'media/{media}', 180, {editor}, {long_ago})"
    ))?;
    steps.done("topics, media file");

    // Contents: one a minute, the newest an hour ago.
    let base = now_epoch - 3600 - c * 60;
    let publish_at = d.ts(&format!("{base} + c.id * 60"));
    let para = |a: &str, b: &str| {
        format!(
            "{a} || '是新时代民族工作的主线。全县坚持把' || {b} || '融入学校教育、社区治理和乡村振兴的各个环节，\
             组织各族群众开展宣讲、联谊和互助活动，推动各民族在空间、文化、经济、社会、心理等方面全方位嵌入，\
             让团结之花在每一个村庄、每一所学校、每一个家庭里绽放。'"
        )
    };
    let (p1, p2, p3) = (para("p.zh", "q.zh"), para("q.zh", "p.zh"), para("p.zh", "p.zh"));
    let title = "p.zh || '（第' || c.id || '期）'";
    db.exec(&format!(
        "INSERT INTO contents (id, kind, topic_id, locale, title, summary, body_markdown, body_html, reading_time_s, \
         media_id, duration_s, status, publish_at, author_id, reviewer_id, created_at, updated_at) \
         SELECT c.id, CASE WHEN c.id % {VIDEO_EVERY} = 0 THEN 'video' ELSE 'article' END, 1 + c.id % {TOPICS}, 'zh-Hans', \
         {title}, \
         '本期聚焦' || p.zh || '，讲述身边' || q.zh || '的故事，解读相关政策，帮助大家在学习和生活中践行民族团结。', \
         CASE WHEN c.id % {VIDEO_EVERY} = 0 THEN NULL ELSE \
           '## ' || {title} || '\n\n' || {p1} || '\n\n' || {p2} || '\n\n' || {p3} END, \
         CASE WHEN c.id % {VIDEO_EVERY} = 0 THEN NULL ELSE \
           '<h2>' || {title} || '</h2>\n<p>' || {p1} || '</p>\n<p>' || {p2} || '</p>\n<p>' || {p3} || '</p>\n' END, \
         CASE WHEN c.id % {VIDEO_EVERY} = 0 THEN NULL ELSE 120 + (c.id % 5) * 60 END, \
         CASE WHEN c.id % {VIDEO_EVERY} = 0 THEN 1 END, \
         CASE WHEN c.id % {VIDEO_EVERY} = 0 THEN 60 + c.id % 120 END, \
         'published', {publish_at}, {editor}, {admin}, {publish_at}, {publish_at} \
         FROM (SELECT i + 1 AS id FROM bench_n WHERE i < {c}) c \
         JOIN bench_phrases p ON p.k = c.id % 16 JOIN bench_phrases q ON q.k = (c.id / 16) % 16"
    ))?;
    db.exec(&format!(
        "INSERT INTO content_translations (content_id, locale, title, summary, body_markdown, body_html, updated_at) \
         SELECT c.id, 'en', p.en || ' (issue ' || c.id || ')', \
         'This issue looks at ' || p.en || ' and ' || q.en || ', with stories from our county and the policies behind them.', \
         CASE WHEN c.kind = 'video' THEN NULL ELSE '## ' || p.en || '\n\n' || p.en || ' runs through our work. ' || \
           q.en || ' is part of school, community and village life in every township.' END, \
         CASE WHEN c.kind = 'video' THEN NULL ELSE '<h2>' || p.en || '</h2>\n<p>' || p.en || ' runs through our work. ' || \
           q.en || ' is part of school, community and village life in every township.</p>\n' END, \
         c.updated_at \
         FROM contents c JOIN bench_phrases p ON p.k = c.id % 16 JOIN bench_phrases q ON q.k = (c.id / 16) % 16 \
         WHERE c.id % {TRANSLATED_EVERY} = 0"
    ))?;
    db.exec(&format!(
        "INSERT INTO content_tags (content_id, tag) \
         SELECT n.i + 1, t.tag FROM bench_n n JOIN bench_tags t ON t.k = (n.i + 1) % 20 WHERE n.i < {c} \
         UNION ALL \
         SELECT n.i + 1, t.tag FROM bench_n n JOIN bench_tags t ON t.k = ((n.i + 1) % 20 + 1 + ((n.i + 1) / 20) % 19) % 20 \
         WHERE n.i < {c}"
    ))?;
    db.exec(&format!(
        "INSERT INTO content_audiences (content_id, audience) \
         SELECT n.i + 1, 'public' FROM bench_n n WHERE n.i < {c} \
         UNION ALL \
         SELECT n.i + 1, a.audience FROM bench_n n JOIN bench_audiences a ON a.k = 1 + ((n.i + 1) / 3) % 6 \
         WHERE n.i < {c} AND (n.i + 1) % 3 = 0"
    ))?;
    steps.done(&format!("contents ({c}, with translations, tags, audiences)"));

    // Who studied what, when: learner u's session s (both from 1 / 0).
    db.batch(&format!(
        "CREATE TEMP TABLE bench_sessions AS \
         SELECT x.j, x.user_id, x.s, x.content_id, x.org_id, c.kind, \
           CASE WHEN c.kind = 'video' THEN c.duration_s ELSE 120 END AS study_s, \
           d.local_date, d.year, d.doy, d.morning + (x.user_id % 600) * 60 AS t0 \
         FROM (SELECT s.i * {n} + u.i AS j, u.i + 1 AS user_id, s.i AS s, \
                 ((u.i + 1) * 7 + s.i * 13) % {DAYS} AS day, ((u.i + 1) * 31 + s.i * 9973) % {c} + 1 AS content_id, \
                 {FIRST_CLASS} + (u.i + 1) % {CLASSES} AS org_id \
               FROM bench_s s CROSS JOIN bench_n u WHERE u.i < {n}) x \
         JOIN contents c ON c.id = x.content_id JOIN bench_days d ON d.i = x.day \
         ORDER BY x.j"
    ))?;
    steps.done(&format!("sessions ({} = {n} learners x {s})", n * s));

    let at = |offset: &str| d.ts(&format!("x.t0 + {offset}"));
    with_indexes_dropped(db, "events", |db| {
        db.exec(&format!(
            "INSERT INTO events (id, user_id, kind, content_id, position_s, occurred_at, received_at, local_date) \
             SELECT '00000000-0000-4000-8000-' || {id}, x.user_id, \
               CASE WHEN k.i = 0 THEN 'view' WHEN k.i = 9 THEN 'complete' ELSE 'progress' END, \
               x.content_id, CASE WHEN k.i BETWEEN 1 AND 8 THEN k.i * x.study_s / 8 END, {t}, {t}, x.local_date \
             FROM bench_sessions x CROSS JOIN bench_k k",
            id = d.pad12("x.j * 10 + k.i"),
            t = at("k.i * 15"),
        ))
        .map(drop)
    })?;
    steps.done(&format!("events ({})", scale.events()));

    with_indexes_dropped(db, "progress", |db| {
        db.exec(&format!(
            "INSERT INTO progress (user_id, content_id, position_s, position_at, effective_s, segments, first_view_at, \
             last_receipt_at, completed_at) \
             SELECT x.user_id, x.content_id, x.study_s, {t120}, x.study_s, \
               CASE WHEN x.kind = 'video' THEN '[[0,' || x.study_s || ']]' ELSE '[]' END, {t0}, {t135}, {t135} \
             FROM bench_sessions x",
            t0 = at("0"),
            t120 = at("120"),
            t135 = at("135"),
        ))
        .map(drop)
    })?;
    steps.done("progress");

    with_indexes_dropped(db, "points_ledger", |db| {
        db.exec(&format!(
            "INSERT INTO points_ledger (user_id, action, source, local_date, points, created_at) \
             SELECT x.user_id, 'login', 'day', x.local_date, 1, {t0} FROM bench_sessions x \
             UNION ALL \
             SELECT x.user_id, CASE WHEN x.kind = 'video' THEN 'video_watched' ELSE 'article_read' END, \
               'content:' || x.content_id, x.local_date, 1, {t135} FROM bench_sessions x \
             UNION ALL \
             SELECT x.user_id, 'reading_time', 'level:1', x.local_date, 1, {t135} FROM bench_sessions x \
             WHERE x.kind = 'article'",
            t0 = at("0"),
            t135 = at("135"),
        ))
        .map(drop)
    })?;
    steps.done("points ledger");

    db.exec(
        "INSERT INTO rule_daily (user_id, action, local_date, points) \
         SELECT user_id, action, local_date, SUM(points) FROM points_ledger GROUP BY user_id, action, local_date",
    )?;
    // One session per learner and day, so a session is the learner's whole day.
    db.exec(
        "INSERT INTO user_daily (user_id, local_date, points, reading_seconds, watching_seconds, articles_completed, \
         videos_completed, quizzes_taken) \
         SELECT x.user_id, x.local_date, l.points, \
           CASE WHEN x.kind = 'article' THEN x.study_s ELSE 0 END, CASE WHEN x.kind = 'video' THEN x.study_s ELSE 0 END, \
           CASE WHEN x.kind = 'article' THEN 1 ELSE 0 END, CASE WHEN x.kind = 'video' THEN 1 ELSE 0 END, 0 \
         FROM bench_sessions x JOIN (SELECT user_id, local_date, SUM(points) AS points FROM points_ledger \
           GROUP BY user_id, local_date) l ON l.user_id = x.user_id AND l.local_date = x.local_date",
    )?;
    with_indexes_dropped(db, "user_points", |db| {
        db.exec(
            "INSERT INTO user_points (user_id, period, points, reached_at) \
             SELECT l.user_id, 'd:' || l.local_date, SUM(l.points), MAX(l.created_at) FROM points_ledger l \
             GROUP BY l.user_id, l.local_date \
             UNION ALL \
             SELECT l.user_id, d.week_key, SUM(l.points), MAX(l.created_at) FROM points_ledger l \
             JOIN bench_days d ON d.local_date = l.local_date GROUP BY l.user_id, d.week_key \
             UNION ALL \
             SELECT l.user_id, d.month_key, SUM(l.points), MAX(l.created_at) FROM points_ledger l \
             JOIN bench_days d ON d.local_date = l.local_date GROUP BY l.user_id, d.month_key \
             UNION ALL \
             SELECT l.user_id, 'all', SUM(l.points), MAX(l.created_at) FROM points_ledger l GROUP BY l.user_id",
        )
        .map(drop)
    })?;
    db.exec(&format!(
        "INSERT INTO user_stats (user_id, total_points, streak_days, longest_streak, last_active_date, \
         study_seconds_total, articles_completed, videos_completed, quizzes_taken, last_receipt_at) \
         SELECT ud.user_id, SUM(ud.points), CASE WHEN MAX(ud.local_date) >= '{last_day}' THEN 1 ELSE 0 END, 1, \
           MAX(ud.local_date), SUM(ud.reading_seconds + ud.watching_seconds), SUM(ud.articles_completed), \
           SUM(ud.videos_completed), 0, MAX(p.last) \
         FROM user_daily ud JOIN (SELECT user_id, MAX(last_receipt_at) AS last FROM progress GROUP BY user_id) p \
           ON p.user_id = ud.user_id \
         GROUP BY ud.user_id"
    ))?;
    steps.done("rule_daily, user_daily, user_points, user_stats");

    db.exec(
        "INSERT INTO org_daily (org_id, local_date, points, study_seconds, completions, active_learners, \
         articles_completed, videos_completed, quizzes_taken, quiz_score_sum, quiz_max_sum) \
         SELECT u.organization_id, ud.local_date, SUM(ud.points), SUM(ud.reading_seconds + ud.watching_seconds), \
           SUM(ud.articles_completed + ud.videos_completed), COUNT(*), SUM(ud.articles_completed), \
           SUM(ud.videos_completed), 0, 0, 0 \
         FROM user_daily ud JOIN users u ON u.id = ud.user_id GROUP BY u.organization_id, ud.local_date",
    )?;
    seed_org_active(db)?;
    db.exec(
        "INSERT INTO content_daily (content_id, local_date, views, completions, shares, learner_days, percent_sum) \
         SELECT content_id, local_date, COUNT(*), COUNT(*), 0, COUNT(*), 100 * COUNT(*) FROM bench_sessions \
         GROUP BY content_id, local_date",
    )?;
    steps.done("org_daily, org_active, content_daily");

    // Some sessions end in a like (1 in 4) or a favourite (1 in 10).
    db.exec(&format!(
        "INSERT INTO likes (user_id, content_id, created_at) \
         SELECT x.user_id, x.content_id, {t} FROM bench_sessions x WHERE (x.user_id + x.s) % 4 = 0",
        t = at("135")
    ))?;
    db.exec(&format!(
        "INSERT INTO favorites (user_id, content_id, created_at) \
         SELECT x.user_id, x.content_id, {t} FROM bench_sessions x WHERE (x.user_id + x.s) % 10 = 0",
        t = at("135")
    ))?;
    db.exec(
        "UPDATE contents SET view_count = v.n FROM (SELECT content_id, SUM(views) AS n FROM content_daily \
         GROUP BY content_id) AS v WHERE v.content_id = contents.id",
    )?;
    db.exec(
        "UPDATE contents SET like_count = v.n FROM (SELECT content_id, COUNT(*) AS n FROM likes \
         GROUP BY content_id) AS v WHERE v.content_id = contents.id",
    )?;
    db.exec(
        "UPDATE contents SET favorite_count = v.n FROM (SELECT content_id, COUNT(*) AS n FROM favorites \
         GROUP BY content_id) AS v WHERE v.content_id = contents.id",
    )?;
    // The weights of db::models::contents::Counter.
    db.exec("UPDATE contents SET popularity = view_count + 2 * share_count + 3 * like_count + 5 * favorite_count")?;
    steps.done("likes, favourites, content counters");

    match d {
        Dialect::Sqlite => {
            db.batch("COMMIT; ANALYZE; PRAGMA journal_mode = WAL")?;
        }
        Dialect::Postgres => {
            for table in ["organizations", "users", "topics", "media", "contents"] {
                db.batch(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                ))?;
            }
            // Sets hint bits and the visibility map now, not during the first measured run.
            db.batch("VACUUM ANALYZE")?;
        }
    }
    steps.done("analyze");
    Ok(Seeded {
        scale,
        first_day,
        last_day,
        seconds: steps.started.elapsed().as_secs_f64(),
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// Runs a bulk load with the table's secondary indexes dropped, then rebuilds them
/// with their original definitions.
fn with_indexes_dropped(
    db: &mut Db,
    table: &str,
    load: impl FnOnce(&mut Db) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let indexes = db.secondary_indexes(table)?;
    for (name, _) in &indexes {
        db.batch(&format!("DROP INDEX {name}"))?;
    }
    load(db)?;
    for (_, definition) in &indexes {
        db.batch(definition)?;
    }
    Ok(())
}

/// The year's activity map per learner and organization: 366 '0'/'1' by day of year.
fn seed_org_active(db: &mut Db) -> anyhow::Result<()> {
    let rows = db.ints(
        "SELECT CAST(org_id AS BIGINT), CAST(year AS BIGINT), CAST(user_id AS BIGINT), CAST(doy AS BIGINT) \
         FROM bench_sessions ORDER BY org_id, year, user_id",
        4,
    )?;
    let mut maps: Vec<(i64, i64, i64, Vec<u8>)> = Vec::new();
    for row in rows {
        let (org, year, user, doy) = (row[0], row[1], row[2], row[3]);
        match maps.last_mut() {
            Some(last) if last.0 == org && last.1 == year && last.2 == user => last.3[(doy - 1) as usize] = b'1',
            _ => {
                let mut days = vec![b'0'; 366];
                days[(doy - 1) as usize] = b'1';
                maps.push((org, year, user, days));
            }
        }
    }
    db.insert_values(
        "INSERT INTO org_active (org_id, year, user_id, days)",
        maps.into_iter()
            .map(|(org, year, user, days)| format!("({org}, {year}, {user}, '{}')", String::from_utf8_lossy(&days))),
        500,
    )
}

/// A few MB of deterministic bytes in the media folder, named as the server names
/// uploads (`media/<sha256>`). Returns the hash.
fn write_media(media_root: &Path) -> anyhow::Result<String> {
    let mut state: u64 = 0x5eed;
    let bytes: Vec<u8> = (0..MEDIA_BYTES)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect();
    let sha = hex(&Sha256::digest(&bytes));
    let dir = media_root.join("media");
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    std::fs::write(dir.join(&sha), &bytes).context("write the media file")?;
    Ok(sha)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
