//! A partner whose server accepts connections and never answers does not slow the others: with
//! the delivery worker's loop running, a healthy webhook gets 600 deliveries about as fast
//! beside such a black hole as alone, the black hole is paused by its circuit breaker after a
//! few timeouts, and its deliveries wait, pending and untried (not dead), instead of using up
//! tries. The bulk of the deliveries is written straight into the outbox, as the event's
//! transaction writes them, so the test times delivery rather than filing. On shutdown the
//! worker stops claiming and lets the sends in flight finish and record their outcomes.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use cunxiang_core::push::{DeliveryChannel, DeliveryStatus};
use cunxiang_storage::push::claims::Destination;
use cunxiang_storage::push::deliveries::{self, Delivery, DeliveryFilter, NewDelivery};
use cunxiang_tests::intake::ANNA;
use cunxiang_tests::push::{BlackHole, HookReceiver};
use cunxiang_tests::{Backend, TestDb, TestServer, covered};
use rstest::rstest;
use serde_json::json;
use uuid::Uuid;

/// Deliveries the healthy webhook gets in each round.
const ROUND: usize = 600;

/// Calls `receiver` got so far.
async fn calls(receiver: &HookReceiver) -> usize {
    receiver
        .server
        .received_requests()
        .await
        .unwrap_or_default()
        .len()
}

/// Waits until `receiver` got `n` calls; panics after `limit`.
async fn until_received(receiver: &HookReceiver, n: usize, limit: Duration) {
    let started = Instant::now();
    loop {
        let got = calls(receiver).await;
        if got >= n {
            return;
        }
        assert!(
            started.elapsed() < limit,
            "{got} of {n} deliveries after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs `f` on a connection of the test's own, off the async runtime.
async fn with_db<T: Send + 'static>(
    srv: &TestServer,
    f: impl FnOnce(&mut cunxiang_storage::DbConn) -> T + Send + 'static,
) -> T {
    let url = srv.db.url.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = cunxiang_storage::DatabaseTarget::parse(&url)
            .unwrap()
            .connect()
            .unwrap();
        f(&mut conn)
    })
    .await
    .unwrap()
}

/// Writes one copy of `like` to each of `targets`, `rows` times over (interleaved), in one
/// transaction: they fall due together.
async fn owe(srv: &TestServer, like: &Delivery, targets: &[Uuid], rows: usize) {
    let new: Vec<NewDelivery> = (0..rows)
        .flat_map(|_| targets.iter())
        .map(|target| NewDelivery {
            event_id: like.event_id,
            report_id: like.report_id,
            channel: DeliveryChannel::Webhook,
            target: *target,
            payload: like.payload.clone(),
        })
        .collect();
    with_db(srv, move |conn| {
        cunxiang_storage::conn::transaction(conn, |c| {
            deliveries::insert(c, &new, chrono::Utc::now())
        })
        .unwrap();
    })
    .await;
}

/// Every webhook delivery in the outbox.
async fn outbox(srv: &TestServer) -> Vec<Delivery> {
    with_db(srv, |conn| {
        let filter = DeliveryFilter {
            channel: Some(DeliveryChannel::Webhook),
            ..DeliveryFilter::default()
        };
        deliveries::list(conn, &filter, 10 * ROUND as i64).unwrap()
    })
    .await
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn a_partner_that_never_answers_does_not_hold_up_the_others(#[case] backend: Backend) {
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            // The worker's own loop delivers (tests usually drive passes themselves).
            s.push.delivery_interval_ms = 100;
            s.test_phones = vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
        })
        .await;
        let defaults = cunxiang_api::Settings::from_lookup(|_| None).unwrap().push;
        // Sends that may go out before the breaker opens: a full set of slots, then one more
        // for each of the failures that open it but the last; then one probe per pause.
        let most_tries = defaults.delivery_per_destination + defaults.breaker_failures as usize;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let hook = |name: &str, url: String| {
            json!({ "name": name, "url": url, "event_types": ["submitted"],
                    "secret": "0123456789abcdef-secret" })
        };
        let healthy = HookReceiver::start().await;
        let (healthy_id, secret) = srv.webhook(&admin, hook("healthy", healthy.url())).await;
        let healthy_id: Uuid = healthy_id.parse().unwrap();

        // A real event, delivered by the loop on its own; its delivery is the model.
        srv.report_at_dukou(&anna, "other", "路灯坏了").await;
        until_received(&healthy, 1, Duration::from_secs(30)).await;
        let model = outbox(&srv).await.pop().unwrap();
        assert_eq!(model.target, healthy_id);

        // Alone.
        owe(&srv, &model, &[healthy_id], ROUND).await;
        let started = Instant::now();
        until_received(&healthy, 1 + ROUND, Duration::from_secs(120)).await;
        let alone = started.elapsed();

        // Beside a black hole owed as many, due at the same moments.
        let hole = BlackHole::start().await;
        let (hole_id, _) = srv
            .webhook(&admin, hook("black hole", hole.url.clone()))
            .await;
        let hole_id: Uuid = hole_id.parse().unwrap();
        owe(&srv, &model, &[healthy_id, hole_id], ROUND).await;
        let started = Instant::now();
        // Without the bounds and the breaker this took ≈ 200 s (16 sends held 5 s a pass).
        let bound = alone * 3 + Duration::from_secs(10);
        until_received(&healthy, 1 + 2 * ROUND, bound).await;
        let beside = started.elapsed();
        eprintln!(
            "{backend:?}: {ROUND} deliveries alone in {:.2} s, beside a black hole in {:.2} s",
            alone.as_secs_f64(),
            beside.as_secs_f64()
        );

        // The black hole's breaker opened after a few timeouts (5 s each).
        let waited = Instant::now();
        while srv.paused_destinations().is_empty() && waited.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            srv.paused_destinations(),
            [Destination::Webhook(hole_id)],
            "{backend:?}"
        );
        let tried = hole.connections();
        assert!(
            (3..=most_tries).contains(&tried),
            "{backend:?}: the black hole was called {tried} times"
        );

        // Every healthy delivery went out once; the black hole's wait, pending, mostly untried.
        let calls = healthy.calls(&secret).await;
        let distinct: HashSet<&str> = calls.iter().map(|c| c.delivery_id.as_str()).collect();
        assert_eq!(
            (calls.len(), distinct.len()),
            (1 + 2 * ROUND, 1 + 2 * ROUND)
        );
        assert!(calls.iter().all(|c| c.signature.is_ok()));
        let rows = outbox(&srv).await;
        let (to_healthy, to_hole): (Vec<_>, Vec<_>) =
            rows.iter().partition(|d| d.target == healthy_id);
        assert!(to_healthy.iter().all(|d| d.status == DeliveryStatus::Sent));
        assert_eq!(to_hole.len(), ROUND);
        assert!(
            to_hole.iter().all(|d| d.status == DeliveryStatus::Pending),
            "{backend:?}: the pause kills nothing"
        );
        let untried = to_hole.iter().filter(|d| d.attempts == 0).count();
        assert!(
            untried >= ROUND - tried,
            "{backend:?}: {untried} untried; the pause uses up no tries"
        );
        assert!(srv.deliveries(&admin, "?status=dead").await.is_empty());
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[tokio::test]
async fn on_shutdown_the_worker_claims_no_more_and_lets_sends_in_flight_finish(
    #[case] backend: Backend,
) {
    if covered(backend) {
        let srv = TestServer::start_on(TestDb::new(backend), |s| {
            s.push.delivery_interval_ms = 100;
            s.push.webhook_timeout_secs = 2;
            s.test_phones = vec![(ANNA.into(), cunxiang_api::settings::Secret("123456".into()))];
        })
        .await;
        let admin = srv.login("admin").await;
        let anna = srv.villager(ANNA).await;
        let hole = BlackHole::start().await;
        let body = json!({ "name": "black hole", "url": hole.url.clone(),
                           "event_types": ["submitted"] });
        srv.webhook(&admin, body).await;
        srv.report_at_dukou(&anna, "other", "路灯坏了").await;
        let waited = Instant::now();
        while hole.connections() == 0 && waited.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(hole.connections(), 1, "{backend:?}: the send is out");

        // The send in flight runs into its timeout and its outcome is recorded before the
        // worker is done.
        assert_eq!(srv.stop_workers().await, Vec::<&str>::new(), "{backend:?}");
        let rows = outbox(&srv).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].status.as_str(), rows[0].attempts),
            ("pending", 1),
            "{backend:?}: {:?}",
            rows[0]
        );
        assert_eq!(rows[0].last_error.as_deref(), Some("timeout"));

        // Nothing more is claimed.
        srv.report_at_dukou(&anna, "other", "又坏了").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(hole.connections(), 1, "{backend:?}");
        let rows = outbox(&srv).await;
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].attempts, 0, "{backend:?}: {:?}", rows[0]);
    }
}
