//! Wiring: state, the actix `App`, and the server. `build_app` is the one app that the
//! binary, the tests and the OpenAPI generator all use.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use metrics_exporter_prometheus::PrometheusHandle;
use utoipa_actix_web::AppExt as _;
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::api::public_cache::{self, PublicCache};
use crate::auth::jwt::KeySet;
use crate::auth::password::PasswordHasher;
use crate::auth::rate_limit::{AuthRateLimiter, LoginFailureLimiter, PasswordCheckLimiter};
use crate::clock::SharedClock;
use crate::config::Config;
use crate::db::Db;
use crate::domain::group_commit::GroupCommit;
use crate::domain::rank_snapshot::RankSnapshots;
use crate::media::MediaStore;
use crate::telemetry;

/// The longest a cached public response lives without any change to it (a safety net for
/// changes made outside the application).
const CACHE_MAX_AGE: std::time::Duration = std::time::Duration::from_mins(1);

/// What handlers share.
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub keys: Arc<KeySet>,
    pub hasher: PasswordHasher,
    pub clock: SharedClock,
    pub auth_limiter: AuthRateLimiter,
    pub login_failure_limiter: LoginFailureLimiter,
    pub password_check_limiter: PasswordCheckLimiter,
    pub metrics: PrometheusHandle,
    pub media: MediaStore,
    /// Public feed pages and details (see `api::public_cache` for when entries go).
    pub public_cache: Arc<PublicCache>,
    /// Event batches queue here for the writers that commit them in groups.
    pub event_writer: Arc<GroupCommit>,
    /// Snapshots of large boards, for the caller's own rank.
    pub rank_snapshots: Arc<RankSnapshots>,
}

impl AppState {
    /// Prepares the data dir and signing key, connects to the database and migrates it.
    pub fn build(config: Config, clock: SharedClock) -> anyhow::Result<Self> {
        config.prepare_data_dir()?;
        let keys = KeySet::from_config(&config)?;
        let media = MediaStore::from_location(&config.media)?;
        let db = Db::connect(&config)?;
        let applied = db.migrate()?;
        if applied > 0 {
            tracing::info!(applied, "applied database migrations");
        }
        let public_cache = Arc::new(PublicCache::new(config.cache_bytes, CACHE_MAX_AGE));
        db.set_listener(public_cache.clone());
        Ok(Self {
            event_writer: GroupCommit::new(
                db.clone(),
                match config.database {
                    crate::config::DatabaseUrl::Sqlite(_) => 1,
                    crate::config::DatabaseUrl::Postgres(_) => (config.db_pool_size / 2) as usize,
                },
            ),
            rank_snapshots: Arc::new(RankSnapshots::new(config.rank_snapshot_min, config.rank_snapshot_age)),
            public_cache,
            hasher: PasswordHasher::new(config.hash_concurrency),
            auth_limiter: AuthRateLimiter::per_minute(config.auth_rate_per_min),
            login_failure_limiter: LoginFailureLimiter::per_minute(config.login_failures_per_min),
            password_check_limiter: PasswordCheckLimiter::per_hour(config.password_checks_per_hour),
            keys: Arc::new(keys),
            metrics: telemetry::metrics_handle(),
            config: Arc::new(config),
            db,
            clock,
            media,
        })
    }
}

impl AppState {
    /// The attempt rules that depend on settings.
    pub fn timing(&self) -> crate::domain::attempts::Timing {
        crate::domain::attempts::Timing { grace: self.config.attempt_grace, tz: self.config.timezone }
    }
}

impl AppState {
    /// The engagement rules that depend on settings.
    pub fn engagement(&self) -> crate::domain::engagement::Settings {
        crate::domain::engagement::Settings {
            tz: self.config.timezone,
            min_read: self.config.min_read,
            complete_share: self.config.article_complete_share,
            retention: self.config.event_retention,
        }
    }

    /// The keys held usernames are hashed with.
    pub fn username_holds(&self) -> crate::domain::privacy::HoldKeys {
        crate::domain::privacy::HoldKeys::new(self.keys.username_hold_keys())
    }
}

/// Finalizes attempts abandoned past their deadline, every `attempt_sweep`, until the
/// process ends. Touching an attempt finalizes it too; this catches the ones nobody touches.
fn spawn_attempt_sweep(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.config.attempt_sweep);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let (now, timing) = (state.clock.now(), state.timing());
            match state.db.run(move |conn| crate::domain::attempts::finalize_overdue(conn, now, timing)).await {
                Ok(0) => {}
                Ok(done) => tracing::info!(done, "finalized attempts past their deadline"),
                Err(err) => tracing::warn!(error = %err, "attempt sweep failed"),
            }
        }
    });
}

/// Refreshes SQLite planner statistics and applies the retention limits (raw events,
/// ended username holds) every `event_prune_interval`, starting at once. Each batch is
/// its own short transaction.
fn spawn_event_pruning(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(state.config.event_prune_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut first = true;
        loop {
            tick.tick().await;
            // `Db::connect` refreshed the statistics at start; running it again right away
            // would race with the first writes and make plans depend on timing.
            if !std::mem::take(&mut first)
                && let Err(err) = state.db.run(|conn| Ok(crate::db::optimize(conn)?)).await
            {
                tracing::warn!(error = %err, "planner statistics refresh failed");
            }
            let (now, retention) = (state.clock.now(), state.config.event_retention);
            match crate::domain::privacy::prune(&state.db, now, retention).await {
                Ok(pruned) if pruned == crate::domain::privacy::Pruned::default() => {}
                Ok(pruned) => {
                    tracing::info!(events = pruned.events, holds = pruned.holds, "retention: removed expired data");
                }
                Err(err) => tracing::warn!(error = %err, "retention job failed"),
            }
        }
    });
}

fn cors(config: &Config) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_NONE_MATCH,
        ])
        .allowed_header(api::middleware::REQUEST_ID)
        .expose_headers([header::ETAG, header::RETRY_AFTER, header::LOCATION, header::CONTENT_RANGE])
        .expose_headers([api::middleware::REQUEST_ID])
        .max_age(3600);
    for origin in &config.cors_origins {
        cors = if origin == "*" { cors.allow_any_origin().send_wildcard() } else { cors.allowed_origin(origin) };
    }
    cors
}

/// The application: routes, OpenAPI document and docs UI, middleware, error handlers.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = cors(&state.config);
    let (app, _) = App::new().into_utoipa_app().configure(api::configure).split_for_parts();
    app.app_data(state)
        // A malformed id in a path names no resource (404), unless a concrete path lacks the method (405).
        .app_data(web::PathConfig::default().error_handler(|_, req| api::fallback::path_error(req)))
        .service(web::resource("/docs").route(
            web::get().to(|| async {
                HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/docs/")).finish()
            }),
        ))
        .service(SwaggerUi::new("/docs/{_:.*}").external_url_unchecked("/api/openapi.json", api::openapi::document()))
        // The staff console (issue 15): static files, not API, so outside the OpenAPI document.
        .configure(crate::console::configure)
        .default_service(web::to(api::fallback::fallback))
        .wrap(from_fn(api::control_chars::request_line))
        .wrap(Compress::default())
        .wrap(cors)
        .wrap(from_fn(api::fallback::problem_bodies))
        .wrap(from_fn(api::head::head_as_get))
        .wrap(from_fn(api::middleware::request_context))
}

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    pub fn build(config: Config, clock: SharedClock) -> anyhow::Result<Self> {
        let listener =
            TcpListener::bind(config.bind).map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        Self::build_with_listener(config, clock, listener)
    }

    pub fn build_with_listener(config: Config, clock: SharedClock, listener: TcpListener) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let (workers, shutdown) = (config.workers, config.shutdown_timeout.as_secs());
        let state = web::Data::new(AppState::build(config, clock)?);
        // Compute the dummy hash (used for unknown usernames) before the first login.
        crate::auth::password::warm_up();
        spawn_attempt_sweep(state.clone());
        spawn_event_pruning(state.clone());
        if state.public_cache.enabled() {
            public_cache::spawn_recheck(state.db.clone(), state.public_cache.clone(), state.config.cache_recheck);
        }
        let app_state = state.clone();
        let server = HttpServer::new(move || build_app(app_state.clone()))
            .workers(workers)
            .shutdown_timeout(shutdown)
            .listen(listener)?
            .run();
        Ok(Self { port, server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state, for tools and tests that need the pool or the clock.
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (then lets in-flight requests finish) or a stop call.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
