//! The publishing workflow: every transition, each refusal per role, and the audit log.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

async fn status_of(app: &TestApp, room: &Newsroom, id: i64) -> Value {
    let (status, body) = json_body(app.get(&format!("/admin/contents/{id}"), Some(&room.admin.access)).await).await;
    assert_eq!(status, StatusCode::OK);
    body
}

async fn act(app: &TestApp, who: &Session, id: i64, action: &str, body: &Value) -> reqwest::Response {
    app.post_json(&format!("/admin/contents/{id}/{action}"), Some(&who.access), body).await
}

#[tokio::test]
async fn a_draft_goes_through_review_to_publication() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "石榴籽的故事", "## 开头\n\n各族同学像石榴籽一样紧紧抱在一起。").await;
    let draft = status_of(&app, &room, id).await;
    assert_eq!((draft["status"].as_str(), draft["version"].as_i64()), (Some("draft"), Some(1)));
    assert_eq!(draft["author_id"], room.editor.id);

    let (status, reviewed) = json_body(act(&app, &room.editor, id, "submit", &json!({})).await).await;
    assert_eq!((status, reviewed["status"].as_str()), (StatusCode::OK, Some("in_review")));
    let (status, published) = json_body(act(&app, &room.reviewer, id, "approve", &json!({})).await).await;
    assert_eq!((status, published["status"].as_str()), (StatusCode::OK, Some("published")));
    assert_eq!(published["reviewer_id"], room.reviewer.id);
    assert!(published["publish_at"].is_string());
    assert_eq!(app.get(&format!("/contents/{id}"), None).await.status(), StatusCode::OK, "learners see it now");
}

#[tokio::test]
async fn approving_needs_no_body_but_a_malformed_one_is_refused() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "空的批准", "正文").await;
    act(&app, &room.editor, id, "submit", &json!({})).await;
    let res = app
        .request(reqwest::Method::POST, &format!("/admin/contents/{id}/approve"), Some(&room.reviewer.access))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "malformed_json").await;
    assert_eq!(status_of(&app, &room, id).await["status"], "in_review", "nothing happened");
    let res = app
        .request(reqwest::Method::POST, &format!("/admin/contents/{id}/approve"), Some(&room.reviewer.access))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "no body at all publishes now");
}

#[tokio::test]
async fn a_rejection_sends_the_draft_back_with_the_reason() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "待修改的文章", "初稿").await;
    act(&app, &room.editor, id, "submit", &json!({})).await;
    let res = act(&app, &room.reviewer, id, "reject", &json!({"reason": "  "})).await;
    assert_invalid(res, &["reason"]).await;
    let (status, back) =
        json_body(act(&app, &room.reviewer, id, "reject", &json!({"reason": "请补充史料出处"})).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((back["status"].as_str(), back["reject_reason"].as_str()), (Some("draft"), Some("请补充史料出处")));
    // The author edits and resubmits; approval clears the reason.
    let res = app
        .patch_json(&format!("/admin/contents/{id}"), Some(&room.editor.access), &json!({"body_markdown": "修改稿"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    act(&app, &room.editor, id, "submit", &json!({})).await;
    let (_, published) = json_body(act(&app, &room.reviewer, id, "approve", &json!({})).await).await;
    assert_eq!(published["reject_reason"], Value::Null);
    assert_eq!(published["version"], 2);
}

#[tokio::test]
async fn nobody_approves_their_own_work() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let own = json!({"kind": "article", "title": "审核员自己写的", "body_markdown": "正文", "topic": room.topic["slug"], "audiences": ["public"]});
    let (_, created) = json_body(app.post_json("/admin/contents", Some(&room.reviewer.access), &own).await).await;
    let id = created["id"].as_i64().unwrap();
    act(&app, &room.reviewer, id, "submit", &json!({})).await;
    assert_problem(act(&app, &room.reviewer, id, "approve", &json!({})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    let (_, admins) = json_body(app.post_json("/admin/contents", Some(&room.admin.access), &own).await).await;
    let admins = admins["id"].as_i64().unwrap();
    act(&app, &room.admin, admins, "submit", &json!({})).await;
    assert_problem(act(&app, &room.admin, admins, "approve", &json!({})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    assert_eq!(
        act(&app, &room.reviewer, admins, "approve", &json!({})).await.status(),
        StatusCode::OK,
        "another reviewer can"
    );
}

#[tokio::test]
async fn roles_without_content_rights_are_refused_everywhere() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "权限测试", "正文").await;
    let learner = app.register("curious_pupil").await;
    let org_admin = app.staff(&room.admin, "school_admin", "org_admin", None).await;
    for who in [&learner, &org_admin] {
        assert_problem(app.get("/admin/contents", Some(&who.access)).await, StatusCode::FORBIDDEN, "forbidden").await;
        assert_problem(
            app.get(&format!("/admin/contents/{id}"), Some(&who.access)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        let res = app.post_json("/admin/contents", Some(&who.access), &json!({"kind": "article"})).await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        for action in ["submit", "approve", "reject"] {
            let res = act(&app, who, id, action, &json!({"reason": "x"})).await;
            assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
        let res = app
            .request(reqwest::Method::DELETE, &format!("/admin/contents/{id}"), Some(&who.access))
            .send()
            .await
            .unwrap();
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // Editors cannot approve or reject.
    act(&app, &room.editor, id, "submit", &json!({})).await;
    let other_editor = app.staff(&room.admin, "editor_two", "editor", None).await;
    assert_problem(act(&app, &other_editor, id, "approve", &json!({})).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_problem(
        act(&app, &other_editor, id, "reject", &json!({"reason": "x"})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn transitions_from_the_wrong_state_are_conflicts() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "状态机", "正文").await;
    assert_problem(act(&app, &room.reviewer, id, "approve", &json!({})).await, StatusCode::CONFLICT, "invalid_state")
        .await;
    assert_problem(
        act(&app, &room.reviewer, id, "reject", &json!({"reason": "x"})).await,
        StatusCode::CONFLICT,
        "invalid_state",
    )
    .await;
    act(&app, &room.editor, id, "submit", &json!({})).await;
    assert_problem(act(&app, &room.editor, id, "submit", &json!({})).await, StatusCode::CONFLICT, "invalid_state")
        .await;
    let res = app
        .patch_json(&format!("/admin/contents/{id}"), Some(&room.editor.access), &json!({"title": "审核中不能改"}))
        .await;
    assert_problem(res, StatusCode::CONFLICT, "invalid_state").await;
    act(&app, &room.reviewer, id, "approve", &json!({})).await;
    assert_problem(act(&app, &room.reviewer, id, "approve", &json!({})).await, StatusCode::CONFLICT, "invalid_state")
        .await;
    assert_problem(act(&app, &room.editor, id, "submit", &json!({})).await, StatusCode::CONFLICT, "invalid_state")
        .await;
    for action in ["submit", "approve"] {
        assert_problem(act(&app, &room.admin, 9999, action, &json!({})).await, StatusCode::NOT_FOUND, "not_found")
            .await;
    }
}

#[tokio::test]
async fn editing_follows_the_state_and_the_role() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "谁能修改", "正文").await;
    let other_editor = app.staff(&room.admin, "editor_two", "editor", None).await;
    let patch = json!({"title": "改过的标题"});
    let res = app.patch_json(&format!("/admin/contents/{id}"), Some(&other_editor.access), &patch).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let (status, edited) =
        json_body(app.patch_json(&format!("/admin/contents/{id}"), Some(&room.reviewer.access), &patch).await).await;
    assert_eq!((status, edited["title"].as_str()), (StatusCode::OK, Some("改过的标题")));
    app.publish(&room, id, None).await;
    let res = app
        .patch_json(&format!("/admin/contents/{id}"), Some(&room.editor.access), &json!({"title": "编辑改已发布"}))
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let (status, corrected) = json_body(
        app.patch_json(&format!("/admin/contents/{id}"), Some(&room.reviewer.access), &json!({"summary": "勘误"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, corrected["status"].as_str()),
        (StatusCode::OK, Some("published")),
        "corrections keep it published"
    );
    let res = app
        .patch_json(&format!("/admin/contents/{id}"), Some(&room.reviewer.access), &json!({"status": "draft"}))
        .await;
    assert_invalid(res, &["status"]).await;
}

#[tokio::test]
async fn deleting_archives_and_hides_from_learners() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.published_article(&room, "将被归档", "正文").await;
    let res = app
        .request(reqwest::Method::DELETE, &format!("/admin/contents/{id}"), Some(&room.editor.access))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    for _ in 0..2 {
        let res = app
            .request(reqwest::Method::DELETE, &format!("/admin/contents/{id}"), Some(&room.reviewer.access))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(status_of(&app, &room, id).await["status"], "archived");
    assert_problem(app.get(&format!("/contents/{id}"), None).await, StatusCode::NOT_FOUND, "not_found").await;
    let own = app.draft_article(&room, "自己的草稿", "正文").await;
    let res = app
        .request(reqwest::Method::DELETE, &format!("/admin/contents/{own}"), Some(&room.editor.access))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT, "authors archive their own drafts");
    assert_problem(act(&app, &room.editor, own, "submit", &json!({})).await, StatusCode::CONFLICT, "invalid_state")
        .await;
}

#[tokio::test]
async fn content_fields_are_checked() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let base = json!({"kind": "article", "title": "标题", "body_markdown": "正文", "topic": room.topic["slug"], "audiences": ["public"]});
    let cases = [
        (json!({"title": ""}), vec!["title"]),
        (json!({"audiences": []}), vec!["audiences"]),
        (json!({"audiences": ["martians"]}), vec!["audiences[0]"]),
        (json!({"topic": "no-such-topic"}), vec!["topic"]),
        (json!({"body_markdown": "   "}), vec!["body_markdown"]),
        (json!({"tags": ["一个超过二十个字符的标签一个超过二十个字符的标签"]}), vec!["tags"]),
        (json!({"media_id": 1}), vec!["media_id"]),
        (json!({"status": "published"}), vec!["status"]),
    ];
    for (change, fields) in cases {
        let mut body = base.clone();
        body.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
        let res = app.post_json("/admin/contents", Some(&room.editor.access), &body).await;
        assert_invalid(res, &fields).await;
    }
    let res = app
        .post_json(
            "/admin/contents",
            Some(&room.editor.access),
            &json!({"kind": "video", "title": "无文件", "topic": room.topic["id"], "audiences": ["public"]}),
        )
        .await;
    assert_invalid(res, &["media_id"]).await;
    let res = app.post_json("/admin/contents", Some(&room.editor.access), &json!({"kind": "poem"})).await;
    assert_invalid(res, &["kind"]).await;
}

#[tokio::test]
async fn every_edit_and_transition_is_in_the_audit_log() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "审计", "正文").await;
    app.patch_json(&format!("/admin/contents/{id}"), Some(&room.editor.access), &json!({"title": "审计2"})).await;
    act(&app, &room.editor, id, "submit", &json!({})).await;
    act(&app, &room.reviewer, id, "reject", &json!({"reason": "再改改"})).await;
    act(&app, &room.editor, id, "submit", &json!({})).await;
    act(&app, &room.reviewer, id, "approve", &json!({})).await;
    app.request(reqwest::Method::DELETE, &format!("/admin/contents/{id}"), Some(&room.admin.access))
        .send()
        .await
        .unwrap();

    let path = format!("/admin/audit-log?target_type=content&target_id={id}&limit=100");
    let (status, log) = json_body(app.get(&path, Some(&room.admin.access)).await).await;
    assert_eq!(status, StatusCode::OK);
    let entries: Vec<(String, i64)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| (e["action"].as_str().unwrap().to_owned(), e["actor_id"].as_i64().unwrap()))
        .collect();
    let (editor, reviewer, admin) = (room.editor.id, room.reviewer.id, room.admin.id);
    assert_eq!(
        entries,
        [
            ("content.create".to_owned(), editor),
            ("content.update".to_owned(), editor),
            ("content.submit".to_owned(), editor),
            ("content.reject".to_owned(), reviewer),
            ("content.submit".to_owned(), editor),
            ("content.approve".to_owned(), reviewer),
            ("content.archive".to_owned(), admin),
        ]
    );
    let reject = log["items"].as_array().unwrap().iter().find(|e| e["action"] == "content.reject").unwrap();
    assert_eq!(reject["detail"]["reason"], "再改改");

    let (_, by_actor) = json_body(
        app.get(&format!("/admin/audit-log?actor_id={reviewer}&action=content.approve"), Some(&room.admin.access))
            .await,
    )
    .await;
    assert_eq!(by_actor["items"].as_array().unwrap().len(), 1);
    assert_problem(app.get("/admin/audit-log", Some(&room.reviewer.access)).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
}

#[tokio::test]
async fn the_audit_log_pages_newest_first() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    for i in 0..5 {
        app.draft_article(&room, &format!("文章{i}"), "正文").await;
    }
    let (_, first) = json_body(app.get("/admin/audit-log?limit=3", Some(&room.admin.access)).await).await;
    let (_, second) = json_body(
        app.get(
            &format!("/admin/audit-log?limit=3&cursor={}", first["next_cursor"].as_str().unwrap()),
            Some(&room.admin.access),
        )
        .await,
    )
    .await;
    let ids: Vec<i64> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(ids, sorted, "strictly newest first, no repeats");
}
