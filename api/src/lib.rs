//! Cunxiang's HTTP API and command line: routes, extractors, error shapes, start-up, the demo
//! county and the `cunxiang` subcommands. Handlers stay thin: they parse, load (storage),
//! decide (core) and respond.

pub mod audit;
pub mod auth;
pub mod blobs;
pub mod blocking;
pub mod cli;
pub mod client_limits;
pub mod create_user;
pub mod demo;
pub mod edge;
pub mod error;
pub mod extract;
pub mod grid_import;
pub mod housekeeping;
pub mod import;
pub mod intake;
pub mod keys;
pub mod leftovers;
pub mod lifecycle;
pub mod metrics;
pub mod middleware;
pub mod open311;
pub mod origin;
pub mod params;
pub mod photos;
pub mod push;
pub mod region_csv;
pub mod reports;
pub mod route_index;
pub mod routes;
pub mod screens;
pub mod server;
pub mod settings;
pub mod shutdown;
pub mod state;
pub mod telemetry;
pub mod views;
pub mod workers;

pub use lifecycle::deadlines;

pub use error::ApiError;
pub use settings::Settings;
