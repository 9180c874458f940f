//! Sanitized article HTML, likes and favourites, topics, and the demo data set.

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const HOSTILE: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "<a href=\"javascript&#58;alert(1)\">x</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<svg onload=alert(1)><circle/></svg>",
    "<style>body{display:none}</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<form action=\"https://evil.example\"><input name=q></form>",
    "<object data=\"evil.swf\"></object><embed src=\"evil.swf\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<a href=\"https://ok.example\" onclick=\"alert(1)\">ok</a>",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
];

#[tokio::test]
async fn article_html_is_sanitized_against_hostile_input() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let body = format!(
        "## 安全\n\n[好的链接](https://example.org) ![图](https://example.org/a.png)\n\n{}",
        HOSTILE.join("\n\n")
    );
    let id = app.published_article(&room, "消毒测试", &body).await;
    let (_, detail) = json_body(app.get(&format!("/contents/{id}"), None).await).await;
    let html = detail["body_html"].as_str().unwrap().to_lowercase();
    for banned in [
        "<script",
        "onerror",
        "onload",
        "onclick",
        "javascript:",
        "<iframe",
        "<style",
        "<form",
        "<object",
        "<embed",
        "<meta",
        "data:text",
        "style=",
    ] {
        assert!(!html.contains(banned), "{banned} survived in {html}");
    }
    assert!(html.contains("<h2>安全</h2>"), "{html}");
    assert!(html.contains("href=\"https://example.org\""), "safe links stay: {html}");
    assert!(html.contains("src=\"https://example.org/a.png\""), "safe images stay: {html}");
    assert!(html.contains("rel=\"noopener noreferrer nofollow\""), "{html}");
    assert_eq!(detail["body_markdown"].as_str().unwrap(), body, "the source is kept as written");
}

#[tokio::test]
async fn likes_and_favourites_are_idempotent_and_counted_once_under_concurrency() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.published_article(&room, "点赞", "正文").await;
    let fan = app.register("eager_fan").await;
    let like = || app.request(reqwest::Method::PUT, &format!("/contents/{id}/like"), Some(&fan.access)).send();
    let responses = futures_util::future::join_all((0..8).map(|_| like())).await;
    for res in responses {
        let (status, body) = json_body(res.unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["liked"], true);
    }
    let (_, detail) = json_body(app.get(&format!("/contents/{id}"), None).await).await;
    assert_eq!(detail["stats"]["likes"], 1, "eight concurrent likes by one user are one like");
    let other = app.register("second_fan").await;
    let (_, body) = json_body(
        app.request(reqwest::Method::PUT, &format!("/contents/{id}/like"), Some(&other.access)).send().await.unwrap(),
    )
    .await;
    assert_eq!(body["likes"], 2);
    for _ in 0..2 {
        let (status, body) = json_body(
            app.request(reqwest::Method::DELETE, &format!("/contents/{id}/like"), Some(&fan.access))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((status, body["liked"].as_bool(), body["likes"].as_i64()), (StatusCode::OK, Some(false), Some(1)));
    }
    let unfavorite = app
        .request(reqwest::Method::DELETE, &format!("/contents/{id}/favorite"), Some(&fan.access))
        .send()
        .await
        .unwrap();
    let (_, body) = json_body(unfavorite).await;
    assert_eq!(body["favorites"], 0, "removing what is not there changes nothing");
    assert_problem(
        app.request(reqwest::Method::PUT, "/contents/9999/like", Some(&fan.access)).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.request(reqwest::Method::PUT, &format!("/contents/{id}/like"), None).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn unpublished_items_cannot_be_liked() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let draft = app.draft_article(&room, "草稿", "正文").await;
    let fan = app.register("too_early").await;
    let res = app
        .request(reqwest::Method::PUT, &format!("/contents/{draft}/favorite"), Some(&fan.access))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn favourites_list_newest_first_and_drop_archived_items() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let fan = app.register("collector").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let id = app.published_article(&room, &format!("收藏{i}"), "正文").await;
        app.request(reqwest::Method::PUT, &format!("/contents/{id}/favorite"), Some(&fan.access)).send().await.unwrap();
        ids.push(id);
    }
    app.request(reqwest::Method::DELETE, &format!("/admin/contents/{}", ids[1]), Some(&room.reviewer.access))
        .send()
        .await
        .unwrap();
    let (_, first) = json_body(app.get("/me/favorites?limit=2", Some(&fan.access)).await).await;
    let (_, second) = json_body(
        app.get(&format!("/me/favorites?limit=2&cursor={}", first["next_cursor"].as_str().unwrap()), Some(&fan.access))
            .await,
    )
    .await;
    let listed: Vec<i64> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [ids[3], ids[2], ids[0]]);
    assert_eq!(first["items"][0]["me"]["favorited"], true);
    assert_eq!(second["next_cursor"], Value::Null);
}

#[tokio::test]
async fn admins_manage_topics_and_a_used_topic_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let topic_id = room.topic["id"].as_i64().unwrap();
    let spare = app.create_topic(&room.admin, "spare-topic", "备用", "Spare").await;
    let res = app
        .post_json(
            "/admin/topics",
            Some(&room.admin.access),
            &json!({"slug": "spare-topic", "names": {"zh-Hans": "重复"}}),
        )
        .await;
    assert_problem(res, StatusCode::CONFLICT, "slug_taken").await;
    let res = app
        .post_json(
            "/admin/topics",
            Some(&room.admin.access),
            &json!({"slug": "Bad Slug", "names": {"en": "No Chinese"}}),
        )
        .await;
    assert_invalid(res, &["slug", "names"]).await;
    let res = app
        .post_json(
            "/admin/topics",
            Some(&room.editor.access),
            &json!({"slug": "x-topic", "names": {"zh-Hans": "无权"}}),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;

    let (status, renamed) = json_body(
        app.patch_json(
            &format!("/admin/topics/{}", spare["id"]),
            Some(&room.admin.access),
            &json!({"names": {"zh-Hans": "备用专题", "en": "Spare topic"}, "position": -1}),
        )
        .await,
    )
    .await;
    assert_eq!((status, renamed["names"]["zh-Hans"].as_str()), (StatusCode::OK, Some("备用专题")));
    let (_, public) = json_body(app.get("/topics", None).await).await;
    assert_eq!(public["items"][0]["slug"], "spare-topic", "position orders the list");

    app.draft_article(&room, "使用中", "正文").await;
    let res = app
        .request(reqwest::Method::DELETE, &format!("/admin/topics/{topic_id}"), Some(&room.admin.access))
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::CONFLICT, "topic_in_use").await;
    let res = app
        .request(reqwest::Method::DELETE, &format!("/admin/topics/{}", spare["id"]), Some(&room.admin.access))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (_, all) = json_body(app.get("/admin/topics", Some(&room.admin.access)).await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    let (_, log) = json_body(app.get("/admin/audit-log?target_type=topic", Some(&room.admin.access)).await).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["topic.delete", "topic.update", "topic.create", "topic.create"]);
}

#[tokio::test]
async fn the_demo_data_set_loads_into_an_empty_database_only() {
    let app = TestApp::spawn().await;
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_tongxin"))
            .arg("seed-demo")
            .env("DATABASE_URL", app.database.url())
            .env("TONGXIN_DATA_DIR", app.config.data_dir.as_os_str())
            .env_remove("TONGXIN_TEST_DATABASE_URL")
            .output()
            .unwrap()
    };
    let first = run();
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    for account in ["admin", "reviewer", "editor", "town_admin", "xiaoming"] {
        assert!(stdout.contains(account), "{account} printed: {stdout}");
    }
    let second = run();
    assert!(!second.status.success(), "a second load is refused");
    assert!(String::from_utf8_lossy(&second.stderr).contains("not empty"));

    let mut items = Vec::new();
    let mut path = "/contents?limit=100".to_owned();
    loop {
        let (_, page) = json_body(app.get(&path, None).await).await;
        items.extend(page["items"].as_array().unwrap().clone());
        match page["next_cursor"].as_str() {
            Some(next) => path = format!("/contents?limit=100&cursor={next}"),
            None => break,
        }
    }
    let articles = items.iter().filter(|i| i["kind"] == "article").count();
    let videos = items.iter().filter(|i| i["kind"] == "video").count();
    assert!(articles >= 38 && videos >= 8, "{articles} articles, {videos} videos visible");
    let (_, topics) = json_body(app.get("/topics", None).await).await;
    assert_eq!(topics["items"].as_array().unwrap().len(), 8);
    let video = items.iter().find(|i| i["kind"] == "video").unwrap();
    let (_, detail) = json_body(app.get(&format!("/contents/{}", video["id"]), None).await).await;
    let url = detail["video"]["url"].as_str().unwrap();
    let res = app.client.get(format!("{}{url}", app.address)).header("range", "bytes=0-99").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);

    // The roster class: its pupils were imported, so their first sign-in must choose a password.
    assert!(stdout.contains("ayigulimaimaiti01"), "the roster pupils are printed: {stdout}");
    let res = app.login("ayigulimaimaiti01", "Tongxin-Demo-2026").await;
    assert_problem(res, StatusCode::FORBIDDEN, "password_change_required").await;

    let editor = app.login_ok_with("editor", "Tongxin-Demo-2026").await;
    let (_, all) = json_body(app.get("/admin/contents?limit=100", Some(&editor.access)).await).await;
    let articles_total = all["items"].as_array().unwrap().iter().filter(|i| i["kind"] == "article").count();
    assert!(articles_total >= 40, "{articles_total} articles in all states");
    let (_, questions) = json_body(app.get("/admin/questions?limit=100", Some(&editor.access)).await).await;
    assert!(questions["items"].as_array().unwrap().len() >= 60, "a bank of at least 60 questions");
    let kinds: std::collections::HashSet<&str> =
        questions["items"].as_array().unwrap().iter().map(|q| q["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 4, "all four kinds: {kinds:?}");
    let (_, quizzes) = json_body(app.get("/quizzes", None).await).await;
    let modes: Vec<&str> = quizzes["items"].as_array().unwrap().iter().map(|q| q["mode"].as_str().unwrap()).collect();
    assert!(modes.contains(&"practice") && modes.contains(&"exam"), "{modes:?}");
    let pupil = app.login_ok_with("ayguli", "Tongxin-Demo-2026").await;
    let (status, daily) = json_body(app.get("/quizzes/daily", Some(&pupil.access)).await).await;
    assert_eq!((status, daily["questions"].as_array().map(Vec::len)), (StatusCode::OK, Some(5)));
    let (_, translated) = json_body(app.get("/contents?q=tea%20horse&locale=en", None).await).await;
    assert_eq!(translated["items"][0]["locale"], "en", "English translations are searchable and served");

    // A running publicity month with its contest, and weeks of engagement behind it.
    let (_, campaigns) = json_body(app.get("/campaigns?status=active", None).await).await;
    let month = campaigns["items"].as_array().unwrap().iter().find(|c| c["kind"] == "publicity_month").unwrap();
    assert_eq!(month["title"], "民族团结进步宣传月");
    let (_, detail) = json_body(app.get(&format!("/campaigns/{}", month["id"]), None).await).await;
    assert_eq!(detail["quizzes"][0]["mode"], "contest", "{detail}");
    assert!(detail["contents"].as_array().unwrap().len() >= 8);
    let (_, upcoming) = json_body(app.get("/campaigns?status=upcoming", Some(&pupil.access)).await).await;
    assert_eq!(upcoming["items"], serde_json::json!([]), "the township's week is not for this school");
    let board = format!("/leaderboards/users?scope=campaign:{}&limit=100", month["id"]);
    let (_, board) = json_body(app.get(&board, Some(&pupil.access)).await).await;
    assert!(board["items"].as_array().unwrap().len() >= 10, "the contest has a living board: {board}");
    let (_, month_board) =
        json_body(app.get("/leaderboards/users?period=all&limit=100", Some(&pupil.access)).await).await;
    assert!(month_board["items"].as_array().unwrap().len() >= 30, "{month_board}");
    let (_, stats) = json_body(app.get("/me/stats", Some(&pupil.access)).await).await;
    assert!(stats["study_seconds_total"].as_i64().unwrap() > 0, "the named learners studied too: {stats}");

    // No class has two learners of one name.
    let mut conn = app.db();
    let clashes: Vec<(Option<i64>, String)> = {
        use diesel::dsl::count_star;
        use diesel::prelude::*;
        use tongxin::db::schema::users;
        users::table
            .group_by((users::organization_id, users::display_name))
            .having(count_star().gt(1))
            .select((users::organization_id, users::display_name))
            .load(&mut conn)
            .unwrap()
    };
    assert_eq!(clashes, [], "names repeated within one organization");
    // The videos are long enough to show the watch rules, and each has its poster.
    for video in items.iter().filter(|i| i["kind"] == "video") {
        let seconds = video["duration_s"].as_i64().unwrap();
        assert!((30..=60).contains(&seconds), "{video}");
        let (_, detail) = json_body(app.get(&format!("/contents/{}", video["id"]), None).await).await;
        let poster = detail["video"]["poster_url"].as_str().unwrap();
        let res = app.client.get(format!("{}{poster}", app.address)).send().await.unwrap();
        assert_eq!((res.status(), res.headers()["content-type"].to_str().unwrap()), (StatusCode::OK, "image/jpeg"));
    }
}
