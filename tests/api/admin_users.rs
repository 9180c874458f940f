use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

struct World {
    admin: Session,
    east: i64,
    west: i64,
    class: i64,
    east_admin: Session,
    east_pupil: Session,
    class_pupil: Session,
    west_pupil: Session,
}

/// county → east (school → class) and west, with learners in each and an org admin for east.
async fn world(app: &TestApp) -> World {
    let admin = app.admin("root_admin").await;
    let county = app.create_org(&admin, "团结县", "county", None).await["id"].as_i64().unwrap();
    let east = app.create_org(&admin, "东乡镇", "township", Some(county)).await;
    let west = app.create_org(&admin, "西乡镇", "township", Some(county)).await;
    let school = app.create_org(&admin, "东乡中学", "school", east["id"].as_i64()).await;
    let class = app.create_org(&admin, "初一(2)班", "class", school["id"].as_i64()).await;
    let east_pupil =
        app.register_with("east_pupil", json!({"org_code": east["join_code"], "display_name": "买买提"})).await;
    let class_pupil =
        app.register_with("class_pupil", json!({"org_code": class["join_code"], "display_name": "阿依古丽"})).await;
    let west_pupil =
        app.register_with("west_pupil", json!({"org_code": west["join_code"], "display_name": "王小明"})).await;
    let east_admin = app.staff(&admin, "east_admin", "org_admin", east["id"].as_i64()).await;
    World {
        admin,
        east: east["id"].as_i64().unwrap(),
        west: west["id"].as_i64().unwrap(),
        class: class["id"].as_i64().unwrap(),
        east_admin,
        east_pupil,
        class_pupil,
        west_pupil,
    }
}

async fn usernames(app: &TestApp, path: &str, token: &str) -> HashSet<String> {
    let (status, body) = json_body(app.get(path, Some(token)).await).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_owned()).collect()
}

fn set(names: &[&str]) -> HashSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[tokio::test]
async fn an_admin_lists_every_member_without_secrets() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let (status, body) = json_body(app.get("/admin/users", Some(&w.admin.access)).await).await;
    assert_eq!(status, StatusCode::OK);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    for user in items {
        assert!(user.get("password_hash").is_none() && user.get("birth_year").is_none(), "{user}");
    }
    let pupil = items.iter().find(|u| u["username"] == "class_pupil").unwrap();
    assert_eq!(pupil["organization"]["id"], w.class);
    assert_eq!(pupil["disabled"], false);
}

#[tokio::test]
async fn members_can_be_searched_by_name_organization_subtree_and_role() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let token = &w.admin.access;
    assert_eq!(usernames(&app, "/admin/users?q=PUPIL", token).await, set(&["east_pupil", "class_pupil", "west_pupil"]));
    assert_eq!(
        usernames(&app, "/admin/users?q=%E5%8F%A4%E4%B8%BD", token).await,
        set(&["class_pupil"]),
        "古丽 in a display name"
    );
    assert_eq!(
        usernames(&app, &format!("/admin/users?org_id={}", w.east), token).await,
        set(&["east_pupil", "class_pupil", "east_admin"])
    );
    assert_eq!(usernames(&app, "/admin/users?role=org_admin", token).await, set(&["east_admin"]));
    assert_eq!(usernames(&app, "/admin/users?q=_", token).await.len(), 5, "_ is literal, and every name here has one");
    assert!(usernames(&app, "/admin/users?q=nobody", token).await.is_empty());
    assert_invalid(app.get("/admin/users?role=king", Some(token)).await, &["role"]).await;
    // At most 100 characters as sent, as the document's maxLength counts them: padding too.
    let padded = format!("/admin/users?q=pupil{}", "%20".repeat(96));
    assert_invalid(app.get(&padded, Some(token)).await, &["q"]).await;
    let res = app.get(&format!("/admin/users?q=pupil{}", "%20".repeat(95)), Some(token)).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn member_pages_visit_everyone_exactly_once() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let mut seen = Vec::new();
    let mut path = "/admin/users?limit=2".to_owned();
    loop {
        let (_, page) = json_body(app.get(&path, Some(&w.admin.access)).await).await;
        seen.extend(page["items"].as_array().unwrap().iter().map(|u| u["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(next) => path = format!("/admin/users?limit=2&cursor={next}"),
            None => break,
        }
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(seen.len(), 5);
    assert_eq!(unique.len(), 5);
}

#[tokio::test]
async fn an_org_admin_sees_and_manages_only_their_subtree() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let token = &w.east_admin.access;
    assert_eq!(usernames(&app, "/admin/users", token).await, set(&["east_pupil", "class_pupil", "east_admin"]));
    assert_problem(
        app.get(&format!("/admin/users?org_id={}", w.west), Some(token)).await,
        StatusCode::NOT_FOUND,
        "unknown_reference",
    )
    .await;
    let res =
        app.patch_json(&format!("/admin/users/{}", w.west_pupil.id), Some(token), &json!({"disabled": true})).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = app.patch_json(&format!("/admin/users/{}", w.admin.id), Some(token), &json!({"disabled": true})).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;

    let res = app
        .patch_json(&format!("/admin/users/{}", w.east_pupil.id), Some(token), &json!({"organization_id": w.class}))
        .await;
    let (status, moved) = json_body(res).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["organization"]["id"], w.class);
    let res = app
        .patch_json(&format!("/admin/users/{}", w.east_pupil.id), Some(token), &json!({"organization_id": w.west}))
        .await;
    let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
    assert_eq!(error_fields(&problem), ["organization_id"]);
    // Detaching a member is for admins: a permission, not a bad value.
    let res = app
        .patch_json(&format!("/admin/users/{}", w.east_pupil.id), Some(token), &json!({"organization_id": null}))
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn only_admins_change_roles() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let res = app
        .patch_json(
            &format!("/admin/users/{}", w.class_pupil.id),
            Some(&w.east_admin.access),
            &json!({"role": "editor"}),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .patch_json(&format!("/admin/users/{}", w.class_pupil.id), Some(&w.admin.access), &json!({"role": "editor"}))
        .await;
    let (status, body) = json_body(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["role"], "editor");
}

#[tokio::test]
async fn learners_and_content_staff_cannot_manage_members() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let editor = app.staff(&w.admin, "an_editor", "editor", None).await;
    let reviewer = app.staff(&w.admin, "a_reviewer", "reviewer", None).await;
    for who in [&w.class_pupil, &editor, &reviewer] {
        assert_problem(app.get("/admin/users", Some(&who.access)).await, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app
            .patch_json(&format!("/admin/users/{}", w.west_pupil.id), Some(&who.access), &json!({"disabled": true}))
            .await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    assert_problem(app.get("/admin/users", None).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn disabling_a_member_locks_them_out_everywhere() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let res = app
        .patch_json(
            &format!("/admin/users/{}", w.class_pupil.id),
            Some(&w.east_admin.access),
            &json!({"disabled": true}),
        )
        .await;
    let (status, body) = json_body(res).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["disabled"], true);
    assert_problem(app.get("/me", Some(&w.class_pupil.access)).await, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let res = app.post_json("/auth/refresh", None, &json!({"refresh_token": w.class_pupil.refresh})).await;
    assert_problem(res, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    assert_problem(app.login("class_pupil", PASSWORD).await, StatusCode::FORBIDDEN, "account_disabled").await;
    assert_eq!(usernames(&app, "/admin/users?disabled=true", &w.admin.access).await, set(&["class_pupil"]));

    let res = app
        .patch_json(&format!("/admin/users/{}", w.class_pupil.id), Some(&w.admin.access), &json!({"disabled": false}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.login("class_pupil", PASSWORD).await.status(), StatusCode::OK, "re-enabled");
}

#[tokio::test]
async fn nobody_changes_their_own_role_or_disables_themselves() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let res = app
        .patch_json(&format!("/admin/users/{}", w.admin.id), Some(&w.admin.access), &json!({"role": "learner"}))
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .patch_json(
            &format!("/admin/users/{}", w.east_admin.id),
            Some(&w.east_admin.access),
            &json!({"disabled": true}),
        )
        .await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn unknown_members_and_bad_fields_are_refused() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let res = app.patch_json("/admin/users/99999", Some(&w.admin.access), &json!({"disabled": true})).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = app
        .patch_json(&format!("/admin/users/{}", w.west_pupil.id), Some(&w.admin.access), &json!({"role": "emperor"}))
        .await;
    assert_invalid(res, &["role"]).await;
    let res = app
        .patch_json(
            &format!("/admin/users/{}", w.west_pupil.id),
            Some(&w.admin.access),
            &json!({"organization_id": 99999}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
    assert_eq!(error_fields(&problem), ["organization_id"]);
    assert_eq!(problem["errors"][0]["message"], "no such organization in your scope");
    // With another fault, the request is invalid as a whole: 422 naming both fields.
    let res = app
        .patch_json(
            &format!("/admin/users/{}", w.west_pupil.id),
            Some(&w.admin.access),
            &json!({"organization_id": 99999, "role": "emperor"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .patch_json(&format!("/admin/users/{}", w.west_pupil.id), Some(&w.admin.access), &json!({"password_hash": "x"}))
        .await;
    assert_invalid(res, &["password_hash"]).await;
}
