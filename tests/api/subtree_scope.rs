//! Org admins see and manage only their own subtree, on every staff route open to them:
//! organization list and detail, member list and member changes. Outside answers 404.
//! (admin_organizations.rs and admin_users.rs cover the basics; this covers the rest.)

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// county → east (school → class) and west; a learner in east, class and west and one in
/// no organization; an org admin for east and one for west.
struct World {
    admin: Session,
    county: i64,
    east: i64,
    west: i64,
    school: i64,
    class: i64,
    east_admin: Session,
    west_admin: Session,
    class_pupil: Session,
    west_pupil: Session,
    loner: Session,
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin("root_admin").await;
    let county = app.create_org(&admin, "团结县", "county", None).await;
    let east = app.create_org(&admin, "东乡镇", "township", county["id"].as_i64()).await;
    let west = app.create_org(&admin, "西乡镇", "township", county["id"].as_i64()).await;
    let school = app.create_org(&admin, "东乡中学", "school", east["id"].as_i64()).await;
    let class = app.create_org(&admin, "初一(2)班", "class", school["id"].as_i64()).await;
    app.register_with("east_pupil", json!({"org_code": east["join_code"], "display_name": "买买提"})).await;
    let class_pupil =
        app.register_with("class_pupil", json!({"org_code": class["join_code"], "display_name": "阿依古丽"})).await;
    let west_pupil =
        app.register_with("west_pupil", json!({"org_code": west["join_code"], "display_name": "王小明"})).await;
    let loner = app.register_with("loner_pupil", json!({"display_name": "独行"})).await;
    let east_admin = app.staff(&admin, "east_admin", "org_admin", east["id"].as_i64()).await;
    let west_admin = app.staff(&admin, "west_admin", "org_admin", west["id"].as_i64()).await;
    let id = |org: &Value| org["id"].as_i64().unwrap();
    World {
        county: id(&county),
        east: id(&east),
        west: id(&west),
        school: id(&school),
        class: id(&class),
        admin,
        east_admin,
        west_admin,
        class_pupil,
        west_pupil,
        loner,
    }
}

async fn usernames(app: &TestApp, path: &str, token: &str) -> HashSet<String> {
    let (status, body) = json_body(app.get(path, Some(token)).await).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body["items"].as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap().to_owned()).collect()
}

async fn org_ids(app: &TestApp, path: &str, token: &str) -> HashSet<i64> {
    let (status, body) = json_body(app.get(path, Some(token)).await).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body["items"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect()
}

fn set(names: &[&str]) -> HashSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn an_org_admins_searches_never_reach_outside_their_subtree() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let token = &w.east_admin.access;
    // Every pupil's name matches; only the subtree's come back.
    assert_eq!(usernames(&app, "/admin/users?q=pupil", token).await, set(&["east_pupil", "class_pupil"]));
    assert!(usernames(&app, "/admin/users?q=loner", token).await.is_empty(), "no organization: outside");
    assert!(usernames(&app, "/admin/users?q=west", token).await.is_empty());
    assert!(usernames(&app, &format!("/admin/users?q={}", encoded("王小明")), token).await.is_empty());
    assert_eq!(usernames(&app, &format!("/admin/users?org_id={}", w.class), token).await, set(&["class_pupil"]));
    assert!(usernames(&app, &format!("/admin/users?org_id={}&q=east", w.class), token).await.is_empty());
    assert_eq!(
        usernames(&app, &format!("/admin/users?org_id={}&role=learner", w.east), token).await,
        set(&["east_pupil", "class_pupil"])
    );
    for outside in [w.west, w.county, 999_999] {
        let res = app.get(&format!("/admin/users?org_id={outside}&q=pupil"), Some(token)).await;
        let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
        assert_eq!(error_fields(&problem), ["org_id"]);
    }
    // The admin sees the same people the org admin does not.
    assert_eq!(
        usernames(&app, "/admin/users?q=pupil", &w.admin.access).await,
        set(&["east_pupil", "class_pupil", "west_pupil", "loner_pupil"])
    );

    // Organizations: the name search and the parent filter stay inside too.
    assert_eq!(
        org_ids(&app, &format!("/admin/organizations?q={}", encoded("乡")), token).await,
        HashSet::from([w.east, w.school])
    );
    assert_eq!(
        org_ids(&app, &format!("/admin/organizations?parent_id={}", w.east), token).await,
        HashSet::from([w.school])
    );
    for outside in [w.county, w.west, 999_999] {
        let res = app.get(&format!("/admin/organizations?parent_id={outside}"), Some(token)).await;
        let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
        assert_eq!(error_fields(&problem), ["parent_id"]);
    }
    assert_eq!(
        org_ids(&app, &format!("/admin/organizations?parent_id={}", w.county), &w.admin.access).await,
        HashSet::from([w.east, w.west])
    );
}

#[tokio::test]
async fn an_org_admin_gets_404_for_any_member_outside_whatever_they_ask() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let token = &w.east_admin.access;
    let outsiders = [w.west_pupil.id, w.loner.id, w.west_admin.id, w.admin.id, 999_999];
    let requests = [
        json!({"disabled": true}),
        json!({"organization_id": w.east}),
        json!({"role": "learner"}),
        json!({"role": "admin", "disabled": true}),
    ];
    for target in outsiders {
        for body in &requests {
            let res = app.patch_json(&format!("/admin/users/{target}"), Some(token), body).await;
            assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
        }
    }
    // Nothing changed for any of them.
    for who in [&w.west_pupil, &w.loner, &w.west_admin] {
        let (status, me) = json_body(app.get("/me", Some(&who.access)).await).await;
        assert_eq!(status, StatusCode::OK, "{} still works: {me}", who.username);
    }
    let (_, me) = json_body(app.get("/me", Some(&w.west_pupil.access)).await).await;
    assert_eq!(me["organization"]["id"], w.west);
}

#[tokio::test]
async fn an_org_admin_can_disable_a_member_but_never_change_a_role() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let token = &w.east_admin.access;
    let path = format!("/admin/users/{}", w.class_pupil.id);
    for body in [json!({"role": "editor"}), json!({"role": "learner"}), json!({"role": "org_admin", "disabled": true})]
    {
        assert_problem(app.patch_json(&path, Some(token), &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let (status, me) = json_body(app.get("/me", Some(&w.class_pupil.access)).await).await;
    assert_eq!(status, StatusCode::OK, "a refused request disables nobody: {me}");
    assert_eq!(me["role"], "learner");

    let (status, member) = json_body(app.patch_json(&path, Some(token), &json!({"disabled": true})).await).await;
    assert_eq!(status, StatusCode::OK, "{member}");
    assert_eq!(member["disabled"], true);
    assert_eq!(member["role"], "learner");
    let (status, member) = json_body(app.patch_json(&path, Some(token), &json!({"disabled": false})).await).await;
    assert_eq!(status, StatusCode::OK, "{member}");
    assert_eq!(member["disabled"], false);
}

#[tokio::test]
async fn an_org_admin_moves_members_only_to_nodes_inside_their_subtree() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let token = &w.east_admin.access;
    let path = format!("/admin/users/{}", w.class_pupil.id);
    for outside in [w.county, w.west, 999_999] {
        let res = app.patch_json(&path, Some(token), &json!({"organization_id": outside})).await;
        let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
        assert_eq!(error_fields(&problem), ["organization_id"]);
    }
    let (status, member) =
        json_body(app.patch_json(&path, Some(token), &json!({"organization_id": w.school})).await).await;
    assert_eq!(status, StatusCode::OK, "{member}");
    assert_eq!(member["organization"]["id"], w.school);

    // Moved out by the admin, the member is out of the org admin's reach.
    let res = app.patch_json(&path, Some(&w.admin.access), &json!({"organization_id": w.west})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!usernames(&app, "/admin/users", token).await.contains("class_pupil"));
    let res = app.patch_json(&path, Some(token), &json!({"organization_id": w.school})).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    assert!(usernames(&app, "/admin/users", &w.west_admin.access).await.contains("class_pupil"));
}

#[tokio::test]
async fn an_org_admin_with_no_organization_sees_nothing() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let homeless = app.staff(&w.admin, "homeless_admin", "org_admin", None).await;
    let token = &homeless.access;
    assert!(usernames(&app, "/admin/users", token).await.is_empty());
    assert!(usernames(&app, "/admin/users?q=homeless", token).await.is_empty(), "not even themselves");
    assert!(org_ids(&app, "/admin/organizations?q=%E4%B9%A1", token).await.is_empty());
    for org in [w.county, w.east, w.class] {
        assert_problem(
            app.get(&format!("/admin/organizations/{org}"), Some(token)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_problem(
            app.get(&format!("/admin/users?org_id={org}"), Some(token)).await,
            StatusCode::NOT_FOUND,
            "unknown_reference",
        )
        .await;
        assert_problem(
            app.get(&format!("/admin/organizations?parent_id={org}"), Some(token)).await,
            StatusCode::NOT_FOUND,
            "unknown_reference",
        )
        .await;
    }
    for target in [w.class_pupil.id, w.loner.id] {
        let res = app.patch_json(&format!("/admin/users/{target}"), Some(token), &json!({"disabled": true})).await;
        assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn moving_a_node_takes_its_members_into_the_new_subtree() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let res = app
        .patch_json(&format!("/admin/organizations/{}", w.school), Some(&w.admin.access), &json!({"parent_id": w.west}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);

    // The class two levels down went along, and with it its pupil.
    assert_eq!(usernames(&app, "/admin/users?q=pupil", &w.east_admin.access).await, set(&["east_pupil"]));
    assert_eq!(
        usernames(&app, "/admin/users?q=pupil", &w.west_admin.access).await,
        set(&["west_pupil", "class_pupil"])
    );
    assert_eq!(
        usernames(&app, &format!("/admin/users?org_id={}", w.west), &w.admin.access).await,
        set(&["west_pupil", "class_pupil", "west_admin"])
    );
    assert_eq!(
        org_ids(&app, "/admin/organizations", &w.west_admin.access).await,
        HashSet::from([w.west, w.school, w.class])
    );
    let class = format!("/admin/organizations/{}", w.class);
    assert_problem(app.get(&class, Some(&w.east_admin.access)).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.get(&class, Some(&w.west_admin.access)).await.status(), StatusCode::OK);
    let pupil = format!("/admin/users/{}", w.class_pupil.id);
    let res = app.patch_json(&pupil, Some(&w.east_admin.access), &json!({"disabled": true})).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = app.patch_json(&pupil, Some(&w.west_admin.access), &json!({"organization_id": w.west})).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// The join code of an organization, as the admin reads it.
async fn join_code(app: &TestApp, admin: &Session, org: i64) -> String {
    let (_, body) = json_body(app.get(&format!("/admin/organizations/{org}"), Some(&admin.access)).await).await;
    body["join_code"].as_str().unwrap().to_owned()
}

fn organization_of(app: &TestApp, user: i64) -> Option<i64> {
    use diesel::prelude::*;
    use tongxin::db::schema::users;
    users::table.find(user).select(users::organization_id).first(&mut app.db()).unwrap()
}

#[tokio::test]
async fn staff_cannot_move_themselves_with_a_join_code_so_an_org_admins_scope_stays_put() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let county_code = join_code(&app, &w.admin, w.county).await;
    let west_code = join_code(&app, &w.admin, w.west).await;
    let reviewer = app.staff(&w.admin, "east_reviewer", "reviewer", Some(w.east)).await;
    for (who, code) in [(&w.east_admin, &county_code), (&w.east_admin, &west_code), (&reviewer, &county_code)] {
        let res = app.patch_json("/me", Some(&who.access), &json!({"org_code": code})).await;
        assert_problem(res, StatusCode::FORBIDDEN, "staff_cannot_change_organization").await;
        assert_eq!(organization_of(&app, who.id), Some(w.east), "{} stays where the admin put them", who.username);
    }
    // Their other fields they still change themselves.
    let res = app.patch_json("/me", Some(&w.east_admin.access), &json!({"display_name": "东乡管理员"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    // And the scope did not follow a code: the county's other members stay out of reach.
    assert!(
        usernames(&app, "/admin/users?q=pupil", &w.east_admin.access)
            .await
            .is_subset(&set(&["east_pupil", "class_pupil"]))
    );
    let res = app
        .patch_json(
            &format!("/admin/users/{}", w.west_pupil.id),
            Some(&w.east_admin.access),
            &json!({"disabled": true}),
        )
        .await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    // Learners still join with a code.
    let res = app.patch_json("/me", Some(&w.loner.access), &json!({"org_code": west_code})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(organization_of(&app, w.loner.id), Some(w.west));
}

#[tokio::test]
async fn an_org_admin_manages_only_the_learners_of_their_subtree_never_its_staff() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let reviewer = app.staff(&w.admin, "east_reviewer", "reviewer", Some(w.east)).await;
    let class_admin = app.staff(&w.admin, "class_admin", "org_admin", Some(w.class)).await;
    let token = &w.east_admin.access;
    for target in [&reviewer, &class_admin, &w.east_admin] {
        for body in [json!({"disabled": true}), json!({"organization_id": w.school})] {
            let res = app.patch_json(&format!("/admin/users/{}", target.id), Some(token), &body).await;
            assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
        let (status, me) = json_body(app.get("/me", Some(&target.access)).await).await;
        assert_eq!(status, StatusCode::OK, "{} is not disabled: {me}", target.username);
    }
    assert_eq!(organization_of(&app, reviewer.id), Some(w.east));
    assert_eq!(organization_of(&app, class_admin.id), Some(w.class));
    assert_eq!(organization_of(&app, w.east_admin.id), Some(w.east));
    // Reading them is fine; a learner in the subtree they manage as before.
    assert_eq!(app.get(&format!("/admin/users/{}", reviewer.id), Some(token)).await.status(), StatusCode::OK);
    let pupil = format!("/admin/users/{}", w.class_pupil.id);
    let (status, member) = json_body(app.patch_json(&pupil, Some(token), &json!({"disabled": true})).await).await;
    assert_eq!((status, member["disabled"].as_bool()), (StatusCode::OK, Some(true)), "{member}");
    let (status, member) =
        json_body(app.patch_json(&pupil, Some(token), &json!({"disabled": false, "organization_id": w.school})).await)
            .await;
    assert_eq!((status, member["organization"]["id"].as_i64()), (StatusCode::OK, Some(w.school)), "{member}");
}

#[tokio::test]
async fn only_an_admin_places_staff_and_the_move_is_audited_with_where_from() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let res = app
        .patch_json(
            &format!("/admin/users/{}", w.east_admin.id),
            Some(&w.admin.access),
            &json!({"organization_id": w.county}),
        )
        .await;
    let (status, member) = json_body(res).await;
    assert_eq!((status, member["organization"]["id"].as_i64()), (StatusCode::OK, Some(w.county)), "{member}");
    let (_, log) = json_body(
        app.get(
            &format!("/admin/audit-log?target_type=user&target_id={}&action=user.update", w.east_admin.id),
            Some(&w.admin.access),
        )
        .await,
    )
    .await;
    let entry = &log["items"][0];
    assert_eq!(entry["actor_id"], w.admin.id, "{log}");
    assert_eq!(entry["detail"]["organization_id"], w.county, "{log}");
    assert_eq!(entry["detail"]["from_organization_id"], w.east, "{log}");
}

#[tokio::test]
async fn units_an_org_admin_creates_stay_in_their_scope_and_never_in_a_neighbours() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let body = json!({"name": "初一(5)班", "kind": "class", "parent_id": w.school});
    let (status, class) =
        json_body(app.post_json("/admin/organizations", Some(&w.east_admin.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{class}");
    let class_id = class["id"].as_i64().unwrap();
    app.register_with("new_pupil", json!({"org_code": class["join_code"], "display_name": "新同学"})).await;
    assert!(usernames(&app, "/admin/users?q=new_pupil", &w.east_admin.access).await.contains("new_pupil"));
    assert!(org_ids(&app, "/admin/organizations", &w.east_admin.access).await.contains(&class_id));
    assert!(!org_ids(&app, "/admin/organizations", &w.west_admin.access).await.contains(&class_id));

    // The neighbour neither sees nor changes it, nor builds under it, nor pulls it over.
    let path = format!("/admin/organizations/{class_id}");
    for body in [json!({"name": "西边的班"}), json!({"closed": true}), json!({"parent_id": w.west})] {
        assert_problem(
            app.patch_json(&path, Some(&w.west_admin.access), &body).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let body = json!({"name": "分组", "kind": "branch", "parent_id": class_id});
    let res = app.post_json("/admin/organizations", Some(&w.west_admin.access), &body).await;
    assert_eq!(error_fields(&assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await), ["parent_id"]);
    // Moving it between two nodes of the subtree takes its members along, still in scope.
    let res = app.patch_json(&path, Some(&w.east_admin.access), &json!({"parent_id": w.east})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        usernames(&app, &format!("/admin/users?org_id={class_id}"), &w.east_admin.access).await.contains("new_pupil")
    );
    // Closing it keeps the member in the org admin's reach.
    let res = app.patch_json(&path, Some(&w.east_admin.access), &json!({"closed": true})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(usernames(&app, "/admin/users?q=new_pupil", &w.east_admin.access).await.contains("new_pupil"));
}
