//! Control characters in any string a request carries (path segments, query parameters,
//! JSON strings and keys, CSV imports) are refused with 422 naming the field, on both
//! databases, before anything is read or written. PostgreSQL would otherwise answer NUL
//! with a 500 (`invalid byte sequence`).

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tongxin::db::schema::{audit_log, campaigns, contents, organizations, questions, quizzes, topics, users};

use crate::helpers::*;

#[derive(Clone, Copy)]
enum Who {
    Anonymous,
    Learner,
    Editor,
    Reviewer,
    Admin,
}

/// (who, method, path, JSON body or none, the field the 422 must name)
fn cases() -> Vec<(Who, Method, &'static str, Option<Value>, &'static str)> {
    use Who::*;
    vec![
        (Anonymous, Method::GET, "/contents?topic=a%00", None, "topic"),
        (Anonymous, Method::GET, "/contents?q=%E5%9B%A2%00", None, "q"),
        (Anonymous, Method::GET, "/contents?cursor=%01abc", None, "cursor"),
        (Anonymous, Method::GET, "/campaigns?status=active%7F", None, "status"),
        (Anonymous, Method::GET, "/leaderboards/users?scope=global%C2%85", None, "scope"),
        (Admin, Method::GET, "/admin/audit-log?action=user.read%00", None, "action"),
        (Admin, Method::GET, "/admin/audit-log?target_type=%1B%5B31m", None, "target_type"),
        (Admin, Method::GET, "/admin/users?q=wang%00", None, "q"),
        (Editor, Method::GET, "/admin/questions?tag=%00", None, "tag"),
        (
            Editor,
            Method::PUT,
            "/admin/contents/1/translations/e%00n",
            Some(json!({"title": "t", "summary": "s"})),
            "locale",
        ),
        (
            Anonymous,
            Method::POST,
            "/auth/register",
            Some(json!({"username": "nul\u{0}user", "password": PASSWORD, "display_name": "x", "audience": "public"})),
            "username",
        ),
        (
            Anonymous,
            Method::POST,
            "/auth/login",
            Some(json!({"username": "someone\u{0}", "password": PASSWORD})),
            "username",
        ),
        (Learner, Method::PATCH, "/me", Some(json!({"display_name": "王\u{7f}"})), "display_name"),
        (
            Learner,
            Method::POST,
            "/events",
            Some(
                json!({"events": [{"id": "\u{0}", "kind": "view", "content_id": 1, "occurred_at": "2026-01-01T00:00:00Z"}]}),
            ),
            "events[0].id",
        ),
        (
            Editor,
            Method::POST,
            "/admin/contents",
            Some(
                json!({"kind": "article", "title": "两行\n标题", "summary": "s", "body_markdown": "b", "topic": "t", "audiences": ["public"]}),
            ),
            "title",
        ),
        (
            Editor,
            Method::POST,
            "/admin/contents",
            Some(
                json!({"kind": "article", "title": "t", "summary": "s", "body_markdown": "正文\u{0}", "topic": "t", "audiences": ["public"], "tags": ["ok"]}),
            ),
            "body_markdown",
        ),
        (
            Editor,
            Method::POST,
            "/admin/contents",
            Some(
                json!({"kind": "article", "title": "t", "summary": "s", "body_markdown": "b", "topic": "t", "audiences": ["public"], "tags": ["ok", "坏\u{8}"]}),
            ),
            "tags[1]",
        ),
        (Editor, Method::PATCH, "/admin/contents/1", Some(json!({"summary": "摘要\u{9b}"})), "summary"),
        (
            Editor,
            Method::POST,
            "/admin/questions",
            Some(
                json!({"kind": "single", "stem": "题干", "topic": "t", "options": [{"key": "A", "text": "甲\u{0}"}, {"key": "B", "text": "乙"}], "answer": "A", "explanation": "解析"}),
            ),
            "options[0].text",
        ),
        (
            Editor,
            Method::POST,
            "/admin/questions",
            Some(
                json!({"kind": "fill_blank", "stem": "题干", "topic": "t", "answer": ["五十六\u{0}"], "explanation": "解析"}),
            ),
            "answer[0]",
        ),
        (
            Editor,
            Method::POST,
            "/admin/quizzes",
            Some(json!({"title": "测验\u{0}", "mode": "practice", "question_ids": [1]})),
            "title",
        ),
        (
            Editor,
            Method::POST,
            "/admin/quizzes",
            Some(json!({"title": "测验", "description": "说明\u{0}", "mode": "practice", "question_ids": [1]})),
            "description",
        ),
        (
            Editor,
            Method::POST,
            "/admin/campaigns",
            Some(
                json!({"title": "活动", "kind": "themed", "description": "\u{0}", "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-02-01T00:00:00Z"}),
            ),
            "description",
        ),
        (Reviewer, Method::POST, "/admin/contents/1/reject", Some(json!({"reason": "不行\u{0}"})), "reason"),
        (Admin, Method::POST, "/admin/organizations", Some(json!({"name": "一小\u{0}", "kind": "school"})), "name"),
        (
            Admin,
            Method::POST,
            "/admin/topics",
            Some(json!({"slug": "s", "names": {"zh-Hans": "专题\u{0}"}})),
            "names.zh-Hans",
        ),
        (
            Admin,
            Method::PUT,
            "/admin/point-rules",
            Some(json!({"rules": [{"action": "share\u{0}"}]})),
            "rules[0].action",
        ),
    ]
}

fn counts(app: &TestApp) -> Vec<i64> {
    let mut conn = app.db();
    vec![
        users::table.count().get_result(&mut conn).unwrap(),
        contents::table.count().get_result(&mut conn).unwrap(),
        questions::table.count().get_result(&mut conn).unwrap(),
        quizzes::table.count().get_result(&mut conn).unwrap(),
        campaigns::table.count().get_result(&mut conn).unwrap(),
        organizations::table.count().get_result(&mut conn).unwrap(),
        topics::table.count().get_result(&mut conn).unwrap(),
        audit_log::table.count().get_result(&mut conn).unwrap(),
    ]
}

#[tokio::test]
async fn control_characters_in_any_field_or_parameter_are_refused_with_422_naming_it() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let learner = app.register("plain_learner").await;
    let before = counts(&app);
    for (who, method, path, body, field) in cases() {
        let token = match who {
            Who::Anonymous => None,
            Who::Learner => Some(learner.access.as_str()),
            Who::Editor => Some(room.editor.access.as_str()),
            Who::Reviewer => Some(room.reviewer.access.as_str()),
            Who::Admin => Some(room.admin.access.as_str()),
        };
        let request = app.request(method.clone(), path, token);
        let res = match &body {
            Some(body) => request.json(body).send().await.unwrap(),
            None => request.send().await.unwrap(),
        };
        let problem = assert_invalid(res, &[field]).await;
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("must not contain control characters"), "{method} {path}: {problem}");
    }
    assert_eq!(counts(&app), before, "nothing was written");
}

#[tokio::test]
async fn multi_line_fields_keep_tabs_and_line_ends() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let body = "# 标题\r\n\n第一段\t缩进\n\n```\ncode\n```\n";
    let id = app.draft_article(&room, "多行正文", body).await;
    let (status, stored) = json_body(app.get(&format!("/admin/contents/{id}"), Some(&room.editor.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!(stored["body_markdown"], body);
    // A question's stem and explanation may span lines too; its options may not.
    let question = json!({"kind": "true_false", "stem": "第一行\n第二行", "topic": room.topic["slug"], "answer": true, "explanation": "解析\r\n\t第二行"});
    let (status, created) =
        json_body(app.post_json("/admin/questions", Some(&room.editor.access), &question).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["explanation"], "解析\r\n\t第二行");
}

#[tokio::test]
async fn a_csv_import_with_a_control_character_is_refused_naming_its_line() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let csv = "kind,topic,stem,options,answer,explanation,difficulty,tags,audiences\n\
               single,ethnic-view,题一,A=甲|B=乙,A,解析,1,,\n\
               single,ethnic-view,题二\u{0},A=甲|B=乙,A,解析,1,,\n";
    let res = app
        .request(Method::POST, "/admin/questions/import", Some(&room.editor.access))
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_invalid(res, &["line[3]"]).await;
    let mut conn = app.db();
    assert_eq!(questions::table.count().get_result::<i64>(&mut conn).unwrap(), 0);
}
