//! Events counted exactly once, study time the server can vouch for, points under daily
//! caps, streaks in local days, and leaderboards that agree with the ledger.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tongxin::clock::Clock as _;
use tongxin::db::schema::{content_daily, contents, events, points_ledger};

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

async fn progress(app: &TestApp, who: &Session, content: i64) -> Value {
    let (_, body) = json_body(app.get(&format!("/me/progress?content_ids={content}"), Some(&who.access)).await).await;
    body["items"].as_array().and_then(|i| i.first().cloned()).unwrap_or(Value::Null)
}

async fn my_points(app: &TestApp, who: &Session) -> Value {
    let (status, body) = json_body(app.get("/me/points?limit=100", Some(&who.access)).await).await;
    assert_eq!(status, StatusCode::OK);
    body
}

fn earned(points: &Value, action: &str) -> i64 {
    points["today"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["action"] == action)
        .map_or(0, |t| t["points"].as_i64().unwrap())
}

/// A published video `length` seconds long (the file says so; the server reads it).
async fn video(app: &TestApp, room: &Newsroom, length: u32) -> i64 {
    let (_, upload) =
        json_body(app.upload(&room.editor.access, &mp4_lasting(length), "v.mp4", "video/mp4").await).await;
    assert_eq!(upload["duration_s"], length, "{upload}");
    let body = json!({"kind": "video", "title": format!("{length}秒视频"), "topic": room.topic["id"], "audiences": ["public"], "media_id": upload["id"]});
    let (status, created) = json_body(app.post_json("/admin/contents", Some(&room.editor.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    app.publish(room, id, None).await;
    id
}

/// A published article of 600 Chinese characters: 90 s of estimated reading.
async fn article(app: &TestApp, room: &Newsroom, title: &str) -> i64 {
    app.published_article(room, title, &"团结".repeat(300)).await
}

#[tokio::test]
async fn a_retried_batch_counts_once_and_another_learners_id_is_refused() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let content = article(&app, &room, "重试").await;
    let learner = app.register("retrier").await;
    let batch = vec![
        event("view", content, None, now(&app)),
        event("progress", content, Some(5), now(&app)),
        event("share", content, None, now(&app)),
    ];
    let first = send(&app, &learner, &batch).await;
    assert_eq!((first["accepted"].as_i64(), first["duplicates"].as_i64()), (Some(3), Some(0)));
    let body = json!({"events": batch});
    let resends = (0..5).map(|_| app.post_json("/events", Some(&learner.access), &body));
    for res in futures_util::future::join_all(resends).await {
        let (_, body) = json_body(res).await;
        assert_eq!((body["accepted"].as_i64(), body["duplicates"].as_i64()), (Some(0), Some(3)), "{body}");
    }
    let stored: i64 = events::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(stored, 3);
    let (_, detail) = json_body(app.get(&format!("/contents/{content}"), None).await).await;
    assert_eq!((detail["stats"]["views"].as_i64(), detail["stats"]["shares"].as_i64()), (Some(1), Some(1)));

    let thief = app.register("thief").await;
    let stolen = send(&app, &thief, &batch[..1]).await;
    assert_eq!(stolen["accepted"], 0);
    assert_eq!(stolen["rejected"], json!([{"id": batch[0]["id"], "code": "id_in_use"}]));
    let twice = send(&app, &thief, &[batch[1].clone(), batch[1].clone()]).await;
    assert_eq!(twice["rejected"].as_array().unwrap().len(), 1, "one refusal; the copy in the batch is a duplicate");
}

#[tokio::test]
async fn events_that_cannot_be_counted_are_refused_one_by_one_while_good_ones_are_kept() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let content = article(&app, &room, "好坏").await;
    let draft = app.draft_article(&room, "草稿", "正文").await;
    let learner = app.register("mixed_bag").await;
    let t = now(&app).to_rfc3339();
    let batch = vec![
        event("view", content, None, now(&app)),
        json!({"id": "8f6d6a4e-1b22-4c3b-8f6e-0a4c2f1b9d10", "kind": "view", "content_id": 99999, "occurred_at": t}),
        json!({"id": "9f6d6a4e-1b22-4c3b-8f6e-0a4c2f1b9d10", "kind": "view", "content_id": draft, "occurred_at": t}),
        json!({"id": "af6d6a4e-1b22-4c3b-8f6e-0a4c2f1b9d10", "kind": "progress", "content_id": content, "occurred_at": t}),
    ];
    let result = send(&app, &learner, &batch).await;
    assert_eq!(result["accepted"], 1);
    let mut codes: Vec<(String, String)> = result["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap()[..2].to_owned(), r["code"].as_str().unwrap().to_owned()))
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [("8f", "unknown_content"), ("9f", "unknown_content"), ("af", "invalid_position")]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    let too_many: Vec<Value> = (0..101).map(|_| event("view", content, None, now(&app))).collect();
    assert_invalid(app.post_json("/events", Some(&learner.access), &json!({"events": too_many})).await, &["events"])
        .await;
    assert_problem(
        app.post_json("/events", None, &json!({"events": []})).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[tokio::test]
async fn a_batch_with_an_event_that_breaks_the_documented_shape_is_refused_whole_naming_each_fault() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let content = article(&app, &room, "形状").await;
    let learner = app.register("shapes").await;
    let t = now(&app).to_rfc3339();
    let good = event("view", content, None, now(&app));
    let batch = vec![
        good.clone(),
        json!({"id": "not-a-uuid", "kind": "view", "content_id": content, "occurred_at": t}),
        json!({"id": "7f6d6a4e1b224c3b8f6e0a4c2f1b9d10", "kind": "view", "content_id": content, "occurred_at": t}),
        json!({"id": "7f6d6a4e-1b22-4c3b-8f6e-0a4c2f1b9d10", "kind": "dance", "content_id": content, "occurred_at": t}),
        json!({"id": "bf6d6a4e-1b22-4c3b-8f6e-0a4c2f1b9d10", "kind": "view", "content_id": content, "occurred_at": "yesterday"}),
        json!({"id": "cf6d6a4e-1b22-4c3b-8f6e-0a4c2f1b9d10", "kind": "progress", "content_id": content, "position_s": -3, "occurred_at": t}),
        json!({"id": "df6d6a4e-1b22-4c3b-8f6e-0a4c2f1b9d10", "kind": "view", "content_id": "seven", "occurred_at": t}),
        json!({"id": "ef6d6a4e-1b22-4c3b-8f6e-0a4c2f1b9d10", "kind": "view", "content_id": content, "occurred_at": t, "extra": 1}),
        json!({"id": "ff6d6a4e-1b22-4c3b-8f6e-0a4c2f1b9d10", "kind": "view", "content_id": content}),
        json!("view"),
    ];
    let response = app.post_json("/events", Some(&learner.access), &json!({"events": batch})).await;
    assert_invalid(
        response,
        &[
            "events[1].id",
            "events[2].id",
            "events[3].kind",
            "events[4].occurred_at",
            "events[5].position_s",
            "events[6].content_id",
            "events[7].extra",
            "events[8].occurred_at",
            "events[9]",
        ],
    )
    .await;
    // Nothing of the batch was stored: the good event still counts as new.
    let again = send(&app, &learner, &[good]).await;
    assert_eq!((again["accepted"].as_i64(), again["duplicates"].as_i64()), (Some(1), Some(0)));
    // A whole number written as 12.0 is the same integer (JSON Schema calls it one).
    let mut whole = event("view", content, None, now(&app));
    whole["content_id"] = json!(content as f64);
    assert_eq!(send(&app, &learner, &[whole]).await["accepted"], 1);
}

#[tokio::test]
async fn video_credit_follows_played_segments_within_twice_the_wall_clock() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let content = video(&app, &room, 600).await;
    let learner = app.register("viewer").await;
    send(&app, &learner, &[event("view", content, None, now(&app)), event("progress", content, Some(0), now(&app))])
        .await;
    // 30 s later the player says 50 s: possible at 2x speed, credited.
    app.clock.advance(Duration::seconds(30));
    send(&app, &learner, &[event("progress", content, Some(50), now(&app))]).await;
    assert_eq!(progress(&app, &learner, content).await["effective_s"], 50);
    // 10 s later it says 590: a seek to the end, not playing. Nothing for it.
    app.clock.advance(Duration::seconds(10));
    send(&app, &learner, &[event("progress", content, Some(590), now(&app))]).await;
    let after_seek = progress(&app, &learner, content).await;
    assert_eq!((after_seek["effective_s"].as_i64(), after_seek["position_s"].as_i64()), (Some(50), Some(590)));
    // Back to 0 and watching 0–50 again: the same part counts once.
    send(&app, &learner, &[event("progress", content, Some(0), now(&app))]).await;
    app.clock.advance(Duration::seconds(50));
    send(&app, &learner, &[event("progress", content, Some(50), now(&app))]).await;
    assert_eq!(progress(&app, &learner, content).await["effective_s"], 50);
    // Time-compressed heartbeats: 60 reports of 10 s each, sent within one second.
    let fake: Vec<Value> = (1..=60).map(|i| event("progress", content, Some(50 + i * 10), now(&app))).collect();
    app.clock.advance(Duration::seconds(1));
    send(&app, &learner, &fake).await;
    let faked = progress(&app, &learner, content).await;
    assert!(faked["effective_s"].as_i64().unwrap() <= 50 + 4, "at most twice the wall clock: {faked}");
    assert_eq!(faked["completed"], false);
}

#[tokio::test]
async fn an_offline_batch_gets_credit_only_within_the_time_since_the_last_receipt() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let content = video(&app, &room, 300).await;
    let learner = app.register("offline").await;
    let start = now(&app);
    send(&app, &learner, &[event("view", content, None, start), event("progress", content, Some(0), start)]).await;
    // Watched offline for 5 minutes, heartbeats every 10 s, sent together 10 minutes later.
    app.clock.advance(Duration::minutes(10));
    let batch: Vec<Value> =
        (1..=30).map(|i| event("progress", content, Some(i * 10), start + Duration::seconds(i * 10))).collect();
    send(&app, &learner, &batch).await;
    let p = progress(&app, &learner, content).await;
    assert_eq!(
        (p["effective_s"].as_i64(), p["completed"].as_bool(), p["percent"].as_i64()),
        (Some(300), Some(true), Some(100))
    );
    let points = my_points(&app, &learner).await;
    assert_eq!(earned(&points, "video_watched"), 1);
    assert_eq!(earned(&points, "watching_time"), 1, "one point per three minutes (300 s)");
}

#[tokio::test]
async fn an_article_completes_only_when_its_credited_reading_reaches_half_its_estimate() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    // 90 s estimated: completing needs 45 s of credited reading.
    let content = article(&app, &room, "阅读").await;
    let mut learner = app.register("reader").await;
    let opened = send(&app, &learner, &[event("view", content, None, now(&app))]).await;
    assert_eq!(opened["not_completed"], json!([]));
    // View, wait 30 s, complete: nothing was read, so nothing completes. The event is
    // accepted (it is not an error for the batch) and reported as not completing.
    app.clock.advance(Duration::seconds(31));
    let early = event("complete", content, None, now(&app));
    let body = send(&app, &learner, std::slice::from_ref(&early)).await;
    assert_eq!((body["accepted"].as_i64(), &body["rejected"]), (Some(1), &json!([])), "{body}");
    assert_eq!(body["not_completed"], json!([{"id": early["id"], "code": "reading_too_short"}]));
    let p = progress(&app, &learner, content).await;
    assert_eq!((p["completed"].as_bool(), p["effective_s"].as_i64()), (Some(false), Some(0)), "{p}");
    assert_eq!(earned(&my_points(&app, &learner).await, "article_read"), 0);
    // 40 s read: still short of 45.
    send(&app, &learner, &[event("progress", content, Some(0), now(&app))]).await;
    app.clock.advance(Duration::seconds(40));
    let short = [event("progress", content, Some(40), now(&app)), event("complete", content, None, now(&app))];
    let body = send(&app, &learner, &short).await;
    assert_eq!(body["not_completed"], json!([{"id": short[1]["id"], "code": "reading_too_short"}]), "{body}");
    assert_eq!(progress(&app, &learner, content).await["completed"], false);
    // 10 s more, then a new complete: 50 s credited, completed and paid once.
    app.clock.advance(Duration::seconds(10));
    let body = send(
        &app,
        &learner,
        &[event("progress", content, Some(50), now(&app)), event("complete", content, None, now(&app))],
    )
    .await;
    assert_eq!((body["accepted"].as_i64(), &body["not_completed"]), (Some(2), &json!([])), "{body}");
    let p = progress(&app, &learner, content).await;
    assert_eq!(p["completed"], true, "{p}");
    assert!((50..=52).contains(&p["effective_s"].as_i64().unwrap()), "{p}");
    assert_eq!(earned(&my_points(&app, &learner).await, "article_read"), 1);
    // The batch that fell short, sent again: duplicates, nothing more.
    let again = send(&app, &learner, &short).await;
    assert_eq!((again["duplicates"].as_i64(), &again["not_completed"]), (Some(2), &json!([])), "{again}");
    // Reading time is capped by the article's length × 1.5 (90 s → 135 s), however long.
    app.clock.advance(Duration::hours(1));
    learner = app.login_ok(&learner.username).await;
    send(&app, &learner, &[event("progress", content, Some(500), now(&app))]).await;
    assert_eq!(progress(&app, &learner, content).await["effective_s"], 135);
    let stats = json_body(app.get("/me/stats", Some(&learner.access)).await).await.1;
    assert_eq!((stats["articles_completed"].as_i64(), stats["study_seconds_total"].as_i64()), (Some(1), Some(135)));
}

#[tokio::test]
async fn the_share_of_reading_an_article_needs_is_a_setting_and_short_articles_stay_completable() {
    // Every article must be read in full (100 %).
    let app = TestApp::spawn_with(&[("article_complete_share", "100")]).await;
    let room = app.newsroom().await;
    let long = article(&app, &room, "全文").await;
    // 20 characters: the shortest estimate, 10 s, below TONGXIN_MIN_READ_S (30 s).
    let short = app.published_article(&room, "短文", &"团结".repeat(10)).await;
    let learner = app.register("careful_reader").await;
    let read = |content: i64, seconds: i64| {
        let (app, learner) = (&app, &learner);
        async move {
            send(
                app,
                learner,
                &[event("view", content, None, now(app)), event("progress", content, Some(0), now(app))],
            )
            .await;
            app.clock.advance(Duration::seconds(seconds));
            let body = send(
                app,
                learner,
                &[event("progress", content, Some(seconds), now(app)), event("complete", content, None, now(app))],
            )
            .await;
            (
                body["not_completed"].as_array().unwrap().len(),
                progress(app, learner, content).await["completed"].clone(),
            )
        }
    };
    assert_eq!(read(long, 60).await, (1, json!(false)), "60 of 90 s is not enough at 100 %");
    app.clock.advance(Duration::seconds(30));
    let body =
        send(&app, &learner, &[event("progress", long, Some(90), now(&app)), event("complete", long, None, now(&app))])
            .await;
    assert_eq!(body["not_completed"], json!([]), "{body}");
    assert_eq!(progress(&app, &learner, long).await["completed"], true);
    // The 30 s floor never asks more than the article's own estimate.
    assert_eq!(read(short, 10).await, (0, json!(true)));

    for (share, ok) in [("0", true), ("100", true), ("101", false), ("-1", false), ("half", false)] {
        let config = tongxin::config::Config::from_pairs(&[("article_complete_share", share)]);
        assert_eq!(config.is_ok(), ok, "{share}");
        if let Err(e) = config {
            assert!(e.to_string().to_lowercase().contains("article_complete_share"), "{share}: {e}");
        }
    }
    assert_eq!(tongxin::config::Config::from_pairs(&[]).unwrap().article_complete_share, 50);
}

#[tokio::test]
async fn reading_several_articles_at_once_earns_no_more_than_the_time_that_passed() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let articles = [
        article(&app, &room, "并读一").await,
        article(&app, &room, "并读二").await,
        article(&app, &room, "并读三").await,
    ];
    let learner = app.register("parallel_reader").await;
    let views: Vec<Value> = articles.iter().map(|a| event("view", *a, None, now(&app))).collect();
    send(&app, &learner, &views).await;
    app.clock.advance(Duration::seconds(60));
    let reports: Vec<Value> = articles.iter().map(|a| event("progress", *a, Some(60), now(&app))).collect();
    send(&app, &learner, &reports).await;
    let mut credited = 0;
    for a in articles {
        credited += progress(&app, &learner, a).await["effective_s"].as_i64().unwrap();
    }
    assert!((60..=61).contains(&credited), "one minute passed, three articles open: {credited} s credited");
    // The same from two devices at once: still one clock.
    app.clock.advance(Duration::seconds(60));
    let bodies: Vec<Value> =
        articles[..2].iter().map(|a| json!({"events": [event("progress", *a, Some(120), now(&app))]})).collect();
    let sends = bodies.iter().map(|b| app.post_json("/events", Some(&learner.access), b));
    futures_util::future::join_all(sends).await;
    let mut after = 0;
    for a in articles {
        after += progress(&app, &learner, a).await["effective_s"].as_i64().unwrap();
    }
    assert!(
        (credited + 60..=credited + 61).contains(&after),
        "another minute from two devices: {} s more",
        after - credited
    );
    // A flood of reports in no time earns nothing more.
    for i in 0..10 {
        send(&app, &learner, &[event("progress", articles[i % 3], Some(130 + i as i64), now(&app))]).await;
    }
    let mut flooded = 0;
    for a in articles {
        flooded += progress(&app, &learner, a).await["effective_s"].as_i64().unwrap();
    }
    assert!(flooded - after <= 1, "ten reports in the same instant: {} s more", flooded - after);
    let after = flooded;
    let stats = json_body(app.get("/me/stats", Some(&learner.access)).await).await.1;
    assert_eq!(stats["study_seconds_total"].as_i64(), Some(after));
}

#[tokio::test]
async fn client_times_are_clamped_and_credit_goes_to_the_day_of_receipt() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let content = article(&app, &room, "时间").await;
    let learner = app.register("time_traveller").await;
    let long_ago = now(&app) - Duration::days(30);
    let future = now(&app) + Duration::days(2);
    let batch = [event("view", content, None, long_ago), event("share", content, None, future)];
    send(&app, &learner, &batch).await;
    let stored: Vec<(String, chrono::NaiveDateTime, chrono::NaiveDateTime, String)> = events::table
        .select((events::id, events::occurred_at, events::received_at, events::local_date))
        .load(&mut app.db())
        .unwrap();
    for (id, occurred, received, date) in stored {
        let delta = occurred - received;
        if id == batch[0]["id"] {
            assert_eq!(delta.num_days(), -7, "clamped to a week back");
        } else {
            assert!(
                delta <= Duration::minutes(5) && delta > Duration::minutes(4),
                "clamped to 5 minutes ahead: {delta}"
            );
        }
        let today = now(&app).with_timezone(&chrono_tz::Asia::Shanghai).date_naive().to_string();
        assert_eq!(date, today);
    }
    let ledger: Vec<String> = points_ledger::table.select(points_ledger::local_date).load(&mut app.db()).unwrap();
    let today = now(&app).with_timezone(&chrono_tz::Asia::Shanghai).date_naive().to_string();
    assert!(!ledger.is_empty() && ledger.iter().all(|d| *d == today), "{ledger:?}");
}

#[tokio::test]
async fn a_stale_device_cannot_move_the_resume_position_back() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let content = video(&app, &room, 600).await;
    let learner = app.register("two_phones").await;
    let t = now(&app);
    send(&app, &learner, &[event("view", content, None, t), event("progress", content, Some(300), t)]).await;
    app.clock.advance(Duration::seconds(20));
    send(&app, &learner, &[event("progress", content, Some(100), t - Duration::minutes(10))]).await;
    assert_eq!(progress(&app, &learner, content).await["position_s"], 300);
    let (_, feed) = json_body(app.get("/contents", Some(&learner.access)).await).await;
    let mine = feed["items"].as_array().unwrap().iter().find(|i| i["id"] == content).unwrap()["me"]["progress"].clone();
    assert_eq!(mine["position_s"], 300, "the feed's me block carries the resume position");
    let (_, history) = json_body(app.get("/me/history", Some(&learner.access)).await).await;
    assert_eq!(history["items"][0]["content_id"], content);
}

#[tokio::test]
async fn history_pages_visit_every_opened_content_once_newest_first() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let mut opened = Vec::new();
    for i in 0..5 {
        opened.push(article(&app, &room, &format!("历史{i}")).await);
    }
    let learner = app.register("history_reader").await;
    for content in &opened {
        send(&app, &learner, &[event("view", *content, None, now(&app))]).await;
        app.clock.advance(Duration::seconds(3));
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/me/history?limit=2&cursor={c}"),
            None => "/me/history?limit=2".to_owned(),
        };
        let (status, page) = json_body(app.get(&path, Some(&learner.access)).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(page["items"].as_array().unwrap().iter().map(|i| i["content_id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    opened.reverse();
    assert_eq!(seen, opened);
    let bad = app.get("/me/history?cursor=bm90LWEtY3Vyc29y", Some(&learner.access)).await;
    assert_problem(bad, StatusCode::BAD_REQUEST, "invalid_cursor").await;
}

#[tokio::test]
async fn daily_caps_hold_under_concurrent_awards() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let mut contents = Vec::new();
    for i in 0..8 {
        contents.push(article(&app, &room, &format!("分享{i}")).await);
    }
    let learner = app.register("sharer").await;
    let bodies: Vec<Value> =
        contents.iter().map(|c| json!({"events": [event("share", *c, None, now(&app))]})).collect();
    let shares = bodies.iter().map(|b| app.post_json("/events", Some(&learner.access), b));
    for res in futures_util::future::join_all(shares).await {
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(earned(&my_points(&app, &learner).await, "share"), 1, "the share cap is 1 a day");
    // Eight articles, each read for 46 s (one clock: one after the other), then completed
    // at once: the cap of six holds.
    for c in &contents {
        send(&app, &learner, &[event("view", *c, None, now(&app)), event("progress", *c, Some(0), now(&app))]).await;
        app.clock.advance(Duration::seconds(46));
        send(&app, &learner, &[event("progress", *c, Some(46), now(&app))]).await;
    }
    let bodies: Vec<Value> =
        contents.iter().map(|c| json!({"events": [event("complete", *c, None, now(&app))]})).collect();
    let completes = bodies.iter().map(|b| app.post_json("/events", Some(&learner.access), b));
    futures_util::future::join_all(completes).await;
    let points = my_points(&app, &learner).await;
    assert_eq!(earned(&points, "article_read"), 6);
    let ledger_total: i64 = points["items"].as_array().unwrap().iter().map(|e| e["points"].as_i64().unwrap()).sum();
    assert_eq!(points["total"].as_i64().unwrap(), ledger_total);
}

#[tokio::test]
async fn days_and_streaks_follow_local_midnight_not_utc() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let content = article(&app, &room, "午夜").await;
    let learner = app.register("night_reader").await;
    // 23:59 in Shanghai is 15:59 UTC. Three days ahead: registration's local day is today
    // or, after 16:00 UTC, tomorrow, so at least one idle day lies between.
    let last_minute = utc_day_at(3, 15, 59);
    app.clock.set(last_minute);
    let learner = app.login_ok(&learner.username).await;
    send(&app, &learner, &[event("view", content, None, now(&app))]).await;
    app.clock.advance(Duration::minutes(2));
    send(&app, &learner, &[event("view", content, None, now(&app))]).await;
    let ledger: Vec<(String, String)> = points_ledger::table
        .filter(points_ledger::user_id.eq(learner.id))
        .filter(points_ledger::action.eq("login"))
        .select((points_ledger::local_date, points_ledger::source))
        .order(points_ledger::local_date)
        .load(&mut app.db())
        .unwrap();
    let days: Vec<&str> = ledger.iter().map(|(d, _)| d.as_str()).collect();
    let (evening, after_midnight) = (ymd(last_minute), ymd(last_minute + Duration::days(1)));
    assert!(days.ends_with(&[evening.as_str(), after_midnight.as_str()]), "{days:?}");
    let stats = json_body(app.get("/me/stats", Some(&learner.access)).await).await.1;
    assert_eq!(stats["streak_days"], 2, "two local days in a row, though one UTC day");
}

#[tokio::test]
async fn a_missed_day_breaks_the_streak_but_keeps_the_longest() {
    let app = TestApp::spawn().await;
    let learner = app.register("streaker").await;
    let mut session = learner.clone();
    // 02:00 UTC is 10:00 in Shanghai; the first day is far enough ahead that the day of
    // registration is not part of the streak.
    for day in [3, 4, 5, 7] {
        app.clock.set(utc_day_at(day, 2, 0));
        session = app.login_ok(&learner.username).await;
    }
    let stats = json_body(app.get("/me/stats", Some(&session.access)).await).await.1;
    assert_eq!((stats["streak_days"].as_i64(), stats["longest_streak"].as_i64()), (Some(1), Some(3)));
    app.clock.set(utc_day_at(9, 2, 0));
    let (_, missed) = json_body(app.get("/me/stats", Some(&app.login_ok(&learner.username).await.access)).await).await;
    assert_eq!(missed["streak_days"], 1, "logging in on the ninth day starts again after missing the eighth");
}

#[tokio::test]
async fn leaderboard_ties_go_to_whoever_reached_the_score_first() {
    let app = TestApp::spawn().await;
    let first = app.register("first_up").await;
    app.clock.advance(Duration::seconds(5));
    let second = app.register("second_up").await;
    let third = app.register("third_up").await;
    let (status, board) = json_body(app.get("/leaderboards/users?period=today", Some(&third.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{board}");
    let order: Vec<i64> =
        board["items"].as_array().unwrap().iter().map(|i| i["user"]["id"].as_i64().unwrap()).collect();
    assert_eq!(&order[..3], &[first.id, second.id, third.id], "equal points: earlier first, then lower id");
    assert_eq!(board["items"][0]["rank"], 1);
    let (_, limited) = json_body(app.get("/leaderboards/users?period=today&limit=1", Some(&third.access)).await).await;
    assert_eq!(limited["items"].as_array().unwrap().len(), 1);
    assert_eq!(limited["me"], json!({"rank": 3, "points": 1}), "the caller's own rank even outside the top");
    let res = app.get("/leaderboards/users?scope=campaign:1", Some(&third.access)).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    // Only the documented form: no sign, spaces or other spellings of a number.
    for scope in ["planet:1", "org:%2B1", "org:%201", "campaign:", "org:1234567890123456789"] {
        let res = app.get(&format!("/leaderboards/users?scope={scope}"), Some(&third.access)).await;
        assert_problem(res, StatusCode::BAD_REQUEST, "invalid_scope").await;
    }
}

#[tokio::test]
async fn an_erased_account_ahead_no_longer_counts_in_a_learners_own_rank() {
    let app = TestApp::spawn().await;
    let first = app.register("first_up").await;
    app.clock.advance(Duration::seconds(5));
    let second = app.register("second_up").await;
    let third = app.register("third_up").await;
    let board = "/leaderboards/users?period=today&limit=1";
    let (_, before) = json_body(app.get(board, Some(&third.access)).await).await;
    assert_eq!(before["me"], json!({"rank": 3, "points": 1}));
    let res = app
        .request(reqwest::Method::DELETE, "/me", Some(&first.access))
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "erasure: {}", res.status());
    let (_, after) = json_body(app.get(board, Some(&third.access)).await).await;
    assert_eq!(after["me"], json!({"rank": 2, "points": 1}), "{after}");
    assert_eq!(after["items"][0]["user"]["id"], second.id, "{after}");
}

#[tokio::test]
async fn learners_under_14_are_named_to_their_own_class_and_masked_for_everyone_else() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let school = app.create_org(&admin, "小学", "school", None).await;
    let class = app.create_org(&admin, "一班", "class", school["id"].as_i64()).await;
    let other_class = app.create_org(&admin, "二班", "class", school["id"].as_i64()).await;
    let year = now(&app).with_timezone(&chrono_tz::Asia::Shanghai).format("%Y").to_string().parse::<i32>().unwrap();
    let child = app
        .register_with("little_one", json!({"org_code": class["join_code"], "birth_year": year - 9, "guardian_consent": true, "display_name": "小红"}))
        .await;
    let classmate = app.register_with("grown_up", json!({"org_code": class["join_code"]})).await;
    let outsider = app.register_with("next_door", json!({"org_code": other_class["join_code"]})).await;
    let board = |scope: String, token: String| {
        let app = &app;
        async move {
            json_body(app.get(&format!("/leaderboards/users?period=today&scope={scope}"), Some(&token)).await).await.1
        }
    };
    let find = |b: &Value| {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["user"]["id"] == child.id || i["user"]["masked"] == true)
            .cloned()
            .unwrap()
    };
    for scope in [format!("org:{}", class["id"]), format!("org:{}", school["id"]), "global".to_owned()] {
        let named = find(&board(scope.clone(), classmate.access.clone()).await);
        assert_eq!(
            (named["user"]["display_name"].as_str(), named["user"]["masked"].as_bool()),
            (Some("小红"), Some(false)),
            "{scope}"
        );
        let entry = find(&board(scope.clone(), outsider.access.clone()).await);
        assert_eq!(entry["user"], json!({"id": null, "display_name": null, "org": null, "masked": true}), "{scope}");
        assert_eq!(entry["points"], 1, "counted, though masked");
    }
    let (_, own) = json_body(app.get("/leaderboards/users?period=today", Some(&child.access)).await).await;
    let me = own["items"].as_array().unwrap().iter().find(|i| i["user"]["id"] == child.id).unwrap().clone();
    assert_eq!(me["user"]["masked"], false, "a learner always sees themselves");
}

#[tokio::test]
async fn organization_boards_make_small_and_large_units_comparable() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let county = app.create_org(&admin, "县", "county", None).await;
    let big = app.create_org(&admin, "大单位", "unit", county["id"].as_i64()).await;
    let small = app.create_org(&admin, "小单位", "unit", county["id"].as_i64()).await;
    // Big: four members, one active twice over two days' logins... keep it simple: members
    // are active by registering (the first activity of the day earns a point).
    for i in 0..4 {
        let body = json!({"username": format!("big_{i}"), "password": PASSWORD, "display_name": "大", "audience": "public", "org_code": big["join_code"]});
        if i < 2 {
            app.post_json("/auth/register", None, &body).await;
        } else {
            // Registered earlier in the week: members, but not active today.
            app.clock.advance(Duration::days(-2));
            app.post_json("/auth/register", None, &body).await;
            app.clock.advance(Duration::days(2));
        }
    }
    app.register_with("small_0", json!({"org_code": small["join_code"]})).await;
    let viewer = app.login_ok("small_0").await;
    let get = |metric: &'static str| {
        let token = viewer.access.clone();
        let app = &app;
        let parent = county["id"].clone();
        async move {
            json_body(
                app.get(
                    &format!("/leaderboards/organizations?parent={parent}&period=today&metric={metric}"),
                    Some(&token),
                )
                .await,
            )
            .await
            .1
        }
    };
    let total = get("total").await;
    assert_eq!(total["items"][0]["org"]["name"], "大单位");
    assert_eq!(
        (
            total["items"][0]["points"].as_i64(),
            total["items"][0]["members"].as_i64(),
            total["items"][0]["active_members"].as_i64()
        ),
        (Some(2), Some(4), Some(2))
    );
    let participation = get("participation").await;
    assert_eq!(participation["items"][0]["org"]["name"], "小单位");
    assert_eq!(participation["items"][0]["value"], 1.0);
    assert_eq!(participation["items"][1]["value"], 0.5);
    let per_member = get("per_member").await;
    assert_eq!(per_member["items"][0]["org"]["name"], "小单位");
}

#[tokio::test]
async fn daily_quiz_points_are_per_correct_answer_up_to_the_cap() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let body =
            json!({"kind": "true_false", "stem": format!("判断{i}"), "answer": true, "topic": room.topic["slug"]});
        let (_, q) = json_body(app.post_json("/admin/questions", Some(&room.editor.access), &body).await).await;
        ids.push(q["id"].as_i64().unwrap());
    }
    let quiz = json!({"title": "每日", "mode": "daily", "draw": {"count": 7}});
    let (_, created) = json_body(app.post_json("/admin/quizzes", Some(&room.editor.access), &quiz).await).await;
    let quiz_id = created["id"].as_i64().unwrap();
    app.post_json(&format!("/admin/quizzes/{quiz_id}/submit"), Some(&room.editor.access), &json!({})).await;
    app.post_json(&format!("/admin/quizzes/{quiz_id}/approve"), Some(&room.reviewer.access), &json!({})).await;
    let learner = app.register("quizzer").await;
    let (_, attempt) =
        json_body(app.post_json(&format!("/quizzes/{quiz_id}/attempts"), Some(&learner.access), &json!({})).await)
            .await;
    let answers: Vec<Value> = ids.iter().map(|id| json!({"question_id": id, "response": true})).collect();
    let (_, result) = json_body(
        app.post_json(
            &format!("/attempts/{}/submit", attempt["id"]),
            Some(&learner.access),
            &json!({"answers": answers}),
        )
        .await,
    )
    .await;
    assert_eq!(result["score"], 7);
    let points = my_points(&app, &learner).await;
    assert_eq!(earned(&points, "daily_quiz"), 5, "seven right, capped at five");
    let stats = json_body(app.get("/me/stats", Some(&learner.access)).await).await.1;
    assert_eq!(stats["quizzes_taken"], 1);
}

#[tokio::test]
async fn admins_change_point_rules_and_a_disabled_rule_awards_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let (_, rules) = json_body(app.get("/admin/point-rules", Some(&admin.access)).await).await;
    let share = rules["items"].as_array().unwrap().iter().find(|r| r["action"] == "share").unwrap().clone();
    assert_eq!((share["points"].as_i64(), share["daily_cap"].as_i64()), (Some(1), Some(1)));
    let body = json!({"rules": [{"action": "login", "points": 3, "daily_cap": 3, "enabled": false}]});
    let (status, updated) =
        json_body(app.send_json(reqwest::Method::PUT, "/admin/point-rules", Some(&admin.access), &body).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(updated["items"].as_array().unwrap().iter().any(|r| r["action"] == "login" && r["enabled"] == false));
    let learner = app.register("no_login_points").await;
    assert_eq!(my_points(&app, &learner).await["total"], 0);
    let res = app
        .send_json(
            reqwest::Method::PUT,
            "/admin/point-rules",
            Some(&admin.access),
            &json!({"rules": [{"action": "flying", "points": 1, "daily_cap": null, "enabled": true}]}),
        )
        .await;
    assert_invalid(res, &["rules[0].action"]).await;
    let res = app.send_json(reqwest::Method::PUT, "/admin/point-rules", Some(&learner.access), &body).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let (_, log) = json_body(app.get("/admin/audit-log?action=point_rules.update", Some(&admin.access)).await).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
}

/// A small random generator (no extra dependency), seeded so failures reproduce.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[tokio::test]
async fn the_ledger_my_points_and_the_leaderboards_always_agree() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let contents = [article(&app, &room, "甲").await, article(&app, &room, "乙").await, video(&app, &room, 240).await];
    let mut learners = Vec::new();
    for i in 0..4 {
        learners.push(app.register(&format!("random_{i}")).await);
    }
    let mut rng = Lcg(20_261_127);
    let mut logged_in_at = now(&app);
    for _ in 0..60 {
        let who = rng.next(4) as usize;
        let content = contents[rng.next(3) as usize];
        let kind = ["view", "progress", "complete", "share"][rng.next(4) as usize];
        let position = (kind == "progress").then(|| rng.next(300) as i64);
        let mut batch = vec![event(kind, content, position, now(&app))];
        if rng.next(3) == 0 {
            batch.push(batch[0].clone());
        }
        send(&app, &learners[who], &batch).await;
        app.clock.advance(Duration::seconds(rng.next(90) as i64));
        if rng.next(10) == 0 {
            app.clock.advance(Duration::hours(20));
        }
        // Access tokens last 15 minutes; log everyone in again well before that.
        if now(&app) - logged_in_at > Duration::minutes(10) {
            logged_in_at = now(&app);
            for l in &mut learners {
                *l = app.login_ok(&l.username).await;
            }
        }
    }
    let viewer = app.login_ok(&learners[0].username).await;
    for period in ["today", "week", "month", "all"] {
        let (_, board) =
            json_body(app.get(&format!("/leaderboards/users?period={period}&limit=100"), Some(&viewer.access)).await)
                .await;
        for learner in &learners {
            let session = app.login_ok(&learner.username).await;
            let ledger: Vec<(i32, String)> = points_ledger::table
                .filter(points_ledger::user_id.eq(learner.id))
                .select((points_ledger::points, points_ledger::local_date))
                .load(&mut app.db())
                .unwrap();
            let today = now(&app).with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
            let in_period = |date: &str| {
                let d: chrono::NaiveDate = date.parse().unwrap();
                match period {
                    "today" => d == today,
                    "week" => d.iso_week() == today.iso_week(),
                    "month" => d.format("%Y-%m").to_string() == today.format("%Y-%m").to_string(),
                    _ => true,
                }
            };
            let expected: i64 = ledger.iter().filter(|(_, d)| in_period(d)).map(|(p, _)| i64::from(*p)).sum();
            let on_board = board["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["user"]["id"] == learner.id)
                .map_or(0, |i| i["points"].as_i64().unwrap());
            assert_eq!(on_board, expected, "{period}: leaderboard for {}", learner.username);
            if period == "all" {
                let total = my_points(&app, &session).await["total"].as_i64().unwrap();
                assert_eq!(total, expected, "/me/points total for {}", learner.username);
            }
        }
    }
}

use chrono::Datelike as _;

/// A content's (views, shares) counters as stored.
fn counters(db: &mut tongxin::db::DbConn, content: i64) -> (i64, i64) {
    contents::table.find(content).select((contents::view_count, contents::share_count)).first(db).unwrap()
}

#[tokio::test]
async fn concurrent_batches_from_many_learners_add_up_exactly_in_the_shared_counters() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let (first, second) = (article(&app, &room, "共同体").await, article(&app, &room, "石榴籽").await);
    let mut learners = Vec::new();
    for i in 0..12 {
        learners.push(app.register(&format!("crowd_{i}")).await);
    }
    // Each learner: two views of the first article, one view and one share of the second;
    // every batch sent twice at once (a retry racing the original).
    let bodies: Vec<(Session, Value)> = learners
        .iter()
        .map(|l| {
            let events = [
                event("view", first, None, now(&app)),
                event("view", first, None, now(&app)),
                event("view", second, None, now(&app)),
                event("share", second, None, now(&app)),
            ];
            (l.clone(), json!({"events": events}))
        })
        .collect();
    let sends = bodies.iter().flat_map(|(l, b)| {
        [app.post_json("/events", Some(&l.access), b), app.post_json("/events", Some(&l.access), b)]
    });
    let mut accepted = 0;
    for res in futures_util::future::join_all(sends).await {
        let (status, body) = json_body(res).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        accepted += body["accepted"].as_i64().unwrap();
        assert_eq!(body["accepted"].as_i64().unwrap() + body["duplicates"].as_i64().unwrap(), 4, "{body}");
    }
    assert_eq!(accepted, 12 * 4, "each event counted once");
    let mut db = app.db();
    assert_eq!(counters(&mut db, first), (24, 0));
    assert_eq!(counters(&mut db, second), (12, 12));
    let days: Vec<(i64, i32, i32, i32)> = content_daily::table
        .select((content_daily::content_id, content_daily::views, content_daily::shares, content_daily::learner_days))
        .order(content_daily::content_id)
        .load(&mut db)
        .unwrap();
    assert_eq!(days, [(first, 24, 0, 12), (second, 12, 12, 12)]);
}

#[tokio::test]
async fn a_group_of_batches_commits_all_but_the_one_whose_learner_was_erased_meanwhile() {
    use tongxin::domain::engagement::check;
    use tongxin::domain::group_commit::write_group;
    use tongxin::domain::points::Earner;
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let content = article(&app, &room, "同心").await;
    let stays = app.register("stays_here").await;
    let leaves = app.register("leaves_now").await;
    // Checked (and so authenticated) before the erasure commits.
    let settings = app.state.engagement();
    let batch = |who: &Session, kind: &str| {
        let earner = Earner::learner(who.id, None);
        check(earner, &[event(kind, content, None, now(&app))], now(&app), settings)
    };
    let group = vec![batch(&stays, "view"), batch(&leaves, "view"), batch(&stays, "share")];
    let res = app
        .request(reqwest::Method::DELETE, "/me", Some(&leaves.access))
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "erasure: {}", res.status());
    let mut conn = app.db();
    let results = tokio::task::spawn_blocking(move || write_group(&mut conn, group)).await.unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().map(|o| o.accepted).ok(), Some(1));
    assert!(
        matches!(results[1], Err(tongxin::error::AppError::Unauthorized { .. })),
        "the erased learner's batch is refused: {:?}",
        results[1]
    );
    assert_eq!(results[2].as_ref().map(|o| o.accepted).ok(), Some(1));
    let mut db = app.db();
    let stored: Vec<i64> = events::table.select(events::user_id).load(&mut db).unwrap();
    assert_eq!(stored, [stays.id, stays.id], "nothing of the erased learner's batch stays");
    assert_eq!(counters(&mut db, content), (1, 1), "only the committed batches reach the shared counters");
}

#[tokio::test]
async fn a_large_boards_own_rank_counts_the_others_as_of_a_snapshot_no_older_than_configured() {
    // Every board counts as large here; the snapshot may be two days old.
    let app = TestApp::spawn_with(&[
        ("rank_snapshot_min", "1"),
        ("rank_snapshot_s", "172800"),
        ("access_token_ttl_s", "604800"),
    ])
    .await;
    app.register("first_up").await;
    app.clock.advance(Duration::seconds(5));
    app.register("second_up").await;
    let third = app.register("third_up").await;
    app.clock.advance(Duration::seconds(5));
    app.register("late_comer").await;
    let me = async |token: &str| {
        let (status, body) = json_body(app.get("/leaderboards/users?period=all&limit=1", Some(token)).await).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["me"].clone()
    };
    assert_eq!(me(&third.access).await, json!({"rank": 3, "points": 1}));
    // A day later the late comer logs in again and passes the third learner...
    app.clock.advance(Duration::days(1));
    let late = app.login_ok("late_comer").await;
    let third = app.login_ok("third_up").await;
    assert_eq!(me(&late.access).await, json!({"rank": 1, "points": 2}), "the caller's own points are current");
    // ...whom the third learner (now at 2 points too, reached later) sees only once the
    // snapshot from the day before has aged past its limit.
    assert_eq!(me(&third.access).await, json!({"rank": 1, "points": 2}), "ahead of everyone in the old snapshot");
    app.clock.advance(Duration::days(2));
    assert_eq!(me(&third.access).await, json!({"rank": 2, "points": 2}));
}

#[tokio::test]
async fn a_partial_point_rule_change_keeps_every_field_it_does_not_send() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let put = |body: Value| {
        let (app, token) = (&app, admin.access.clone());
        async move { json_body(app.send_json(reqwest::Method::PUT, "/admin/point-rules", Some(&token), &body).await).await }
    };
    let rule = |rules: &Value, action: &str| {
        rules["items"].as_array().unwrap().iter().find(|r| r["action"] == action).cloned().unwrap()
    };
    let (status, rules) = put(json!({"rules": [{"action": "share", "points": 2}]})).await;
    assert_eq!(status, StatusCode::OK, "{rules}");
    let share = rule(&rules, "share");
    assert_eq!(
        (share["points"].as_i64(), share["daily_cap"].as_i64(), share["enabled"].as_bool()),
        (Some(2), Some(1), Some(true))
    );
    let (status, rules) =
        put(json!({"rules": [{"action": "share", "enabled": false}, {"action": "login", "daily_cap": null}]})).await;
    assert_eq!(status, StatusCode::OK, "{rules}");
    let (share, login) = (rule(&rules, "share"), rule(&rules, "login"));
    assert_eq!(
        (share["points"].as_i64(), share["daily_cap"].as_i64(), share["enabled"].as_bool()),
        (Some(2), Some(1), Some(false))
    );
    assert_eq!(
        (login["points"].as_i64(), login["daily_cap"].clone(), login["enabled"].as_bool()),
        (Some(1), Value::Null, Some(true))
    );
    let (_, stored) = json_body(app.get("/admin/point-rules", Some(&admin.access)).await).await;
    assert_eq!(rule(&stored, "share")["enabled"], false);
    let res = app
        .send_json(
            reqwest::Method::PUT,
            "/admin/point-rules",
            Some(&admin.access),
            &json!({"rules": [{"action": "share", "points": -1}]}),
        )
        .await;
    assert_invalid(res, &["rules[0].points"]).await;
    // The audit log says what each changed rule now is.
    let (_, log) = json_body(app.get("/admin/audit-log?action=point_rules.update", Some(&admin.access)).await).await;
    let entries = log["items"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert!(
        entries
            .iter()
            .any(|e| e["detail"]
                == json!({"rules": [{"action": "share", "points": 2, "daily_cap": 1, "enabled": true}]})),
        "{log}"
    );
}

#[tokio::test]
async fn progress_takes_exactly_the_id_lists_its_documented_pattern_describes() {
    let app = TestApp::spawn().await;
    let learner = app.register("lister").await;
    let get = |query: String| {
        let (app, token) = (&app, learner.access.clone());
        async move { app.get(&format!("/me/progress?content_ids={query}"), Some(&token)).await }
    };
    let hundred: Vec<String> = (1..=100).map(|i| i.to_string()).collect();
    assert_eq!(get(hundred.join(",")).await.status(), StatusCode::OK);
    for bad in ["", "1,,2", "1,%202", "-1", "a", "1234567890123456789", &format!("{},101", hundred.join(","))] {
        assert_invalid(get(bad.to_owned()).await, &["content_ids"]).await;
    }
}
