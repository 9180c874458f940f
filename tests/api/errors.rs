//! Bad input of every kind gets a problem+json answer with a stable code: never a 500,
//! never HTML, never a hang.

use diesel::RunQueryDsl as _;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::*;

async fn raw_body(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn an_unknown_route_is_a_problem_404() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/nope", "/nope", "/api/v2/me", "/api/v1/me/extra"] {
        let res = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        let body = assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
        assert_eq!(body["detail"], "No such endpoint.", "{path}");
    }
}

#[tokio::test]
async fn a_known_route_with_the_wrong_method_is_a_problem_405() {
    let app = TestApp::spawn().await;
    // (`DELETE /me` erases the account: PUT is the method `/me` does not have.)
    let res = app.request(reqwest::Method::PUT, "/me", None).send().await.unwrap();
    assert_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let res = app.get("/auth/login", None).await;
    assert_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let res = app.request(reqwest::Method::PUT, "/admin/organizations/1", None).send().await.unwrap();
    assert_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn a_405_names_the_methods_the_path_has_in_allow() {
    let app = TestApp::spawn().await;
    for (method, path, allow) in [
        (reqwest::Method::PUT, "/api/v1/me", "DELETE, GET, HEAD, PATCH"),
        (reqwest::Method::GET, "/api/v1/auth/login", "POST"),
        (reqwest::Method::TRACE, "/api/v1/contents/7/like", "DELETE, PUT"),
        (reqwest::Method::POST, "/api/v1/quizzes/daily", "GET, HEAD"),
        (reqwest::Method::DELETE, "/healthz", "GET, HEAD"),
        (reqwest::Method::POST, "/api/openapi.json", "GET, HEAD"),
        // `/admin/questions/{id}` has PATCH, but the concrete path wins, as in OpenAPI.
        (reqwest::Method::PATCH, "/api/v1/admin/questions/import", "POST"),
    ] {
        let res = app.client.request(method.clone(), format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
        assert_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    }
}

#[tokio::test]
async fn malformed_json_is_a_400_with_a_stable_code() {
    let app = TestApp::spawn().await;
    for body in
        ["{", "{\"username\": }", "", "   ", "[1,2", "{\"username\":\"a\",\"password\":\"b\"} trailing", "\u{feff}{}"]
    {
        let res = raw_body(&app, "/auth/login", Some("application/json"), body).await;
        assert_problem(res, StatusCode::BAD_REQUEST, "malformed_json").await;
    }
    // Invalid UTF-8 inside a string.
    let res = raw_body(&app, "/auth/login", Some("application/json"), b"{\"username\":\"\xff\xfe\"}".to_vec()).await;
    assert_problem(res, StatusCode::BAD_REQUEST, "malformed_json").await;
}

#[tokio::test]
async fn a_wrong_type_or_a_missing_field_names_the_field() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({"username": 42, "password": "x"}), "username"),
        (json!({"username": "a"}), "password"),
        (json!({"username": ["a"], "password": "x"}), "username"),
        (json!(["not", "an", "object"]), "body"),
        (json!("a string"), "body"),
        (json!({"username": "a", "password": "x", "extra": true}), "extra"),
    ];
    for (body, field) in cases {
        let res = app.post_json("/auth/login", None, &body).await;
        let problem = assert_invalid(res, &[field]).await;
        assert!(!problem["detail"].as_str().unwrap().contains("line "), "no parser positions in messages: {problem}");
    }
    let res = app.post_json("/auth/register", None, &json!({"username": "abc", "password": PASSWORD, "display_name": "x", "audience": "public", "birth_year": "1990"})).await;
    assert_invalid(res, &["birth_year"]).await;
    let res = app.post_json("/auth/register", None, &json!({"username": "abc", "password": PASSWORD, "display_name": "x", "audience": "public", "birth_year": 1e30})).await;
    assert_invalid(res, &["birth_year"]).await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = TestApp::spawn().await;
    let form = "username=a&password=b";
    for ct in [Some("application/x-www-form-urlencoded"), Some("text/plain"), None] {
        let res = raw_body(&app, "/auth/login", ct, form).await;
        assert_problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    }
    let res = raw_body(
        &app,
        "/auth/login",
        Some("application/problem+json"),
        r#"{"username":"nobody_here","password":"Unity-2026-pass"}"#,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "any +json type is JSON");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_a_413() {
    let app = TestApp::spawn().await;
    let big = json!({"username": "a", "password": "x".repeat(1024 * 1024)}).to_string();
    let res = raw_body(&app, "/auth/login", Some("application/json"), big).await;
    let problem = assert_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    assert!(problem["detail"].as_str().unwrap().contains("1048576"));
}

#[tokio::test]
async fn a_chunked_body_over_one_mebibyte_is_a_413_too() {
    let app = TestApp::spawn().await;
    let port = app.address.rsplit(':').next().unwrap();
    let mut stream = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}")).await.unwrap();
    let head = "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..20 {
        let frame = [format!("{:x}\r\n", chunk.len()).into_bytes(), chunk.clone(), b"\r\n".to_vec()].concat();
        if stream.write_all(&frame).await.is_err() {
            break; // The server may stop reading once it has answered.
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 413"), "{}", &text[..text.len().min(200)]);
    assert!(text.contains("payload_too_large"));
}

#[tokio::test]
async fn a_malformed_path_id_is_a_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    for id in ["abc", "1.5", "99999999999999999999999", "-"] {
        let res = app.get(&format!("/admin/organizations/{id}"), Some(&admin.access)).await;
        assert_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn bad_query_parameters_name_the_parameter() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    for (query, field) in [
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("parent_id=x", "parent_id"),
        ("colour=red", "colour"),
    ] {
        let res = app.get(&format!("/admin/organizations?{query}"), Some(&admin.access)).await;
        assert_invalid(res, &[field]).await;
    }
    for cursor in ["garbage", "aWQ6eA", "%E2%9C%93"] {
        let res = app.get(&format!("/admin/users?cursor={cursor}"), Some(&admin.access)).await;
        assert_problem(res, StatusCode::BAD_REQUEST, "invalid_cursor").await;
    }
}

#[tokio::test]
async fn control_characters_never_reach_the_database() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    for path in ["/admin/users?q=%00", "/admin/organizations?q=a%00b", "/admin/users?q=%1B%5B31m"] {
        assert_invalid(app.get(path, Some(&admin.access)).await, &["q"]).await;
    }
    let body = json!({"username": "nul_user", "password": PASSWORD, "display_name": "ok", "audience": "public", "org_code": "AB\u{0}CD"});
    assert_invalid(app.post_json("/auth/register", None, &body).await, &["org_code"]).await;
    // Refused as input like any other field (no account is looked up, nothing is revealed).
    let res = app.post_json("/auth/login", None, &json!({"username": "a\u{0}b", "password": "x\u{0}"})).await;
    assert_invalid(res, &["username", "password"]).await;
    let res = app.post_json("/auth/refresh", None, &json!({"refresh_token": "\u{0}"})).await;
    assert_invalid(res, &["refresh_token"]).await;
    let res =
        app.post_json("/admin/organizations", Some(&admin.access), &json!({"name": "a\u{0}", "kind": "unit"})).await;
    assert_invalid(res, &["name"]).await;
}

#[tokio::test]
async fn an_internal_error_answers_500_without_details() {
    let app = TestApp::spawn().await;
    let user = app.register("unlucky").await;
    // Break the schema behind the app's back so the next query fails inside the database.
    diesel::sql_query("ALTER TABLE organizations RENAME TO organizations_gone").execute(&mut app.db()).unwrap();
    let res = app.get("/me", Some(&user.access)).await;
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let problem = assert_problem(res, StatusCode::INTERNAL_SERVER_ERROR, "internal_error").await;
    let text = problem.to_string().to_lowercase();
    for leak in ["organizations", "select", "sql", "diesel", "table", "/src/", ".rs"] {
        assert!(!text.contains(leak), "{leak} leaked: {problem}");
    }
    assert!(!request_id.is_empty());
}
