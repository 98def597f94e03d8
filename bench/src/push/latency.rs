//! One latency round: a fresh scratch database, one or two servers on it (each with its own
//! pool, hub and feed follower), the villagers' streams on the last one, the state changes
//! sent to the first. Two state changes are timed: a villager's `POST /v1/reports` (the
//! `assigned` event on her stream) and the grid worker's accept (the `accepted` event). A
//! change's latency runs from the moment its HTTP response has been read to the moment its
//! event arrives on the stream; it is negative when the event came first.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use super::lifecycle::server::{self, ScratchDb, Server};
use super::lifecycle::{DUKOU, load};
use super::sse::{self, Key, Tally};
use cunxiang_bench::measure::{self, Measurement};

/// How long the bench waits for the last events of a phase before calling them missing.
const SETTLE: Duration = Duration::from_secs(10);

/// Where a round runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setup {
    /// PostgreSQL (else SQLite).
    pub postgres: bool,
    /// API instances on the database (streams on the last, changes sent to the first).
    pub instances: usize,
}

impl Setup {
    /// Its row label.
    pub fn label(&self) -> String {
        let db = if self.postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        match self.instances {
            1 => format!("{db}, 1 instance"),
            n => format!("{db}, {n} instances"),
        }
    }
}

/// What a round does.
#[derive(Debug, Clone)]
pub struct Config {
    /// Reports submitted (and then accepted) per round.
    pub reports: usize,
    /// Concurrent clients sending the changes.
    pub clients: usize,
    /// Villagers (each with one stream).
    pub villagers: usize,
    /// PostgreSQL admin URL for scratch databases.
    pub postgres: Option<String>,
}

/// One timed state change of one round.
#[derive(Debug, Clone)]
pub struct Phase {
    /// The change's response-to-arrival latency of every event that arrived (`sample_ns`,
    /// sorted, negative when the event came first) and the changes sent per second (the load
    /// the streams were under), as one run.
    pub latency: Measurement,
    /// Events that had not arrived [`SETTLE`] after the phase.
    pub missing: usize,
    /// p50 of the HTTP requests themselves, ms.
    pub request_p50_ms: f64,
}

impl Phase {
    /// The `p`-th percentile (0–100) of the latencies, ms.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        self.latency.percentile_us(p) / 1e3
    }

    /// Events that came before the change's response.
    pub fn early(&self) -> usize {
        self.latency.sample_ns.iter().filter(|l| **l < 0.0).count()
    }
}

/// One round of `setup` on a fresh database: the submit phase, then the accept phase.
pub async fn round(
    setup: Setup,
    config: &Config,
    client: &Client,
    label: &str,
) -> anyhow::Result<Vec<Phase>> {
    let db = ScratchDb::new(if setup.postgres {
        Some(config.postgres.as_deref().context("no PostgreSQL URL")?)
    } else {
        None
    })?;
    let phones = server::phones(config.villagers);
    let mut servers = Vec::with_capacity(setup.instances);
    for _ in 0..setup.instances.max(1) {
        servers.push(Server::start(&db, &phones).context("starting a server")?);
    }
    let outcome = phases(config, client, &servers, &phones, label).await;
    for srv in servers {
        srv.stop().await;
    }
    drop(db);
    outcome
}

async fn phases(
    config: &Config,
    client: &Client,
    servers: &[Server],
    phones: &[String],
    label: &str,
) -> anyhow::Result<Vec<Phase>> {
    let (first, last) = match (servers.first(), servers.last()) {
        (Some(f), Some(l)) => (f, l),
        _ => bail!("no server"),
    };
    let villagers = Arc::new(load::villagers(client, &first.base, phones).await?);
    let tally = Arc::new(Tally::default());
    let streams_client = sse::client()?;
    let mut streams = Vec::with_capacity(villagers.len());
    for token in villagers.iter() {
        let stream = sse::open(&streams_client, &last.base, token, &tally).await;
        streams.push(stream.map_err(anyhow::Error::msg)?);
    }

    let n = config.reports;
    let base = first.base.clone();
    let bar = measure::progress_bar(n as u64, &format!("{label}: submit"));
    let (sample, made) = load::drive(n, config.clients, &bar, {
        let (client, villagers) = (client.clone(), villagers.clone());
        move |i| {
            let (client, villagers) = (client.clone(), villagers.clone());
            let url = format!("{base}/v1/reports");
            async move {
                let body = json!({
                    "category": "other",
                    "description": format!("push-bench report {i}"),
                    "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" },
                    "channel": "mini_program",
                });
                let token = &villagers[i % villagers.len()];
                let text = load::post(&client, url, token, &body, true, StatusCode::CREATED);
                let text = text.await?;
                let at = Instant::now();
                let answer: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
                let id = answer["id"].as_str().ok_or("no id")?.to_owned();
                let unit = answer["unit"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                Ok(((id, "assigned".to_owned()), at, unit))
            }
        }
    })
    .await?;
    bar.finish_and_clear();
    let (submit, made) = settle("submit → assigned", &tally, &sample, made).await?;

    let unit = made.first().map(|m| m.2.clone()).unwrap_or_default();
    let (password, username) = first.demo_worker_of(&unit)?;
    let worker = load::log_in(
        client,
        &first.base,
        &json!({ "username": username, "password": password }),
    )
    .await?;
    let ids: Arc<Vec<String>> = Arc::new(made.iter().map(|m| m.0.0.clone()).collect());
    let base = first.base.clone();
    let bar = measure::progress_bar(n as u64, &format!("{label}: accept"));
    let (sample, accepted) = load::drive(n, config.clients, &bar, {
        let client = client.clone();
        move |i| {
            let (client, worker, id) = (client.clone(), worker.clone(), ids[i].clone());
            let url = format!("{base}/v1/reports/{id}/accept");
            async move {
                load::post(&client, url, &worker, &json!({}), false, StatusCode::OK).await?;
                Ok(((id, "accepted".to_owned()), Instant::now(), String::new()))
            }
        }
    })
    .await?;
    bar.finish_and_clear();
    let (accept, _) = settle("accept → accepted", &tally, &sample, accepted).await?;
    drop(streams);
    Ok(vec![submit, accept])
}

/// A state change made: its event's key, when its response had been read, and (for a new
/// report) the unit it went to.
type Change = (Key, Instant, String);

/// Checks that every change of a phase succeeded, waits for their events, then pairs each
/// change's response with its event.
async fn settle(
    label: &str,
    tally: &Tally,
    sample: &load::Sample,
    results: Vec<Option<Change>>,
) -> anyhow::Result<(Phase, Vec<Change>)> {
    let n = results.len();
    let changes: Vec<Change> = results.into_iter().flatten().collect();
    if changes.len() != n {
        bail!(
            "{label}: {} of {n} requests failed: {}",
            n - changes.len(),
            sample.first_error.clone().unwrap_or_default()
        );
    }
    let keys: Vec<Key> = changes.iter().map(|c| c.0.clone()).collect();
    let missing = tally.wait_for(&keys, SETTLE).await;
    let mut sample_ns: Vec<f64> = changes
        .iter()
        .filter_map(|(key, responded, _)| {
            let arrived = tally.arrival(key)?;
            Some(match arrived.checked_duration_since(*responded) {
                Some(after) => after.as_nanos() as f64,
                None => -(responded.duration_since(arrived).as_nanos() as f64),
            })
        })
        .collect();
    sample_ns.sort_by(f64::total_cmp);
    let phase = Phase {
        latency: Measurement {
            label: label.to_owned(),
            per_second: vec![sample.per_second()],
            sample_ns,
        },
        missing,
        request_p50_ms: sample.measurement(label).percentile_us(50.0) / 1e3,
    };
    Ok((phase, changes))
}
