//! The staff console: embedded static files at /console/, with a strict CSP, history
//! routing, proper content types and caching, and nothing loaded from another origin.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, IF_NONE_MATCH};
use tongxin::console::{CONTENT_SECURITY_POLICY, FILES};

use crate::helpers::TestApp;

fn assert_hardened(headers: &HeaderMap, what: &str) {
    assert_eq!(headers["content-security-policy"], CONTENT_SECURITY_POLICY, "{what}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
}

fn text(name: &str) -> &'static str {
    let (_, bytes) = FILES.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("{name} is embedded"));
    std::str::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn the_console_page_is_html_with_a_strict_content_security_policy() {
    let app = TestApp::spawn().await;
    let res = app.get("/console/", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_hardened(res.headers(), "/console/");
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(res.headers()["cache-control"], "no-cache");
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"<html lang="zh-Hans">"#));
    assert!(html.contains(r#"<script type="module" src="/console/app.js"></script>"#));
    let csp = CONTENT_SECURITY_POLICY;
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe"));
}

#[tokio::test]
async fn the_bare_console_path_redirects_to_the_folder() {
    let app = TestApp::spawn().await;
    let res = app.get("/console", None).await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(res.headers()["location"], "/console/");
}

#[tokio::test]
async fn a_deep_link_gets_the_page_and_a_missing_file_is_a_404() {
    let app = TestApp::spawn().await;
    let index = app.get("/console/", None).await.text().await.unwrap();
    for deep in ["/console/members", "/console/roster/", "/console/contents/42/edit"] {
        let res = app.get(deep, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{deep}");
        assert_hardened(res.headers(), deep);
        assert_eq!(res.text().await.unwrap(), index, "{deep}");
    }
    let res = app.get("/console/pages/nothing.js", None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
}

#[tokio::test]
async fn scripts_and_styles_have_their_content_types_and_revalidate_by_etag() {
    let app = TestApp::spawn().await;
    for (path, kind) in [
        ("/console/app.js", "text/javascript; charset=utf-8"),
        ("/console/vendor/preact.mjs", "text/javascript; charset=utf-8"),
        ("/console/console.css", "text/css; charset=utf-8"),
    ] {
        let res = app.get(path, None).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_hardened(res.headers(), path);
        assert_eq!(res.headers()["content-type"], kind, "{path}");
        let etag = res.headers()["etag"].clone();
        let again = app.client.get(app.url(path)).header(IF_NONE_MATCH, etag.clone()).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()["etag"], etag);
    }
}

#[tokio::test]
async fn the_console_is_not_in_the_openapi_document() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = app.get("/api/openapi.json", None).await.json().await.unwrap();
    assert!(doc["paths"].as_object().unwrap().keys().all(|path| !path.starts_with("/console")));
}

#[tokio::test]
async fn the_console_refuses_writes_with_405() {
    let app = TestApp::spawn().await;
    let res = app.client.post(app.url("/console/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn every_file_of_the_console_folder_is_embedded() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console");
    let mut on_disk = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                on_disk.push(path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    on_disk.sort();
    let mut embedded: Vec<String> = FILES.iter().map(|(name, _)| (*name).to_owned()).collect();
    embedded.sort();
    assert_eq!(embedded, on_disk, "src/console.rs lists every file of src/console/");
}

#[test]
fn no_console_file_loads_anything_from_another_origin() {
    let loading = regex::Regex::new(
        r#"(?i)(src\s*=\s*["']?\s*(https?:)?//|href\s*=\s*["']?\s*(https?:)?//|\bimport\b[^;]*?["'](https?:)?//|\bfrom\s*["'](https?:)?//|import\s*\(\s*["'](https?:)?//|url\(\s*["']?(https?:)?//|@import\s|fetch\(\s*["'`](https?:)?//)"#,
    )
    .unwrap();
    for (name, bytes) in FILES {
        let Ok(source) = std::str::from_utf8(bytes) else { continue };
        if name.starts_with("vendor/LICENSE") {
            continue;
        }
        assert!(!loading.is_match(source), "{name} loads from another origin: {:?}", loading.find(source));
    }
}

#[test]
fn no_console_file_has_inline_script_or_style() {
    let html = text("index.html");
    assert!(!html.contains("style="), "no inline style attribute");
    for tag in html.split("<script").skip(1) {
        assert!(tag.trim_start().starts_with("type=\"module\" src=\"/console/"), "only external module scripts: {tag}");
    }
    assert!(!html.contains("<style"));
    for (name, bytes) in FILES.iter().filter(|(n, _)| std::path::Path::new(n).extension().is_some_and(|e| e == "js")) {
        let source = std::str::from_utf8(bytes).unwrap();
        assert!(!source.contains(" style="), "{name}: no inline style attribute (the CSP refuses them)");
        assert!(!source.contains("innerHTML") && !source.contains("dangerouslySetInnerHTML"), "{name}");
    }
}

#[test]
fn both_catalogues_have_the_same_keys() {
    let keys = |name: &str| -> Vec<String> {
        let re = regex::Regex::new(r#"(?m)^\s*"([a-z_.A-Z-]+)":"#).unwrap();
        let mut keys: Vec<String> = re.captures_iter(text(name)).map(|c| c[1].to_owned()).collect();
        keys.sort();
        keys
    };
    let (zh, en) = (keys("i18n/zh-Hans.js"), keys("i18n/en.js"));
    assert!(zh.len() > 50);
    assert_eq!(zh, en);
}

#[test]
fn the_vendored_files_match_their_recorded_checksums() {
    use sha2::Digest as _;
    let manifest: serde_json::Value = serde_json::from_str(text("vendor/VERSIONS.json")).unwrap();
    let files = manifest["files"].as_object().unwrap();
    assert!(!files.is_empty());
    for (name, entry) in files {
        let (_, bytes) = FILES.iter().find(|(n, _)| *n == format!("vendor/{name}")).unwrap();
        assert_eq!(hex::encode(sha2::Sha256::digest(bytes)), entry["sha256"].as_str().unwrap(), "{name}");
        assert!(entry["version"].as_str().is_some_and(|v| !v.is_empty()), "{name}");
    }
}
