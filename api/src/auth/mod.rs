//! Identity: keys, access tokens, passwords, log-in codes, WeChat log-in, per-client limits,
//! and the extractors that tell handlers who is calling.

pub mod caller;
pub mod keys;
pub mod otp;
pub mod password;
pub mod ratelimit;
pub mod session;
pub mod tokens;
pub mod wechat;

pub use caller::{AuthClient, AuthUser, Caller, client_ip};
