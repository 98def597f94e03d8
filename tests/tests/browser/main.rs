//! The console in a real browser: Chromium driven through chromedriver (WebDriver) against
//! the real server, on SQLite and PostgreSQL. Without chromedriver on the machine every
//! journey says it was skipped and passes (so `cargo test --workspace` needs nothing but
//! Rust); `.ci/run` installs Debian's `chromium` and `chromium-driver` and sets
//! `CUNXIANG_TEST_REQUIRE_BROWSER=1`, which turns a missing browser into a failure. Each
//! journey fails on any console error or failed request in the page, and saves screenshots
//! under `target/tmp/screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod board;
mod browser;
mod console;
mod h5;
mod h5_slow;
mod mediation;
mod patrol;
mod restart;
