//! Benchmarks for Cunxiang's routing path. The `route-bench` binary drives these modules:
//! synthetic grids ([`synth`]), timing ([`measure`]) and an R-tree reference ([`mod@reference`]).

pub mod measure;
pub mod reference;
pub mod synth;
