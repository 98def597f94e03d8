//! Reports as the API handles them (who sees what is `cunxiang_core::visibility`): how they look ([`view`]),
//! where a new one goes ([`placement`]), what a submission must hold ([`submission`]) and how
//! one is submitted ([`create`]).

pub mod create;
pub mod placement;
pub mod submission;
pub mod view;
