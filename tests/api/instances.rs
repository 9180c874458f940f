//! Two instances of the real binary on one database, as behind a load balancer: sessions,
//! attempts, event batches and publishing hold whichever instance a request reaches.
//! The data is prepared through an in-process app on the same database; what is under
//! test goes through the two processes, A and B.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tongxin::db::schema::{contents, events};

use crate::helpers::*;
use crate::processes::*;

/// Batches sent to both instances at once.
const ROUNDS: i64 = 5;

/// Two instances started together beside the setup app.
async fn pair(app: &TestApp, settings: &[(&str, &str)]) -> (Server, Server) {
    let deployment = Deployment::beside(app, settings);
    tokio::join!(deployment.start(), deployment.start())
}

#[tokio::test]
async fn two_instances_started_together_on_an_empty_database_both_migrate_and_serve() {
    let database = TestDatabase::create();
    let media = tempfile::tempdir().unwrap();
    let deployment = Deployment::on(&database, media.path(), &[]);
    let (a, b) = tokio::join!(deployment.start(), deployment.start());
    let learner = a.register("first_comer").await;
    let (status, me) = json_body(b.get("/me", Some(&learner.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["username"], "first_comer");
}

#[tokio::test]
async fn a_session_rotates_on_either_instance_and_a_used_refresh_token_is_refused_on_the_other() {
    let app = setup_app(&[]).await;
    // No grace window: a used token presented again is a reuse at once.
    let (mut a, b) = pair(&app, &[("refresh_grace_s", "0")]).await;
    let learner = a.register("roaming_learner").await;
    let (status, me) = json_body(b.get("/me", Some(&learner.access)).await).await;
    assert_eq!((status, me["id"].as_i64()), (StatusCode::OK, Some(learner.id)), "A's access token works on B");

    let (status, body) =
        json_body(b.post_json("/auth/refresh", None, &json!({"refresh_token": learner.refresh})).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let renewed = session_of(&body);
    assert_ne!(renewed.refresh, learner.refresh);
    assert_eq!(a.get("/me", Some(&renewed.access)).await.status(), StatusCode::OK, "B's token works on A");

    let res = a.post_json("/auth/refresh", None, &json!({"refresh_token": learner.refresh})).await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    let res = b.post_json("/auth/refresh", None, &json!({"refresh_token": renewed.refresh})).await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;

    // Sessions live in the database: a session begun on A goes on on B after A stops.
    let (status, body) = json_body(
        a.post_json("/auth/login", None, &json!({"username": "roaming_learner", "password": PASSWORD})).await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let again = session_of(&body);
    assert!(a.stop().await.success(), "A exits cleanly on SIGTERM");
    let res = b.post_json("/auth/refresh", None, &json!({"refresh_token": again.refresh})).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_attempt_started_on_one_instance_is_answered_and_scored_once_on_the_other() {
    let app = setup_app(&[]).await;
    let room = app.newsroom().await;
    let (quiz, questions) = contest(&app, &room, 3, 5).await;
    let (a, b) = pair(&app, &[]).await;
    let learner = a.register("two_tabs").await;
    let token = Some(learner.access.as_str());
    let start = format!("/quizzes/{quiz}/attempts");
    let (status, attempt) = json_body(a.post_json(&start, token, &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{attempt}");
    let id = attempt["id"].as_i64().unwrap();
    let (_, resumed) = json_body(b.post_json(&start, token, &json!({})).await).await;
    assert_eq!(resumed["id"], id, "B resumes the attempt A started");

    let answer = |server: &Server, question: i64, response: bool| {
        let path = format!("/attempts/{id}/answers/{question}");
        let body = json!({"response": response});
        let http = server.http.clone();
        let token = learner.access.clone();
        async move { http.send_json(Method::PUT, &path, Some(&token), &body).await }
    };
    assert_eq!(answer(&b, questions[0], true).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(answer(&a, questions[1], false).await.status(), StatusCode::NO_CONTENT);
    let body = json!({"answers": [{"question_id": questions[2], "response": true}]});
    let (status, result) = json_body(b.post_json(&format!("/attempts/{id}/submit"), token, &body).await).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!((result["status"].as_str(), result["score"].as_i64()), (Some("submitted"), Some(2)), "{result}");

    let (_, seen) = json_body(a.get(&format!("/attempts/{id}"), token).await).await;
    assert_eq!((seen["score"].as_i64(), &seen["submitted_at"]), (Some(2), &result["submitted_at"]));
    let (status, again) = json_body(a.post_json(&format!("/attempts/{id}/submit"), token, &json!({})).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((again["score"].as_i64(), &again["submitted_at"]), (Some(2), &result["submitted_at"]), "stored result");

    let (_, points) = json_body(a.get("/me/points?limit=100", token).await).await;
    let contest: Vec<&Value> =
        points["items"].as_array().unwrap().iter().filter(|e| e["action"] == "contest_quiz").collect();
    assert_eq!(contest.len(), 1, "one ledger entry: {points}");
    assert_eq!(
        (contest[0]["source"].as_str(), contest[0]["points"].as_i64()),
        (Some(&*format!("attempt:{id}")), Some(10))
    );
    let (_, stats) = json_body(b.get("/me/stats", token).await).await;
    assert_eq!(stats["quizzes_taken"], 1, "{stats}");
}

#[tokio::test]
async fn the_same_event_batch_sent_to_both_instances_at_once_counts_once() {
    let app = setup_app(&[]).await;
    let room = app.newsroom().await;
    let articles = [
        app.published_article(&room, "甲文", &"团结".repeat(300)).await,
        app.published_article(&room, "乙文", &"进步".repeat(300)).await,
    ];
    let (a, b) = pair(&app, &[("min_read_s", "0"), ("article_complete_share", "0")]).await;
    let learner = a.register("double_sender").await;
    let token = Some(learner.access.as_str());
    let mut sent = 0;
    for round in 0..ROUNDS {
        let mut batch = Vec::new();
        for &article in &articles {
            batch.push(event("view", article, None));
            batch.push(event("progress", article, Some(10 * round)));
            batch.push(event("share", article, None));
            if round == ROUNDS - 1 {
                batch.push(event("complete", article, None));
            }
        }
        let body = json!({"events": batch});
        sent += batch.len();
        let (on_a, on_b) = tokio::join!(a.post_json("/events", token, &body), b.post_json("/events", token, &body));
        let ((status_a, on_a), (status_b, on_b)) = (json_body(on_a).await, json_body(on_b).await);
        assert_eq!((status_a, status_b), (StatusCode::OK, StatusCode::OK), "{on_a} {on_b}");
        let n = batch.len() as i64;
        for result in [&on_a, &on_b] {
            assert_eq!(result["rejected"], json!([]), "{result}");
            assert_eq!(result["accepted"].as_i64().unwrap() + result["duplicates"].as_i64().unwrap(), n, "{result}");
        }
        // The learner's batches are serialized by a row lock: one instance takes it all.
        let accepted = [on_a["accepted"].as_i64().unwrap(), on_b["accepted"].as_i64().unwrap()];
        assert!(accepted == [n, 0] || accepted == [0, n], "round {round}: A {on_a}, B {on_b}");
    }

    let mut db = app.db();
    let stored: i64 = events::table.filter(events::user_id.eq(learner.id)).count().get_result(&mut db).unwrap();
    assert_eq!(stored, sent as i64);
    for article in articles {
        let counted: (i64, i64) =
            contents::table.find(article).select((contents::view_count, contents::share_count)).first(&mut db).unwrap();
        assert_eq!(counted, (ROUNDS, ROUNDS), "views and shares of {article}");
    }
    let (_, stats) = json_body(b.get("/me/stats", token).await).await;
    assert_eq!(stats["articles_completed"], 2, "{stats}");
    let ids = articles.map(|a| a.to_string()).join(",");
    let (_, progress) = json_body(a.get(&format!("/me/progress?content_ids={ids}"), token).await).await;
    let effective: i64 = progress["items"].as_array().unwrap().iter().map(|p| p["effective_s"].as_i64().unwrap()).sum();
    assert_eq!(
        stats["study_seconds_total"].as_i64(),
        Some(effective),
        "study time is the sum of the contents' {progress}"
    );
    let (_, points) = json_body(a.get("/me/points?limit=100", token).await).await;
    let ledger = ledger_by_source(&points);
    for article in articles {
        let read = ledger.get(&("article_read".to_owned(), format!("content:{article}")));
        assert_eq!(read, Some(&vec![1]), "{points}");
    }
    // Sharing pays one point a day (entries that got nothing are not listed).
    assert_eq!(ledger.keys().filter(|(action, _)| action == "share").count(), 1, "{points}");
    assert!(ledger.values().all(|entries| entries.len() == 1), "nothing awarded twice: {points}");
}

#[tokio::test]
async fn publishing_on_one_instance_shows_on_the_other_within_five_seconds() {
    let app = setup_app(&[]).await;
    let room = app.newsroom().await;
    let standing = app.published_article(&room, "常驻文章", "正文").await;
    let fresh = app.draft_article(&room, "新文章", "正文").await;
    let (a, b) = pair(&app, &[]).await;
    let reader = b.register("cached_reader").await;
    let ids = [standing, fresh];
    let watch = Watch { server: &b, token: &reader.access, ids: &ids };

    // Warm B: the feed and both details, anonymously and signed in.
    let seen = watch.look().await;
    for sight in &seen {
        assert_eq!(sight.feed.get(&standing).map(String::as_str), Some("常驻文章"), "{sight:?}");
        assert!(!sight.feed.contains_key(&fresh) && sight.details[&fresh].is_none(), "{sight:?}");
    }

    let editor = Some(room.editor.access.as_str());
    let reviewer = Some(room.reviewer.access.as_str());
    assert_eq!(
        a.post_json(&format!("/admin/contents/{fresh}/submit"), editor, &json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        a.post_json(&format!("/admin/contents/{fresh}/approve"), reviewer, &json!({})).await.status(),
        StatusCode::OK
    );
    watch
        .until("the published article", |s| {
            s.feed.get(&fresh).map(String::as_str) == Some("新文章") && s.details[&fresh].as_deref() == Some("新文章")
        })
        .await;

    // A change to a published article goes live on B once another reviewer approves it.
    let edit = json!({"title": "常驻文章（更正）"});
    let res = a.patch_json(&format!("/admin/contents/{standing}"), editor, &edit).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = a.post_json(&format!("/admin/contents/{standing}/submit"), editor, &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = a.post_json(&format!("/admin/contents/{standing}/approve"), reviewer, &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    watch
        .until("the corrected title", |s| {
            s.feed.get(&standing).map(String::as_str) == Some("常驻文章（更正）")
                && s.details[&standing].as_deref() == Some("常驻文章（更正）")
        })
        .await;

    let res = a.try_send(Method::DELETE, &format!("/admin/contents/{fresh}"), reviewer, None).await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    watch.until("the archiving", |s| !s.feed.contains_key(&fresh) && s.details[&fresh].is_none()).await;
}

/// What a reader sees of some contents on one instance: titles in the feed, and each
/// detail's title (`None`: 404).
#[derive(Debug)]
struct Sight {
    feed: BTreeMap<i64, String>,
    details: BTreeMap<i64, Option<String>>,
}

struct Watch<'a> {
    server: &'a Server,
    token: &'a str,
    ids: &'a [i64],
}

impl Watch<'_> {
    /// The anonymous sight and the signed-in one.
    async fn look(&self) -> [Sight; 2] {
        [self.sight(None).await, self.sight(Some(self.token)).await]
    }

    async fn sight(&self, token: Option<&str>) -> Sight {
        let (status, page) = json_body(self.server.get("/contents?limit=100", token).await).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let feed = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].as_i64().unwrap(), i["title"].as_str().unwrap().to_owned()))
            .collect();
        let mut details = BTreeMap::new();
        for &id in self.ids {
            let (status, detail) = json_body(self.server.get(&format!("/contents/{id}"), token).await).await;
            let title = match status {
                StatusCode::OK => Some(detail["title"].as_str().unwrap().to_owned()),
                StatusCode::NOT_FOUND => None,
                other => panic!("GET /contents/{id}: {other} {detail}"),
            };
            details.insert(id, title);
        }
        Sight { feed, details }
    }

    /// Polls every 100 ms until both sights pass `check`; fails after 5 s.
    async fn until(&self, what: &str, check: impl Fn(&Sight) -> bool) {
        let started = Instant::now();
        loop {
            let sights = self.look().await;
            if sights.iter().all(&check) {
                eprintln!("{what} showed on the other instance after {} ms", started.elapsed().as_millis());
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(5), "{what} not visible on B within 5 s: {sights:#?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
