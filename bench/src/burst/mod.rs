//! `burst-bench`'s parts: the report bodies ([`place`]), the figures of a burst ([`figures`]),
//! the Markdown table ([`table`]), the perf flame graph ([`flame`]) and the PostgreSQL
//! backends' CPU time ([`backends`]); [`run`] runs one burst
//! against a fresh release server on a fresh database. The server process is `kpi-bench`'s
//! (`kpi/server.rs`), the scratch databases, log-ins and request driver `lifecycle-bench`'s.

pub mod backends;
pub mod figures;
pub mod flame;
pub mod place;
pub mod table;
pub mod waits;

// Only its server, scratch database and HTTP driver are used here.
#[allow(dead_code)]
#[path = "../lifecycle/mod.rs"]
pub mod lifecycle;

#[allow(dead_code)]
#[path = "../kpi/server.rs"]
pub mod release;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use reqwest::Client;
use serde_json::Value;

use cunxiang_bench::measure;
use figures::{Figures, Filing};
use lifecycle::load;
use lifecycle::server::{CODE, ScratchDb, phones};

/// What every burst does.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `cunxiang` binary.
    pub server: PathBuf,
    /// Reports per burst.
    pub reports: usize,
    /// Villagers filing them (report `i` by villager `i % villagers`).
    pub villagers: usize,
    /// No report is sent after this many seconds of a burst.
    pub max_secs: f64,
    /// PostgreSQL admin URL for scratch databases.
    pub postgres: Option<String>,
}

/// Where a burst runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Db {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A scratch database on the PostgreSQL server.
    Postgres,
}

impl Db {
    /// Its name in tables.
    pub fn name(self) -> &'static str {
        match self {
            Db::Sqlite => "SQLite",
            Db::Postgres => "PostgreSQL",
        }
    }

    /// Its name in file names.
    pub fn slug(self) -> &'static str {
        match self {
            Db::Sqlite => "sqlite",
            Db::Postgres => "postgres",
        }
    }
}

/// A flame graph to record during a burst.
#[derive(Debug, Clone)]
pub struct FlameRequest {
    /// Where the SVG goes.
    pub svg: PathBuf,
    /// Its title.
    pub title: String,
    /// `perf record --call-graph` mode.
    pub call_graph: String,
}

/// One burst's outcome.
pub struct Run {
    /// Its figures.
    pub figures: Figures,
    /// Seconds the server took to start (migrations, demo county).
    pub startup_s: f64,
    /// Whether the Beijing day changed during the burst (then not all reports are on one day).
    pub day_changed: bool,
    /// The server's logged errors by cause, with their counts (the most frequent few).
    pub server_errors: Vec<(usize, String)>,
    /// The flame graph, when one was recorded.
    pub flame: Option<(PathBuf, flame::Flame)>,
}

/// One burst: a fresh database and server, the villagers log in, then `clients` concurrent
/// clients file `bodies` (each under a fresh `Idempotency-Key`) until all are sent or the
/// time cap passes.
pub async fn run(
    config: &Config,
    db: Db,
    clients: usize,
    bodies: Arc<Vec<Value>>,
    client: &Client,
    flame: Option<&FlameRequest>,
) -> anyhow::Result<Run> {
    let scratch = ScratchDb::new(match db {
        Db::Sqlite => None,
        Db::Postgres => Some(config.postgres.as_deref().context("no PostgreSQL URL")?),
    })?;
    let phones = phones(config.villagers);
    let test_phones: Vec<String> = phones.iter().map(|p| format!("{p}:{CODE}")).collect();
    let env = [
        ("CUNXIANG_DEMO", "true".to_owned()),
        ("CUNXIANG_TEST_PHONES", test_phones.join(",")),
        ("CUNXIANG_OTP_PER_IP_HOUR", "1000000".to_owned()),
    ];
    let dir = scratch.dir.path().join("server");
    let server =
        release::Server::start_with(&config.server, &scratch.url, &dir, client, &env).await?;
    let tokens = Arc::new(load::villagers(client, &server.base, &phones).await?);
    let cpu_before = measure::cpu_seconds(Some(server.pid)).unwrap_or(f64::NAN);
    let rss_before = server.status_mb("VmRSS:").unwrap_or(f64::NAN);
    let postgres = db == Db::Postgres;
    let db_before = postgres.then(|| backends::cpu_by_pid(&scratch.url));
    let sampler = match postgres {
        true => Some(waits::Sampler::start(&scratch.url)?),
        false => None,
    };
    let recording = match flame {
        Some(f) => Some(flame::Recording::start(
            server.pid,
            scratch.dir.path(),
            &f.call_graph,
        )?),
        None => None,
    };

    let n = bodies.len();
    let day = cunxiang_core::report::china_day(chrono::Utc::now());
    let bar = measure::progress_bar(n as u64, &format!("{}, {clients} clients", db.name()));
    let start = Instant::now();
    let stop_at = start + Duration::from_secs_f64(config.max_secs);
    let url = format!("{}/v1/reports", server.base);
    let (_, outcomes) = load::drive_until(n, clients, Some(stop_at), &bar, {
        let client = client.clone();
        move |i| {
            let (client, url) = (client.clone(), url.clone());
            let (bodies, token) = (bodies.clone(), tokens[i % tokens.len()].clone());
            async move { Ok(file(&client, &url, &token, &bodies[i], start).await) }
        }
    })
    .await?;
    bar.finish_and_clear();
    let day_changed = cunxiang_core::report::china_day(chrono::Utc::now()) != day;

    let cpu = measure::cpu_seconds(Some(server.pid)).unwrap_or(f64::NAN) - cpu_before;
    let peak = server.status_mb("VmHWM:").unwrap_or(f64::NAN);
    let db_cpu = db_before.and_then(|b| backends::used(&b, &backends::cpu_by_pid(&scratch.url)));
    let db_waits = sampler.map(waits::Sampler::stop);
    let flame = match (recording, flame) {
        (Some(recording), Some(request)) => {
            let data = recording.stop()?;
            let drawn = flame::render(&data, &request.svg, &request.title)?;
            Some((request.svg.clone(), drawn))
        }
        _ => None,
    };
    let startup_s = server.startup_s;
    let server_errors = log_errors(&server.log(), 3);
    drop(server);
    drop(scratch);
    let filings: Vec<Filing> = outcomes.into_iter().flatten().collect();
    let sent_all = filings.len() == n;
    let mut figures = Figures::of(&filings, sent_all, (cpu, peak, rss_before));
    figures.db_cpu_s = db_cpu;
    figures.db_waits = db_waits;
    Ok(Run {
        figures,
        startup_s,
        day_changed,
        server_errors,
        flame,
    })
}

/// Files one report under a fresh `Idempotency-Key`, timed from `start` of the burst.
async fn file(client: &Client, url: &str, token: &str, body: &Value, start: Instant) -> Filing {
    let sent_s = start.elapsed().as_secs_f64();
    let res = client
        .post(url)
        .bearer_auth(token)
        .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
        .json(body)
        .send()
        .await;
    let (status, error) = match res {
        Ok(res) => {
            let status = res.status().as_u16();
            let text = res.text().await;
            match text {
                Ok(_) if (200..300).contains(&status) => (status, None),
                Ok(text) => (status, Some(text)),
                Err(e) => (0, Some(format!("reading the answer: {e}"))),
            }
        }
        Err(e) => (0, Some(e.to_string())),
    };
    Filing {
        status,
        sent_s,
        done_s: start.elapsed().as_secs_f64(),
        error,
    }
}

/// The `ERROR` lines of a server log that name an `error=` cause, grouped by it (ANSI colours
/// and timestamps left out), most frequent first, at most `max` of them with their counts.
pub fn log_errors(log: &str, max: usize) -> Vec<(usize, String)> {
    let mut causes: std::collections::HashMap<String, usize> = Default::default();
    for line in log.lines().filter(|l| l.contains("ERROR")) {
        let plain = strip_ansi(line);
        if let Some((_, cause)) = plain.split_once("error=") {
            *causes.entry(cause.trim().to_owned()).or_insert(0) += 1;
        }
    }
    let mut list: Vec<(usize, String)> = causes.into_iter().map(|(c, n)| (n, c)).collect();
    list.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    list.truncate(max);
    list
}

/// `text` without ANSI escape sequences (`ESC [ … letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_errors_groups_causes() {
        let log = "\u{1b}[2m2026-12-04T17:00:00Z\u{1b}[0m \u{1b}[31mERROR\u{1b}[0m internal error \
                   error=database is locked\nINFO ok\nERROR HTTP request{…}\n\
                   2026-12-04T17:00:01Z ERROR internal error error=database is locked\n";
        assert_eq!(
            super::log_errors(log, 3),
            vec![(2, "database is locked".to_owned())]
        );
    }
}
