//! Reports, one file per endpoint: filing one ([`create`], checking its body in
//! [`submission`]; the operation is `crate::intake`), reading
//! them ([`get`], [`list`], [`export`], [`nearby`], [`events`], the live [`stream`]),
//! following one ([`follow`]) and every lifecycle action ([`action`]). What endpoints share,
//! never one endpoint another: who may see a report ([`access`]; the rule is
//! `cunxiang_core::visibility`) and the list filters ([`filters`]); how a report looks is
//! `crate::views::report`.

pub mod access;
pub mod action;
pub mod actions;
pub mod create;
pub mod events;
pub mod export;
pub mod filters;
pub mod follow;
pub mod get;
pub mod list;
pub mod nearby;
pub mod parties;
pub mod stream;
pub mod submission;
