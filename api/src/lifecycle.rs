//! The report lifecycle at work: people's actions on reports (`POST /v1/reports/{id}/{action}`)
//! and the deadline worker acting on its own, both through one [`act::perform`]:
//! [`load`] the facts → `core::lifecycle::apply` (pure) → [`persist`] the transition, in one
//! transaction. Error types by layer: core returns `Refusal`; this service [`act::ActError`]
//! (storage failures inside it as `StorageError`); handlers `ApiError`, converted once in
//! `crate::error::lifecycle`.

pub mod act;
pub mod deadlines;
mod load;
mod persist;
pub mod standing;
mod step;

pub use load::facts_now;
