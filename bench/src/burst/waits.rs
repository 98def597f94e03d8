//! What PostgreSQL's backends are doing during a burst: `pg_stat_activity` sampled every
//! 10 ms by a thread of its own, each backend of the scratch database counted under its wait
//! event (`Lock:transactionid`, `LWLock:WALWrite`, `IO:WALSync` …), `CPU` when it is active
//! and waits on nothing, or `idle in transaction` when it waits on the server. The shares show
//! where the connections spend a burst (issue 15: "7 of 8 connections wait on
//! Lock:transactionid").

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

/// How often the backends are looked at.
const EVERY: Duration = Duration::from_millis(10);

#[derive(QueryableByName)]
struct Sample {
    #[diesel(sql_type = Text)]
    what: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A running sampler; [`Sampler::stop`] gives the counts.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<BTreeMap<String, i64>>,
}

impl Sampler {
    /// Starts sampling the backends of the database at `url` (not its own connection).
    pub fn start(url: &str) -> anyhow::Result<Sampler> {
        let mut conn = PgConnection::establish(url)?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut counts: BTreeMap<String, i64> = BTreeMap::new();
            let sql = "SELECT CASE WHEN state = 'active' \
                       THEN COALESCE(wait_event_type || ':' || wait_event, 'CPU') \
                       ELSE state END AS what, COUNT(*) AS n FROM pg_stat_activity \
                       WHERE datname = current_database() AND pid <> pg_backend_pid() \
                       AND state <> 'idle' GROUP BY 1";
            while !flag.load(Ordering::Relaxed) {
                if let Ok(rows) = diesel::sql_query(sql).load::<Sample>(&mut conn) {
                    for r in rows {
                        *counts.entry(r.what).or_default() += r.n;
                    }
                }
                std::thread::sleep(EVERY);
            }
            counts
        });
        Ok(Sampler { stop, thread })
    }

    /// Stops sampling; the counts by wait, largest first.
    pub fn stop(self) -> Vec<(String, i64)> {
        self.stop.store(true, Ordering::Relaxed);
        let counts = self.thread.join().unwrap_or_default();
        let mut rows: Vec<(String, i64)> = counts.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        rows
    }
}

/// The samples as one line: each wait's share of the busy backend samples.
pub fn line(rows: &[(String, i64)]) -> String {
    let total: i64 = rows.iter().map(|r| r.1).sum();
    if total == 0 {
        return "no busy backend seen".to_owned();
    }
    rows.iter()
        .take(6)
        .map(|(what, n)| format!("{what} {:.0} %", 100.0 * *n as f64 / total as f64))
        .collect::<Vec<_>>()
        .join(", ")
}
