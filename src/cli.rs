//! The operator's commands. `main.rs` only parses arguments and reports errors.

use std::io::Read as _;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::auth::password::{Password, PasswordHasher};
use crate::clock::{Clock as _, SystemClock};
use crate::config::Config;
use crate::db::Db;
use crate::demo;
use crate::domain::{accounts, privacy};
use crate::media::MediaStore;
use crate::startup::Application;
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(name = "tongxin", version, about = "Tongxin (同心): publicity-and-education backend")]
pub struct Cli {
    /// Settings file (default: ./tongxin.toml when it exists).
    #[arg(long, global = true, env = "TONGXIN_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve HTTP until SIGINT/SIGTERM.
    Serve {
        /// Load the demo data set first when the database is empty, and print its accounts.
        #[arg(long)]
        demo: bool,
    },
    /// Load the demo data set into an empty database.
    SeedDemo,
    /// Apply pending migrations and exit.
    Migrate,
    /// Create an administrator, or promote an existing account and reset its password.
    CreateAdmin {
        #[arg(long)]
        username: String,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Print the OpenAPI document the server serves.
    Openapi,
    /// Delete raw engagement events older than TONGXIN_EVENT_RETENTION_DAYS (and username
    /// holds that have ended) once, now, and print how many were removed. `serve` does the
    /// same every hour.
    PruneEvents,
}

/// Errors that stop the process: printed as one line, exit code 2 for configuration.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

impl CliError {
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Config(_) => 2,
            Self::Other(_) => 1,
        }
    }
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    if let Command::Openapi = cli.command {
        use std::io::Write as _;
        // A closed pipe (`tongxin openapi | head`) is not an error worth a panic.
        let _ = std::io::stdout().write_all(crate::api::openapi::document_json().as_bytes());
        return Ok(());
    }
    let config = Config::load(cli.config.as_deref())?;
    telemetry::init_logs(&config.log_filter, config.log_format);
    match cli.command {
        Command::Serve { demo } => serve(config, demo).await,
        Command::SeedDemo => seed_demo(config).await,
        Command::Migrate => {
            let (config, applied) = tokio::task::spawn_blocking(move || migrate(&config).map(|n| (config, n)))
                .await
                .map_err(anyhow::Error::from)??;
            tracing::info!(applied, database = ?config.database, "migrations are up to date");
            Ok(())
        }
        Command::CreateAdmin { username, .. } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password).map_err(anyhow::Error::from)?;
            let password = Password::new(password.trim_end_matches(['\r', '\n']));
            create_admin(config, &username, &password).await
        }
        Command::PruneEvents => {
            let pruned = prune_events(config).await?;
            println!("{}", pruned_message(pruned));
            Ok(())
        }
        Command::Openapi => Ok(()),
    }
}

/// Applies the retention limits once (what `serve` does every hour).
pub async fn prune_events(config: Config) -> Result<(Option<std::time::Duration>, privacy::Pruned), CliError> {
    config.prepare_data_dir()?;
    let retention = config.event_retention;
    let db = tokio::task::spawn_blocking(move || -> Result<Db, CliError> {
        let db = Db::connect(&config)?;
        db.migrate()?;
        Ok(db)
    })
    .await
    .map_err(anyhow::Error::from)??;
    let pruned = privacy::prune(&db, SystemClock.now(), retention).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((retention, pruned))
}

fn pruned_message((retention, pruned): (Option<std::time::Duration>, privacy::Pruned)) -> String {
    match retention {
        None => format!(
            "event retention is off (TONGXIN_EVENT_RETENTION_DAYS=0): 0 events removed; {} ended username holds removed",
            pruned.holds
        ),
        Some(keep) => format!(
            "removed {} events older than {} days; {} ended username holds removed",
            pruned.events,
            keep.as_secs() / 86_400,
            pruned.holds
        ),
    }
}

async fn serve(config: Config, demo: bool) -> Result<(), CliError> {
    config.prepare_data_dir()?;
    let bind = config.bind;
    let backend = config.database.backend_name();
    let app = Application::build(config, Arc::new(SystemClock))?;
    if demo {
        let state = app.state();
        let loaded = demo::load(&state.config, &state.db, &state.media, SystemClock.now())
            .await
            .map_err(|e| anyhow::anyhow!("loading the demo data failed: {e:#}"))?;
        if loaded {
            println!("{}", demo::banner(&format!("http://{}:{}", bind.ip(), app.port())));
        } else {
            tracing::info!("the database is not empty: demo data not loaded");
        }
    }
    tracing::info!(%bind, port = app.port(), backend, "tongxin is serving");
    app.run_until_stopped().await.map_err(anyhow::Error::from)?;
    tracing::info!("stopped");
    Ok(())
}

async fn seed_demo(config: Config) -> Result<(), CliError> {
    config.prepare_data_dir()?;
    let store = MediaStore::from_location(&config.media)?;
    let db = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || -> Result<Db, CliError> {
            let db = Db::connect(&config)?;
            db.migrate()?;
            Ok(db)
        })
        .await
        .map_err(anyhow::Error::from)??
    };
    let loaded = demo::load(&config, &db, &store, SystemClock.now())
        .await
        .map_err(|e| anyhow::anyhow!("loading the demo data failed: {e:#}"))?;
    if !loaded {
        return Err(CliError::Other(anyhow::anyhow!(
            "the database is not empty; the demo data set loads only into an empty one"
        )));
    }
    println!("{}", demo::banner(&format!("http://{}", config.bind)));
    Ok(())
}

fn migrate(config: &Config) -> Result<usize, CliError> {
    config.prepare_data_dir()?;
    Ok(Db::connect(config)?.migrate()?)
}

/// Creates the account with the admin role, or promotes an existing one (and resets its
/// password to the one given).
pub async fn create_admin(config: Config, username: &str, password: &Password) -> Result<(), CliError> {
    let name = accounts::check_username(username).map_err(|e| anyhow::anyhow!("--username {}", e.message))?;
    accounts::check_password("password", password.expose(), Some(&name.key))
        .map_err(|e| anyhow::anyhow!("password {}", e.message))?;
    let hasher = PasswordHasher::new(1);
    let hash = hasher.hash(password).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = SystemClock.now();
    let outcome = tokio::task::spawn_blocking(move || -> Result<accounts::AdminOutcome, CliError> {
        config.prepare_data_dir()?;
        let holds = privacy::HoldKeys::new(crate::auth::jwt::KeySet::from_config(&config)?.username_hold_keys());
        let db = Db::connect(&config)?;
        db.migrate()?;
        let mut conn = db.pool().get().map_err(anyhow::Error::from)?;
        accounts::ensure_admin(&mut conn, &name, &hash, &holds, now)
            .map_err(|e| CliError::Other(anyhow::anyhow!("{e}")))
    })
    .await
    .map_err(anyhow::Error::from)??;
    match outcome {
        accounts::AdminOutcome::Created(id) => println!("created administrator {username} (id {id})"),
        accounts::AdminOutcome::Promoted(id) => {
            println!("promoted {username} (id {id}) to administrator and set the new password");
        }
    }
    Ok(())
}
