//! The publishing workflow: every transition, each refusal per role, and the audit log.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tongxin::db::schema::contents;

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
    assert_eq!(edited["revised_by"], json!([room.editor.id, room.reviewer.id]), "the reviewer wrote part of it");
    act(&app, &room.editor, id, "submit", &json!({})).await;
    assert_eq!(act(&app, &room.admin, id, "approve", &json!({})).await.status(), StatusCode::OK);

    // Published: the author and reviewers propose changes; other editors cannot.
    let res = app
        .patch_json(&format!("/admin/contents/{id}"), Some(&other_editor.access), &json!({"title": "别人改已发布"}))
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let (status, proposed) = json_body(
        app.patch_json(&format!("/admin/contents/{id}"), Some(&room.editor.access), &json!({"title": "作者的更正"}))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((proposed["status"].as_str(), proposed["title"].as_str()), (Some("published"), Some("改过的标题")));
    assert_eq!(proposed["revision"]["title"], "作者的更正");
    let (status, corrected) = json_body(
        app.patch_json(&format!("/admin/contents/{id}"), Some(&room.reviewer.access), &json!({"summary": "勘误"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, corrected["status"].as_str(), corrected["summary"].as_str()),
        (StatusCode::OK, Some("published"), Some("谁能修改的摘要")),
        "corrections keep it published and the published text as it was"
    );
    assert_eq!(
        (corrected["revision"]["title"].as_str(), corrected["revision"]["summary"].as_str()),
        (Some("作者的更正"), Some("勘误"))
    );
    assert_eq!(corrected["revised_by"], json!([room.editor.id, room.reviewer.id]));
    // A change in review is not edited; the status is not a field.
    act(&app, &room.editor, id, "submit", &json!({})).await;
    let res =
        app.patch_json(&format!("/admin/contents/{id}"), Some(&room.reviewer.access), &json!({"title": "x"})).await;
    assert_problem(res, StatusCode::CONFLICT, "invalid_state").await;
    let res = app
        .patch_json(&format!("/admin/contents/{id}"), Some(&room.reviewer.access), &json!({"status": "draft"}))
        .await;
    assert_invalid(res, &["status"]).await;
}

/// The four-eyes hole of issue 13: a reviewer rewrites another editor's draft, submits
/// it and approves it, so the public reads text nobody else checked.
#[tokio::test]
async fn a_reviewer_who_edited_a_draft_cannot_approve_it() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "编辑的草稿", "编辑写的正文").await;
    let res = app
        .patch_json(
            &format!("/admin/contents/{id}"),
            Some(&room.reviewer.access),
            &json!({"body_markdown": "审核员改写的正文"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, submitted) = json_body(act(&app, &room.reviewer, id, "submit", &json!({})).await).await;
    assert_eq!((status, submitted["status"].as_str()), (StatusCode::OK, Some("in_review")));
    assert_eq!(submitted["revised_by"], json!([room.editor.id, room.reviewer.id]));
    assert_eq!(submitted["submitted_by"], room.reviewer.id);
    assert_problem(act(&app, &room.reviewer, id, "approve", &json!({})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    assert_eq!(status_of(&app, &room, id).await["status"], "in_review", "nothing happened");
    assert_problem(app.get(&format!("/contents/{id}"), None).await, StatusCode::NOT_FOUND, "not_found").await;

    // Someone who neither wrote nor submitted it can.
    let (status, published) = json_body(act(&app, &room.admin, id, "approve", &json!({})).await).await;
    assert_eq!((status, published["status"].as_str()), (StatusCode::OK, Some("published")));
    assert_eq!((published["revised_by"].clone(), published["submitted_by"].clone()), (json!([]), Value::Null));
    let (_, detail) = json_body(app.get(&format!("/contents/{id}"), None).await).await;
    assert_eq!(detail["body_markdown"], "审核员改写的正文");
    let path = format!("/admin/audit-log?target_type=content&target_id={id}&action=content.approve");
    let (_, log) = json_body(app.get(&path, Some(&room.admin.access)).await).await;
    let approval = &log["items"][0];
    assert_eq!(approval["actor_id"], room.admin.id);
    assert_eq!(approval["detail"]["revised_by"], json!([room.editor.id, room.reviewer.id]));
    assert_eq!(approval["detail"]["submitted_by"], room.reviewer.id);
}

#[tokio::test]
async fn whoever_submitted_a_draft_cannot_approve_it() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let second = app.staff(&room.admin, "reviewer_zhao", "reviewer", None).await;
    let id = app.draft_article(&room, "审核员提交的", "正文").await;
    act(&app, &room.reviewer, id, "submit", &json!({})).await;
    assert_eq!(status_of(&app, &room, id).await["revised_by"], json!([room.editor.id]), "submitting is not writing");
    assert_problem(act(&app, &room.reviewer, id, "approve", &json!({})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    let (status, published) = json_body(act(&app, &second, id, "approve", &json!({})).await).await;
    assert_eq!((status, published["reviewer_id"].as_i64()), (StatusCode::OK, Some(second.id)));
}

/// Feed titles, detail and search for learners, and the staff view.
async fn learner_sees(app: &TestApp, id: i64, query: &str) -> (Vec<String>, Value, Vec<i64>) {
    let (_, page) = json_body(app.get("/contents", None).await).await;
    let titles = page["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect();
    let (status, detail) = json_body(app.get(&format!("/contents/{id}?locale=en"), None).await).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    let (_, found) = json_body(app.get(&format!("/contents?q={query}"), None).await).await;
    let found = found["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    (titles, detail, found)
}

#[tokio::test]
async fn a_change_to_a_published_article_stays_out_of_sight_until_another_reviewer_approves_it() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.published_article(&room, "旧标题", "旧正文讲石榴籽").await;
    let (_, poster) = json_body(app.upload(&room.editor.access, POSTER, "cover.jpg", "image/jpeg").await).await;
    let cover = poster["id"].as_i64().unwrap();
    // Warm the cached pages first: they must not change either.
    let (titles, detail, _) = learner_sees(&app, id, "%E7%9F%B3%E6%A6%B4").await;
    assert_eq!((titles, detail["locale"].as_str()), (vec!["旧标题".to_owned()], Some("zh-Hans")));

    let change = json!({"title": "新标题", "body_markdown": "新正文讲团结", "tags": ["新标签"], "audiences": ["cadre"], "cover_media_id": cover});
    let (status, staff) =
        json_body(app.patch_json(&format!("/admin/contents/{id}"), Some(&room.reviewer.access), &change).await).await;
    assert_eq!(status, StatusCode::OK, "{staff}");
    let translation = json!({"title": "New title", "summary": "New", "body_markdown": "About unity"});
    let res = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/admin/contents/{id}/translations/en"),
            Some(&room.reviewer.access),
            &translation,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let staff = status_of(&app, &room, id).await;
    assert_eq!(
        (staff["status"].as_str(), staff["title"].as_str(), staff["version"].as_i64()),
        (Some("published"), Some("旧标题"), Some(1))
    );
    assert_eq!(staff["translations"], json!([]), "the published version has no translation yet");
    let revision = &staff["revision"];
    assert_eq!((revision["status"].as_str(), revision["title"].as_str()), (Some("draft"), Some("新标题")));
    assert_eq!((revision["tags"].clone(), revision["audiences"].clone()), (json!(["新标签"]), json!(["cadre"])));
    assert_eq!(revision["translations"][0]["title"], "New title");
    assert_eq!(staff["revised_by"], json!([room.reviewer.id]));

    // Learners see exactly the approved text: feed, detail, search, the new cover.
    let check_old = || async {
        let (titles, detail, found) = learner_sees(&app, id, "%E7%9F%B3%E6%A6%B4").await;
        assert_eq!(titles, vec!["旧标题".to_owned()]);
        assert_eq!((detail["title"].as_str(), detail["locale"].as_str()), (Some("旧标题"), Some("zh-Hans")));
        assert_eq!(detail["body_markdown"], "旧正文讲石榴籽");
        assert_eq!(
            (detail["tags"].clone(), detail["audiences"].clone()),
            (json!(["示例"]), json!(["junior", "public"]))
        );
        assert_eq!(found, vec![id], "the old words are still found");
        let (_, new_words) = json_body(app.get("/contents?q=%E5%9B%A2%E7%BB%93", None).await).await;
        assert_eq!(new_words["items"], json!([]), "the new words are not");
        assert_eq!(app.get(&format!("/media/{cover}"), None).await.status(), StatusCode::NOT_FOUND);
    };
    check_old().await;
    act(&app, &room.reviewer, id, "submit", &json!({})).await;
    check_old().await;
    assert_problem(act(&app, &room.reviewer, id, "approve", &json!({})).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    assert_problem(act(&app, &room.editor, id, "approve", &json!({})).await, StatusCode::FORBIDDEN, "forbidden").await;
    check_old().await;
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let res = act(&app, &room.admin, id, "approve", &json!({"publish_at": later})).await;
    assert_invalid(res, &["publish_at"]).await;
    check_old().await;

    let (status, approved) = json_body(act(&app, &room.admin, id, "approve", &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!((approved["title"].as_str(), approved["version"].as_i64()), (Some("新标题"), Some(2)));
    assert_eq!((approved["revision"].clone(), approved["revised_by"].clone()), (Value::Null, json!([])));
    assert_eq!(approved["publish_at"], staff["publish_at"], "a correction keeps its place in the feed");
    let (titles, detail, found) = learner_sees(&app, id, "%E5%9B%A2%E7%BB%93").await;
    assert_eq!(titles, vec!["新标题".to_owned()]);
    assert_eq!((detail["title"].as_str(), detail["body_markdown"].as_str()), (Some("New title"), Some("About unity")));
    assert_eq!(found, vec![id]);
    let (_, old_words) = json_body(app.get("/contents?q=%E7%9F%B3%E6%A6%B4", None).await).await;
    assert_eq!(old_words["items"], json!([]));
    assert_eq!(app.get(&format!("/media/{cover}"), None).await.status(), StatusCode::OK);
    let mut db = app.db();
    let stored: (Option<String>, Option<String>, String) = contents::table
        .find(id)
        .select((contents::revision_status, contents::revision, contents::revised_by))
        .first(&mut db)
        .unwrap();
    assert_eq!(stored, (None, None, "[]".to_owned()), "nothing pending is left");

    let path = format!("/admin/audit-log?target_type=content&target_id={id}&limit=100");
    let (_, log) = json_body(app.get(&path, Some(&room.admin.access)).await).await;
    let entries: Vec<(String, i64, Value)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .skip(3)
        .map(|e| {
            (e["action"].as_str().unwrap().to_owned(), e["actor_id"].as_i64().unwrap(), e["detail"]["revision"].clone())
        })
        .collect();
    let (reviewer, admin) = (room.reviewer.id, room.admin.id);
    assert_eq!(
        entries,
        [
            ("content.update".to_owned(), reviewer, json!(true)),
            ("content.translate".to_owned(), reviewer, json!(true)),
            ("content.submit".to_owned(), reviewer, json!(true)),
            ("content.approve".to_owned(), admin, json!(true)),
        ]
    );
}

#[tokio::test]
async fn a_rejected_change_leaves_the_published_article_as_it_was() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.published_article(&room, "已发布", "原文").await;
    let res = app
        .patch_json(&format!("/admin/contents/{id}"), Some(&room.editor.access), &json!({"title": "被退回的更正"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(act(&app, &room.editor, id, "submit", &json!({})).await.status(), StatusCode::OK);
    let (status, rejected) =
        json_body(act(&app, &room.reviewer, id, "reject", &json!({"reason": "标题不准确"})).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((rejected["status"].as_str(), rejected["title"].as_str()), (Some("published"), Some("已发布")));
    assert_eq!(
        (rejected["revision"]["status"].as_str(), rejected["revision"]["title"].as_str()),
        (Some("draft"), Some("被退回的更正"))
    );
    assert_eq!(
        (rejected["reject_reason"].as_str(), rejected["submitted_by"].clone()),
        (Some("标题不准确"), Value::Null)
    );
    let (status, detail) = json_body(app.get(&format!("/contents/{id}"), None).await).await;
    assert_eq!((status, detail["title"].as_str()), (StatusCode::OK, Some("已发布")));
    assert_eq!(json_body(app.get("/contents", None).await).await.1["items"][0]["title"], "已发布");

    // Its writer gives up the change: nothing live is touched, and it is audited.
    let learner = app.register("reader_of_old").await;
    assert_problem(discard_of(&app, &learner, id).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(discard_of(&app, &room.editor, id).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(discard_of(&app, &room.editor, id).await.status(), StatusCode::NO_CONTENT, "idempotent");
    let after = status_of(&app, &room, id).await;
    assert_eq!(
        (after["revision"].clone(), after["title"].as_str(), after["version"].as_i64()),
        (Value::Null, Some("已发布"), Some(1))
    );
    assert_problem(act(&app, &room.editor, id, "submit", &json!({})).await, StatusCode::CONFLICT, "invalid_state")
        .await;
    let draft = app.draft_article(&room, "草稿没有待审更正", "正文").await;
    assert_problem(discard_of(&app, &room.editor, draft).await, StatusCode::CONFLICT, "invalid_state").await;
    let path = format!("/admin/audit-log?target_type=content&target_id={id}&action=content.discard_revision");
    let (_, log) = json_body(app.get(&path, Some(&room.admin.access)).await).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log["items"][0]["actor_id"], room.editor.id);
}

async fn discard_of(app: &TestApp, who: &Session, id: i64) -> reqwest::Response {
    app.request(reqwest::Method::DELETE, &format!("/admin/contents/{id}/revision"), Some(&who.access))
        .send()
        .await
        .unwrap()
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
    // A topic that does not exist, as the only fault: 404; with another fault: 422.
    let mut body = base.clone();
    body["topic"] = json!("no-such-topic");
    let res = app.post_json("/admin/contents", Some(&room.editor.access), &body).await;
    let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
    assert_eq!(error_fields(&problem), ["topic"]);
    body["title"] = json!("");
    let res = app.post_json("/admin/contents", Some(&room.editor.access), &body).await;
    assert_invalid(res, &["title"]).await;
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

#[tokio::test]
async fn a_staff_list_filtered_on_a_topic_that_does_not_exist_is_an_unknown_reference() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    app.draft_article(&room, "有专题", "正文").await;
    for path in ["/admin/contents", "/admin/questions"] {
        let res = app.get(&format!("{path}?topic=no-such-topic"), Some(&room.editor.access)).await;
        let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
        assert_eq!(error_fields(&problem), ["topic"], "{path}");
        let res = app.get(&format!("{path}?topic=4242"), Some(&room.editor.access)).await;
        assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
        let (status, page) =
            json_body(app.get(&format!("{path}?topic=ethnic-view"), Some(&room.editor.access)).await).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
    }
}

#[tokio::test]
async fn an_edit_with_fields_of_the_other_kind_conflicts_with_the_stored_kind() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "文章", "正文").await;
    let path = format!("/admin/contents/{id}");
    let res = app.patch_json(&path, Some(&room.editor.access), &json!({"media_id": 1})).await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    let res = app.patch_json(&path, Some(&room.editor.access), &json!({"kind": "video"})).await;
    assert_invalid(res, &["kind"]).await;
    let res = app.patch_json(&path, Some(&room.editor.access), &json!({"topic": "no-such-topic"})).await;
    assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
    let res = app
        .send_json(
            reqwest::Method::PUT,
            &format!("{path}/translations/en"),
            Some(&room.editor.access),
            &json!({"title": "No body"}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
}

#[tokio::test]
async fn a_rejection_reason_is_at_most_500_characters_as_sent_and_not_blank() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.draft_article(&room, "待审", "正文").await;
    let res = app.post_json(&format!("/admin/contents/{id}/submit"), Some(&room.editor.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let reject = format!("/admin/contents/{id}/reject");
    for reason in [" ".repeat(3), format!("{} ", "改".repeat(500))] {
        let res = app.post_json(&reject, Some(&room.reviewer.access), &json!({"reason": reason})).await;
        assert_invalid(res, &["reason"]).await;
    }
    let res = app
        .post_json(&reject, Some(&room.reviewer.access), &json!({"reason": format!(" {} ", "改".repeat(498))}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}
