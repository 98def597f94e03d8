//! `lifecycle-bench`'s parts: the in-process server on a scratch database ([`server`]), the
//! HTTP driver ([`load`]); [`round`] runs one round against a fresh server: people's actions
//! over HTTP, then the deadline worker's passes on a shifted clock.

pub mod load;
pub mod server;

#[path = "../intake/photo.rs"]
pub mod photo;

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::Duration;
use cunxiang_api::deadlines::{self, TickSummary};
use indicatif::ProgressBar;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use load::Sample;
use server::{ScratchDb, Server};

/// 渡口村's centre (WGS-84): routing gives its reports to 渡口村's grid team.
pub const DUKOU: (f64, f64) = (28.363789, 116.938969);
/// The category of the deadline passes: accept limit 30 minutes, so yellow at 24.
pub const DEADLINE_CATEGORY: &str = "garbage";
/// How far the clock moves for the red step (past garbage's 30-minute accept limit).
pub const RED_AFTER_MIN: i64 = 31;
/// How far the clock moves for the yellow step (past 80 % of 30 minutes, short of 30).
pub const YELLOW_AFTER_MIN: i64 = 25;
/// Most passes the bench runs to drain one step (each handles at most
/// `deadlines::MAX_PER_PASS` reports).
const MAX_PASSES: usize = 1000;

/// What a round does.
#[derive(Debug, Clone)]
pub struct Config {
    /// Reports taken through accept → resolve → rate over HTTP.
    pub reports: usize,
    /// Concurrent clients (and villagers).
    pub clients: usize,
    /// Reports per deadline step.
    pub deadline_reports: usize,
    /// Resolve with one evidence photo each (category garbage) instead of category `other`
    /// (no evidence required).
    pub evidence: bool,
    /// The PostgreSQL server to make scratch databases on; SQLite when `None`.
    pub postgres: Option<String>,
}

impl Config {
    /// The category of the action phase.
    pub fn action_category(&self) -> &'static str {
        if self.evidence { "garbage" } else { "other" }
    }
}

/// One HTTP phase.
pub struct Phase {
    /// Row label.
    pub label: String,
    /// The timings.
    pub sample: Sample,
}

/// One step of the deadline worker (every report of the step handled).
#[derive(Debug, Clone)]
pub struct Step {
    /// Row label.
    pub label: String,
    /// Reports made due.
    pub reports: usize,
    /// What the passes did, summed.
    pub done: TickSummary,
    /// Duration of each pass that did something, in ms.
    pub pass_ms: Vec<f64>,
}

impl Step {
    /// Reports handled.
    pub fn handled(&self) -> usize {
        total(&self.done)
    }

    /// Reports handled per second of pass time.
    pub fn per_second(&self) -> f64 {
        self.handled() as f64 / (self.pass_ms.iter().sum::<f64>() / 1e3)
    }
}

/// What one round measured.
pub struct Round {
    /// The HTTP phases: report creation, accept, resolve, rate.
    pub phases: Vec<Phase>,
    /// The deadline steps: red, yellow.
    pub steps: Vec<Step>,
    /// Peak RSS of this process during the round (`VmHWM` after a reset at its start), MB.
    pub peak_rss_mb: f64,
    /// Whether the peak was reset at the start (else it is the process's since start).
    pub peak_reset: bool,
    /// RSS at the end of the round, MB.
    pub rss_end_mb: f64,
    /// CPU seconds this process (server and client) used in the round.
    pub cpu_s: f64,
    /// Wall-clock seconds of the round.
    pub wall_s: f64,
}

fn total(s: &TickSummary) -> usize {
    s.urged + s.escalated + s.overdue + s.auto_confirmed + s.orders_escalated
}

/// One round on a fresh database and server.
pub async fn round(config: &Config, client: &Client, label: &str) -> anyhow::Result<Round> {
    let started = Instant::now();
    let cpu_before = server::own_cpu_seconds().unwrap_or(f64::NAN);
    let peak_reset = server::reset_peak_rss();
    let db = ScratchDb::new(config.postgres.as_deref())?;
    let phones = server::phones(config.clients);
    let srv = Server::start(&db, &phones).context("starting the server")?;
    let outcome = work(config, client, &srv, &phones, label).await;
    let peak_rss_mb = server::own_status_mb("VmHWM:").unwrap_or(f64::NAN);
    let rss_end_mb = server::own_status_mb("VmRSS:").unwrap_or(f64::NAN);
    srv.stop().await;
    drop(db);
    let (phases, steps) = outcome?;
    Ok(Round {
        phases,
        steps,
        peak_rss_mb,
        peak_reset,
        rss_end_mb,
        cpu_s: server::own_cpu_seconds().unwrap_or(f64::NAN) - cpu_before,
        wall_s: started.elapsed().as_secs_f64(),
    })
}

async fn work(
    config: &Config,
    client: &Client,
    srv: &Server,
    phones: &[String],
    label: &str,
) -> anyhow::Result<(Vec<Phase>, Vec<Step>)> {
    let base = srv.base.clone();
    let villagers = Arc::new(load::villagers(client, &base, phones).await?);
    let n = config.reports;
    let c = config.clients;

    // Reports for the actions, one villager after another.
    let category = config.action_category();
    let (create, made) = create_reports(
        client,
        &base,
        &villagers,
        (n, c, category),
        &format!("{label}: reports"),
    )
    .await?;
    let made = made.into_iter().flatten().collect::<Vec<_>>();
    if made.len() != n {
        bail!(
            "{} of {n} reports were not created; first error: {}",
            n - made.len(),
            create.first_error.unwrap_or_default()
        );
    }
    let unit = made
        .first()
        .map(|r| r.unit.clone())
        .context("no report made")?;
    if let Some(other) = made.iter().find(|r| r.unit != unit) {
        bail!("reports went to different units: {unit} and {}", other.unit);
    }
    let (password, username) = srv.demo_worker_of(&unit)?;
    let worker = Arc::new(
        load::log_in(
            client,
            &base,
            &json!({ "username": username, "password": password }),
        )
        .await?,
    );
    let ids: Arc<Vec<String>> = Arc::new(made.iter().map(|r| r.id.clone()).collect());
    let reporters: Arc<Vec<usize>> = Arc::new(made.iter().map(|r| r.villager).collect());
    let mut phases = vec![Phase {
        label: format!("POST /v1/reports ({category})"),
        sample: create,
    }];

    // The grid worker accepts every report.
    let accept = act_phase(
        client,
        &base,
        (n, c),
        &format!("{label}: accept"),
        {
            let (ids, worker) = (ids.clone(), worker.clone());
            move |i| (ids[i].clone(), worker.to_string(), json!({}))
        },
        "accept",
    )
    .await?;
    phases.push(Phase {
        label: "accept".into(),
        sample: accept,
    });

    // Evidence photos (setup, not timed as part of resolve): one per report, each distinct.
    let media: Arc<Vec<Option<String>>> = Arc::new(if config.evidence {
        let small = Arc::new(photo::synthetic_jpeg(640, 480, 1)?);
        let bar = counter(n as u64, &format!("{label}: evidence photos"));
        let (sample, media) = load::drive(n, c, &bar, {
            let (client, base, worker) = (client.clone(), base.clone(), worker.clone());
            move |i| {
                let bytes = photo::distinct(&small, &format!("lifecycle evidence {i}"));
                let (client, base, worker) = (client.clone(), base.clone(), worker.clone());
                async move { load::upload(&client, &base, &worker, bytes).await }
            }
        })
        .await?;
        bar.finish_and_clear();
        if sample.errors > 0 {
            bail!(
                "{} evidence uploads failed; first: {}",
                sample.errors,
                sample.first_error.unwrap_or_default()
            );
        }
        media
    } else {
        vec![None; n]
    });

    let resolve = act_phase(
        client,
        &base,
        (n, c),
        &format!("{label}: resolve"),
        {
            let (ids, worker, media) = (ids.clone(), worker.clone(), media.clone());
            move |i| {
                let photos: Vec<&String> = media[i].iter().collect();
                let body = json!({ "note": "已处理完毕", "media_ids": photos });
                (ids[i].clone(), worker.to_string(), body)
            }
        },
        "resolve",
    )
    .await?;
    phases.push(Phase {
        label: if config.evidence {
            "resolve (1 evidence photo)".into()
        } else {
            "resolve".into()
        },
        sample: resolve,
    });

    let rate = act_phase(
        client,
        &base,
        (n, c),
        &format!("{label}: rate"),
        {
            let (ids, villagers, reporters) = (ids.clone(), villagers.clone(), reporters.clone());
            move |i| {
                let token = villagers[reporters[i]].clone();
                (
                    ids[i].clone(),
                    token,
                    json!({ "rating": 5, "text": "满意" }),
                )
            }
        },
        "rate",
    )
    .await?;
    phases.push(Phase {
        label: "rate 5".into(),
        sample: rate,
    });

    // The deadline worker: red, then (the clock set back, on fresh reports) yellow.
    let m = config.deadline_reports;
    let red = deadline_step(
        srv,
        client,
        &villagers,
        (m, c),
        RED_AFTER_MIN,
        (&format!("{label}: red"), "red: escalate (accept +31 min)"),
    )
    .await?;
    check_step(&red, m, |d| d.escalated)?;
    // Back to the present, so that the escalated reports' new accept clocks (started at the
    // shifted now) stay clear of the yellow step.
    srv.clock.advance(-Duration::minutes(RED_AFTER_MIN));
    let yellow = deadline_step(
        srv,
        client,
        &villagers,
        (m, c),
        YELLOW_AFTER_MIN,
        (&format!("{label}: yellow"), "yellow: urge (accept +25 min)"),
    )
    .await?;
    check_step(&yellow, m, |d| d.urged)?;
    srv.clock.advance(-Duration::minutes(YELLOW_AFTER_MIN));
    Ok((phases, vec![red, yellow]))
}

/// A report as created.
struct Made {
    id: String,
    unit: String,
    villager: usize,
}

/// `n` reports of `category` at 渡口村 from `clients` concurrent clients, report `i` by
/// villager `i mod villagers`.
async fn create_reports(
    client: &Client,
    base: &str,
    villagers: &Arc<Vec<String>>,
    (n, clients, category): (usize, usize, &'static str),
    label: &str,
) -> anyhow::Result<(Sample, Vec<Option<Made>>)> {
    let bar = counter(n as u64, label);
    let (client, base, villagers) = (client.clone(), base.to_owned(), villagers.clone());
    let result = load::drive(n, clients, &bar, move |i| {
        let (client, villagers) = (client.clone(), villagers.clone());
        let url = format!("{base}/v1/reports");
        async move {
            let villager = i % villagers.len().max(1);
            let body = json!({
                "category": category,
                "description": format!("lifecycle-bench report {i}"),
                "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84",
                              "accuracy_m": 8.0 },
                "channel": "mini_program",
            });
            let token = villagers.get(villager).ok_or("no villager")?;
            let text = load::post(&client, url, token, &body, true, StatusCode::CREATED).await?;
            let answer: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            if answer["status"] != "assigned" {
                return Err(format!("report not assigned: {text}"));
            }
            Ok(Made {
                id: answer["id"].as_str().ok_or("no id")?.to_owned(),
                unit: answer["unit"]["name"].as_str().ok_or("no unit")?.to_owned(),
                villager,
            })
        }
    })
    .await;
    bar.finish_and_clear();
    result
}

/// `POST /v1/reports/{id}/{action}` for every report, `request(i)` giving report `i`'s id,
/// the token and the body; every call must answer 200.
async fn act_phase<F>(
    client: &Client,
    base: &str,
    (n, clients): (usize, usize),
    label: &str,
    request: F,
    action: &'static str,
) -> anyhow::Result<Sample>
where
    F: Fn(usize) -> (String, String, Value) + Send + Sync + 'static,
{
    let bar = counter(n as u64, label);
    let (client, base) = (client.clone(), base.to_owned());
    let (sample, _) = load::drive(n, clients, &bar, move |i| {
        let (id, token, body) = request(i);
        let url = format!("{base}/v1/reports/{id}/{action}");
        let client = client.clone();
        async move {
            load::post(&client, url, &token, &body, false, StatusCode::OK)
                .await
                .map(|_| ())
        }
    })
    .await?;
    bar.finish_and_clear();
    if sample.errors > 0 {
        bail!(
            "{action}: {} of {n} failed; first: {}",
            sample.errors,
            sample.first_error.unwrap_or_default()
        );
    }
    Ok(sample)
}

/// Makes `m` fresh garbage reports (assigned to 渡口村's grid team), moves the clock
/// `minutes` ahead, then runs deadline passes, each timed, until every one of them has been
/// handled (a pass handles at most `deadlines::MAX_PER_PASS`).
async fn deadline_step(
    srv: &Server,
    client: &Client,
    villagers: &Arc<Vec<String>>,
    (m, clients): (usize, usize),
    minutes: i64,
    (label, row): (&str, &str),
) -> anyhow::Result<Step> {
    let (made_sample, made) = create_reports(
        client,
        &srv.base,
        villagers,
        (m, clients, DEADLINE_CATEGORY),
        &format!("{label} reports"),
    )
    .await?;
    let made = made.iter().flatten().count();
    if made != m {
        bail!(
            "{} of {m} reports for the deadline step were not created; first: {}",
            m - made,
            made_sample.first_error.unwrap_or_default()
        );
    }
    srv.clock.advance(Duration::minutes(minutes));
    let mut step = Step {
        label: row.to_owned(),
        reports: m,
        done: TickSummary::default(),
        pass_ms: Vec::new(),
    };
    let bar = counter(m as u64, &format!("{label} passes"));
    for _ in 0..MAX_PASSES {
        let start = Instant::now();
        let done = deadlines::run_once(&srv.state.deadlines())
            .await
            .context("deadline pass failed")?;
        let ms = start.elapsed().as_secs_f64() * 1e3;
        if total(&done) == 0 {
            break;
        }
        step.pass_ms.push(ms);
        add(&mut step.done, &done);
        bar.inc(total(&done) as u64);
    }
    bar.finish_and_clear();
    Ok(step)
}

fn add(sum: &mut TickSummary, pass: &TickSummary) {
    sum.urged += pass.urged;
    sum.escalated += pass.escalated;
    sum.overdue += pass.overdue;
    sum.auto_confirmed += pass.auto_confirmed;
    sum.orders_escalated += pass.orders_escalated;
}

/// Every report of the step was handled the expected way, and nothing else was.
fn check_step(step: &Step, m: usize, expected: fn(&TickSummary) -> usize) -> anyhow::Result<()> {
    if expected(&step.done) != m || step.handled() != m {
        bail!("a deadline step of {m} reports did {:?}", step.done);
    }
    Ok(())
}

/// A progress bar in the bench's style.
fn counter(len: u64, label: &str) -> ProgressBar {
    cunxiang_bench::measure::progress_bar(len, label)
}
