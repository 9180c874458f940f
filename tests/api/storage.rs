//! A database that cannot store anything (a full disk or the size cap, failing I/O) is
//! 503 with `Retry-After` and a stable code, never a 500; `/readyz` says not ready until a
//! write succeeds again; the CLI says why. The size cap (`TONGXIN_SQLITE_MAX_MB`) makes
//! SQLite full on demand, as a full disk would.

use std::process::Command;

use diesel::{Connection as _, RunQueryDsl as _};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_full_database_answers_503_and_is_not_ready_until_space_is_freed() {
    let database = TestDatabase::sqlite();
    let path = database.url().trim_start_matches("sqlite://").to_owned();
    let app = TestApp::spawn_on(database, &[("sqlite_max_mb", "2")]);
    let room = app.newsroom().await;
    // Bodies of many different characters fill the cap within a few articles; smaller
    // ones then use up what is left, until even a small write finds no room.
    let filler: String = (0..150_000u32).filter_map(|i| char::from_u32(0x4E00 + (i * 7919) % 20_000)).collect();
    let mut first_refusal = None;
    let mut n = 0;
    for size in [150_000, 20_000, 2_000, 200] {
        loop {
            n += 1;
            assert!(n < 400, "the cap was never reached");
            let body: String = filler.chars().skip(n * 7).take(size).collect();
            let req = json!({
                "kind": "article", "title": format!("文章{n}"), "summary": "s", "body_markdown": body,
                "topic": room.topic["slug"], "audiences": ["public"],
            });
            let res = app.post_json("/admin/contents", Some(&room.editor.access), &req).await;
            if res.status() != StatusCode::CREATED {
                first_refusal.get_or_insert(res);
                break;
            }
        }
    }
    let res = first_refusal.unwrap();
    assert_eq!(res.headers()["retry-after"], "30");
    let problem = assert_problem(res, StatusCode::SERVICE_UNAVAILABLE, "storage_full").await;
    assert!(!problem.to_string().to_lowercase().contains("sqlite"), "no internals: {problem}");
    // Not ready while it lasts; reads still work.
    for _ in 0..2 {
        let res = app.get("/readyz", None).await;
        assert_eq!(res.headers()["retry-after"], "30");
        assert_problem(res, StatusCode::SERVICE_UNAVAILABLE, "storage_full").await;
    }
    assert_eq!(app.get("/topics", None).await.status(), StatusCode::OK);
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    // The operator frees space (outside the app, without its cap): ready again, writes work.
    let mut conn = diesel::SqliteConnection::establish(&path).unwrap();
    diesel::sql_query("UPDATE contents SET body_markdown = 'x', body_html = 'x'").execute(&mut conn).unwrap();
    let res = app.get("/readyz", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = app.draft_article(&room, "小文章", "短短的正文").await;
    assert!(id > 0);
}

#[tokio::test]
async fn serve_demo_says_the_database_is_full_instead_of_query_failed() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tongxin"));
    for (key, _) in std::env::vars() {
        if key.starts_with("TONGXIN_") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
    let output = cmd
        .args(["serve", "--demo"])
        .env("TONGXIN_DATA_DIR", dir.path())
        .env("TONGXIN_BIND", "127.0.0.1:0")
        .env("TONGXIN_LOG", "error")
        .env("TONGXIN_SQLITE_MAX_MB", "1")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("tongxin: loading the demo data failed: the database or its disk is full"), "{stderr}");
}
