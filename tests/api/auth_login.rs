use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn logging_in_returns_the_profile_and_a_fresh_token_pair() {
    let app = TestApp::spawn().await;
    let registered = app.register("reader_li").await;
    let res = app.login("reader_li", PASSWORD).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let (status, body) = json_body(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"]["id"], registered.id);
    assert_eq!(body["token_type"], "Bearer");
    assert_ne!(body["refresh_token"], registered.refresh.as_str(), "each login starts a new session");
    let (status, _) = json_body(app.get("/me", body["access_token"].as_str()).await).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_username_is_matched_ignoring_case() {
    let app = TestApp::spawn().await;
    app.register("Reader_Wang").await;
    app.login_ok("READER_WANG").await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.register("reader_zhao").await;
    let wrong = assert_problem(
        app.login("reader_zhao", "Not-the-password-1").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown =
        assert_problem(app.login("nobody_here", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let malformed =
        assert_problem(app.login("x", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, malformed);
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let user = app.register("to_disable").await;
    let res =
        app.patch_json(&format!("/admin/users/{}", user.id), Some(&admin.access), &json!({"disabled": true})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_problem(app.login("to_disable", PASSWORD).await, StatusCode::FORBIDDEN, "account_disabled").await;
    // A wrong password still reveals nothing about the account's state.
    assert_problem(app.login("to_disable", "Wrong-password-9").await, StatusCode::UNAUTHORIZED, "invalid_credentials")
        .await;
}

#[tokio::test]
async fn login_is_rate_limited_per_client_address() {
    let app = TestApp::spawn_with(&[("auth_rate_per_min", "2")]).await;
    // Malformed attempts count too: the limit runs before the body is read.
    assert_eq!(
        app.post_json("/auth/login", None, &json!({"username": 1})).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(app.login("anyone", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    let res = app.login("anyone", PASSWORD).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Other endpoints are not limited.
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    // Without trusted proxies, X-Forwarded-For is ignored: spoofing it does not reset the limit.
    let app = TestApp::spawn_with(&[("auth_rate_per_min", "1")]).await;
    let login = |ip: &'static str| {
        app.request(reqwest::Method::POST, "/auth/login", None)
            .header("x-forwarded-for", ip)
            .json(&json!({"username": "someone", "password": PASSWORD}))
            .send()
    };
    assert_eq!(login("10.0.0.1").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login("10.0.0.2").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);

    // Behind a trusted proxy (the test client is 127.0.0.1), each forwarded client has its own budget.
    let proxied = TestApp::spawn_with(&[("auth_rate_per_min", "1"), ("trusted_proxies", "127.0.0.1/32")]).await;
    let login = |ip: &'static str| {
        proxied
            .request(reqwest::Method::POST, "/auth/login", None)
            .header("x-forwarded-for", ip)
            .json(&json!({"username": "someone", "password": PASSWORD}))
            .send()
    };
    assert_eq!(login("203.0.113.7").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login("203.0.113.8").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(login("203.0.113.7").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    // A client-supplied entry left of the proxy's own is not believed over the real one.
    assert_eq!(login("198.51.100.1, 203.0.113.8").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
}

/// The seconds a 429 asks to wait.
fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"].to_str().ok().and_then(|s| s.parse().ok()).expect("Retry-After in seconds")
}

#[tokio::test]
async fn a_class_of_forty_five_pupils_behind_one_address_all_log_in_with_the_default_limits() {
    let app = TestApp::spawn_with_default_limits(&[]).await;
    let names: Vec<String> = (1..=45).map(|i| format!("pupil_{i:02}")).collect();
    futures_util::future::join_all(names.iter().map(|name| app.register(name))).await;
    // The lesson starts: every third pupil mistypes once, then all sign in at the same
    // moment, from the school's one address, without the clock moving on.
    for name in names.iter().step_by(3) {
        assert_eq!(app.login(name, "Mistyped-pass-1").await.status(), StatusCode::UNAUTHORIZED);
    }
    let answers = futures_util::future::join_all(names.iter().map(|name| app.login(name, PASSWORD))).await;
    for (name, res) in names.iter().zip(answers) {
        assert_eq!(res.status(), StatusCode::OK, "{name} logs in");
    }
}

#[tokio::test]
async fn wrong_guesses_lock_the_account_even_against_the_right_password_until_the_window_passes() {
    let app = TestApp::spawn_with_default_limits(&[]).await;
    app.register("pupil_target").await;
    let allowed = app.config.login_failures_per_min;
    assert_eq!(allowed, 5, "the shipped default");
    for i in 0..30 {
        let res = app.login("pupil_target", &format!("Wrong-guess-{i:02}")).await;
        if i < allowed {
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "guess {i}");
        } else {
            // One more wrong password is allowed every 60 / 5 = 12 s.
            assert!((1..=12).contains(&retry_after(&res)), "guess {i}");
            assert_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
        }
    }
    // While locked, the right password is refused too (under any spelling login accepts),
    // and nothing is hashed for it.
    let hashes = app.state.hasher.started();
    for name in ["pupil_target", "PUPIL_Target", "ｐｕｐｉｌ_ｔａｒｇｅｔ"] {
        let res = app.login(name, PASSWORD).await;
        assert!(res.headers().contains_key("retry-after"));
        assert_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    }
    assert_eq!(app.state.hasher.started(), hashes, "a locked name costs no hash");

    app.clock.advance(chrono::Duration::seconds(60));
    app.login_ok("pupil_target").await;
    // A right password does not count: the full budget of wrong ones is back.
    for _ in 0..allowed {
        assert_eq!(app.login("pupil_target", "Wrong-guess-xx").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.login("pupil_target", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_username_without_an_account_is_limited_exactly_like_one_with_an_account() {
    let app = TestApp::spawn_with_default_limits(&[]).await;
    app.register("pupil_real").await;
    for name in ["pupil_real", "pupil_ghost", "x"] {
        for _ in 0..5 {
            assert_problem(app.login(name, "Wrong-guess-00").await, StatusCode::UNAUTHORIZED, "invalid_credentials")
                .await;
        }
        let res = app.login(name, "Wrong-guess-00").await;
        assert!((1..=12).contains(&retry_after(&res)), "{name}: at most one 12 s interval to wait");
        assert_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    }
}

#[tokio::test]
async fn wrong_guesses_at_one_account_do_not_lock_out_another_from_the_same_address() {
    let app = TestApp::spawn_with_default_limits(&[]).await;
    app.register("pupil_guessed").await;
    app.register("pupil_neighbour").await;
    for _ in 0..10 {
        app.login("pupil_guessed", "Wrong-guess-00").await;
    }
    assert_eq!(app.login("pupil_guessed", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    app.login_ok("pupil_neighbour").await;
    app.login_ok("PUPIL_NEIGHBOUR").await;
}

#[tokio::test]
async fn the_per_address_limit_still_stops_a_flood_at_its_higher_default() {
    let app = TestApp::spawn_with_default_limits(&[]).await;
    assert_eq!(app.config.auth_rate_per_min, 300, "the shipped default");
    // Malformed requests cost no hash and count (the limit runs before the body is read).
    let started = std::time::Instant::now();
    let mut accepted: u64 = 0;
    let refused = loop {
        let res = app.post_json("/auth/login", None, &json!({"username": 1})).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            break res;
        }
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        accepted += 1;
        assert!(accepted <= 1000, "no per-address limit");
    };
    // The whole budget at once, plus one more every 200 ms of the time the flood took.
    let refilled = started.elapsed().as_millis() as u64 / 200 + 1;
    assert!((300..=300 + refilled).contains(&accepted), "{accepted} accepted");
    assert!(retry_after(&refused) >= 1);
    // Every login from that address is refused now, whatever the name.
    assert_eq!(app.login("pupil_fresh", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance(chrono::Duration::seconds(60));
    assert_eq!(app.login("pupil_fresh", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn behind_a_trusted_proxy_a_name_stays_locked_whichever_forwarded_address_guesses() {
    let app =
        TestApp::spawn_with_default_limits(&[("trusted_proxies", "127.0.0.1/32"), ("auth_rate_per_min", "2")]).await;
    let login = |ip: String| {
        app.request(reqwest::Method::POST, "/auth/login", None)
            .header("x-forwarded-for", ip)
            .json(&json!({"username": "pupil_far", "password": "Wrong-guess-00"}))
            .send()
    };
    // Each forwarded client has its own per-address budget (two here, so five guesses
    // from the proxy's own address would not all have been answered) ...
    for i in 0..5 {
        assert_eq!(login(format!("203.0.113.{i}")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    // ... but spreading guesses over addresses does not reset the name's budget.
    assert_eq!(login("203.0.113.9".into()).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login("203.0.113.10".into()).await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
}
