//! HTTP as RFC 9110 has it: HEAD wherever GET works, and every error as problem+json,
//! framework-made ones included.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use crate::helpers::*;

/// The headers that must agree between GET and HEAD (everything but per-response ones).
fn comparable(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "date" | "x-request-id"))
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("?").to_owned()))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn head_answers_like_get_with_the_same_headers_and_no_body() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let article = app.published_article(&room, "民族团结", "正文").await;
    let (video, media, poster) = app.published_video(&room, "微视频").await;
    let learner = app.register("head_reader").await;
    let paths = [
        ("/healthz".to_owned(), None),
        ("/readyz".to_owned(), None),
        ("/api/openapi.json".to_owned(), None),
        ("/contents".to_owned(), None),
        (format!("/contents/{article}"), None),
        (format!("/contents/{video}"), Some(learner.access.as_str())),
        (format!("/media/{media}"), None),
        (format!("/media/{poster}"), None),
        ("/topics".to_owned(), None),
        ("/me".to_owned(), Some(learner.access.as_str())),
        ("/me".to_owned(), None),
        ("/contents/999999".to_owned(), None),
        (format!("/admin/contents/{article}"), Some(room.editor.access.as_str())),
    ];
    for (path, token) in &paths {
        let get = app.request(Method::GET, path, *token).send().await.unwrap();
        let head = app.request(Method::HEAD, path, *token).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        assert_eq!(comparable(head.headers()), comparable(get.headers()), "HEAD {path}");
        let get_length = get.headers().get("content-length").cloned();
        let get_body = get.bytes().await.unwrap();
        assert!(!get_body.is_empty(), "GET {path} has a body");
        if let Some(length) = get_length {
            assert_eq!(length.to_str().unwrap(), get_body.len().to_string(), "GET {path}");
        }
        assert!(head.bytes().await.unwrap().is_empty(), "HEAD {path} has no body");
    }
    // Media: the length of the whole file, and ranges too.
    let head = app.request(Method::HEAD, &format!("/media/{media}"), None).send().await.unwrap();
    assert_eq!(head.headers()["content-length"], CLIP.len().to_string().as_str());
    assert_eq!(head.headers()["accept-ranges"], "bytes");
    assert_eq!(head.headers()["content-type"], "video/mp4");
    assert!(head.headers().contains_key("etag"));
    let ranged =
        app.request(Method::HEAD, &format!("/media/{media}"), None).header("Range", "bytes=0-99").send().await.unwrap();
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.headers()["content-length"], "100");
    assert_eq!(ranged.headers()["content-range"], format!("bytes 0-99/{}", CLIP.len()).as_str());
    assert!(ranged.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn head_is_allowed_where_get_is_and_refused_where_it_is_not() {
    let app = TestApp::spawn().await;
    // A path with GET names HEAD in Allow; a POST-only path refuses HEAD with 405.
    let res = app.request(Method::DELETE, "/topics", None).send().await.unwrap();
    assert_eq!(res.headers()["allow"], "GET, HEAD");
    assert_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let res = app.request(Method::HEAD, "/auth/login", None).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers()["allow"], "POST");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let res = app.request(Method::HEAD, "/nowhere", None).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn a_cors_preflight_from_an_origin_not_allowed_gets_problem_json() {
    let app = TestApp::spawn_with(&[("cors_origins", "https://app.example")]).await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/contents", None)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .send()
    };
    let ok = preflight("https://app.example").await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["access-control-allow-origin"], "https://app.example");
    let res = preflight("https://evil.example").await.unwrap();
    let problem = assert_problem(res, StatusCode::BAD_REQUEST, "cors_rejected").await;
    assert!(problem["detail"].as_str().unwrap().contains("CORS"), "{problem}");
    // A preflight asking for a method the API does not allow is refused the same way.
    let res = app
        .request(Method::OPTIONS, "/contents", None)
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "TRACE")
        .send()
        .await
        .unwrap();
    assert_problem(res, StatusCode::BAD_REQUEST, "cors_rejected").await;
}

#[tokio::test]
async fn framework_errors_are_problem_json_too() {
    let app = TestApp::spawn().await;
    let room = app.newsroom().await;
    let token = Some(room.editor.access.as_str());
    // (request, status, code): unknown path, wrong method, malformed JSON, wrong type,
    // bad path parameter, a multipart body without its boundary, an oversized body.
    let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str)> = vec![
        (app.request(Method::GET, "/no/such/path", None), StatusCode::NOT_FOUND, "not_found"),
        (app.request(Method::PUT, "/contents", None), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (
            app.request(Method::POST, "/auth/login", None).header("Content-Type", "application/json").body("{"),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            app.request(Method::POST, "/auth/login", None).header("Content-Type", "text/plain").body("x"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (app.request(Method::GET, "/contents/abc", None), StatusCode::NOT_FOUND, "not_found"),
        (
            app.request(Method::POST, "/admin/media", token).header("Content-Type", "multipart/form-data").body("x"),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            app.request(Method::POST, "/auth/login", None)
                .header("Content-Type", "application/json")
                .body(vec![b' '; 2 * 1024 * 1024]),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (request, status, code) in cases {
        assert_problem(request.send().await.unwrap(), status, code).await;
    }
}
