//! The teacher's view (`GET /admin/organizations/{id}/members/progress`): one row per
//! learner with the figures each learner sees in their own `/me/stats` and `/me/points`,
//! the inactive filter a class teacher needs, sorting and paging, CSV, subtree scope, and
//! pupils under 14 shown in full to the staff of their school.

use chrono::{Datelike, Duration, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// A school with two classes. Class A: zhao registered yesterday and did nothing since;
/// wang (adult audience) and li (a pupil of 9, consent recorded) read an article today,
/// and wang took a two-question contest quiz, one answer right. Class B: chen, who only
/// registered today. Each class has its own teacher (org admin).
struct School {
    admin: Session,
    editor: Session,
    school: i64,
    class_a: i64,
    class_b: i64,
    teacher_a: Session,
    teacher_b: Session,
    zhao: Session,
    wang: Session,
    li: Session,
    chen: Session,
}

async fn org_code(app: &TestApp, admin: &Session, id: i64) -> String {
    get_ok(app, &format!("/admin/organizations/{id}"), admin).await["join_code"].as_str().unwrap().to_owned()
}

async fn school(app: &TestApp) -> School {
    let room = app.newsroom().await;
    let admin = room.admin.clone();
    let school = app.create_org(&admin, "团结小学", "school", None).await["id"].as_i64().unwrap();
    let class_a = app.create_org(&admin, "三年级一班", "class", Some(school)).await["id"].as_i64().unwrap();
    let class_b = app.create_org(&admin, "三年级二班", "class", Some(school)).await["id"].as_i64().unwrap();
    let (code_a, code_b) = (org_code(app, &admin, class_a).await, org_code(app, &admin, class_b).await);
    let zhao = app.register_with("zhao", json!({"org_code": code_a})).await;
    app.clock.advance(Duration::days(1));
    let admin = app.login_ok(&admin.username).await;
    let room = Newsroom {
        admin: admin.clone(),
        editor: app.login_ok(&room.editor.username).await,
        reviewer: app.login_ok(&room.reviewer.username).await,
        topic: room.topic,
    };
    let teacher_a = app.staff(&admin, "teacher_a", "org_admin", Some(class_a)).await;
    let teacher_b = app.staff(&admin, "teacher_b", "org_admin", Some(class_b)).await;
    let wang = app.register_with("wang", json!({"org_code": code_a})).await;
    let pupil_year = today(app).year() - 9;
    let li = app
        .register_with(
            "lihong",
            json!({"org_code": code_a, "audience": "primary", "birth_year": pupil_year, "guardian_consent": true, "display_name": "李小红"}),
        )
        .await;
    let chen = app.register_with("chen", json!({"org_code": code_b})).await;

    let article = app.published_article(&room, "民族团结一家亲", &"团结".repeat(300)).await;
    for who in [&wang, &li] {
        send_events(
            app,
            who,
            &[event_at("view", article, None, now(app)), event_at("progress", article, Some(0), now(app))],
        )
        .await;
    }
    app.clock.advance(Duration::seconds(100));
    for who in [&wang, &li] {
        send_events(
            app,
            who,
            &[event_at("progress", article, Some(100), now(app)), event_at("complete", article, None, now(app))],
        )
        .await;
    }

    let question = |stem: &str, answer: &str| json!({"kind": "single", "stem": stem, "topic": room.topic["slug"], "options": [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}], "answer": answer, "explanation": "解析"});
    let mut ids = Vec::new();
    for (stem, answer) in [("第一题", "A"), ("第二题", "B")] {
        let (status, q) =
            json_body(app.post_json("/admin/questions", Some(&room.editor.access), &question(stem, answer)).await)
                .await;
        assert_eq!(status, StatusCode::CREATED, "{q}");
        ids.push(q["id"].as_i64().unwrap());
    }
    let settings = json!({"title": "知识竞赛", "mode": "contest", "question_ids": ids, "points_per_correct": 2});
    let (status, quiz) = json_body(app.post_json("/admin/quizzes", Some(&room.editor.access), &settings).await).await;
    assert_eq!(status, StatusCode::CREATED, "{quiz}");
    let quiz = quiz["id"].as_i64().unwrap();
    app.post_json(&format!("/admin/quizzes/{quiz}/submit"), Some(&room.editor.access), &json!({})).await;
    let res = app.post_json(&format!("/admin/quizzes/{quiz}/approve"), Some(&room.reviewer.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (status, attempt) =
        json_body(app.post_json(&format!("/quizzes/{quiz}/attempts"), Some(&wang.access), &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{attempt}");
    let attempt = attempt["id"].as_i64().unwrap();
    let answers: Vec<Value> =
        ids.iter().zip(["A", "A"]).map(|(q, a)| json!({"question_id": q, "response": a})).collect();
    let res =
        app.post_json(&format!("/attempts/{attempt}/submit"), Some(&wang.access), &json!({"answers": answers})).await;
    assert_eq!(res.status(), StatusCode::OK);
    School { admin, editor: room.editor, school, class_a, class_b, teacher_a, teacher_b, zhao, wang, li, chen }
}

fn view_path(org: i64, from: NaiveDate, to: NaiveDate, extra: &str) -> String {
    format!("/admin/organizations/{org}/members/progress?from={from}&to={to}{extra}")
}

fn row_of(view: &Value, user: i64) -> Value {
    view["items"].as_array().unwrap().iter().find(|r| r["user_id"] == user).cloned().unwrap_or(Value::Null)
}

fn user_ids(view: &Value) -> Vec<i64> {
    view["items"].as_array().unwrap().iter().map(|r| r["user_id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn each_learners_row_equals_what_they_see_in_their_own_stats_and_points() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let day = today(&app);
    // What the learners see first (the view is read after, so nothing they do in between
    // can be missing from it).
    let mut own = Vec::new();
    for who in [&s.wang, &s.li] {
        own.push((who.id, get_ok(&app, "/me/stats", who).await, get_ok(&app, "/me/points?limit=100", who).await));
    }
    // A week that holds every day the class was active: range figures equal all-time ones.
    let view = get_ok(&app, &view_path(s.class_a, day - chrono::Days::new(6), day, ""), &s.teacher_a).await;
    assert_eq!(view["org"], json!({"id": s.class_a, "name": "三年级一班"}));
    assert_eq!(
        (view["from"].as_str(), view["to"].as_str()),
        (Some(&*(day - chrono::Days::new(6)).to_string()), Some(&*day.to_string()))
    );
    for (id, stats, points) in &own {
        let row = row_of(&view, *id);
        assert_eq!(row["study_seconds"], stats["study_seconds_total"], "{row}");
        assert_eq!(row["articles_completed"], stats["articles_completed"]);
        assert_eq!(row["videos_completed"], stats["videos_completed"]);
        assert_eq!(row["quizzes_taken"], stats["quizzes_taken"]);
        assert_eq!(row["points_total"], stats["total_points"]);
        assert_eq!(row["points_total"], points["total"]);
        assert_eq!(row["streak"], stats["streak_days"]);
        let ledger: i64 = points["items"].as_array().unwrap().iter().map(|e| e["points"].as_i64().unwrap()).sum();
        assert_eq!(row["points"].as_i64(), Some(ledger), "points in the range are the ledger's");
        assert_eq!(row["organization"], json!({"id": s.class_a, "name": "三年级一班"}));
        assert_eq!(row["last_active_day"], day.to_string());
    }
    let wang = row_of(&view, s.wang.id);
    assert!(wang["study_seconds"].as_i64().unwrap() > 0 && wang["points"].as_i64().unwrap() > 0, "{wang}");
    assert_eq!((wang["articles_completed"].as_i64(), wang["quizzes_taken"].as_i64()), (Some(1), Some(1)));
    assert_eq!(wang["average_score"].as_f64(), Some(50.0), "one of two questions right");
    assert_eq!(wang["username"], "wang");
    assert_eq!(wang["audience"], "public");
    assert_eq!(row_of(&view, s.li.id)["average_score"], Value::Null, "no quiz, no average");
    // zhao's only activity was registering, yesterday; chen is in the other class.
    let zhao = row_of(&view, s.zhao.id);
    assert_eq!(zhao["last_active_day"], (day - chrono::Days::new(1)).to_string(), "{zhao}");
    assert_eq!((zhao["study_seconds"].as_i64(), zhao["articles_completed"].as_i64()), (Some(0), Some(0)));
    let mut ids = user_ids(&view);
    ids.sort_unstable();
    assert_eq!(ids, [s.zhao.id, s.wang.id, s.li.id], "the class's learners only, no staff");

    // A range before anyone existed: every learner of today, with nothing in it.
    let before = day - chrono::Days::new(30);
    let empty = get_ok(&app, &view_path(s.class_a, before, before, ""), &s.teacher_a).await;
    assert_eq!(user_ids(&empty).len(), 3);
    for row in empty["items"].as_array().unwrap() {
        assert_eq!((row["points"].as_i64(), row["last_active_day"].clone()), (Some(0), Value::Null), "{row}");
    }
}

#[tokio::test]
async fn inactive_true_lists_exactly_the_learner_who_did_nothing_in_the_range() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let day = today(&app);
    let idle = get_ok(&app, &view_path(s.class_a, day, day, "&inactive=true"), &s.teacher_a).await;
    assert_eq!(user_ids(&idle), [s.zhao.id]);
    let busy = get_ok(&app, &view_path(s.class_a, day, day, "&inactive=false&sort=username"), &s.teacher_a).await;
    assert_eq!(user_ids(&busy), [s.li.id, s.wang.id]);
    // Yesterday zhao registered (the day's first activity) and nobody else existed.
    let yesterday = day - chrono::Days::new(1);
    let idle = get_ok(&app, &view_path(s.class_a, yesterday, yesterday, "&inactive=true"), &s.teacher_a).await;
    assert_eq!(user_ids(&idle).len(), 2, "{idle}");
    assert!(!user_ids(&idle).contains(&s.zhao.id));
    // The school sees both classes: chen registered today (a first activity), so only
    // zhao is idle there too.
    let school = get_ok(&app, &view_path(s.school, day, day, "&inactive=true"), &s.admin).await;
    assert_eq!(user_ids(&school), [s.zhao.id]);
    let active = get_ok(&app, &view_path(s.school, day, day, "&inactive=false"), &s.admin).await;
    assert_eq!(row_of(&active, s.chen.id)["organization"], json!({"id": s.class_b, "name": "三年级二班"}));
}

#[tokio::test]
async fn rows_sort_by_any_column_and_page_in_that_order_with_the_user_id_as_tiebreak() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let day = today(&app);
    let path = |extra: &str| view_path(s.school, day, day, extra);
    // Points today: wang (read, quiz) > li (read) > chen (registered) > zhao (nothing).
    let by_points = get_ok(&app, &path("&sort=points&order=desc"), &s.admin).await;
    let ids = user_ids(&by_points);
    assert_eq!(ids, [s.wang.id, s.li.id, s.chen.id, s.zhao.id], "{by_points}");
    assert_eq!(by_points["next_cursor"], Value::Null);
    // Nobody watched a video: all tie, and ties go by user id, ascending, in either order.
    let mut by_id = ids.clone();
    by_id.sort_unstable();
    for order in ["asc", "desc"] {
        let tied = get_ok(&app, &path(&format!("&sort=videos_completed&order={order}")), &s.admin).await;
        assert_eq!(user_ids(&tied), by_id, "{order}");
    }
    let by_name = get_ok(&app, &path("&sort=username"), &s.admin).await;
    assert_eq!(user_ids(&by_name), [s.chen.id, s.li.id, s.wang.id, s.zhao.id]);
    let by_score = get_ok(&app, &path("&sort=average_score&order=desc"), &s.admin).await;
    assert_eq!(user_ids(&by_score)[0], s.wang.id, "no quizzes sorts lowest");

    // Pages of one, following next_cursor, give the same order.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let extra = format!(
            "&sort=points&order=desc&limit=1{}",
            cursor.as_ref().map_or(String::new(), |c| format!("&cursor={c}"))
        );
        let page = get_ok(&app, &path(&extra), &s.admin).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
        paged.extend(user_ids(&page));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(paged, ids);
    // A cursor that names nobody in the list starts from the top, skipping nobody.
    let restart = get_ok(&app, &path("&sort=points&order=desc&limit=2&cursor=999999"), &s.admin).await;
    assert_eq!(user_ids(&restart), ids[..2]);
    let bad = app.get(&path("&sort=nonsense"), Some(&s.admin.access)).await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn the_csv_has_a_header_and_one_line_per_learner_whatever_the_page_size() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let day = today(&app);
    let res = app
        .request(
            reqwest::Method::GET,
            &view_path(s.class_a, day, day, "&limit=1&sort=username"),
            Some(&s.teacher_a.access),
        )
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert_eq!(disposition, format!("attachment; filename=\"members-progress-{}-{day}-{day}.csv\"", s.class_a));
    let text = res.text().await.unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "user_id,username,display_name,org_id,org_name,audience,study_seconds,articles_completed,videos_completed,quizzes_taken,average_score,points,points_total,streak,last_active_day"
    );
    assert_eq!(lines.len(), 4, "a header and three learners: {text}");
    assert!(
        lines[1].starts_with(&format!("{},lihong,李小红,{},三年级一班,primary,", s.li.id, s.class_a)),
        "{}",
        lines[1]
    );
    let wang: Vec<&str> = lines[2].split(',').collect();
    assert_eq!((wang[1], wang[10]), ("wang", "50"));
    let zhao: Vec<&str> = lines[3].split(',').collect();
    assert_eq!((zhao[1], zhao[10], zhao[11]), ("zhao", "", "0"), "null is an empty cell");
}

#[tokio::test]
async fn other_units_are_404_and_learners_and_editors_are_refused() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let day = today(&app);
    for (who, org) in
        [(&s.teacher_b, s.class_a), (&s.teacher_b, s.school), (&s.teacher_a, s.class_b), (&s.admin, 999_999)]
    {
        let res = app.get(&view_path(org, day, day, ""), Some(&who.access)).await;
        assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    }
    for who in [&s.wang, &s.editor] {
        let res = app.get(&view_path(s.class_a, day, day, ""), Some(&who.access)).await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let res = app.get(&view_path(s.class_a, day, day, ""), None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // The teacher of class B sees class B.
    let own = get_ok(&app, &view_path(s.class_b, day, day, ""), &s.teacher_b).await;
    assert_eq!(user_ids(&own), [s.chen.id]);
}

#[tokio::test]
async fn a_pupil_under_14_appears_unmasked_to_the_staff_of_their_unit() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let day = today(&app);
    for (who, org) in [(&s.teacher_a, s.class_a), (&s.admin, s.school)] {
        let view = get_ok(&app, &view_path(org, day, day, ""), who).await;
        let li = row_of(&view, s.li.id);
        assert_eq!(li["username"], "lihong", "{li}");
        assert_eq!(li["display_name"], "李小红");
        assert_eq!(li["audience"], "primary");
        assert_eq!(li["articles_completed"], 1);
    }
    // The read of personal figures is audited with the ids returned.
    let (_, log) = json_body(app.get("/admin/audit-log?action=user.progress", Some(&s.admin.access)).await).await;
    let entry = log["items"].as_array().unwrap().iter().find(|e| e["actor_id"] == s.teacher_a.id).cloned();
    assert!(entry.is_some_and(|e| e.to_string().contains(&s.li.id.to_string())), "{log}");
}

#[tokio::test]
async fn a_range_with_from_after_to_or_over_366_days_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let day = today(&app);
    let res = app.get(&view_path(s.class_a, day, day - chrono::Days::new(1), ""), Some(&s.teacher_a.access)).await;
    assert_invalid(res, &["from"]).await;
    let res = app.get(&view_path(s.class_a, day - chrono::Days::new(366), day, ""), Some(&s.teacher_a.access)).await;
    assert_invalid(res, &["to"]).await;
    let res = app
        .get(&format!("/admin/organizations/{}/members/progress?from=2026-13-01", s.class_a), Some(&s.teacher_a.access))
        .await;
    assert_invalid(res, &["from"]).await;
    // Without dates: the 30 days ending today.
    let view = get_ok(&app, &format!("/admin/organizations/{}/members/progress", s.class_a), &s.teacher_a).await;
    assert_eq!(view["to"], day.to_string());
    assert_eq!(view["from"], (day - chrono::Days::new(29)).to_string());
}
