//! Reports as the API handles them: who sees what ([`access`]), how they look ([`view`]),
//! where a new one goes ([`placement`]), what a submission must hold ([`submission`]) and how
//! one is submitted ([`create`]).

pub mod access;
pub mod create;
pub mod placement;
pub mod submission;
pub mod view;
