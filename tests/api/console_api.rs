//! What the staff console needs from the API, for every client: the server's own Markdown
//! preview, one review queue across contents, quizzes and campaigns, and the counts per
//! workflow state.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use tongxin::clock::Clock;

use crate::helpers::*;

const RISKY_BODY: &str = "## 石榴籽\n\n| 民族 | 人数 |\n| --- | --- |\n| 汉族 | 12 |\n\n\
![团结](https://example.org/unity.png)\n\n<script>alert(1)</script>\n\n\
<img src=\"https://example.org/x.png\" onerror=\"alert(2)\">\n\n[点我](javascript:alert(3))\n";

async fn preview(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.post_json("/admin/markdown/preview", Some(token), body).await
}

#[tokio::test]
async fn a_markdown_preview_is_the_html_the_article_shows_once_published() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;

    let res = preview(&app, &room.editor.access, &json!({"body_markdown": RISKY_BODY})).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let (status, shown) = json_body(res).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    let html = shown["html"].as_str().unwrap();
    assert!(html.contains("<table>") && html.contains("<td>汉族</td>"), "{html}");
    assert!(html.contains("<img src=\"https://example.org/unity.png\" alt=\"团结\">"), "{html}");
    for banned in ["<script", "alert(1)", "onerror", "javascript:"] {
        assert!(!html.contains(banned), "{banned} survived: {html}");
    }

    let id = app.published_article(&room, "石榴籽", RISKY_BODY).await;
    let (_, published) = json_body(app.get(&format!("/contents/{id}"), None).await).await;
    assert_eq!(published["body_html"].as_str(), Some(html));
}

#[tokio::test]
async fn a_markdown_preview_is_for_content_staff_and_bounded_like_a_body() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let learner = app.register("xiaoming").await;
    let ok = json!({"body_markdown": "**团结**"});
    assert_problem(preview(&app, &learner.access, &ok).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(preview(&app, &room.reviewer.access, &ok).await.status(), StatusCode::OK);
    assert_invalid(preview(&app, &room.editor.access, &json!({"body_markdown": "  \n "})).await, &["body_markdown"])
        .await;
    let long = "团".repeat(200_001);
    assert_invalid(preview(&app, &room.editor.access, &json!({"body_markdown": long})).await, &["body_markdown"]).await;
}

async fn created(app: &TestApp, who: &Session, path: &str, body: Value) -> i64 {
    let (status, item) = json_body(app.post_json(path, Some(&who.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    item["id"].as_i64().unwrap()
}

async fn step(app: &TestApp, who: &Session, path: &str, body: Value) {
    let (status, item) = json_body(app.post_json(path, Some(&who.access), &body).await).await;
    assert_eq!(status, StatusCode::OK, "{path}: {item}");
}

async fn draft_quiz(app: &TestApp, room: &Newsroom, title: &str) -> i64 {
    let question = json!({"kind": "true_false", "stem": "各民族一律平等", "answer": true, "topic": room.topic["slug"]});
    let q = created(app, &room.editor, "/admin/questions", question).await;
    created(app, &room.editor, "/admin/quizzes", json!({"title": title, "mode": "practice", "question_ids": [q]})).await
}

async fn draft_campaign(app: &TestApp, room: &Newsroom, title: &str) -> i64 {
    let body = json!({"title": title, "kind": "publicity_week", "starts_at": "2030-09-01T00:00:00Z", "ends_at": "2030-09-08T00:00:00Z"});
    created(app, &room.editor, "/admin/campaigns", body).await
}

async fn queue(app: &TestApp, who: &Session, query: &str) -> Value {
    let (status, page) = json_body(app.get(&format!("/admin/review-queue{query}"), Some(&who.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

fn kinds_and_ids(page: &Value) -> Vec<(String, i64)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["kind"].as_str().unwrap().to_owned(), i["id"].as_i64().unwrap()))
        .collect()
}

#[tokio::test]
async fn the_review_queue_holds_every_kind_oldest_first_and_shows_the_four_eyes_rule() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let campaign = draft_campaign(&app, &room, "民族团结宣传周").await;
    let article = app.draft_article(&room, "石榴籽", "各民族紧紧抱在一起").await;
    let quiz = draft_quiz(&app, &room, "每周一测").await;
    let own = created(
        &app,
        &room.reviewer,
        "/admin/contents",
        json!({"kind": "article", "title": "审核员自己写的", "summary": "", "body_markdown": "正文",
               "topic": room.topic["slug"], "audiences": ["public"]}),
    )
    .await;
    // Submitted campaign first, the reviewer's own article last, a minute apart.
    for (path, who) in [
        (format!("/admin/campaigns/{campaign}/submit"), &room.editor),
        (format!("/admin/contents/{article}/submit"), &room.editor),
        (format!("/admin/quizzes/{quiz}/submit"), &room.editor),
        (format!("/admin/contents/{own}/submit"), &room.reviewer),
    ] {
        step(&app, who, &path, json!({})).await;
        app.clock.advance(Duration::minutes(1));
    }

    let page = queue(&app, &room.reviewer, "").await;
    let expected = vec![
        ("campaign".to_owned(), campaign),
        ("content".to_owned(), article),
        ("quiz".to_owned(), quiz),
        ("content".to_owned(), own),
    ];
    assert_eq!(kinds_and_ids(&page), expected, "{page}");
    assert_eq!(page["next_cursor"], Value::Null);
    let items = page["items"].as_array().unwrap();
    let first = &items[1];
    assert_eq!(first["title"], "石榴籽");
    assert_eq!(first["content_kind"], "article");
    assert_eq!(first["is_change"], false);
    assert_eq!(first["submitted_by"]["username"], "editor_li");
    assert_eq!(first["author"], Value::Null, "the author is the submitter");
    assert_eq!(
        (first["approvable_by_caller"].clone(), first["not_approvable_reason"].clone()),
        (json!(true), Value::Null)
    );
    assert_eq!(items[0]["content_kind"], Value::Null);
    let mine = &items[3];
    assert_eq!(mine["submitted_by"]["username"], "reviewer_wang");
    assert_eq!(
        (mine["approvable_by_caller"].clone(), mine["not_approvable_reason"].clone()),
        (json!(false), json!("own_work"))
    );
    assert!(items[0]["submitted_at"].as_str() < items[1]["submitted_at"].as_str());

    // The admin wrote none of it; an editor may not see the queue at all.
    let page = queue(&app, &room.admin, "").await;
    assert!(page["items"].as_array().unwrap().iter().all(|i| i["approvable_by_caller"] == true), "{page}");
    let res = app.get("/admin/review-queue", Some(&room.editor.access)).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;

    // Approved or rejected items leave the queue.
    step(&app, &room.reviewer, &format!("/admin/campaigns/{campaign}/approve"), json!({})).await;
    step(&app, &room.reviewer, &format!("/admin/quizzes/{quiz}/reject"), json!({"reason": "题目太少"})).await;
    let page = queue(&app, &room.reviewer, "").await;
    assert_eq!(kinds_and_ids(&page), vec![("content".to_owned(), article), ("content".to_owned(), own)]);
}

#[tokio::test]
async fn the_review_queue_pages_filters_by_kind_and_lists_changes_to_published_items() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let live = app.published_article(&room, "已发布", "旧正文").await;
    let mut submitted = Vec::new();
    for n in 0..3 {
        let id = app.draft_article(&room, &format!("稿件{n}"), "正文").await;
        step(&app, &room.editor, &format!("/admin/contents/{id}/submit"), json!({})).await;
        submitted.push(("content".to_owned(), id));
        app.clock.advance(Duration::seconds(1));
    }
    let quiz = draft_quiz(&app, &room, "小测").await;
    step(&app, &room.editor, &format!("/admin/quizzes/{quiz}/submit"), json!({})).await;
    app.clock.advance(Duration::seconds(1));
    // A change to the editor's published article, written and submitted by the reviewer.
    let res = app
        .patch_json(&format!("/admin/contents/{live}"), Some(&room.reviewer.access), &json!({"summary": "新摘要"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    step(&app, &room.reviewer, &format!("/admin/contents/{live}/submit"), json!({})).await;

    let first = queue(&app, &room.reviewer, "?limit=2").await;
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let second = queue(&app, &room.reviewer, &format!("?limit=2&cursor={cursor}")).await;
    let third =
        queue(&app, &room.reviewer, &format!("?limit=2&cursor={}", second["next_cursor"].as_str().unwrap())).await;
    assert_eq!(third["next_cursor"], Value::Null);
    let all: Vec<_> = [&first, &second, &third].iter().flat_map(|p| kinds_and_ids(p)).collect();
    let mut expected = submitted.clone();
    expected.push(("quiz".to_owned(), quiz));
    expected.push(("content".to_owned(), live));
    assert_eq!(all, expected);

    let change = &third["items"][0];
    assert_eq!(change["is_change"], true);
    assert_eq!(change["submitted_by"]["username"], "reviewer_wang");
    assert_eq!(change["author"]["username"], "editor_li", "the author is not the submitter: {change}");
    assert_eq!(change["not_approvable_reason"], "own_work", "the reviewer wrote the change");
    let for_admin = queue(&app, &room.admin, "?kind=content").await;
    assert_eq!(for_admin["items"][3]["approvable_by_caller"], true, "{for_admin}");

    let quizzes = queue(&app, &room.reviewer, "?kind=quiz").await;
    assert_eq!(kinds_and_ids(&quizzes), vec![("quiz".to_owned(), quiz)]);
    let res = app.get("/admin/review-queue?cursor=12_poll_3", Some(&room.reviewer.access)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

async fn counts(app: &TestApp, who: &Session, query: &str) -> Value {
    let (status, counts) = json_body(app.get(&format!("/admin/workflow/counts{query}"), Some(&who.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{counts}");
    counts
}

fn states(counts: &Value, of: &str) -> [i64; 6] {
    ["draft", "in_review", "rejected", "scheduled", "published", "archived"].map(|s| counts[of][s].as_i64().unwrap())
}

#[tokio::test]
async fn workflow_counts_move_with_submission_rejection_and_approval() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "石榴籽", "正文").await;
    draft_quiz(&app, &room, "小测").await;
    draft_campaign(&app, &room, "宣传月").await;
    let c = counts(&app, &room.editor, "").await;
    assert_eq!(states(&c, "contents"), [1, 0, 0, 0, 0, 0], "{c}");
    assert_eq!(states(&c, "quizzes"), [1, 0, 0, 0, 0, 0], "{c}");
    assert_eq!(states(&c, "campaigns"), [1, 0, 0, 0, 0, 0], "{c}");

    step(&app, &room.editor, &format!("/admin/contents/{id}/submit"), json!({})).await;
    assert_eq!(states(&counts(&app, &room.editor, "").await, "contents"), [0, 1, 0, 0, 0, 0]);
    step(&app, &room.reviewer, &format!("/admin/contents/{id}/reject"), json!({"reason": "请补充出处"})).await;
    assert_eq!(states(&counts(&app, &room.editor, "").await, "contents"), [0, 0, 1, 0, 0, 0]);
    step(&app, &room.editor, &format!("/admin/contents/{id}/submit"), json!({})).await;
    let later = (app.clock.now() + Duration::days(2)).to_rfc3339();
    step(&app, &room.reviewer, &format!("/admin/contents/{id}/approve"), json!({"publish_at": later})).await;
    assert_eq!(states(&counts(&app, &room.editor, "").await, "contents"), [0, 0, 0, 1, 0, 0]);
    app.clock.advance(Duration::days(3));
    let editor = app.login_ok("editor_li").await;
    let c = counts(&app, &editor, "").await;
    assert_eq!(states(&c, "contents"), [0, 0, 0, 0, 1, 0]);
    assert_eq!(c["contents"]["changes_in_review"], 0);
    let res = app.patch_json(&format!("/admin/contents/{id}"), Some(&editor.access), &json!({"summary": "新"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    step(&app, &editor, &format!("/admin/contents/{id}/submit"), json!({})).await;
    let c = counts(&app, &editor, "").await;
    assert_eq!((states(&c, "contents"), c["contents"]["changes_in_review"].as_i64()), ([0, 0, 0, 0, 1, 0], Some(1)));
}

#[tokio::test]
async fn workflow_counts_for_mine_leave_out_other_peoples_items() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    app.draft_article(&room, "编辑的稿件", "正文").await;
    let body = json!({"kind": "article", "title": "审核员的稿件", "summary": "", "body_markdown": "正文",
                      "topic": room.topic["slug"], "audiences": ["public"]});
    created(&app, &room.reviewer, "/admin/contents", body).await;

    assert_eq!(counts(&app, &room.editor, "").await["contents"]["draft"], 2, "editors may count everyone's");
    assert_eq!(counts(&app, &room.editor, "?mine=true").await["contents"]["draft"], 1);
    assert_eq!(counts(&app, &room.reviewer, "?mine=true").await["contents"]["draft"], 1);
    assert_eq!(counts(&app, &room.admin, "?mine=true").await["contents"]["draft"], 0);
    assert_eq!(counts(&app, &room.admin, "?mine=false").await["contents"]["draft"], 2);
    let learner = app.register("xiaoming").await;
    let res = app.get("/admin/workflow/counts", Some(&learner.access)).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
}
