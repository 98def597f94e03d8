//! `lifecycle-bench`: the report lifecycle against the real server, started in this process on
//! a scratch database (SQLite by default, PostgreSQL with `--postgres URL` or
//! `CUNXIANG_BENCH_POSTGRES_URL`) with the demo county and a shifted clock. Per run, on a fresh
//! database: N reports at 渡口村 (category `other`, or `garbage` with one evidence photo per
//! resolve with `--evidence`) that 渡口村's grid worker accepts and resolves and the villagers
//! rate 5, from C concurrent clients — p50/p99 latency and actions/s per action; then M fresh
//! garbage reports, the clock moved past their 30-minute accept limit, and
//! `cunxiang_api::deadlines::run_once` timed until every one is escalated (red), and the same
//! for the yellow urge at 25 minutes — reports/s of a pass; and this process's peak RSS. Run
//! with `cargo run --release -p cunxiang-bench --bin lifecycle-bench -- [--runs 1]
//! [--reports 2000] [--clients 8] [--deadline-reports 5000] [--evidence] [--postgres URL]`.
//! `CUNXIANG_WORKERS` and `CUNXIANG_DB_POOL_SIZE` reach the server, for experiments.

#[path = "../lifecycle/mod.rs"]
mod lifecycle;

use anyhow::{Context, bail};
use cunxiang_bench::measure::{self, Measurement};
use lifecycle::{Config, Round, Step, server};

fn main() -> anyhow::Result<()> {
    cap_malloc_arenas();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, runs) = arguments(&args)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("lifecycle-bench: report actions over HTTP and the deadline worker's passes");
    println!(
        "  machine   {}, {cores} cores available to this process",
        measure::cpu_model()
    );
    let database = match &config.postgres {
        None => "SQLite file in a temporary directory".to_owned(),
        Some(url) => format!(
            "PostgreSQL on {}, a scratch database per run",
            server::redacted(url)
        ),
    };
    println!(
        "  server    in this process: {database}; demo county; {} HTTP workers, {} DB \
         connections",
        setting("CUNXIANG_WORKERS", cores),
        setting("CUNXIANG_DB_POOL_SIZE", 8)
    );
    println!(
        "  load      per run: {} reports ({}) at 渡口村 accepted and resolved by its grid \
         worker and rated by {} villagers, {} concurrent clients{}; then {} fresh garbage \
         reports per deadline step; {runs} run(s)",
        config.reports,
        config.action_category(),
        config.clients,
        config.clients,
        if config.evidence {
            ", one evidence photo per resolve (uploaded beforehand, not timed)"
        } else {
            ""
        },
        config.deadline_reports,
    );
    println!(
        "  malloc    MALLOC_ARENA_MAX={} (as the `cunxiang` binary runs itself)",
        std::env::var("MALLOC_ARENA_MAX").unwrap_or_else(|_| "unset".into())
    );
    println!(
        "  load avg  {} (1, 5, 15 min) before",
        server::load_average()
    );

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let client = lifecycle::load::client()?;
    let mut rounds: Vec<Round> = Vec::with_capacity(runs);
    for r in 1..=runs {
        let before = server::load_average();
        let round = runtime
            .block_on(lifecycle::round(&config, &client, &format!("run {r}")))
            .with_context(|| format!("run {r}"))?;
        println!();
        println!(
            "run {r} of {runs} (load {before} before, {} after; {:.1} s wall, {:.1} CPU s \
             server + client)",
            server::load_average(),
            round.wall_s,
            round.cpu_s
        );
        let rows: Vec<Measurement> = round
            .phases
            .iter()
            .map(|p| p.sample.measurement(&p.label))
            .collect();
        measure::print_table(&rows);
        print_steps(&round.steps.iter().map(|s| vec![s]).collect::<Vec<_>>());
        println!(
            "  peak RSS {:.0} MB{}, RSS at the end {:.0} MB",
            round.peak_rss_mb,
            if round.peak_reset {
                " in this run"
            } else {
                " since the process started"
            },
            round.rss_end_mb
        );
        rounds.push(round);
    }

    println!();
    println!("median of {runs} run(s); latencies over all runs' requests");
    measure::print_table(&merged(&rounds));
    let steps: Vec<Vec<&Step>> = (0..rounds.first().map_or(0, |r| r.steps.len()))
        .map(|k| rounds.iter().filter_map(|r| r.steps.get(k)).collect())
        .collect();
    print_steps(&steps);
    let peaks: Vec<f64> = rounds.iter().map(|r| r.peak_rss_mb).collect();
    println!(
        "  peak RSS  median {:.0} MB, max {:.0} MB (VmHWM of this process: server, its pool and \
         the bench client together)",
        median(&peaks),
        peaks.iter().copied().fold(f64::NAN, f64::max)
    );
    println!(
        "  load avg  {} (1, 5, 15 min) after",
        server::load_average()
    );
    Ok(())
}

/// Re-executes this binary with `MALLOC_ARENA_MAX=2` unless the caller set a value, as the
/// `cunxiang` binary does (api/src/main.rs), so the peak RSS is the one a server would have.
/// With glibc's default every new thread may get an arena that keeps its freed memory, and
/// each run starts a new server with new threads: RSS then grew ≈ 40 MB per run
/// (64 → 103 → 141 MB) instead of staying at ≈ 67 MB.
fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none()
        && let Ok(exe) = std::env::current_exe()
    {
        use std::os::unix::process::CommandExt;
        let err = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env("MALLOC_ARENA_MAX", "2")
            .exec();
        eprintln!(
            "lifecycle-bench: could not re-execute with MALLOC_ARENA_MAX=2 ({err}); continuing"
        );
    }
}

/// The runs' rows of the same phase as one [`Measurement`] each: one figure per run, the
/// latencies of all runs.
fn merged(rounds: &[Round]) -> Vec<Measurement> {
    let Some(first) = rounds.first() else {
        return Vec::new();
    };
    (0..first.phases.len())
        .map(|k| {
            let mut m = Measurement {
                label: first.phases[k].label.clone(),
                per_second: Vec::new(),
                sample_ns: Vec::new(),
            };
            for r in rounds {
                if let Some(p) = r.phases.get(k) {
                    m.per_second.push(p.sample.per_second());
                    m.sample_ns.extend(&p.sample.latencies_ns);
                }
            }
            m.sample_ns.sort_by(f64::total_cmp);
            m
        })
        .collect()
}

/// The deadline steps, one row per step, each with its runs.
fn print_steps(steps: &[Vec<&Step>]) {
    println!(
        "{:<34} {:>4} {:>8} {:>7} {:>16} {:>16} {:>12}",
        "deadline worker (run_once)",
        "runs",
        "reports",
        "passes",
        "median rep./s",
        "min rep./s",
        "ms per pass"
    );
    for runs in steps {
        let Some(first) = runs.first() else { continue };
        let rates: Vec<f64> = runs.iter().map(|s| s.per_second()).collect();
        let passes: Vec<f64> = runs.iter().map(|s| s.pass_ms.len() as f64).collect();
        // The full passes (MAX_PER_PASS reports each) are the comparable ones.
        let full: Vec<f64> = runs
            .iter()
            .flat_map(|s| s.pass_ms.first().copied())
            .collect();
        println!(
            "{:<34} {:>4} {:>8} {:>7} {:>16.0} {:>16.0} {:>12.0}",
            first.label,
            runs.len(),
            first.reports,
            median(&passes),
            median(&rates),
            rates.iter().copied().fold(f64::NAN, f64::min),
            median(&full)
        );
    }
    println!(
        "  (a pass handles at most {} reports; ms per pass is the first, full pass)",
        cunxiang_api::deadlines::MAX_PER_PASS
    );
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// `[--runs N] [--reports N] [--clients N] [--deadline-reports N] [--evidence]
/// [--postgres URL]`.
fn arguments(args: &[String]) -> anyhow::Result<(Config, usize)> {
    let mut config = Config {
        reports: 2000,
        clients: 8,
        deadline_reports: 5000,
        evidence: false,
        postgres: std::env::var("CUNXIANG_BENCH_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty()),
    };
    let mut runs = 1;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .with_context(|| format!("{name} needs a value"))
                .cloned()
        };
        match arg.as_str() {
            "--runs" => runs = value("--runs")?.parse()?,
            "--reports" => config.reports = value("--reports")?.parse()?,
            "--clients" => config.clients = value("--clients")?.parse()?,
            "--deadline-reports" => {
                config.deadline_reports = value("--deadline-reports")?.parse()?;
            }
            "--evidence" => config.evidence = true,
            "--postgres" => config.postgres = Some(value("--postgres")?),
            "--sqlite" => config.postgres = None,
            "-h" | "--help" => {
                println!(
                    "usage: lifecycle-bench [--runs 1] [--reports 2000] [--clients 8] \
                     [--deadline-reports 5000] [--evidence] [--postgres URL | --sqlite]\n\
                     PostgreSQL also from CUNXIANG_BENCH_POSTGRES_URL (an admin URL: the bench \
                     creates and drops a scratch database per run)."
                );
                std::process::exit(0);
            }
            other => bail!("unexpected argument {other:?}; try --help"),
        }
    }
    if runs == 0 || config.reports == 0 || config.clients == 0 || config.deadline_reports == 0 {
        bail!("--runs, --reports, --clients and --deadline-reports must be positive");
    }
    Ok((config, runs))
}

/// A server setting passed through from the environment, else its default.
fn setting(name: &str, default: usize) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}
