//! `kpi-bench`: KPI summary and breakdown latency and CSV export throughput with a million
//! reports loaded (issue 8). Generates a synthetic county with N reports (default 1,000,000)
//! in SQLite and/or PostgreSQL, starts the release `cunxiang` binary on each in a process of
//! its own, and per round times every KPI query (p50 / p90 / max of N requests after warm-up),
//! downloads the CSV exports and reads the server's peak RSS. Run with
//! `cargo run --release -p cunxiang-bench --bin kpi-bench -- [--reports N] [--db sqlite|postgres|both]
//! [--dir DIR] [--keep] [--pg-url URL] [--pg-db NAME] [--rounds R] [--requests N] [--budget S]
//! [--server PATH] [--generate-only]`. A query gets `--requests` timed requests (default 20),
//! or as many as fit in `--budget` seconds (default 30) but at least 5.

#[path = "../kpi/mod.rs"]
mod kpi;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use kpi::generate::{self, Database, Engine};
use kpi::measure;

/// The target of issue 8 for the summary.
const TARGET_MS: f64 = 200.0;

/// Everything the command line sets.
struct Args {
    reports: usize,
    engines: Vec<Engine>,
    dir: Option<PathBuf>,
    keep: bool,
    pg_url: String,
    /// `None`: `cunxiang_kpi_bench` with `--keep`, else `cunxiang_kpi_bench_scratch` (so that a
    /// throw-away run never drops the kept database).
    pg_db: Option<String>,
    rounds: usize,
    requests: usize,
    budget_s: f64,
    server: Option<PathBuf>,
    generate_only: bool,
}

fn arguments(list: &[String]) -> anyhow::Result<Args> {
    let mut args = Args {
        reports: 1_000_000,
        engines: vec![Engine::Sqlite, Engine::Postgres],
        dir: None,
        keep: false,
        pg_url: std::env::var("CUNXIANG_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into()),
        pg_db: None,
        rounds: 3,
        requests: 20,
        budget_s: 30.0,
        server: None,
        generate_only: false,
    };
    let mut it = list.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .with_context(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--reports" => args.reports = value()?.replace('_', "").parse()?,
            "--db" => {
                args.engines = match value()?.as_str() {
                    "sqlite" => vec![Engine::Sqlite],
                    "postgres" => vec![Engine::Postgres],
                    "both" => vec![Engine::Sqlite, Engine::Postgres],
                    other => bail!("--db {other}: use sqlite, postgres or both"),
                }
            }
            "--dir" => args.dir = Some(PathBuf::from(value()?)),
            "--keep" => args.keep = true,
            "--pg-url" => args.pg_url = value()?,
            "--pg-db" => args.pg_db = Some(value()?),
            "--rounds" => args.rounds = value()?.parse::<usize>()?.max(1),
            "--requests" => args.requests = value()?.parse::<usize>()?.max(1),
            "--budget" => args.budget_s = value()?.parse()?,
            "--server" => args.server = Some(PathBuf::from(value()?)),
            "--generate-only" => args.generate_only = true,
            "-h" | "--help" => {
                println!(
                    "kpi-bench [--reports 1000000] [--db sqlite|postgres|both] [--dir DIR] [--keep] \
                     [--pg-url URL] [--pg-db NAME] [--rounds 3] [--requests 20] [--budget 30] \
                     [--server target/release/cunxiang] [--generate-only]"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other} (see --help)"),
        }
    }
    Ok(args)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// A database ready to measure: reused when `--keep` finds it already generated, else filled.
fn prepared(args: &Args, engine: Engine, dir: &std::path::Path) -> anyhow::Result<Database> {
    let db = match engine {
        Engine::Sqlite => generate::sqlite(dir, args.keep),
        Engine::Postgres => {
            let name = args.pg_db.clone().unwrap_or_else(|| {
                if args.keep {
                    "cunxiang_kpi_bench".into()
                } else {
                    "cunxiang_kpi_bench_scratch".into()
                }
            });
            generate::postgres(&args.pg_url, &name, args.keep)?
        }
    };
    println!("\n## {} — {}", engine.name(), db.place);
    if args.keep && generate::holds(&db, args.reports).unwrap_or(false) {
        println!(
            "  reusing the generated database ({} reports)",
            args.reports
        );
        return Ok(db);
    }
    generate::wipe(&db)?;
    let g = generate::fill(&db, args.reports)
        .with_context(|| format!("generating the {} database", engine.name()))?;
    println!(
        "  generated {} reports in {:.1} s in all ({:.1} s for the reports)",
        g.reports, g.seconds, g.report_seconds
    );
    Ok(db)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args = arguments(&std::env::args().skip(1).collect::<Vec<_>>())?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let binary = match &args.server {
        Some(p) => p.clone(),
        None => kpi::server::default_binary().context(
            "no cunxiang binary beside kpi-bench: build it (cargo build --release -p cunxiang-api) \
             or pass --server PATH",
        )?,
    };
    let scratch = tempfile::Builder::new().prefix("kpi-bench").tempdir()?;
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None if args.keep => PathBuf::from("target/kpi-bench"),
        None => scratch.path().to_path_buf(),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    println!(
        "kpi-bench: {} reports, {} rounds × {} requests per query; server {}; load {}",
        args.reports,
        args.rounds,
        args.requests,
        binary.display(),
        load_average()
    );
    let client = reqwest::Client::builder().build()?;
    let started = Instant::now();
    let mut summaries = Vec::new();
    for &engine in &args.engines {
        let generation = Instant::now();
        let db = prepared(&args, engine, &dir)?;
        let generation_s = generation.elapsed().as_secs_f64();
        if args.generate_only {
            continue;
        }
        let effort = measure::Effort {
            requests: args.requests,
            budget_s: args.budget_s,
        };
        let ids =
            kpi::reads::sample_ids(&db.url, kpi::reads::REQUESTS).context("sampling report ids")?;
        let mut rounds = Vec::new();
        for r in 0..args.rounds {
            println!(
                "  round {} of {} (load {})",
                r + 1,
                args.rounds,
                load_average()
            );
            let server_dir = dir.join(format!("server-{}", engine.name().to_lowercase()));
            rounds.push(
                measure::round(&binary, &db.url, &server_dir, &client, effort, &ids)
                    .await
                    .with_context(|| format!("{} round {}", engine.name(), r + 1))?,
            );
        }
        let rollups = kpi::server::has_rollups(&db.url).unwrap_or(false);
        println!(
            "\n  {}: generation (or reuse) {generation_s:.1} s; KPI roll-up table stats_days {}",
            engine.name(),
            if rollups {
                "present"
            } else {
                "absent (before the roll-ups)"
            }
        );
        kpi::tables::print(engine.name(), &rounds);
        match kpi::reads::table_sizes(&db.url) {
            Ok(sizes) => kpi::tables::print_sizes(engine.name(), &sizes),
            Err(e) => println!("  table sizes: {e:#}"),
        }
        let worst = rounds
            .iter()
            .map(|r| r.timings.first().map_or(f64::NAN, |t| t.p50))
            .collect::<Vec<_>>();
        summaries.push((engine, measure::median(&worst)));
        if args.keep {
            println!("\n  kept: {}", db.place);
        }
    }
    for (engine, p50) in summaries {
        println!(
            "\n{}: county summary, all time: p50 {p50:.1} ms — target {TARGET_MS:.0} ms {}",
            engine.name(),
            if p50 < TARGET_MS { "met" } else { "NOT met" }
        );
    }
    println!(
        "\nwall time {:.1} s, load {}",
        started.elapsed().as_secs_f64(),
        load_average()
    );
    Ok(())
}
