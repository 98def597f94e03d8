//! `intake-bench --worst-case`: photos built to cost the server the most memory for their
//! size, sent by N villagers at once to a fresh server each time, and the server's peak RSS.
//! The hostile one is issue 16's: a 16-bit RGBA PNG of 7071×7071 (under the 50 MP limit, a few
//! hundred KB, 400 MB decoded); the largest accepted one is a 16-bit RGBA PNG of 5000×5000
//! (200 MB decoded, just within the default `CUNXIANG_MAX_DECODED_BYTES`).

use std::sync::Arc;
use std::time::Instant;

use reqwest::Client;

use super::load;
use super::server::{self, ServerProcess};

/// One kind of worst-case photo.
pub struct Kind {
    /// What it is, for the table.
    pub name: &'static str,
    /// The file.
    pub bytes: Arc<Vec<u8>>,
}

/// The photos, made once (a few seconds: the rows are zeros).
pub fn kinds() -> Vec<Kind> {
    let png = |w, h| Arc::new(cunxiang_photo::fixtures::png_rgba16(w, h));
    vec![
        Kind {
            name: "16-bit RGBA PNG 7071×7071 (400 MB decoded)",
            bytes: png(7071, 7071),
        },
        Kind {
            name: "16-bit RGBA PNG 5000×5000 (200 MB decoded)",
            bytes: png(5000, 5000),
        },
    ]
}

/// What one burst did.
#[derive(Debug, Clone)]
pub struct Burst {
    /// Answers by status code, e.g. `201×6`.
    pub statuses: String,
    /// Wall time of the burst, seconds.
    pub wall_s: f64,
    /// Server `VmRSS` before the burst, MB.
    pub rss_start_mb: f64,
    /// Server `VmHWM` after it (peak since the server started), MB.
    pub peak_mb: f64,
    /// Whether the server was still running afterwards.
    pub alive: bool,
}

/// Starts a fresh server, logs `clients` villagers in and has each upload `kind` once, all
/// at the same time.
pub async fn burst(client: &Client, kind: &Kind, clients: usize) -> anyhow::Result<Burst> {
    let mut server = ServerProcess::start(clients)?;
    let tokens = load::log_in(client, &server.base, &server::phones(clients)).await?;
    let rss_start_mb = server.rss_mb().unwrap_or(f64::NAN);
    let started = Instant::now();
    let uploads = tokens.iter().map(|token| {
        let (client, base, bytes) = (client.clone(), server.base.clone(), kind.bytes.clone());
        let token = token.clone();
        tokio::spawn(async move { upload(&client, &base, &token, bytes.to_vec()).await })
    });
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    for task in uploads.collect::<Vec<_>>() {
        let outcome = task.await?;
        *statuses.entry(outcome).or_default() += 1;
    }
    let wall_s = started.elapsed().as_secs_f64();
    let peak_mb = server.peak_rss_mb().unwrap_or(f64::NAN);
    let alive = server.is_running();
    Ok(Burst {
        statuses: statuses
            .iter()
            .map(|(s, n)| format!("{s}×{n}"))
            .collect::<Vec<_>>()
            .join(" "),
        wall_s,
        rss_start_mb,
        peak_mb,
        alive,
    })
}

/// One upload; its status code (with the error code when refused), or how it failed.
async fn upload(client: &Client, base: &str, token: &str, bytes: Vec<u8>) -> String {
    let part = match reqwest::multipart::Part::bytes(bytes)
        .file_name("screenshot.png")
        .mime_str("image/png")
    {
        Ok(part) => part,
        Err(e) => return format!("client error {e}"),
    };
    let sent = client
        .post(format!("{base}/v1/media"))
        .bearer_auth(token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await;
    match sent {
        Ok(res) => {
            let status = res.status().as_u16();
            let body: serde_json::Value = res.json().await.unwrap_or_default();
            match body["error"]["code"].as_str() {
                Some(code) => format!("{status} {code}"),
                None => status.to_string(),
            }
        }
        Err(e) if e.is_connect() || e.is_request() => "connection lost".into(),
        Err(e) => format!("failed: {e}"),
    }
}

/// The median of `values` (NaN when empty).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}
