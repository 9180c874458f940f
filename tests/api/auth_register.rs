use chrono::{Datelike as _, TimeZone as _, Utc};
use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;
use tongxin::db::schema::users;

use crate::helpers::*;

fn registration(username: &str) -> serde_json::Value {
    json!({"username": username, "password": PASSWORD, "display_name": "阿依古丽", "audience": "senior"})
}

#[tokio::test]
async fn registering_returns_201_with_the_profile_and_a_token_pair() {
    let app = TestApp::spawn().await;
    let res = app.post_json("/auth/register", None, &registration("ayguli")).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let (status, body) = json_body(res).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["user"]["username"], "ayguli");
    assert_eq!(body["user"]["display_name"], "阿依古丽");
    assert_eq!(body["user"]["role"], "learner");
    assert_eq!(body["user"]["audience"], "senior");
    assert_eq!(body["user"]["locale"], "zh-Hans");
    assert_eq!(body["user"]["organization"], serde_json::Value::Null);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["access_token"].as_str().is_some_and(|t| t.split('.').count() == 3));
    assert!(body["refresh_token"].as_str().is_some_and(|t| t.len() >= 43));
    assert!(body["user"].get("password_hash").is_none(), "no hash in responses: {body}");
}

#[tokio::test]
async fn the_access_token_from_registration_opens_the_profile() {
    let app = TestApp::spawn().await;
    let user = app.register("first_user").await;
    let (status, body) = json_body(app.get("/me", Some(&user.access)).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], user.id);
}

#[tokio::test]
async fn the_password_is_stored_as_an_argon2id_hash() {
    let app = TestApp::spawn().await;
    let user = app.register("hashed_user").await;
    let hash: String = users::table.find(user.id).select(users::password_hash).first(&mut app.db()).unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn usernames_are_unique_ignoring_case_and_width() {
    let app = TestApp::spawn().await;
    app.register("Zhang_Wei").await;
    for taken in ["zhang_wei", "ZHANG_WEI", "Ｚｈａｎｇ＿Ｗｅｉ"] {
        let res = app.post_json("/auth/register", None, &registration(taken)).await;
        assert_problem(res, StatusCode::CONFLICT, "username_taken").await;
    }
}

#[tokio::test]
async fn chinese_usernames_are_accepted() {
    let app = TestApp::spawn().await;
    let user = app.register("张伟_2026").await;
    assert_eq!(user.username, "张伟_2026");
    app.login_ok("张伟_2026").await;
}

#[tokio::test]
async fn invalid_usernames_are_refused_with_a_field_error() {
    let app = TestApp::spawn().await;
    for bad in ["ab", "has space", "semi;colon", "emoji😀name", &"x".repeat(33), ""] {
        let res = app.post_json("/auth/register", None, &registration(bad)).await;
        assert_invalid(res, &["username"]).await;
    }
}

#[tokio::test]
async fn weak_passwords_are_refused_with_a_field_error() {
    let app = TestApp::spawn().await;
    // The classes are a–z, A–Z, 0–9 and anything else, as the document's pattern says:
    // Greek capitals and small letters are all "anything else".
    for bad in ["Short1!", "alllowercaseletters", "1234567890123", "Password_User", &"Aa1".repeat(50), "ΑΒΓΔΕΖΗΘαβ"]
    {
        let mut body = registration("password_user");
        body["password"] = json!(bad);
        let res = app.post_json("/auth/register", None, &body).await;
        assert_invalid(res, &["password"]).await;
    }
    let mut body = registration("password_user");
    body["password"] = json!("团结进步团结进步团a");
    assert_eq!(app.post_json("/auth/register", None, &body).await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = TestApp::spawn().await;
    let body = json!({
        "username": "x", "password": "short", "display_name": "  ",
        "audience": "public", "birth_year": 1850, "locale": "not a locale!"
    });
    assert_invalid(
        app.post_json("/auth/register", None, &body).await,
        &["birth_year", "display_name", "locale", "password", "username"],
    )
    .await;
}

#[tokio::test]
async fn an_unknown_audience_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let mut body = registration("audience_user");
    body["audience"] = json!("martian");
    assert_invalid(app.post_json("/auth/register", None, &body).await, &["audience"]).await;
}

#[tokio::test]
async fn a_role_in_the_registration_body_is_refused() {
    let app = TestApp::spawn().await;
    let mut body = registration("sneaky");
    body["role"] = json!("admin");
    assert_invalid(app.post_json("/auth/register", None, &body).await, &["role"]).await;
    let count: i64 = users::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn an_unknown_join_code_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let mut body = registration("lost_student");
    body["org_code"] = json!("NOSUCHCD");
    assert_unknown_reference(app.post_json("/auth/register", None, &body).await, &["org_code"]).await;
    body["org_code"] = json!("NO-SUCH");
    assert_invalid(app.post_json("/auth/register", None, &body).await, &["org_code"]).await;
    let count: i64 = users::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_join_code_places_the_learner_in_its_organization() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    let county = app.create_org(&admin, "示范县", "county", None).await;
    let class = app.create_org(&admin, "七年级一班", "class", county["id"].as_i64()).await;
    let code = class["join_code"].as_str().unwrap().to_lowercase();
    let mut body = registration("class_member");
    body["org_code"] = json!(format!(" {code} "));
    let (status, body) = json_body(app.post_json("/auth/register", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["organization"]["id"], class["id"]);
    assert_eq!(body["user"]["organization"]["name"], "七年级一班");
    assert_eq!(body["user"]["organization"]["kind"], "class");
}

#[tokio::test]
async fn a_learner_who_may_be_under_14_needs_guardian_consent() {
    let app = TestApp::spawn().await;
    let year = Utc::now().year();
    let mut body = registration("young_one");
    body["birth_year"] = json!(year - 10);
    let res = app.post_json("/auth/register", None, &body).await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "guardian_consent_required").await;
    body["guardian_consent"] = json!(false);
    let res = app.post_json("/auth/register", None, &body).await;
    assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "guardian_consent_required").await;
    let count: i64 = users::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 0, "nothing stored without consent");

    body["guardian_consent"] = json!(true);
    let (status, created) = json_body(app.post_json("/auth/register", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(created["user"]["guardian_consent_at"].is_string(), "{created}");
    let stored: Option<chrono::NaiveDateTime> =
        users::table.select(users::guardian_consent_at).first(&mut app.db()).unwrap();
    assert!(stored.is_some(), "consent time recorded");
}

#[tokio::test]
async fn the_consent_age_counts_birth_years_conservatively() {
    let app = TestApp::spawn().await;
    let year = app.clock_year();
    // Born 14 years ago: may still be 13 until the birthday, so consent is needed.
    let mut body = registration("borderline");
    body["birth_year"] = json!(year - 14);
    assert_problem(
        app.post_json("/auth/register", None, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "guardian_consent_required",
    )
    .await;
    // Born 15 years ago: at least 14.
    body["birth_year"] = json!(year - 15);
    let (status, created) = json_body(app.post_json("/auth/register", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["user"]["guardian_consent_at"], serde_json::Value::Null, "no consent recorded when not needed");
}

#[tokio::test]
async fn the_consent_age_uses_the_configured_time_zone_for_the_year() {
    // New Year's Eve 20:00 UTC is already New Year's Day in Asia/Shanghai.
    let year = Utc::now().year() + 1;
    let new_year_eve = Utc.with_ymd_and_hms(year, 12, 31, 20, 0, 0).unwrap();
    let shanghai = TestApp::spawn().await;
    shanghai.clock.set(new_year_eve);
    let utc = TestApp::spawn_with(&[("timezone", "UTC")]).await;
    utc.clock.set(new_year_eve);
    let mut body = registration("new_year_child");
    body["birth_year"] = json!(year - 14);
    // Shanghai: a year later, 15, no consent needed. UTC: 14, needed.
    assert_eq!(shanghai.post_json("/auth/register", None, &body).await.status(), StatusCode::CREATED);
    assert_problem(
        utc.post_json("/auth/register", None, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "guardian_consent_required",
    )
    .await;
}

#[tokio::test]
async fn a_birth_year_in_the_future_is_refused() {
    let app = TestApp::spawn().await;
    let mut body = registration("time_traveller");
    body["birth_year"] = json!(app.clock_year() + 1);
    assert_invalid(app.post_json("/auth/register", None, &body).await, &["birth_year"]).await;
}

#[tokio::test]
async fn display_names_keep_any_script_but_refuse_control_characters() {
    let app = TestApp::spawn().await;
    let mut body = registration("uyghur_reader");
    body["display_name"] = json!("ئايگۈل 阿依古丽 🌸");
    body["locale"] = json!("ug-CN");
    let (status, created) = json_body(app.post_json("/auth/register", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["user"]["display_name"], "ئايگۈل 阿依古丽 🌸");
    assert_eq!(created["user"]["locale"], "ug-CN");

    let mut body = registration("bell_ringer");
    body["display_name"] = json!("bell\u{7}name");
    assert_invalid(app.post_json("/auth/register", None, &body).await, &["display_name"]).await;
}

#[tokio::test]
async fn registration_is_rate_limited_per_client_address() {
    let app = TestApp::spawn_with(&[("auth_rate_per_min", "3")]).await;
    for i in 0..3 {
        let res = app.post_json("/auth/register", None, &registration(&format!("burst_{i}"))).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let res = app.post_json("/auth/register", None, &registration("burst_4")).await;
    let retry_after: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_problem(res, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

trait ClockYear {
    fn clock_year(&self) -> i32;
}

impl ClockYear for TestApp {
    fn clock_year(&self) -> i32 {
        use tongxin::clock::Clock as _;
        self.clock.now().with_timezone(&chrono_tz::Asia::Shanghai).year()
    }
}

#[tokio::test]
async fn a_pupil_audience_without_a_birth_year_needs_guardian_consent() {
    let app = TestApp::spawn().await;
    let year = app.clock_year();
    for audience in ["primary", "junior"] {
        let mut body = registration(&format!("pupil_{audience}"));
        body["audience"] = json!(audience);
        for consent in [None, Some(false)] {
            if let Some(given) = consent {
                body["guardian_consent"] = json!(given);
            }
            let res = app.post_json("/auth/register", None, &body).await;
            assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "guardian_consent_required").await;
        }
        let count: i64 = users::table.count().get_result(&mut app.db()).unwrap();
        assert_eq!(count, i64::from(audience == "junior"), "nothing stored without consent ({audience})");
        body["guardian_consent"] = json!(true);
        let (status, created) = json_body(app.post_json("/auth/register", None, &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert!(created["user"]["guardian_consent_at"].is_string(), "{created}");
    }
    // A birth year that shows 14 or older decides: a late junior-school pupil needs none.
    let mut body = registration("older_pupil");
    body["audience"] = json!("junior");
    body["birth_year"] = json!(year - 15);
    let (status, created) = json_body(app.post_json("/auth/register", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["user"]["guardian_consent_at"], serde_json::Value::Null);
}

#[tokio::test]
async fn names_with_invisible_format_characters_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    // A right-to-left override, zero-width spaces and joiners only, a byte order mark.
    for bad in ["abc\u{202E}fed", "\u{200B}", "\u{200B}\u{200C}\u{200D}", "小明\u{FEFF}", "\u{2066}张伟\u{2069}"] {
        let mut body = registration("format_user");
        body["display_name"] = json!(bad);
        assert_invalid(app.post_json("/auth/register", None, &body).await, &["display_name"]).await;
    }
    for bad in ["xiao\u{200B}ming", "\u{202E}gnimoaix", "zhang\u{00AD}wei"] {
        assert_invalid(app.post_json("/auth/register", None, &registration(bad)).await, &["username"]).await;
    }
    let count: i64 = users::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 0);
    let user = app.register("plain_name").await;
    let res = app.patch_json("/me", Some(&user.access), &json!({"display_name": "\u{202E}名字"})).await;
    assert_invalid(res, &["display_name"]).await;
    let res = app.patch_json("/me", Some(&user.access), &json!({"display_name": "\u{200B}\u{200B}"})).await;
    assert_invalid(res, &["display_name"]).await;
}

#[tokio::test]
async fn a_username_that_looks_like_an_existing_one_is_refused() {
    let app = TestApp::spawn().await;
    app.register("xiaoming").await;
    // Cyrillic х, Cyrillic capital Х with Latin capitals, Cyrillic і, "rn" for "m".
    for look_alike in ["\u{0445}iaoming", "\u{0425}IAOMING", "xiaom\u{0456}ng", "xiaorning"] {
        let res = app.post_json("/auth/register", None, &registration(look_alike)).await;
        assert_problem(res, StatusCode::CONFLICT, "username_confusable").await;
    }
    let res = app.post_json("/auth/register", None, &registration("XiaoMing")).await;
    assert_problem(res, StatusCode::CONFLICT, "username_taken").await;
    let count: i64 = users::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 1, "no look-alike was stored");
    // Names that merely resemble each other in meaning or spelling are fine.
    for other in ["xiaohong", "xiaoming_2", "小明同学"] {
        app.register(other).await;
    }
    // The operator's create-admin refuses a look-alike too, and still promotes the real one.
    let config = app.config.clone();
    let password = tongxin::auth::password::Password::new(PASSWORD);
    assert!(tongxin::cli::create_admin(config.clone(), "\u{0445}iaoming", &password).await.is_err());
    tongxin::cli::create_admin(config, "xiaoming", &password).await.expect("promotes the existing account");
}

#[tokio::test]
async fn look_alike_usernames_registered_at_the_same_moment_make_one_account() {
    let app = TestApp::spawn().await;
    for base in ["aiguli", "maimaiti", "gulnaer"] {
        let cyrillic = base.replacen('a', "\u{0430}", 1);
        let (one, other) = (registration(base), registration(&cyrillic));
        let (first, second) =
            tokio::join!(app.post_json("/auth/register", None, &one), app.post_json("/auth/register", None, &other),);
        let mut statuses = [first.status(), second.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT], "{base}");
        let loser = if first.status() == StatusCode::CONFLICT { first } else { second };
        assert_problem(loser, StatusCode::CONFLICT, "username_confusable").await;
    }
    let count: i64 = users::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 3);
}

#[tokio::test]
async fn a_look_alike_of_an_erased_accounts_held_username_is_held_too() {
    let app = TestApp::spawn().await;
    let gone = app.register("xiaoming").await;
    let res = app
        .request(reqwest::Method::DELETE, "/me", Some(&gone.access))
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app.post_json("/auth/register", None, &registration("\u{0445}iaoming")).await;
    assert_problem(res, StatusCode::CONFLICT, "username_confusable").await;
    let res = app.post_json("/auth/register", None, &registration("xiaoming")).await;
    assert_problem(res, StatusCode::CONFLICT, "username_taken").await;
    // When the hold ends, the name and its look-alikes are free (for one account).
    app.clock.advance(chrono::Duration::days(31));
    app.register("\u{0445}iaoming").await;
    let res = app.post_json("/auth/register", None, &registration("xiaoming")).await;
    assert_problem(res, StatusCode::CONFLICT, "username_confusable").await;
}

/// The pattern, minLength and maxLength the document states for a register field.
fn documented_rule(field: &str) -> impl Fn(&str) -> bool {
    let doc = tongxin::api::openapi::document();
    let schema = doc["components"]["schemas"]["RegisterRequest"]["properties"][field].clone();
    let pattern = regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap();
    let min = schema["minLength"].as_u64().unwrap_or(0) as usize;
    let max = schema["maxLength"].as_u64().map_or(usize::MAX, |m| m as usize);
    move |value: &str| {
        let len = value.chars().count();
        pattern.is_match(value) && (min..=max).contains(&len)
    }
}

#[tokio::test]
async fn the_documented_account_patterns_accept_exactly_what_the_server_accepts() {
    let app = TestApp::spawn_with(&[("auth_rate_per_min", "0")]).await;
    let cases: [(&str, &[&str]); 4] = [
        (
            "password",
            &[
                "abcdefghiJ",
                "abcdefghij",
                "1234567890",
                "团结进步团结进步团a",
                "团结进步团结进步团结",
                "ΑΒΓΔΕΖΗΘαβ",
                "Aa1",
                "        a1",
                "aaaaaaaaa\u{7}B",
                &"aB".repeat(64),
                &"aB".repeat(65),
            ],
        ),
        ("username", &["ab", "abc", "张伟", "张伟伟", "zhang-wei", "zhang wei", "ayguli_1", "Ayşe_", &"a".repeat(33)]),
        (
            "display_name",
            &[
                "",
                "  ",
                "阿依古丽",
                " 阿依古丽 ",
                "a\u{202e}b",
                "\u{200b}",
                &"名".repeat(50),
                &format!(" {}", "名".repeat(50)),
            ],
        ),
        ("locale", &["zh-Hans", "en", "ug-CN", "e", "english", "zh_Hans", "zh-", "zh-Hans-CN-x-private1"]),
    ];
    for (field, values) in cases {
        let documented = documented_rule(field);
        for (i, value) in values.iter().enumerate() {
            let mut body = registration(&format!("pattern_{field}_{i}").replace("display_name", "dn"));
            body[field] = json!(value);
            let (status, problem) = json_body(app.post_json("/auth/register", None, &body).await).await;
            let refused = error_fields(&problem).contains(&field.to_owned());
            assert_eq!(
                !refused,
                documented(value),
                "{field} {value:?}: the server said {status} {problem}, the document says the opposite"
            );
        }
    }
}
