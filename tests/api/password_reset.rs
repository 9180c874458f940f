//! Staff reset a forgotten password; a temporary password must be replaced before use.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, Session, TestApp, assert_invalid, assert_problem, json_body};

const NEW_PASSWORD: &str = "Mine-2026-chosen";

/// A school with one class, its org admin, and a pupil of the class.
struct School {
    admin: Session,
    teacher: Session,
    pupil: Session,
    class: i64,
}

async fn school(app: &TestApp) -> School {
    let admin = app.admin("root").await;
    let school = app.create_org(&admin, "第一中学", "school", None).await;
    let class = app.create_org(&admin, "七年级（1）班", "class", school["id"].as_i64()).await;
    let teacher = app.staff(&admin, "teacher", "org_admin", class["id"].as_i64()).await;
    let pupil = app.register_with("pupil", json!({"org_code": class["join_code"]})).await;
    School { admin, teacher, pupil, class: class["id"].as_i64().unwrap() }
}

async fn reset(app: &TestApp, staff: &Session, user: i64, body: &Value) -> reqwest::Response {
    app.post_json(&format!("/admin/users/{user}/password-reset"), Some(&staff.access), body).await
}

/// Resets `user`'s password as `staff` and returns the temporary password.
async fn reset_ok(app: &TestApp, staff: &Session, user: i64) -> String {
    let res = reset(app, staff, user, &json!({})).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let (status, body) = json_body(res).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["temporary_password"].as_str().unwrap().to_owned()
}

async fn replace(app: &TestApp, username: &str, password: &str, new_password: &str) -> reqwest::Response {
    let body = json!({"username": username, "password": password, "new_password": new_password});
    app.post_json("/auth/password", None, &body).await
}

#[tokio::test]
async fn a_reset_password_signs_in_only_after_the_pupil_chooses_a_new_one() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let temporary = reset_ok(&app, &s.teacher, s.pupil.id).await;

    assert_problem(app.login("pupil", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_problem(app.login("pupil", &temporary).await, StatusCode::FORBIDDEN, "password_change_required").await;

    let member = format!("/admin/users/{}", s.pupil.id);
    let (_, shown) = json_body(app.get(&member, Some(&s.teacher.access)).await).await;
    assert!(shown["temporary_password_expires_at"].is_string(), "{shown}");

    let (status, tokens) = json_body(replace(&app, "pupil", &temporary, NEW_PASSWORD).await).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let (status, me) = json_body(app.get("/me", tokens["access_token"].as_str()).await).await;
    assert_eq!((status, me["username"].as_str()), (StatusCode::OK, Some("pupil")));

    let (_, shown) = json_body(app.get(&member, Some(&s.teacher.access)).await).await;
    assert!(shown["temporary_password_expires_at"].is_null(), "{shown}");
    // Used once: the temporary password is gone, the chosen one works.
    assert_problem(app.login("pupil", &temporary).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    app.login_ok_with("pupil", NEW_PASSWORD).await;
}

#[tokio::test]
async fn a_reset_ends_every_session_of_the_learner_at_once() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let phone = app.login_ok("pupil").await;
    reset_ok(&app, &s.teacher, s.pupil.id).await;

    for session in [&s.pupil, &phone] {
        assert_problem(app.get("/me", Some(&session.access)).await, StatusCode::UNAUTHORIZED, "session_ended").await;
        let res = app.post_json("/auth/refresh", None, &json!({"refresh_token": session.refresh})).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_temporary_password_stops_working_when_it_expires() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let before = chrono::Utc::now() - Duration::seconds(1);
    let (status, body) = json_body(reset(&app, &s.teacher, s.pupil.id, &json!({"valid_hours": 2})).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let expires: chrono::DateTime<chrono::Utc> = body["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires > before + Duration::hours(2) && expires <= chrono::Utc::now() + Duration::hours(2), "{body}");
    let temporary = body["temporary_password"].as_str().unwrap();

    app.clock.advance(Duration::hours(2) + Duration::seconds(1));
    assert_problem(app.login("pupil", temporary).await, StatusCode::FORBIDDEN, "temporary_password_expired").await;
    let res = replace(&app, "pupil", temporary, NEW_PASSWORD).await;
    assert_problem(res, StatusCode::FORBIDDEN, "temporary_password_expired").await;

    // A new reset starts over.
    let teacher = app.login_ok("teacher").await;
    let again = reset_ok(&app, &teacher, s.pupil.id).await;
    assert_eq!(replace(&app, "pupil", &again, NEW_PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_reset_is_audited_without_the_password() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let temporary = reset_ok(&app, &s.teacher, s.pupil.id).await;

    let path = format!("/admin/audit-log?target_type=user&target_id={}&action=user.password_reset", s.pupil.id);
    let (status, entries) = json_body(app.get(&path, Some(&s.admin.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{entries}");
    let entry = &entries["items"][0];
    assert_eq!(entry["actor_id"], s.teacher.id, "{entry}");
    assert_eq!(entry["detail"]["sessions_ended"], 1, "{entry}");
    assert!(!entries.to_string().contains(&temporary));
}

#[tokio::test]
async fn only_staff_in_scope_reset_and_never_their_own_password() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let other = app.create_org(&s.admin, "第二中学", "school", None).await;
    let outsider = app.register_with("outsider", json!({"org_code": other["join_code"]})).await;
    let editor = app.staff(&s.admin, "editor", "editor", Some(s.class)).await;

    assert_problem(reset(&app, &s.teacher, outsider.id, &json!({})).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_problem(reset(&app, &s.teacher, 999_999, &json!({})).await, StatusCode::NOT_FOUND, "not_found").await;
    for (caller, target) in [(&s.pupil, outsider.id), (&editor, s.pupil.id), (&s.teacher, editor.id)] {
        let res = reset(&app, caller, target, &json!({})).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{} resetting {target}", caller.username);
    }
    assert_eq!(reset(&app, &s.teacher, s.teacher.id, &json!({})).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(reset(&app, &s.admin, s.admin.id, &json!({})).await.status(), StatusCode::FORBIDDEN);

    // Nothing was changed by the refusals; an admin may reset staff.
    app.login_ok("editor").await;
    reset_ok(&app, &s.admin, editor.id).await;
    assert_problem(app.login("editor", PASSWORD).await, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

#[tokio::test]
async fn a_reset_validity_outside_one_hour_to_a_week_is_refused() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    for hours in [0, 169] {
        assert_invalid(reset(&app, &s.teacher, s.pupil.id, &json!({"valid_hours": hours})).await, &["valid_hours"])
            .await;
    }
    app.login_ok("pupil").await;
}

#[tokio::test]
async fn the_new_password_must_follow_the_rules_and_differ_from_the_temporary_one() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let temporary = reset_ok(&app, &s.teacher, s.pupil.id).await;

    assert_invalid(replace(&app, "pupil", &temporary, &temporary).await, &["new_password"]).await;
    assert_invalid(replace(&app, "pupil", &temporary, "short").await, &["new_password"]).await;
    let wrong = replace(&app, "pupil", "xxxx-xxxx", NEW_PASSWORD).await;
    assert_problem(wrong, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    // None of these used the temporary password up.
    assert_eq!(replace(&app, "pupil", &temporary, NEW_PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_chosen_password_can_be_replaced_at_the_same_door() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let (status, _) = json_body(replace(&app, "pupil", PASSWORD, NEW_PASSWORD).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_problem(app.get("/me", Some(&s.pupil.access)).await, StatusCode::UNAUTHORIZED, "session_ended").await;
    app.login_ok_with("pupil", NEW_PASSWORD).await;
}

#[tokio::test]
async fn a_pupil_cannot_move_out_of_a_pupil_audience_but_staff_can_set_it() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let res = app.patch_json("/me", Some(&s.pupil.access), &json!({"audience": "primary"})).await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "guardian_consent_required").await;
    // Staff move the pupil into primary school, recording the consent the school holds.
    let path = format!("/admin/users/{}", s.pupil.id);
    let res = app.patch_json(&path, Some(&s.teacher.access), &json!({"audience": "primary"})).await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "guardian_consent_required").await;
    let res =
        app.patch_json(&path, Some(&s.teacher.access), &json!({"audience": "primary", "guardian_consent": true})).await;
    let (status, member) = json_body(res).await;
    assert_eq!((status, member["audience"].as_str()), (StatusCode::OK, Some("primary")), "{member}");

    for audience in ["public", "junior"] {
        let res = app.patch_json("/me", Some(&s.pupil.access), &json!({"audience": audience})).await;
        assert_problem(res, StatusCode::FORBIDDEN, "audience_set_by_staff").await;
    }
    // Sending the audience one already has changes nothing and is fine.
    let res = app.patch_json("/me", Some(&s.pupil.access), &json!({"audience": "primary"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, me) = json_body(app.get("/me", Some(&s.pupil.access)).await).await;
    assert_eq!(me["audience"], "primary");

    let path = format!("/admin/audit-log?target_type=user&target_id={}&action=user.update", s.pupil.id);
    let (_, entries) = json_body(app.get(&path, Some(&s.admin.access)).await).await;
    assert_eq!(entries["items"][0]["detail"]["guardian_consent_recorded"], true, "{entries}");
    assert_eq!(entries["items"][0]["actor_id"], s.teacher.id);
    let (_, shown) = json_body(app.get(&format!("/admin/users/{}", s.pupil.id), Some(&s.admin.access)).await).await;
    assert_eq!(shown["guardian_consent_by"], s.teacher.id, "{shown}");
}

#[tokio::test]
async fn an_adult_still_chooses_their_own_audience() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    for audience in ["cadre", "public"] {
        let res = app.patch_json("/me", Some(&s.pupil.access), &json!({"audience": audience})).await;
        let (status, me) = json_body(res).await;
        assert_eq!((status, me["audience"].as_str()), (StatusCode::OK, Some(audience)), "{me}");
    }
}
