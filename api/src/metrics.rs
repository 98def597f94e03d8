//! `/metrics`: what an operator's Prometheus scrapes, in its text format, rendered by the
//! `metrics` facade's Prometheus exporter (no text written by hand).
//!
//! **Access.** Served on the API's own address, only when `CUNXIANG_METRICS_TOKEN` is set,
//! and only to a request carrying it as `Authorization: Bearer …` (Prometheus's
//! `authorization` setting); otherwise 404 (not configured) or 401. One address to firewall
//! and no second listener; the figures say nothing personal but tell an attacker how busy
//! the county is, hence the token.
//!
//! **What.** Counted as it happens: requests by route template, method and status with a
//! latency histogram ([`track`]), photos through the pipeline (a histogram of their time),
//! reports filed by channel. Read at each scrape: the pool's connections in use and idle,
//! open live streams and region watches, the outbox's pending and dead deliveries by
//! channel, and the deadline worker's lag (seconds since its last pass ended; it runs every
//! `CUNXIANG_DEADLINE_INTERVAL_SECS`, so a lag well past that means it is stuck). The KPI roll-ups
//! have no lag to report: they are written in the transaction of each change.
//!
//! The recorder is process-wide (the facade's design): several servers in one process (the
//! tests) share it.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use subtle::ConstantTimeEq;

use crate::state::AppState;

/// Seconds buckets of the request latency histogram.
const REQUEST_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// Seconds buckets of the photo pipeline histogram.
const PHOTO_BUCKETS: [f64; 10] = [0.05, 0.1, 0.2, 0.4, 0.8, 1.5, 3.0, 6.0, 12.0, 30.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
/// When the deadline worker last finished a pass (Unix seconds; 0: never in this process).
static LAST_DEADLINE_PASS: AtomicI64 = AtomicI64::new(0);

/// Installs the process-wide recorder (once; later calls return the same handle). `None`
/// when another recorder was installed first.
pub fn install() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("cunxiang_http_request_duration_seconds".into()),
                    &REQUEST_BUCKETS,
                )
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("cunxiang_photo_pipeline_seconds".into()),
                        &PHOTO_BUCKETS,
                    )
                });
            let handle = builder.ok()?.install_recorder().ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    metrics::describe_counter!(
        "cunxiang_http_requests_total",
        "HTTP requests by route template, method and status."
    );
    metrics::describe_histogram!(
        "cunxiang_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time to the response's head, by route template and method."
    );
    metrics::describe_histogram!(
        "cunxiang_photo_pipeline_seconds",
        metrics::Unit::Seconds,
        "Time of one photo through the pipeline (read, plan, decode, render, store)."
    );
    metrics::describe_counter!(
        "cunxiang_reports_filed_total",
        "Reports filed (not replays), by channel."
    );
    metrics::describe_gauge!(
        "cunxiang_db_pool_connections",
        "Database pool connections by state (in_use, idle)."
    );
    metrics::describe_gauge!(
        "cunxiang_live_streams",
        "Open event streams on this instance by kind (own, watch)."
    );
    metrics::describe_gauge!(
        "cunxiang_outbox_deliveries",
        "Outbox deliveries by channel and status (pending, dead)."
    );
    metrics::describe_gauge!(
        "cunxiang_deadline_worker_lag_seconds",
        metrics::Unit::Seconds,
        "Seconds since the deadline worker last finished a pass (-1: not yet)."
    );
}

/// Counts one report filed through `channel`.
pub fn report_filed(channel: &'static str) {
    metrics::counter!("cunxiang_reports_filed_total", "channel" => channel).increment(1);
}

/// Records one photo's time through the pipeline.
pub fn photo_processed(took: Duration) {
    metrics::histogram!("cunxiang_photo_pipeline_seconds").record(took.as_secs_f64());
}

/// Notes that the deadline worker finished a pass now.
pub fn deadline_pass_done() {
    LAST_DEADLINE_PASS.store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
}

/// Middleware: counts each request by its route template (never the raw path: ids would make
/// a series each; `{id}` written `:id`), method and status, and records its latency.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // `/v1/reports/{id}` is labelled `/v1/reports/:id`: braces are valid in a label value,
    // but simple text parsers stumble on them.
    let route = req.match_pattern().map_or_else(
        || "unmatched".to_owned(),
        |p| p.replace('{', ":").replace('}', ""),
    );
    let method = req.method().as_str().to_owned();
    let res = next.call(req).await?;
    let status = res.status().as_u16().to_string();
    metrics::counter!("cunxiang_http_requests_total", "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("cunxiang_http_request_duration_seconds", "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    Ok(res)
}

/// Whether the request carries the configured token.
fn authorised(req: &HttpRequest, token: &str) -> bool {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| bool::from(given.as_bytes().ct_eq(token.as_bytes())))
}

/// `GET /metrics`.
pub async fn scrape(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let Some(token) = state.settings.metrics_token.as_ref() else {
        return HttpResponse::NotFound().finish();
    };
    if !authorised(&req, &token.0) {
        return HttpResponse::Unauthorized()
            .insert_header(("www-authenticate", "Bearer"))
            .finish();
    }
    let Some(handle) = install() else {
        return HttpResponse::ServiceUnavailable().finish();
    };
    let pool = state.pool.state();
    let idle = f64::from(pool.idle_connections);
    metrics::gauge!("cunxiang_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("cunxiang_db_pool_connections", "state" => "in_use")
        .set(f64::from(pool.connections) - idle);
    metrics::gauge!("cunxiang_live_streams", "kind" => "own").set(state.hub.stream_count() as f64);
    metrics::gauge!("cunxiang_live_streams", "kind" => "watch")
        .set(state.hub.watchers.count() as f64);
    let last = LAST_DEADLINE_PASS.load(Ordering::Relaxed);
    let lag = if last == 0 {
        -1.0
    } else {
        (chrono::Utc::now().timestamp() - last) as f64
    };
    metrics::gauge!("cunxiang_deadline_worker_lag_seconds").set(lag);
    let backlog = state
        .db(|conn| Ok(cunxiang_storage::push::deliveries::backlog(conn)?))
        .await;
    match backlog {
        Ok(rows) => {
            for channel in ["webhook", "wechat", "sms"] {
                for status in ["pending", "dead"] {
                    let n = rows
                        .iter()
                        .find(|(c, s, _)| c.as_str() == channel && s.as_str() == status)
                        .map_or(0, |(_, _, n)| *n);
                    metrics::gauge!("cunxiang_outbox_deliveries", "channel" => channel, "status" => status)
                        .set(n as f64);
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read the outbox"),
    }
    handle.run_upkeep();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}
