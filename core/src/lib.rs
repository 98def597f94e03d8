//! Cunxiang's pure domain: the organisation model (regions, grids, units, categories) and the
//! rules over it. No I/O, no SQL, no HTTP: plain types and functions that the storage and api
//! crates load into and decide with.

pub mod category;
pub mod clock;
pub mod coords;
pub mod event;
pub mod geometry;
pub mod grid;
pub mod identity;
pub mod ids;
pub mod lifecycle;
pub mod mediation;
pub mod org_event;
pub mod patrol;
pub mod permission;
pub mod push;
pub mod region;
pub mod region_import;
pub mod report;
pub mod routing;
#[cfg(feature = "diesel")]
mod sql;
pub mod stats;
pub mod supervision;
pub mod text;
pub mod unit;
pub mod visibility;

pub use category::{Category, CategoryError, Workflow};
pub use event::EventKind;
pub use grid::{BoundingBox, Grid, GridGeometry, GridGeometryError, parse_geometry};
pub use identity::{ApiClient, AuditEntry, ClientScope, Role, User, UserStatus};
pub use ids::{ReportId, UnitId, UserId};
pub use lifecycle::ReportStatus;
pub use org_event::OrgEventKind;
pub use permission::{Actor, Permission, Target, can, may_ever};
pub use region::{Region, RegionLevel};
pub use region_import::{ExistingRegion, ImportProblem, RegionRecord, ValidRegion};
pub use unit::{Unit, UnitKind};
