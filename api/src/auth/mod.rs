//! Identity: access tokens, passwords, log-in codes, WeChat log-in, and the extractors that
//! tell handlers who is calling (the server's key is `crate::keys`, API clients' request
//! limits `crate::client_limits`).

pub mod caller;
pub mod otp;
pub mod password;
pub mod session;
pub mod tokens;
pub mod wechat;

pub use caller::{AuthClient, AuthUser, Caller, client_ip};
