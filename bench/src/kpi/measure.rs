//! One measurement round against a freshly started server: log in, then for each KPI query a
//! few warm-up requests and N timed ones in sequence (send to last byte), then the CSV export
//! of everything and of the last 30 days (3 downloads each) with the server's memory around
//! them. [`super::tables`] turns the rounds into tables of medians.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use reqwest::Client;
use serde_json::Value;

use super::generate::{ADMIN, PASSWORD, SUPERVISOR};
use super::server::Server;

/// Requests before the timed ones (one only when it took longer than a tenth of the budget).
const WARM_UP: usize = 2;
/// Downloads of each export (one only when it takes over a minute).
pub const DOWNLOADS: usize = 3;
/// "Today" for the periods: the day after the generated history ends (Beijing dates).
const LAST_365: &str = "from=2025-11-29";
const LAST_30: &str = "from=2026-10-30";
/// The first township and its first village (codes the generator gives).
const TOWNSHIP: &str = "360603101";
const VILLAGE: &str = "360603101001";
/// The county: `by=region` within it groups by township.
const COUNTY: &str = "360603";

/// One query of the table.
#[derive(Debug, Clone)]
pub struct Query {
    /// What it asks, for the table.
    pub label: String,
    /// Path and query string.
    pub path: String,
    /// Asked by the township supervisor instead of the admin.
    pub scoped: bool,
}

fn q(label: &str, path: String) -> Query {
    Query {
        label: label.to_owned(),
        path,
        scoped: false,
    }
}

/// The KPI queries measured, summary first.
pub fn queries() -> Vec<Query> {
    let s = "/v1/stats/summary";
    let b = |by: &str, period: &str| {
        if period.is_empty() {
            format!("/v1/stats/breakdown?by={by}")
        } else {
            format!("/v1/stats/breakdown?by={by}&{period}")
        }
    };
    let mut list = vec![
        q("summary: county, all time", s.to_owned()),
        q("summary: county, last 365 days", format!("{s}?{LAST_365}")),
        q("summary: county, last 30 days", format!("{s}?{LAST_30}")),
        q(
            "summary: township, all time",
            format!("{s}?region={TOWNSHIP}"),
        ),
        q(
            "summary: village, last 30 days",
            format!("{s}?region={VILLAGE}&{LAST_30}"),
        ),
        q(
            "summary: county, partial days",
            format!("{s}?from=2025-03-10T09:30:00%2B08:00&to=2026-02-17T15:45:00%2B08:00"),
        ),
        Query {
            label: "summary: township supervisor, all time".into(),
            path: s.to_owned(),
            scoped: true,
        },
    ];
    let county_30 = format!("region={COUNTY}&{LAST_30}");
    let county = format!("region={COUNTY}");
    for (by, period, name) in [
        ("region", county.as_str(), "county by township, all time"),
        (
            "region",
            county_30.as_str(),
            "county by township, last 30 days",
        ),
        ("day", LAST_30, "last 30 days"),
        ("day", LAST_365, "last 365 days"),
        ("category", LAST_30, "last 30 days"),
        ("category", "", "all time"),
        ("unit", LAST_30, "last 30 days"),
        ("unit", "", "all time"),
        ("grid", LAST_30, "last 30 days"),
        ("grid", "", "all time"),
    ] {
        list.push(q(&format!("breakdown by={by}, {name}"), b(by, period)));
    }
    list
}

/// Latencies of one query in one round, ms.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Slowest.
    pub max: f64,
    /// Requests timed.
    pub n: usize,
    /// What the answer said (received count, or number of groups).
    pub answer: String,
}

/// One export's figures in one round (median of the downloads).
#[derive(Debug, Clone)]
pub struct ExportFigures {
    /// Which export.
    pub label: &'static str,
    /// Data rows (lines minus the header).
    pub rows: usize,
    /// Bytes of the file.
    pub bytes: usize,
    /// Median seconds per download.
    pub seconds: f64,
}

/// Server memory, MB.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// VmRSS once started and logged in.
    pub idle_rss: f64,
    /// VmHWM after the KPI queries, before the first export.
    pub hwm_before_export: f64,
    /// VmRSS then.
    pub rss_before_export: f64,
    /// VmHWM after the exports.
    pub hwm_after_export: f64,
    /// VmRSS after the exports.
    pub rss_after_export: f64,
}

/// Everything one round measured.
#[derive(Debug, Clone)]
pub struct Round {
    /// Seconds until the server answered.
    pub startup_s: f64,
    /// Per query, in the order of [`queries`].
    pub timings: Vec<Timing>,
    /// The two exports.
    pub exports: Vec<ExportFigures>,
    /// Server memory.
    pub memory: Memory,
    /// The report list and views (see [`super::reads`]).
    pub reads: Vec<super::reads::ReadTiming>,
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of some values.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    percentile(&v, 50.0)
}

async fn get(client: &Client, url: &str, token: &str) -> anyhow::Result<Vec<u8>> {
    let res = client.get(url).bearer_auth(token).send().await?;
    let status = res.status();
    let body = res.bytes().await?;
    if !status.is_success() {
        bail!("GET {url}: {status} {}", String::from_utf8_lossy(&body));
    }
    Ok(body.to_vec())
}

fn answer(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return "?".into();
    };
    if let Some(items) = v.get("items").and_then(Value::as_array) {
        return format!("{} groups", items.len());
    }
    let num = |k: &str| v.get(k).map_or("null".into(), |x| x.to_string());
    format!(
        "received {}, 办结率 {:.3}, 按期 {:.3}, 满意 {:.3}, resolve p50/p90 {}/{} min, overdue {}",
        num("received"),
        v.get("completion_rate")
            .and_then(Value::as_f64)
            .unwrap_or(f64::NAN),
        v.get("on_time_rate")
            .and_then(Value::as_f64)
            .unwrap_or(f64::NAN),
        v.get("satisfaction_rate")
            .and_then(Value::as_f64)
            .unwrap_or(f64::NAN),
        num("resolve_minutes_median"),
        num("resolve_minutes_p90"),
        num("overdue_now"),
    )
}

/// How many requests a query gets.
#[derive(Debug, Clone, Copy)]
pub struct Effort {
    /// Timed requests at most.
    pub requests: usize,
    /// Stop timing once this many seconds have been spent on the query (after at least
    /// [`MIN_REQUESTS`]).
    pub budget_s: f64,
}

/// Timed requests of a query at least, whatever the budget.
pub const MIN_REQUESTS: usize = 5;

/// Times `query` up to `effort.requests` times after the warm-up.
async fn time_query(
    client: &Client,
    base: &str,
    token: &str,
    query: &Query,
    effort: Effort,
) -> anyhow::Result<Timing> {
    let url = format!("{base}{}", query.path);
    let mut last = Vec::new();
    for _ in 0..WARM_UP {
        let t = Instant::now();
        last = get(client, &url, token).await?;
        if t.elapsed().as_secs_f64() > effort.budget_s / 10.0 {
            break;
        }
    }
    let started = Instant::now();
    let mut ms = Vec::with_capacity(effort.requests);
    while ms.len() < effort.requests
        && (ms.len() < MIN_REQUESTS || started.elapsed().as_secs_f64() < effort.budget_s)
    {
        let t = Instant::now();
        last = get(client, &url, token).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok(Timing {
        p50: percentile(&ms, 50.0),
        p90: percentile(&ms, 90.0),
        max: ms.last().copied().unwrap_or(f64::NAN),
        n: ms.len(),
        answer: answer(&last),
    })
}

/// Downloads `path` and counts its bytes and lines as they arrive.
async fn download(client: &Client, url: &str, token: &str) -> anyhow::Result<(usize, usize, f64)> {
    let t = Instant::now();
    let mut res = client.get(url).bearer_auth(token).send().await?;
    if !res.status().is_success() {
        bail!("GET {url}: {}", res.status());
    }
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = res.chunk().await? {
        bytes += chunk.len();
        lines += chunk.iter().filter(|&&b| b == b'\n').count();
    }
    Ok((bytes, lines.saturating_sub(1), t.elapsed().as_secs_f64()))
}

/// One round: a fresh server on `database_url`, the queries `n` times each, the exports.
pub async fn round(
    binary: &Path,
    database_url: &str,
    dir: &Path,
    client: &Client,
    effort: Effort,
    ids: &[String],
) -> anyhow::Result<Round> {
    let server = Server::start(binary, database_url, dir, client).await?;
    println!(
        "    server up in {:.1} s (pid {})",
        server.startup_s, server.pid
    );
    let admin = server.log_in(client, ADMIN, PASSWORD).await?;
    let supervisor = server.log_in(client, SUPERVISOR, PASSWORD).await?;
    let mut memory = Memory {
        idle_rss: server.status_mb("VmRSS:")?,
        ..Memory::default()
    };
    let mut timings = Vec::new();
    for query in queries() {
        let token = if query.scoped { &supervisor } else { &admin };
        let timing = time_query(client, &server.base, token, &query, effort)
            .await
            .with_context(|| query.label.clone())?;
        println!(
            "    {:<52} p50 {:>8.1} ms  p90 {:>8.1} ms  max {:>8.1} ms  ({} requests)",
            query.label, timing.p50, timing.p90, timing.max, timing.n
        );
        timings.push(timing);
    }
    let reads = super::reads::measure(client, &server.base, &admin, &supervisor, ids)
        .await
        .context("the report list and views")?;
    for r in &reads {
        println!(
            "    {:<52} p50 {:>8.1} ms  p99 {:>8.1} ms  ({} requests)",
            r.label, r.p50, r.p99, r.n
        );
    }
    memory.hwm_before_export = server.status_mb("VmHWM:")?;
    memory.rss_before_export = server.status_mb("VmRSS:")?;
    let mut exports = Vec::new();
    for (label, path) in [
        ("everything", "/v1/reports.csv".to_owned()),
        (
            "last 30 days",
            "/v1/reports.csv?from=2026-10-30T00:00:00%2B08:00".to_owned(),
        ),
    ] {
        let url = format!("{}{path}", server.base);
        let mut runs = Vec::new();
        let (mut rows, mut bytes) = (0, 0);
        for _ in 0..DOWNLOADS {
            let (b, r, s) = download(client, &url, &admin)
                .await
                .with_context(|| format!("export {label}"))?;
            (rows, bytes) = (r, b);
            runs.push(s);
            // A province-sized export (minutes each): one download says enough.
            if s > 60.0 {
                break;
            }
        }
        let seconds = median(&runs);
        println!(
            "    export {label:<35} {rows} rows, {:.1} MB, {seconds:.2} s ({:.0} rows/s)",
            bytes as f64 / 1e6,
            rows as f64 / seconds
        );
        exports.push(ExportFigures {
            label,
            rows,
            bytes,
            seconds,
        });
    }
    memory.hwm_after_export = server.status_mb("VmHWM:")?;
    memory.rss_after_export = server.status_mb("VmRSS:")?;
    Ok(Round {
        startup_s: server.startup_s,
        timings,
        exports,
        memory,
        reads,
    })
}
