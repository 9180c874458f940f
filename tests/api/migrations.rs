//! Migrations run up, down and up again on the backend under test (CI runs this suite
//! on SQLite and on PostgreSQL), and the connection settings each backend needs hold.

use diesel::prelude::*;
use diesel::r2d2::ManageConnection as _;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::MigrationHarness as _;
use reqwest::StatusCode;
use serde_json::json;
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

#[tokio::test]
async fn existing_accounts_get_their_username_skeletons_when_the_database_is_migrated() {
    use tongxin::db::models::users::username_skeleton;
    use tongxin::db::schema::users;
    let app = TestApp::spawn().await;
    let first = app.register("xiaoming").await;
    let other = app.register("zhangwei").await;
    let twin = app.register("placeholder").await;
    // As a database from before the column: no skeletons, and a look-alike pair that the
    // old rules let in (Cyrillic х).
    let mut conn = app.db();
    diesel::update(users::table).set(users::username_skeleton.eq(None::<String>)).execute(&mut conn).unwrap();
    diesel::update(users::table.find(twin.id))
        .set((users::username.eq("\u{0445}iaoming"), users::username_key.eq("\u{0445}iaoming")))
        .execute(&mut conn)
        .unwrap();

    assert_eq!(migrate(&mut conn).unwrap(), 0, "no migration pending, yet the skeletons are computed");
    let skeleton = |id: i64, conn: &mut DbConn| -> Option<String> {
        users::table.find(id).select(users::username_skeleton).first(conn).unwrap()
    };
    assert_eq!(skeleton(first.id, &mut conn), Some(username_skeleton("xiaoming")));
    assert_eq!(skeleton(other.id, &mut conn), Some(username_skeleton("zhangwei")));
    assert_eq!(skeleton(twin.id, &mut conn), None, "the later of two look-alikes keeps its name, not the skeleton");
    assert_eq!(username_skeleton("\u{0445}iaoming"), username_skeleton("xiaoming"));

    // From now on a third look-alike is refused, and the twins both still sign in.
    let body =
        json!({"username": "xiaom\u{0456}ng", "password": PASSWORD, "display_name": "小明", "audience": "public"});
    assert_problem(app.post_json("/auth/register", None, &body).await, StatusCode::CONFLICT, "username_confusable")
        .await;
    app.login_ok("\u{0445}iaoming").await;
    app.login_ok("xiaoming").await;
    assert_eq!(migrate(&mut conn).unwrap(), 0);
    assert_eq!(skeleton(twin.id, &mut conn), None, "a second run changes nothing");
}
