//! KPIs over the reports received in a period within region subtrees: the live queries that
//! define every count ([`live`]), the per-day roll-ups that keep them ([`rollup`]), and the
//! figures the API answers, put together from both ([`figures`]). The maths on the counts is
//! [`cunxiang_core::stats`].

mod facts;
mod figures;
mod live;
pub mod period;
mod recount;
pub mod rollup;
pub mod workflows;

use chrono::{DateTime, Utc};

pub use figures::{breakdown, summary};
pub use live::tallies;

/// How the reports are grouped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    /// One group: everything selected.
    All,
    /// By the region one level below the region with this path (the key is that child's
    /// path; reports of the region itself keep its own path).
    Region {
        /// The parent's materialised path (`/` for the top level).
        parent_path: String,
    },
    /// By grid id (`None`: no grid).
    Grid,
    /// By responsible unit id (`None`: in a dispatch queue).
    Unit,
    /// By category code.
    Category,
    /// By the day received, Beijing time (`YYYY-MM-DD`).
    Day,
}

/// Which reports count.
#[derive(Debug, Clone)]
pub struct Selection {
    /// `None`: every region; otherwise the union of these region subtrees (empty: nothing).
    pub scope: Option<Vec<String>>,
    /// Only this region subtree.
    pub within_path: Option<String>,
    /// Received at or after.
    pub from: Option<DateTime<Utc>>,
    /// Received before.
    pub to: Option<DateTime<Utc>>,
}
