//! Cunxiang's persistence: one diesel code base over SQLite (embedded default) and PostgreSQL
//! (production). The only crate that names diesel; rows become `cunxiang_core` types at its edge.
//! Every function here is synchronous and blocking: callers run them off the async runtime.

pub mod audit;
pub mod categories;
pub mod clients;
pub mod conn;
pub mod error;
pub mod grids;
pub mod housekeeping;
pub mod leftovers;
pub mod login_throttle;
pub mod media;
pub mod mediation;
pub mod migrate;
pub mod open311;
pub mod otp;
pub mod page;
pub mod patrols;
pub mod private;
pub mod push;
pub mod refresh_tokens;
pub mod regions;
pub mod reports;
pub mod routing;
/// The diesel table declarations, public for bulk loaders such as `kpi-bench`; the rest of the
/// code base goes through this crate's functions.
pub mod schema;
mod sql;
pub mod stats;
pub mod supervision;
pub mod time;
pub mod units;
pub mod users;

pub use conn::{Backend, DatabaseTarget, DbConn, Pool, PooledConn, connect_pool};
pub use error::StorageError;
pub use page::Page;
