//! Where each backend's bench data lives, and how it is created, migrated and seeded.
//!
//! `<data-dir>/sqlite/`: `tongxin.db`, `media/`, `run/` (tokens, paths, logs), `seed.json`.
//! `<data-dir>/postgres/`: `media/`, `run/`, `seed.json`; the database is `--pg-url`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::dataset::{self, Scale};
use crate::db::{self, Db};
use crate::process;
use crate::seed::{self, Seeded};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Sqlite,
    Postgres,
}

pub struct Backend {
    pub kind: Kind,
    pub dir: PathBuf,
    pub database_url: String,
}

impl Backend {
    pub fn new(kind: Kind, data_dir: &Path, pg_url: &str) -> Self {
        let dir = data_dir.join(match kind {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
        });
        let database_url = match kind {
            Kind::Sqlite => format!("sqlite://{}", dir.join("tongxin.db").display()),
            Kind::Postgres => pg_url.to_owned(),
        };
        Self { kind, dir, database_url }
    }

    pub fn title(&self) -> &'static str {
        match self.kind {
            Kind::Sqlite => "SQLite",
            Kind::Postgres => "PostgreSQL",
        }
    }

    pub fn sqlite_file(&self) -> PathBuf {
        self.dir.join("tongxin.db")
    }

    pub fn run_dir(&self) -> PathBuf {
        self.dir.join("run")
    }

    fn seed_file(&self) -> PathBuf {
        self.dir.join("seed.json")
    }

    pub fn connect(&self) -> anyhow::Result<Db> {
        match self.kind {
            Kind::Sqlite => Db::sqlite(&self.sqlite_file()),
            Kind::Postgres => Db::postgres(&self.database_url),
        }
    }

    /// What `seed` left here, or an error saying to seed first.
    pub fn seeded(&self) -> anyhow::Result<Seeded> {
        let path = self.seed_file();
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{} is not seeded ({} missing): run the `seed` or `all` command first",
                self.title(),
                path.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("read {}", path.display()))
    }

    /// An empty database and data folder, migrated by the server's own `migrate`.
    fn recreate(&self) -> anyhow::Result<()> {
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir).with_context(|| format!("remove {}", self.dir.display()))?;
        }
        std::fs::create_dir_all(self.run_dir()).with_context(|| format!("create {}", self.dir.display()))?;
        if self.kind == Kind::Postgres {
            let name = db::database_of(&self.database_url).context("--pg-url names no database")?;
            anyhow::ensure!(
                name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                "database name `{name}`: letters, digits and _ only"
            );
            let mut admin = Db::postgres(&db::with_database(&self.database_url, "postgres"))?;
            admin.batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
            admin.batch(&format!("CREATE DATABASE {name}"))?;
        }
        let status =
            process::tongxin(&self.database_url, &self.dir)?.arg("migrate").status().context("tongxin migrate")?;
        anyhow::ensure!(status.success(), "tongxin migrate failed ({status})");
        Ok(())
    }

    /// Recreates, migrates and seeds; prints the time each step took.
    pub fn seed(&self, scale: Scale) -> anyhow::Result<Seeded> {
        eprintln!(
            "== seeding {}: {} contents, {} learners, {} events ==",
            self.title(),
            scale.contents,
            scale.learners,
            scale.events()
        );
        self.recreate()?;
        let mut db = self.connect()?;
        let seeded = seed::seed(&mut db, scale, &self.dir.join("media"), dataset::local_today())?;
        drop(db);
        std::fs::write(self.seed_file(), serde_json::to_string_pretty(&seeded)?)?;
        eprintln!("== {} seeded in {:.1} s ==", self.title(), seeded.seconds);
        Ok(seeded)
    }

    /// The server's own version string of the database.
    pub fn version(&self) -> anyhow::Result<String> {
        let mut db = self.connect()?;
        match self.kind {
            Kind::Sqlite => db.text("SELECT sqlite_version()"),
            Kind::Postgres => db.text("SELECT version()"),
        }
    }
}
