use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use diesel::prelude::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tongxin::db::schema::refresh_tokens;

use crate::helpers::*;

const SECRET: &str = "test-signing-secret-of-at-least-32-chars";

async fn app_with_known_secret() -> TestApp {
    TestApp::spawn_with(&[("jwt_secret", SECRET)]).await
}

fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.');
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(it.next().unwrap()).unwrap()).unwrap();
    (header, claims)
}

fn sign(header: &Header, claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(header, claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_json("/auth/refresh", None, &json!({"refresh_token": token})).await
}

#[tokio::test]
async fn access_tokens_carry_the_pinned_algorithm_a_key_id_and_the_required_claims() {
    let app = app_with_known_secret().await;
    let user = app.register("claims_check").await;
    let (header, claims) = parts(&user.access);
    assert_eq!(header["alg"], "HS256");
    assert!(header["kid"].as_str().is_some_and(|k| !k.is_empty()));
    assert_eq!(claims["sub"], user.id.to_string());
    assert_eq!(claims["role"], "learner");
    let (iat, exp) = (claims["iat"].as_i64().unwrap(), claims["exp"].as_i64().unwrap());
    assert_eq!(exp - iat, 15 * 60);
}

#[tokio::test]
async fn a_token_with_a_changed_payload_is_refused() {
    let app = app_with_known_secret().await;
    let user = app.register("tamper_me").await;
    let (_, mut claims) = parts(&user.access);
    claims["role"] = json!("admin");
    let mut pieces: Vec<String> = user.access.split('.').map(str::to_owned).collect();
    pieces[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let forged = pieces.join(".");
    assert_problem(app.get("/me", Some(&forged)).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused() {
    let app = app_with_known_secret().await;
    let user = app.register("alg_none").await;
    let (mut header, claims) = parts(&user.access);
    header["alg"] = json!("none");
    let forged = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).unwrap()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
    );
    assert_problem(app.get("/me", Some(&forged)).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn a_token_signed_with_another_algorithm_or_key_is_refused() {
    let app = app_with_known_secret().await;
    let user = app.register("other_alg").await;
    let (header, claims) = parts(&user.access);
    let kid = header["kid"].as_str().map(str::to_owned);

    let mut hs512 = Header::new(Algorithm::HS512);
    hs512.kid = kid.clone();
    assert_problem(
        app.get("/me", Some(&sign(&hs512, &claims, SECRET))).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    let mut hs256 = Header::new(Algorithm::HS256);
    hs256.kid = kid.clone();
    let other_secret = "another-secret-that-is-also-32-chars-long";
    assert_problem(
        app.get("/me", Some(&sign(&hs256, &claims, other_secret))).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    // The right key still works when signed by hand: the checks above are not vacuous.
    assert_eq!(app.get("/me", Some(&sign(&hs256, &claims, SECRET))).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_token_with_an_unknown_or_missing_key_id_is_refused() {
    let app = app_with_known_secret().await;
    let user = app.register("kid_check").await;
    let (_, claims) = parts(&user.access);
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("0000000000000000".into());
    assert_problem(
        app.get("/me", Some(&sign(&header, &claims, SECRET))).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    header.kid = None;
    assert_problem(
        app.get("/me", Some(&sign(&header, &claims, SECRET))).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}

#[tokio::test]
async fn a_token_without_an_expiry_is_refused() {
    let app = app_with_known_secret().await;
    let user = app.register("no_exp").await;
    let (header, mut claims) = parts(&user.access);
    claims.as_object_mut().unwrap().remove("exp");
    let mut h = Header::new(Algorithm::HS256);
    h.kid = header["kid"].as_str().map(str::to_owned);
    assert_problem(app.get("/me", Some(&sign(&h, &claims, SECRET))).await, StatusCode::UNAUTHORIZED, "invalid_token")
        .await;
}

#[tokio::test]
async fn an_access_token_expires_after_15_minutes_with_a_small_leeway() {
    let app = TestApp::spawn().await;
    let user = app.register("expiring").await;
    app.clock.advance(Duration::minutes(15) + Duration::seconds(10));
    assert_eq!(app.get("/me", Some(&user.access)).await.status(), StatusCode::OK, "inside the leeway");
    app.clock.advance(Duration::seconds(30));
    assert_problem(app.get("/me", Some(&user.access)).await, StatusCode::UNAUTHORIZED, "token_expired").await;
}

#[tokio::test]
async fn a_missing_or_malformed_authorization_header_is_refused_with_a_bearer_challenge() {
    let app = TestApp::spawn().await;
    let res = app.get("/me", None).await;
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    for header in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "garbage"] {
        let res = app.client.get(app.url("/me")).header("authorization", header).send().await.unwrap();
        assert_problem(res, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    let res = app.client.get(app.url("/me")).header("authorization", "Bearer not.a.jwt").send().await.unwrap();
    assert_problem(res, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn refreshing_rotates_the_refresh_token() {
    let app = TestApp::spawn().await;
    let user = app.register("rotator").await;
    let (status, body) = json_body(refresh(&app, &user.refresh).await).await;
    assert_eq!(status, StatusCode::OK);
    let next = body["refresh_token"].as_str().unwrap();
    assert_ne!(next, user.refresh);
    assert_eq!(body["user"]["id"], user.id);
    assert_eq!(app.get("/me", body["access_token"].as_str()).await.status(), StatusCode::OK);
    let (status, _) = json_body(refresh(&app, next).await).await;
    assert_eq!(status, StatusCode::OK, "the successor works in turn");
}

#[tokio::test]
async fn refresh_tokens_are_stored_only_as_hashes() {
    let app = TestApp::spawn().await;
    let user = app.register("hash_store").await;
    let hashes: Vec<String> = refresh_tokens::table.select(refresh_tokens::token_hash).load(&mut app.db()).unwrap();
    assert_eq!(hashes.len(), 1);
    assert!(!hashes[0].contains(&user.refresh));
    assert_eq!(hashes[0].len(), 64, "hex SHA-256");
}

#[tokio::test]
async fn a_refresh_token_presented_again_within_the_grace_window_gets_the_same_successor() {
    let app = TestApp::spawn().await;
    let user = app.register("lost_response").await;
    let (_, first) = json_body(refresh(&app, &user.refresh).await).await;
    app.clock.advance(Duration::seconds(5));
    let (status, second) = json_body(refresh(&app, &user.refresh).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["refresh_token"], second["refresh_token"]);
    let (status, _) = json_body(refresh(&app, first["refresh_token"].as_str().unwrap()).await).await;
    assert_eq!(status, StatusCode::OK, "the shared successor is live");
}

#[tokio::test]
async fn a_refresh_token_reused_after_the_grace_window_ends_the_whole_session() {
    let app = TestApp::spawn().await;
    let user = app.register("stolen_token").await;
    let (_, rotated) = json_body(refresh(&app, &user.refresh).await).await;
    let successor = rotated["refresh_token"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::seconds(11));
    assert_problem(refresh(&app, &user.refresh).await, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    // The legitimate holder's successor is revoked too: the family is over.
    assert_problem(refresh(&app, &successor).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let live: i64 =
        refresh_tokens::table.filter(refresh_tokens::revoked_at.is_null()).count().get_result(&mut app.db()).unwrap();
    assert_eq!(live, 0);
}

#[tokio::test]
async fn the_grace_window_is_configurable() {
    let app = TestApp::spawn_with(&[("refresh_grace_s", "0")]).await;
    let user = app.register("no_grace").await;
    assert_eq!(refresh(&app, &user.refresh).await.status(), StatusCode::OK);
    app.clock.advance(Duration::seconds(1));
    assert_problem(refresh(&app, &user.refresh).await, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_all_get_the_same_successor() {
    let app = TestApp::spawn().await;
    let user = app.register("racer").await;
    let requests = (0..8).map(|_| refresh(&app, &user.refresh));
    let responses = futures_util::future::join_all(requests).await;
    let mut successors = Vec::new();
    for res in responses {
        let (status, body) = json_body(res).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        successors.push(body["refresh_token"].as_str().unwrap().to_owned());
    }
    successors.dedup();
    assert_eq!(successors.len(), 1, "one successor for all: {successors:?}");
    let rows: i64 = refresh_tokens::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(rows, 2, "the original and exactly one successor");
}

#[tokio::test]
async fn an_expired_or_unknown_refresh_token_is_refused() {
    let app = TestApp::spawn().await;
    let user = app.register("expired_refresh").await;
    assert_problem(refresh(&app, "not-a-real-token").await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    app.clock.advance(Duration::days(30) + Duration::seconds(1));
    assert_problem(refresh(&app, &user.refresh).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

#[tokio::test]
async fn logging_out_ends_the_session_and_is_idempotent() {
    let app = TestApp::spawn().await;
    let user = app.register("leaver").await;
    let other = app.login_ok("leaver").await;
    for _ in 0..2 {
        let res = app.post_json("/auth/logout", None, &json!({"refresh_token": user.refresh})).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
    assert_problem(refresh(&app, &user.refresh).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    assert_eq!(refresh(&app, &other.refresh).await.status(), StatusCode::OK, "other sessions continue");
    let res = app.post_json("/auth/logout", None, &json!({"refresh_token": "never-issued"})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_disabled_users_access_token_stops_working_at_the_next_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let user = app.register("soon_disabled").await;
    assert_eq!(app.get("/me", Some(&user.access)).await.status(), StatusCode::OK);
    app.patch_json(&format!("/admin/users/{}", user.id), Some(&admin.access), &json!({"disabled": true})).await;
    assert_problem(app.get("/me", Some(&user.access)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_problem(refresh(&app, &user.refresh).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

#[tokio::test]
async fn a_role_change_applies_to_existing_tokens_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let user = app.register("promoted").await;
    assert_problem(app.get("/admin/users", Some(&user.access)).await, StatusCode::FORBIDDEN, "forbidden").await;
    app.patch_json(&format!("/admin/users/{}", user.id), Some(&admin.access), &json!({"role": "admin"})).await;
    assert_eq!(app.get("/admin/users", Some(&user.access)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn tokens_signed_with_a_previous_key_keep_working_until_the_key_is_dropped() {
    let old_secret = "the-old-signing-secret-at-least-32-chars";
    let new_secret = "the-new-signing-secret-at-least-32-chars";
    let before = TestApp::spawn_with(&[("jwt_secret", old_secret)]).await;
    let user = before.register("rotation_user").await;

    let rotated = before.spawn_beside(&[("jwt_secret", new_secret), ("jwt_previous_secrets", old_secret)]).await;
    assert_eq!(rotated.get("/me", Some(&user.access)).await.status(), StatusCode::OK);
    let fresh = rotated.login_ok("rotation_user").await;
    assert_ne!(parts(&fresh.access).0["kid"], parts(&user.access).0["kid"], "new tokens use the new key");

    let dropped = before.spawn_beside(&[("jwt_secret", new_secret)]).await;
    assert_problem(dropped.get("/me", Some(&user.access)).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(dropped.get("/me", Some(&fresh.access)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_access_token_stops_working_on_every_instance_as_soon_as_its_session_is_logged_out() {
    let app = app_with_known_secret().await;
    let beside = app.spawn_beside(&[("jwt_secret", SECRET)]).await;
    let user = app.register("quick_leaver").await;
    let other = app.login_ok("quick_leaver").await;
    assert_eq!(beside.get("/me", Some(&user.access)).await.status(), StatusCode::OK);
    let res = app.post_json("/auth/logout", None, &json!({"refresh_token": user.refresh})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for instance in [&app, &beside] {
        assert_problem(instance.get("/me", Some(&user.access)).await, StatusCode::UNAUTHORIZED, "session_ended").await;
        assert_eq!(instance.get("/me", Some(&other.access)).await.status(), StatusCode::OK, "the other session lives");
    }
}

#[tokio::test]
async fn a_reused_refresh_token_ends_the_access_tokens_of_its_whole_session_at_once() {
    let app = TestApp::spawn().await;
    let user = app.register("reuse_victim").await;
    let (_, rotated) = json_body(refresh(&app, &user.refresh).await).await;
    let newer = rotated["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/me", Some(&newer)).await.status(), StatusCode::OK);
    app.clock.advance(Duration::seconds(11));
    assert_problem(refresh(&app, &user.refresh).await, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    for token in [&user.access, &newer] {
        assert_problem(app.get("/me", Some(token)).await, StatusCode::UNAUTHORIZED, "session_ended").await;
    }
}

#[tokio::test]
async fn a_password_change_ends_the_access_tokens_of_other_sessions_and_keeps_the_callers() {
    let app = TestApp::spawn().await;
    let here = app.register("pw_sessions").await;
    let elsewhere = app.login_ok("pw_sessions").await;
    let body = json!({"current_password": PASSWORD, "new_password": "Brand-new-pass-2026"});
    assert_eq!(app.post_json("/me/password", Some(&here.access), &body).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get("/me", Some(&here.access)).await.status(), StatusCode::OK, "the caller's session is kept");
    assert_problem(app.get("/me", Some(&elsewhere.access)).await, StatusCode::UNAUTHORIZED, "session_ended").await;
}

#[tokio::test]
async fn erasing_or_disabling_an_account_still_refuses_all_of_its_access_tokens() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let erased = app.register("to_erase").await;
    let erased_too = app.login_ok("to_erase").await;
    let res = app
        .request(reqwest::Method::DELETE, "/me", Some(&erased.access))
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let disabled = app.register("to_disable").await;
    let res =
        app.patch_json(&format!("/admin/users/{}", disabled.id), Some(&admin.access), &json!({"disabled": true})).await;
    assert_eq!(res.status(), StatusCode::OK);
    for token in [&erased.access, &erased_too.access, &disabled.access] {
        assert_problem(app.get("/me", Some(token)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
}

#[tokio::test]
async fn inside_the_grace_an_old_refresh_token_cannot_walk_the_chain_once_its_successor_was_used() {
    let app = TestApp::spawn().await;
    let user = app.register("chain_walker").await;
    let (_, first) = json_body(refresh(&app, &user.refresh).await).await;
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::seconds(1));
    let (status, second) = json_body(refresh(&app, &r1).await).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    app.clock.advance(Duration::seconds(1));
    // R0 again, well inside the 10 s grace, but R1 has been used: that is reuse.
    assert_problem(refresh(&app, &user.refresh).await, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
    assert_problem(refresh(&app, &r2).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    assert_problem(refresh(&app, &r1).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let token = second["access_token"].as_str().unwrap();
    assert_problem(app.get("/me", Some(token)).await, StatusCode::UNAUTHORIZED, "session_ended").await;
    let live: i64 =
        refresh_tokens::table.filter(refresh_tokens::revoked_at.is_null()).count().get_result(&mut app.db()).unwrap();
    assert_eq!(live, 0, "the whole family is revoked");
}
