//! Kill -9 and restart: the real `cunxiang` binary is killed while a webhook call is in flight
//! (and, in a second scenario, right after a state change answered, before the worker ran),
//! then started again on the same data dir and database. Every event of the report must reach
//! the receiver with a valid signature — at least once, none lost — and the outbox must hold
//! exactly one delivery per (event, webhook), all sent. SQLite always; PostgreSQL too when
//! `CUNXIANG_TEST_POSTGRES_URL` is set.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cunxiang_core::push::{DeliveryChannel, DeliveryStatus};
use cunxiang_storage::DbConn;
use cunxiang_storage::push::deliveries::{self, Delivery, DeliveryFilter};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The villager's test phone (log-in code 123456).
const PHONE: &str = "13800000007";
/// 渡口村 (WGS-84): routed to 渡口村网格工作组.
const DUKOU: (f64, f64) = (28.363789, 116.938969);
/// The webhook's signing secret.
const SECRET: &str = "push-crash-test-secret-0123456789";
/// How long anything may take on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// A data dir and database for one scenario: SQLite in the data dir, or a scratch PostgreSQL
/// database dropped afterwards.
struct Scratch {
    dir: tempfile::TempDir,
    url: String,
    postgres: Option<(String, String)>,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.postgres
            && let Ok(mut conn) = diesel::PgConnection::establish(admin)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

impl Scratch {
    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn connect(&self) -> DbConn {
        let target = cunxiang_storage::DatabaseTarget::parse(&self.url).unwrap();
        target.connect().unwrap()
    }
}

/// SQLite (unless `CUNXIANG_TEST_ONLY=postgres`), and PostgreSQL when configured.
fn scratches() -> Vec<Scratch> {
    let only = std::env::var("CUNXIANG_TEST_ONLY").unwrap_or_default();
    let mut list = Vec::new();
    if only != "postgres" {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("cunxiang.db").display());
        list.push(Scratch {
            dir,
            url,
            postgres: None,
        });
    }
    if let Ok(admin) = std::env::var("CUNXIANG_TEST_POSTGRES_URL")
        && !admin.is_empty()
        && only != "sqlite"
    {
        let name = format!("cx_crash_{}", Uuid::now_v7().simple());
        let mut conn = diesel::PgConnection::establish(&admin).unwrap();
        conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&name);
        list.push(Scratch {
            dir: tempfile::tempdir().unwrap(),
            url: url.to_string(),
            postgres: Some((admin, name)),
        });
    }
    list
}

/// A running `cunxiang` process, killed (SIGKILL) when dropped, so a failing test leaves none.
struct Server {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the binary on `db` with a delivery pass every `interval_ms`; waits for its
    /// "listening on" line. `run` numbers the log file.
    fn start(db: &Scratch, interval_ms: u64, run: u32) -> Server {
        let log = db.dir.path().join(format!("server-{run}.log"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_cunxiang"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", "warn")
            .env("CUNXIANG_DATA_DIR", db.data_dir())
            .env("DATABASE_URL", &db.url)
            .env("CUNXIANG_BIND", "127.0.0.1:0")
            .env("CUNXIANG_WORKERS", "2")
            .env("CUNXIANG_TEST_PHONES", format!("{PHONE}:123456"))
            .env("CUNXIANG_DELIVERY_INTERVAL_MS", interval_ms.to_string())
            .env("CUNXIANG_DELIVERY_LEASE_SECS", "2")
            .env("CUNXIANG_DELIVERY_RETRY_MIN_SECS", "1")
            .env("CUNXIANG_DELIVERY_RETRY_MAX_SECS", "2")
            // The receiver listens on this machine, inside the network webhooks may not reach.
            .env("CUNXIANG_WEBHOOK_ALLOW", "127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        // Drain stdout on a thread of its own (the pipe must never fill up).
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let url = String::new();
        let mut server = Server { child, url, log };
        let first = rx
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|e| panic!("no banner ({e}); server log:\n{}", server.log_text()));
        assert!(first.contains("listening on"), "{first}");
        server.url = first.trim().rsplit(' ').next().unwrap().to_owned();
        server
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL, and wait until the process is gone.
    fn kill9(mut self) {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "killed, not exited: {status}");
    }
}

/// A webhook receiver that hangs (answers after 30 s) while `hang` is set, else answers 200.
struct Receiver {
    mock: MockServer,
    hang: Arc<AtomicBool>,
}

struct Toggle(Arc<AtomicBool>);

impl Respond for Toggle {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        if self.0.load(Ordering::SeqCst) {
            ResponseTemplate::new(200).set_delay(Duration::from_secs(30))
        } else {
            ResponseTemplate::new(200)
        }
    }
}

impl Receiver {
    async fn start(hang: bool) -> Receiver {
        let mock = MockServer::start().await;
        let hang = Arc::new(AtomicBool::new(hang));
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(Toggle(hang.clone()))
            .mount(&mock)
            .await;
        Receiver { mock, hang }
    }

    async fn requests(&self) -> Vec<Request> {
        self.mock.received_requests().await.unwrap()
    }
}

/// Checks one webhook call (content type, signature over `t.body`, event id header = body id)
/// and returns its event id.
fn verified_event_id(req: &Request) -> Uuid {
    let header = |name: &str| {
        req.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/json");
    let signature = header("x-cunxiang-signature");
    let (t, v1) = signature
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("signature {signature:?}"));
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&req.body);
    let expected = hex::encode(mac.finalize().into_bytes());
    assert_eq!(expected, v1, "bad signature");
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    let id: Uuid = header("x-cunxiang-event-id").parse().unwrap();
    assert_eq!(body["id"], id.to_string(), "{body}");
    id
}

/// The demo staff password, from the data dir's log-ins file.
fn demo_password(db: &Scratch) -> String {
    let text = std::fs::read_to_string(db.data_dir().join("demo-logins.txt")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("password for every demo account: "))
        .unwrap()
        .trim()
        .to_owned()
}

async fn post(srv: &Server, token: Option<&str>, path: &str, body: Value) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", srv.url))
        .header("Idempotency-Key", Uuid::now_v7().to_string())
        .json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Logs in as the demo admin, registers a webhook at `receiver`, logs in as the villager and
/// submits a report in 渡口村. Returns the report id.
async fn register_and_report(srv: &Server, db: &Scratch, receiver: &Receiver) -> Uuid {
    let login = json!({ "username": "admin", "password": demo_password(db) });
    let (status, admin) = post(srv, None, "/v1/auth/login", login).await;
    assert_eq!(status, 200, "{admin}");
    let admin = admin["access_token"].as_str().unwrap().to_owned();
    let hook = json!({ "name": "crash receiver", "url": format!("{}/hook", receiver.mock.uri()),
                       "secret": SECRET });
    let (status, answer) = post(srv, Some(&admin), "/v1/webhooks", hook).await;
    assert_eq!(status, 201, "{answer}");

    let (status, answer) = post(srv, None, "/v1/auth/otp", json!({ "phone": PHONE })).await;
    assert!((200..300).contains(&status), "{answer}");
    let login = json!({ "phone": PHONE, "code": "123456" });
    let (status, villager) = post(srv, None, "/v1/auth/login", login).await;
    assert_eq!(status, 200, "{villager}");
    let token = villager["access_token"].as_str().unwrap();
    let report = json!({ "category": "garbage", "description": "渡口边的垃圾没人清",
        "location": { "lat": DUKOU.0, "lon": DUKOU.1, "coord_system": "wgs84" } });
    let (status, report) = post(srv, Some(token), "/v1/reports", report).await;
    assert_eq!(status, 201, "{report}");
    report["id"].as_str().unwrap().parse().unwrap()
}

/// The report's events a webhook hears of (every non-internal one), and their deliveries.
fn outbox(db: &Scratch, report: Uuid) -> (BTreeSet<Uuid>, Vec<Delivery>) {
    let report = cunxiang_core::ReportId(report);
    let mut conn = db.connect();
    let events = cunxiang_storage::reports::events::of_report(&mut conn, report).unwrap();
    assert!(events.len() >= 2, "submitted and assigned: {events:?}");
    let ids: BTreeSet<Uuid> = events
        .iter()
        .filter(|e| !e.internal)
        .map(|e| e.id)
        .collect();
    let rows = deliveries::list(&mut conn, &DeliveryFilter::default(), 10_000).unwrap();
    let rows = rows
        .into_iter()
        .filter(|d| d.report_id == Some(report))
        .collect();
    (ids, rows)
}

/// Exactly one webhook delivery per event, and none on another channel.
fn assert_one_row_per_event(events: &BTreeSet<Uuid>, rows: &[Delivery]) {
    let mut per: BTreeMap<(Uuid, Uuid), usize> = BTreeMap::new();
    for d in rows {
        assert_eq!(d.channel, DeliveryChannel::Webhook, "{d:?}");
        *per.entry((d.event_id, d.target)).or_default() += 1;
    }
    assert!(
        per.values().all(|n| *n == 1),
        "duplicate outbox rows: {per:?}"
    );
    let covered: BTreeSet<Uuid> = per.keys().map(|(e, _)| *e).collect();
    assert_eq!(&covered, events, "one delivery per event: {rows:?}");
    assert_eq!(rows.len(), events.len());
}

/// Restarts on the same data dir and database with a fast worker and waits until every
/// delivery of `report` is sent; then checks the receiver got every event, signed, after the
/// restart. Returns the restarted server (killed on drop).
async fn restart_and_check(db: &Scratch, receiver: &Receiver, report: Uuid) -> Server {
    let before = receiver.requests().await.len();
    let srv = Server::start(db, 100, 2);
    let deadline = Instant::now() + PATIENCE;
    let (events, rows) = loop {
        let (events, rows) = outbox(db, report);
        if rows.iter().all(|d| d.status == DeliveryStatus::Sent) {
            break (events, rows);
        }
        assert!(
            Instant::now() < deadline,
            "not all sent after restart: {rows:#?}\nserver log:\n{}",
            srv.log_text()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_one_row_per_event(&events, &rows);

    let requests = receiver.requests().await;
    let all: Vec<Uuid> = requests.iter().map(verified_event_id).collect();
    let after: BTreeSet<Uuid> = all[before..].iter().copied().collect();
    assert_eq!(after, events, "every event delivered after the restart");
    let distinct: BTreeSet<Uuid> = all.iter().copied().collect();
    assert_eq!(distinct.len(), events.len(), "none lost, none foreign");
    srv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_during_a_webhook_call_loses_no_delivery() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    for db in scratches() {
        let receiver = Receiver::start(true).await;
        let srv = Server::start(&db, 100, 1);
        let report = register_and_report(&srv, &db, &receiver).await;

        // The worker has called the receiver, which does not answer: the call is in flight.
        let deadline = Instant::now() + PATIENCE;
        while receiver.requests().await.is_empty() {
            assert!(
                Instant::now() < deadline,
                "the worker never called: {}",
                srv.log_text()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        srv.kill9();

        // The crash left the outbox as it was: one row per event, none sent.
        let (events, rows) = outbox(&db, report);
        assert_one_row_per_event(&events, &rows);
        let unsent = rows
            .iter()
            .all(|d| d.status == DeliveryStatus::Pending && d.sent_at.is_none());
        assert!(unsent, "{rows:#?}");
        let seen = receiver.requests().await;
        let in_flight: BTreeSet<Uuid> = seen.iter().map(verified_event_id).collect();
        assert!(!in_flight.is_empty() && in_flight.is_subset(&events));

        receiver.hang.store(false, Ordering::SeqCst);
        let _srv = restart_and_check(&db, &receiver, report).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_right_after_the_change_loses_no_delivery() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    for db in scratches() {
        let receiver = Receiver::start(false).await;
        // The first pass runs at start-up; the next would come a minute later.
        let srv = Server::start(&db, 60_000, 1);
        let report = register_and_report(&srv, &db, &receiver).await;
        srv.kill9();

        let (events, rows) = outbox(&db, report);
        assert_one_row_per_event(&events, &rows);
        let untried = rows
            .iter()
            .all(|d| d.status == DeliveryStatus::Pending && d.attempts == 0);
        assert!(untried, "{rows:#?}");
        assert!(receiver.requests().await.is_empty(), "nothing sent yet");

        let _srv = restart_and_check(&db, &receiver, report).await;
    }
}
