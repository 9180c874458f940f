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
