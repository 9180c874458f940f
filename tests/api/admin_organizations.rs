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
        (json!({"name": "\u{3000}\u{a0}", "kind": "school"}), "name"),
        (json!({"name": format!("{} ", "校".repeat(100)), "kind": "school"}), "name"),
        (json!({"kind": "school"}), "name"),
        // With another fault, an unknown parent is part of a 422.
        (json!({"name": "", "kind": "school", "parent_id": 999}), "name"),
    ];
    for (body, field) in cases {
        let res = app.post_json("/admin/organizations", Some(&admin.access), &body).await;
        assert_invalid(res, &[field]).await;
    }
}

#[tokio::test]
async fn a_parent_that_does_not_exist_is_an_unknown_reference() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let body = json!({"name": "孤儿学校", "kind": "school", "parent_id": 999});
    let problem = assert_problem(
        app.post_json("/admin/organizations", Some(&admin.access), &body).await,
        StatusCode::NOT_FOUND,
        "unknown_reference",
    )
    .await;
    assert_eq!(error_fields(&problem), ["parent_id"]);
    let res = app
        .patch_json(&format!("/admin/organizations/{}", t.school), Some(&admin.access), &json!({"parent_id": 999}))
        .await;
    let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
    assert_eq!(error_fields(&problem), ["parent_id"]);
}

#[tokio::test]
async fn a_name_of_up_to_100_characters_as_sent_is_stored_trimmed() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let name = format!(" {} ", "校".repeat(98));
    let body = json!({"name": name, "kind": "school"});
    let (status, created) = json_body(app.post_json("/admin/organizations", Some(&admin.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["name"], "校".repeat(98));
}

#[tokio::test]
async fn only_admins_and_org_admins_create_or_change_organizations() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let learner = app.register("plain_learner").await;
    let editor = app.staff(&admin, "an_editor", "editor", None).await;
    for who in [&learner, &editor] {
        let body = json!({"name": "新单位", "kind": "unit", "parent_id": t.school});
        let res = app.post_json("/admin/organizations", Some(&who.access), &body).await;
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

    let old_code = json!({"username": "late_joiner", "password": PASSWORD, "display_name": "迟到", "audience": "junior", "guardian_consent": true, "org_code": before["join_code"]});
    assert_unknown_reference(app.post_json("/auth/register", None, &old_code).await, &["org_code"]).await;
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
        // A valid id that clashes with the tree as it stands.
        let problem = assert_problem(res, StatusCode::CONFLICT, "conflict").await;
        assert!(problem["detail"].as_str().unwrap().starts_with("parent_id:"), "{problem}");
    }
    let res = app.patch_json("/admin/organizations/9999", Some(&admin.access), &json!({"name": "无"})).await;
    assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let (_, east) = json_body(app.get(&format!("/admin/organizations/{}", t.east), Some(&admin.access)).await).await;
    assert_eq!(east["parent_id"], t.county, "a refused move changes nothing");
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn a_rotated_join_code_admits_new_members_and_keeps_the_old_ones() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let (_, before) = json_body(app.get(&format!("/admin/organizations/{}", t.class), Some(&admin.access)).await).await;
    let early = app.register_with("early_pupil", json!({"org_code": before["join_code"]})).await;
    let res = app
        .patch_json(
            &format!("/admin/organizations/{}", t.class),
            Some(&admin.access),
            &json!({"rotate_join_code": true}),
        )
        .await;
    let (status, after) = json_body(res).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_ne!(after["join_code"], before["join_code"]);

    let refused = json!({"username": "late_pupil", "password": PASSWORD, "display_name": "迟到", "audience": "junior", "guardian_consent": true, "org_code": before["join_code"]});
    assert_unknown_reference(app.post_json("/auth/register", None, &refused).await, &["org_code"]).await;
    // Typed in lower case, as on a phone keyboard.
    let code = after["join_code"].as_str().unwrap().to_lowercase();
    let late = app.register_with("late_pupil", json!({"org_code": code})).await;
    for pupil in [&early, &late] {
        let (_, me) = json_body(app.get("/me", Some(&pupil.access)).await).await;
        assert_eq!(me["organization"]["id"], t.class, "{}", pupil.username);
    }
    let (_, entries) = json_body(
        app.get(&format!("/admin/audit-log?target_type=organization&target_id={}", t.class), Some(&admin.access)).await,
    )
    .await;
    let rotation = &entries["items"][0];
    assert_eq!(rotation["action"], "organization.update");
    assert_eq!(rotation["detail"]["rotate_join_code"], true);
    assert!(!rotation.to_string().contains(after["join_code"].as_str().unwrap()), "the code is not in the audit log");
}

/// The evening of the `day`th day from now at 17:30 UTC, already the next day in
/// Asia/Shanghai (the default TONGXIN_TIMEZONE).
fn evening_utc(day: i64) -> chrono::DateTime<chrono::Utc> {
    utc_day_at(day, 17, 30)
}

/// The local (Shanghai) date of `evening_utc(day)`.
fn local_day(day: i64) -> String {
    ymd(evening_utc(day) + chrono::Duration::days(1))
}

async fn patch_org(app: &TestApp, admin: &Session, id: i64, body: Value) -> Value {
    let (status, org) =
        json_body(app.patch_json(&format!("/admin/organizations/{id}"), Some(&admin.access), &body).await).await;
    assert_eq!(status, StatusCode::OK, "{body}: {org}");
    org
}

#[tokio::test]
async fn a_demonstration_site_is_dated_the_local_day_it_was_granted_until_it_is_withdrawn() {
    let app = TestApp::spawn().await;
    app.clock.set(evening_utc(1));
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let (_, school) =
        json_body(app.get(&format!("/admin/organizations/{}", t.school), Some(&admin.access)).await).await;
    assert_eq!(school["demonstration_site"], false);
    assert_eq!(school["demonstration_since"], Value::Null);

    let granted = patch_org(&app, &admin, t.school, json!({"demonstration_site": true})).await;
    assert_eq!(granted["demonstration_site"], true);
    assert_eq!(granted["demonstration_since"], local_day(1), "the local day, not the UTC one");

    // Ten days on: other changes, and flagging it again, keep the date.
    app.clock.set(evening_utc(11));
    let admin = app.login_ok("root_admin").await;
    let renamed = patch_org(&app, &admin, t.school, json!({"name": "东乡民族团结中学"})).await;
    assert_eq!(renamed["demonstration_since"], local_day(1));
    let again = patch_org(&app, &admin, t.school, json!({"demonstration_site": true, "kind": "school"})).await;
    assert_eq!(again["demonstration_since"], local_day(1));

    let withdrawn = patch_org(&app, &admin, t.school, json!({"demonstration_site": false})).await;
    assert_eq!(withdrawn["demonstration_site"], false);
    assert_eq!(withdrawn["demonstration_since"], Value::Null);

    app.clock.set(evening_utc(20));
    let admin = app.login_ok("root_admin").await;
    let regranted = patch_org(&app, &admin, t.school, json!({"demonstration_site": true})).await;
    assert_eq!(regranted["demonstration_since"], local_day(20), "a new grant, a new date");

    let (_, entries) = json_body(
        app.get(
            &format!("/admin/audit-log?target_type=organization&target_id={}&action=organization.update", t.school),
            Some(&admin.access),
        )
        .await,
    )
    .await;
    let details: Vec<&Value> = entries["items"].as_array().unwrap().iter().map(|e| &e["detail"]).collect();
    assert_eq!(details.len(), 5, "{details:?}");
    assert_eq!(details[0]["demonstration_site"], true);
    assert_eq!(details[0]["demonstration_since"], local_day(20));
    assert_eq!(details[1]["demonstration_site"], false);
    assert_eq!(details[4]["demonstration_since"], local_day(1));
}

#[tokio::test]
async fn a_demonstration_date_can_be_given_but_not_in_the_future_nor_without_the_flag() {
    let app = TestApp::spawn().await;
    app.clock.set(evening_utc(1));
    let admin = app.admin("root_admin").await;
    let body =
        json!({"name": "示范小学", "kind": "school", "demonstration_site": true, "demonstration_since": "2020-09-01"});
    let (status, site) = json_body(app.post_json("/admin/organizations", Some(&admin.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{site}");
    assert_eq!(site["demonstration_since"], "2020-09-01");
    let id = site["id"].as_i64().unwrap();

    let corrected = patch_org(&app, &admin, id, json!({"demonstration_since": "2020-10-08"})).await;
    assert_eq!(corrected["demonstration_since"], "2020-10-08");
    // Today (local) is the latest allowed day.
    let today = patch_org(&app, &admin, id, json!({"demonstration_since": local_day(1)})).await;
    assert_eq!(today["demonstration_since"], local_day(1));

    let plain = app.create_org(&admin, "普通小学", "school", None).await;
    let plain_id = plain["id"].as_i64().unwrap();
    let refused = [
        (
            "POST",
            None,
            json!({"name": "x", "kind": "school", "demonstration_site": true, "demonstration_since": local_day(2)}),
        ),
        ("POST", None, json!({"name": "x", "kind": "school", "demonstration_since": "2020-09-01"})),
        (
            "POST",
            None,
            json!({"name": "x", "kind": "school", "demonstration_site": true, "demonstration_since": "2020-13-01"}),
        ),
        ("PATCH", Some(id), json!({"demonstration_since": local_day(2)})),
        ("PATCH", Some(id), json!({"demonstration_site": false, "demonstration_since": "2020-09-01"})),
        ("PATCH", Some(id), json!({"demonstration_since": "yesterday"})),
        ("PATCH", Some(id), json!({"demonstration_since": "2020-9-01"})),
        ("PATCH", Some(plain_id), json!({"demonstration_site": false, "demonstration_since": "2020-09-01"})),
    ];
    for (method, target, body) in refused {
        let res = match target {
            None => app.post_json("/admin/organizations", Some(&admin.access), &body).await,
            Some(target) => app.patch_json(&format!("/admin/organizations/{target}"), Some(&admin.access), &body).await,
        };
        let problem = assert_invalid(res, &["demonstration_since"]).await;
        assert!(problem["errors"][0]["message"].is_string(), "{method} {body}: {problem}");
    }
    // A date for a node that is not a site, in a request that does not make it one: the
    // value is fine, the stored node is not (409).
    let res = app
        .patch_json(
            &format!("/admin/organizations/{plain_id}"),
            Some(&admin.access),
            &json!({"demonstration_since": "2020-09-01"}),
        )
        .await;
    let problem = assert_problem(res, StatusCode::CONFLICT, "conflict").await;
    assert!(problem["detail"].as_str().unwrap().starts_with("demonstration_since:"), "{problem}");
    let (_, site) = json_body(app.get(&format!("/admin/organizations/{id}"), Some(&admin.access)).await).await;
    assert_eq!(site["demonstration_since"], local_day(1), "refused changes change nothing");
    let (_, plain) = json_body(app.get(&format!("/admin/organizations/{plain_id}"), Some(&admin.access)).await).await;
    assert_eq!(plain["demonstration_site"], false);
    assert_eq!(plain["demonstration_since"], Value::Null);
}

#[tokio::test]
async fn organizations_can_be_filtered_to_demonstration_sites_within_the_callers_scope() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    for site in [t.school, t.west] {
        patch_org(&app, &admin, site, json!({"demonstration_site": true})).await;
    }
    assert_eq!(
        ids(&app, "/admin/organizations?demonstration_site=true", &admin.access).await,
        HashSet::from([t.school, t.west])
    );
    assert_eq!(
        ids(&app, "/admin/organizations?demonstration_site=false", &admin.access).await,
        HashSet::from([t.county, t.east, t.class])
    );
    let east_admin = app.staff(&admin, "east_admin", "org_admin", Some(t.east)).await;
    assert_eq!(
        ids(&app, "/admin/organizations?demonstration_site=true", &east_admin.access).await,
        HashSet::from([t.school])
    );
    assert_invalid(
        app.get("/admin/organizations?demonstration_site=maybe", Some(&admin.access)).await,
        &["demonstration_site"],
    )
    .await;
}

async fn audit_actions(app: &TestApp, admin: &Session, org: i64) -> Vec<Value> {
    let path = format!("/admin/audit-log?target_type=organization&target_id={org}&limit=100");
    let (status, entries) = json_body(app.get(&path, Some(&admin.access)).await).await;
    assert_eq!(status, StatusCode::OK, "{entries}");
    let mut items = entries["items"].as_array().unwrap().clone();
    items.reverse();
    items
}

#[tokio::test]
async fn an_org_admin_runs_a_class_of_their_school_from_creation_to_closing_and_every_step_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let other_school = app.create_org(&admin, "东乡二中", "school", Some(t.east)).await["id"].as_i64().unwrap();
    let east_admin = app.staff(&admin, "east_admin", "org_admin", Some(t.east)).await;
    let token = Some(east_admin.access.as_str());

    // Create a class under their school.
    let res = app
        .post_json("/admin/organizations", token, &json!({"name": "初二(1)班", "kind": "class", "parent_id": t.school}))
        .await;
    let (status, class) = json_body(res).await;
    assert_eq!(status, StatusCode::CREATED, "{class}");
    assert_eq!(class["closed"], false);
    assert!(class["closed_at"].is_null());
    let class_id = class["id"].as_i64().unwrap();
    let path = format!("/admin/organizations/{class_id}");

    // Rename it, move it to the other school of their township, rotate its code.
    let renamed = patch_org(&app, &east_admin, class_id, json!({"name": "初二(3)班"})).await;
    assert_eq!(renamed["name"], "初二(3)班");
    let moved = patch_org(&app, &east_admin, class_id, json!({"parent_id": other_school})).await;
    assert_eq!(moved["parent_id"], other_school);
    let children = ids(&app, &format!("/admin/organizations?parent_id={other_school}"), &east_admin.access).await;
    assert_eq!(children, HashSet::from([class_id]));
    let rotated = patch_org(&app, &east_admin, class_id, json!({"rotate_join_code": true})).await;
    assert_ne!(rotated["join_code"], class["join_code"]);
    let code = rotated["join_code"].as_str().unwrap().to_owned();
    let member = app.register_with("class_member", json!({"org_code": code})).await;

    // Close it: the code is refused like an unknown one, the member stays, it is listed closed.
    let closed = patch_org(&app, &east_admin, class_id, json!({"closed": true})).await;
    assert_eq!(closed["closed"], true);
    assert!(closed["closed_at"].is_string(), "{closed}");
    let again = patch_org(&app, &east_admin, class_id, json!({"closed": true})).await;
    assert_eq!(again["closed_at"], closed["closed_at"], "closing again keeps the first time");
    let refused = json!({"username": "late_pupil", "password": PASSWORD, "display_name": "迟到", "audience": "junior", "guardian_consent": true, "org_code": code});
    assert_unknown_reference(app.post_json("/auth/register", None, &refused).await, &["org_code"]).await;
    let outsider = app.register("outside_pupil").await;
    let res = app.patch_json("/me", Some(&outsider.access), &json!({"org_code": code.to_lowercase()})).await;
    assert_unknown_reference(res, &["org_code"]).await;
    let (_, me) = json_body(app.get("/me", Some(&member.access)).await).await;
    assert_eq!(me["organization"]["id"], class_id, "a closed unit keeps its members");
    let (_, listed) = json_body(app.get(&format!("/admin/organizations?parent_id={other_school}"), token).await).await;
    assert_eq!(listed["items"][0]["closed"], true, "{listed}");
    let (_, shown) = json_body(app.get(&path, token).await).await;
    assert_eq!(shown["closed"], true);

    // Reopen it: the same code works again.
    let reopened = patch_org(&app, &east_admin, class_id, json!({"closed": false})).await;
    assert_eq!(reopened["closed"], false);
    assert!(reopened["closed_at"].is_null());
    assert_eq!(reopened["join_code"], code.as_str());
    let late = app.register_with("late_pupil", json!({"org_code": code})).await;
    let (_, me) = json_body(app.get("/me", Some(&late.access)).await).await;
    assert_eq!(me["organization"]["id"], class_id);

    let entries = audit_actions(&app, &admin, class_id).await;
    let steps: Vec<(&str, Value)> = entries
        .iter()
        .map(|e| {
            let detail = &e["detail"];
            let step = if e["action"] == "organization.create" {
                "create"
            } else if !detail["name"].is_null() {
                "rename"
            } else if !detail["parent_id"].is_null() {
                "move"
            } else if detail["rotate_join_code"] == true {
                "rotate"
            } else if detail["closed"] == true {
                "close"
            } else {
                "reopen"
            };
            assert_eq!(e["actor_id"], east_admin.id, "{e}");
            (step, detail.clone())
        })
        .collect();
    let names: Vec<&str> = steps.iter().map(|(s, _)| *s).collect();
    assert_eq!(names, ["create", "rename", "move", "rotate", "close", "close", "reopen"]);
    assert_eq!(steps[2].1["from_parent_id"], t.school, "a move records where the node came from");
}

#[tokio::test]
async fn an_org_admin_never_creates_or_moves_a_node_outside_their_subtree() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let school_admin = app.staff(&admin, "school_admin", "org_admin", Some(t.school)).await;
    let token = Some(school_admin.access.as_str());

    // Top level: what an admin may do, so a permission (403), as detaching a member is.
    let res = app.post_json("/admin/organizations", token, &json!({"name": "新县", "kind": "county"})).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    // A sibling of their own node, or under any node outside: as if the parent did not exist.
    for parent in [t.east, t.west, t.county, 9999] {
        let body = json!({"name": "新班", "kind": "class", "parent_id": parent});
        let problem = assert_problem(
            app.post_json("/admin/organizations", token, &body).await,
            StatusCode::NOT_FOUND,
            "unknown_reference",
        )
        .await;
        assert_eq!(error_fields(&problem), ["parent_id"], "{parent}");
    }
    // Out of the subtree, to the top level, or their own node anywhere.
    let class_path = format!("/admin/organizations/{}", t.class);
    for parent in [t.east, t.west] {
        let res = app.patch_json(&class_path, token, &json!({"parent_id": parent})).await;
        let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
        assert_eq!(error_fields(&problem), ["parent_id"]);
    }
    let res = app.patch_json(&class_path, token, &json!({"parent_id": null})).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let own_path = format!("/admin/organizations/{}", t.school);
    for parent in [json!(t.west), json!(t.class), json!(null)] {
        let res = app.patch_json(&own_path, token, &json!({"parent_id": parent})).await;
        assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // The demonstration-site title is the county's to grant.
    let res = app.patch_json(&class_path, token, &json!({"demonstration_site": true})).await;
    assert_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let body = json!({"name": "示范班", "kind": "class", "parent_id": t.school, "demonstration_site": true});
    assert_problem(app.post_json("/admin/organizations", token, &body).await, StatusCode::FORBIDDEN, "forbidden").await;
    // Their own node they still rename, and its parent sent unchanged is no move.
    let renamed = patch_org(&app, &school_admin, t.school, json!({"name": "东乡中学(新)", "parent_id": t.east})).await;
    assert_eq!(renamed["parent_id"], t.east);
    // Nodes outside are not there at all.
    for outside in [t.east, t.west, t.county] {
        let path = format!("/admin/organizations/{outside}");
        for body in [json!({"name": "改名"}), json!({"rotate_join_code": true}), json!({"closed": true})] {
            assert_problem(app.patch_json(&path, token, &body).await, StatusCode::NOT_FOUND, "not_found").await;
        }
    }
    // Nothing moved, nothing else was written.
    let (_, class) = json_body(app.get(&class_path, Some(&admin.access)).await).await;
    assert_eq!(class["parent_id"], t.school);
    for outside in [t.east, t.west, t.county] {
        let (_, org) = json_body(app.get(&format!("/admin/organizations/{outside}"), Some(&admin.access)).await).await;
        assert_eq!(org["closed"], false);
        assert_eq!(audit_actions(&app, &admin, outside).await.len(), 1, "only its creation");
    }
}

#[tokio::test]
async fn an_admin_closes_and_reopens_any_unit_and_may_move_it_to_the_top_level() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let t = tree(&app, &admin).await;
    let closed = patch_org(&app, &admin, t.west, json!({"closed": true})).await;
    assert_eq!(closed["closed"], true);
    let (_, page) = json_body(app.get("/admin/organizations?limit=100", Some(&admin.access)).await).await;
    let closed_ids: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["closed"] == true)
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(closed_ids, [t.west]);
    // The list filters on it: only the closed unit, or every unit but it.
    let ids = |page: Value| -> Vec<i64> {
        page["items"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect()
    };
    let (_, only_closed) =
        json_body(app.get("/admin/organizations?closed=true&limit=100", Some(&admin.access)).await).await;
    assert_eq!(ids(only_closed), [t.west]);
    let (_, open) = json_body(app.get("/admin/organizations?closed=false&limit=100", Some(&admin.access)).await).await;
    let open = ids(open);
    assert!(!open.contains(&t.west) && open.len() + 1 == page["items"].as_array().unwrap().len(), "{open:?}");
    let reopened = patch_org(&app, &admin, t.west, json!({"closed": false})).await;
    assert_eq!(reopened["closed"], false);
    let top = patch_org(&app, &admin, t.west, json!({"parent_id": null})).await;
    assert!(top["parent_id"].is_null());
    let entries = audit_actions(&app, &admin, t.west).await;
    let closings: Vec<&Value> = entries.iter().map(|e| &e["detail"]["closed"]).collect();
    assert_eq!(closings, [&Value::Null, &json!(true), &json!(false), &Value::Null]);
}
