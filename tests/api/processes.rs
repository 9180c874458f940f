//! Real `tongxin serve` processes, for tests that need several instances on one database
//! or a crash: start one, wait until `/readyz` answers, stop it with SIGTERM or SIGKILL,
//! start it again on the same database. A process is killed when its handle is dropped,
//! so a failing test leaves nothing running.

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

/// The signing secret every instance of a test shares (tokens from one work on the other).
pub const SECRET: &str = "tongxin-test-secret-shared-by-all-instances";

/// Start-up (migrations included) and shutdown on two cores busy with other tests.
const PATIENCE: Duration = Duration::from_secs(30);
/// Log lines kept per process, shown when a test fails.
const KEPT_LINES: usize = 200;

/// The in-process app that creates the test database and prepares data with the harness
/// helpers; processes started with [`Deployment::beside`] share its database, secret
/// and media folder.
pub async fn setup_app(settings: &[(&str, &str)]) -> TestApp {
    let mut all = vec![("jwt_secret", SECRET)];
    all.extend_from_slice(settings);
    TestApp::spawn_with(&all).await
}

/// What the instances of one test share: database, signing secret, media folder and
/// settings. Each instance has its own data directory, as separate machines would.
#[derive(Debug, Clone)]
pub struct Deployment {
    database_url: String,
    media_dir: PathBuf,
    /// `(setting, value)` with setting names as in `tongxin.toml` (`min_read_s`).
    settings: Vec<(String, String)>,
}

impl Deployment {
    /// Instances beside the setup app, on its database and media folder.
    pub fn beside(app: &TestApp, settings: &[(&str, &str)]) -> Self {
        assert_eq!(
            app.config.jwt_secret.as_ref().map(tongxin::config::Secret::expose),
            Some(SECRET),
            "start the setup app with processes::setup_app"
        );
        let tongxin::config::MediaLocation::Local(media_dir) = &app.config.media else {
            panic!("processes share a local media folder")
        };
        Self::on(&app.database, media_dir, settings)
    }

    pub fn on(database: &TestDatabase, media_dir: &Path, settings: &[(&str, &str)]) -> Self {
        Self {
            database_url: database.url().to_owned(),
            media_dir: media_dir.to_owned(),
            settings: settings.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        }
    }

    /// Starts an instance and waits until it is ready.
    pub async fn start(&self) -> Server {
        let mut server = Server {
            deployment: self.clone(),
            data_dir: tempfile::tempdir().expect("temp dir"),
            child: None,
            http: Http::new("http://127.0.0.1:0"),
            logs: Arc::default(),
        };
        server.boot().await;
        server
    }
}

/// HTTP to one address; paths are relative to `/api/v1` unless they are ops paths.
#[derive(Debug, Clone)]
pub struct Http {
    pub address: String,
    pub client: reqwest::Client,
}

impl Http {
    fn new(address: &str) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PATIENCE)
            .build()
            .expect("client");
        Self { address: address.to_owned(), client }
    }

    pub fn url(&self, path: &str) -> String {
        let ops = ["/healthz", "/readyz", "/metrics"].iter().any(|p| path.starts_with(p));
        if ops { format!("{}{path}", self.address) } else { format!("{}/api/v1{path}", self.address) }
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends; a transport error (the server is gone) is returned, not a panic.
    pub async fn try_send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Result<Response> {
        let mut builder = self.request(method, path, token);
        if let Some(body) = body {
            builder = builder.json(body);
        }
        builder.send().await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.try_send(Method::GET, path, token, None).await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    pub async fn send_json(&self, method: Method, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.try_send(method.clone(), path, token, Some(body)).await.unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(Method::POST, path, token, body).await
    }

    pub async fn patch_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(Method::PATCH, path, token, body).await
    }

    /// Registers a public learner and returns the session.
    pub async fn register(&self, username: &str) -> Session {
        let body = json!({"username": username, "password": PASSWORD, "display_name": username, "audience": "public"});
        let (status, body) = json_body(self.post_json("/auth/register", None, &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "register {username}: {body}");
        session_of(&body)
    }
}

/// The session in a token response.
pub fn session_of(body: &Value) -> Session {
    Session {
        id: body["user"]["id"].as_i64().expect("user.id"),
        username: body["user"]["username"].as_str().expect("user.username").to_owned(),
        access: body["access_token"].as_str().expect("access_token").to_owned(),
        refresh: body["refresh_token"].as_str().expect("refresh_token").to_owned(),
    }
}

/// One `tongxin serve` process (and, after a restart, its successor on the same data).
pub struct Server {
    deployment: Deployment,
    data_dir: tempfile::TempDir,
    child: Option<Child>,
    /// Where it listens now: a restart picks a new port.
    pub http: Http,
    logs: Arc<Mutex<VecDeque<String>>>,
}

impl std::ops::Deref for Server {
    type Target = Http;
    fn deref(&self) -> &Http {
        &self.http
    }
}

impl Server {
    #[allow(clippy::zombie_processes)] // reaped by `stop`, `kill` or `Drop`
    async fn boot(&mut self) {
        assert!(self.child.is_none(), "the previous process is still running");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tongxin"));
        // Only what the test sets reaches the binary, and no tongxin.toml is picked up.
        for (key, _) in std::env::vars() {
            if key.starts_with("TONGXIN_") || key == "DATABASE_URL" {
                cmd.env_remove(key);
            }
        }
        let media = format!("file://{}", self.deployment.media_dir.display());
        cmd.arg("serve")
            .current_dir(self.data_dir.path())
            .env("DATABASE_URL", &self.deployment.database_url)
            .env("TONGXIN_DATA_DIR", self.data_dir.path())
            .env("TONGXIN_MEDIA_URL", media)
            .env("TONGXIN_JWT_SECRET", SECRET)
            .env("TONGXIN_BIND", "127.0.0.1:0")
            .env("TONGXIN_LOG_FORMAT", "json")
            .env("TONGXIN_LOG", "info,actix_server=warn")
            .env("TONGXIN_WORKERS", "2")
            .env("TONGXIN_DB_POOL_SIZE", "4")
            .env("TONGXIN_HASH_CONCURRENCY", "1")
            .env("TONGXIN_AUTH_RATE_PER_MIN", "0")
            .env("TONGXIN_SHUTDOWN_TIMEOUT_S", "5");
        for (key, value) in &self.deployment.settings {
            cmd.env(format!("TONGXIN_{}", key.to_ascii_uppercase()), value);
        }
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("spawn");
        let stderr = child.stderr.take().expect("stderr");
        self.child = Some(child);

        // The port comes from the start-up log line; every line is kept for diagnostics.
        let (port_tx, port_rx) = tokio::sync::oneshot::channel::<u16>();
        let logs = self.logs.clone();
        std::thread::spawn(move || {
            let mut port_tx = Some(port_tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(json) = serde_json::from_str::<Value>(&line)
                    && json["message"] == "tongxin is serving"
                    && let (Some(tx), Some(port)) = (port_tx.take(), json["port"].as_u64())
                {
                    let _ = tx.send(port as u16);
                }
                let mut logs = logs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if logs.len() == KEPT_LINES {
                    logs.pop_front();
                }
                logs.push_back(line);
            }
        });
        let started = Instant::now();
        let port = match tokio::time::timeout(PATIENCE, port_rx).await {
            Ok(Ok(port)) => port,
            Ok(Err(_)) => panic!("the server exited before serving:\n{}", self.recent_logs()),
            Err(tokio::time::error::Elapsed { .. }) => {
                panic!("the server did not start within {PATIENCE:?}:\n{}", self.recent_logs())
            }
        };
        self.http = Http::new(&format!("http://127.0.0.1:{port}"));
        loop {
            let ready = self.try_send(Method::GET, "/readyz", None, None).await;
            if ready.is_ok_and(|r| r.status() == StatusCode::OK) {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "not ready within {PATIENCE:?}:\n{}", self.recent_logs());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: the process ends at once, in the middle of whatever it was doing.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then waits for the process to finish its requests and exit.
    pub async fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("a running server");
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(sent.success(), "kill -TERM {pid}");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = child.try_wait().expect("wait for the server") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("no exit within {PATIENCE:?} of SIGTERM:\n{}", self.recent_logs());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Starts the process again on the same database and data directory.
    pub async fn restart(&mut self) {
        self.kill();
        self.boot().await;
    }

    /// The last lines the process (and its predecessors) logged.
    pub fn recent_logs(&self) -> String {
        let logs = self.logs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        logs.iter().map(String::as_str).collect::<Vec<_>>().join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

// What the process tests send and check.

/// An event with a fresh client id, happening now.
pub fn event(kind: &str, content: i64, position: Option<i64>) -> Value {
    let mut e = json!({"id": uuid::Uuid::new_v4().to_string(), "kind": kind, "content_id": content, "occurred_at": chrono::Utc::now().to_rfc3339()});
    if let Some(p) = position {
        e["position_s"] = json!(p);
    }
    e
}

/// A published contest quiz of `count` true/false questions (all answered `true`) worth
/// `points` per correct answer; returns its id and its questions in order.
pub async fn contest(app: &TestApp, room: &Newsroom, count: usize, points: i64) -> (i64, Vec<i64>) {
    let mut questions = Vec::new();
    for i in 0..count {
        let body =
            json!({"kind": "true_false", "stem": format!("判断题{i}"), "answer": true, "topic": room.topic["slug"]});
        let (status, q) = json_body(app.post_json("/admin/questions", Some(&room.editor.access), &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "{q}");
        questions.push(q["id"].as_i64().unwrap());
    }
    let body = json!({"title": format!("知识竞赛{}", questions[0]), "mode": "contest", "question_ids": questions, "points_per_correct": points});
    let (status, quiz) = json_body(app.post_json("/admin/quizzes", Some(&room.editor.access), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{quiz}");
    let id = quiz["id"].as_i64().unwrap();
    let res = app.post_json(&format!("/admin/quizzes/{id}/submit"), Some(&room.editor.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post_json(&format!("/admin/quizzes/{id}/approve"), Some(&room.reviewer.access), &json!({})).await;
    assert_eq!(res.status(), StatusCode::OK);
    (id, questions)
}

/// The points of each ledger entry in a `/me/points` page, by (action, source).
pub fn ledger_by_source(points: &Value) -> std::collections::BTreeMap<(String, String), Vec<i64>> {
    let mut ledger: std::collections::BTreeMap<(String, String), Vec<i64>> = std::collections::BTreeMap::new();
    for entry in points["items"].as_array().expect("ledger items") {
        let key = (entry["action"].as_str().unwrap().to_owned(), entry["source"].as_str().unwrap().to_owned());
        ledger.entry(key).or_default().push(entry["points"].as_i64().unwrap());
    }
    assert!(points["next_cursor"].is_null(), "the whole ledger fits in one page: {points}");
    ledger
}
