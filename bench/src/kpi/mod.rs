//! `kpi-bench`: the KPI endpoints (`GET /v1/stats/summary`, `GET /v1/stats/breakdown`) and the
//! CSV export (`GET /v1/reports.csv`) over a million generated reports, on SQLite and on
//! PostgreSQL. [`generate`] fills a database ([`org`] the county, [`reports`] the reports,
//! [`schema`] the rows), [`server`] runs the release `cunxiang` binary on it, [`measure`]
//! times the queries and the export, [`reads`] the report list and views and the table sizes
//! (for the province sizing, with `--reports 10000000`), and [`tables`] prints the figures.

pub mod generate;
pub mod measure;
pub mod org;
pub mod random;
pub mod reads;
pub mod reports;
pub mod schema;
pub mod server;
pub mod tables;
