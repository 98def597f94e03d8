//! On PostgreSQL much of a report's work runs in the database's backend processes, which the
//! server's `/proc/<pid>/stat` does not count. When PostgreSQL runs on this machine, the CPU
//! time of the backends serving the scratch database (found in `pg_stat_activity`) is read
//! from `/proc` before and after the burst.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sql_types::Integer;

use cunxiang_bench::measure;

#[derive(QueryableByName)]
struct Backend {
    #[diesel(sql_type = Integer)]
    pid: i32,
}

/// CPU seconds so far of each backend connected to the database at `url` (not counting the
/// connection that asks); empty when they cannot be read (another machine, no permission).
pub fn cpu_by_pid(url: &str) -> HashMap<u32, f64> {
    let Ok(mut conn) = PgConnection::establish(url) else {
        return HashMap::new();
    };
    let sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
               AND pid <> pg_backend_pid()";
    let pids: Vec<Backend> = diesel::sql_query(sql).load(&mut conn).unwrap_or_default();
    pids.into_iter()
        .filter_map(|b| u32::try_from(b.pid).ok())
        .filter_map(|pid| Some((pid, measure::cpu_seconds(Some(pid))?)))
        .collect()
}

/// CPU seconds the backends used between two readings (a backend that appeared since counts
/// from zero; one that left is lost); `None` when none could be read.
pub fn used(before: &HashMap<u32, f64>, after: &HashMap<u32, f64>) -> Option<f64> {
    (!after.is_empty()).then(|| {
        after
            .iter()
            .map(|(pid, cpu)| cpu - before.get(pid).copied().unwrap_or(0.0))
            .sum()
    })
}
