//! The fixtures live in the crate (feature `fixtures`) so the integration suite shares them.

pub use cunxiang_photo::fixtures::*;
