//! The everyday read paths at scale, for the province sizing: the report list as the console
//! asks for it (first page, a region, a status, page 10 by cursor) and single report views of
//! reports drawn uniformly over the whole history (cold rows as well as warm ones), each timed
//! enough times for a p99; and the size of every table with its indexes.

use std::time::Instant;

use anyhow::bail;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Client;
use serde_json::Value;

use super::measure::percentile;

/// Timed requests per list query and report views in all.
pub const REQUESTS: usize = 300;

/// Latencies of one read, ms.
#[derive(Debug, Clone)]
pub struct ReadTiming {
    /// What was read.
    pub label: String,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Requests timed.
    pub n: usize,
}

/// One table's size, bytes.
#[derive(Debug, Clone)]
pub struct TableSize {
    /// Table.
    pub table: String,
    /// Rows (PostgreSQL's estimate after ANALYZE).
    pub rows: i64,
    /// Heap (and TOAST).
    pub heap: i64,
    /// All its indexes.
    pub indexes: i64,
}

async fn get_json(client: &Client, url: &str, token: &str) -> anyhow::Result<Value> {
    let res = client.get(url).bearer_auth(token).send().await?;
    let status = res.status();
    let body = res.bytes().await?;
    if !status.is_success() {
        bail!("GET {url}: {status} {}", String::from_utf8_lossy(&body));
    }
    Ok(serde_json::from_slice(&body)?)
}

fn timing(label: &str, mut ms: Vec<f64>) -> ReadTiming {
    ms.sort_by(f64::total_cmp);
    ReadTiming {
        label: label.to_owned(),
        p50: percentile(&ms, 50.0),
        p90: percentile(&ms, 90.0),
        p99: percentile(&ms, 99.0),
        n: ms.len(),
    }
}

async fn time_path(
    client: &Client,
    base: &str,
    token: &str,
    label: &str,
    path: &str,
) -> anyhow::Result<ReadTiming> {
    let url = format!("{base}{path}");
    get_json(client, &url, token).await?;
    let mut ms = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let t = Instant::now();
        get_json(client, &url, token).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(timing(label, ms))
}

/// The cursor of page `n` (1 = the first) of `path`.
async fn cursor_of_page(
    client: &Client,
    base: &str,
    token: &str,
    path: &str,
    n: usize,
) -> anyhow::Result<String> {
    let mut cursor = String::new();
    for _ in 1..n {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = if cursor.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}{sep}cursor={cursor}")
        };
        let page = get_json(client, &url, token).await?;
        let Some(next) = page["next_cursor"].as_str() else {
            bail!("{path} has fewer than {n} pages");
        };
        cursor = next.to_owned();
    }
    Ok(cursor)
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    id: String,
}

/// `n` report ids drawn uniformly over the generated history (UUIDv7 ids follow creation
/// time: the first id at or after a random instant).
pub fn sample_ids(url: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let mut conn = cunxiang_storage::DatabaseTarget::parse(url)?.connect()?;
    let mut rng = StdRng::seed_from_u64(2026);
    let end = super::reports::END_SECS;
    let start = end - super::reports::DAYS * 86_400;
    let mut ids = Vec::with_capacity(n);
    while ids.len() < n {
        let secs = rng.random_range(start..end);
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, secs as u64, 0);
        let bound = uuid::Uuid::new_v7(ts).to_string();
        let sql = match conn.backend() {
            cunxiang_storage::Backend::Postgres => {
                "SELECT id FROM reports WHERE id >= $1 ORDER BY id LIMIT 1"
            }
            cunxiang_storage::Backend::Sqlite => {
                "SELECT id FROM reports WHERE id >= ? ORDER BY id LIMIT 1"
            }
        };
        let found: Vec<Id> = diesel::sql_query(sql)
            .bind::<Text, _>(&bound)
            .load(&mut conn)?;
        ids.extend(found.into_iter().map(|f| f.id));
    }
    Ok(ids)
}

/// Times the list queries and the report views.
pub async fn measure(
    client: &Client,
    base: &str,
    admin: &str,
    supervisor: &str,
    ids: &[String],
) -> anyhow::Result<Vec<ReadTiming>> {
    let mut out = Vec::new();
    for (label, path, token) in [
        (
            "list: county, first page (50)",
            "/v1/reports?limit=50",
            admin,
        ),
        (
            "list: township supervisor, first page",
            "/v1/reports?limit=50",
            supervisor,
        ),
        (
            "list: one village, first page",
            "/v1/reports?limit=50&region=360603101001",
            admin,
        ),
        (
            "list: county, status=accepted",
            "/v1/reports?limit=50&status=accepted",
            admin,
        ),
        (
            "list: county, last 30 days, garbage",
            "/v1/reports?limit=50&category=garbage&from=2026-10-30T00:00:00%2B08:00",
            admin,
        ),
    ] {
        out.push(time_path(client, base, token, label, path).await?);
    }
    let cursor = cursor_of_page(client, base, admin, "/v1/reports?limit=50", 10).await?;
    out.push(
        time_path(
            client,
            base,
            admin,
            "list: county, page 10 by cursor",
            &format!("/v1/reports?limit=50&cursor={cursor}"),
        )
        .await?,
    );
    let mut ms = Vec::with_capacity(ids.len());
    for id in ids {
        let url = format!("{base}/v1/reports/{id}");
        let t = Instant::now();
        get_json(client, &url, admin).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    out.push(timing(
        "report view: random over 3 years (each once, cold)",
        ms,
    ));
    Ok(out)
}

#[derive(QueryableByName)]
struct Size {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = BigInt)]
    rows: i64,
    #[diesel(sql_type = BigInt)]
    heap: i64,
    #[diesel(sql_type = BigInt)]
    indexes: i64,
}

/// The largest tables with their index sizes (PostgreSQL), or the database file (SQLite, as
/// one row named `(database file)`).
pub fn table_sizes(url: &str) -> anyhow::Result<Vec<TableSize>> {
    let mut conn = cunxiang_storage::DatabaseTarget::parse(url)?.connect()?;
    let rows: Vec<Size> = match conn.backend() {
        cunxiang_storage::Backend::Postgres => diesel::sql_query(
            "SELECT c.relname AS name, c.reltuples::bigint AS rows, \
                    pg_table_size(c.oid) AS heap, pg_indexes_size(c.oid) AS indexes \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'r' AND n.nspname = 'public' \
             ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 12",
        )
        .load(&mut conn)?,
        cunxiang_storage::Backend::Sqlite => diesel::sql_query(
            "SELECT '(database file)' AS name, (SELECT COUNT(*) FROM reports) AS rows, \
                    page_count * page_size AS heap, 0 AS indexes \
             FROM pragma_page_count(), pragma_page_size()",
        )
        .load(&mut conn)?,
    };
    Ok(rows
        .into_iter()
        .map(|s| TableSize {
            table: s.name,
            rows: s.rows,
            heap: s.heap,
            indexes: s.indexes,
        })
        .collect())
}
