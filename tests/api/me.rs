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
    assert_invalid(res, &["org_code"]).await;
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
    assert_invalid(res, &["current_password"]).await;
    let res = app
        .post_json("/me/password", Some(&user.access), &json!({"current_password": PASSWORD, "new_password": "weak"}))
        .await;
    assert_invalid(res, &["new_password"]).await;
    assert_eq!(app.login("pw_guard", PASSWORD).await.status(), StatusCode::OK, "password unchanged");
}
