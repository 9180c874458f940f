//! Question bank, quizzes, attempts with server deadlines, review policies, the daily
//! quiz, the wrong-answer book and item statistics.

use chrono::Duration;
use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tongxin::db::schema::{attempts, mistakes, questions};

use crate::helpers::*;

/// Keys that would give away answers or correctness.
const SECRET_KEYS: &[&str] = &["answer", "correct", "correct_response", "explanation", "is_correct"];

fn assert_no_secrets(value: &Value, context: &str) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                assert!(!SECRET_KEYS.contains(&key.as_str()), "`{key}` leaked in {context}: {value}");
                if key == "results" {
                    assert!(inner.is_null(), "results before review in {context}");
                }
                assert_no_secrets(inner, context);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| assert_no_secrets(v, context)),
        _ => {}
    }
}

async fn question(app: &TestApp, room: &Newsroom, body: Value) -> i64 {
    let mut body = body;
    body["topic"] = room.topic["slug"].clone();
    let (status, created) = json_body(app.post_json("/admin/questions", Some(&room.editor.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_i64().unwrap()
}

fn single(stem: &str, answer: &str) -> Value {
    json!({"kind": "single", "stem": stem, "options": [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}, {"key": "C", "text": "丙"}], "answer": answer, "explanation": format!("{stem}的解析")})
}

/// Three questions: single (answer B), multiple (A and C), fill-blank (五十六).
async fn bank(app: &TestApp, room: &Newsroom) -> Vec<i64> {
    vec![
        question(app, room, single("单选题", "B")).await,
        question(app, room, json!({"kind": "multiple", "stem": "多选题", "options": [{"key": "A", "text": "对一"}, {"key": "B", "text": "错"}, {"key": "C", "text": "对二"}], "answer": ["C", "A"], "explanation": "A 和 C"})).await,
        question(app, room, json!({"kind": "fill_blank", "stem": "我国有____个民族", "answer": ["五十六", "56"], "explanation": "五十六个民族"})).await,
    ]
}

async fn publish_quiz(app: &TestApp, room: &Newsroom, settings: Value) -> i64 {
    let (status, quiz) = json_body(app.post_json("/admin/quizzes", Some(&room.editor.access), &settings).await).await;
    assert_eq!(status, StatusCode::CREATED, "{quiz}");
    let id = quiz["id"].as_i64().unwrap();
    assert_eq!(
        app.post_json(&format!("/admin/quizzes/{id}/submit"), Some(&room.editor.access), &json!({})).await.status(),
        StatusCode::OK
    );
    let res = app.post_json(&format!("/admin/quizzes/{id}/approve"), Some(&room.reviewer.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    id
}

async fn start(app: &TestApp, who: &Session, quiz: i64) -> (StatusCode, Value) {
    json_body(app.post_json(&format!("/quizzes/{quiz}/attempts"), Some(&who.access), &json!({})).await).await
}

async fn save(app: &TestApp, who: &Session, attempt: i64, question: i64, response: Value) -> reqwest::Response {
    app.send_json(
        Method::PUT,
        &format!("/attempts/{attempt}/answers/{question}"),
        Some(&who.access),
        &json!({"response": response}),
    )
    .await
}

async fn submit(app: &TestApp, who: &Session, attempt: i64, body: Value) -> (StatusCode, Value) {
    json_body(app.post_json(&format!("/attempts/{attempt}/submit"), Some(&who.access), &body).await).await
}

#[tokio::test]
async fn learner_responses_never_carry_answers_before_review() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let closes = (chrono::Utc::now() + Duration::days(3)).to_rfc3339();
    let policies = [json!({"review": "never"}), json!({"review": "after_close", "closes_at": closes})];
    let learner = app.register("careful_learner").await;
    for (i, policy) in policies.iter().enumerate() {
        let mut settings =
            json!({"title": format!("测验{i}"), "mode": "exam", "question_ids": ids, "shuffle_options": true});
        settings.as_object_mut().unwrap().extend(policy.as_object().unwrap().clone());
        let quiz = publish_quiz(&app, &room, settings).await;
        let (_, list) = json_body(app.get("/quizzes", Some(&learner.access)).await).await;
        assert_no_secrets(&list, "GET /quizzes");
        let (_, one) = json_body(app.get(&format!("/quizzes/{quiz}"), Some(&learner.access)).await).await;
        assert_no_secrets(&one, "GET /quizzes/{id}");
        let (status, attempt) = start(&app, &learner, quiz).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_no_secrets(&attempt, "start");
        let id = attempt["id"].as_i64().unwrap();
        save(&app, &learner, id, ids[0], json!("A")).await;
        let (_, seen) = json_body(app.get(&format!("/attempts/{id}"), Some(&learner.access)).await).await;
        assert_no_secrets(&seen, "GET attempt in progress");
        let (status, result) = submit(&app, &learner, id, json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_no_secrets(&result, "submit");
        assert!(result["score"].is_i64(), "the score itself is shown: {result}");
        let (_, after) = json_body(app.get(&format!("/attempts/{id}"), Some(&learner.access)).await).await;
        assert_no_secrets(&after, "GET attempt after submit");
        let (_, mistakes) = json_body(app.get("/me/mistakes", Some(&learner.access)).await).await;
        assert!(mistakes["items"].as_array().unwrap().is_empty(), "no answers through the wrong-answer book either");
    }
    let daily = publish_quiz(&app, &room, json!({"title": "每日", "mode": "daily", "draw": {"count": 2}})).await;
    let (_, today) = json_body(app.get("/quizzes/daily", Some(&learner.access)).await).await;
    assert_eq!(today["quiz"]["id"], daily);
    assert_no_secrets(&today, "GET /quizzes/daily");
}

#[tokio::test]
async fn scoring_is_done_on_the_server_with_review_after_submit() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let quiz = publish_quiz(
        &app,
        &room,
        json!({"title": "立即看答案", "mode": "practice", "question_ids": ids, "pass_score": 60}),
    )
    .await;
    let learner = app.register("scorer").await;
    let (_, attempt) = start(&app, &learner, quiz).await;
    let id = attempt["id"].as_i64().unwrap();
    assert_eq!(attempt["questions"].as_array().unwrap().len(), 3);
    assert_eq!(save(&app, &learner, id, ids[0], json!("B")).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(save(&app, &learner, id, ids[1], json!(["A"])).await.status(), StatusCode::NO_CONTENT, "replaced below");
    let (status, result) = submit(&app, &learner, id, json!({"answers": [{"question_id": ids[1], "response": ["C", "A"]}, {"question_id": ids[2], "response": " ５６ "}]})).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(
        (result["score"].as_i64(), result["max_score"].as_i64(), result["passed"].as_bool()),
        (Some(3), Some(3), Some(true))
    );
    let results = result["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r["correct"] == true));
    assert_eq!(results[0]["correct_response"], "B");
    assert_eq!(results[0]["explanation"], "单选题的解析");
    assert_eq!(results[2]["response"], " ５６ ", "the response is kept as sent");
}

#[tokio::test]
async fn fill_blank_answers_match_after_trimming_and_nfkc_and_multiple_choice_is_all_or_nothing() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let quiz = publish_quiz(&app, &room, json!({"title": "规范化", "mode": "practice", "question_ids": ids})).await;
    let cases = [
        ("\u{3000}五十六\u{3000}", json!(["A"]), 1),
        ("五十五", json!(["A", "C"]), 1),
        ("５６", json!(["A", "B", "C"]), 1),
    ];
    for (n, (blank, multiple, expected)) in cases.into_iter().enumerate() {
        let learner = app.register(&format!("nfkc_{n}")).await;
        let (_, attempt) = start(&app, &learner, quiz).await;
        let id = attempt["id"].as_i64().unwrap();
        let (_, result) = submit(&app, &learner, id, json!({"answers": [{"question_id": ids[1], "response": multiple}, {"question_id": ids[2], "response": blank}]})).await;
        assert_eq!(result["score"], expected, "{blank:?} {multiple}: {result}");
    }
}

#[tokio::test]
async fn the_deadline_is_enforced_by_the_server_with_a_small_grace() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let quiz =
        publish_quiz(&app, &room, json!({"title": "限时", "mode": "exam", "question_ids": ids, "time_limit_s": 60}))
            .await;
    let learner = app.register("racer").await;
    let (_, attempt) = start(&app, &learner, quiz).await;
    let id = attempt["id"].as_i64().unwrap();
    let started = chrono::DateTime::parse_from_rfc3339(attempt["started_at"].as_str().unwrap()).unwrap();
    let deadline = chrono::DateTime::parse_from_rfc3339(attempt["deadline_at"].as_str().unwrap()).unwrap();
    assert_eq!((deadline - started).num_seconds(), 60);

    app.clock.advance(Duration::seconds(59));
    assert_eq!(save(&app, &learner, id, ids[0], json!("B")).await.status(), StatusCode::NO_CONTENT);
    app.clock.advance(Duration::seconds(4));
    assert_eq!(
        save(&app, &learner, id, ids[2], json!("五十六")).await.status(),
        StatusCode::NO_CONTENT,
        "within the grace"
    );
    app.clock.advance(Duration::seconds(3));
    assert_problem(save(&app, &learner, id, ids[1], json!(["A", "C"])).await, StatusCode::CONFLICT, "attempt_closed")
        .await;
    // Scored from what arrived in time; answers sent late with submit are ignored.
    let (status, result) =
        submit(&app, &learner, id, json!({"answers": [{"question_id": ids[1], "response": ["A", "C"]}]})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(result["score"], 2);
    assert_eq!(result["finalized_late"], true);
    assert_eq!(result["status"], "submitted");
}

#[tokio::test]
async fn an_abandoned_attempt_is_finalized_when_next_touched() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let quiz = publish_quiz(
        &app,
        &room,
        json!({"title": "放弃", "mode": "exam", "question_ids": ids, "time_limit_s": 30, "max_attempts": 2}),
    )
    .await;
    let learner = app.register("wanderer").await;
    let (_, attempt) = start(&app, &learner, quiz).await;
    let id = attempt["id"].as_i64().unwrap();
    save(&app, &learner, id, ids[0], json!("B")).await;
    app.clock.advance(Duration::minutes(5));
    let (_, seen) = json_body(app.get(&format!("/attempts/{id}"), Some(&learner.access)).await).await;
    assert_eq!((seen["status"].as_str(), seen["score"].as_i64()), (Some("submitted"), Some(1)));
    // Starting again is a second attempt, not a resume of the expired one.
    let (status, second) = start(&app, &learner, quiz).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_ne!(second["id"], seen["id"]);
}

#[tokio::test]
async fn the_periodic_sweep_finalizes_attempts_nobody_touches() {
    let app = TestApp::spawn_with(&[("attempt_sweep_ms", "100")]).await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let quiz =
        publish_quiz(&app, &room, json!({"title": "扫除", "mode": "exam", "question_ids": ids, "time_limit_s": 30}))
            .await;
    let learner = app.register("forgetful").await;
    let (_, attempt) = start(&app, &learner, quiz).await;
    let id = attempt["id"].as_i64().unwrap();
    app.clock.advance(Duration::minutes(2));
    let mut status = String::new();
    for _ in 0..50 {
        status = attempts::table.find(id).select(attempts::status).first(&mut app.db()).unwrap();
        if status == "submitted" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "submitted", "the sweep closed it without any request touching it");
}

#[tokio::test]
async fn concurrent_submits_score_once_and_return_the_same_result() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let quiz = publish_quiz(&app, &room, json!({"title": "并发提交", "mode": "practice", "question_ids": ids})).await;
    let learner = app.register("double_tapper").await;
    let (_, attempt) = start(&app, &learner, quiz).await;
    let id = attempt["id"].as_i64().unwrap();
    save(&app, &learner, id, ids[0], json!("A")).await;
    let submits = (0..8).map(|_| submit(&app, &learner, id, json!({})));
    let results = futures_util::future::join_all(submits).await;
    let first = &results[0].1;
    for (status, result) in &results {
        assert_eq!(*status, StatusCode::OK);
        assert_eq!(result["score"], first["score"]);
        assert_eq!(result["submitted_at"], first["submitted_at"]);
    }
    let wrong: i32 = mistakes::table.select(mistakes::wrong_count).first(&mut app.db()).unwrap();
    assert_eq!(wrong, 1, "the wrong answer was recorded once, not eight times");
}

#[tokio::test]
async fn concurrent_starts_cannot_exceed_the_attempt_limit() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let quiz =
        publish_quiz(&app, &room, json!({"title": "一次机会", "mode": "exam", "question_ids": ids, "max_attempts": 1}))
            .await;
    let learner = app.register("eager").await;
    let starts = (0..8).map(|_| start(&app, &learner, quiz));
    let results = futures_util::future::join_all(starts).await;
    let ids_seen: std::collections::HashSet<i64> = results
        .iter()
        .map(|(s, a)| {
            assert!(s.is_success(), "{s} {a}");
            a["id"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(ids_seen.len(), 1, "all eight got the same attempt");
    let count: i64 =
        attempts::table.filter(attempts::user_id.eq(learner.id)).count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 1);
    let id = *ids_seen.iter().next().unwrap();
    submit(&app, &learner, id, json!({})).await;
    let (status, body) = start(&app, &learner, quiz).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("attempt_limit_reached")));
    let (_, mine) = json_body(app.get(&format!("/quizzes/{quiz}"), Some(&learner.access)).await).await;
    assert_eq!(mine["me"]["attempts_left"], 0);
}

#[tokio::test]
async fn only_the_owner_can_read_or_answer_an_attempt() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let quiz = publish_quiz(&app, &room, json!({"title": "别人的", "mode": "practice", "question_ids": ids})).await;
    let owner = app.register("owner").await;
    let other = app.register("intruder").await;
    let (_, attempt) = start(&app, &owner, quiz).await;
    let id = attempt["id"].as_i64().unwrap();
    assert_problem(app.get(&format!("/attempts/{id}"), Some(&other.access)).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    assert_problem(save(&app, &other, id, ids[0], json!("B")).await, StatusCode::NOT_FOUND, "not_found").await;
    let (status, _) = submit(&app, &other, id, json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_problem(app.get(&format!("/attempts/{id}"), None).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let (_, mine) = json_body(app.get(&format!("/attempts/{id}"), Some(&owner.access)).await).await;
    assert_eq!(mine["status"], "in_progress", "nothing the intruder did counted");
}

#[tokio::test]
async fn responses_must_fit_their_question() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let quiz = publish_quiz(&app, &room, json!({"title": "格式", "mode": "practice", "question_ids": ids})).await;
    let learner = app.register("sloppy").await;
    let (_, attempt) = start(&app, &learner, quiz).await;
    let id = attempt["id"].as_i64().unwrap();
    for (question, response) in [
        (ids[0], json!("Z")),
        (ids[0], json!(true)),
        (ids[1], json!([])),
        (ids[1], json!(["A", "Q"])),
        (ids[2], json!(["五十六"])),
    ] {
        assert_invalid(save(&app, &learner, id, question, response).await, &["response"]).await;
    }
    assert_problem(save(&app, &learner, id, 99999, json!("A")).await, StatusCode::NOT_FOUND, "not_found").await;
    let (status, body) =
        submit(&app, &learner, id, json!({"answers": [{"question_id": 99999, "response": "A"}]})).await;
    // A question that is not the attempt's is an unknown reference, like the path above.
    assert_eq!(
        (status, body["code"].as_str(), error_fields(&body)),
        (StatusCode::NOT_FOUND, Some("unknown_reference"), vec!["answers[0].question_id".to_owned()])
    );
    // With a wrong answer beside it, the request is invalid (422) and names both.
    let (status, body) = submit(
        &app,
        &learner,
        id,
        json!({"answers": [{"question_id": 99999, "response": "A"}, {"question_id": ids[0], "response": "Z"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["answers[0].question_id", "answers[1].response"]);
}

#[tokio::test]
async fn review_policies_decide_when_answers_are_shown() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let closes_at = app_now(&app) + Duration::days(2);
    let later = publish_quiz(&app, &room, json!({"title": "结束后看", "mode": "exam", "question_ids": ids, "review": "after_close", "closes_at": closes_at.to_rfc3339()})).await;
    let never =
        publish_quiz(&app, &room, json!({"title": "不公布", "mode": "exam", "question_ids": ids, "review": "never"}))
            .await;
    let learner = app.register("reviewer_of_self").await;
    let (_, a) = start(&app, &learner, later).await;
    let (_, result) = submit(&app, &learner, a["id"].as_i64().unwrap(), json!({})).await;
    assert_eq!(result["results"], Value::Null);
    assert_eq!(
        result["review_available_at"].as_str().map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()),
        Some(closes_at.timestamp())
    );
    let (_, b) = start(&app, &learner, never).await;
    let (_, never_result) = submit(&app, &learner, b["id"].as_i64().unwrap(), json!({})).await;
    assert_eq!(
        (never_result["results"].clone(), never_result["review_available_at"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(never_result["score"], 0);

    app.clock.advance(Duration::days(2) + Duration::minutes(1));
    let learner = app.login_ok(&learner.username).await;
    let (_, reviewed) = json_body(app.get(&format!("/attempts/{}", a["id"]), Some(&learner.access)).await).await;
    assert_eq!(reviewed["results"].as_array().unwrap().len(), 3, "after the close the answers are shown");
    let (_, still) = json_body(app.get(&format!("/attempts/{}", b["id"]), Some(&learner.access)).await).await;
    assert_eq!(still["results"], Value::Null, "never means never");
}

fn app_now(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    use tongxin::clock::Clock as _;
    app.clock.now()
}

#[tokio::test]
async fn the_quiz_window_is_enforced() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let opens = app_now(&app) + Duration::hours(1);
    let closes = app_now(&app) + Duration::hours(2);
    let quiz = publish_quiz(&app, &room, json!({"title": "时间窗", "mode": "exam", "question_ids": ids, "opens_at": opens.to_rfc3339(), "closes_at": closes.to_rfc3339(), "time_limit_s": 7200})).await;
    let learner = app.register("punctual").await;
    let (status, body) = start(&app, &learner, quiz).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("quiz_not_open")));
    app.clock.advance(Duration::minutes(90));
    let learner = app.login_ok(&learner.username).await;
    let (status, attempt) = start(&app, &learner, quiz).await;
    assert_eq!(status, StatusCode::CREATED);
    let deadline = chrono::DateTime::parse_from_rfc3339(attempt["deadline_at"].as_str().unwrap()).unwrap();
    assert_eq!(deadline.timestamp(), closes.timestamp(), "the deadline is capped by the close");
    app.clock.advance(Duration::hours(1));
    let late = app.register("too_late").await;
    let (status, body) = start(&app, &late, quiz).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("quiz_closed")));
}

#[tokio::test]
async fn the_daily_quiz_is_stable_within_a_day_and_changes_the_next() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    for i in 0..12 {
        question(&app, &room, single(&format!("题{i}"), "A")).await;
    }
    publish_quiz(
        &app,
        &room,
        json!({"title": "每日答题", "mode": "daily", "draw": {"count": 4}, "shuffle_options": true}),
    )
    .await;
    let learner = app.register("daily_reader").await;
    let set = |v: &Value| {
        v["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| (q["id"].as_i64().unwrap(), q["options"].clone()))
            .collect::<Vec<_>>()
    };
    let (_, first) = json_body(app.get("/quizzes/daily", Some(&learner.access)).await).await;
    let (_, again) = json_body(app.get("/quizzes/daily", Some(&learner.access)).await).await;
    assert_eq!(set(&first), set(&again), "the same set, in the same order, on every call");
    let (status, attempt) = start(&app, &learner, first["quiz"]["id"].as_i64().unwrap()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(set(&first), set(&attempt), "the attempt gets exactly what was shown");
    let (_, result) = submit(&app, &learner, attempt["id"].as_i64().unwrap(), json!({})).await;
    assert_eq!(result["status"], "submitted");
    let (status, body) = start(&app, &learner, first["quiz"]["id"].as_i64().unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("attempt_limit_reached")),
        "one scored attempt per day"
    );
    let (_, after) = json_body(app.get("/quizzes/daily", Some(&learner.access)).await).await;
    assert_eq!(after["attempt"]["status"], "submitted");

    app.clock.advance(Duration::days(1));
    let learner = app.login_ok(&learner.username).await;
    let (_, tomorrow) = json_body(app.get("/quizzes/daily", Some(&learner.access)).await).await;
    assert_ne!(tomorrow["date"], first["date"]);
    let today_ids: Vec<i64> = set(&first).into_iter().map(|(id, _)| id).collect();
    let tomorrow_ids: Vec<i64> = set(&tomorrow).into_iter().map(|(id, _)| id).collect();
    assert!(
        tomorrow_ids.iter().all(|id| !today_ids.contains(id)),
        "yesterday's questions are avoided when the bank allows"
    );
    assert_eq!(
        start(&app, &learner, first["quiz"]["id"].as_i64().unwrap()).await.0,
        StatusCode::CREATED,
        "a new day, a new attempt"
    );
}

#[tokio::test]
async fn the_daily_quiz_day_follows_the_configured_time_zone() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    for i in 0..4 {
        question(&app, &room, single(&format!("时区{i}"), "A")).await;
    }
    publish_quiz(&app, &room, json!({"title": "每日答题", "mode": "daily", "draw": {"count": 2}})).await;
    let learner = app.register("night_owl").await;
    // 16:30 UTC is 00:30 the next day in Shanghai.
    let half_past_four = utc_day_at(1, 16, 30);
    app.clock.set(half_past_four);
    let learner = app.login_ok(&learner.username).await;
    let (_, daily) = json_body(app.get("/quizzes/daily", Some(&learner.access)).await).await;
    assert_eq!(daily["date"], ymd(half_past_four + chrono::Duration::days(1)));
}

#[tokio::test]
async fn a_question_edited_after_an_attempt_started_keeps_the_attempts_version() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let quiz = publish_quiz(&app, &room, json!({"title": "版本", "mode": "practice", "question_ids": ids})).await;
    let learner = app.register("versioned").await;
    let (_, attempt) = start(&app, &learner, quiz).await;
    let res = app
        .patch_json(
            &format!("/admin/questions/{}", ids[0]),
            Some(&room.editor.access),
            &json!({"stem": "改过的题干", "answer": "C"}),
        )
        .await;
    let (_, edited) = json_body(res).await;
    assert_eq!(edited["version"], 2);
    let (_, result) = submit(
        &app,
        &learner,
        attempt["id"].as_i64().unwrap(),
        json!({"answers": [{"question_id": ids[0], "response": "B"}]}),
    )
    .await;
    assert_eq!(result["score"], 1, "scored against the version the attempt was given");
    assert_eq!(result["questions"][0]["stem"], "单选题");
    let res = app
        .patch_json(
            &format!("/admin/questions/{}", ids[0]),
            Some(&room.editor.access),
            &json!({"explanation": "只改解析"}),
        )
        .await;
    assert_eq!(json_body(res).await.1["version"], 2, "an explanation edit keeps the version");
}

#[tokio::test]
async fn shuffled_options_are_relettered_and_scored_by_meaning() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let q = question(&app, &room, json!({"kind": "single", "stem": "哪个是对的", "options": [{"key": "A", "text": "错一"}, {"key": "B", "text": "错二"}, {"key": "C", "text": "错三"}, {"key": "D", "text": "正确"}], "answer": "D"})).await;
    let quiz = publish_quiz(
        &app,
        &room,
        json!({"title": "乱序", "mode": "practice", "question_ids": [q], "shuffle_options": true}),
    )
    .await;
    for n in 0..4 {
        let learner = app.register(&format!("shuffled_{n}")).await;
        let (_, attempt) = start(&app, &learner, quiz).await;
        let options = attempt["questions"][0]["options"].as_array().unwrap();
        let keys: Vec<&str> = options.iter().map(|o| o["key"].as_str().unwrap()).collect();
        assert_eq!(keys, ["A", "B", "C", "D"], "always lettered in order");
        let right = options.iter().find(|o| o["text"] == "正确").unwrap()["key"].clone();
        let (_, result) = submit(
            &app,
            &learner,
            attempt["id"].as_i64().unwrap(),
            json!({"answers": [{"question_id": q, "response": right}]}),
        )
        .await;
        assert_eq!(result["score"], 1);
        assert_eq!(result["results"][0]["correct_response"], right);
    }
}

#[tokio::test]
async fn the_wrong_answer_book_fills_and_empties() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let quiz = publish_quiz(&app, &room, json!({"title": "错题", "mode": "practice", "question_ids": ids})).await;
    let learner = app.register("learns_from_mistakes").await;
    assert_problem(
        app.post_json("/me/mistakes/practice", Some(&learner.access), &json!({})).await,
        StatusCode::CONFLICT,
        "nothing_to_practice",
    )
    .await;
    let (_, attempt) = start(&app, &learner, quiz).await;
    submit(
        &app,
        &learner,
        attempt["id"].as_i64().unwrap(),
        json!({"answers": [{"question_id": ids[0], "response": "A"}, {"question_id": ids[1], "response": ["A", "C"]}]}),
    )
    .await;
    let (_, book) = json_body(app.get("/me/mistakes", Some(&learner.access)).await).await;
    let items = book["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "only the answered-and-wrong question: {book}");
    assert_eq!((items[0]["question_id"].as_i64(), items[0]["last_response"].as_str()), (Some(ids[0]), Some("A")));
    assert_eq!(
        (items[0]["correct_response"].as_str(), items[0]["explanation"].as_str()),
        (Some("B"), Some("单选题的解析"))
    );

    for round in 0..2 {
        let (status, practice) =
            json_body(app.post_json("/me/mistakes/practice", Some(&learner.access), &json!({})).await).await;
        assert_eq!(status, StatusCode::CREATED, "{practice}");
        assert_eq!(practice["quiz_id"], Value::Null);
        assert_eq!(practice["questions"][0]["id"], ids[0]);
        submit(
            &app,
            &learner,
            practice["id"].as_i64().unwrap(),
            json!({"answers": [{"question_id": ids[0], "response": "B"}]}),
        )
        .await;
        let (_, book) = json_body(app.get("/me/mistakes", Some(&learner.access)).await).await;
        let left = book["items"].as_array().unwrap().len();
        assert_eq!(left, usize::from(round == 0), "out after two right answers");
    }
}

#[tokio::test]
async fn the_question_bank_checks_each_question() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let cases = [
        (
            json!({"kind": "single", "stem": "s", "options": [{"key": "A", "text": "x"}, {"key": "A", "text": "y"}], "answer": "A"}),
            vec!["options"],
        ),
        (
            json!({"kind": "single", "stem": "s", "options": [{"key": "A", "text": "x"}, {"key": "B", "text": "y"}], "answer": "C"}),
            vec!["answer"],
        ),
        (
            json!({"kind": "single", "stem": "s", "options": [{"key": "A", "text": "x"}], "answer": "A"}),
            vec!["options"],
        ),
        (
            json!({"kind": "multiple", "stem": "s", "options": [{"key": "A", "text": "x"}, {"key": "B", "text": "y"}], "answer": []}),
            vec!["answer"],
        ),
        (json!({"kind": "true_false", "stem": "s", "answer": "true"}), vec!["answer"]),
        (json!({"kind": "fill_blank", "stem": "s", "answer": ["  "]}), vec!["answer"]),
        (json!({"kind": "fill_blank", "stem": "", "answer": ["x"], "difficulty": 9}), vec!["stem", "difficulty"]),
    ];
    for (mut body, fields) in cases {
        body["topic"] = room.topic["slug"].clone();
        assert_invalid(app.post_json("/admin/questions", Some(&room.editor.access), &body).await, &fields).await;
    }
    let learner = app.register("not_an_editor").await;
    let res = app.post_json("/admin/questions", Some(&learner.access), &json!({})).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn import_is_all_or_nothing_with_every_bad_row_named() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let good = json!({"kind": "true_false", "stem": "好题", "answer": true, "topic": "ethnic-view"});
    let body = json!({"questions": [
        good,
        {"kind": "single", "stem": "坏题一", "options": [{"key": "A", "text": "x"}, {"key": "B", "text": "y"}], "answer": "Z", "topic": "ethnic-view"},
        {"kind": "fill_blank", "stem": "坏题二", "answer": ["x"], "topic": "no-such-topic"},
        {"kind": "essay", "stem": "坏题三", "answer": "x", "topic": "ethnic-view"},
    ]});
    let res = app.post_json("/admin/questions/import", Some(&room.editor.access), &body).await;
    assert_invalid(res, &["questions[1].answer", "questions[2].topic", "questions[3].kind"]).await;
    let count: i64 = questions::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 0, "nothing was written");

    let body = json!({"questions": [good, good]});
    let (status, imported) =
        json_body(app.post_json("/admin/questions/import", Some(&room.editor.access), &body).await).await;
    assert_eq!((status, imported["imported"].as_i64()), (StatusCode::CREATED, Some(2)));

    let csv = "kind,topic,stem,options,answer,explanation,difficulty,tags,audiences\n\
        single,ethnic-view,\"首都是哪里？\",A=北京|B=上海,A,北京是首都,1,常识,primary|junior\n\
        multiple,ethnic-view,多选,A=甲|B=乙|C=丙,A|C,,2,,\n\
        true_false,ethnic-view,判断,,false,,,,\n\
        fill_blank,ethnic-view,填空____,,五十六|56,,,,public\n";
    let res = app
        .request(Method::POST, "/admin/questions/import", Some(&room.editor.access))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let (status, imported) = json_body(res).await;
    assert_eq!((status, imported["imported"].as_i64()), (StatusCode::CREATED, Some(4)), "{imported}");
    let (_, one) =
        json_body(app.get(&format!("/admin/questions/{}", imported["ids"][0]), Some(&room.editor.access)).await).await;
    assert_eq!((one["answer"].as_str(), one["audiences"].clone()), (Some("A"), json!(["junior", "primary"])));

    let bad_csv = "kind,topic,stem,options,answer,explanation,difficulty,tags,audiences\n\
        single,ethnic-view,好,A=1|B=2,A,,,,\n\
        single,ethnic-view,坏,A=1|B=2,Q,,,,\n\
        true_false,ethnic-view,坏,,maybe,,,,\n";
    let res = app
        .request(Method::POST, "/admin/questions/import", Some(&room.editor.access))
        .header("content-type", "text/csv")
        .body(bad_csv)
        .send()
        .await
        .unwrap();
    assert_invalid(res, &["line[3].answer", "line[4].answer"]).await;
    let count: i64 = questions::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 6);
    let res = app
        .request(Method::POST, "/admin/questions/import", Some(&room.editor.access))
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
}

#[tokio::test]
async fn quizzes_go_through_review_and_stay_hidden_until_published() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let learner = app.register("early_bird").await;
    let (_, draft) = json_body(
        app.post_json(
            "/admin/quizzes",
            Some(&room.editor.access),
            &json!({"title": "草稿测验", "mode": "exam", "question_ids": ids}),
        )
        .await,
    )
    .await;
    let id = draft["id"].as_i64().unwrap();
    assert_eq!(draft["status"], "draft");
    assert_problem(app.get(&format!("/quizzes/{id}"), None).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(start(&app, &learner, id).await.0, StatusCode::NOT_FOUND);
    app.post_json(&format!("/admin/quizzes/{id}/submit"), Some(&room.editor.access), &json!({})).await;
    let res = app.post_json(&format!("/admin/quizzes/{id}/approve"), Some(&room.editor.access), &json!({})).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .post_json(&format!("/admin/quizzes/{id}/reject"), Some(&room.reviewer.access), &json!({"reason": "题量太少"}))
        .await;
    assert_eq!(json_body(res).await.1["reject_reason"], "题量太少");
    app.post_json(&format!("/admin/quizzes/{id}/submit"), Some(&room.editor.access), &json!({})).await;
    let tomorrow = (app_now(&app) + Duration::days(1)).to_rfc3339();
    app.post_json(
        &format!("/admin/quizzes/{id}/approve"),
        Some(&room.reviewer.access),
        &json!({"publish_at": tomorrow}),
    )
    .await;
    assert_eq!(start(&app, &learner, id).await.0, StatusCode::NOT_FOUND, "scheduled, not yet visible");
    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    let learner = app.login_ok(&learner.username).await;
    assert_eq!(start(&app, &learner, id).await.0, StatusCode::CREATED);
    let admin = app.login_ok(&room.admin.username).await;
    let (_, log) =
        json_body(app.get(&format!("/admin/audit-log?target_type=quiz&target_id={id}"), Some(&admin.access)).await)
            .await;
    let actions: Vec<&str> =
        log["items"].as_array().unwrap().iter().rev().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["quiz.create", "quiz.submit", "quiz.reject", "quiz.submit", "quiz.approve"]);
}

/// A reviewer rewrites another editor's quiz, submits it and approves it: refused.
#[tokio::test]
async fn a_reviewer_who_edited_a_draft_quiz_cannot_approve_it() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let body = json!({"title": "编辑的测验", "mode": "exam", "question_ids": ids});
    let (_, draft) = json_body(app.post_json("/admin/quizzes", Some(&room.editor.access), &body).await).await;
    let id = draft["id"].as_i64().unwrap();
    let admin_quiz = |action: &str| format!("/admin/quizzes/{id}/{action}");
    let res = app
        .patch_json(&format!("/admin/quizzes/{id}"), Some(&room.reviewer.access), &json!({"question_ids": [ids[0]]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, submitted) =
        json_body(app.post_json(&admin_quiz("submit"), Some(&room.reviewer.access), &json!({})).await).await;
    assert_eq!(submitted["revised_by"], json!([room.editor.id, room.reviewer.id]));
    assert_eq!(submitted["submitted_by"], room.reviewer.id);
    let res = app.post_json(&admin_quiz("approve"), Some(&room.reviewer.access), &json!({})).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    assert_problem(app.get(&format!("/quizzes/{id}"), None).await, StatusCode::NOT_FOUND, "not_found").await;
    let (status, published) =
        json_body(app.post_json(&admin_quiz("approve"), Some(&room.admin.access), &json!({})).await).await;
    assert_eq!((status, published["status"].as_str()), (StatusCode::OK, Some("published")));
}

#[tokio::test]
async fn a_change_to_a_published_quiz_waits_for_another_reviewer_and_a_rejection_keeps_it_as_it_was() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let id = publish_quiz(
        &app,
        &room,
        json!({"title": "原来的测验", "mode": "exam", "question_ids": ids, "max_attempts": 3}),
    )
    .await;
    let learner = app.register("quiz_taker").await;
    let learner_view = || async {
        let (status, quiz) = json_body(app.get(&format!("/quizzes/{id}"), Some(&learner.access)).await).await;
        assert_eq!(status, StatusCode::OK, "{quiz}");
        (
            quiz["title"].as_str().unwrap().to_owned(),
            quiz["question_count"].as_i64().unwrap(),
            quiz["max_attempts"].clone(),
        )
    };
    let original = ("原来的测验".to_owned(), 3, json!(3));
    let path = |action: &str| format!("/admin/quizzes/{id}{action}");

    // The reviewer proposes a change: staff see it beside the published settings.
    let change = json!({"title": "改过的测验", "question_ids": [ids[0]], "max_attempts": 1});
    let (status, staff) = json_body(app.patch_json(&path(""), Some(&room.reviewer.access), &change).await).await;
    assert_eq!(status, StatusCode::OK, "{staff}");
    assert_eq!(
        (staff["status"].as_str(), staff["title"].as_str(), staff["version"].as_i64()),
        (Some("published"), Some("原来的测验"), Some(1))
    );
    assert_eq!(
        (staff["revision"]["status"].as_str(), staff["revision"]["title"].as_str()),
        (Some("draft"), Some("改过的测验"))
    );
    assert_eq!(
        (staff["revision"]["question_count"].as_i64(), staff["revision"]["max_attempts"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(learner_view().await, original);
    let (_, in_review) =
        json_body(app.post_json(&path("/submit"), Some(&room.reviewer.access), &json!({})).await).await;
    assert_eq!(
        (in_review["revision"]["status"].as_str(), in_review["submitted_by"].as_i64()),
        (Some("in_review"), Some(room.reviewer.id))
    );
    let (_, listed) =
        json_body(app.get("/admin/quizzes?revision_status=in_review", Some(&room.admin.access)).await).await;
    assert_eq!(
        listed["items"].as_array().unwrap().iter().map(|q| q["id"].as_i64().unwrap()).collect::<Vec<_>>(),
        vec![id]
    );
    assert_problem(
        app.post_json(&path("/approve"), Some(&room.reviewer.access), &json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(learner_view().await, original);

    // Rejected: back to its writer, the published quiz untouched; attempts use it.
    let (status, rejected) =
        json_body(app.post_json(&path("/reject"), Some(&room.admin.access), &json!({"reason": "题目太少"})).await)
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (rejected["revision"]["status"].as_str(), rejected["reject_reason"].as_str()),
        (Some("draft"), Some("题目太少"))
    );
    assert_eq!(learner_view().await, original);
    let (status, attempt) = start(&app, &learner, id).await;
    assert_eq!((status, attempt["questions"].as_array().map(Vec::len)), (StatusCode::CREATED, Some(3)));

    // Rewritten, resubmitted, approved by someone else: live at once.
    let res = app.patch_json(&path(""), Some(&room.reviewer.access), &json!({"question_ids": [ids[0], ids[1]]})).await;
    assert_eq!(res.status(), StatusCode::OK);
    app.post_json(&path("/submit"), Some(&room.reviewer.access), &json!({})).await;
    let (status, approved) =
        json_body(app.post_json(&path("/approve"), Some(&room.admin.access), &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(
        (approved["revision"].clone(), approved["version"].as_i64(), approved["revised_by"].clone()),
        (Value::Null, Some(2), json!([]))
    );
    assert_eq!(learner_view().await, ("改过的测验".to_owned(), 2, json!(1)));

    let (_, log) = json_body(
        app.get(&format!("/admin/audit-log?target_type=quiz&target_id={id}"), Some(&room.admin.access)).await,
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
    assert_eq!(
        entries,
        [
            ("quiz.update", reviewer),
            ("quiz.submit", reviewer),
            ("quiz.reject", admin),
            ("quiz.update", reviewer),
            ("quiz.submit", reviewer),
            ("quiz.approve", admin)
        ]
    );
}

#[tokio::test]
async fn quiz_settings_are_checked() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let cases = [
        (json!({"title": "x", "mode": "exam"}), vec!["question_ids"]),
        (json!({"title": "x", "mode": "exam", "question_ids": ids, "draw": {"count": 1}}), vec!["draw"]),
        (json!({"title": "x", "mode": "daily", "question_ids": ids}), vec!["draw"]),
        (json!({"title": "x", "mode": "exam", "question_ids": ids, "review": "after_close"}), vec!["review"]),
        (
            json!({"title": "x", "mode": "exam", "question_ids": ids, "time_limit_s": 3, "pass_score": 101, "max_attempts": 0}),
            vec!["time_limit_s", "pass_score", "max_attempts"],
        ),
        (
            json!({"title": "", "mode": "exam", "question_ids": ids, "opens_at": "2027-01-02T00:00:00Z", "closes_at": "2027-01-01T00:00:00Z"}),
            vec!["title", "closes_at"],
        ),
    ];
    for (body, fields) in cases {
        assert_invalid(app.post_json("/admin/quizzes", Some(&room.editor.access), &body).await, &fields).await;
    }
}

#[tokio::test]
async fn a_quiz_naming_a_question_that_does_not_exist_is_an_unknown_reference() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let body = json!({"title": "x", "mode": "exam", "question_ids": [ids[0], 4242]});
    let res = app.post_json("/admin/quizzes", Some(&room.editor.access), &body).await;
    let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
    assert_eq!(error_fields(&problem), ["question_ids"]);
    let res = app
        .post_json(
            "/admin/quizzes",
            Some(&room.editor.access),
            &json!({"title": "x", "draw": {"count": 1, "topic": "no-such-topic"}}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
    assert_eq!(error_fields(&problem), ["draw.topic"]);
}

#[tokio::test]
async fn a_draw_the_bank_cannot_fill_and_an_edit_against_the_stored_window_are_conflicts() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let ids = bank(&app, &room).await;
    let res =
        app.post_json("/admin/quizzes", Some(&room.editor.access), &json!({"title": "x", "draw": {"count": 50}})).await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    let body = json!({"title": "x", "question_ids": ids, "opens_at": "2027-01-02T00:00:00Z", "closes_at": "2027-01-03T00:00:00Z"});
    let (status, quiz) = json_body(app.post_json("/admin/quizzes", Some(&room.editor.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{quiz}");
    let path = format!("/admin/quizzes/{}", quiz["id"]);
    let early = json!({"closes_at": "2027-01-01T00:00:00Z"});
    let problem = assert_problem(
        app.patch_json(&path, Some(&room.editor.access), &early).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("closes_at"), "{problem}");
    let both = json!({"opens_at": "2027-01-02T00:00:00Z", "closes_at": "2027-01-01T00:00:00Z"});
    assert_invalid(app.patch_json(&path, Some(&room.editor.access), &both).await, &["closes_at"]).await;
    let res =
        app.patch_json(&path, Some(&room.editor.access), &json!({"review": "after_close", "closes_at": null})).await;
    assert_invalid(res, &["review"]).await;
    let (status, kept) = json_body(app.get(&path, Some(&room.editor.access)).await).await;
    assert_eq!((status, &kept["closes_at"]), (StatusCode::OK, &json!("2027-01-03T00:00:00Z")), "{kept}");
}

#[tokio::test]
async fn item_statistics_are_computed_on_a_known_data_set() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let easy = question(&app, &room, single("容易题", "A")).await;
    let hard = question(&app, &room, single("难题", "B")).await;
    let quiz = publish_quiz(
        &app,
        &room,
        json!({"title": "统计", "mode": "practice", "question_ids": [easy, hard], "pass_score": 100}),
    )
    .await;
    // Four learners: two get both right, one only the easy one, one picks C on both.
    let plans = [("A", "B"), ("A", "B"), ("A", "A"), ("C", "C")];
    for (n, (first, second)) in plans.iter().enumerate() {
        let learner = app.register(&format!("stat_{n}")).await;
        let (_, attempt) = start(&app, &learner, quiz).await;
        submit(
            &app,
            &learner,
            attempt["id"].as_i64().unwrap(),
            json!({"answers": [{"question_id": easy, "response": first}, {"question_id": hard, "response": second}]}),
        )
        .await;
    }
    let (status, report) =
        json_body(app.get(&format!("/admin/reports/quizzes/{quiz}"), Some(&room.editor.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["attempts"], 4);
    assert_eq!(report["mean_score"], 1.25);
    assert_eq!(report["pass_rate"], 0.5);
    let q = |id: i64| report["questions"].as_array().unwrap().iter().find(|q| q["question_id"] == id).unwrap().clone();
    let easy_q = q(easy);
    assert_eq!(easy_q["share_correct"], 0.75);
    // 27 % of 4 rounds to 1: the top attempt got it right, the bottom one did not.
    assert_eq!(easy_q["discrimination"], 1.0);
    let picks: Vec<(String, f64)> = easy_q["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["key"].as_str().unwrap().to_owned(), o["pick_rate"].as_f64().unwrap()))
        .collect();
    assert_eq!(picks, [("A".to_owned(), 0.75), ("B".to_owned(), 0.0), ("C".to_owned(), 0.25)]);
    assert_eq!(q(hard)["share_correct"], 0.5);
    let learner = app.register("no_stats_for_me").await;
    assert_problem(
        app.get(&format!("/admin/reports/quizzes/{quiz}"), Some(&learner.access)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn an_org_admin_reads_item_statistics_of_their_own_subtrees_learners_only() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let county = app.create_org(&room.admin, "县", "county", None).await;
    let school_a = app.create_org(&room.admin, "第一小学", "school", county["id"].as_i64()).await;
    let school_b = app.create_org(&room.admin, "第二小学", "school", county["id"].as_i64()).await;
    let teacher = app.staff(&room.admin, "teacher_a", "org_admin", school_a["id"].as_i64()).await;
    let q1 = question(&app, &room, single("甲题", "A")).await;
    let quiz = publish_quiz(&app, &room, json!({"title": "分校统计", "mode": "practice", "question_ids": [q1]})).await;
    // Two learners in school A (one right, one wrong), three in school B (all right).
    for (n, (school, response)) in
        [(&school_a, "A"), (&school_a, "B"), (&school_b, "A"), (&school_b, "A"), (&school_b, "A")].iter().enumerate()
    {
        let code = school["join_code"].as_str().unwrap();
        let learner = app.register_with(&format!("learner_{n}"), json!({"org_code": code})).await;
        let (_, attempt) = start(&app, &learner, quiz).await;
        let answers = json!({"answers": [{"question_id": q1, "response": response}]});
        submit(&app, &learner, attempt["id"].as_i64().unwrap(), answers).await;
    }
    let path = format!("/admin/reports/quizzes/{quiz}");
    let (status, mine) = json_body(app.get(&path, Some(&teacher.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["attempts"], 2, "{mine}");
    assert_eq!(mine["mean_score"], 0.5);
    let question = &mine["questions"][0];
    assert_eq!((question["attempts"].as_i64(), question["share_correct"].as_f64()), (Some(2), Some(0.5)));
    // The county-wide view is unchanged for editors and admins.
    for token in [&room.editor.access, &room.admin.access] {
        let (status, all) = json_body(app.get(&path, Some(token)).await).await;
        assert_eq!(status, StatusCode::OK, "{all}");
        assert_eq!(all["attempts"], 5);
        assert_eq!(all["questions"][0]["share_correct"], 0.8);
    }
}

#[tokio::test]
async fn a_question_patch_that_does_not_fit_the_stored_shape_is_a_conflict_and_a_topic_may_be_an_id() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let mut body = single("题干", "B");
    body["topic"] = room.topic["id"].clone();
    let (status, created) = json_body(app.post_json("/admin/questions", Some(&room.editor.access), &body).await).await;
    assert_eq!((status, &created["topic"]["slug"]), (StatusCode::CREATED, &room.topic["slug"]), "{created}");
    let path = format!("/admin/questions/{}", created["id"]);
    let res = app.patch_json(&path, Some(&room.editor.access), &json!({"kind": "true_false"})).await;
    assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    let whole = json!({"kind": "true_false", "options": [], "answer": true});
    let (status, changed) = json_body(app.patch_json(&path, Some(&room.editor.access), &whole).await).await;
    assert_eq!((status, &changed["kind"]), (StatusCode::OK, &json!("true_false")), "{changed}");
    let res = app.patch_json(&path, Some(&room.editor.access), &json!({"topic": 4242})).await;
    assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
}
