//! Filling a database: the scratch database itself (a SQLite file, or a database of its own on
//! a PostgreSQL server), the project's migrations as the server runs them, then the county,
//! 50,000 villagers and the reports in multi-row INSERTs, a transaction per 50,000 rows, and
//! the bench's staff accounts (made with `cunxiang create-user`'s code, so their passwords are
//! hashed as the server expects).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, NaiveDateTime, Utc};
use cunxiang_api::Settings;
use cunxiang_bench::measure::progress_bar;
use cunxiang_storage::{DatabaseTarget, DbConn};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::org::{self, County};
use super::reports::{DAYS, END_SECS, Generator};
use super::schema::{self, UserRow};

/// Villagers who make the reports.
pub const VILLAGERS: usize = 50_000;
/// The bench's admin account and its password (also of the township supervisor).
pub const ADMIN: &str = "kpi-bench-admin";
/// A supervisor of the first township's 综治中心: a scoped caller.
pub const SUPERVISOR: &str = "kpi-bench-township";
/// Password of both accounts.
pub const PASSWORD: &str = "kpi-bench-password-2026";
/// Rows per INSERT (32 columns × 1,000 binds stays under SQLite's 32,766).
const ROWS_PER_INSERT: usize = 1000;
/// INSERTs per transaction.
const INSERTS_PER_TRANSACTION: usize = 50;
/// Seed of the reports.
const SEED: u64 = 0x4B50_4953;

/// Which database engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A SQLite file.
    Sqlite,
    /// A database on a PostgreSQL server.
    Postgres,
}

impl Engine {
    /// Its name in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// A database the bench fills and measures.
pub struct Database {
    /// Its engine.
    pub engine: Engine,
    /// `DATABASE_URL` for the server.
    pub url: String,
    /// Where it is, for people: the SQLite file, or the PostgreSQL database's name.
    pub place: String,
    /// On drop, remove it (the run did not ask to keep it): `(admin URL, name)` on
    /// PostgreSQL, the file on SQLite.
    remove: Option<Removal>,
}

enum Removal {
    File(PathBuf),
    Postgres(String, String),
}

impl Drop for Database {
    fn drop(&mut self) {
        match self.remove.take() {
            Some(Removal::File(path)) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Some(Removal::Postgres(admin, name)) => {
                if let Ok(mut c) = PgConnection::establish(&admin) {
                    let _ = c
                        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
                }
            }
            None => {}
        }
    }
}

/// What generation did.
#[derive(Debug, Clone, Copy)]
pub struct Generated {
    /// Reports inserted (0 when an existing database was reused).
    pub reports: usize,
    /// Seconds for everything (migrations, county, villagers, reports, accounts).
    pub seconds: f64,
    /// Seconds for the reports alone.
    pub report_seconds: f64,
}

/// The SQLite database file `kpi-bench.db` in `dir`.
pub fn sqlite(dir: &Path, keep: bool) -> Database {
    let path = dir.join("kpi-bench.db");
    Database {
        engine: Engine::Sqlite,
        url: format!("sqlite://{}", path.display()),
        place: path.display().to_string(),
        remove: (!keep).then_some(Removal::File(path)),
    }
}

/// The database `name` on the server of `admin` (created if missing).
pub fn postgres(admin: &str, name: &str, keep: bool) -> anyhow::Result<Database> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        anyhow::bail!("--pg-db {name:?}: use letters, digits and '_' only");
    }
    let mut conn = PgConnection::establish(admin)
        .with_context(|| format!("connecting to PostgreSQL at {}", redacted(admin)))?;
    let exists: i64 = diesel::sql_query(format!(
        "SELECT COUNT(*) AS n FROM pg_database WHERE datname = '{name}'"
    ))
    .get_result::<Count>(&mut conn)
    .context("looking for the bench database")?
    .n;
    if exists == 0 {
        conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .with_context(|| format!("creating database {name}"))?;
    }
    let mut url = url::Url::parse(admin).context("the PostgreSQL URL")?;
    url.set_path(name);
    Ok(Database {
        engine: Engine::Postgres,
        url: url.to_string(),
        place: format!("{name} on {}", redacted(admin)),
        remove: (!keep).then(|| Removal::Postgres(admin.to_owned(), name.to_owned())),
    })
}

/// A URL without its password.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(unparsable URL)".into(),
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut DbConn, sql: &str) -> anyhow::Result<i64> {
    let rows: Vec<Count> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.first().map_or(0, |r| r.n))
}

/// Whether `db` already holds `n` generated reports and the bench's accounts.
pub fn holds(db: &Database, n: usize) -> anyhow::Result<bool> {
    let mut conn = DatabaseTarget::parse(&db.url)?.connect()?;
    let reports = count(&mut conn, "SELECT COUNT(*) AS n FROM reports");
    let admins = count(
        &mut conn,
        &format!("SELECT COUNT(*) AS n FROM users WHERE username = '{ADMIN}'"),
    );
    Ok(matches!((reports, admins), (Ok(r), Ok(1)) if r == n as i64))
}

/// Empties `db` (every table of the public schema, or the SQLite file).
pub fn wipe(db: &Database) -> anyhow::Result<()> {
    match db.engine {
        Engine::Sqlite => {
            let path = db.url.trim_start_matches("sqlite://");
            for suffix in ["", "-wal", "-shm"] {
                let file = format!("{path}{suffix}");
                if Path::new(&file).exists() {
                    std::fs::remove_file(&file).with_context(|| format!("removing {file}"))?;
                }
            }
        }
        Engine::Postgres => {
            let mut conn = DatabaseTarget::parse(&db.url)?.connect()?;
            conn.batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
                .context("emptying the bench database")?;
        }
    }
    Ok(())
}

/// Inserts `rows` into `table` in multi-row INSERTs on either backend.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConn::Sqlite(c) => diesel::insert_into($table).values($rows).execute(c),
            DbConn::Postgres(c) => diesel::insert_into($table).values($rows).execute(c),
        }
    };
}

fn ts(secs: i64) -> NaiveDateTime {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .naive_utc()
}

/// Runs the migrations and fills `db` with the county, the villagers and `n` reports.
pub fn fill(db: &Database, n: usize) -> anyhow::Result<Generated> {
    let started = Instant::now();
    let target = DatabaseTarget::parse(&db.url)?;
    let mut conn = target
        .connect()
        .context("connecting to the bench database")?;
    cunxiang_storage::migrate::run_pending(&mut conn).context("running the migrations")?;
    if let DbConn::Sqlite(c) = &mut conn {
        // A bulk load that is redone from scratch if it fails needs no fsync.
        c.batch_execute("PRAGMA synchronous = OFF")?;
    }

    let first = END_SECS - DAYS * 86_400;
    let county: County = org::county(ts(first - 90 * 86_400))?;
    let villagers: Vec<UserRow> = (0..VILLAGERS)
        .map(|i| UserRow {
            id: uuid::Uuid::from_u128(0x4b50_0000_0000_7000_8000_0000_0000_0000 | i as u128)
                .to_string(),
            display_name: format!("村民{i:05}"),
            role: "villager",
            status: "active",
            phone: Some(format!("139{:08}", 10_000_000 + i)),
            created_at: ts(first - 30 * 86_400),
            updated_at: ts(first - 30 * 86_400),
        })
        .collect();
    cunxiang_storage::conn::transaction(&mut conn, |conn| -> anyhow::Result<()> {
        for chunk in county.regions.chunks(ROWS_PER_INSERT) {
            insert_all!(conn, schema::regions::table, chunk).context("regions")?;
        }
        for chunk in county.grids.chunks(ROWS_PER_INSERT) {
            insert_all!(conn, schema::grids::table, chunk).context("grids")?;
        }
        for chunk in county.units.chunks(ROWS_PER_INSERT) {
            insert_all!(conn, schema::units::table, chunk).context("units")?;
        }
        insert_all!(conn, schema::categories::table, &county.categories).context("categories")?;
        insert_all!(conn, schema::routing_rules::table, &county.rules).context("rules")?;
        for chunk in villagers.chunks(ROWS_PER_INSERT) {
            insert_all!(conn, schema::users::table, chunk).context("villagers")?;
        }
        Ok(())
    })?;
    println!(
        "  county    {} regions, {} grids, {} units, {} categories, {} rules, {} villagers ({:.1} s)",
        county.regions.len(),
        county.grids.len(),
        county.units.len(),
        county.categories.len(),
        county.rules.len(),
        villagers.len(),
        started.elapsed().as_secs_f64()
    );

    let ids: Vec<String> = villagers.into_iter().map(|v| v.id).collect();
    let mut generator = Generator::new(&county, &ids, n, SEED);
    let bar = progress_bar(n as u64, "inserting reports");
    let reports_started = Instant::now();
    while generator.remaining() > 0 {
        cunxiang_storage::conn::transaction(&mut conn, |conn| -> anyhow::Result<()> {
            for _ in 0..INSERTS_PER_TRANSACTION {
                let rows = generator.chunk(ROWS_PER_INSERT);
                if rows.is_empty() {
                    break;
                }
                insert_all!(conn, schema::reports::table, &rows).context("reports")?;
                bar.inc(rows.len() as u64);
            }
            Ok(())
        })?;
    }
    bar.finish_and_clear();
    let sequences = generator.sequences();
    for chunk in sequences.chunks(ROWS_PER_INSERT) {
        insert_all!(&mut conn, schema::case_sequences::table, chunk).context("case sequences")?;
    }
    let report_seconds = reports_started.elapsed().as_secs_f64();
    println!(
        "  reports   {n} rows in {report_seconds:.1} s ({:.0} rows/s)",
        n as f64 / report_seconds.max(1e-9)
    );
    accounts(db, &county)?;
    if let DbConn::Postgres(c) = &mut conn {
        // What autovacuum would soon do after a bulk load: statistics and the visibility map.
        let t = Instant::now();
        c.batch_execute("VACUUM ANALYZE")?;
        println!(
            "  vacuum    VACUUM ANALYZE {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    Ok(Generated {
        reports: n,
        seconds: started.elapsed().as_secs_f64(),
        report_seconds,
    })
}

/// The admin and the township supervisor, as `cunxiang create-user` makes them.
fn accounts(db: &Database, county: &County) -> anyhow::Result<()> {
    let mut settings = Settings::from_lookup(|_| None)?;
    settings.database_url = db.url.clone();
    cunxiang_api::create_user::run(&settings, ADMIN, PASSWORD, "admin", &[], None)?;
    let office = county
        .townships
        .first()
        .context("the county has no township")?
        .governance
        .parse()?;
    cunxiang_api::create_user::run(
        &settings,
        SUPERVISOR,
        PASSWORD,
        "supervisor",
        &[office],
        None,
    )?;
    Ok(())
}
