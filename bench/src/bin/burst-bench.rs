//! `burst-bench`: a day's burst of new reports (issue 15). 10,000 `POST /v1/reports`, each with
//! an `Idempotency-Key`, a category and a point inside one village's grid of the demo county,
//! all on one day, from 8 and then 32 concurrent clients, each burst against a fresh release
//! `cunxiang` process on a fresh database (SQLite; PostgreSQL too when a URL is given).
//! Prints throughput per 10 s window (and 2 s windows for short runs) and per 1,000 reports,
//! overall throughput, p50/p99 latency, errors by status, server CPU per report (and on
//! PostgreSQL its backends' CPU per report) and peak RSS, then a Markdown table of the medians. With `--flame`, one more 8-client burst per database
//! is sampled with `perf record -F 499` and drawn as a flame graph SVG in `bench/`. Run with
//! `cargo build --release -p cunxiang-api -p cunxiang-bench && target/release/burst-bench
//! [--db sqlite|postgres|both] [--postgres URL] [--reports 10000] [--clients 8,32] [--runs 1]
//! [--villagers 100] [--max-secs 600] [--server PATH] [--flame] [--flame-label LABEL]
//! [--call-graph dwarf|fp]`.

#[path = "../burst/mod.rs"]
mod burst;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use burst::lifecycle::load;
use burst::lifecycle::server::load_average;
use burst::table::{self, Group};
use burst::{Config, Db, FlameRequest, Run};
use cunxiang_bench::measure;

/// The PostgreSQL server used when `--db postgres` names none.
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Everything the command line sets.
struct Args {
    config: Config,
    dbs: Vec<Db>,
    clients: Vec<usize>,
    runs: usize,
    flame: bool,
    flame_label: Option<String>,
    call_graph: String,
}

fn main() -> anyhow::Result<()> {
    let args = arguments(&std::env::args().skip(1).collect::<Vec<_>>())?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let config = &args.config;
    let made = burst::place::bodies(config.reports)?;
    let bodies = Arc::new(made.bodies);
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty =
        git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    println!("burst-bench: POST /v1/reports bursts against the release server");
    println!(
        "  machine   {}, {cores} cores; load {} (1, 5, 15 min)",
        measure::cpu_model(),
        load_average()
    );
    println!(
        "  server    {} (commit {commit}{}); default settings unless CUNXIANG_WORKERS / \
         CUNXIANG_DB_POOL_SIZE are set",
        config.server.display(),
        if dirty {
            ", with uncommitted changes"
        } else {
            ""
        }
    );
    if let Some(warning) = stale_server(&config.server) {
        println!("  WARNING   {warning}");
    }
    println!(
        "  burst     {} reports by {} villagers at random points in {} (demo county), \
         categories {} in turn, all today; {} run(s) per database and client count, each on a \
         fresh database and server; no report sent after {} s",
        config.reports,
        config.villagers,
        burst::place::GRID_NAME,
        made.categories.join(", "),
        args.runs,
        config.max_secs
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let client = load::client()?;
    let started = Instant::now();
    let mut results: Vec<(Db, usize, Vec<Run>)> = Vec::new();
    for &db in &args.dbs {
        for &clients in &args.clients {
            let mut runs = Vec::new();
            for r in 1..=args.runs {
                println!(
                    "\n{}, {clients} clients, run {r} of {} (load {})",
                    db.name(),
                    args.runs,
                    load_average()
                );
                let run = runtime
                    .block_on(burst::run(
                        config,
                        db,
                        clients,
                        bodies.clone(),
                        &client,
                        None,
                    ))
                    .with_context(|| format!("{}, {clients} clients, run {r}", db.name()))?;
                print_run(&run);
                runs.push(run);
            }
            results.push((db, clients, runs));
        }
        if args.flame {
            let request = flame_request(&args, db, &commit);
            let clients = args.clients.first().copied().unwrap_or(8);
            println!(
                "\n{}, {clients} clients, sampled by perf (--call-graph {}; not in the table)",
                db.name(),
                args.call_graph
            );
            let run = runtime
                .block_on(burst::run(
                    config,
                    db,
                    clients,
                    bodies.clone(),
                    &client,
                    Some(&request),
                ))
                .with_context(|| format!("{}, flame graph", db.name()))?;
            print_run(&run);
        }
    }
    let groups: Vec<Group<'_>> = results
        .iter()
        .map(|(db, clients, runs)| Group {
            db: *db,
            clients: *clients,
            runs: runs.iter().map(|r| &r.figures).collect(),
        })
        .collect();
    println!(
        "\n## burst-bench: median of {} run(s), commit {commit}{}\n",
        args.runs,
        if dirty {
            " (with uncommitted changes)"
        } else {
            ""
        }
    );
    table::print(&groups, config.reports);
    println!();
    table::verdicts(&groups);
    println!(
        "\nwall time {:.0} s; load {} (1, 5, 15 min)",
        started.elapsed().as_secs_f64(),
        load_average()
    );
    Ok(())
}

fn print_run(run: &Run) {
    println!("    server started in {:.1} s", run.startup_s);
    run.figures.print();
    for (n, cause) in &run.server_errors {
        let cause: String = cause.chars().take(300).collect();
        println!("    server log: {n} × ERROR {cause}");
    }
    if run.day_changed {
        println!("    WARNING: the day (Beijing time) changed during the burst");
    }
    if let Some((svg, flame)) = &run.flame {
        burst::flame::print(flame, svg);
    }
}

/// The flame graph of `db`: `bench/flame-create[-LABEL]-DB.svg`.
fn flame_request(args: &Args, db: Db, commit: &str) -> FlameRequest {
    let label = args
        .flame_label
        .as_deref()
        .map(|l| format!("-{l}"))
        .unwrap_or_default();
    let name = format!("flame-create{label}-{}.svg", db.slug());
    FlameRequest {
        svg: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name),
        title: format!(
            "POST /v1/reports burst, {}, {} clients, commit {commit}",
            db.name(),
            args.clients.first().copied().unwrap_or(8)
        ),
        call_graph: args.call_graph.clone(),
    }
}

/// Output of `git ARGS` in the workspace, trimmed.
fn git(args: &[&str]) -> Option<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// A warning when a source file of the server is newer than the binary measured.
fn stale_server(binary: &std::path::Path) -> Option<String> {
    let built = std::fs::metadata(binary).and_then(|m| m.modified()).ok()?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut stack: Vec<PathBuf> = ["api/src", "core/src", "storage/src", "migrations"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if entry.metadata().and_then(|m| m.modified()).ok()? > built {
                return Some(format!(
                    "{} is newer than the server binary: rebuild it (cargo build --release -p \
                     cunxiang-api)",
                    path.display()
                ));
            }
        }
    }
    None
}

fn arguments(list: &[String]) -> anyhow::Result<Args> {
    let mut postgres = std::env::var("CUNXIANG_BENCH_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let mut db = None;
    let mut server = None;
    let mut args = Args {
        config: Config {
            server: PathBuf::new(),
            reports: 10_000,
            villagers: 100,
            max_secs: 600.0,
            postgres: None,
        },
        dbs: Vec::new(),
        clients: vec![8, 32],
        runs: 1,
        flame: false,
        flame_label: None,
        call_graph: "dwarf".into(),
    };
    let mut it = list.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .with_context(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--db" => db = Some(value()?),
            "--postgres" | "--pg-url" => postgres = Some(value()?),
            "--reports" => args.config.reports = value()?.replace('_', "").parse()?,
            "--clients" => {
                args.clients = value()?
                    .split(',')
                    .map(|c| c.trim().parse())
                    .collect::<Result<_, _>>()?;
            }
            "--runs" => args.runs = value()?.parse()?,
            "--villagers" => args.config.villagers = value()?.parse()?,
            "--max-secs" => args.config.max_secs = value()?.parse()?,
            "--server" => server = Some(PathBuf::from(value()?)),
            "--flame" => args.flame = true,
            "--flame-label" => args.flame_label = Some(value()?),
            "--call-graph" => args.call_graph = value()?,
            "-h" | "--help" => {
                println!(
                    "usage: burst-bench [--db sqlite|postgres|both] [--postgres URL] \
                     [--reports 10000] [--clients 8,32] [--runs 1] [--villagers 100] \
                     [--max-secs 600] [--server PATH] [--flame] [--flame-label LABEL] \
                     [--call-graph dwarf|fp]\n\
                     Without --db: SQLite, and PostgreSQL too when a URL is given (--postgres or \
                     CUNXIANG_BENCH_POSTGRES_URL); --db postgres alone uses {DEFAULT_POSTGRES}.\n\
                     Needs the release server beside it: cargo build --release -p cunxiang-api \
                     -p cunxiang-bench."
                );
                std::process::exit(0);
            }
            other => bail!("unexpected argument {other:?}; try --help"),
        }
    }
    args.dbs = match (db.as_deref(), &postgres) {
        (None, None) | (Some("sqlite"), _) => vec![Db::Sqlite],
        (None, Some(_)) | (Some("both"), _) => vec![Db::Sqlite, Db::Postgres],
        (Some("postgres"), _) => vec![Db::Postgres],
        (Some(other), _) => bail!("--db {other}: use sqlite, postgres or both"),
    };
    if args.dbs.contains(&Db::Postgres) {
        args.config.postgres = Some(postgres.unwrap_or_else(|| DEFAULT_POSTGRES.into()));
    }
    if args.config.reports == 0
        || args.config.villagers == 0
        || args.runs == 0
        || args.clients.is_empty()
        || args.clients.contains(&0)
        || args.config.max_secs <= 0.0
    {
        bail!("--reports, --villagers, --runs, --clients and --max-secs must be positive");
    }
    if !["dwarf", "fp"].contains(&args.call_graph.as_str()) {
        bail!("--call-graph {}: use dwarf or fp", args.call_graph);
    }
    args.config.server = server.or_else(burst::release::default_binary).context(
        "no `cunxiang` binary beside burst-bench: run `cargo build --release -p cunxiang-api \
         -p cunxiang-bench` first, or pass --server PATH",
    )?;
    Ok(args)
}
