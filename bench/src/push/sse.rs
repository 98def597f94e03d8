//! The client side of `GET /v1/events`: opens streams and records, per stream reader task,
//! the moment each event arrives (keyed by report id and event kind, from the `data:` JSON)
//! and how many streams have seen a heartbeat a full period after opening.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use tokio::task::JoinHandle;

/// `(report id, event kind)`: what identifies an event the bench caused.
pub type Key = (String, String);

/// What every stream's reader saw, shared by all readers of a round.
#[derive(Debug, Default)]
pub struct Tally {
    arrivals: Mutex<HashMap<Key, Instant>>,
    /// Events received (all streams).
    pub events: AtomicUsize,
    /// Streams that have seen a heartbeat after the one sent at opening: actix-web-lab's
    /// keep-alive timer fires once at once, then every period.
    pub heartbeats: AtomicUsize,
}

impl Tally {
    /// When the event `key` first arrived on any stream.
    pub fn arrival(&self, key: &Key) -> Option<Instant> {
        self.lock().get(key).copied()
    }

    /// How many of `keys` have arrived.
    pub fn arrived(&self, keys: &[Key]) -> usize {
        let arrivals = self.lock();
        keys.iter().filter(|k| arrivals.contains_key(*k)).count()
    }

    /// Waits until every one of `keys` has arrived or `limit` has passed; returns how many
    /// are still missing.
    pub async fn wait_for(&self, keys: &[Key], limit: Duration) -> usize {
        let until = Instant::now() + limit;
        loop {
            let missing = keys.len() - self.arrived(keys);
            if missing == 0 || Instant::now() >= until {
                return missing;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Instant>> {
        self.arrivals.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, key: Key, at: Instant) {
        self.lock().entry(key).or_insert(at);
        self.events.fetch_add(1, Ordering::Relaxed);
    }
}

/// An open stream: its reader task, stopped (and the connection closed) on drop.
pub struct Stream(JoinHandle<()>);

impl Drop for Stream {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An HTTP client for streams: no overall timeout (a stream lasts as long as the round),
/// only one for connecting.
pub fn client() -> anyhow::Result<Client> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .build()?)
}

/// Opens `GET {base}/v1/events` with `token` and returns once the response headers have come
/// (the server registers a stream before it answers); a task then reads the stream into
/// `tally`.
pub async fn open(
    client: &Client,
    base: &str,
    token: &str,
    tally: &Arc<Tally>,
) -> Result<Stream, String> {
    let res = client
        .get(format!("{base}/v1/events"))
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .send()
        .await
        .map_err(|e| format!("GET /v1/events: {e}"))?;
    if res.status() != StatusCode::OK {
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        return Err(format!("GET /v1/events: {status} {text}"));
    }
    Ok(Stream(tokio::spawn(read(res, tally.clone()))))
}

/// Reads a stream until it ends, splitting it into SSE blocks (separated by a blank line).
async fn read(mut res: Response, tally: Arc<Tally>) {
    let mut buf: Vec<u8> = Vec::new();
    let mut comments = 0;
    while let Ok(Some(chunk)) = res.chunk().await {
        let now = Instant::now();
        buf.extend_from_slice(&chunk);
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = buf.drain(..end + 2).collect();
            match parse(&String::from_utf8_lossy(&block)) {
                Block::Event(key) => tally.record(key, now),
                Block::Comment => {
                    comments += 1;
                    if comments == 2 {
                        tally.heartbeats.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Block::Other => {}
            }
        }
    }
}

/// One SSE block as the bench sees it.
#[derive(Debug, PartialEq)]
enum Block {
    /// An event about a report: its id and the event's kind.
    Event(Key),
    /// Only comment lines (the heartbeat).
    Comment,
    /// Anything else.
    Other,
}

fn parse(block: &str) -> Block {
    let (mut kind, mut data, mut comment) = (None, None, false);
    for line in block.lines() {
        if let Some(k) = line.strip_prefix("event:") {
            kind = Some(k.trim().to_owned());
        } else if let Some(d) = line.strip_prefix("data:") {
            data = Some(d.trim().to_owned());
        } else if line.starts_with(':') {
            comment = true;
        }
    }
    let report = data
        .and_then(|d| serde_json::from_str::<Value>(&d).ok())
        .and_then(|v| v["report"]["id"].as_str().map(str::to_owned));
    match (kind, report) {
        (Some(kind), Some(id)) => Block::Event((id, kind)),
        _ if comment => Block::Comment,
        _ => Block::Other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn blocks_parse_as_events_and_heartbeats() {
        let event = "id: 7\nevent: accepted\ndata: {\"seq\":7,\"report\":{\"id\":\"r1\"}}\n\n";
        assert_eq!(parse(event), Block::Event(("r1".into(), "accepted".into())));
        assert_eq!(parse(": keep-alive\n\n"), Block::Comment);
        assert_eq!(parse("retry: 10\n\n"), Block::Other);
    }
}
