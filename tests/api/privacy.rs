//! The learner's privacy rights: a complete, streamed export; erasure that removes the
//! person and keeps the anonymous figures; audited staff reads; and a retention limit on
//! raw events that cannot make an event count twice.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use tongxin::clock::Clock as _;
use tongxin::db::DbConn;
use tongxin::db::schema::{
    attempt_items, attempts, contents, events, favorites, likes, mistakes, org_daily, points_ledger, progress,
    user_daily, user_points, username_holds, users,
};

use crate::helpers::*;

fn now(app: &TestApp) -> DateTime<Utc> {
    app.clock.now()
}

fn event(kind: &str, content: i64, position: Option<i64>, at: DateTime<Utc>) -> Value {
    let mut e = json!({"id": uuid::Uuid::new_v4().to_string(), "kind": kind, "content_id": content, "occurred_at": at.to_rfc3339()});
    if let Some(p) = position {
        e["position_s"] = json!(p);
    }
    e
}

async fn send(app: &TestApp, who: &Session, events: &[Value]) -> Value {
    let (status, body) = json_body(app.post_json("/events", Some(&who.access), &json!({"events": events})).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn erase(app: &TestApp, who: &Session, password: &str) -> Response {
    app.request(Method::DELETE, "/me", Some(&who.access)).json(&json!({"password": password})).send().await.unwrap()
}

/// The export as (headers, raw body); the body must parse as one JSON document.
async fn export(app: &TestApp, who: &Session) -> (reqwest::header::HeaderMap, Value) {
    let res = app.get("/me/export", Some(&who.access)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    let document: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("the export is not JSON ({e}): {text}"));
    (headers, document)
}

fn list<'a>(document: &'a Value, key: &str) -> &'a Vec<Value> {
    document[key].as_array().unwrap_or_else(|| panic!("`{key}` is a list in {document}"))
}

/// A published article of 600 characters (90 s of estimated reading).
async fn article(app: &TestApp, room: &Newsroom, title: &str) -> i64 {
    app.published_article(room, title, &"团结".repeat(300)).await
}

async fn publish_quiz(app: &TestApp, room: &Newsroom, settings: Value) -> i64 {
    let (status, quiz) = json_body(app.post_json("/admin/quizzes", Some(&room.editor.access), &settings).await).await;
    assert_eq!(status, StatusCode::CREATED, "{quiz}");
    let id = quiz["id"].as_i64().unwrap();
    let res = app.post_json(&format!("/admin/quizzes/{id}/submit"), Some(&room.editor.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post_json(&format!("/admin/quizzes/{id}/approve"), Some(&room.reviewer.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    id
}

/// A one-question quiz (answer B) with the given review settings; returns (quiz, question).
async fn quiz(app: &TestApp, room: &Newsroom, title: &str, review: Value) -> (i64, i64) {
    let question = json!({"kind": "single", "stem": format!("{title}的题"), "topic": room.topic["slug"],
        "options": [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}], "answer": "B", "explanation": "解析"});
    let (status, created) =
        json_body(app.post_json("/admin/questions", Some(&room.editor.access), &question).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let question = created["id"].as_i64().unwrap();
    let mut settings = json!({"title": title, "mode": "exam", "question_ids": [question]});
    settings.as_object_mut().unwrap().extend(review.as_object().unwrap().clone());
    (publish_quiz(app, room, settings).await, question)
}

/// Starts an attempt, answers `response` and submits; returns the attempt id.
async fn answer_wrongly(app: &TestApp, who: &Session, quiz: i64, question: i64) -> i64 {
    let (status, attempt) =
        json_body(app.post_json(&format!("/quizzes/{quiz}/attempts"), Some(&who.access), &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{attempt}");
    let id = attempt["id"].as_i64().unwrap();
    let body = json!({"answers": [{"question_id": question, "response": "A"}]});
    let (status, result) =
        json_body(app.post_json(&format!("/attempts/{id}/submit"), Some(&who.access), &body).await).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    id
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    tbl: String,
    #[diesel(sql_type = Text)]
    col: String,
}

/// Every (table, column) that points at a user: columns named `user_id`, and columns with
/// a foreign key to `users`, as the database itself describes them.
fn user_columns(conn: &mut DbConn) -> BTreeSet<(String, String)> {
    let queries: [&str; 2] = match conn {
        DbConn::Sqlite(_) => [
            "SELECT m.name AS tbl, p.name AS col FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.name = 'user_id'",
            "SELECT m.name AS tbl, f.\"from\" AS col FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND f.\"table\" = 'users'",
        ],
        DbConn::Pg(_) => [
            "SELECT table_name::text AS tbl, column_name::text AS col FROM information_schema.columns \
             WHERE table_schema = 'public' AND column_name = 'user_id'",
            "SELECT kcu.table_name::text AS tbl, kcu.column_name::text AS col \
             FROM information_schema.table_constraints tc \
             JOIN information_schema.key_column_usage kcu \
               ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
             JOIN information_schema.constraint_column_usage ccu \
               ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = 'public' AND ccu.table_name = 'users'",
        ],
    };
    queries
        .iter()
        .flat_map(|sql| diesel::sql_query(*sql).load::<Column>(conn).unwrap())
        .map(|c| (c.tbl, c.col))
        .collect()
}

/// Where each column that points at a user shows up in the export.
const EXPORTED: &[(&str, &str, &str)] = &[
    ("refresh_tokens", "user_id", "sessions"),
    ("events", "user_id", "events"),
    ("progress", "user_id", "progress"),
    ("attempts", "user_id", "attempts"),
    ("mistakes", "user_id", "mistakes"),
    ("points_ledger", "user_id", "points_ledger"),
    ("rule_daily", "user_id", "rule_daily"),
    ("user_daily", "user_id", "user_daily"),
    ("org_active", "user_id", "active_days"),
    ("user_points", "user_id", "user_points"),
    ("user_stats", "user_id", "user_stats"),
    ("likes", "user_id", "likes"),
    ("favorites", "user_id", "favorites"),
    ("audit_log", "actor_id", "audit"),
];

/// Columns that point at a user but are deliberately not in a learner's export.
const NOT_EXPORTED: &[(&str, &str)] = &[
    // Editorial work done as staff (who wrote, reviewed or uploaded published material):
    // the publisher's record of its own publications, not data about a learner.
    ("contents", "author_id"),
    ("contents", "reviewer_id"),
    ("questions", "author_id"),
    ("quizzes", "author_id"),
    ("quizzes", "reviewer_id"),
    ("media", "uploader_id"),
    ("campaigns", "author_id"),
    ("campaigns", "reviewer_id"),
    // Who submitted a revision for review (a foreign key on PostgreSQL only).
    ("contents", "submitted_by"),
    ("quizzes", "submitted_by"),
    ("campaigns", "submitted_by"),
];

#[tokio::test]
async fn the_export_covers_every_table_that_holds_user_data() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let school = app.create_org(&room.admin, "第一中学", "school", None).await;
    let content = article(&app, &room, "民族团结").await;
    let learner = app.register_with("exported", json!({"org_code": school["join_code"], "birth_year": 2000})).await;
    let sent = [event("view", content, None, now(&app)), event("share", content, None, now(&app))];
    assert_eq!(send(&app, &learner, &sent).await["accepted"], 2);
    for action in ["like", "favorite"] {
        let res = app
            .request(Method::PUT, &format!("/contents/{content}/{action}"), Some(&learner.access))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{action}");
    }
    let (quiz, question) = quiz(&app, &room, "小测", json!({"review": "after_submit"})).await;
    let attempt = answer_wrongly(&app, &learner, quiz, question).await;
    // Something staff did to the learner, for the audit section.
    let res = app
        .patch_json(&format!("/admin/users/{}", learner.id), Some(&room.admin.access), &json!({"disabled": false}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    let (_, document) = export(&app, &learner).await;

    let columns = user_columns(&mut app.db());
    assert!(columns.contains(&("events".to_owned(), "user_id".to_owned())), "the schema query works: {columns:?}");
    for (table, column) in &columns {
        let exported = EXPORTED.iter().find(|(t, c, _)| t == table && c == column);
        let excluded = NOT_EXPORTED.iter().any(|(t, c)| t == table && c == column);
        assert!(
            exported.is_some() || excluded,
            "{table}.{column} points at a user but is neither exported nor excluded: add it to the export"
        );
        if let Some((_, _, key)) = exported {
            let section = &document[*key];
            let present = section.as_array().map_or(section.is_object(), |items| !items.is_empty());
            assert!(present, "{table}.{column}: `{key}` is empty in the export although the learner has rows");
        }
    }
    assert_eq!(document["profile"]["username"], "exported");
    assert_eq!(document["profile"]["birth_year"], 2000);
    assert_eq!(document["profile"]["organization"]["id"], school["id"]);
    let event_ids: BTreeSet<&str> = list(&document, "events").iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(event_ids, sent.iter().filter_map(|e| e["id"].as_str()).collect());
    assert!(list(&document, "likes").iter().any(|l| l["content_id"] == content));
    assert!(list(&document, "favorites").iter().any(|f| f["content_id"] == content));
    let exported_attempt = list(&document, "attempts").iter().find(|a| a["id"] == attempt).unwrap();
    assert_eq!(exported_attempt["responses"][0]["response"], "A", "{exported_attempt}");
    assert_eq!(exported_attempt["results"][0]["correct"], false, "reviewable after submit: {exported_attempt}");
    assert!(list(&document, "mistakes").iter().any(|m| m["question_id"] == question));
    assert!(list(&document, "audit").iter().any(|a| a["action"] == "user.update" && a["target_id"] == learner.id));
    let text = document.to_string();
    assert!(!text.contains("token_hash") && !text.contains("password"), "no secrets: {text}");
}

#[tokio::test]
async fn the_export_is_streamed_as_a_json_attachment_across_many_pages() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let content = article(&app, &room, "很多事件").await;
    let learner = app.register("busy_reader").await;
    let mut sent = BTreeSet::new();
    // 1 200 events: more than two pages of the events section.
    for _ in 0..12 {
        let batch: Vec<Value> = (0..100).map(|_| event("view", content, None, now(&app))).collect();
        sent.extend(batch.iter().map(|e| e["id"].as_str().unwrap().to_owned()));
        assert_eq!(send(&app, &learner, &batch).await["accepted"], 100);
    }
    let res = app.get("/me/export", Some(&learner.access)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    assert!(header("content-type").starts_with("application/json"), "{}", header("content-type"));
    assert_eq!(header("content-disposition"), format!("attachment; filename=\"tongxin-export-{}.json\"", learner.id));
    assert_eq!(header("transfer-encoding"), "chunked", "streamed, not buffered");
    assert!(res.content_length().is_none());
    assert!(header("cache-control").contains("no-store"));
    let document: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(document["format"], "tongxin-export/1");
    let exported: Vec<String> =
        list(&document, "events").iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(exported.len(), 1_200, "every event once");
    assert_eq!(exported.iter().cloned().collect::<BTreeSet<_>>(), sent);
    let res = app.get("/me/export", None).await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn the_export_shows_answers_only_once_the_review_policy_allows() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let closes = now(&app) + Duration::days(2);
    let (quiz, question) =
        quiz(&app, &room, "期末", json!({"review": "after_close", "closes_at": closes.to_rfc3339()})).await;
    let learner = app.register("patient").await;
    let attempt = answer_wrongly(&app, &learner, quiz, question).await;

    let (_, before) = export(&app, &learner).await;
    let exported = list(&before, "attempts").iter().find(|a| a["id"] == attempt).unwrap();
    assert_eq!(exported["responses"][0]["response"], "A", "the learner's own answer is theirs");
    assert!(exported["results"].is_null(), "no correct answers before the quiz closes: {exported}");
    let text = before.to_string();
    assert!(!text.contains("correct_response") && !text.contains("解析"), "{text}");
    assert!(list(&before, "mistakes").is_empty(), "a wrong-answer entry would tell the answer was wrong");

    app.clock.advance(Duration::days(3));
    let learner = app.login_ok("patient").await;
    let (_, after) = export(&app, &learner).await;
    let exported = list(&after, "attempts").iter().find(|a| a["id"] == attempt).unwrap();
    assert_eq!(exported["results"][0]["correct_response"], "B", "{exported}");
    assert_eq!(list(&after, "mistakes").len(), 1);
}

#[tokio::test]
async fn a_wrong_password_erases_nothing() {
    let app = TestApp::spawn().await;
    let learner = app.register("keeps_account").await;
    let res = erase(&app, &learner, "Not-the-password-1").await;
    assert_problem(res, StatusCode::FORBIDDEN, "wrong_password").await;
    let res = app.request(Method::DELETE, "/me", Some(&learner.access)).json(&json!({})).send().await.unwrap();
    assert_invalid(res, &["password"]).await;
    let res = app.request(Method::DELETE, "/me", None).json(&json!({"password": PASSWORD})).send().await.unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let (status, me) = json_body(app.get("/me", Some(&learner.access)).await).await;
    assert_eq!((status, me["username"].as_str()), (StatusCode::OK, Some("keeps_account")));
    app.login_ok("keeps_account").await;
    let erased: i64 = users::table.filter(users::deleted_at.is_not_null()).count().get_result(&mut app.db()).unwrap();
    assert_eq!(erased, 0);
}

#[derive(Debug, PartialEq)]
struct Figures {
    ledger: Vec<(String, String, i32)>,
    user_daily: Vec<(String, i32, i32, i32)>,
    user_points: Vec<(String, i32)>,
    org_daily: Vec<(String, i32, i32, i32, i32)>,
    attempt_scores: Vec<(i64, Option<i32>)>,
    progress: Vec<(i64, i32, Option<NaiveDateTime>)>,
    likes_on_content: i64,
}

fn figures(conn: &mut DbConn, user: i64, org: i64, content: i64) -> Figures {
    Figures {
        ledger: points_ledger::table
            .filter(points_ledger::user_id.eq(user))
            .select((points_ledger::action, points_ledger::source, points_ledger::points))
            .order(points_ledger::id)
            .load(conn)
            .unwrap(),
        user_daily: user_daily::table
            .filter(user_daily::user_id.eq(user))
            .select((
                user_daily::local_date,
                user_daily::points,
                user_daily::reading_seconds,
                user_daily::quizzes_taken,
            ))
            .load(conn)
            .unwrap(),
        user_points: user_points::table
            .filter(user_points::user_id.eq(user))
            .select((user_points::period, user_points::points))
            .order(user_points::period)
            .load(conn)
            .unwrap(),
        org_daily: org_daily::table
            .filter(org_daily::org_id.eq(org))
            .select((
                org_daily::local_date,
                org_daily::points,
                org_daily::study_seconds,
                org_daily::completions,
                org_daily::active_learners,
            ))
            .load(conn)
            .unwrap(),
        attempt_scores: attempts::table
            .filter(attempts::user_id.eq(user))
            .select((attempts::id, attempts::score))
            .order(attempts::id)
            .load(conn)
            .unwrap(),
        progress: progress::table
            .filter(progress::user_id.eq(user))
            .select((progress::content_id, progress::effective_s, progress::completed_at))
            .load(conn)
            .unwrap(),
        likes_on_content: contents::table.find(content).select(contents::like_count).first(conn).unwrap(),
    }
}

async fn board_ids(app: &TestApp, token: &str) -> Vec<i64> {
    let (status, board) =
        json_body(app.get("/leaderboards/users?scope=global&period=all&limit=100", Some(token)).await).await;
    assert_eq!(status, StatusCode::OK, "{board}");
    board["items"].as_array().unwrap().iter().filter_map(|i| i["user"]["id"].as_i64()).collect()
}

#[tokio::test]
async fn an_erased_account_loses_its_personal_data_and_access_while_its_figures_stay() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let school = app.create_org(&room.admin, "实验小学", "school", None).await;
    let org = school["id"].as_i64().unwrap();
    let content = article(&app, &room, "石榴籽").await;
    let learner = app
        .register_with(
            "leaving_soon",
            json!({"org_code": school["join_code"], "display_name": "古丽", "birth_year": 1990}),
        )
        .await;
    let stays = app.register("stays_here").await;
    assert_eq!(send(&app, &learner, &[event("view", content, None, now(&app))]).await["accepted"], 1);
    app.clock.advance(Duration::seconds(40));
    let later = [event("progress", content, Some(40), now(&app)), event("complete", content, None, now(&app))];
    assert_eq!(send(&app, &learner, &later).await["accepted"], 2);
    for action in ["like", "favorite"] {
        let res = app
            .request(Method::PUT, &format!("/contents/{content}/{action}"), Some(&learner.access))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success());
    }
    let (quiz, question) = quiz(&app, &room, "测验", json!({"review": "after_submit"})).await;
    answer_wrongly(&app, &learner, quiz, question).await;
    let before = figures(&mut app.db(), learner.id, org, content);
    assert!(!before.ledger.is_empty() && !before.org_daily.is_empty() && before.likes_on_content == 1, "{before:?}");
    assert!(board_ids(&app, &stays.access).await.contains(&learner.id), "ranked before");

    let res = erase(&app, &learner, PASSWORD).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    // Access ends at once, everywhere.
    assert_problem(app.get("/me", Some(&learner.access)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let res = app.post_json("/auth/refresh", None, &json!({"refresh_token": learner.refresh})).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let wrong = app.login("leaving_soon", "Some-other-pass-1").await;
    let wrong = assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let gone =
        assert_problem(app.login("leaving_soon", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials")
            .await;
    assert_eq!(gone["detail"], wrong["detail"], "the same answer as a wrong password");
    let tombstone = format!("deleted-{}", learner.id);
    assert_problem(app.login(&tombstone, PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;

    // The personal fields are gone, as staff and the database see it.
    let (status, detail) =
        json_body(app.get(&format!("/admin/users/{}", learner.id), Some(&room.admin.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["username"], tombstone.as_str());
    assert_eq!(detail["display_name"], tombstone.as_str());
    assert!(detail["birth_year"].is_null() && detail["guardian_consent_at"].is_null(), "{detail}");
    assert_eq!(detail["locale"], "zh-Hans");
    assert!(detail["deleted_at"].is_string());
    assert_eq!(detail["organization"]["id"], org, "the unit stays: its reports keep the figures");
    let mut conn = app.db();
    let (name, key, display, hash, birth): (String, String, String, String, Option<i32>) = users::table
        .find(learner.id)
        .select((users::username, users::username_key, users::display_name, users::password_hash, users::birth_year))
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        (name.as_str(), key.as_str(), display.as_str(), birth),
        (tombstone.as_str(), tombstone.as_str(), tombstone.as_str(), None)
    );
    assert!(!hash.starts_with("$argon2"), "no password can match any more");
    let count = |n: i64, what: &str| assert_eq!(n, 0, "{what} of the erased learner remain");
    count(events::table.filter(events::user_id.eq(learner.id)).count().get_result(&mut conn).unwrap(), "events");
    count(likes::table.filter(likes::user_id.eq(learner.id)).count().get_result(&mut conn).unwrap(), "likes");
    count(
        favorites::table.filter(favorites::user_id.eq(learner.id)).count().get_result(&mut conn).unwrap(),
        "favorites",
    );
    count(mistakes::table.filter(mistakes::user_id.eq(learner.id)).count().get_result(&mut conn).unwrap(), "mistakes");
    let responses: Vec<Option<String>> = attempt_items::table
        .inner_join(attempts::table)
        .filter(attempts::user_id.eq(learner.id))
        .select(attempt_items::response)
        .load(&mut conn)
        .unwrap();
    assert!(!responses.is_empty() && responses.iter().all(Option::is_none), "{responses:?}");
    // The anonymous figures are exactly as they were: reports do not change after the fact.
    assert_eq!(figures(&mut conn, learner.id, org, content), before);
    // And the board no longer shows the account.
    let board = board_ids(&app, &stays.access).await;
    assert!(!board.contains(&learner.id), "{board:?}");
    // The erasure is audited, without personal data.
    let (_, log) = json_body(app.get("/admin/audit-log?action=user.erase", Some(&room.admin.access)).await).await;
    let entry = &log["items"][0];
    assert_eq!(
        (entry["actor_id"].as_i64(), entry["target_id"].as_i64()),
        (Some(learner.id), Some(learner.id)),
        "{log}"
    );
    assert_eq!(entry["detail"]["events_deleted"], 3);
    assert!(!entry.to_string().contains("leaving_soon") && !entry.to_string().contains("古丽"), "{entry}");
    // Erasing twice is not possible: the account is gone.
    assert_eq!(erase(&app, &learner, PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_minors_consent_record_is_erased_with_the_account() {
    let app = TestApp::spawn().await;
    let admin = app.admin("consent_admin").await;
    let year = now(&app).format("%Y").to_string().parse::<i32>().unwrap();
    let pupil = app.register_with("young_pupil", json!({"birth_year": year - 10, "guardian_consent": true})).await;
    let (_, before) = json_body(app.get(&format!("/admin/users/{}", pupil.id), Some(&admin.access)).await).await;
    assert!(before["guardian_consent_at"].is_string() && before["birth_year"].is_i64(), "{before}");
    assert_eq!(erase(&app, &pupil, PASSWORD).await.status(), StatusCode::NO_CONTENT);
    let (_, after) = json_body(app.get(&format!("/admin/users/{}", pupil.id), Some(&admin.access)).await).await;
    assert!(after["guardian_consent_at"].is_null() && after["birth_year"].is_null(), "{after}");
}

#[tokio::test]
async fn an_erased_username_is_held_for_the_configured_days_then_free() {
    let app = TestApp::spawn_with(&[("username_hold_days", "30")]).await;
    let learner = app.register("Held_Name").await;
    assert_eq!(erase(&app, &learner, PASSWORD).await.status(), StatusCode::NO_CONTENT);
    for name in ["Held_Name", "held_name", "ＨＥＬＤ_ＮＡＭＥ"] {
        let body = json!({"username": name, "password": PASSWORD, "display_name": "新人", "audience": "public"});
        assert_problem(app.post_json("/auth/register", None, &body).await, StatusCode::CONFLICT, "username_taken")
            .await;
    }
    let refused =
        tongxin::cli::create_admin(app.config.clone(), "held_name", &tongxin::auth::password::Password::new(PASSWORD))
            .await;
    assert!(refused.is_err_and(|e| e.to_string().contains("already taken")), "the operator's path refuses it too");
    // Only keyed hashes are kept (of the name, and of its look-alike form): not the name,
    // and not a plain hash of it either.
    let holds: Vec<String> = username_holds::table.select(username_holds::name_hash).load(&mut app.db()).unwrap();
    assert_eq!(holds.len(), 2);
    for hold in &holds {
        assert!(hold.len() == 64 && !hold.contains("held"), "{holds:?}");
        assert_ne!(*hold, hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"held_name")));
    }

    app.clock.advance(Duration::days(29));
    let body = json!({"username": "held_name", "password": PASSWORD, "display_name": "新人", "audience": "public"});
    assert_problem(app.post_json("/auth/register", None, &body).await, StatusCode::CONFLICT, "username_taken").await;
    app.clock.advance(Duration::days(2));
    let (status, created) = json_body(app.post_json("/auth/register", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "free after the hold: {created}");
    assert_ne!(created["user"]["id"], learner.id);
}

async fn audit_entries(app: &TestApp, admin: &Session, query: &str) -> Vec<Value> {
    let (status, log) =
        json_body(app.get(&format!("/admin/audit-log?limit=100&{query}"), Some(&admin.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{log}");
    log["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn staff_reads_of_personal_data_are_audited_within_the_readers_scope() {
    let app = TestApp::spawn().await;
    let admin = app.admin("audit_admin").await;
    let county = app.create_org(&admin, "县教育局", "county", None).await;
    let east = app.create_org(&admin, "东校", "school", county["id"].as_i64()).await;
    let west = app.create_org(&admin, "西校", "school", county["id"].as_i64()).await;
    let east_admin = app.staff(&admin, "east_head", "org_admin", east["id"].as_i64()).await;
    let pupil = app.register_with("east_kid", json!({"org_code": east["join_code"], "birth_year": 1999})).await;
    let outsider = app.register_with("west_kid", json!({"org_code": west["join_code"]})).await;

    // A search: one entry with the filter and exactly the ids returned.
    let (status, page) = json_body(app.get("/admin/users?q=kid", Some(&east_admin.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let shown: Vec<i64> = page["items"].as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()).collect();
    assert_eq!(shown, [pupil.id]);
    let searches = audit_entries(&app, &admin, &format!("action=user.search&actor_id={}", east_admin.id)).await;
    assert_eq!(searches.len(), 1, "{searches:?}");
    assert_eq!(searches[0]["detail"]["filter"]["q"], "kid");
    assert_eq!(searches[0]["detail"]["returned_ids"], json!([pupil.id]));

    // A detail read inside the scope: the personal fields, and a `user.read` entry.
    let (status, detail) =
        json_body(app.get(&format!("/admin/users/{}", pupil.id), Some(&east_admin.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!((detail["username"].as_str(), detail["birth_year"].as_i64()), (Some("east_kid"), Some(1999)));
    assert!(detail.get("password_hash").is_none() && !detail.to_string().contains("argon2"));
    let reads = audit_entries(&app, &admin, &format!("action=user.read&actor_id={}", east_admin.id)).await;
    assert_eq!(reads.len(), 1);
    assert_eq!((reads[0]["target_type"].as_str(), reads[0]["target_id"].as_i64()), (Some("user"), Some(pupil.id)));

    // Outside the scope: as if it did not exist, and nothing read, so nothing recorded.
    let res = app.get(&format!("/admin/users/{}", outsider.id), Some(&east_admin.access)).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = app.get("/admin/users/999999", Some(&east_admin.access)).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(audit_entries(&app, &admin, &format!("action=user.read&actor_id={}", east_admin.id)).await.len(), 1);
    assert!(audit_entries(&app, &admin, &format!("action=user.read&target_id={}", outsider.id)).await.is_empty());

    // Learners have no access at all; admins read anyone, audited as well.
    let res = app.get(&format!("/admin/users/{}", pupil.id), Some(&outsider.access)).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app.get(&format!("/admin/users/{}", outsider.id), Some(&admin.access)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let reads = audit_entries(&app, &admin, &format!("action=user.read&actor_id={}", admin.id)).await;
    assert_eq!(reads.iter().map(|r| r["target_id"].as_i64().unwrap()).collect::<Vec<_>>(), [outsider.id]);
}

fn event_count(conn: &mut DbConn) -> i64 {
    events::table.count().get_result(conn).unwrap()
}

fn tongxin_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tongxin"));
    for (key, _) in std::env::vars() {
        if key.starts_with("TONGXIN_") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[tokio::test]
async fn old_events_are_pruned_by_the_command_and_a_resent_batch_is_not_credited_again() {
    let app = TestApp::spawn_with(&[("event_retention_days", "30")]).await;
    let real_now = Utc::now();
    // Everything below happens 40 days ago, by the server's clock.
    app.clock.set(real_now - Duration::days(40));
    let room = app.newsroom().await;
    let content = article(&app, &room, "旧闻").await;
    let learner = app.register("old_timer").await;
    let batch = vec![
        event("view", content, None, now(&app)),
        event("progress", content, Some(30), now(&app) + Duration::seconds(1)),
        event("share", content, None, now(&app) + Duration::seconds(2)),
    ];
    assert_eq!(send(&app, &learner, &batch).await["accepted"], 3);
    let mut conn = app.db();
    let snapshot = |conn: &mut DbConn| {
        let ledger: Vec<(String, i32)> = points_ledger::table
            .filter(points_ledger::user_id.eq(learner.id))
            .select((points_ledger::source, points_ledger::points))
            .order(points_ledger::id)
            .load(conn)
            .unwrap();
        let daily: Vec<(String, i32, i32)> = user_daily::table
            .filter(user_daily::user_id.eq(learner.id))
            .select((user_daily::local_date, user_daily::points, user_daily::reading_seconds))
            .load(conn)
            .unwrap();
        let progress: Vec<(i64, i32, i32)> = progress::table
            .filter(progress::user_id.eq(learner.id))
            .select((progress::content_id, progress::position_s, progress::effective_s))
            .load(conn)
            .unwrap();
        let counters: (i64, i64) =
            contents::table.find(content).select((contents::view_count, contents::share_count)).first(conn).unwrap();
        (ledger, daily, progress, counters)
    };
    let before = snapshot(&mut conn);
    assert!(!before.0.is_empty() && !before.2.is_empty() && before.3 == (1, 1), "{before:?}");

    // Back to the present: the events are 40 days old, past the 30-day retention.
    app.clock.set(real_now);
    let data_dir = tempfile::tempdir().unwrap();
    let out = tongxin_command()
        .arg("prune-events")
        .env("DATABASE_URL", app.database.url())
        .env("TONGXIN_DATA_DIR", data_dir.path())
        .env("TONGXIN_EVENT_RETENTION_DAYS", "30")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("removed 3 events older than 30 days"), "{stdout}");
    assert_eq!(event_count(&mut conn), 0);
    assert_eq!(snapshot(&mut conn), before, "aggregates and progress stay when raw events go");

    // The app resends the very same batch (a lost response, an old queue): refused, since
    // its ids may have been pruned and would otherwise count a second time.
    let learner = app.login_ok("old_timer").await;
    // (Logging in today earns today's login point; the comparison starts after it.)
    let before = snapshot(&mut conn);
    let resent = send(&app, &learner, &batch).await;
    assert_eq!((resent["accepted"].as_i64(), resent["duplicates"].as_i64()), (Some(0), Some(0)), "{resent}");
    let codes: Vec<&str> = resent["rejected"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["expired"; 3]);
    let after = snapshot(&mut conn);
    assert_eq!((&after.0, &after.2, after.3), (&before.0, &before.2, before.3), "nothing credited again");

    // The window's edge: 29 days less a margin is still accepted (and clamped), older is not.
    let recent = event("view", content, None, now(&app) - Duration::days(28));
    let stale = event("view", content, None, now(&app) - Duration::hours(29 * 24 + 12));
    let result = send(&app, &learner, &[recent, stale.clone()]).await;
    assert_eq!(result["accepted"], 1, "{result}");
    assert_eq!(result["rejected"], json!([{"id": stale["id"], "code": "expired"}]));

    // With retention off, the command removes nothing.
    let out = tongxin_command()
        .arg("prune-events")
        .env("DATABASE_URL", app.database.url())
        .env("TONGXIN_DATA_DIR", data_dir.path())
        .env("TONGXIN_EVENT_RETENTION_DAYS", "0")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("retention is off"), "{out:?}");
    assert_eq!(event_count(&mut conn), 1);
}

#[tokio::test]
async fn the_server_prunes_old_events_periodically() {
    let app = TestApp::spawn_with(&[("event_retention_days", "30"), ("event_prune_interval_ms", "200")]).await;
    let real_now = Utc::now();
    app.clock.set(real_now - Duration::days(31));
    let room = app.newsroom().await;
    let content = article(&app, &room, "定期清理").await;
    let learner = app.register("periodic").await;
    let batch: Vec<Value> = (0..5).map(|_| event("view", content, None, now(&app))).collect();
    assert_eq!(send(&app, &learner, &batch).await["accepted"], 5);
    let mut conn = app.db();
    // Still inside the window while the clock says so.
    tokio::time::sleep(StdDuration::from_millis(600)).await;
    assert_eq!(event_count(&mut conn), 5);
    app.clock.set(real_now);
    let started = Instant::now();
    while event_count(&mut conn) > 0 {
        assert!(started.elapsed() < StdDuration::from_secs(10), "the job did not prune");
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    let kept: i64 = progress::table.filter(progress::user_id.eq(learner.id)).count().get_result(&mut conn).unwrap();
    assert_eq!(kept, 1, "progress stays");
}

#[test]
fn retention_and_hold_settings_are_checked_at_start() {
    use tongxin::config::Config;
    let defaults = Config::from_pairs(&[]).unwrap();
    assert_eq!(defaults.event_retention, Some(StdDuration::from_hours(180 * 24)));
    assert_eq!(defaults.username_hold, StdDuration::from_hours(30 * 24));
    assert_eq!(Config::from_pairs(&[("event_retention_days", "0")]).unwrap().event_retention, None);
    for bad in ["29", "1", "100000"] {
        let err = Config::from_pairs(&[("event_retention_days", bad)]).unwrap_err().to_string();
        assert!(err.contains("TONGXIN_EVENT_RETENTION_DAYS"), "{bad}: {err}");
    }
    assert!(Config::from_pairs(&[("username_hold_days", "100000")]).is_err());
    assert!(Config::from_pairs(&[("event_retension_days", "30")]).is_err(), "a misspelt setting is refused");
}

/// The board entry of a learner on a board (by id, or the one masked entry): its `user`.
async fn board_entry(app: &TestApp, viewer: &Session, scope: &str, minor: i64) -> Value {
    let path = format!("/leaderboards/users?scope={scope}&period=today&limit=100");
    let (status, board) = json_body(app.get(&path, Some(&viewer.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{scope} for {}: {board}", viewer.username);
    let found: Vec<&Value> = board["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["user"]["id"] == minor || i["user"]["masked"] == true)
        .collect();
    assert_eq!(found.len(), 1, "{scope} for {}: {board}", viewer.username);
    assert!(found[0]["points"].as_i64().unwrap() > 0, "ranked either way");
    found[0]["user"].clone()
}

fn masked() -> Value {
    json!({"id": null, "display_name": null, "org": null, "masked": true})
}

#[tokio::test]
async fn a_pupil_without_a_birth_year_is_masked_like_any_minor() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let school = app.create_org(&admin, "团结小学", "school", None).await;
    let class_a = app.create_org(&admin, "一年级一班", "class", school["id"].as_i64()).await;
    let class_b = app.create_org(&admin, "一年级二班", "class", school["id"].as_i64()).await;
    let pupil = app
        .register_with(
            "no_birth_year",
            json!({"audience": "junior", "guardian_consent": true, "org_code": class_a["join_code"], "display_name": "小红"}),
        )
        .await;
    let outsider = app.register_with("next_class", json!({"org_code": class_b["join_code"]})).await;
    let classmate = app.register_with("same_class", json!({"org_code": class_a["join_code"]})).await;
    for scope in ["global".to_owned(), format!("org:{}", school["id"])] {
        assert_eq!(board_entry(&app, &outsider, &scope, pupil.id).await, masked(), "{scope}");
    }
    let named = board_entry(&app, &classmate, &format!("org:{}", class_a["id"]), pupil.id).await;
    assert_eq!((named["display_name"].as_str(), named["masked"].as_bool()), (Some("小红"), Some(false)));
}

#[tokio::test]
async fn a_minors_name_reaches_only_their_own_node_and_the_staff_over_it_on_every_board() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let admin = &room.admin;
    let county = app.create_org(admin, "团结县", "county", None).await;
    let town = app.create_org(admin, "石榴镇", "township", county["id"].as_i64()).await;
    let school = app.create_org(admin, "石榴镇小学", "school", town["id"].as_i64()).await;
    let class_a = app.create_org(admin, "三年级一班", "class", school["id"].as_i64()).await;
    let class_b = app.create_org(admin, "三年级二班", "class", school["id"].as_i64()).await;
    let town2 = app.create_org(admin, "团结乡", "township", county["id"].as_i64()).await;
    let class_c = app.create_org(admin, "团结乡小学一班", "class", town2["id"].as_i64()).await;
    let year = now(&app).with_timezone(&chrono_tz::Asia::Shanghai).format("%Y").to_string().parse::<i32>().unwrap();
    let child = app
        .register_with(
            "little_one",
            json!({"org_code": class_a["join_code"], "birth_year": year - 9, "guardian_consent": true, "display_name": "小红"}),
        )
        .await;
    let article = app.published_article(&room, "石榴籽", "正文").await;
    let campaign = json!({"title": "宣传周", "kind": "themed", "starts_at": (now(&app) - Duration::hours(1)).to_rfc3339(),
        "ends_at": (now(&app) + Duration::days(3)).to_rfc3339(), "content_ids": [article]});
    let (status, created) =
        json_body(app.post_json("/admin/campaigns", Some(&room.editor.access), &campaign).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let campaign_id = created["id"].as_i64().unwrap();
    app.post_json(&format!("/admin/campaigns/{campaign_id}/submit"), Some(&room.editor.access), &json!({})).await;
    let res = app
        .post_json(&format!("/admin/campaigns/{campaign_id}/approve"), Some(&room.reviewer.access), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    send(&app, &child, &[event("share", article, None, now(&app))]).await;

    let code = |org: &Value| json!({"org_code": org["join_code"]});
    let classmate = app.register_with("classmate", code(&class_a)).await;
    let schoolmate = app.register_with("schoolmate", code(&class_b)).await;
    let at_school = app.register_with("school_node", code(&school)).await;
    let far_away = app.register_with("far_away", code(&class_c)).await;
    let school_admin = app.staff(admin, "school_admin", "org_admin", school["id"].as_i64()).await;
    let town2_admin = app.staff(admin, "town2_admin", "org_admin", town2["id"].as_i64()).await;

    let scopes = [
        format!("org:{}", class_a["id"]),
        format!("org:{}", school["id"]),
        format!("org:{}", county["id"]),
        "global".to_owned(),
        format!("campaign:{campaign_id}"),
    ];
    for scope in &scopes {
        for viewer in [&child, &classmate, admin, &school_admin] {
            let user = board_entry(&app, viewer, scope, child.id).await;
            assert_eq!(
                (user["id"].as_i64(), user["display_name"].as_str(), user["masked"].as_bool()),
                (Some(child.id), Some("小红"), Some(false)),
                "{scope} for {}",
                viewer.username
            );
            assert_eq!(user["org"]["id"], class_a["id"], "{scope} for {}", viewer.username);
        }
        for viewer in [&schoolmate, &at_school, &far_away, &town2_admin] {
            assert_eq!(board_entry(&app, viewer, scope, child.id).await, masked(), "{scope} for {}", viewer.username);
        }
    }
}
