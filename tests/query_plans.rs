//! Every list and read query the app runs uses an index: the test records the SQL the
//! application really sends (Diesel's connection instrumentation), while a realistic data
//! set is built and every list endpoint is paged through, then asks SQLite for each
//! statement's plan (`EXPLAIN QUERY PLAN`) and fails on a full scan of a table that grows
//! (outside a commented allowlist), on a whole index walked once per row of a join, and on
//! a sort step in the pages that must come out of an index in order.
//!
//! Plans are SQLite's choices without statistics, as in production (the app never runs
//! ANALYZE), so a small data set shows the plans a large one gets. To watch the check fail,
//! drop an index before it runs: `QUERY_PLANS_DROP_INDEX=contents_latest`.
//!
//! Its own test binary: the recorder is a process-wide default for new connections, so
//! other tests running beside it would add their statements. Always on SQLite (plans are
//! SQLite's), also when `TONGXIN_TEST_DATABASE_URL` names PostgreSQL.
// Tests fail loudly by design: unwrap and expect are how they say what went wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Mutex;

use chrono::{Duration, Utc};
use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};
use diesel::sql_types::{Integer, Text};
use diesel::{QueryableByName, RunQueryDsl as _};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tongxin::db::DbConn;

use helpers::*;

/// Tables that stay small whatever the use: scanning them costs nothing.
const SMALL_TABLES: &[(&str, &str)] = &[
    ("topics", "a handful of subjects, curated by administrators"),
    ("point_rules", "one row per scoring action, a fixed set"),
    ("__diesel_schema_migrations", "one row per migration, read at start"),
];

/// Statements where a full scan is deliberate: (a fragment of the SQL, the table, why).
/// Each must still be run by the test, so an entry cannot outlive its statement.
const DELIBERATE_SCANS: &[(&str, &str, &str)] = &[
    // First pages, newest (or oldest) first, with no filter or one nearly every row passes:
    // the walk down the primary key reads one page and stops. Later pages seek by id.
    (
        "FROM `audit_log` ORDER BY `audit_log`.`id` DESC LIMIT ?",
        "audit_log",
        "first page of the whole log: reads one page of the primary key",
    ),
    (
        "FROM `campaigns` ORDER BY `campaigns`.`id` DESC LIMIT ?",
        "campaigns",
        "first page of every campaign: reads one page of the primary key",
    ),
    (
        "FROM `contents` ORDER BY `contents`.`id` DESC LIMIT ?",
        "contents",
        "first page of every content: reads one page of the primary key",
    ),
    (
        "FROM `quizzes` ORDER BY `quizzes`.`id` DESC LIMIT ?",
        "quizzes",
        "first page of every quiz: reads one page of the primary key",
    ),
    (
        "FROM `organizations` ORDER BY `organizations`.`id` ASC LIMIT ?",
        "organizations",
        "first page of the whole tree: reads one page of the primary key",
    ),
    (
        "WHERE (`users`.`deleted_at` IS NULL) ORDER BY `users`.`id` ASC LIMIT ?",
        "users",
        "first page of all members: only erased accounts fail the filter, so one page is read",
    ),
    (
        "WHERE ((`users`.`deleted_at` IS NULL) AND  NOT (`users`.`disabled`)) ORDER BY `users`.`id` ASC LIMIT ?",
        "users",
        "first page of active members: disabled accounts are few",
    ),
    (
        "WHERE  NOT (`organizations`.`demonstration_site`) ORDER BY `organizations`.`id` ASC LIMIT ?",
        "organizations",
        "first page of organizations that are no demonstration site: sites are few",
    ),
    (
        "WHERE (`questions`.`retired_at` IS NULL) ORDER BY `questions`.`id` DESC LIMIT ?",
        "questions",
        "first page of the live bank: only retired questions fail the filter",
    ),
    // Staff filters on a column with two to five values, each a large share of the rows:
    // the id-order walk finds a page within a few pages.
    (
        "FROM `contents` WHERE (`contents`.`kind` = ?) ORDER BY `contents`.`id` DESC LIMIT ?",
        "contents",
        "staff list by kind (article or video, both common)",
    ),
    (
        "WHERE ((`questions`.`kind` = ?) AND (`questions`.`retired_at` IS NULL)) ORDER BY `questions`.`id` DESC LIMIT ?",
        "questions",
        "editors' bank by kind (four kinds)",
    ),
    (
        "WHERE ((`questions`.`difficulty` = ?) AND (`questions`.`retired_at` IS NULL)) ORDER BY `questions`.`id` DESC LIMIT ?",
        "questions",
        "editors' bank by difficulty (five levels)",
    ),
    (
        "FROM `quizzes` WHERE (`quizzes`.`mode` = ?) ORDER BY `quizzes`.`id` DESC LIMIT ?",
        "quizzes",
        "editors' quiz list by mode: quizzes are written one by one, hundreds at most",
    ),
    // The staff overview's counts per workflow state: every state of every item is
    // counted, so each table is read once whatever the plan (no per-request hot path: the
    // console asks when a staff member opens a page).
    (
        "AS changes_in_review FROM contents UNION ALL",
        "contents",
        "counts per workflow state of every content (one pass; `mine=true` uses contents_author)",
    ),
    (
        "AS changes_in_review FROM quizzes",
        "quizzes",
        "counts per workflow state: quizzes are written one by one, hundreds at most",
    ),
    ("AS changes_in_review FROM campaigns", "campaigns", "counts per workflow state: campaigns are a few a year"),
    // Substring searches in staff tools: no B-tree index serves `LIKE '%...%'`; a page of
    // matches stops the walk, a rare needle reads the table once.
    (
        "WHERE (`organizations`.`name` LIKE ? ESCAPE ?) ORDER BY `organizations`.`id` ASC LIMIT ?",
        "organizations",
        "administrators' search of the tree by name (org admins search their subtree by path)",
    ),
    (
        "WHERE ((`questions`.`stem` LIKE ? ESCAPE ?) AND (`questions`.`retired_at` IS NULL)) ORDER BY",
        "questions",
        "editors' search of the bank by stem",
    ),
    (
        "(`users`.`username_key` LIKE ? ESCAPE ?) OR (lower(`users`.`display_name`) LIKE ? ESCAPE ?))) ORDER BY `users`.`id` ASC LIMIT ?",
        "users",
        "administrators' member search by name across the whole site (org admins search their subtree)",
    ),
    // A random draw picks among every candidate, so it reads every candidate's id: once
    // per learner and day for the daily quiz, once per start or save of a drawn quiz.
    ("SELECT `questions`.`id` FROM `questions` WHERE ", "questions", "the draw pool of a quiz without a topic"),
];

/// Keyset pages that must come out of an index in order (no sort step), whatever the
/// data: a sort would read every matching row for each page. (A fragment, why.)
const INDEX_ORDERED: &[(&str, &str)] = &[
    (
        "ORDER BY `contents`.`publish_at` DESC, `contents`.`id` DESC LIMIT ?",
        "the learner feed, newest first, with any filter (contents_latest, contents_topic_latest)",
    ),
    (
        "ORDER BY `user_points`.`points` DESC, `user_points`.`reached_at` ASC, `user_points`.`user_id` ASC LIMIT ?",
        "the learner leaderboard (user_points_rank)",
    ),
    (
        "FROM `points_ledger` WHERE (`points_ledger`.`user_id` = ?) ORDER BY `points_ledger`.`id` DESC LIMIT ?",
        "a learner's points history (points_ledger_user)",
    ),
];

// ---------------------------------------------------------------------------------------
// Recording what the application sends.

struct Recorder {
    /// What the test was doing (the request), so a failure names its endpoint.
    doing: String,
    /// Each statement's SQL (binds stripped) and what the test was doing when it first ran.
    statements: BTreeMap<String, String>,
    executions: usize,
}

static RECORDER: Mutex<Recorder> =
    Mutex::new(Recorder { doing: String::new(), statements: BTreeMap::new(), executions: 0 });

fn record(event: InstrumentationEvent<'_>) {
    if let InstrumentationEvent::StartQuery { query, .. } = event {
        let text = query.to_string();
        // Diesel appends the bound values; the plan does not depend on them.
        let sql = text.split_once(" -- binds: ").map_or(text.as_str(), |(sql, _)| sql).trim().to_owned();
        let mut recorder = RECORDER.lock().unwrap();
        recorder.executions += 1;
        let doing = recorder.doing.clone();
        recorder.statements.entry(sql).or_insert(doing);
    }
}

// The shape `set_default_instrumentation` asks for.
#[allow(clippy::unnecessary_wraps)]
fn recorder() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(|event: InstrumentationEvent<'_>| record(event)))
}

fn doing(what: impl Into<String>) {
    RECORDER.lock().unwrap().doing = what.into();
}

// ---------------------------------------------------------------------------------------
// Requests.

/// GETs `path` as `token`, asserting 200 (so the query behind it really ran).
async fn read(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    doing(format!("GET {path}"));
    let (status, body) = json_body(app.get(path, token).await).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}

/// Reads the first page of `path` with a small limit and then the next one through its
/// cursor: keyset pages after the first run a different statement.
async fn pages(app: &TestApp, path: &str, token: Option<&str>) {
    let path = path.trim_end_matches('?');
    let separator = if path.contains('?') { '&' } else { '?' };
    let first = read(app, &format!("{path}{separator}limit=2"), token).await;
    if let Some(cursor) = first["next_cursor"].as_str() {
        let cursor: String = form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
        read(app, &format!("{path}{separator}limit=2&cursor={cursor}"), token).await;
    }
}

async fn created(app: &TestApp, method: Method, path: &str, token: &str, body: &Value) -> Value {
    doing(format!("setup: {method} {path}"));
    let (status, out) = json_body(app.send_json(method.clone(), path, Some(token), body).await).await;
    assert!(status.is_success(), "{method} {path}: {status} {out}");
    out
}

async fn workflow(app: &TestApp, room: &Newsroom, what: &str, id: i64) {
    created(app, Method::POST, &format!("/admin/{what}/{id}/submit"), &room.editor.access, &json!({})).await;
    created(app, Method::POST, &format!("/admin/{what}/{id}/approve"), &room.reviewer.access, &json!({})).await;
}

fn event(kind: &str, content: i64, position: Option<i64>) -> Value {
    let mut e = json!({"id": uuid::Uuid::new_v4().to_string(), "kind": kind, "content_id": content, "occurred_at": Utc::now().to_rfc3339()});
    if let Some(p) = position {
        e["position_s"] = json!(p);
    }
    e
}

// ---------------------------------------------------------------------------------------
// Plans.

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Integer)]
    parent: i32,
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The plan as SQLite prints it in its shell: one line per step, children indented.
fn render(plan: &[PlanRow]) -> String {
    let mut depth: BTreeMap<i32, usize> = BTreeMap::new();
    let mut out = String::new();
    for row in plan {
        let level = if row.parent == 0 { 0 } else { depth.get(&row.parent).map_or(0, |d| d + 1) };
        depth.insert(row.id, level);
        let _ = writeln!(out, "  {}{}", "  ".repeat(level), row.detail);
    }
    out
}

const KEYWORDS: &[&str] = &[
    "where",
    "join",
    "inner",
    "left",
    "right",
    "full",
    "outer",
    "cross",
    "natural",
    "on",
    "using",
    "order",
    "group",
    "having",
    "limit",
    "offset",
    "union",
    "except",
    "intersect",
    "window",
    "set",
    "values",
    "returning",
    "as",
];

fn is_identifier(token: &str) -> bool {
    token.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && token.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn tokens(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in sql.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            // Quotes around identifiers (Diesel's backticks) do not separate anything.
            if !c.is_whitespace() && !matches!(c, '`' | '"') {
                out.push(c.to_string());
            }
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Names that stand for a table in `sql` (`FROM contents AS c`, `JOIN users u`), so a
/// plan line that says `SCAN c` is known to scan `contents`.
fn aliases(sql: &str, tables: &BTreeSet<String>) -> BTreeMap<String, String> {
    let tokens = tokens(sql);
    let mut map = BTreeMap::new();
    for (i, token) in tokens.iter().enumerate() {
        let token = token.to_lowercase();
        if token != "from" && token != "join" {
            continue;
        }
        let mut j = i + 1;
        while let Some(table) = tokens.get(j).map(|t| t.to_lowercase()) {
            if !tables.contains(&table) {
                break;
            }
            j += 1;
            if tokens.get(j).is_some_and(|t| t.eq_ignore_ascii_case("as")) {
                j += 1;
            }
            if let Some(alias) = tokens.get(j)
                && is_identifier(alias)
                && !KEYWORDS.contains(&alias.to_lowercase().as_str())
            {
                map.insert(alias.to_lowercase(), table.clone());
                j += 1;
            }
            // `FROM a x, b y`: another table of the same FROM.
            if tokens.get(j).is_some_and(|t| t == ",") {
                j += 1;
            } else {
                break;
            }
        }
    }
    map
}

/// How a plan line reads a table from end to end, if it does.
enum WholeRead<'a> {
    /// `SCAN t` without an index, or an automatic index (built by scanning `t` each run).
    Table(&'a str),
    /// `SCAN t USING [COVERING] INDEX i`: every entry of an index, in its order.
    Index(&'a str),
}

fn whole_read(detail: &str) -> Option<WholeRead<'_>> {
    if let Some(rest) = detail.strip_prefix("SCAN ") {
        let name = rest.split_whitespace().next()?;
        if rest.contains("VIRTUAL TABLE") || name.starts_with('(') || rest == "CONSTANT ROW" {
            return None;
        }
        if rest.contains(" USING ") && rest.contains("INDEX") && !rest.contains("AUTOMATIC") {
            return Some(WholeRead::Index(name));
        }
        return Some(WholeRead::Table(name));
    }
    let rest = detail.strip_prefix("SEARCH ")?;
    rest.contains("AUTOMATIC").then(|| rest.split_whitespace().next()).flatten().map(WholeRead::Table)
}

fn is_loop(detail: &str) -> bool {
    detail.starts_with("SCAN ") || detail.starts_with("SEARCH ")
}

/// Whether the plan runs row `i` once per row of something else: a join's inner loop (a
/// loop before it at the same level) or inside a correlated subquery.
fn is_nested(plan: &[PlanRow], i: usize) -> bool {
    let row = &plan[i];
    if plan[..i].iter().any(|r| r.parent == row.parent && is_loop(&r.detail)) {
        return true;
    }
    let mut parent = row.parent;
    while parent != 0 {
        let Some(up) = plan.iter().find(|r| r.id == parent) else { break };
        if up.detail.starts_with("CORRELATED") {
            return true;
        }
        parent = up.parent;
    }
    false
}

/// A name in `sql` that is not a table: a common table expression or a subquery's alias,
/// whose own steps appear in the plan on their own lines.
fn is_derived(sql: &str, name: &str) -> bool {
    let tokens: Vec<String> = tokens(sql).iter().map(|t| t.to_lowercase()).collect();
    tokens.windows(3).any(|w| w[0] == name && w[1] == "as" && w[2] == "(")
        || tokens.windows(3).any(|w| w[0] == ")" && w[1] == "as" && w[2] == name)
        || tokens.windows(2).any(|w| w[0] == ")" && w[1] == name)
}

fn is_checked(sql: &str) -> bool {
    let head = sql.trim_start().get(..6).unwrap_or("").to_ascii_uppercase();
    head.starts_with("SELECT") || head.starts_with("WITH")
}

fn sqlite(conn: &mut DbConn) -> &mut diesel::SqliteConnection {
    match conn {
        DbConn::Sqlite(c) => c,
        DbConn::Pg(_) => panic!("query plans are checked on SQLite"),
    }
}

struct Check {
    checked: usize,
    /// Statements whose only full scans are deliberate ones.
    deliberate_statements: usize,
    deliberate: BTreeSet<usize>,
    ordered: BTreeSet<usize>,
    failures: Vec<String>,
}

impl Check {
    fn fail(&mut self, what: String, doing: &str, sql: &str, plan: &[PlanRow]) {
        self.failures.push(format!("{what}\n  during {doing}\n  {sql}\n{}", render(plan)));
    }
}

/// Explains every recorded SELECT on `conn`; fails a statement that reads a growing table
/// from end to end (unless deliberate), walks a whole index once per row of another loop,
/// or sorts a page that must come out of an index in order.
fn check(conn: &mut DbConn, statements: &BTreeMap<String, String>) -> Check {
    let conn = sqlite(conn);
    let tables: BTreeSet<String> = diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'table'")
        .load::<Name>(conn)
        .unwrap()
        .into_iter()
        .map(|n| n.name.to_lowercase())
        .collect();
    let verbose = std::env::var_os("QUERY_PLANS_VERBOSE").is_some();
    let mut result = Check {
        checked: 0,
        deliberate_statements: 0,
        deliberate: BTreeSet::new(),
        ordered: BTreeSet::new(),
        failures: Vec::new(),
    };
    for (sql, doing) in statements.iter().filter(|(sql, _)| is_checked(sql)) {
        let plan = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
            .load::<PlanRow>(conn)
            .unwrap_or_else(|e| panic!("EXPLAIN QUERY PLAN failed ({e}) for:\n{sql}"));
        result.checked += 1;
        if verbose {
            println!("during {doing}\n  {sql}\n{}", render(&plan));
        }
        let names = aliases(sql, &tables);
        let mut deliberate_here = false;
        for (i, row) in plan.iter().enumerate() {
            let Some(read) = whole_read(&row.detail) else { continue };
            let name = match read {
                WholeRead::Table(name) | WholeRead::Index(name) => name.to_lowercase(),
            };
            let table = match names.get(&name) {
                Some(table) => table.clone(),
                None if tables.contains(&name) => name.clone(),
                None if is_derived(sql, &name) => continue,
                None => {
                    let what = format!("`{}` reads `{name}`, no table, alias or subquery of the statement", row.detail);
                    result.fail(what, doing, sql, &plan);
                    continue;
                }
            };
            if SMALL_TABLES.iter().any(|(small, _)| *small == table) {
                continue;
            }
            match read {
                WholeRead::Table(_) => {
                    let deliberate =
                        DELIBERATE_SCANS.iter().position(|(fragment, t, _)| *t == table && sql.contains(fragment));
                    if let Some(entry) = deliberate {
                        result.deliberate.insert(entry);
                        deliberate_here = true;
                    } else {
                        result.fail(format!("full scan of `{table}` (`{}`)", row.detail), doing, sql, &plan);
                    }
                }
                WholeRead::Index(_) if is_nested(&plan, i) => {
                    let what = format!("a whole index of `{table}` read once per outer row (`{}`)", row.detail);
                    result.fail(what, doing, sql, &plan);
                }
                WholeRead::Index(_) => {}
            }
        }
        result.deliberate_statements += usize::from(deliberate_here);
        for (entry, (fragment, why)) in INDEX_ORDERED.iter().enumerate() {
            if !sql.contains(fragment) {
                continue;
            }
            result.ordered.insert(entry);
            if plan.iter().any(|r| r.detail.starts_with("USE TEMP B-TREE FOR") && r.detail.contains("ORDER BY")) {
                result.fail(format!("a sort step in {why}, which must read its index in order"), doing, sql, &plan);
            }
        }
    }
    // The lists describe statements the app runs: an entry nothing matches is stale.
    for (entry, (fragment, table, _)) in DELIBERATE_SCANS.iter().enumerate() {
        if !result.deliberate.contains(&entry) {
            result.failures.push(format!("DELIBERATE_SCANS entry for `{table}` matched no scan: {fragment}"));
        }
    }
    for (entry, (fragment, _)) in INDEX_ORDERED.iter().enumerate() {
        if !result.ordered.contains(&entry) {
            result.failures.push(format!("INDEX_ORDERED entry matched no statement: {fragment}"));
        }
    }
    result
}

// ---------------------------------------------------------------------------------------
// The data and the reads.

/// Everything the reads need to name.
struct World {
    room: Newsroom,
    county: i64,
    school: i64,
    org_admin: Session,
    learners: Vec<Session>,
    articles: Vec<i64>,
    video: i64,
    poster: i64,
    quiz: i64,
    attempt: i64,
    questions: Vec<i64>,
    campaign: i64,
}

async fn build(app: &TestApp) -> World {
    doing("setup: newsroom");
    let room = app.newsroom().await;
    let admin = room.admin.access.clone();
    let editor = room.editor.access.clone();
    doing("setup: organizations");
    let county = app.create_org(&room.admin, "示范县", "county", None).await["id"].as_i64().unwrap();
    let town = app.create_org(&room.admin, "城关镇", "township", Some(county)).await["id"].as_i64().unwrap();
    let school = app.create_org(&room.admin, "第一中学", "school", Some(town)).await;
    let class = app.create_org(&room.admin, "初一(1)班", "class", school["id"].as_i64()).await;
    let other = app.create_org(&room.admin, "民族社区", "community", Some(county)).await;
    created(
        app,
        Method::PATCH,
        &format!("/admin/organizations/{}", other["id"]),
        &admin,
        &json!({"demonstration_site": true}),
    )
    .await;
    doing("setup: staff and learners");
    let org_admin = app.staff(&room.admin, "county_boss", "org_admin", Some(county)).await;
    let mut learners = Vec::new();
    for (i, (org, audience)) in
        [(&class, "junior"), (&class, "junior"), (&school, "public"), (&other, "public")].iter().enumerate()
    {
        let learner = app
            .register_with(
                &format!("learner_{i}"),
                json!({"org_code": org["join_code"], "audience": audience, "guardian_consent": true}),
            )
            .await;
        learners.push(learner);
    }
    let off = app.register_with("learner_off", json!({"org_code": class["join_code"]})).await;
    created(app, Method::PATCH, &format!("/admin/users/{}", off.id), &admin, &json!({"disabled": true})).await;

    doing("setup: contents");
    let history = app.create_topic(&room.admin, "history", "历史", "History").await;
    let mut articles = Vec::new();
    for (i, title) in ["民族团结一家亲", "同心共筑中国梦", "团结进步故事", "石榴籽紧紧抱在一起"].iter().enumerate()
    {
        articles.push(app.published_article(&room, title, &format!("{}第{i}篇", "团结进步".repeat(50))).await);
    }
    let body = json!({"kind": "article", "title": "历史上的交往交流交融", "summary": "史话", "body_markdown": "交往交流交融的历史",
        "topic": history["slug"], "audiences": ["senior", "public"], "tags": ["历史", "示例"]});
    let id = created(app, Method::POST, "/admin/contents", &editor, &body).await["id"].as_i64().unwrap();
    app.publish(&room, id, None).await;
    articles.push(id);
    let (video, _, poster) = app.published_video(&room, "团结微视频").await;
    app.draft_article(&room, "还在写的稿子", "草稿").await;
    let translation = json!({"title": "Unity story", "summary": "A story", "body_markdown": "Unity and progress"});
    // Published items are corrected by reviewers.
    let reviewer = room.reviewer.access.clone();
    created(app, Method::PUT, &format!("/admin/contents/{}/translations/en", articles[0]), &reviewer, &translation)
        .await;

    doing("setup: questions and quizzes");
    let mut questions = Vec::new();
    for (i, answer) in ["A", "B", "C", "A"].iter().enumerate() {
        let body = json!({"kind": "single", "stem": format!("第{i}题：民族团结"), "topic": room.topic["slug"], "tags": ["团结"], "difficulty": 2,
            "options": [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}, {"key": "C", "text": "丙"}], "answer": answer, "explanation": "解析"});
        questions.push(created(app, Method::POST, "/admin/questions", &editor, &body).await["id"].as_i64().unwrap());
    }
    let body =
        json!({"title": "团结知识练习", "mode": "practice", "question_ids": questions, "review": "after_submit"});
    let quiz = created(app, Method::POST, "/admin/quizzes", &editor, &body).await["id"].as_i64().unwrap();
    workflow(app, &room, "quizzes", quiz).await;
    let body = json!({"title": "每日一练", "mode": "daily", "draw": {"count": 2}});
    let daily = created(app, Method::POST, "/admin/quizzes", &editor, &body).await["id"].as_i64().unwrap();
    workflow(app, &room, "quizzes", daily).await;
    created(
        app,
        Method::POST,
        "/admin/quizzes",
        &editor,
        &json!({"title": "草稿测验", "mode": "exam", "question_ids": questions}),
    )
    .await;
    // A question outside the tag, and a quiz drawn by tag.
    let body = json!({"kind": "true_false", "stem": "丝绸之路连接东西方", "topic": history["slug"], "tags": ["历史"], "difficulty": 1, "answer": true, "explanation": "解析"});
    created(app, Method::POST, "/admin/questions", &editor, &body).await;
    let body = json!({"title": "按标签抽题", "mode": "practice", "draw": {"count": 2, "tags": ["团结"]}, "review": "after_submit"});
    let tagged = created(app, Method::POST, "/admin/quizzes", &editor, &body).await["id"].as_i64().unwrap();
    workflow(app, &room, "quizzes", tagged).await;

    doing("setup: campaigns");
    let now = Utc::now();
    let body = json!({"title": "民族团结进步宣传月", "kind": "publicity_month", "starts_at": (now - Duration::hours(1)).to_rfc3339(),
        "ends_at": (now + Duration::days(30)).to_rfc3339(), "content_ids": [articles[0], video], "quiz_ids": [quiz]});
    let campaign = created(app, Method::POST, "/admin/campaigns", &editor, &body).await["id"].as_i64().unwrap();
    workflow(app, &room, "campaigns", campaign).await;
    let body = json!({"title": "县里的宣传周", "kind": "publicity_week", "org_id": county, "starts_at": (now + Duration::days(10)).to_rfc3339(),
        "ends_at": (now + Duration::days(17)).to_rfc3339()});
    let upcoming = created(app, Method::POST, "/admin/campaigns", &editor, &body).await["id"].as_i64().unwrap();
    workflow(app, &room, "campaigns", upcoming).await;

    doing("setup: engagement");
    let mut attempt = 0;
    for (i, learner) in learners.iter().enumerate() {
        let token = &learner.access;
        for &content in articles.iter().take(i + 2) {
            let events = json!({"events": [event("view", content, None), event("progress", content, Some(30)), event("complete", content, None), event("share", content, None)]});
            created(app, Method::POST, "/events", token, &events).await;
        }
        created(
            app,
            Method::POST,
            "/events",
            token,
            &json!({"events": [event("view", video, None), event("progress", video, Some(5))]}),
        )
        .await;
        for &content in articles.iter().take(i + 1) {
            created(app, Method::PUT, &format!("/contents/{content}/like"), token, &json!({})).await;
            created(app, Method::PUT, &format!("/contents/{content}/favorite"), token, &json!({})).await;
        }
        // Wrong answers put questions into the wrong-answer book.
        let started = created(app, Method::POST, &format!("/quizzes/{quiz}/attempts"), token, &json!({})).await;
        attempt = started["id"].as_i64().unwrap();
        let question = questions[0];
        created(app, Method::PUT, &format!("/attempts/{attempt}/answers/{question}"), token, &json!({"response": "C"}))
            .await;
        let answers: Vec<Value> = questions[1..].iter().map(|q| json!({"question_id": q, "response": "C"})).collect();
        created(app, Method::POST, &format!("/attempts/{attempt}/submit"), token, &json!({"answers": answers})).await;
    }
    let learner = &learners[0].access;
    created(app, Method::POST, "/me/mistakes/practice", learner, &json!({"count": 2})).await;
    let drawn = created(app, Method::POST, &format!("/quizzes/{tagged}/attempts"), learner, &json!({})).await;
    for question in drawn["questions"].as_array().unwrap() {
        assert!(questions.contains(&question["id"].as_i64().unwrap()), "drawn by tag: {drawn}");
    }
    World {
        room,
        county,
        school: school["id"].as_i64().unwrap(),
        org_admin,
        learners,
        articles,
        video,
        poster,
        quiz,
        attempt,
        questions,
        campaign,
    }
}

/// Every list a client pages through and every single read behind them.
async fn read_everything(app: &TestApp, w: &World) {
    let learner = Some(w.learners[0].access.as_str());
    let last = Some(w.learners[3].access.as_str());
    let admin = Some(w.room.admin.access.as_str());
    let editor = Some(w.room.editor.access.as_str());
    let boss = Some(w.org_admin.access.as_str());

    // The feed, anonymous and signed in, in every order and filter.
    for token in [None, learner] {
        for query in [
            "sort=latest",
            "sort=popular",
            "sort=relevance&q=团结",
            "q=团结",
            "q=unity&locale=en",
            "topic=history",
            "topic=ethnic-view&sort=popular",
            "audience=junior",
            "audience=senior&sort=popular",
            "kind=article",
            "kind=video",
            &format!("campaign={}", w.campaign),
        ] {
            pages(app, &format!("/contents?{query}"), token).await;
        }
        read(app, "/topics", token).await;
        for id in [w.articles[0], w.articles[4], w.video] {
            read(app, &format!("/contents/{id}"), token).await;
        }
        read(app, &format!("/contents/{}?locale=en", w.articles[0]), token).await;
        for status in ["active", "upcoming", "past"] {
            pages(app, &format!("/campaigns?status={status}"), token).await;
        }
        read(app, &format!("/campaigns/{}", w.campaign), token).await;
        pages(app, "/quizzes", token).await;
        read(app, &format!("/quizzes/{}", w.quiz), token).await;
    }
    doing(format!("GET /media/{}", w.poster));
    assert_eq!(app.get(&format!("/media/{}", w.poster), None).await.status(), StatusCode::OK);

    // The learner's own pages.
    for token in [learner, last] {
        read(app, "/me", token).await;
        pages(app, "/me/points", token).await;
        read(app, "/me/stats", token).await;
        read(app, &format!("/me/progress?content_ids={},{},{}", w.articles[0], w.articles[1], w.video), token).await;
        pages(app, "/me/history", token).await;
        pages(app, "/me/favorites", token).await;
        pages(app, "/me/mistakes", token).await;
        read(app, "/quizzes/daily", token).await;
        read(app, "/me/export", token).await;
    }
    read(app, &format!("/attempts/{}", w.attempt), last).await;

    // Leaderboards in every scope and period.
    for period in ["today", "week", "month", "all"] {
        for scope in [
            "global".to_owned(),
            format!("org:{}", w.county),
            format!("org:{}", w.school),
            format!("campaign:{}", w.campaign),
        ] {
            read(app, &format!("/leaderboards/users?scope={scope}&period={period}"), learner).await;
        }
        for metric in ["total", "per_member", "participation"] {
            read(app, &format!("/leaderboards/organizations?period={period}&metric={metric}"), learner).await;
            read(
                app,
                &format!("/leaderboards/organizations?parent={}&period={period}&metric={metric}", w.county),
                learner,
            )
            .await;
        }
    }

    // Staff lists, with and without each filter; two changes to published items wait for
    // review, so the pending revisions are read beside their rows.
    for (what, id) in [("contents", w.articles[0]), ("quizzes", w.quiz)] {
        let path = format!("/admin/{what}/{id}");
        created(app, Method::PATCH, &path, &w.room.editor.access, &json!({"title": "待审的更正"})).await;
        created(app, Method::POST, &format!("{path}/submit"), &w.room.editor.access, &json!({})).await;
    }
    let author = w.room.editor.id;
    for query in [
        "",
        "status=published",
        "status=draft",
        "revision_status=in_review",
        "kind=video",
        "topic=history",
        "q=团结",
        &format!("author_id={author}"),
    ] {
        pages(app, &format!("/admin/contents?{query}"), editor).await;
    }
    read(app, &format!("/admin/contents/{}", w.articles[0]), editor).await;
    for token in [admin, boss] {
        for query in [
            String::new(),
            "q=learner".to_owned(),
            format!("org_id={}", w.county),
            format!("org_id={}&q=learner", w.school),
            "role=learner".to_owned(),
            "disabled=false".to_owned(),
            "disabled=true".to_owned(),
        ] {
            pages(app, &format!("/admin/users?{query}"), token).await;
        }
        for query in [
            String::new(),
            format!("parent_id={}", w.county),
            "q=中学".to_owned(),
            "demonstration_site=true".to_owned(),
            "demonstration_site=false".to_owned(),
        ] {
            pages(app, &format!("/admin/organizations?{query}"), token).await;
        }
        read(app, &format!("/admin/organizations/{}", w.school), token).await;
        read(app, &format!("/admin/users/{}", w.learners[0].id), token).await;
    }
    for query in [
        String::new(),
        format!("actor_id={}", w.room.editor.id),
        "target_type=content".to_owned(),
        format!("target_type=content&target_id={}", w.articles[0]),
        "action=content.approve".to_owned(),
    ] {
        pages(app, &format!("/admin/audit-log?{query}"), admin).await;
    }
    for query in ["", "topic=ethnic-view", "tag=团结", "kind=single", "difficulty=2", "q=民族", "retired=false"] {
        pages(app, &format!("/admin/questions?{query}"), editor).await;
    }
    read(app, &format!("/admin/questions/{}", w.questions[0]), editor).await;
    let tagged = read(app, "/admin/questions?tag=团结&limit=100", editor).await;
    let mut ids: Vec<i64> = tagged["items"].as_array().unwrap().iter().map(|q| q["id"].as_i64().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(ids, w.questions, "the tag filter finds exactly the tagged questions");
    for query in ["", "status=published", "revision_status=in_review", "mode=daily"] {
        pages(app, &format!("/admin/quizzes?{query}"), editor).await;
    }
    read(app, &format!("/admin/quizzes/{}", w.quiz), editor).await;
    for query in ["", "status=published", "revision_status=draft"] {
        pages(app, &format!("/admin/campaigns?{query}"), editor).await;
    }
    read(app, &format!("/admin/campaigns/{}", w.campaign), editor).await;
    read(app, "/admin/topics", admin).await;
    read(app, "/admin/point-rules", admin).await;
    // The console's overview: the review queue across three tables, the counts per state.
    let reviewer = Some(w.room.reviewer.access.as_str());
    for query in ["", "kind=quiz"] {
        pages(app, &format!("/admin/review-queue?{query}"), reviewer).await;
    }
    read(app, "/admin/workflow/counts", editor).await;
    read(app, "/admin/workflow/counts?mine=true", editor).await;

    // Supervision reports.
    let today = Utc::now().date_naive();
    let from = today - Duration::days(30);
    for token in [admin, boss] {
        for path in [
            format!("/admin/reports/participation?org_id={}&from={from}&to={today}", w.county),
            format!("/admin/reports/participation?from={from}&to={today}&demonstration_only=true"),
            format!("/admin/reports/timeseries?org_id={}&from={from}&to={today}", w.county),
            format!("/admin/reports/contents?from={from}&to={today}"),
            format!("/admin/reports/contents?from={from}&to={today}&kind=video&limit=5"),
            // The teacher's view: the subtree's learners, their days, their scored attempts.
            format!("/admin/organizations/{}/members/progress?from={from}&to={today}", w.county),
            format!("/admin/organizations/{}/members/progress?inactive=true&sort=points&order=desc", w.school),
        ] {
            read(app, &path, token).await;
        }
    }
    read(app, &format!("/admin/reports/quizzes/{}", w.quiz), editor).await;
}

#[tokio::test]
async fn every_list_and_read_query_uses_an_index_on_sqlite() {
    set_default_instrumentation(recorder).unwrap();
    let app = TestApp::spawn_on(TestDatabase::sqlite(), &[]);
    let world = build(&app).await;
    read_everything(&app, &world).await;
    doing("checking plans");
    let (statements, executions) = {
        let recorder = RECORDER.lock().unwrap();
        (recorder.statements.clone(), recorder.executions)
    };
    let mut conn = app.db();
    // To watch the check fail: QUERY_PLANS_DROP_INDEX=contents_latest (comma-separated).
    for index in std::env::var("QUERY_PLANS_DROP_INDEX").unwrap_or_default().split(',').filter(|i| !i.is_empty()) {
        diesel::sql_query(format!("DROP INDEX {index}")).execute(sqlite(&mut conn)).unwrap();
        println!("query plans: dropped index {index} before checking");
    }
    let result = check(&mut conn, &statements);
    println!(
        "query plans: {} distinct SELECT statements checked ({} distinct statements and {executions} executions recorded); \
         {} with a deliberate scan ({} allowlist entries), {} index-ordered kinds of page held",
        result.checked,
        statements.len(),
        result.deliberate_statements,
        result.deliberate.len(),
        result.ordered.len(),
    );
    assert!(result.checked > 100, "the recorder saw the application's statements: {}", result.checked);
    assert!(
        result.failures.is_empty(),
        "{} query plan problems:\n\n{}",
        result.failures.len(),
        result.failures.join("\n")
    );
}
