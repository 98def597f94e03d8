//! Test harness for Cunxiang's integration suite: a fresh database per test (a SQLite file in
//! a temporary directory, or a new PostgreSQL database when `CUNXIANG_TEST_POSTGRES_URL` is
//! set), the real server on port 0, and the contract (`openapi.yaml`) to check responses with.

// Test support: a failed expectation should panic loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod big_photo;
pub mod contract;
pub mod db;
pub mod export;
pub mod inputs;
pub mod intake;
pub mod lifecycle;
pub mod mediation;
pub mod proxy;
pub mod push;
pub mod s3;
pub mod schema;
pub mod server;
pub mod session;

pub use contract::Contract;
pub use db::{Backend, TestDb, backends, covered};
pub use server::TestServer;
pub use session::Session;

/// The report KPI fields of a stats answer (a summary or a breakdown item): without the period,
/// the key and the workflows' figures (which have their own scenario).
pub fn report_kpis(v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for k in [
            "region",
            "from",
            "to",
            "as_of",
            "key",
            "label",
            "mediation",
            "patrols",
        ] {
            o.remove(k);
        }
    }
    v
}
