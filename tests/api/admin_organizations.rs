use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// county → two townships → a school under the first → a class under the school.
struct Tree {
    county: i64,
    east: i64,
    west: i64,
    school: i64,
    class: i64,
}

async fn tree(app: &TestApp, admin: &Session) -> Tree {
    let county = app.create_org(admin, "团结县", "county", None).await["id"].as_i64().unwrap();
    let east = app.create_org(admin, "东乡镇", "township", Some(county)).await["id"].as_i64().unwrap();
    let west = app.create_org(admin, "西乡镇", "township", Some(county)).await["id"].as_i64().unwrap();
    let school = app.create_org(admin, "东乡中学", "school", Some(east)).await["id"].as_i64().unwrap();
    let class = app.create_org(admin, "初一(2)班", "class", Some(school)).await["id"].as_i64().unwrap();
    Tree { county, east, west, school, class }
}

async fn ids(app: &TestApp, path: &str, token: &str) -> HashSet<i64> {
    let (status, body) = json_body(app.get(path, Some(token)).await).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body["items"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn an_admin_creates_organizations_with_generated_join_codes() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let res = app
        .post_json(
            "/admin/organizations",
            Some(&admin.access),
            &json!({"name": "团结县", "kind": "county", "demonstration_site": true}),
        )
        .await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let (status, county) = json_body(res).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(location, format!("/api/v1/admin/organizations/{}", county["id"]));
    assert_eq!(county["parent_id"], Value::Null);
    assert_eq!(county["demonstration_site"], true);
    let code = county["join_code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    assert!(code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{code}");
    assert!(!code.contains(['0', 'O', '1', 'I']), "no look-alike characters: {code}");

    let township = app.create_org(&admin, "东乡镇", "township", county["id"].as_i64()).await;
    assert_eq!(township["parent_id"], county["id"]);
    assert_ne!(township["join_code"], county["join_code"]);
    let (status, fetched) = json_body(app.get(&location, Some(&admin.access)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, county);
}

#[tokio::test]
async fn creating_an_organization_checks_its_fields() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let cases = [
        (json!({"name": "x", "kind": "galaxy"}), "kind"),
        (json!({"name": "   ", "kind": "school"}), "name"),
        (json!({"name": "孤儿学校", "kind": "school", "parent_id": 999}), "parent_id"),
        (json!({"kind": "school"}), "name"),
    ];
    for (body, field) in cases {
        let res = app.post_json("/admin/organizations", Some(&admin.access), &body).await;
        assert_invalid(res, &[field]).await;
    }
}

#[tokio::test]
async fn only_admins_create_or_change_organizations() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let learner = app.register("plain_learner").await;
    let editor = app.staff(&admin, "an_editor", "editor", None).await;
    let org_admin = app.staff(&admin, "east_admin", "org_admin", Some(t.east)).await;
    for who in [&learner, &editor, &org_admin] {
        let res =
            app.post_json("/admin/organizations", Some(&who.access), &json!({"name": "新单位", "kind": "unit"})).await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        let res = app
            .patch_json(&format!("/admin/organizations/{}", t.school), Some(&who.access), &json!({"name": "改名"}))
            .await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    for who in [&learner, &editor] {
        assert_problem(app.get("/admin/organizations", Some(&who.access)).await, StatusCode::FORBIDDEN, "forbidden")
            .await;
        let res = app.get(&format!("/admin/organizations/{}", t.county), Some(&who.access)).await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
}

#[tokio::test]
async fn an_org_admin_sees_only_their_own_subtree() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let east_admin = app.staff(&admin, "east_admin", "org_admin", Some(t.east)).await;
    assert_eq!(ids(&app, "/admin/organizations", &east_admin.access).await, HashSet::from([t.east, t.school, t.class]));
    assert_eq!(ids(&app, "/admin/organizations", &admin.access).await.len(), 5);
    for inside in [t.east, t.school, t.class] {
        let res = app.get(&format!("/admin/organizations/{inside}"), Some(&east_admin.access)).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    for outside in [t.county, t.west, 9999] {
        let res = app.get(&format!("/admin/organizations/{outside}"), Some(&east_admin.access)).await;
        assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    }
    let homeless = app.staff(&admin, "homeless_admin", "org_admin", None).await;
    assert!(ids(&app, "/admin/organizations", &homeless.access).await.is_empty(), "no node, no scope");
}

#[tokio::test]
async fn organizations_can_be_filtered_by_parent_and_name() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let children = ids(&app, &format!("/admin/organizations?parent_id={}", t.county), &admin.access).await;
    assert_eq!(children, HashSet::from([t.east, t.west]));
    let named = ids(&app, &format!("/admin/organizations?q={}", urlencode("东乡")), &admin.access).await;
    assert_eq!(named, HashSet::from([t.east, t.school]));
    let wildcard = ids(&app, "/admin/organizations?q=%25", &admin.access).await;
    assert!(wildcard.is_empty(), "% is matched literally, not as a wildcard");
}

#[tokio::test]
async fn organization_pages_visit_every_node_exactly_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let county = app.create_org(&admin, "县", "county", None).await["id"].as_i64().unwrap();
    for i in 0..6 {
        app.create_org(&admin, &format!("单位{i}"), "unit", Some(county)).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/admin/organizations?limit=3&cursor={c}"),
            None => "/admin/organizations?limit=3".to_owned(),
        };
        let (status, page) = json_body(app.get(&path, Some(&admin.access)).await).await;
        assert_eq!(status, StatusCode::OK);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3);
        seen.extend(items.iter().map(|o| o["id"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(seen.len(), 7);
    assert_eq!(sorted, seen, "ascending ids, no repeats");
}

#[tokio::test]
async fn an_admin_renames_flags_and_rotates_the_join_code() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let (_, before) =
        json_body(app.get(&format!("/admin/organizations/{}", t.school), Some(&admin.access)).await).await;
    let res = app
        .patch_json(
            &format!("/admin/organizations/{}", t.school),
            Some(&admin.access),
            &json!({"name": "东乡民族团结中学", "demonstration_site": true, "rotate_join_code": true}),
        )
        .await;
    let (status, after) = json_body(res).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["name"], "东乡民族团结中学");
    assert_eq!(after["demonstration_site"], true);
    assert_ne!(after["join_code"], before["join_code"]);
    assert_eq!(after["parent_id"], t.east, "unchanged fields stay");

    let old_code = json!({"username": "late_joiner", "password": PASSWORD, "display_name": "迟到", "audience": "junior", "org_code": before["join_code"]});
    assert_invalid(app.post_json("/auth/register", None, &old_code).await, &["org_code"]).await;
}

#[tokio::test]
async fn moving_a_node_moves_its_whole_subtree() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let east_admin = app.staff(&admin, "east_admin", "org_admin", Some(t.east)).await;
    let west_admin = app.staff(&admin, "west_admin", "org_admin", Some(t.west)).await;
    let res = app
        .patch_json(&format!("/admin/organizations/{}", t.school), Some(&admin.access), &json!({"parent_id": t.west}))
        .await;
    let (status, moved) = json_body(res).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["parent_id"], t.west);
    assert_eq!(ids(&app, "/admin/organizations", &west_admin.access).await, HashSet::from([t.west, t.school, t.class]));
    assert_eq!(ids(&app, "/admin/organizations", &east_admin.access).await, HashSet::from([t.east]));

    // And back to a root: `null` detaches it.
    let res = app
        .patch_json(&format!("/admin/organizations/{}", t.school), Some(&admin.access), &json!({"parent_id": null}))
        .await;
    let (_, root) = json_body(res).await;
    assert_eq!(root["parent_id"], Value::Null);
    assert_eq!(ids(&app, "/admin/organizations", &west_admin.access).await, HashSet::from([t.west]));
}

#[tokio::test]
async fn a_node_cannot_move_under_itself_or_its_descendants() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    for target in [t.east, t.school, t.class] {
        let res = app
            .patch_json(&format!("/admin/organizations/{}", t.east), Some(&admin.access), &json!({"parent_id": target}))
            .await;
        assert_invalid(res, &["parent_id"]).await;
    }
    let res = app.patch_json("/admin/organizations/9999", Some(&admin.access), &json!({"name": "无"})).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let (_, east) = json_body(app.get(&format!("/admin/organizations/{}", t.east), Some(&admin.access)).await).await;
    assert_eq!(east["parent_id"], t.county, "a refused move changes nothing");
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
