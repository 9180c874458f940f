use chrono::Datelike as _;
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;
use tongxin::db::schema::users;

use crate::helpers::*;

#[tokio::test]
async fn the_profile_is_private_to_the_caller() {
    let app = TestApp::spawn().await;
    let user = app.register("private_one").await;
    let res = app.get("/me", Some(&user.access)).await;
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let vary =
        res.headers().get_all("vary").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>().join(",");
    assert!(vary.contains("Authorization"), "{vary}");
    let (status, body) = json_body(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["username"], "private_one");
    for key in [
        "id",
        "username",
        "display_name",
        "role",
        "audience",
        "organization",
        "birth_year",
        "guardian_consent_at",
        "locale",
        "created_at",
        "updated_at",
    ] {
        assert!(body.get(key).is_some(), "{key} is always present: {body}");
    }
    assert!(body.get("password_hash").is_none());
}

#[tokio::test]
async fn a_learner_can_change_their_display_name_audience_and_locale() {
    let app = TestApp::spawn().await;
    let user = app.register("changer").await;
    let res = app
        .patch_json(
            "/me",
            Some(&user.access),
            &json!({"display_name": "  古丽  ", "audience": "senior", "locale": "en"}),
        )
        .await;
    let (status, body) = json_body(res).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["display_name"], "古丽");
    assert_eq!(body["audience"], "senior");
    assert_eq!(body["locale"], "en");
    let (_, again) = json_body(app.get("/me", Some(&user.access)).await).await;
    assert_eq!(again["display_name"], "古丽", "the change is stored");
}

#[tokio::test]
async fn a_learner_can_never_raise_their_own_role() {
    let app = TestApp::spawn().await;
    let user = app.register("climber").await;
    for body in [json!({"role": "admin"}), json!({"display_name": "x", "role": "editor"})] {
        let res = app.patch_json("/me", Some(&user.access), &body).await;
        assert_invalid(res, &["role"]).await;
    }
    let role: String = users::table.find(user.id).select(users::role).first(&mut app.db()).unwrap();
    assert_eq!(role, "learner");
    let display: String = users::table.find(user.id).select(users::display_name).first(&mut app.db()).unwrap();
    assert_eq!(display, "学员climber", "a refused patch changes nothing");
}

#[tokio::test]
async fn invalid_profile_changes_are_refused_with_field_errors() {
    let app = TestApp::spawn().await;
    let user = app.register("careful").await;
    let res = app.patch_json("/me", Some(&user.access), &json!({"display_name": "", "locale": "??"})).await;
    assert_invalid(res, &["display_name", "locale"]).await;
    let res = app.patch_json("/me", Some(&user.access), &json!({"audience": "alien"})).await;
    assert_invalid(res, &["audience"]).await;
    let res = app.patch_json("/me", Some(&user.access), &json!({"org_code": "NOPE1234"})).await;
    assert_unknown_reference(res, &["org_code"]).await;
    let res = app.patch_json("/me", Some(&user.access), &json!({"org_code": "NOPE 1234"})).await;
    assert_invalid(res, &["org_code"]).await;
    let res =
        app.patch_json("/me", Some(&user.access), &json!({"display_name": format!(" {} ", "名".repeat(49))})).await;
    assert_invalid(res, &["display_name"]).await;
}

#[tokio::test]
async fn a_learner_joins_an_organization_with_its_join_code() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let school = app.create_org(&admin, "第一中学", "school", None).await;
    let user = app.register("joiner").await;
    let res = app.patch_json("/me", Some(&user.access), &json!({"org_code": school["join_code"]})).await;
    let (status, body) = json_body(res).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["organization"]["id"], school["id"]);
}

#[tokio::test]
async fn the_profile_needs_a_token() {
    let app = TestApp::spawn().await;
    assert_problem(app.get("/me", None).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_problem(app.patch_json("/me", None, &json!({})).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_problem(app.post_json("/me/password", None, &json!({})).await, StatusCode::UNAUTHORIZED, "unauthorized")
        .await;
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions_but_keeps_this_one() {
    let app = TestApp::spawn().await;
    let here = app.register("pw_changer").await;
    let elsewhere = app.login_ok("pw_changer").await;
    let new_password = "Brand-new-pass-2026";
    let res = app
        .post_json(
            "/me/password",
            Some(&here.access),
            &json!({"current_password": PASSWORD, "new_password": new_password}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);

    let res = app.post_json("/auth/refresh", None, &json!({"refresh_token": here.refresh})).await;
    assert_eq!(res.status(), StatusCode::OK, "this session continues");
    let res = app.post_json("/auth/refresh", None, &json!({"refresh_token": elsewhere.refresh})).await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    assert_problem(app.login("pw_changer", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(app.login("pw_changer", new_password).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_current_password_or_a_weak_new_one_is_refused() {
    let app = TestApp::spawn().await;
    let user = app.register("pw_guard").await;
    let res = app
        .post_json(
            "/me/password",
            Some(&user.access),
            &json!({"current_password": "Wrong-password-1", "new_password": "Another-good-pass-1"}),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "wrong_password").await;
    let res = app
        .post_json("/me/password", Some(&user.access), &json!({"current_password": PASSWORD, "new_password": "weak"}))
        .await;
    assert_invalid(res, &["new_password"]).await;
    assert_eq!(app.login("pw_guard", PASSWORD).await.status(), StatusCode::OK, "password unchanged");
}

async fn change_password(app: &TestApp, who: &Session, current: &str) -> reqwest::Response {
    app.post_json(
        "/me/password",
        Some(&who.access),
        &json!({"current_password": current, "new_password": "Another-good-pass-1"}),
    )
    .await
}

async fn erase(app: &TestApp, who: &Session, password: &str) -> reqwest::Response {
    let body = json!({"password": password});
    app.request(reqwest::Method::DELETE, "/me", Some(&who.access)).json(&body).send().await.unwrap()
}

fn password_hash(app: &TestApp, id: i64) -> String {
    users::table.find(id).select(users::password_hash).first(&mut app.db()).unwrap()
}

#[tokio::test]
async fn password_guesses_on_me_password_and_delete_me_are_limited_per_account() {
    let app = TestApp::spawn_with(&[("password_checks_per_hour", "3")]).await;
    let user = app.register("guessed_at").await;
    let other = app.register("left_alone").await;
    let hash = password_hash(&app, user.id);
    for guess in ["Guess-number-1", "Guess-number-2", "Guess-number-3"] {
        assert_problem(change_password(&app, &user, guess).await, StatusCode::FORBIDDEN, "wrong_password").await;
    }
    // Even the right password is not checked any more: the answer would tell.
    let res = change_password(&app, &user, PASSWORD).await;
    let retry_after: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after >= 1, "{retry_after}");
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_problem(erase(&app, &user, PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(password_hash(&app, user.id), hash, "nothing changed");
    assert_eq!(app.get("/me", Some(&user.access)).await.status(), StatusCode::OK, "nothing erased");
    // Another account has its own budget; erasure's wrong password counts against it too.
    assert_problem(erase(&app, &other, "Guess-number-1").await, StatusCode::FORBIDDEN, "wrong_password").await;
    assert_eq!(change_password(&app, &other, PASSWORD).await.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn password_checks_count_against_the_per_address_limit_like_login() {
    let app = TestApp::spawn_with(&[("auth_rate_per_min", "4"), ("password_checks_per_hour", "0")]).await;
    let first = app.register("address_one").await;
    let second = app.register("address_two").await;
    assert_problem(change_password(&app, &first, "Guess-number-1").await, StatusCode::FORBIDDEN, "wrong_password")
        .await;
    assert_problem(change_password(&app, &second, "Guess-number-1").await, StatusCode::FORBIDDEN, "wrong_password")
        .await;
    // Four from this address: registrations and password checks share the budget.
    let res = change_password(&app, &second, "Guess-number-2").await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_problem(erase(&app, &first, PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_problem(app.login("address_one", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn moving_into_a_pupil_audience_needs_a_recorded_or_given_guardian_consent() {
    let app = TestApp::spawn().await;
    let user = app.register("grows_younger").await;
    for audience in ["primary", "junior"] {
        let res = app.patch_json("/me", Some(&user.access), &json!({"audience": audience})).await;
        assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "guardian_consent_required").await;
    }
    let res =
        app.patch_json("/me", Some(&user.access), &json!({"audience": "junior", "guardian_consent": false})).await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "guardian_consent_required").await;
    let (_, me) = json_body(app.get("/me", Some(&user.access)).await).await;
    assert_eq!((me["audience"].as_str(), me["guardian_consent_at"].is_null()), (Some("public"), true), "{me}");

    let res = app.patch_json("/me", Some(&user.access), &json!({"audience": "junior", "guardian_consent": true})).await;
    let (status, me) = json_body(res).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["audience"], "junior");
    assert!(me["guardian_consent_at"].is_string(), "{me}");
    let stored: Option<chrono::NaiveDateTime> =
        users::table.find(user.id).select(users::guardian_consent_at).first(&mut app.db()).unwrap();
    assert!(stored.is_some());
    // Now a pupil: the audience is the school's to change (`audience_set_by_staff`).
    let res = app.patch_json("/me", Some(&user.access), &json!({"audience": "primary"})).await;
    assert_problem(res, StatusCode::FORBIDDEN, "audience_set_by_staff").await;

    // A birth year showing 14 or older needs none.
    let year = chrono::Utc::now().year();
    let older = app.register_with("older_pupil", json!({"birth_year": year - 16})).await;
    let (status, me) =
        json_body(app.patch_json("/me", Some(&older.access), &json!({"audience": "junior"})).await).await;
    assert_eq!((status, me["guardian_consent_at"].is_null()), (StatusCode::OK, true), "{me}");
}
