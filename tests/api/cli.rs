//! The operator's commands, run as the real binary.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::*;

fn tongxin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tongxin"));
    // Only what a test sets reaches the binary: no stray TONGXIN_* from the caller's shell.
    for (key, _) in std::env::vars() {
        if key.starts_with("TONGXIN_") || key == "DATABASE_URL" {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn run_with_stdin(cmd: &mut Command, input: &str) -> std::process::Output {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn the_openapi_command_prints_the_committed_document() {
    let out = tongxin().arg("openapi").output().unwrap();
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json")).unwrap();
    assert!(
        String::from_utf8(out.stdout).unwrap() == committed,
        "regenerate with: cargo run -- openapi > openapi/openapi.json"
    );
}

#[tokio::test]
async fn a_bad_setting_stops_the_process_with_one_readable_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let cases: [(&str, &str, &str); 5] = [
        ("DATABASE_URL", "mysql://localhost/x", "DATABASE_URL must start with sqlite:// (a file) or postgres://"),
        ("DATABASE_URL", "postgres://", "DATABASE_URL"),
        ("TONGXIN_BIND", "not-an-address", "TONGXIN_BIND"),
        ("TONGXIN_TIMEZONE", "Mars/Olympus", "TONGXIN_TIMEZONE"),
        ("TONGXIN_JWT_SECRET", "short", "at least 32 characters"),
    ];
    for (key, value, expected) in cases {
        let out = tongxin().arg("migrate").current_dir(dir.path()).env(key, value).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}={value}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
        assert!(stderr.starts_with("tongxin: ") && stderr.contains(expected), "{stderr}");
    }
    let out = tongxin().arg("migrate").env("TONGXIN_DATA_DIR", file.join("sub")).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("data directory"), "{stderr}");

    let out = tongxin().arg("migrate").current_dir(dir.path()).env("TONGXIN_BINDD", "127.0.0.1:1").output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "a misspelt setting is caught: {stderr}");
    assert!(stderr.contains("bindd"), "{stderr}");
}

#[tokio::test]
async fn migrate_creates_the_database_and_applies_every_migration_once() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let out = tongxin().arg("migrate").env("TONGXIN_DATA_DIR", dir.path()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(dir.path().join("tongxin.db").exists());
}

#[tokio::test]
async fn create_admin_creates_or_promotes_an_administrator_from_stdin() {
    let app = TestApp::spawn().await;
    let learner = app.register("future_admin").await;
    let new_password = "Operator-chosen-99";
    let out = run_with_stdin(
        tongxin()
            .args(["create-admin", "--username", "future_admin", "--password-stdin"])
            .env("DATABASE_URL", app.database.url())
            .env("TONGXIN_DATA_DIR", app.config.data_dir.as_os_str()),
        &format!("{new_password}\n"),
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("promoted future_admin"), "{stdout}");
    assert!(
        !stdout.contains(new_password) && !String::from_utf8_lossy(&out.stderr).contains(new_password),
        "no password in output"
    );
    let (status, body) = json_body(app.login("future_admin", new_password).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["user"]["role"], "admin");
    let res = app.post_json("/auth/refresh", None, &serde_json::json!({"refresh_token": learner.refresh})).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "old sessions end on promotion");

    let out = run_with_stdin(
        tongxin()
            .args(["create-admin", "--username", "brand_new_admin", "--password-stdin"])
            .env("DATABASE_URL", app.database.url())
            .env("TONGXIN_DATA_DIR", app.config.data_dir.as_os_str()),
        new_password,
    );
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().contains("created administrator brand_new_admin"));
    assert_eq!(app.login("brand_new_admin", new_password).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn create_admin_refuses_a_weak_password_or_a_missing_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_with_stdin(
        tongxin()
            .args(["create-admin", "--username", "weak_admin", "--password-stdin"])
            .env("TONGXIN_DATA_DIR", dir.path()),
        "short\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr).unwrap().contains("at least 10 characters"));
    let out =
        tongxin().args(["create-admin", "--username", "no_flag"]).env("TONGXIN_DATA_DIR", dir.path()).output().unwrap();
    assert!(!out.status.success(), "the password must come from stdin");
}

/// Starts `tongxin serve` on a free port with JSON logs; returns the child and its port.
/// Start-up lines are kept and handed back with the rest. The caller waits for the child.
#[allow(clippy::zombie_processes)]
fn serve(dir: &std::path::Path) -> (std::process::Child, u16, std::sync::mpsc::Receiver<String>, Vec<String>) {
    let mut child = tongxin()
        .arg("serve")
        .env("TONGXIN_DATA_DIR", dir)
        .env("TONGXIN_BIND", "127.0.0.1:0")
        .env("TONGXIN_LOG_FORMAT", "json")
        .env("TONGXIN_WORKERS", "1")
        .env("TONGXIN_SHUTDOWN_TIMEOUT_S", "10")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut early = Vec::new();
    loop {
        let line = rx.recv_timeout(deadline - Instant::now()).expect("server starts and logs its port");
        let json: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("JSON log line: {line}"));
        early.push(line);
        if json["message"] == "tongxin is serving" {
            return (child, json["port"].as_u64().unwrap() as u16, rx, early);
        }
    }
}

#[tokio::test]
async fn serve_logs_json_with_request_ids_and_finishes_in_flight_requests_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, port, logs, early) = serve(dir.path());

    let res = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Send a request's headers and half its body, then SIGTERM, then the rest.
    let body = r#"{"username":"nobody_home","password":"Unity-2026-pass"}"#;
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 401"), "the in-flight request was answered: {response}");
    assert!(response.contains("invalid_credentials"));

    let status = child.wait().unwrap();
    assert!(status.success(), "clean exit after SIGTERM: {status:?}");
    let lines: Vec<String> = early.into_iter().chain(logs.try_iter()).collect();
    let traced = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["span"]["request_id"] == "trace-me-42");
    let traced = traced.unwrap_or_else(|| panic!("a log line carries the request id: {lines:#?}"));
    assert_eq!(traced["route"], "/healthz");
    assert!(lines.iter().all(|l| !l.contains("Unity-2026-pass")), "no password in logs");

    // No secret was configured: one was generated, kept private, announced but never printed.
    let key = dir.path().join("jwt_secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let secret = std::fs::read_to_string(&key).unwrap();
    assert!(lines.iter().any(|l| l.contains("TONGXIN_JWT_SECRET is not set")), "a warning says so");
    assert!(lines.iter().all(|l| !l.contains(secret.trim())), "the secret itself is never logged");
    let (mut again, ..) = serve(dir.path());
    let _ = Command::new("kill").args(["-TERM", &again.id().to_string()]).status();
    let _ = again.wait();
    assert_eq!(std::fs::read_to_string(&key).unwrap(), secret, "kept across restarts, not regenerated");
}
