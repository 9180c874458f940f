//! The test harness: every test gets its own database (a temp SQLite file, or a fresh
//! PostgreSQL database when `TONGXIN_TEST_DATABASE_URL` is set), built by the real
//! migrations, and talks HTTP to the app built by the same `build_app` the binary runs.

use std::net::TcpListener;
use std::sync::Arc;

use diesel::r2d2::ManageConnection as _;
use diesel::{Connection as _, RunQueryDsl as _};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use tongxin::auth::password::Password;
use tongxin::clock::OffsetClock;
use tongxin::config::Config;
use tongxin::db::{ConnectionManager, DbConn};
use tongxin::startup::{AppState, Application};

pub const PASSWORD: &str = "Unity-2026-pass";

/// A database that exists for one test and is removed after it.
pub enum TestDatabase {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
    /// Another app's database, borrowed (that app removes it).
    Shared {
        url: String,
        postgres: bool,
    },
}

impl TestDatabase {
    pub fn create() -> Self {
        match std::env::var("TONGXIN_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let admin_url = without_tls(&admin_url);
                let name = format!("tongxin_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin =
                    diesel::PgConnection::establish(&admin_url).expect("connect to TONGXIN_TEST_DATABASE_URL");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create test database");
                let mut url = url::Url::parse(&admin_url).expect("TONGXIN_TEST_DATABASE_URL is a URL");
                url.set_path(&name);
                Self::Postgres { admin_url, name, url: url.to_string() }
            }
            _ => Self::sqlite(),
        }
    }

    /// A temp SQLite file whatever the environment says (for SQLite-only checks).
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self::Sqlite { _dir: dir, url }
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } | Self::Shared { url, .. } => url,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. } | Self::Shared { postgres: true, .. })
    }
}

/// The test server is on loopback: no TLS or GSSAPI negotiation. Besides being
/// pointless there, libpq's OpenSSL teardown at process exit can abort a test process
/// whose server threads are still connecting (seen as a rare SIGABRT after a passing
/// test). An explicit `sslmode` in the URL is kept.
fn without_tls(url: &str) -> String {
    if url.contains("sslmode=") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}sslmode=disable&gssencmode=disable")
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name, .. } = self
            && let Ok(mut admin) = diesel::PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Arc<OffsetClock>,
    pub config: Config,
    pub state: actix_web::web::Data<AppState>,
    handle: actix_web::dev::ServerHandle,
    // Dropped last: the server must stop before its database goes.
    pub database: TestDatabase,
    _data_dir: tempfile::TempDir,
}

/// Tokens and identity of a user a test created.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub username: String,
    pub access: String,
    pub refresh: String,
}

impl Session {
    fn from_body(body: &Value) -> Self {
        Self {
            id: body["user"]["id"].as_i64().expect("user.id"),
            username: body["user"]["username"].as_str().expect("user.username").to_owned(),
            access: body["access_token"].as_str().expect("access_token").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh_token").to_owned(),
        }
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// Starts the app with these settings on top of the test defaults. Async because the
    /// server is spawned on the test's runtime.
    #[allow(clippy::unused_async)]
    pub async fn spawn_with(settings: &[(&str, &str)]) -> Self {
        Self::spawn_on(TestDatabase::create(), settings)
    }

    /// A second instance on this app's database (as when several instances share one).
    #[allow(clippy::unused_async)]
    pub async fn spawn_beside(&self, settings: &[(&str, &str)]) -> Self {
        let shared =
            TestDatabase::Shared { url: self.database.url().to_owned(), postgres: self.database.is_postgres() };
        Self::spawn_on(shared, settings)
    }

    /// Starts the app with the shipped auth limits (per address and per login name), which
    /// the other constructors turn off per address so tests may log in freely.
    #[allow(clippy::unused_async)]
    pub async fn spawn_with_default_limits(settings: &[(&str, &str)]) -> Self {
        Self::spawn_inner(TestDatabase::create(), settings, true)
    }

    pub fn spawn_on(database: TestDatabase, settings: &[(&str, &str)]) -> Self {
        Self::spawn_inner(database, settings, false)
    }

    fn spawn_inner(database: TestDatabase, settings: &[(&str, &str)], default_limits: bool) -> Self {
        init_test_logs();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let data_path = data_dir.path().display().to_string();
        let mut pairs: Vec<(&str, &str)> = vec![
            ("database_url", database.url()),
            ("data_dir", &data_path),
            ("workers", "1"),
            ("db_pool_size", "4"),
            ("shutdown_timeout_s", "1"),
        ];
        if !default_limits {
            pairs.push(("auth_rate_per_min", "0"));
        }
        pairs.extend_from_slice(settings);
        let config = Config::from_pairs(&pairs).expect("test config");
        let clock = Arc::new(OffsetClock::default());
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let app = Application::build_with_listener(config.clone(), clock.clone(), listener).expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        let state = app.state();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { address, client, clock, config, state, handle, database, _data_dir: data_dir }
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') && !path.starts_with("/api/v1") && !is_ops(path) {
            format!("{}/api/v1{path}", self.address)
        } else {
            format!("{}{path}", self.address)
        }
    }

    /// A request builder for `path` (relative to `/api/v1` unless it is an ops path).
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let mut builder = self.client.request(method, self.url(path));
        if let Some(token) = token {
            builder = builder.bearer_auth(token);
        }
        builder
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token).send().await.expect("request")
    }

    pub async fn send_json(&self, method: Method, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(method, path, token).json(body).send().await.expect("request")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(Method::POST, path, token, body).await
    }

    pub async fn patch_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(Method::PATCH, path, token, body).await
    }

    /// Registers a learner with the given extra fields and returns its session.
    pub async fn register_with(&self, username: &str, extra: Value) -> Session {
        let mut body = json!({
            "username": username,
            "password": PASSWORD,
            "display_name": format!("学员{username}"),
            "audience": "public",
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let res = self.post_json("/auth/register", None, &body).await;
        let (status, body) = json_body(res).await;
        assert_eq!(status, StatusCode::CREATED, "register {username}: {body}");
        Session::from_body(&body)
    }

    pub async fn register(&self, username: &str) -> Session {
        self.register_with(username, json!({})).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post_json("/auth/login", None, &json!({"username": username, "password": password})).await
    }

    pub async fn login_ok(&self, username: &str) -> Session {
        self.login_ok_with(username, PASSWORD).await
    }

    pub async fn login_ok_with(&self, username: &str, password: &str) -> Session {
        let (status, body) = json_body(self.login(username, password).await).await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        Session::from_body(&body)
    }

    /// Creates an administrator the way an operator does (`tongxin create-admin`), then logs in.
    pub async fn admin(&self, username: &str) -> Session {
        tongxin::cli::create_admin(self.config.clone(), username, &Password::new(PASSWORD))
            .await
            .expect("create admin");
        self.login_ok(username).await
    }

    /// Registers a learner, gives it `role` (and an organization) as the admin, and logs it in again.
    pub async fn staff(&self, admin: &Session, username: &str, role: &str, org_id: Option<i64>) -> Session {
        let user = self.register(username).await;
        let res = self
            .patch_json(
                &format!("/admin/users/{}", user.id),
                Some(&admin.access),
                &json!({"role": role, "organization_id": org_id}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "make {username} {role}");
        self.login_ok(username).await
    }

    /// Creates an organization as `admin` and returns its JSON.
    pub async fn create_org(&self, admin: &Session, name: &str, kind: &str, parent: Option<i64>) -> Value {
        let res = self
            .post_json(
                "/admin/organizations",
                Some(&admin.access),
                &json!({"name": name, "kind": kind, "parent_id": parent}),
            )
            .await;
        let (status, body) = json_body(res).await;
        assert_eq!(status, StatusCode::CREATED, "create org {name}: {body}");
        body
    }

    /// A direct connection to the test database, to check what requests left behind.
    pub fn db(&self) -> DbConn {
        ConnectionManager::new(&self.config).connect().expect("connect to the test database")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command now; the workers wind down on their own threads.
        drop(self.handle.stop(false));
    }
}

/// `days` days after today (UTC) at `hour:minute` UTC: a clock setting relative to the day
/// the test runs, never a calendar date that will one day lie in the past.
pub fn utc_day_at(days: i64, hour: u32, minute: u32) -> chrono::DateTime<chrono::Utc> {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days))
        .and_hms_opt(hour, minute, 0)
        .expect("a valid time of day")
        .and_utc()
}

/// The date part of an instant as `YYYY-MM-DD` (of the UTC day unless shifted first).
pub fn ymd(at: chrono::DateTime<chrono::Utc>) -> String {
    at.date_naive().format("%Y-%m-%d").to_string()
}

fn is_ops(path: &str) -> bool {
    ["/healthz", "/readyz", "/metrics", "/docs", "/api/openapi.json", "/console"].iter().any(|p| path.starts_with(p))
}

/// Status and parsed JSON body (Null when the body is empty or not JSON).
pub async fn json_body(res: Response) -> (StatusCode, Value) {
    let status = res.status();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Asserts a problem+json response with this status and code; returns the body.
pub async fn assert_problem(res: Response, status: StatusCode, code: &str) -> Value {
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let (actual, body) = json_body(res).await;
    assert_eq!(actual, status, "status for {body}");
    assert_eq!(content_type, "application/problem+json", "content type for {body}");
    assert_eq!(body["code"], code, "code in {body}");
    assert_eq!(body["status"], status.as_u16(), "status field in {body}");
    assert!(
        body["title"].is_string() && body["detail"].is_string() && body["type"].is_string(),
        "problem shape: {body}"
    );
    body
}

/// Asserts a 422 `validation_failed` naming exactly these fields (in any order).
pub async fn assert_invalid(res: Response, fields: &[&str]) -> Value {
    let problem = assert_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_names_fields(&problem, fields);
    problem
}

/// The problem's `errors` name exactly these fields, in any order.
fn assert_names_fields(problem: &Value, fields: &[&str]) {
    let mut named = error_fields(problem);
    named.sort();
    let mut expected: Vec<String> = fields.iter().map(|f| (*f).to_owned()).collect();
    expected.sort();
    assert_eq!(named, expected, "fields in {problem}");
}

/// A 404 `unknown_reference` naming exactly these fields: well formed, but naming nothing
/// that exists (or that the caller may see).
pub async fn assert_unknown_reference(res: Response, fields: &[&str]) -> Value {
    let problem = assert_problem(res, StatusCode::NOT_FOUND, "unknown_reference").await;
    assert_names_fields(&problem, fields);
    problem
}

/// The fields named in a validation problem's `errors`.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn init_test_logs() {
    // TEST_LOG=1 shows the app's logs while debugging a test.
    if std::env::var("TEST_LOG").is_ok() {
        tongxin::telemetry::init_logs("info", tongxin::config::LogFormat::Pretty);
    }
}

pub const CLIP: &[u8] = include_bytes!("../../demo/media/clip-1.mp4");
pub const POSTER: &[u8] = include_bytes!("../../demo/media/poster-1.jpg");

/// The people who publish: an admin, an editor and a reviewer, and a topic to write in.
pub struct Newsroom {
    pub admin: Session,
    pub editor: Session,
    pub reviewer: Session,
    pub topic: Value,
}

impl TestApp {
    pub async fn newsroom(&self) -> Newsroom {
        let admin = self.admin("root_admin").await;
        let editor = self.staff(&admin, "editor_li", "editor", None).await;
        let reviewer = self.staff(&admin, "reviewer_wang", "reviewer", None).await;
        let topic = self.create_topic(&admin, "ethnic-view", "民族观", "Ethnic view").await;
        Newsroom { admin, editor, reviewer, topic }
    }

    pub async fn create_topic(&self, admin: &Session, slug: &str, zh: &str, en: &str) -> Value {
        let body = json!({"slug": slug, "names": {"zh-Hans": zh, "en": en}});
        let (status, topic) = json_body(self.post_json("/admin/topics", Some(&admin.access), &body).await).await;
        assert_eq!(status, StatusCode::CREATED, "{topic}");
        topic
    }

    /// Creates a draft article as the editor; returns its id.
    pub async fn draft_article(&self, room: &Newsroom, title: &str, body: &str) -> i64 {
        let req = json!({
            "kind": "article", "title": title, "summary": format!("{title}的摘要"), "body_markdown": body,
            "topic": room.topic["slug"], "audiences": ["public", "junior"], "tags": ["示例"],
        });
        let (status, created) =
            json_body(self.post_json("/admin/contents", Some(&room.editor.access), &req).await).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["id"].as_i64().unwrap()
    }

    /// Submits as the editor and approves as the reviewer (optionally for later).
    pub async fn publish(&self, room: &Newsroom, id: i64, publish_at: Option<&str>) {
        let res = self.post_json(&format!("/admin/contents/{id}/submit"), Some(&room.editor.access), &json!({})).await;
        assert_eq!(res.status(), StatusCode::OK, "submit {id}");
        let body = publish_at.map_or_else(|| json!({}), |at| json!({"publish_at": at}));
        let res = self.post_json(&format!("/admin/contents/{id}/approve"), Some(&room.reviewer.access), &body).await;
        assert_eq!(res.status(), StatusCode::OK, "approve {id}");
    }

    /// Changes a published content through review: its author (the editor) proposes the
    /// change and submits it, the reviewer approves it.
    pub async fn revise(&self, room: &Newsroom, id: i64, change: &Value) {
        let res = self.patch_json(&format!("/admin/contents/{id}"), Some(&room.editor.access), change).await;
        assert_eq!(res.status(), StatusCode::OK, "propose a change to {id}");
        let res = self.post_json(&format!("/admin/contents/{id}/submit"), Some(&room.editor.access), &json!({})).await;
        assert_eq!(res.status(), StatusCode::OK, "submit the change to {id}");
        let res =
            self.post_json(&format!("/admin/contents/{id}/approve"), Some(&room.reviewer.access), &json!({})).await;
        assert_eq!(res.status(), StatusCode::OK, "approve the change to {id}");
    }

    pub async fn published_article(&self, room: &Newsroom, title: &str, body: &str) -> i64 {
        let id = self.draft_article(room, title, body).await;
        self.publish(room, id, None).await;
        id
    }

    /// Uploads a file as multipart part `file`.
    pub async fn upload(&self, token: &str, bytes: &[u8], file_name: &str, mime: &str) -> Response {
        let part =
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(file_name.to_owned()).mime_str(mime).unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        self.request(Method::POST, "/admin/media", Some(token)).multipart(form).send().await.expect("upload")
    }

    /// Uploads the demo clip and poster and publishes a video with them; returns (content, video, poster) ids.
    pub async fn published_video(&self, room: &Newsroom, title: &str) -> (i64, i64, i64) {
        let (_, video) = json_body(self.upload(&room.editor.access, CLIP, "clip.mp4", "video/mp4").await).await;
        let (_, poster) = json_body(self.upload(&room.editor.access, POSTER, "poster.jpg", "image/jpeg").await).await;
        let req = json!({
            "kind": "video", "title": title, "summary": "微视频", "topic": room.topic["id"], "audiences": ["public"],
            "media_id": video["id"], "poster_media_id": poster["id"],
        });
        let (status, created) =
            json_body(self.post_json("/admin/contents", Some(&room.editor.access), &req).await).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_i64().unwrap();
        self.publish(room, id, None).await;
        (id, video["id"].as_i64().unwrap(), poster["id"].as_i64().unwrap())
    }
}

/// A small MP4 whose header (`moov/mvhd`, ahead of the media data as in a "fast start"
/// file) says it lasts `seconds`: enough for the server to read its duration. Not
/// playable; different durations give different files.
pub fn mp4_lasting(seconds: u32) -> Vec<u8> {
    fn boxed(kind: [u8; 4], body: &[u8]) -> Vec<u8> {
        let size = u32::try_from(body.len() + 8).expect("small box");
        [&size.to_be_bytes()[..], &kind, body].concat()
    }
    let ftyp = boxed(*b"ftyp", b"isom\0\0\x02\0isomiso2mp41");
    // mvhd version 0: flags, creation and modification times, then timescale and duration.
    let mut mvhd = vec![0u8; 100];
    mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
    mvhd[16..20].copy_from_slice(&(seconds * 1000).to_be_bytes());
    let moov = boxed(*b"moov", &boxed(*b"mvhd", &mvhd));
    let mdat = boxed(*b"mdat", &[0u8; 8192]);
    [ftyp, moov, mdat].concat()
}

/// The test app's "now" (its clock may have been moved).
pub fn now(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    use tongxin::clock::Clock as _;
    app.clock.now()
}

/// Today in the service's time zone (the test default, Asia/Shanghai).
pub fn today(app: &TestApp) -> chrono::NaiveDate {
    now(app).with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// One engagement event as the app sends it, with a fresh id.
pub fn event_at(kind: &str, content: i64, position: Option<i64>, at: chrono::DateTime<chrono::Utc>) -> Value {
    let mut e = json!({"id": uuid::Uuid::new_v4().to_string(), "kind": kind, "content_id": content, "occurred_at": at.to_rfc3339()});
    if let Some(p) = position {
        e["position_s"] = json!(p);
    }
    e
}

/// Sends a batch of events as `who`; every one must be accepted.
pub async fn send_events(app: &TestApp, who: &Session, events: &[Value]) {
    let (status, body) = json_body(app.post_json("/events", Some(&who.access), &json!({"events": events})).await).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["rejected"].as_array().unwrap().is_empty(), "{body}");
}

/// GET `path` as `who`, which must answer 200; its JSON body.
pub async fn get_ok(app: &TestApp, path: &str, who: &Session) -> Value {
    let (status, body) = json_body(app.get(path, Some(&who.access)).await).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    body
}
