//! Migrations run up, down and up again on the backend under test (CI runs this suite
//! on SQLite and on PostgreSQL), and the connection settings each backend needs hold.

use diesel::prelude::*;
use diesel::r2d2::ManageConnection as _;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::MigrationHarness as _;
use tongxin::config::Config;
use tongxin::db::{ConnectionManager, DbConn, migrate};

use crate::helpers::*;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

fn tables(conn: &mut DbConn) -> Vec<String> {
    let sql = match conn {
        DbConn::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        DbConn::Pg(_) => {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
        }
    };
    diesel::sql_query(sql).load::<Name>(conn).unwrap().into_iter().map(|n| n.name).collect()
}

fn connect(database: &TestDatabase, extra: &[(&str, &str)]) -> DbConn {
    let mut pairs = vec![("database_url", database.url())];
    pairs.extend_from_slice(extra);
    ConnectionManager::new(&Config::from_pairs(&pairs).unwrap()).connect().unwrap()
}

#[test]
fn every_migration_runs_up_down_and_up_again() {
    let database = TestDatabase::create();
    let mut conn = connect(&database, &[]);
    let applied = migrate(&mut conn).unwrap();
    assert!(applied >= 1);
    let after_first_up = tables(&mut conn);
    for table in ["organizations", "users", "refresh_tokens"] {
        assert!(after_first_up.contains(&table.to_owned()), "{table} in {after_first_up:?}");
    }
    let migrations = conn.migrations();
    conn.revert_all_migrations(migrations).unwrap();
    assert_eq!(tables(&mut conn), ["__diesel_schema_migrations"], "down removes everything up created");
    assert_eq!(migrate(&mut conn).unwrap(), applied);
    assert_eq!(tables(&mut conn), after_first_up, "up again gives the same tables");
    assert_eq!(migrate(&mut conn).unwrap(), 0, "nothing left pending");
}

#[test]
fn sqlite_connections_enforce_foreign_keys_and_wait_for_writers() {
    let database = TestDatabase::create();
    let mut conn = connect(&database, &[]);
    if !matches!(conn, DbConn::Sqlite(_)) {
        return;
    }
    let fk = diesel::sql_query("SELECT foreign_keys AS value FROM pragma_foreign_keys")
        .get_result::<Number>(&mut conn)
        .unwrap();
    assert_eq!(fk.value, 1);
    let busy =
        diesel::sql_query("SELECT timeout AS value FROM pragma_busy_timeout").get_result::<Number>(&mut conn).unwrap();
    assert!(busy.value >= 1000, "busy_timeout {}", busy.value);
}

#[tokio::test]
async fn a_served_sqlite_database_runs_in_wal_mode() {
    let app = TestApp::spawn().await;
    let mut conn = app.db();
    if !matches!(conn, DbConn::Sqlite(_)) {
        return;
    }
    let mode = diesel::sql_query("SELECT journal_mode AS name FROM pragma_journal_mode")
        .get_result::<Name>(&mut conn)
        .unwrap();
    assert_eq!(mode.name, "wal");
}

#[test]
fn postgres_connections_stop_statements_that_run_too_long() {
    let database = TestDatabase::create();
    if !database.is_postgres() {
        return;
    }
    let mut conn = connect(&database, &[("db_statement_timeout_ms", "100")]);
    let err = diesel::sql_query("SELECT pg_sleep(2)").execute(&mut conn).unwrap_err();
    assert!(err.to_string().contains("statement timeout"), "{err}");
}
