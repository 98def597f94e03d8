//! `intake-bench`'s parts: the server in a child process ([`server`]), the upload bodies
//! ([`photo`]), the HTTP load ([`load`]) and the tables ([`summary`]); [`round`] runs one
//! round against a fresh server; [`worst`] is the worst-case memory mode.

pub mod load;
pub mod photo;
pub mod server;
pub mod summary;
pub mod worst;

use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use reqwest::Client;

use load::Sample;
use server::{RssSampler, ServerProcess};
use summary::Phase;

/// What a round sends.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// 12 MP uploads measured.
    pub uploads: usize,
    /// Concurrent clients (and villagers).
    pub clients: usize,
    /// Seconds of each report phase.
    pub seconds: f64,
}

/// The upload bodies, made once.
pub struct Photos {
    /// The 12 MP phone photo.
    pub big: Arc<Vec<u8>>,
    /// A small photo for the reports that carry one (their cost is attaching, not decoding).
    pub small: Arc<Vec<u8>>,
}

/// Uploads made (not measured) before the 12 MP phase, to open connections and warm caches.
const WARM_UP: usize = 2;
/// Most small photos made per villager for the photo-report phase.
const MAX_POOL: usize = 2_000;

/// One round on a fresh server: 12 MP uploads, reports without a photo, reports with one.
pub async fn round(
    server: &ServerProcess,
    client: &Client,
    photos: &Photos,
    config: Config,
    label: &str,
) -> anyhow::Result<Vec<Phase>> {
    let base = server.base.as_str();
    let phones = server::phones(config.clients);
    let tokens = load::log_in(client, base, &phones).await?;
    let warm = ProgressBar::hidden();
    load::uploads(
        client,
        base,
        &tokens,
        photos.big.clone(),
        (WARM_UP, WARM_UP, &format!("{label} warm")),
        &warm,
    )
    .await?;

    let mut phases = Vec::new();
    let bar = counter(config.uploads as u64, "POST /v1/media 12 MP");
    let probe = Probe::begin(server);
    let (sample, _) = load::uploads(
        client,
        base,
        &tokens,
        photos.big.clone(),
        (config.uploads, config.clients, label),
        &bar,
    )
    .await?;
    bar.finish_and_clear();
    phases.push(probe.end(
        server,
        format!("POST /v1/media 12 MP, {} conc.", config.clients),
        sample,
    ));

    let bar = spinner("POST /v1/reports");
    let probe = Probe::begin(server);
    let sample = load::reports(client, base, &tokens, None, config.seconds, &bar).await?;
    bar.finish_and_clear();
    let rate = sample.per_second();
    phases.push(probe.end(server, "POST /v1/reports, no photo".into(), sample));

    // Enough small photos for every client to keep going for the whole phase.
    let per_villager =
        ((rate * config.seconds * 1.5 / config.clients as f64).ceil() as usize + 4).min(MAX_POOL);
    let total = per_villager * config.clients;
    let bar = counter(total as u64, "small photos (setup)");
    let (_, pool) = load::uploads(
        client,
        base,
        &tokens,
        photos.small.clone(),
        (total, config.clients, &format!("{label} pool")),
        &bar,
    )
    .await?;
    bar.finish_and_clear();
    let bar = spinner("POST /v1/reports + photo");
    let probe = Probe::begin(server);
    let sample = load::reports(client, base, &tokens, Some(pool), config.seconds, &bar).await?;
    bar.finish_and_clear();
    phases.push(probe.end(server, "POST /v1/reports, 1 photo".into(), sample));
    Ok(phases)
}

/// Server and client CPU time and server memory, from the start of a phase.
struct Probe {
    server_cpu: f64,
    client_cpu: f64,
    rss_start_mb: f64,
    rss: RssSampler,
}

impl Probe {
    fn begin(server: &ServerProcess) -> Self {
        Probe {
            server_cpu: server.cpu_seconds().unwrap_or(f64::NAN),
            client_cpu: server::own_cpu_seconds().unwrap_or(f64::NAN),
            rss_start_mb: server.rss_mb().unwrap_or(f64::NAN),
            rss: server.sample_rss(),
        }
    }

    fn end(self, server: &ServerProcess, name: String, sample: Sample) -> Phase {
        let (rss_max_mb, rss_samples) = self.rss.stop();
        Phase {
            name,
            sample,
            server_cpu_s: server.cpu_seconds().unwrap_or(f64::NAN) - self.server_cpu,
            client_cpu_s: server::own_cpu_seconds().unwrap_or(f64::NAN) - self.client_cpu,
            rss_start_mb: self.rss_start_mb,
            rss_max_mb,
            rss_samples,
            hwm_mb: server.peak_rss_mb().unwrap_or(f64::NAN),
        }
    }
}

/// A progress bar in the bench's style.
fn counter(len: u64, label: &str) -> ProgressBar {
    cunxiang_bench::measure::progress_bar(len, label)
}

/// A counter for phases that run for a time rather than a count.
fn spinner(label: &str) -> ProgressBar {
    let style = ProgressStyle::with_template(
        "{msg:>24} [{elapsed_precise}] {spinner} {human_pos} requests ({per_sec})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let bar = ProgressBar::new_spinner()
        .with_style(style)
        .with_message(label.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}
