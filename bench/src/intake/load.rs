//! The load: villagers log in, then concurrent clients upload photos (`POST /v1/media`) or
//! submit reports (`POST /v1/reports`), each request timed from send to the last byte of the
//! answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::ProgressBar;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::photo::distinct;
use super::server::CODE;

/// What one phase of requests did.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// Requests answered as expected.
    pub ok: usize,
    /// Requests that failed (other status, transport error).
    pub errors: usize,
    /// The first failure, to print.
    pub first_error: Option<String>,
    /// Wall-clock time of the phase, in seconds.
    pub wall_s: f64,
    /// Latency of every successful request in milliseconds, sorted.
    pub latencies_ms: Vec<f64>,
}

impl Sample {
    /// Successful requests per second of wall-clock time.
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.wall_s
    }

    /// The `p`-th percentile (0–100) of the latencies, nearest rank, in milliseconds.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        percentile(&self.latencies_ms, p)
    }

    fn record(&mut self, outcome: Result<f64, String>) {
        match outcome {
            Ok(ms) => {
                self.ok += 1;
                self.latencies_ms.push(ms);
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    fn merge(&mut self, other: Sample) {
        self.ok += other.ok;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.latencies_ms.extend(other.latencies_ms);
    }
}

/// The `p`-th percentile (0–100) of sorted values, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// An HTTP client for the bench (plain HTTP to 127.0.0.1, one connection per client task).
pub fn client() -> anyhow::Result<Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(Client::builder()
        .timeout(Duration::from_secs(300))
        .pool_max_idle_per_host(256)
        .build()?)
}

/// Logs each phone in with the fixed code; returns their access tokens.
pub async fn log_in(client: &Client, base: &str, phones: &[String]) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::with_capacity(phones.len());
    for phone in phones {
        let res = client
            .post(format!("{base}/v1/auth/otp"))
            .json(&json!({ "phone": phone }))
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("POST /v1/auth/otp {phone}: {}", res.text().await?);
        }
        let res = client
            .post(format!("{base}/v1/auth/login"))
            .json(&json!({ "phone": phone, "code": CODE }))
            .send()
            .await?;
        let status = res.status();
        let answer: Value = res.json().await?;
        let token = answer["access_token"]
            .as_str()
            .with_context(|| format!("POST /v1/auth/login {phone}: {status} {answer}"))?;
        tokens.push(token.to_owned());
    }
    Ok(tokens)
}

/// Uploads one photo; returns the latency in ms and the new media id.
async fn upload(
    client: &Client,
    base: &str,
    token: &str,
    bytes: Vec<u8>,
) -> Result<(f64, String), String> {
    let started = Instant::now();
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("IMG_0001.jpg")
        .mime_str("image/jpeg")
        .map_err(|e| e.to_string())?;
    let form = reqwest::multipart::Form::new().part("file", part);
    let res = client
        .post(format!("{base}/v1/media"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .map_err(|e| format!("POST /v1/media: {e}"))?;
    let status = res.status();
    let text = res.text().await.map_err(|e| e.to_string())?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    if status != StatusCode::CREATED {
        return Err(format!("POST /v1/media: {status} {text}"));
    }
    let answer: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let id = answer["id"].as_str().ok_or("no id in the answer")?;
    Ok((ms, id.to_owned()))
}

/// Uploads `total` distinct copies of `photo` with `clients` concurrent clients, the k-th
/// client as villager k (mod the villagers). `tag` keeps copies distinct across calls.
/// Returns the timings and, per villager, the ids of the photos she uploaded.
pub async fn uploads(
    client: &Client,
    base: &str,
    tokens: &[String],
    photo: Arc<Vec<u8>>,
    (total, clients, tag): (usize, usize, &str),
    bar: &ProgressBar,
) -> anyhow::Result<(Sample, Vec<Vec<String>>)> {
    let next = Arc::new(AtomicUsize::new(0));
    let ids = Arc::new(Mutex::new(vec![Vec::new(); tokens.len()]));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for k in 0..clients {
        let (client, base, next, ids) =
            (client.clone(), base.to_owned(), next.clone(), ids.clone());
        let (photo, bar, tag) = (photo.clone(), bar.clone(), tag.to_owned());
        let who = k % tokens.len().max(1);
        let token = tokens.get(who).cloned().context("no villager logged in")?;
        tasks.push(tokio::spawn(async move {
            let mut sample = Sample::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let bytes = distinct(&photo, &format!("{tag} {i}"));
                let outcome = upload(&client, &base, &token, bytes).await;
                if let Ok((_, id)) = &outcome {
                    ids.lock().await[who].push(id.clone());
                }
                sample.record(outcome.map(|(ms, _)| ms));
                bar.inc(1);
            }
            sample
        }));
    }
    let mut sample = Sample::default();
    for task in tasks {
        sample.merge(task.await?);
    }
    sample.wall_s = started.elapsed().as_secs_f64();
    sample.latencies_ms.sort_by(f64::total_cmp);
    let ids = std::mem::take(&mut *ids.lock().await);
    Ok((sample, ids))
}

/// Submits reports with one client per villager until `seconds` have passed. With `photos`,
/// every report carries one of its villager's unattached photos, and a client stops early
/// when hers run out.
pub async fn reports(
    client: &Client,
    base: &str,
    tokens: &[String],
    photos: Option<Vec<Vec<String>>>,
    seconds: f64,
    bar: &ProgressBar,
) -> anyhow::Result<Sample> {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut photos = photos.map(|p| p.into_iter());
    let mut tasks = Vec::with_capacity(tokens.len());
    for (k, token) in tokens.iter().enumerate() {
        let (client, base, token, bar) =
            (client.clone(), base.to_owned(), token.clone(), bar.clone());
        let mine: Option<Vec<String>> = photos.as_mut().map(|p| p.next().unwrap_or_default());
        tasks.push(tokio::spawn(async move {
            let mut sample = Sample::default();
            let mut mine = mine.map(Vec::into_iter);
            let mut n = 0;
            while Instant::now() < deadline {
                let media_ids: Vec<String> = match mine.as_mut() {
                    None => Vec::new(),
                    Some(left) => match left.next() {
                        Some(id) => vec![id],
                        None => break,
                    },
                };
                n += 1;
                let body = json!({
                    "category": "garbage",
                    "description": format!("垃圾堆在路边 (bench client {k}, report {n})"),
                    "location": {
                        "lat": 28.363789, "lon": 116.938969, "coord_system": "wgs84",
                        "accuracy_m": 8.0,
                    },
                    "media_ids": media_ids,
                    "channel": "mini_program",
                });
                sample.record(report(&client, &base, &token, &body).await);
                bar.inc(1);
            }
            sample
        }));
    }
    let mut sample = Sample::default();
    for task in tasks {
        sample.merge(task.await?);
    }
    sample.wall_s = started.elapsed().as_secs_f64();
    sample.latencies_ms.sort_by(f64::total_cmp);
    Ok(sample)
}

/// Submits one report under a fresh `Idempotency-Key`; returns the latency in ms.
async fn report(client: &Client, base: &str, token: &str, body: &Value) -> Result<f64, String> {
    let started = Instant::now();
    let res = client
        .post(format!("{base}/v1/reports"))
        .bearer_auth(token)
        .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
        .json(body)
        .send()
        .await
        .map_err(|e| format!("POST /v1/reports: {e}"))?;
    let status = res.status();
    let text = res.text().await.map_err(|e| e.to_string())?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    if status == StatusCode::CREATED {
        Ok(ms)
    } else {
        Err(format!("POST /v1/reports: {status} {text}"))
    }
}
