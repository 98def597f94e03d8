//! Concurrent writers on every write route, on each backend: a burst of several requests per
//! route (`POST`/`PATCH`/`PUT`/`DELETE` of `endpoints()` and the Open311 POST), every route at
//! once; then 32 reports into one village alongside 8 admins adding regions; then the same
//! admins adding routing rules. Writers that collide may be refused (409 and the like: counted
//! and printed by route), but no answer may be 5xx — a busy SQLite waits on its timeout rather
//! than failing — and every route must see at least one request write. The 5xx are printed
//! with the server's log lines. A second test fails when a write route has no request maker
//! in the tables (`concurrent_writes/requests.rs`, `workflows.rs`). `--nocapture` shows the
//! counts.

mod fixture;
mod requests;
mod workflows;

use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use cunxiang_api::settings::Secret;
use cunxiang_tests::push::Wechat;
use cunxiang_tests::{Backend, TestDb, TestServer, covered};
use futures_util::future::join_all;
use rstest::rstest;
use serde_json::Value;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use fixture::{CALLERS, N, PER_CALLER};
use requests::{OPEN311_POST, ROUTES, Req, region, report, rule, send};
use workflows::WORKFLOW_ROUTES;

#[test]
fn every_write_route_has_a_request_maker() {
    let reads = ["GET", "HEAD", "OPTIONS"];
    let writes: Vec<(String, String)> = cunxiang_api::routes::endpoints()
        .iter()
        .filter(|e| !reads.contains(&e.method.as_str()))
        .map(|e| (e.method.as_str().to_owned(), e.path.to_owned()))
        .collect();
    let mut table: Vec<(String, String)> = ROUTES
        .iter()
        .chain(WORKFLOW_ROUTES)
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = writes.iter().filter(|w| !table.contains(w)).collect();
    assert!(
        missing.is_empty(),
        "write routes without a request maker in concurrent_writes/requests.rs or workflows.rs: {missing:?}"
    );
    let open311 = (OPEN311_POST.0.to_owned(), OPEN311_POST.1.to_owned());
    let stale: Vec<_> = table
        .iter()
        .filter(|t| !writes.contains(t) && **t != open311)
        .collect();
    assert!(
        stale.is_empty(),
        "makers for routes that are gone: {stale:?}"
    );
    let rows = table.len();
    table.sort();
    table.dedup();
    assert_eq!(table.len(), rows, "a route appears twice in the table");
}

/// One answer of a burst.
struct Outcome {
    method: &'static str,
    route: &'static str,
    status: u16,
    body: String,
}

/// Sends every request at once; answers in the same order.
async fn fire(srv: &TestServer, burst: Vec<(&'static str, &'static str, Req)>) -> Vec<Outcome> {
    join_all(burst.into_iter().map(|(method, route, r)| async move {
        let (status, body) = send(srv, r).await;
        Outcome {
            method,
            route,
            status,
            body,
        }
    }))
    .await
}

/// What a burst got: answers by route (status and error code), the 2xx/4xx/5xx counts, and
/// the failures (5xx, or no answer at all) in full.
#[derive(Default)]
struct Tally {
    by_route: BTreeMap<(&'static str, &'static str), BTreeMap<String, usize>>,
    counts: [usize; 3],
    failures: Vec<String>,
}

impl Tally {
    fn of(outcomes: &[Outcome]) -> Self {
        let mut t = Tally::default();
        for o in outcomes {
            let code = serde_json::from_str::<Value>(&o.body)
                .ok()
                .and_then(|b| b["error"]["code"].as_str().map(str::to_owned));
            // Open311 refusals have no `error.code`: show the start of the body instead.
            let label = match code {
                _ if o.status < 300 => o.status.to_string(),
                Some(code) => format!("{} {code}", o.status),
                None => format!(
                    "{} {}",
                    o.status,
                    o.body.chars().take(90).collect::<String>()
                ),
            };
            *t.by_route
                .entry((o.method, o.route))
                .or_default()
                .entry(label)
                .or_default() += 1;
            match o.status {
                200..=299 => t.counts[0] += 1,
                400..=499 => t.counts[1] += 1,
                _ => {
                    t.counts[2] += 1;
                    let body: String = o.body.chars().take(600).collect();
                    let line = format!("{} {} → {}: {body}", o.method, o.route, o.status);
                    t.failures.push(line);
                }
            }
        }
        t
    }

    /// Routes none of whose requests wrote anything (a broken maker, or a route that never
    /// wins against itself).
    fn without_success(&self) -> Vec<String> {
        self.by_route
            .iter()
            .filter(|(_, answers)| !answers.keys().any(|k| k.starts_with('2')))
            .map(|((m, p), answers)| format!("{m} {p}: {answers:?}"))
            .collect()
    }

    fn print(&self, title: &str, took: Duration) {
        let [ok, refused, failed] = self.counts;
        println!("── {title}: {ok} × 2xx, {refused} × 4xx, {failed} × 5xx in {took:.1?}");
        for ((m, p), answers) in &self.by_route {
            let answers: Vec<String> = answers.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
            println!("   {m:6} {p:40} {}", answers.join(", "));
        }
    }
}

/// Captures the server's warnings and errors (the test servers install no log output).
#[derive(Clone, Default)]
struct ServerLog(Arc<Mutex<Vec<u8>>>);

impl io::Write for ServerLog {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl ServerLog {
    /// The process-wide log (installed once: tracing has one global subscriber).
    fn get() -> &'static ServerLog {
        static LOG: OnceLock<ServerLog> = OnceLock::new();
        LOG.get_or_init(|| {
            let log = ServerLog::default();
            let writer = log.clone();
            // Spans from info up (the request's names its route and id), events from warn up
            // but the middleware's (it repeats every error, and warns of every 4xx).
            let keep = filter_fn(|meta| {
                if meta.is_span() {
                    *meta.level() <= LevelFilter::INFO
                } else {
                    *meta.level() <= LevelFilter::WARN
                        && !meta.target().starts_with("tracing_actix_web")
                }
            });
            let layer = tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .with_filter(keep);
            let _ = tracing_subscriber::registry().with(layer).try_init();
            log
        })
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn since(&self, from: usize) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()[from..]).into_owned()
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn concurrent_writers_on_every_write_route_get_no_5xx(#[case] backend: Backend) {
    let log = ServerLog::get();
    let mut problems = Vec::new();
    if covered(backend) {
        let started = Instant::now();
        let wechat = Wechat::start("cw-wx-token").await;
        for k in 0..3 {
            wechat
                .login(&format!("cw-code-{k}"), &format!("o-cw-{k}"))
                .await;
        }
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.test_phones = fixture::test_phones()
                .into_iter()
                .map(|p| (p, Secret("123456".into())))
                .collect();
            s.otp_per_ip_hour = 100_000;
            s.otp_per_phone_hour = 100;
            wechat.configure(s);
        })
        .await;
        let f = fixture::prepare(&srv).await;
        println!("{backend:?}: prepared in {:.1?}", started.elapsed());
        let log_from = log.len();

        // Round 1: N requests on every write route, all at once, the routes interleaved.
        let mut burst = Vec::new();
        for i in 0..N {
            for (method, route, make) in ROUTES.iter().chain(WORKFLOW_ROUTES) {
                burst.push((*method, *route, make(&f, i)));
            }
        }
        let at = Instant::now();
        let answers = fire(&srv, burst).await;
        let first = Tally::of(&answers);
        first.print(&format!("{backend:?} every write route ×{N}"), at.elapsed());
        // First log-ins of one new WeChat user, and 代办 for one new phone, racing each other:
        // every one of them gets the one account made (not a 409 for the slower ones).
        let raced: Vec<String> = answers
            .iter()
            .filter(|o| o.route == "/v1/auth/wechat" || o.route == OPEN311_POST.1)
            .filter(|o| o.status == 409)
            .map(|o| format!("{} {} → {}: {}", o.method, o.route, o.status, o.body))
            .collect();
        if !raced.is_empty() {
            problems.push(format!(
                "{backend:?}: racing first requests refused: {raced:#?}"
            ));
        }

        // Round 2: 32 reports into 渡口村 and 8 admins adding regions, all at once.
        let mut burst = Vec::new();
        for k in 0..CALLERS {
            for j in 0..PER_CALLER {
                let text = format!("第二轮 {k}-{j}");
                let r = report(&f.villagers[k], format!("cw-r2-{k}-{j}"), &text);
                burst.push(("POST", "/v1/reports", r));
                let r = region(&f.admins[k], k, format!("管理员{k}第{j}组"));
                burst.push(("POST", "/v1/regions", r));
            }
        }
        let at = Instant::now();
        let second = Tally::of(&fire(&srv, burst).await);
        let title = format!("{backend:?} 32 reports + 8 admins × 4 regions");
        second.print(&title, at.elapsed());

        // Round 3: the same 8 admins adding routing rules (numbered across the deployment).
        let burst = (0..CALLERS * PER_CALLER)
            .map(|k| {
                (
                    "POST",
                    "/v1/routing-rules",
                    rule(&f, &f.admins[k % CALLERS], k),
                )
            })
            .collect();
        let at = Instant::now();
        let third = Tally::of(&fire(&srv, burst).await);
        third.print(&format!("{backend:?} 8 admins × 4 rules"), at.elapsed());
        println!("{backend:?}: done in {:.1?}", started.elapsed());

        let mut failures: BTreeMap<&String, usize> = BTreeMap::new();
        for failure in [&first, &second, &third].iter().flat_map(|t| &t.failures) {
            *failures.entry(failure).or_default() += 1;
        }
        if !failures.is_empty() {
            let lines: Vec<String> = failures
                .iter()
                .map(|(f, n)| format!("  {n} × {f}"))
                .collect();
            let logged = log.since(log_from);
            let logged: Vec<&str> = logged.lines().take(60).collect();
            problems.push(format!(
                "{backend:?}: {} answers ≥ 500:\n{}\nserver log (warn and up):\n  {}",
                failures.values().sum::<usize>(),
                lines.join("\n"),
                logged.join("\n  ")
            ));
        }
        let idle = first.without_success();
        if !idle.is_empty() {
            problems.push(format!(
                "{backend:?}: routes where no request wrote: {idle:#?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
