//! The HTTP side: log-ins, and a driver that runs `n` requests from `clients` concurrent
//! clients, timing each from send to the last byte of the answer.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use indicatif::ProgressBar;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use cunxiang_bench::measure::Measurement;

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
    /// Latency of every successful request in nanoseconds, sorted.
    pub latencies_ns: Vec<f64>,
}

impl Sample {
    /// Successful requests per second of wall-clock time.
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.wall_s
    }

    /// As a one-run [`Measurement`] for `measure::print_table`.
    pub fn measurement(&self, label: &str) -> Measurement {
        Measurement {
            label: label.to_owned(),
            per_second: vec![self.per_second()],
            sample_ns: self.latencies_ns.clone(),
        }
    }
}

/// An HTTP client for the bench (plain HTTP to 127.0.0.1, connections kept per client task).
pub fn client() -> anyhow::Result<Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(Client::builder()
        .timeout(Duration::from_secs(300))
        .pool_max_idle_per_host(256)
        .build()?)
}

/// Logs each phone in with the fixed code; returns their access tokens.
pub async fn villagers(
    client: &Client,
    base: &str,
    phones: &[String],
) -> anyhow::Result<Vec<String>> {
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
        tokens.push(log_in(client, base, &json!({ "phone": phone, "code": CODE })).await?);
    }
    Ok(tokens)
}

/// `POST /v1/auth/login` with `body`; returns the access token.
pub async fn log_in(client: &Client, base: &str, body: &Value) -> anyhow::Result<String> {
    let res = client
        .post(format!("{base}/v1/auth/login"))
        .json(body)
        .send()
        .await?;
    let status = res.status();
    let answer: Value = res.json().await?;
    let token = answer["access_token"]
        .as_str()
        .with_context(|| format!("POST /v1/auth/login: {status} {answer}"))?;
    Ok(token.to_owned())
}

/// Runs `op(i)` for every `i` in `0..n` from `clients` concurrent tasks (each takes the next
/// `i`), timing every call. Returns the sample and each call's result (`None` when it failed).
pub async fn drive<T, F, Fut>(
    n: usize,
    clients: usize,
    bar: &ProgressBar,
    op: F,
) -> anyhow::Result<(Sample, Vec<Option<T>>)>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, String>> + Send,
{
    drive_until(n, clients, None, bar, op).await
}

/// [`drive`], except that no call starts after `stop_at` (calls under way finish): the
/// results of the calls never made are `None`.
pub async fn drive_until<T, F, Fut>(
    n: usize,
    clients: usize,
    stop_at: Option<Instant>,
    bar: &ProgressBar,
    op: F,
) -> anyhow::Result<(Sample, Vec<Option<T>>)>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, String>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let op = Arc::new(op);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients.max(1) {
        let (next, op, bar) = (next.clone(), op.clone(), bar.clone());
        tasks.push(tokio::spawn(async move {
            let mut sample = Sample::default();
            let mut results = Vec::new();
            loop {
                if stop_at.is_some_and(|t| Instant::now() >= t) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let start = Instant::now();
                let outcome = op(i).await;
                let ns = start.elapsed().as_nanos() as f64;
                match outcome {
                    Ok(value) => {
                        sample.ok += 1;
                        sample.latencies_ns.push(ns);
                        results.push((i, value));
                    }
                    Err(e) => {
                        sample.errors += 1;
                        sample.first_error.get_or_insert(e);
                    }
                }
                bar.inc(1);
            }
            (sample, results)
        }));
    }
    let mut sample = Sample::default();
    let mut all: Vec<Option<T>> = (0..n).map(|_| None).collect();
    for task in tasks {
        let (part, results) = task.await?;
        sample.ok += part.ok;
        sample.errors += part.errors;
        if sample.first_error.is_none() {
            sample.first_error = part.first_error;
        }
        sample.latencies_ns.extend(part.latencies_ns);
        for (i, value) in results {
            if let Some(slot) = all.get_mut(i) {
                *slot = Some(value);
            }
        }
    }
    sample.wall_s = started.elapsed().as_secs_f64();
    sample.latencies_ns.sort_by(f64::total_cmp);
    Ok((sample, all))
}

/// `POST path` with a bearer token, a JSON body and optionally an `Idempotency-Key`; the
/// answer's text when the status is `expected`.
pub async fn post(
    client: &Client,
    url: String,
    token: &str,
    body: &Value,
    idempotency: bool,
    expected: StatusCode,
) -> Result<String, String> {
    let mut req = client.post(&url).bearer_auth(token).json(body);
    if idempotency {
        req = req.header("Idempotency-Key", uuid::Uuid::now_v7().to_string());
    }
    let res = req.send().await.map_err(|e| format!("POST {url}: {e}"))?;
    let status = res.status();
    let text = res.text().await.map_err(|e| e.to_string())?;
    if status == expected {
        Ok(text)
    } else {
        Err(format!("POST {url}: {status} {text}"))
    }
}

/// Uploads one photo as multipart part `file`; returns the new media id.
pub async fn upload(
    client: &Client,
    base: &str,
    token: &str,
    bytes: Vec<u8>,
) -> Result<String, String> {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("evidence.jpg")
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
    if status != StatusCode::CREATED {
        return Err(format!("POST /v1/media: {status} {text}"));
    }
    let answer: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    answer["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no id in the answer: {text}"))
}
