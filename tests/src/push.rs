//! Push fixtures: a Server-Sent Events client ([`sse`]), webhook receivers that check the
//! signature on their own or never answer ([`hooks`]), and mocks of WeChat and the SMS
//! provider ([`mocks`]).

use serde_json::Value;

pub mod hooks;
pub mod mocks;
pub mod sse;

pub use hooks::{BlackHole, HangUp, HookCall, HookReceiver, verify_signature};
pub use mocks::{SMS_KEY, SmsProvider, WX_APP, WX_SECRET, Wechat, template};
pub use sse::{Refused, SseEvent, SseStream};

/// `at` (an RFC 3339 time in an answer) in Beijing time as `YYYY-MM-DD HH:MM`, as WeChat
/// messages show it.
pub fn beijing_minutes(at: &Value) -> String {
    let at = crate::lifecycle::at(at);
    (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
