//! Class roster import: `POST /admin/organizations/{id}/roster`.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tongxin::db::schema::{audit_log, users};

use crate::helpers::*;

/// A county, a school and a class under it, and the admin who made them.
struct School {
    admin: Session,
    school: i64,
    class: i64,
}

async fn school(app: &TestApp) -> School {
    let admin = app.admin("root_admin").await;
    let county = app.create_org(&admin, "同心县", "county", None).await["id"].as_i64().unwrap();
    let school = app.create_org(&admin, "第一中学", "school", Some(county)).await["id"].as_i64().unwrap();
    let class = app.create_org(&admin, "七年级（2）班", "class", Some(school)).await["id"].as_i64().unwrap();
    School { admin, school, class }
}

fn roster_path(unit: i64) -> String {
    format!("/admin/organizations/{unit}/roster")
}

async fn import_json(app: &TestApp, token: &str, unit: i64, learners: Value) -> reqwest::Response {
    app.post_json(&roster_path(unit), Some(token), &json!({ "learners": learners })).await
}

async fn import_csv(app: &TestApp, token: &str, unit: i64, csv: &str, accept: &str) -> reqwest::Response {
    app.request(reqwest::Method::POST, &roster_path(unit), Some(token))
        .header("content-type", "text/csv")
        .header("accept", accept)
        .body(csv.to_owned())
        .send()
        .await
        .expect("request")
}

/// Adults (no consent needed), each with a student number.
fn adults(names: &[(&str, &str)]) -> Value {
    names
        .iter()
        .map(|(name, number)| json!({"display_name": name, "audience": "senior", "birth_year": 2000, "student_number": number}))
        .collect()
}

fn count_users(app: &TestApp) -> i64 {
    users::table.count().get_result(&mut app.db()).unwrap()
}

#[tokio::test]
async fn an_imported_pupil_gets_a_pinyin_username_and_must_replace_the_initial_password() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let res = import_json(&app, &s.admin.access, s.class, adults(&[("张三", "2026001"), ("李四", "2026002")])).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let (status, body) = json_body(res).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["organization"]["id"], s.class);
    assert_eq!(body["existing"], json!([]));
    assert!(body["passwords_expire_at"].is_string());
    let created = body["created"].as_array().unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!((created[0]["row"].as_i64(), created[0]["username"].as_str()), (Some(1), Some("zhangsan01")));
    assert_eq!(created[1]["username"], "lisi01");
    assert_eq!(created[0]["student_number"], "2026001");

    let username = created[0]["username"].as_str().unwrap();
    let initial = created[0]["initial_password"].as_str().unwrap();
    assert_problem(app.login(username, initial).await, StatusCode::FORBIDDEN, "password_change_required").await;
    let new_password = "Mein-Passwort-2026";
    let replaced = app
        .post_json(
            "/auth/password",
            None,
            &json!({"username": username, "password": initial, "new_password": new_password}),
        )
        .await;
    let (status, signed_in) = json_body(replaced).await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    assert!(signed_in["access_token"].is_string());
    let pupil = app.login_ok_with(username, new_password).await;
    let (_, me) = json_body(app.get("/me", Some(&pupil.access)).await).await;
    assert_eq!(me["organization"]["id"], s.class);
    assert_eq!(me["role"], "learner");
    assert_eq!(me["student_number"], "2026001");
    let (_, export) = json_body(app.get("/me/export", Some(&pupil.access)).await).await;
    assert_eq!(export["profile"]["student_number"], "2026001", "the export has the pupil's own number");
}

#[tokio::test]
async fn a_csv_roster_with_two_bad_rows_creates_nobody_and_names_both_rows() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let before = count_users(&app);
    let csv = "display_name,birth_year,audience,student_number,guardian_consent\n\
               王芳,2000,senior,1,\n\
               ,2000,senior,2,\n\
               赵六,2000,nobody,3,\n";
    let res = import_csv(&app, &s.admin.access, s.class, csv, "application/json").await;
    assert_invalid(res, &["line[3].display_name", "line[4].audience"]).await;
    assert_eq!(count_users(&app), before, "nothing was created");
}

#[tokio::test]
async fn a_student_number_twice_in_one_file_is_a_bad_row() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let res = import_json(&app, &s.admin.access, s.class, adults(&[("张三", "7"), ("李四", "7")])).await;
    assert_invalid(res, &["learners[1].student_number"]).await;
}

#[tokio::test]
async fn re_importing_the_same_roster_creates_nobody_twice_and_shows_no_passwords() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let roster = adults(&[("张三", "1"), ("李四", "2")]);
    let (_, first) = json_body(import_json(&app, &s.admin.access, s.class, roster.clone()).await).await;
    let users_after_first = count_users(&app);
    let mut again = roster.as_array().unwrap().clone();
    again.push(json!({"display_name": "王五", "audience": "senior", "birth_year": 2000, "student_number": "3"}));
    let (status, second) = json_body(import_json(&app, &s.admin.access, s.class, Value::Array(again)).await).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(count_users(&app), users_after_first + 1, "only the new pupil");
    let existing = second["existing"].as_array().unwrap();
    assert_eq!(existing.len(), 2);
    assert_eq!(existing[0]["user_id"], first["created"][0]["user_id"]);
    assert_eq!(existing[0]["username"], "zhangsan01");
    assert!(existing.iter().all(|e| e.get("initial_password").is_none()), "{second}");
    assert_eq!(second["created"][0]["username"], "wangwu01");
}

#[tokio::test]
async fn two_identical_imports_at_once_create_each_pupil_once() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let before = count_users(&app);
    let roster = adults(&[("张三", "1"), ("李四", "2"), ("王五", "3")]);
    let (a, b) = tokio::join!(
        import_json(&app, &s.admin.access, s.class, roster.clone()),
        import_json(&app, &s.admin.access, s.class, roster.clone()),
    );
    let ((sa, a), (sb, b)) = (json_body(a).await, json_body(b).await);
    assert_eq!((sa, sb), (StatusCode::CREATED, StatusCode::CREATED), "{a} {b}");
    assert_eq!(count_users(&app), before + 3);
    let created = a["created"].as_array().unwrap().len() + b["created"].as_array().unwrap().len();
    let existing = a["existing"].as_array().unwrap().len() + b["existing"].as_array().unwrap().len();
    assert_eq!((created, existing), (3, 3), "{a} {b}");
}

#[tokio::test]
async fn two_pupils_with_the_same_name_get_different_usernames_also_when_imported_at_once() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let (_, one) =
        json_body(import_json(&app, &s.admin.access, s.class, adults(&[("张三", "1"), ("张三", "2")])).await).await;
    assert_eq!(one["created"][0]["username"], "zhangsan01");
    assert_eq!(one["created"][1]["username"], "zhangsan02");
    let (a, b) = tokio::join!(
        import_json(&app, &s.admin.access, s.class, adults(&[("张三", "3")])),
        import_json(&app, &s.admin.access, s.class, adults(&[("张三", "4")])),
    );
    let ((sa, a), (sb, b)) = (json_body(a).await, json_body(b).await);
    assert_eq!((sa, sb), (StatusCode::CREATED, StatusCode::CREATED), "{a} {b}");
    let mut names = vec![a["created"][0]["username"].clone(), b["created"][0]["username"].clone()];
    names.sort_by_key(ToString::to_string);
    assert_eq!(names, vec![json!("zhangsan03"), json!("zhangsan04")]);
}

#[tokio::test]
async fn two_rosters_with_the_same_names_in_opposite_orders_imported_at_once_both_succeed() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let other = app.create_org(&s.admin, "七年级（3）班", "class", Some(s.school)).await["id"].as_i64().unwrap();
    let forward = adults(&[("张三", "1"), ("李四", "2"), ("王五", "3"), ("赵六", "4")]);
    let backward: Vec<Value> = forward.as_array().unwrap().iter().rev().cloned().collect();
    let (a, b) = tokio::join!(
        import_json(&app, &s.admin.access, s.class, forward.clone()),
        import_json(&app, &s.admin.access, other, Value::Array(backward)),
    );
    let ((sa, a), (sb, b)) = (json_body(a).await, json_body(b).await);
    assert_eq!((sa, sb), (StatusCode::CREATED, StatusCode::CREATED), "{a} {b}");
    let mut usernames: Vec<String> = [&a, &b]
        .iter()
        .flat_map(|r| r["created"].as_array().unwrap().iter().map(|c| c["username"].as_str().unwrap().to_owned()))
        .collect();
    usernames.sort();
    usernames.dedup();
    assert_eq!(usernames.len(), 8, "every pupil has their own name: {usernames:?}");
}

#[tokio::test]
async fn an_org_admin_imports_inside_their_subtree_only_and_a_learner_not_at_all() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let other = app.create_org(&s.admin, "第二中学", "school", None).await["id"].as_i64().unwrap();
    let teacher = app.staff(&s.admin, "teacher_li", "org_admin", Some(s.school)).await;
    let roster = adults(&[("张三", "1")]);
    let (status, body) = json_body(import_json(&app, &teacher.access, s.class, roster.clone()).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_problem(import_json(&app, &teacher.access, other, roster.clone()).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    assert_problem(
        import_json(&app, &teacher.access, 999_999, roster.clone()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let learner = app.register("plain_learner").await;
    assert_problem(import_json(&app, &learner.access, s.class, roster).await, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn a_closed_unit_takes_no_roster() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let res = app
        .patch_json(&format!("/admin/organizations/{}", s.class), Some(&s.admin.access), &json!({"closed": true}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = import_json(&app, &s.admin.access, s.class, adults(&[("张三", "1")])).await;
    assert_problem(res, StatusCode::CONFLICT, "organization_closed").await;
}

#[tokio::test]
async fn a_possible_minor_needs_consent_which_is_recorded_with_the_importer_and_audited() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let pupil = json!({"display_name": "阿依古丽·买买提", "audience": "junior", "student_number": "8"});
    let problem = assert_invalid(
        import_json(&app, &s.admin.access, s.class, json!([pupil.clone()])).await,
        &["learners[0].guardian_consent"],
    )
    .await;
    assert!(problem.to_string().contains("guardian_consent_required"), "{problem}");

    let mut consented = pupil.clone();
    consented["guardian_consent"] = json!(true);
    let (status, body) = json_body(import_json(&app, &s.admin.access, s.class, json!([consented])).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let created = &body["created"][0];
    assert_eq!(created["username"], "ayigulimaimaiti01");
    assert_eq!(created["guardian_consent_recorded"], true);
    let id = created["user_id"].as_i64().unwrap();
    let (at, by): (Option<chrono::NaiveDateTime>, Option<i64>) = users::table
        .find(id)
        .select((users::guardian_consent_at, users::guardian_consent_by))
        .first(&mut app.db())
        .unwrap();
    assert!(at.is_some());
    assert_eq!(by, Some(s.admin.id));

    let (action, actor, detail): (String, Option<i64>, String) = audit_log::table
        .filter(audit_log::target_type.eq("organization"))
        .filter(audit_log::target_id.eq(s.class))
        .filter(audit_log::action.eq("organization.roster_import"))
        .select((audit_log::action, audit_log::actor_id, audit_log::detail))
        .first(&mut app.db())
        .unwrap();
    assert_eq!((action.as_str(), actor), ("organization.roster_import", Some(s.admin.id)));
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["created_ids"], json!([id]));
    assert_eq!(detail["consent_recorded_for"], json!([id]));
    assert!(!detail.to_string().contains(created["initial_password"].as_str().unwrap()), "no password in {detail}");
}

#[tokio::test]
async fn the_csv_and_printable_sheets_list_each_new_pupils_username_and_password() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let csv =
        "display_name,birth_year,audience,student_number,guardian_consent\n张三,2000,senior,1,\n李四,,junior,2,true\n";
    let res = import_csv(&app, &s.admin.access, s.class, csv, "text/csv").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(res.headers()["cache-control"], "no-store");
    let sheet = res.text().await.unwrap();
    let lines: Vec<&str> = sheet.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "row,status,user_id,username,display_name,student_number,initial_password,passwords_expire_at"
    );
    assert_eq!(lines.len(), 3, "{sheet}");
    for (line, name) in lines[1..].iter().zip(["zhangsan01", "lisi01"]) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!((cells[1], cells[3]), ("created", name), "{line}");
        assert_eq!(cells[6].len(), 9, "a password in {line}");
    }

    let csv =
        "display_name,birth_year,audience,student_number,guardian_consent\n王五,2000,senior,3,\n李四,,junior,2,true\n";
    let res = import_csv(&app, &s.admin.access, s.class, csv, "text/html").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert_eq!(res.headers()["cache-control"], "no-store");
    let policy = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    let page = res.text().await.unwrap();
    assert!(
        page.contains("wangwu01") && page.contains("七年级（2）班") && page.contains("首次登录须修改密码"),
        "{page}"
    );
    assert!(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"), "self-contained");
    assert_eq!(page.matches("class=\"slip\"").count(), 1, "one slip per new pupil, none for an existing one");
}

#[tokio::test]
async fn the_database_keeps_only_an_argon2_hash_of_the_initial_password() {
    let app = TestApp::spawn().await;
    let s = school(&app).await;
    let (_, body) = json_body(import_json(&app, &s.admin.access, s.class, adults(&[("张三", "1")])).await).await;
    let (id, password) =
        (body["created"][0]["user_id"].as_i64().unwrap(), body["created"][0]["initial_password"].as_str().unwrap());
    let (hash, until): (String, Option<chrono::NaiveDateTime>) = users::table
        .find(id)
        .select((users::password_hash, users::password_temporary_until))
        .first(&mut app.db())
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(password));
    assert!(until.is_some(), "the initial password is temporary");
}
