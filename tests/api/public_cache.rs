//! The public response cache: cached feed pages and details are served again, and every
//! change that affects them (publication, edits, withdrawal, counters, topic names,
//! scheduled publication, another instance's writes) shows at once or within the
//! documented re-check interval.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tongxin::db::schema::contents;

use crate::helpers::*;

async fn feed(app: &TestApp, token: Option<&str>) -> Value {
    let (status, body) = json_body(app.get("/contents?limit=50", token).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn titles(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap().to_owned()).collect()
}

async fn detail(app: &TestApp, id: i64, token: Option<&str>) -> (StatusCode, Value) {
    json_body(app.get(&format!("/contents/{id}"), token).await).await
}

/// Changes a title behind the application's back (no change log entry).
fn retitle_directly(app: &TestApp, id: i64, title: &str) {
    diesel::update(contents::table.find(id)).set(contents::title.eq(title)).execute(&mut app.db()).unwrap();
}

#[tokio::test]
async fn anonymous_pages_are_served_from_the_cache_until_their_maximum_age() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.published_article(&room, "团结之花", "正文").await;
    assert_eq!(titles(&feed(&app, None).await), ["团结之花"]);
    assert_eq!(detail(&app, id, None).await.1["title"], "团结之花");

    // A write that bypasses the application is invisible while the cached copies live:
    // proof that they are served from memory...
    retitle_directly(&app, id, "改过的标题");
    assert_eq!(titles(&feed(&app, None).await), ["团结之花"]);
    assert_eq!(detail(&app, id, None).await.1["title"], "团结之花");
    // ...and gone after the maximum age.
    app.clock.advance(Duration::seconds(61));
    assert_eq!(titles(&feed(&app, None).await), ["改过的标题"]);
    assert_eq!(detail(&app, id, None).await.1["title"], "改过的标题");
}

#[tokio::test]
async fn publishing_editing_and_archiving_show_at_once_on_the_same_instance() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let first = app.published_article(&room, "第一篇", "正文").await;
    assert_eq!(titles(&feed(&app, None).await), ["第一篇"]);
    assert_eq!(detail(&app, first, None).await.1["title"], "第一篇");

    let second = app.published_article(&room, "第二篇", "正文").await;
    assert_eq!(titles(&feed(&app, None).await), ["第二篇", "第一篇"]);

    // A proposed change is not live: the cached pages stay as they are...
    let res = app
        .patch_json(&format!("/admin/contents/{first}"), Some(&room.editor.access), &json!({"title": "第一篇（更正）"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(titles(&feed(&app, None).await), ["第二篇", "第一篇"]);
    assert_eq!(detail(&app, first, None).await.1["title"], "第一篇");
    // ...until it is approved, and then at once.
    let submitted =
        app.post_json(&format!("/admin/contents/{first}/submit"), Some(&room.editor.access), &json!({})).await;
    assert_eq!(submitted.status(), StatusCode::OK);
    let approved =
        app.post_json(&format!("/admin/contents/{first}/approve"), Some(&room.reviewer.access), &json!({})).await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(titles(&feed(&app, None).await), ["第二篇", "第一篇（更正）"]);
    assert_eq!(detail(&app, first, None).await.1["title"], "第一篇（更正）");

    let res = app
        .request(Method::DELETE, &format!("/admin/contents/{second}"), Some(&room.reviewer.access))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(titles(&feed(&app, None).await), ["第一篇（更正）"]);
    assert_eq!(detail(&app, second, None).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn counters_in_cached_pages_follow_likes_at_once_below_one_hundred() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.published_article(&room, "点赞", "正文").await;
    let learner = app.register("liker").await;
    assert_eq!(detail(&app, id, None).await.1["stats"]["likes"], 0);
    assert_eq!(feed(&app, None).await["items"][0]["stats"]["likes"], 0);

    let res = app.request(Method::PUT, &format!("/contents/{id}/like"), Some(&learner.access)).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(detail(&app, id, None).await.1["stats"]["likes"], 1);
    assert_eq!(feed(&app, None).await["items"][0]["stats"]["likes"], 1);
}

#[tokio::test]
async fn each_caller_gets_their_own_me_block_on_a_shared_page() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.published_article(&room, "共享页面", "正文").await;
    let (fan, other) = (app.register("fan_one").await, app.register("other_one").await);
    // Warm the shared copies first.
    assert!(feed(&app, None).await["items"][0]["me"].is_null());
    assert!(detail(&app, id, None).await.1["me"].is_null());

    let res = app.request(Method::PUT, &format!("/contents/{id}/favorite"), Some(&fan.access)).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(feed(&app, Some(&fan.access)).await["items"][0]["me"]["favorited"], true);
    assert_eq!(detail(&app, id, Some(&fan.access)).await.1["me"]["favorited"], true);
    assert_eq!(feed(&app, Some(&other.access)).await["items"][0]["me"]["favorited"], false);
    assert_eq!(detail(&app, id, Some(&other.access)).await.1["me"]["favorited"], false);
    assert!(feed(&app, None).await["items"][0]["me"].is_null());

    // A personal page is never marked for shared caches.
    let res = app.get("/contents", Some(&fan.access)).await;
    assert!(res.headers()["cache-control"].to_str().unwrap().starts_with("private"));
    let res = app.get("/contents", None).await;
    assert!(res.headers()["cache-control"].to_str().unwrap().starts_with("public"));
}

#[tokio::test]
async fn an_item_scheduled_for_later_appears_when_its_time_comes_without_any_write() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    app.published_article(&room, "现在", "正文").await;
    let later = app.draft_article(&room, "稍后", "正文").await;
    let at = (Utc::now() + Duration::hours(1)).to_rfc3339();
    app.publish(&room, later, Some(&at)).await;
    assert_eq!(titles(&feed(&app, None).await), ["现在"]);
    assert_eq!(detail(&app, later, None).await.0, StatusCode::NOT_FOUND);

    app.clock.advance(Duration::minutes(61));
    assert_eq!(titles(&feed(&app, None).await), ["稍后", "现在"]);
    assert_eq!(detail(&app, later, None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_renamed_topic_shows_in_cached_pages_at_once() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let id = app.published_article(&room, "话题", "正文").await;
    assert_eq!(feed(&app, None).await["items"][0]["topic"]["name"], "民族观");
    assert_eq!(detail(&app, id, None).await.1["topic"]["name"], "民族观");

    let topic = room.topic["id"].as_i64().unwrap();
    let body = json!({"names": {"zh-Hans": "民族团结观", "en": "Ethnic unity"}});
    let res = app.patch_json(&format!("/admin/topics/{topic}"), Some(&room.admin.access), &body).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(feed(&app, None).await["items"][0]["topic"]["name"], "民族团结观");
    assert_eq!(detail(&app, id, None).await.1["topic"]["name"], "民族团结观");
}

#[tokio::test]
async fn another_instance_drops_its_cached_copies_within_the_recheck_interval() {
    let a = TestApp::spawn_with(&[("cache_recheck_ms", "100")]).await;
    let b = a.spawn_beside(&[("cache_recheck_ms", "100")]).await;
    let room = a.newsroom().await;
    let id = a.published_article(&room, "甲发布", "正文").await;
    // Warm B's copies.
    assert_eq!(titles(&feed(&b, None).await), ["甲发布"]);
    assert_eq!(detail(&b, id, None).await.1["title"], "甲发布");

    let started = Instant::now();
    a.revise(&room, id, &json!({"title": "甲更正"})).await;
    let second = a.published_article(&room, "甲又发布", "正文").await;
    loop {
        let (page, one) = (feed(&b, None).await, detail(&b, id, None).await.1);
        if titles(&page) == ["甲又发布", "甲更正"] && one["title"] == "甲更正" {
            break;
        }
        assert!(started.elapsed() < StdDuration::from_secs(5), "B still serves {page} and {one}");
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert_eq!(detail(&b, second, None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_cache_can_be_turned_off() {
    let app = TestApp::spawn_with(&[("cache_mb", "0")]).await;
    let room = app.newsroom().await;
    let id = app.published_article(&room, "不缓存", "正文").await;
    assert_eq!(titles(&feed(&app, None).await), ["不缓存"]);
    retitle_directly(&app, id, "直接改");
    assert_eq!(titles(&feed(&app, None).await), ["直接改"]);
    assert_eq!(detail(&app, id, None).await.1["title"], "直接改");
}
