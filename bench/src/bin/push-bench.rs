//! `push-bench`: how fast a state change reaches a live stream (`GET /v1/events`), and what
//! idle streams cost the server. Latency: per round, on a fresh scratch database with the
//! demo county, servers started in this process (SQLite with one instance; PostgreSQL with
//! one and with two instances, the streams on the second and the changes sent to the first),
//! N reports submitted by villagers (`assigned` on the reporter's stream) and accepted by
//! 渡口村's grid worker (`accepted`), each timed from the change's HTTP response to its
//! event's arrival — p50/p90/p99/max per round, then the medians over rounds. Memory: the
//! release `cunxiang` binary in its own process holding 5,000 idle authenticated streams
//! until each has had a heartbeat; its RSS before and with them. Run with
//! `cargo build --release -p cunxiang-api -p cunxiang-bench && target/release/push-bench
//! [--rounds 3] [--reports 200] [--clients 4] [--villagers 8] [--postgres URL]
//! [--streams 5000] [--stream-villagers 10] [--server PATH] [--no-latency] [--no-memory]`.
//! PostgreSQL also from `CUNXIANG_BENCH_POSTGRES_URL`; without it only SQLite is measured.

#[path = "../push/mod.rs"]
mod push;

use std::path::PathBuf;

use anyhow::{Context, bail};
use cunxiang_bench::measure;
use push::idle;
use push::latency::{self, Phase, Setup};
use push::lifecycle::{load, server::load_average};

/// The targets of issue 7.
const TARGET_P99_MS: f64 = 100.0;
const TARGET_MEMORY_MB: f64 = 1024.0;

/// Everything the command line sets.
struct Args {
    rounds: usize,
    latency: Option<latency::Config>,
    idle: Option<idle::Config>,
}

fn main() -> anyhow::Result<()> {
    let args = arguments(&std::env::args().skip(1).collect::<Vec<_>>())?;
    let fd_limit = idle::raise_fd_limit()?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let defaults = cunxiang_api::Settings::from_lookup(|_| None)?;
    println!("push-bench: state change → live stream latency, and idle streams' memory");
    println!("  machine   {}, {cores} cores", measure::cpu_model());
    println!("  load avg  {} (1, 5, 15 min) before", load_average());
    println!(
        "  server    default settings: feed poll every {} ms, heartbeat every {} s, {} HTTP \
         workers, {} DB connections; open-file limit {fd_limit}",
        defaults.push.poll_ms,
        defaults.push.heartbeat_secs,
        defaults.workers,
        defaults.db_pool_size
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let client = load::client()?;
    let mut latency_rows = Vec::new();
    if let Some(config) = &args.latency {
        let mut setups = vec![Setup {
            postgres: false,
            instances: 1,
        }];
        if config.postgres.is_some() {
            setups.push(Setup {
                postgres: true,
                instances: 1,
            });
            setups.push(Setup {
                postgres: true,
                instances: 2,
            });
        }
        println!(
            "  latency   per round and setup: {} reports submitted by {} villagers, then \
             accepted by the grid worker, {} concurrent clients; one stream per villager{}",
            config.reports,
            config.villagers,
            config.clients,
            if config.postgres.is_none() {
                "; no PostgreSQL URL: SQLite only"
            } else {
                ""
            }
        );
        let mut results: Vec<Vec<Vec<Phase>>> = vec![Vec::new(); setups.len()];
        for r in 1..=args.rounds {
            println!();
            println!("round {r} of {} (load {})", args.rounds, load_average());
            print_header();
            for (s, setup) in setups.iter().enumerate() {
                let label = format!("round {r}, {}", setup.label());
                let phases = runtime
                    .block_on(latency::round(*setup, config, &client, &label))
                    .with_context(|| label.clone())?;
                for phase in &phases {
                    print_row(&setup.label(), phase);
                }
                results[s].push(phases);
            }
        }
        println!();
        println!(
            "median over {} round(s), ms (latency from the change's response)",
            args.rounds
        );
        print_header();
        for (setup, rounds) in setups.iter().zip(&results) {
            for k in 0..rounds.first().map_or(0, Vec::len) {
                let runs: Vec<&Phase> = rounds.iter().filter_map(|p| p.get(k)).collect();
                latency_rows.push(print_median(&setup.label(), &runs));
            }
        }
    }
    let mut memory = None;
    if let Some(config) = &args.idle {
        println!();
        println!(
            "idle streams: {} streams on `{}` (SQLite, own process), {} villagers' tokens, {} \
             opening at once",
            config.streams,
            config.server.display(),
            config.villagers,
            config.opening
        );
        let outcome = runtime.block_on(idle::run(config, &client))?;
        print_idle(&outcome);
        memory = Some(outcome);
    }
    println!();
    println!("summary (targets: p99 under {TARGET_P99_MS} ms; under 1 GB for 5,000 streams)");
    for (label, p99) in &latency_rows {
        let verdict = if *p99 < TARGET_P99_MS {
            "meets"
        } else {
            "MISSES"
        };
        println!("  {label:<44} p99 {p99:>7.1} ms  {verdict}");
    }
    if let Some(m) = memory {
        let verdict = if m.rss_open < TARGET_MEMORY_MB {
            "meets"
        } else {
            "MISSES"
        };
        println!(
            "  {:<44} RSS {:>7.0} MB  {verdict}",
            format!("{} idle streams", m.opened.ok),
            m.rss_open
        );
    }
    println!("  load avg  {} (1, 5, 15 min) after", load_average());
    Ok(())
}

fn print_header() {
    println!(
        "{:<24} {:<18} {:>7} {:>7} {:>7} {:>7} {:>7} {:>6} {:>8} {:>8}",
        "setup", "change → event", "p50", "p90", "p99", "max", "req p50", "/s", "early", "missing"
    );
}

fn print_row(setup: &str, p: &Phase) {
    println!(
        "{:<24} {:<18} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>6.0} {:>8} {:>8}",
        setup,
        p.latency.label,
        p.percentile_ms(50.0),
        p.percentile_ms(90.0),
        p.percentile_ms(99.0),
        p.percentile_ms(100.0),
        p.request_p50_ms,
        p.latency.median_per_second(),
        p.early(),
        p.missing
    );
}

/// Prints the medians over rounds of one setup's phase; returns its label and median p99.
fn print_median(setup: &str, runs: &[&Phase]) -> (String, f64) {
    let of = |f: &dyn Fn(&Phase) -> f64| median(&runs.iter().map(|p| f(p)).collect::<Vec<_>>());
    let label = runs
        .first()
        .map_or_else(String::new, |p| p.latency.label.clone());
    let p99 = of(&|p| p.percentile_ms(99.0));
    println!(
        "{:<24} {:<18} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>7.1} {:>6.0} {:>8} {:>8}",
        setup,
        label,
        of(&|p| p.percentile_ms(50.0)),
        of(&|p| p.percentile_ms(90.0)),
        p99,
        of(&|p| p.percentile_ms(100.0)),
        of(&|p| p.request_p50_ms),
        of(&|p| p.latency.median_per_second()),
        runs.iter().map(|p| p.early()).sum::<usize>(),
        runs.iter().map(|p| p.missing).sum::<usize>()
    );
    (format!("{setup}: {label}"), p99)
}

fn print_idle(o: &idle::Outcome) {
    println!(
        "{:<34} {:>10} {:>10} {:>10} {:>10}",
        "server (VmRSS unless noted)", "MB", "open fds", "streams", "KB/stream"
    );
    println!(
        "{:<34} {:>10.1} {:>10}",
        "before the streams", o.rss_before, o.fds.0
    );
    println!(
        "{:<34} {:>10.1} {:>10} {:>10} {:>10.1}",
        "streams open, after a heartbeat",
        o.rss_open,
        o.fds.1,
        o.opened.ok,
        o.per_stream_kb()
    );
    println!("{:<34} {:>10.1}", "peak (VmHWM) by then", o.hwm_open);
    println!(
        "{:<34} {:>10.1} {:>10}",
        format!("{:.1} s after they closed", o.release_s),
        o.rss_closed,
        o.fds.2
    );
    let open = o.opened.measurement("open");
    println!(
        "  {} opened, {} failed{}; {} saw a heartbeat; opening to headers p50 {:.1} ms, p99 \
         {:.1} ms; {:.1} s from the first open to the last heartbeat",
        o.opened.ok,
        o.opened.errors,
        o.opened
            .first_error
            .as_deref()
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default(),
        o.heartbeats,
        open.percentile_us(50.0) / 1e3,
        open.percentile_us(99.0) / 1e3,
        o.wall_s
    );
}

fn median(values: &[f64]) -> f64 {
    let m = measure::Measurement {
        label: String::new(),
        per_second: values.to_vec(),
        sample_ns: Vec::new(),
    };
    m.median_per_second()
}

fn arguments(args: &[String]) -> anyhow::Result<Args> {
    let mut latency = latency::Config {
        reports: 200,
        clients: 4,
        villagers: 8,
        postgres: std::env::var("CUNXIANG_BENCH_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty()),
    };
    let mut idle = idle::Config {
        server: PathBuf::new(),
        streams: 5000,
        villagers: 10,
        opening: 64,
        heartbeat_secs: 15,
    };
    let (mut rounds, mut server, mut run_latency, mut run_idle) = (3, None, true, true);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .with_context(|| format!("{name} needs a value"))
                .cloned()
        };
        match arg.as_str() {
            "--rounds" => rounds = value(arg)?.parse()?,
            "--reports" => latency.reports = value(arg)?.parse()?,
            "--clients" => latency.clients = value(arg)?.parse()?,
            "--villagers" => latency.villagers = value(arg)?.parse()?,
            "--postgres" => latency.postgres = Some(value(arg)?),
            "--streams" => idle.streams = value(arg)?.parse()?,
            "--stream-villagers" => idle.villagers = value(arg)?.parse()?,
            "--server" => server = Some(PathBuf::from(value(arg)?)),
            "--no-latency" => run_latency = false,
            "--no-memory" => run_idle = false,
            "-h" | "--help" => {
                println!(
                    "usage: push-bench [--rounds 3] [--reports 200] [--clients 4] [--villagers 8] \
                     [--postgres URL] [--streams 5000] [--stream-villagers 10] [--server PATH] \
                     [--no-latency] [--no-memory]\nThe memory test needs the release server: \
                     cargo build --release -p cunxiang-api (found beside this binary)."
                );
                std::process::exit(0);
            }
            other => bail!("unexpected argument {other:?}; try --help"),
        }
    }
    if rounds == 0 || latency.reports == 0 || latency.clients == 0 || latency.villagers == 0 {
        bail!("--rounds, --reports, --clients and --villagers must be positive");
    }
    if run_idle {
        idle.server = server.or_else(idle::default_server).context(
            "no `cunxiang` binary beside push-bench: run `cargo build --release -p \
             cunxiang-api` first, or pass --server PATH (or --no-memory)",
        )?;
        if let Some(secs) = std::env::var("CUNXIANG_SSE_HEARTBEAT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            idle.heartbeat_secs = secs;
        }
    }
    Ok(Args {
        rounds,
        latency: run_latency.then_some(latency),
        idle: run_idle.then_some(idle),
    })
}
