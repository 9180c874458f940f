//! Crash safety: the server is SIGKILLed while requests are in flight and started again
//! on the same database. Whatever it acknowledged is kept, and a client that retries
//! everything it is unsure of (and more) gets nothing counted twice.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::prelude::*;
use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tongxin::db::schema::{contents, events};

use crate::helpers::*;
use crate::processes::*;

const SENDERS: usize = 4;
const BATCHES: usize = 32;
/// SIGKILLs while the events are sent, each after this many more answers.
const KILLS: usize = 3;
const KILL_AFTER: usize = 5;

/// `count` batches over these articles: each views and moves on in every article, shares
/// one and completes it. Ids are fixed now, as an app stores its queue before sending.
fn batches(articles: &[i64], count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| {
            let mut events = Vec::new();
            for (k, &article) in articles.iter().enumerate() {
                events.push(event("view", article, None));
                events.push(event("progress", article, Some((i * 5 + k) as i64)));
            }
            let article = articles[i % articles.len()];
            events.push(event("share", article, None));
            events.push(event("complete", article, None));
            json!({"events": events})
        })
        .collect()
}

/// A random pause before a kill, so that over runs it falls anywhere in a request's life:
/// right after an answer it would mostly hit the next request early on.
async fn land_anywhere() {
    tokio::time::sleep(std::time::Duration::from_millis(rand::random_range(0..30))).await;
}

fn len(batch: &Value) -> i64 {
    batch["events"].as_array().unwrap().len() as i64
}

fn counts(result: &Value) -> (i64, i64) {
    assert_eq!(result["rejected"], json!([]), "{result}");
    (result["accepted"].as_i64().unwrap(), result["duplicates"].as_i64().unwrap())
}

/// Sends every batch from `SENDERS` concurrent tasks; returns each one's answer (`None`
/// when no answer came). After `kill_after` answers, `kill` runs while the rest are in flight.
async fn send_all(
    http: &Http,
    token: &str,
    batches: &[Value],
    kill_after: Option<(usize, Box<dyn FnOnce() + '_>)>,
) -> Vec<Option<(StatusCode, Value)>> {
    let answers: Vec<Mutex<Option<(StatusCode, Value)>>> = batches.iter().map(|_| Mutex::new(None)).collect();
    let answered = AtomicUsize::new(0);
    let threshold = kill_after.as_ref().map_or(usize::MAX, |(n, _)| *n);
    let enough = Notify::new();
    let senders = (0..SENDERS).map(|task| {
        let (answers, answered, enough) = (&answers, &answered, &enough);
        async move {
            for i in (task..batches.len()).step_by(SENDERS) {
                // A transport error, or a body cut off by the crash, is no answer.
                let Ok(res) = http.try_send(Method::POST, "/events", Some(token), Some(&batches[i])).await else {
                    continue;
                };
                let status = res.status();
                let Ok(text) = res.text().await else { continue };
                *answers[i].lock().unwrap() = Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)));
                if answered.fetch_add(1, Ordering::SeqCst) + 1 == threshold {
                    enough.notify_one();
                }
            }
        }
    });
    let killer = async {
        if let Some((_, kill)) = kill_after {
            enough.notified().await;
            land_anywhere().await;
            kill();
        }
    };
    tokio::join!(join_all(senders), killer);
    answers.into_iter().map(|a| a.into_inner().unwrap()).collect()
}

#[tokio::test]
async fn events_acknowledged_before_a_sigkill_are_kept_and_retries_after_restart_count_once() {
    let app = setup_app(&[]).await;
    let room = app.newsroom().await;
    let mut articles = Vec::new();
    for title in ["一", "二", "三", "四"] {
        articles.push(app.published_article(&room, &format!("第{title}篇"), &"团结".repeat(300)).await);
    }
    let crashed = app.register("crashed_learner").await;
    let calm = app.register("calm_learner").await;
    let mut server = Deployment::beside(&app, &[("min_read_s", "0"), ("article_complete_share", "0")]).start().await;
    let sent = batches(&articles, BATCHES);

    // Each round sends what is not acknowledged yet and kills the server after a few
    // answers, with other batches in flight; then it is started again.
    let mut answered: Vec<Vec<(i64, i64)>> = vec![Vec::new(); BATCHES];
    for _ in 0..KILLS {
        let pending: Vec<usize> = (0..BATCHES).filter(|&i| answered[i].is_empty()).collect();
        let bodies: Vec<Value> = pending.iter().map(|&i| sent[i].clone()).collect();
        let http = server.http.clone();
        let kill = Box::new(|| server.kill());
        let answers = send_all(&http, &crashed.access, &bodies, Some((KILL_AFTER, kill))).await;
        assert!(answers.iter().any(Option::is_none), "killed with batches unanswered");
        for (&i, answer) in pending.iter().zip(answers) {
            if let Some((status, result)) = answer {
                assert_eq!(status, StatusCode::OK, "every answer before a crash is a success: {result}");
                answered[i].push(counts(&result));
            }
        }
        server.restart().await;
    }
    // The client retries what was not acknowledged and, to be sure, sends the rest again.
    for (i, answer) in send_all(&server.http, &crashed.access, &sent, None).await.into_iter().enumerate() {
        let (status, result) = answer.unwrap_or_else(|| panic!("batch {i} got no answer after the restarts"));
        assert_eq!(status, StatusCode::OK, "{result}");
        answered[i].push(counts(&result));
    }
    let mut committed_unanswered = 0;
    for (i, (batch, answers)) in sent.iter().zip(&answered).enumerate() {
        let n = len(batch);
        assert!(answers.iter().all(|&(new, dup)| new + dup == n && (new == 0 || new == n)), "batch {i}: {answers:?}");
        // Exactly one delivery stored it: an answered one, or one whose answer the crash cut off.
        let accepted: i64 = answers.iter().map(|a| a.0).sum();
        assert!(accepted == 0 || (accepted == n && answers[0].0 == n), "batch {i} counted once: {answers:?}");
        committed_unanswered += usize::from(accepted == 0);
    }
    eprintln!(
        "{KILLS} SIGKILLs: {} batches acknowledged before them, {committed_unanswered} stored without an answer",
        answered.iter().filter(|a| a.len() > 1).count()
    );

    // The same kind of batches, delivered once, without a crash.
    let calm_batches = batches(&articles, BATCHES);
    for answer in send_all(&server.http, &calm.access, &calm_batches, None).await {
        let (status, result) = answer.unwrap();
        assert_eq!((status, counts(&result).1), (StatusCode::OK, 0), "{result}");
    }

    let mut db = app.db();
    let mut stored: Vec<String> =
        events::table.filter(events::user_id.eq(crashed.id)).select(events::id).load(&mut db).unwrap();
    let mut expected: Vec<String> = sent
        .iter()
        .flat_map(|b| b["events"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()))
        .collect();
    stored.sort();
    expected.sort();
    assert_eq!(stored, expected, "exactly the events sent are stored, each once");
    let per_article = (BATCHES / articles.len()) as i64;
    for &article in &articles {
        let counted: (i64, i64) =
            contents::table.find(article).select((contents::view_count, contents::share_count)).first(&mut db).unwrap();
        assert_eq!(counted, (2 * BATCHES as i64, 2 * per_article), "views and shares of {article}, both learners");
    }

    let ids = articles.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let mut summaries = Vec::new();
    for learner in [&crashed, &calm] {
        let token = Some(learner.access.as_str());
        let (_, stats) = json_body(server.get("/me/stats", token).await).await;
        let (_, progress) = json_body(server.get(&format!("/me/progress?content_ids={ids}"), token).await).await;
        let (_, points) = json_body(server.get("/me/points?limit=100", token).await).await;
        let items = progress["items"].as_array().unwrap();
        assert!(items.len() == articles.len() && items.iter().all(|p| p["completed"] == true), "{progress}");
        let effective: i64 = items.iter().map(|p| p["effective_s"].as_i64().unwrap()).sum();
        assert_eq!(stats["study_seconds_total"].as_i64(), Some(effective), "{stats} {progress}");
        let ledger = ledger_by_source(&points);
        assert!(ledger.values().all(|e| e.len() == 1), "nothing awarded twice: {points}");
        let in_ledger: i64 = ledger.values().flatten().sum();
        assert_eq!(points["total"].as_i64(), Some(in_ledger), "{points}");
        assert_eq!(stats["total_points"].as_i64(), Some(in_ledger), "{stats}");
        // Entries and points per action. Study-time points depend on when batches arrived,
        // and which share gets the day's only share point on their order; not the rest.
        let mut earned: BTreeMap<String, (usize, i64)> = BTreeMap::new();
        for ((action, _), entries) in ledger.into_iter().filter(|((action, _), _)| !action.ends_with("_time")) {
            let sum = earned.entry(action).or_default();
            *sum = (sum.0 + entries.len(), sum.1 + entries.iter().sum::<i64>());
        }
        summaries.push((stats["articles_completed"].clone(), earned));
    }
    // Each article read once, the day's first activity, the day's one share point.
    let once: BTreeMap<String, (usize, i64)> =
        [("article_read", (4, 4)), ("login", (1, 1)), ("share", (1, 1))].map(|(a, e)| (a.to_owned(), e)).into();
    assert_eq!(summaries[1], (json!(4), once), "one delivery");
    assert_eq!(summaries[0], summaries[1], "the crashed learner earned what one delivery earns");
}

#[tokio::test]
async fn attempts_submitted_across_a_sigkill_are_scored_exactly_once() {
    let app = setup_app(&[]).await;
    let room = app.newsroom().await;
    let mut quizzes = Vec::new();
    for _ in 0..3 {
        quizzes.push(contest(&app, &room, 2, 3).await);
    }
    let mut learners = Vec::new();
    for i in 0..4 {
        learners.push(app.register(&format!("contestant_{i}")).await);
    }
    let mut server = Deployment::beside(&app, &[]).start().await;
    // (learner, attempt, submit body with every answer right)
    let mut attempts = Vec::new();
    for learner in &learners {
        for (quiz, questions) in &quizzes {
            let (status, attempt) = json_body(
                server.post_json(&format!("/quizzes/{quiz}/attempts"), Some(&learner.access), &json!({})).await,
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{attempt}");
            let answers: Vec<Value> = questions.iter().map(|q| json!({"question_id": q, "response": true})).collect();
            attempts.push((learner, attempt["id"].as_i64().unwrap(), json!({"answers": answers})));
        }
    }

    let http = server.http.clone();
    let first_answer = Notify::new();
    let results: Vec<Mutex<Option<Value>>> = attempts.iter().map(|_| Mutex::new(None)).collect();
    let submits = attempts.iter().zip(&results).map(|((learner, id, body), slot)| {
        let (http, first_answer) = (&http, &first_answer);
        async move {
            let res =
                http.try_send(Method::POST, &format!("/attempts/{id}/submit"), Some(&learner.access), Some(body)).await;
            if let Ok(res) = res {
                let (status, result) = json_body(res).await;
                assert_eq!(status, StatusCode::OK, "{result}");
                *slot.lock().unwrap() = Some(result);
                first_answer.notify_one();
            }
        }
    });
    let killer = async {
        first_answer.notified().await;
        land_anywhere().await;
        server.kill();
        chrono::Utc::now()
    };
    let (_, killed_at) = tokio::join!(join_all(submits), killer);
    let before: Vec<Option<Value>> = results.into_iter().map(|r| r.into_inner().unwrap()).collect();

    server.restart().await;
    // Each submission is retried, twice at once, as an impatient client would.
    let retries = attempts.iter().map(|(learner, id, body)| {
        let path = format!("/attempts/{id}/submit");
        let server = &server;
        async move {
            let (one, two) = tokio::join!(
                server.post_json(&path, Some(&learner.access), body),
                server.post_json(&path, Some(&learner.access), body)
            );
            [json_body(one).await, json_body(two).await]
        }
    });
    let mut committed_unanswered = 0;
    for (((_, id, _), first), retried) in attempts.iter().zip(&before).zip(join_all(retries).await) {
        for (status, result) in &retried {
            assert_eq!(*status, StatusCode::OK, "{result}");
            assert_eq!(
                (result["status"].as_str(), result["score"].as_i64()),
                (Some("submitted"), Some(2)),
                "{id}: {result}"
            );
            assert_eq!(result["submitted_at"], retried[0].1["submitted_at"], "{id}: scored once");
            if let Some(first) = first {
                assert_eq!(result["submitted_at"], first["submitted_at"], "{id}: the stored result");
            }
        }
        let submitted_at: chrono::DateTime<chrono::Utc> =
            retried[0].1["submitted_at"].as_str().unwrap().parse().unwrap();
        committed_unanswered += usize::from(first.is_none() && submitted_at < killed_at);
    }
    eprintln!(
        "{} of {} submissions answered before SIGKILL, {committed_unanswered} stored without an answer",
        before.iter().flatten().count(),
        attempts.len()
    );

    for learner in &learners {
        let token = Some(learner.access.as_str());
        let (_, points) = json_body(server.get("/me/points?limit=100", token).await).await;
        let ledger = ledger_by_source(&points);
        let mut contest: Vec<(String, Vec<i64>)> = ledger
            .iter()
            .filter(|((action, _), _)| action == "contest_quiz")
            .map(|((_, source), entries)| (source.clone(), entries.clone()))
            .collect();
        contest.sort();
        let mut expected: Vec<(String, Vec<i64>)> = attempts
            .iter()
            .filter(|(who, ..)| who.id == learner.id)
            .map(|(_, id, _)| (format!("attempt:{id}"), vec![6]))
            .collect();
        expected.sort();
        assert_eq!(contest, expected, "one entry of 6 points per attempt: {points}");
        let (_, stats) = json_body(server.get("/me/stats", token).await).await;
        assert_eq!(stats["quizzes_taken"], 3, "{stats}");
        assert_eq!(stats["total_points"], points["total"], "{stats}");
    }
}
