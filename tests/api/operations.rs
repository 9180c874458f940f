use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn health_and_readiness_answer_when_the_database_is_up() {
    let app = TestApp::spawn().await;
    let (status, body) = json_body(app.get("/healthz", None).await).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (status, body) = json_body(app.get("/readyz", None).await).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("ready")));
}

#[tokio::test]
async fn an_exhausted_pool_answers_503_with_retry_after_and_recovers() {
    let app = TestApp::spawn_with(&[("db_pool_size", "1"), ("db_pool_timeout_ms", "200")]).await;
    let user = app.register("patient").await;
    let held = app.state.db.pool().get().unwrap();
    let res = app.get("/readyz", None).await;
    assert_eq!(res.headers()["retry-after"], "1");
    assert_problem(res, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
    assert_problem(app.get("/me", Some(&user.access)).await, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable")
        .await;
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK, "liveness needs no database");
    drop(held);
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
    assert_eq!(app.get("/me", Some(&user.access)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let app = TestApp::spawn().await;
    let admin = app.admin("root_admin").await;
    for id in [41, 42, 43] {
        app.get(&format!("/admin/organizations/{id}"), Some(&admin.access)).await;
    }
    let res = app.get("/metrics", None).await;
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = res.text().await.unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total")
                && l.contains(r#"method="GET""#)
                && l.contains(r#"route="/api/v1/admin/organizations/{id}""#)
                && l.contains(r#"status="404""#)
        })
        .unwrap_or_else(|| panic!("no counter for the template in:\n{text}"));
    let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 3.0, "{line}");
    assert!(!text.contains("/admin/organizations/41"), "ids never become labels");
    assert!(text.contains("http_request_duration_seconds_bucket"), "latency histogram");
    assert!(
        text.contains(r#"db_pool_connections{state="idle"}"#) && text.contains("db_pool_max_connections"),
        "pool state"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_plain_client_id_is_echoed() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz", None).await;
    let generated = res.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");

    let res = app.client.get(app.url("/healthz")).header("x-request-id", "client-abc_123.4").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "client-abc_123.4");

    for hostile in ["has spaces in it", "quote\"inject", &"x".repeat(65)] {
        let res = app.client.get(app.url("/healthz")).header("x-request-id", hostile).send().await.unwrap();
        let echoed = res.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(echoed, hostile);
        assert!(uuid::Uuid::parse_str(echoed).is_ok());
    }
    let res = app.get("/api/v1/nope", None).await;
    assert!(res.headers().contains_key("x-request-id"), "errors too");
}

#[tokio::test]
async fn responses_are_compressed_when_the_client_accepts_it() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/api/openapi.json")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let res = app.client.get(app.url("/api/openapi.json")).send().await.unwrap();
    assert!(!res.headers().contains_key("content-encoding"));
}

#[tokio::test]
async fn cors_admits_only_the_configured_origins() {
    let app = TestApp::spawn_with(&[("cors_origins", "https://admin.example.org")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/me"))
            .header("origin", origin)
            .header("access-control-request-method", "PATCH")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let res = preflight("https://admin.example.org").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["access-control-allow-origin"], "https://admin.example.org");
    let res = preflight("https://evil.example.com").await.unwrap();
    assert!(!res.headers().contains_key("access-control-allow-origin"));

    let res = app.client.get(app.url("/healthz")).header("origin", "https://admin.example.org").send().await.unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "https://admin.example.org");
    let exposed = res.headers()["access-control-expose-headers"].to_str().unwrap().to_lowercase();
    assert!(exposed.contains("x-request-id") && exposed.contains("retry-after"), "{exposed}");

    let closed = TestApp::spawn().await;
    let res =
        closed.client.get(closed.url("/healthz")).header("origin", "https://admin.example.org").send().await.unwrap();
    assert!(!res.headers().contains_key("access-control-allow-origin"), "no origins configured, none admitted");
}

#[tokio::test]
async fn the_interactive_docs_work_without_the_internet() {
    let app = TestApp::spawn().await;
    let res = app.get("/docs", None).await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.headers()["location"], "/docs/");
    let res = app.get("/docs/", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = res.text().await.unwrap();
    for tag in html.split('<').filter(|t| t.starts_with("script") || t.starts_with("link")) {
        assert!(
            !tag.contains("http://") && !tag.contains("https://") && !tag.contains("//cdn"),
            "external asset: <{tag}"
        );
    }
    for asset in ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/swagger-initializer.js"] {
        let res = app.get(asset, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{asset}");
    }
    let init = app.get("/docs/swagger-initializer.js", None).await.text().await.unwrap();
    assert!(init.contains("/api/openapi.json"), "the docs load our own document");
}
