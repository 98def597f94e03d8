//! `prune-bench`: whether the housekeeping worker's batched prune of the live-stream feed
//! keeps up at province scale without slowing writers, and so whether PostgreSQL partitions
//! are needed (issue 21: "measure first").
//!
//! `cargo run --release -p cunxiang-bench --bin prune-bench -- [--events 1000000]
//! [--db sqlite|postgres|both] [--pg-url URL]`
//!
//! Fills a scratch database (kpi-bench's county and 2,000 reports) with `--events` timeline
//! events spread evenly over the 180 days before now, three feed rows each (seq in time order,
//! ids UUIDv7 of their time, as the server writes them), so half the rows are past the 90-day
//! retention. Then a writer thread commits one event with its three feed rows at a time (what
//! every lifecycle action does) for 5 s alone and on through the prune, which the worker's
//! statements drain in batches of 500; then one more pass with nothing to do, with this
//! change's statement and with the one before it (no id bound: a join over the whole feed).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

// Borrows kpi-bench's generator (the county and a few reports) and percentile only.
#[allow(dead_code)]
#[path = "../kpi/mod.rs"]
mod kpi;

use anyhow::Context;
use chrono::Utc;
use cunxiang_storage::schema::{event_recipients, report_events};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use kpi::generate::{self, Database, Engine};
use kpi::measure::percentile;

const BATCH: i64 = 500;
const RETENTION_DAYS: i64 = 90;
const SPAN_DAYS: i64 = 180;

struct Args {
    events: usize,
    engines: Vec<Engine>,
    pg_url: String,
}

fn arguments() -> anyhow::Result<Args> {
    let mut args = Args {
        events: 1_000_000,
        engines: vec![Engine::Sqlite, Engine::Postgres],
        pg_url: std::env::var("CUNXIANG_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
    };
    let list: Vec<String> = std::env::args().skip(1).collect();
    let mut it = list.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().context("a value");
        match flag.as_str() {
            "--events" => args.events = value()?.replace('_', "").parse()?,
            "--db" => {
                args.engines = match value()?.as_str() {
                    "sqlite" => vec![Engine::Sqlite],
                    "postgres" => vec![Engine::Postgres],
                    _ => vec![Engine::Sqlite, Engine::Postgres],
                }
            }
            "--pg-url" => args.pg_url = value()?,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    Ok(args)
}

fn connect(db: &Database) -> anyhow::Result<cunxiang_storage::DbConn> {
    Ok(cunxiang_storage::DatabaseTarget::parse(&db.url)?.connect()?)
}

/// A UUIDv7 of the instant `t`.
fn v7(t: chrono::DateTime<Utc>) -> String {
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        u64::try_from(t.timestamp()).unwrap_or(0),
        t.timestamp_subsec_nanos(),
    );
    uuid::Uuid::new_v7(ts).to_string()
}

/// Inserts `n` events (and three feed rows each) evenly over the span, oldest first, with
/// multi-row INSERTs of 1,000 events (the values are the bench's own: no quoting needed).
fn fill(
    conn: &mut cunxiang_storage::DbConn,
    n: usize,
    reports: &[String],
    users: &[String],
) -> anyhow::Result<()> {
    let bar = indicatif::ProgressBar::new(n as u64);
    let start = Utc::now() - chrono::Duration::days(SPAN_DAYS);
    let step = (SPAN_DAYS * 86_400_000) as f64 / n as f64;
    let mut i = 0;
    while i < n {
        let end = (i + 1000).min(n);
        let (mut events, mut feed) = (Vec::new(), Vec::new());
        for k in i..end {
            let at = start + chrono::Duration::milliseconds((k as f64 * step) as i64);
            let (id, report) = (v7(at), &reports[k % reports.len()]);
            let at = at.naive_utc().format("%F %T%.f");
            events.push(format!(
                "('{id}', '{report}', 'commented', '{{}}', FALSE, '{at}')"
            ));
            for u in users {
                feed.push(format!("('{id}', '{report}', '{u}', 'reporter')"));
            }
        }
        conn.batch_execute(&format!(
            "BEGIN; \
             INSERT INTO report_events (id, report_id, kind, details, internal, at) VALUES {}; \
             INSERT INTO event_recipients (event_id, report_id, user_id, reason) VALUES {}; \
             COMMIT;",
            events.join(", "),
            feed.join(", ")
        ))?;
        bar.inc((end - i) as u64);
        i = end;
    }
    bar.finish_and_clear();
    Ok(())
}

/// One lifecycle-like write: an event and its three feed rows in one transaction.
fn write_one(
    conn: &mut cunxiang_storage::DbConn,
    report: &str,
    users: &[String],
) -> anyhow::Result<()> {
    let now = Utc::now();
    let id = v7(now);
    cunxiang_storage::conn::transaction(conn, |conn| {
        diesel::insert_into(report_events::table)
            .values((
                report_events::id.eq(&id),
                report_events::report_id.eq(report),
                report_events::kind.eq("commented"),
                report_events::details.eq("{}"),
                report_events::internal.eq(false),
                report_events::at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        for u in users {
            diesel::insert_into(event_recipients::table)
                .values((
                    event_recipients::event_id.eq(Some(id.clone())),
                    event_recipients::report_id.eq(Some(report.to_owned())),
                    event_recipients::user_id.eq(u),
                    event_recipients::reason.eq("reporter"),
                ))
                .execute(conn)?;
        }
        Ok::<_, cunxiang_storage::StorageError>(())
    })?;
    Ok(())
}

/// The statement before this change: the same join without the id bound.
fn prune_unbounded(
    conn: &mut cunxiang_storage::DbConn,
    before: chrono::DateTime<Utc>,
) -> anyhow::Result<usize> {
    let seqs: Vec<i64> = event_recipients::table
        .inner_join(report_events::table)
        .filter(report_events::at.lt(before.naive_utc()))
        .select(event_recipients::seq)
        .limit(BATCH)
        .load(conn)?;
    Ok(
        diesel::delete(event_recipients::table.filter(event_recipients::seq.eq_any(seqs)))
            .execute(conn)?,
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

fn run(engine: Engine, args: &Args, dir: &std::path::Path) -> anyhow::Result<()> {
    let db = match engine {
        Engine::Sqlite => generate::sqlite(dir, false),
        Engine::Postgres => generate::postgres(&args.pg_url, "cunxiang_prune_bench", false)?,
    };
    generate::wipe(&db)?;
    generate::fill(&db, 2000)?;
    let mut conn = connect(&db)?;
    use cunxiang_storage::schema::{reports, users};
    let report_ids: Vec<String> = reports::table
        .select(reports::id)
        .limit(2000)
        .load(&mut conn)?;
    let user_ids: Vec<String> = users::table.select(users::id).limit(3).load(&mut conn)?;
    let filled = Instant::now();
    fill(&mut conn, args.events, &report_ids, &user_ids)?;
    println!(
        "\n## {} — {} events, {} feed rows in {:.1} s",
        engine.name(),
        args.events,
        args.events * user_ids.len(),
        filled.elapsed().as_secs_f64()
    );
    if engine == Engine::Postgres {
        conn.batch_execute("VACUUM ANALYZE")?;
    }

    // The writer: alone for 5 s, then through the prune.
    let pruning = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (url, pruning, stop) = (db.url.clone(), pruning.clone(), stop.clone());
        let (report, users) = (report_ids[0].clone(), user_ids.clone());
        std::thread::spawn(move || -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
            let mut conn = cunxiang_storage::DatabaseTarget::parse(&url)?.connect()?;
            let (mut alone, mut during) = (Vec::new(), Vec::new());
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                write_one(&mut conn, &report, &users)?;
                let took = ms(t.elapsed());
                if pruning.load(Ordering::Relaxed) {
                    during.push(took)
                } else {
                    alone.push(took)
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            Ok((alone, during))
        })
    };
    std::thread::sleep(Duration::from_secs(5));
    pruning.store(true, Ordering::Relaxed);
    let before = Utc::now() - chrono::Duration::days(RETENTION_DAYS);
    let started = Instant::now();
    let (mut removed, mut batches) = (0usize, Vec::new());
    loop {
        let t = Instant::now();
        let n = cunxiang_storage::housekeeping::prune_feed(&mut conn, before, BATCH)?;
        batches.push(ms(t.elapsed()));
        removed += n;
        if (n as i64) < BATCH {
            break;
        }
    }
    let drain_s = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let (alone, during) = writer
        .join()
        .map_err(|_| anyhow::anyhow!("writer panicked"))??;
    let t = Instant::now();
    let again = cunxiang_storage::housekeeping::prune_feed(&mut conn, before, BATCH)?;
    let empty_now = ms(t.elapsed());
    let t = Instant::now();
    let again_old = prune_unbounded(&mut conn, before)?;
    let empty_before = ms(t.elapsed());
    let batches = sorted(batches);
    let (alone, during) = (sorted(alone), sorted(during));
    println!("\n| {} | figure |\n|---|---|", engine.name());
    println!(
        "| feed rows pruned | {removed} in {drain_s:.1} s, **{:.0} rows/s** ({} batches) |",
        removed as f64 / drain_s,
        batches.len()
    );
    println!(
        "| one batch of {BATCH} (ms) | p50 {:.1}, p99 {:.1}, max {:.1} |",
        percentile(&batches, 50.0),
        percentile(&batches, 99.0),
        batches.last().copied().unwrap_or(0.0)
    );
    println!(
        "| a writer's commit (event + 3 feed rows), alone (ms) | p50 {:.2}, p99 {:.2} ({} commits) |",
        percentile(&alone, 50.0),
        percentile(&alone, 99.0),
        alone.len()
    );
    println!(
        "| the same during the prune (ms) | p50 {:.2}, p99 {:.2}, max {:.1} ({} commits) |",
        percentile(&during, 50.0),
        percentile(&during, 99.0),
        during.last().copied().unwrap_or(0.0),
        during.len()
    );
    println!(
        "| a pass with nothing to do, this statement (ms) | **{empty_now:.1}** (removed {again}) |"
    );
    println!(
        "| the same, the statement before (no id bound) (ms) | **{empty_before:.1}** (removed {again_old}) |"
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = arguments()?;
    let dir = tempfile::Builder::new().prefix("prune-bench").tempdir()?;
    println!(
        "prune-bench: {} events over {SPAN_DAYS} days, retention {RETENTION_DAYS} days, batches of {BATCH}",
        args.events
    );
    for &engine in &args.engines {
        run(engine, &args, dir.path()).with_context(|| engine.name())?;
    }
    Ok(())
}
