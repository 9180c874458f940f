//! Campaigns: the review workflow, visibility by window and organization scope, attached
//! contents and quizzes, the feed filter, the campaign leaderboard and its multiplier.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tongxin::clock::Clock as _;
use tongxin::db::schema::points_ledger;

use crate::helpers::*;

fn at(app: &TestApp, offset: Duration) -> String {
    (app.clock.now() + offset).to_rfc3339()
}

fn share(content: i64, when: DateTime<Utc>) -> Value {
    json!({"id": uuid::Uuid::new_v4().to_string(), "kind": "share", "content_id": content, "occurred_at": when.to_rfc3339()})
}

async fn send(app: &TestApp, who: &Session, events: &[Value]) {
    let (status, body) = json_body(app.post_json("/events", Some(&who.access), &json!({"events": events})).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Creates a campaign as the editor and has the reviewer publish it; returns its id.
async fn published_campaign(app: &TestApp, room: &Newsroom, body: Value) -> i64 {
    let (status, created) = json_body(app.post_json("/admin/campaigns", Some(&room.editor.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let res = app.post_json(&format!("/admin/campaigns/{id}/submit"), Some(&room.editor.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post_json(&format!("/admin/campaigns/{id}/approve"), Some(&room.reviewer.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    id
}

async fn listed(app: &TestApp, status: &str, token: Option<&str>) -> Vec<i64> {
    let (code, page) = json_body(app.get(&format!("/campaigns?status={status}"), token).await).await;
    assert_eq!(code, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect()
}

/// A county with two schools and a learner who joined each with its code.
struct County {
    school_a: Value,
    in_a: Session,
    in_b: Session,
}

async fn county(app: &TestApp, room: &Newsroom) -> County {
    let county = app.create_org(&room.admin, "示范县", "county", None).await;
    let school_a = app.create_org(&room.admin, "第一中学", "school", county["id"].as_i64()).await;
    let school_b = app.create_org(&room.admin, "第二中学", "school", county["id"].as_i64()).await;
    let in_a = app.register_with("student_a", json!({"org_code": school_a["join_code"]})).await;
    let in_b = app.register_with("student_b", json!({"org_code": school_b["join_code"]})).await;
    County { school_a, in_a, in_b }
}

#[tokio::test]
async fn a_campaign_goes_through_review_and_nobody_approves_their_own() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let body = json!({"title": "民族团结进步宣传月", "kind": "publicity_month", "starts_at": at(&app, -Duration::hours(1)), "ends_at": at(&app, Duration::days(30))});
    let (status, draft) = json_body(app.post_json("/admin/campaigns", Some(&room.editor.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!((draft["status"].as_str(), draft["phase"].as_str()), (Some("draft"), Some("active")));
    assert_eq!(draft["points_multiplier"], 1.0);
    let id = draft["id"].as_i64().unwrap();
    let learner = app.register("early_bird").await;
    assert!(listed(&app, "active", Some(&learner.access)).await.is_empty(), "drafts are not shown");
    assert_problem(app.get(&format!("/campaigns/{id}"), None).await, StatusCode::NOT_FOUND, "not_found").await;

    let res = app.post_json(&format!("/admin/campaigns/{id}/submit"), Some(&room.editor.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let own = app.post_json(&format!("/admin/campaigns/{id}/approve"), Some(&room.editor.access), &json!({})).await;
    assert_problem(own, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app.post_json(&format!("/admin/campaigns/{id}/reject"), Some(&room.reviewer.access), &json!({})).await;
    assert_invalid(res, &["reason"]).await;
    let (status, approved) = json_body(
        app.post_json(&format!("/admin/campaigns/{id}/approve"), Some(&room.reviewer.access), &json!({})).await,
    )
    .await;
    assert_eq!((status, approved["status"].as_str()), (StatusCode::OK, Some("published")), "{approved}");
    assert_eq!(listed(&app, "active", None).await, vec![id]);

    let res = app.request(Method::DELETE, &format!("/admin/campaigns/{id}"), Some(&room.reviewer.access)).send().await;
    assert_eq!(res.unwrap().status(), StatusCode::NO_CONTENT);
    assert!(listed(&app, "active", None).await.is_empty(), "archived campaigns are gone for learners");
    let (_, log) = json_body(app.get("/admin/audit-log?target_type=campaign", Some(&room.admin.access)).await).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for action in ["campaign.create", "campaign.submit", "campaign.approve", "campaign.archive"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
}

#[tokio::test]
async fn a_change_to_a_published_campaign_stays_out_of_sight_until_another_reviewer_approves_it() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let first = app.published_article(&room, "第一篇", "正文").await;
    let second = app.published_article(&room, "第二篇", "正文").await;
    let body = json!({"title": "宣传周", "kind": "publicity_week", "starts_at": at(&app, -Duration::hours(1)), "ends_at": at(&app, Duration::days(7)), "content_ids": [first]});
    let id = published_campaign(&app, &room, body).await;
    let learner_view = || async {
        let (status, detail) = json_body(app.get(&format!("/campaigns/{id}"), None).await).await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        let (_, feed) = json_body(app.get(&format!("/contents?campaign={id}"), None).await).await;
        let ids: Vec<i64> = feed["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
        (detail["title"].as_str().unwrap().to_owned(), detail["content_ids"].clone(), ids)
    };
    let original = ("宣传周".to_owned(), json!([first]), vec![first]);
    let path = |action: &str| format!("/admin/campaigns/{id}{action}");

    let change = json!({"title": "宣传月", "content_ids": [first, second], "ends_at": at(&app, Duration::days(30))});
    let (status, staff) = json_body(app.patch_json(&path(""), Some(&room.reviewer.access), &change).await).await;
    assert_eq!(status, StatusCode::OK, "{staff}");
    assert_eq!((staff["title"].as_str(), staff["content_ids"].clone()), (Some("宣传周"), json!([first])));
    let revision = &staff["revision"];
    assert_eq!((revision["status"].as_str(), revision["title"].as_str()), (Some("draft"), Some("宣传月")));
    assert_eq!(revision["content_ids"], json!([first, second]));
    assert_eq!(staff["revised_by"], json!([room.reviewer.id]));
    assert_eq!(learner_view().await, original);
    let res = app.post_json(&path("/submit"), Some(&room.reviewer.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(learner_view().await, original);
    let own = app.post_json(&path("/approve"), Some(&room.reviewer.access), &json!({})).await;
    assert_problem(own, StatusCode::FORBIDDEN, "forbidden").await;
    let later = json!({"publish_at": at(&app, Duration::days(1))});
    assert_invalid(app.post_json(&path("/approve"), Some(&room.admin.access), &later).await, &["publish_at"]).await;
    assert_eq!(learner_view().await, original);

    let (status, approved) =
        json_body(app.post_json(&path("/approve"), Some(&room.admin.access), &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!((approved["revision"].clone(), approved["content_ids"].clone()), (Value::Null, json!([first, second])));
    let (title, content_ids, mut feed) = learner_view().await;
    feed.sort_unstable();
    assert_eq!((title.as_str(), content_ids, feed), ("宣传月", json!([first, second]), vec![first, second]));

    let (_, log) = json_body(
        app.get(&format!("/admin/audit-log?target_type=campaign&target_id={id}"), Some(&room.admin.access)).await,
    )
    .await;
    let entries: Vec<(&str, i64)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .skip(3)
        .map(|e| (e["action"].as_str().unwrap(), e["actor_id"].as_i64().unwrap()))
        .collect();
    let (reviewer, admin) = (room.reviewer.id, room.admin.id);
    assert_eq!(entries, [("campaign.update", reviewer), ("campaign.submit", reviewer), ("campaign.approve", admin)]);
}

#[tokio::test]
async fn a_rejected_change_to_a_campaign_leaves_it_as_it_was() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let body = json!({"title": "知识竞赛", "kind": "contest", "starts_at": at(&app, -Duration::hours(1)), "ends_at": at(&app, Duration::days(7))});
    let id = published_campaign(&app, &room, body).await;
    let res = app
        .patch_json(&format!("/admin/campaigns/{id}"), Some(&room.editor.access), &json!({"points_multiplier": 5.0}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    app.post_json(&format!("/admin/campaigns/{id}/submit"), Some(&room.editor.access), &json!({})).await;
    let (status, rejected) = json_body(
        app.post_json(
            &format!("/admin/campaigns/{id}/reject"),
            Some(&room.reviewer.access),
            &json!({"reason": "倍数过高"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (rejected["points_multiplier"].as_f64(), rejected["revision"]["points_multiplier"].as_f64()),
        (Some(1.0), Some(5.0))
    );
    assert_eq!(
        (rejected["revision"]["status"].as_str(), rejected["reject_reason"].as_str()),
        (Some("draft"), Some("倍数过高"))
    );
    let (_, detail) = json_body(app.get(&format!("/campaigns/{id}"), None).await).await;
    assert_eq!(detail["points_multiplier"], 1.0, "{detail}");
    let res =
        app.request(Method::DELETE, &format!("/admin/campaigns/{id}/revision"), Some(&room.editor.access)).send().await;
    assert_eq!(res.unwrap().status(), StatusCode::NO_CONTENT);
    let (_, staff) = json_body(app.get(&format!("/admin/campaigns/{id}"), Some(&room.editor.access)).await).await;
    assert_eq!((staff["revision"].clone(), staff["points_multiplier"].as_f64()), (Value::Null, Some(1.0)));
}

#[tokio::test]
async fn learners_see_a_campaign_by_its_window_and_only_inside_its_organization_scope() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let c = county(&app, &room).await;
    let scoped = published_campaign(
        &app,
        &room,
        json!({"title": "一中民族团结周", "kind": "publicity_week", "org_id": c.school_a["id"], "starts_at": at(&app, -Duration::hours(1)), "ends_at": at(&app, Duration::days(7))}),
    )
    .await;
    let later = published_campaign(
        &app,
        &room,
        json!({"title": "全县知识竞赛", "kind": "contest", "starts_at": at(&app, Duration::days(2)), "ends_at": at(&app, Duration::days(9))}),
    )
    .await;

    assert_eq!(listed(&app, "active", Some(&c.in_a.access)).await, vec![scoped]);
    assert!(listed(&app, "active", Some(&c.in_b.access)).await.is_empty(), "another school does not see it");
    assert!(listed(&app, "active", None).await.is_empty(), "nor does an anonymous reader");
    let res = app.get(&format!("/campaigns/{scoped}"), Some(&c.in_b.access)).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let (status, detail) = json_body(app.get(&format!("/campaigns/{scoped}"), Some(&c.in_a.access)).await).await;
    assert_eq!((status, detail["status"].as_str()), (StatusCode::OK, Some("active")), "{detail}");
    assert_eq!(listed(&app, "upcoming", Some(&c.in_b.access)).await, vec![later]);
    assert_eq!(listed(&app, "active", None).await.len(), 0);

    app.clock.advance(Duration::days(3));
    let _ = app.login_ok("student_a").await;
    let in_a = app.login_ok("student_a").await;
    assert_eq!(listed(&app, "active", Some(&in_a.access)).await, vec![scoped, later], "ending soonest first");
    app.clock.advance(Duration::days(5));
    let in_a = app.login_ok("student_a").await;
    assert_eq!(listed(&app, "active", Some(&in_a.access)).await, vec![later]);
    assert_eq!(listed(&app, "past", Some(&in_a.access)).await, vec![scoped]);
    assert_problem(
        app.get("/campaigns?status=soon", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[tokio::test]
async fn only_published_contents_and_quizzes_of_a_campaign_show_to_learners() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let published = app.published_article(&room, "民族团结一家亲", "各民族像石榴籽一样紧紧抱在一起。").await;
    let draft = app.draft_article(&room, "尚未发布的文章", "草稿").await;
    let other = app.published_article(&room, "不在活动中的文章", "其他").await;
    let id = published_campaign(
        &app,
        &room,
        json!({"title": "宣传周", "kind": "publicity_week", "starts_at": at(&app, -Duration::hours(1)), "ends_at": at(&app, Duration::days(7)), "content_ids": [draft, published]}),
    )
    .await;
    let (_, staff) = json_body(app.get(&format!("/admin/campaigns/{id}"), Some(&room.editor.access)).await).await;
    assert_eq!(staff["content_ids"], json!([draft, published]), "staff see every attachment in order");

    let (status, detail) = json_body(app.get(&format!("/campaigns/{id}"), None).await).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(detail["content_ids"], json!([published]));
    let titles: Vec<&str> = detail["contents"].as_array().unwrap().iter().filter_map(|c| c["title"].as_str()).collect();
    assert_eq!(titles, vec!["民族团结一家亲"]);
    assert_eq!(detail["quizzes"], json!([]));

    let (_, feed) = json_body(app.get(&format!("/contents?campaign={id}"), None).await).await;
    let ids: Vec<i64> = feed["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![published], "the feed filter keeps the campaign's published contents only");
    assert!(!ids.contains(&other));
    let (_, none) = json_body(app.get("/contents?campaign=999999", None).await).await;
    assert_eq!(none["items"], json!([]), "an unknown campaign has no contents");
}

#[tokio::test]
async fn the_campaign_board_counts_its_contents_points_inside_the_window_with_the_multiplier() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let c = county(&app, &room).await;
    let inside = app.published_article(&room, "石榴籽", "正文").await;
    let outside = app.published_article(&room, "其他文章", "正文").await;
    let id = published_campaign(
        &app,
        &room,
        json!({"title": "双倍积分周", "kind": "themed", "starts_at": at(&app, -Duration::hours(1)), "ends_at": at(&app, Duration::days(1)), "content_ids": [inside], "points_multiplier": 2.0}),
    )
    .await;

    send(&app, &c.in_a, &[share(inside, app.clock.now())]).await;
    send(&app, &c.in_b, &[share(outside, app.clock.now())]).await;
    let board_path = format!("/leaderboards/users?scope=campaign:{id}");
    let (status, board) = json_body(app.get(&board_path, Some(&c.in_b.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{board}");
    assert_eq!(board["items"].as_array().unwrap().len(), 1, "{board}");
    assert_eq!(
        (board["items"][0]["user"]["id"].as_i64(), board["items"][0]["points"].as_i64()),
        (Some(c.in_a.id), Some(2))
    );
    assert_eq!(board["me"], json!({"rank": null, "points": 0}));

    let ledger: Vec<(String, String, i32)> = points_ledger::table
        .filter(points_ledger::user_id.eq(c.in_a.id))
        .filter(points_ledger::action.ne("login"))
        .select((points_ledger::action, points_ledger::source, points_ledger::points))
        .order(points_ledger::id)
        .load(&mut app.db())
        .unwrap();
    let bonus_source = format!("campaign:{id}:content:{inside}");
    assert_eq!(
        ledger,
        vec![("share".to_owned(), format!("content:{inside}"), 1), ("campaign_bonus".to_owned(), bonus_source, 1)]
    );
    let (_, points) = json_body(app.get("/me/points", Some(&c.in_a.access)).await).await;
    assert_eq!(points["total"], 3, "login + share + bonus: {points}");

    // After the window the same kind of fact earns ordinary points only.
    app.clock.advance(Duration::days(2));
    let in_b = app.login_ok("student_b").await;
    send(&app, &in_b, &[share(inside, app.clock.now())]).await;
    let (_, board) = json_body(app.get(&board_path, Some(&in_b.access)).await).await;
    assert_eq!(board["items"].as_array().unwrap().len(), 1, "nothing counted after the end: {board}");
}

#[tokio::test]
async fn campaign_settings_are_checked() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let learner = app.register("curious").await;
    let good = json!({"title": "活动", "kind": "themed", "starts_at": at(&app, Duration::zero()), "ends_at": at(&app, Duration::days(1))});
    let res = app.post_json("/admin/campaigns", Some(&learner.access), &good).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let cases = [
        (json!({"ends_at": at(&app, -Duration::days(1))}), "ends_at"),
        (json!({"ends_at": at(&app, Duration::days(400))}), "ends_at"),
        (json!({"points_multiplier": 0.5}), "points_multiplier"),
        (json!({"points_multiplier": 5.01}), "points_multiplier"),
        (json!({"quiz_ids": [1, 1]}), "quiz_ids"),
        (json!({"title": "  "}), "title"),
    ];
    for (change, field) in cases {
        let mut body = good.clone();
        body.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
        assert_invalid(app.post_json("/admin/campaigns", Some(&room.editor.access), &body).await, &[field]).await;
    }
    for (change, field) in [(json!({"content_ids": [999_999]}), "content_ids"), (json!({"org_id": 999_999}), "org_id")]
    {
        let mut body = good.clone();
        body.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
        let res = app.post_json("/admin/campaigns", Some(&room.editor.access), &body).await;
        let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
        assert_eq!(error_fields(&problem), [field]);
    }
    let res = app.post_json("/admin/campaigns", Some(&room.editor.access), &json!({"title": "缺字段"})).await;
    assert_invalid(res, &["kind", "starts_at", "ends_at"]).await;
    let res = app
        .send_json(
            Method::PUT,
            "/admin/point-rules",
            Some(&room.admin.access),
            &json!({"rules": [{"action": "campaign_bonus", "points": 1, "daily_cap": null, "enabled": true}]}),
        )
        .await;
    assert_invalid(res, &["rules[0].action"]).await;
    assert_problem(
        app.get("/admin/campaigns/999999", Some(&room.editor.access)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn a_contest_quiz_in_a_campaign_counts_for_its_board() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let question = json!({"kind": "true_false", "stem": "中华民族是一个大家庭", "answer": true, "explanation": "是", "topic": room.topic["slug"]});
    let (status, q) = json_body(app.post_json("/admin/questions", Some(&room.editor.access), &question).await).await;
    assert_eq!(status, StatusCode::CREATED, "{q}");
    let settings = json!({"title": "知识竞赛", "mode": "contest", "question_ids": [q["id"]], "points_per_correct": 4, "review": "after_submit"});
    let (status, quiz) = json_body(app.post_json("/admin/quizzes", Some(&room.editor.access), &settings).await).await;
    assert_eq!(status, StatusCode::CREATED, "{quiz}");
    let quiz_id = quiz["id"].as_i64().unwrap();
    app.post_json(&format!("/admin/quizzes/{quiz_id}/submit"), Some(&room.editor.access), &json!({})).await;
    app.post_json(&format!("/admin/quizzes/{quiz_id}/approve"), Some(&room.reviewer.access), &json!({})).await;
    let id = published_campaign(
        &app,
        &room,
        json!({"title": "竞赛", "kind": "contest", "starts_at": at(&app, -Duration::hours(1)), "ends_at": at(&app, Duration::days(3)), "quiz_ids": [quiz_id], "points_multiplier": 1.5}),
    )
    .await;
    let learner = app.register("contestant").await;
    let (status, attempt) =
        json_body(app.post_json(&format!("/quizzes/{quiz_id}/attempts"), Some(&learner.access), &json!({})).await)
            .await;
    assert_eq!(status, StatusCode::CREATED, "{attempt}");
    let attempt_id = attempt["id"].as_i64().unwrap();
    let body = json!({"answers": [{"question_id": q["id"], "response": true}]});
    let (status, done) =
        json_body(app.post_json(&format!("/attempts/{attempt_id}/submit"), Some(&learner.access), &body).await).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let (_, board) =
        json_body(app.get(&format!("/leaderboards/users?scope=campaign:{id}"), Some(&learner.access)).await).await;
    assert_eq!(board["me"], json!({"rank": 1, "points": 6}), "4 for the right answer, 2 more from the ×1.5: {board}");
    let (_, detail) = json_body(app.get(&format!("/campaigns/{id}"), Some(&learner.access)).await).await;
    assert_eq!(detail["quizzes"][0]["id"], quiz_id);
}

/// A published contest quiz of `count` true/false questions (all answered `true`) worth
/// `per_correct` points each, with no attempt limit; returns (quiz, question ids).
async fn contest_quiz(app: &TestApp, room: &Newsroom, count: usize, per_correct: i64) -> (i64, Vec<i64>) {
    let mut ids = Vec::new();
    for i in 0..count {
        let question = json!({"kind": "true_false", "stem": format!("第{i}题：各民族一律平等"), "answer": true, "explanation": "是", "topic": room.topic["slug"]});
        let (status, q) =
            json_body(app.post_json("/admin/questions", Some(&room.editor.access), &question).await).await;
        assert_eq!(status, StatusCode::CREATED, "{q}");
        ids.push(q["id"].as_i64().unwrap());
    }
    let settings = json!({"title": "知识竞赛", "mode": "contest", "question_ids": ids, "points_per_correct": per_correct, "review": "after_submit"});
    let (status, quiz) = json_body(app.post_json("/admin/quizzes", Some(&room.editor.access), &settings).await).await;
    assert_eq!(status, StatusCode::CREATED, "{quiz}");
    let id = quiz["id"].as_i64().unwrap();
    app.post_json(&format!("/admin/quizzes/{id}/submit"), Some(&room.editor.access), &json!({})).await;
    let res = app.post_json(&format!("/admin/quizzes/{id}/approve"), Some(&room.reviewer.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    (id, ids)
}

/// Starts an attempt and submits it with `right` of the questions answered right (the
/// rest wrong); returns the submitted attempt.
async fn take(app: &TestApp, who: &Session, quiz: i64, questions: &[i64], right: usize) -> Value {
    let (status, attempt) =
        json_body(app.post_json(&format!("/quizzes/{quiz}/attempts"), Some(&who.access), &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{attempt}");
    let answers: Vec<Value> =
        questions.iter().enumerate().map(|(i, q)| json!({"question_id": q, "response": i < right})).collect();
    let path = format!("/attempts/{}/submit", attempt["id"]);
    let (status, done) = json_body(app.post_json(&path, Some(&who.access), &json!({"answers": answers})).await).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    done
}

/// The learner's contest ledger: (source, points), oldest first.
fn contest_entries(app: &TestApp, user: i64) -> Vec<(String, i32)> {
    points_ledger::table
        .filter(points_ledger::user_id.eq(user))
        .filter(points_ledger::action.eq("contest_quiz"))
        .order(points_ledger::id)
        .select((points_ledger::source, points_ledger::points))
        .load(&mut app.db())
        .unwrap()
}

#[tokio::test]
async fn contest_points_count_once_per_learner_per_quiz_for_the_best_attempt() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let (quiz, questions) = contest_quiz(&app, &room, 2, 3).await;
    let learner = app.register("retaker").await;
    // No attempt limit: five tries scoring 1, 0, 2, 2 and 1 of 2.
    let mut attempts = Vec::new();
    for right in [1, 0, 2, 2, 1] {
        let done = take(&app, &learner, quiz, &questions, right).await;
        assert_eq!(done["score"], right, "{done}");
        attempts.push(done["id"].as_i64().unwrap());
    }
    // The first pays 3; the third tops up to the best (6) with the difference; the rest
    // add nothing. Each payment is its own entry, named by its attempt.
    assert_eq!(
        contest_entries(&app, learner.id),
        [(format!("attempt:{}", attempts[0]), 3), (format!("attempt:{}", attempts[2]), 3)]
    );
    let (_, points) = json_body(app.get("/me/points?limit=100", Some(&learner.access)).await).await;
    assert_eq!(points["total"], 1 + 6, "the day's login point and the best attempt's 2 × 3: {points}");
    let (_, board) = json_body(app.get("/leaderboards/users?period=all", Some(&learner.access)).await).await;
    assert_eq!(board["me"]["points"], 7, "{board}");
    let (_, stats) = json_body(app.get("/me/stats", Some(&learner.access)).await).await;
    assert_eq!(stats["quizzes_taken"], 5, "every attempt is still a quiz taken: {stats}");
}

#[tokio::test]
async fn a_quiz_in_a_campaign_follows_the_campaigns_scope_and_window() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let c = county(&app, &room).await;
    let (quiz, questions) = contest_quiz(&app, &room, 2, 3).await;
    // School A's contest, starting tomorrow for two days.
    let campaign = published_campaign(
        &app,
        &room,
        json!({"title": "第一中学知识竞赛", "kind": "contest", "org_id": c.school_a["id"], "starts_at": at(&app, Duration::days(1)),
               "ends_at": at(&app, Duration::days(3)), "quiz_ids": [quiz]}),
    )
    .await;
    // A quiz whose only campaign is still a draft is seen by nobody.
    let (hidden, _) = contest_quiz(&app, &room, 1, 1).await;
    let body = json!({"title": "草稿", "kind": "contest", "starts_at": at(&app, -Duration::days(1)), "ends_at": at(&app, Duration::days(3)), "quiz_ids": [hidden]});
    let (status, draft) = json_body(app.post_json("/admin/campaigns", Some(&room.editor.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let (_, detail) = json_body(app.get(&format!("/campaigns/{campaign}"), Some(&c.in_a.access)).await).await;
    let (starts, ends) = (detail["starts_at"].clone(), detail["ends_at"].clone());
    let listed = |token: Option<String>| {
        let app = &app;
        async move {
            let (status, page) = json_body(app.get("/quizzes", token.as_deref()).await).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            page["items"].as_array().unwrap().clone()
        }
    };
    let start = |who: &Session| {
        let (app, token) = (&app, who.access.clone());
        async move { app.post_json(&format!("/quizzes/{quiz}/attempts"), Some(&token), &json!({})).await }
    };

    // Outside the campaign's scope (school B, or anonymous) the quiz does not exist.
    for token in [Some(c.in_b.access.clone()), None] {
        let items = listed(token.clone()).await;
        assert!(items.iter().all(|q| q["id"] != quiz && q["id"] != hidden), "{items:?}");
        let res = app.get(&format!("/quizzes/{quiz}"), token.as_deref()).await;
        assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_problem(start(&c.in_b).await, StatusCode::NOT_FOUND, "not_found").await;
    // Inside it, it is listed with the campaign's window, and not open before it starts.
    let items = listed(Some(c.in_a.access.clone())).await;
    assert!(items.iter().all(|q| q["id"] != hidden), "{items:?}");
    let mine = items.iter().find(|q| q["id"] == quiz).cloned().unwrap_or_default();
    assert_eq!((&mine["open"], &mine["campaign_id"]), (&json!(false), &json!(campaign)), "{mine}");
    assert_eq!((&mine["opens_at"], &mine["closes_at"]), (&starts, &ends), "{mine}");
    assert_problem(start(&c.in_a).await, StatusCode::CONFLICT, "quiz_not_open").await;

    // Running: school A's learner starts; the attempt ends with the campaign at the latest.
    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    let (in_a, in_b) = (app.login_ok(&c.in_a.username).await, app.login_ok(&c.in_b.username).await);
    assert_problem(start(&in_b).await, StatusCode::NOT_FOUND, "not_found").await;
    let (status, attempt) = json_body(start(&in_a).await).await;
    assert_eq!(status, StatusCode::CREATED, "{attempt}");
    assert_eq!(attempt["deadline_at"], ends, "{attempt}");
    let attempt = attempt["id"].as_i64().unwrap();
    let save = app
        .send_json(
            Method::PUT,
            &format!("/attempts/{attempt}/answers/{}", questions[0]),
            Some(&in_a.access),
            &json!({"response": true}),
        )
        .await;
    assert_eq!(save.status(), StatusCode::NO_CONTENT);

    // Submitted after the campaign ended: scored from the answers saved in time, the late
    // ones ignored; the points count for the campaign it was taken in.
    app.clock.advance(Duration::days(2) + Duration::minutes(5));
    let in_a = app.login_ok(&in_a.username).await;
    let late = json!({"answers": [{"question_id": questions[1], "response": true}]});
    let (status, done) =
        json_body(app.post_json(&format!("/attempts/{attempt}/submit"), Some(&in_a.access), &late).await).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!((done["score"].as_i64(), done["finalized_late"].as_bool()), (Some(1), Some(true)), "{done}");
    assert_eq!(contest_entries(&app, in_a.id), [(format!("attempt:{attempt}"), 3)]);
    let (_, board) =
        json_body(app.get(&format!("/leaderboards/users?scope=campaign:{campaign}"), Some(&in_a.access)).await).await;
    assert_eq!(board["me"], json!({"rank": 1, "points": 3}), "{board}");
    // Over: listed as closed, and no new attempt.
    let items = listed(Some(in_a.access.clone())).await;
    assert_eq!(items.iter().find(|q| q["id"] == quiz).map(|q| q["open"].clone()), Some(json!(false)));
    assert_problem(start(&in_a).await, StatusCode::CONFLICT, "quiz_closed").await;
}

#[tokio::test]
async fn an_edit_whose_window_breaks_only_with_the_stored_one_is_a_conflict() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let body = json!({"title": "活动", "kind": "themed", "starts_at": at(&app, Duration::days(1)), "ends_at": at(&app, Duration::days(2))});
    let (status, created) = json_body(app.post_json("/admin/campaigns", Some(&room.editor.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let path = format!("/admin/campaigns/{}", created["id"]);
    let res = app.patch_json(&path, Some(&room.editor.access), &json!({"ends_at": at(&app, Duration::zero())})).await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    let both = json!({"starts_at": at(&app, Duration::days(3)), "ends_at": at(&app, Duration::days(2))});
    assert_invalid(app.patch_json(&path, Some(&room.editor.access), &both).await, &["ends_at"]).await;
    let res = app.patch_json(&path, Some(&room.editor.access), &json!({"org_id": 999_999})).await;
    assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
}
