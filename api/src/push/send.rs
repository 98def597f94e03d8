//! Outgoing calls of the delivery worker: one stored payload to a partner's webhook
//! ([`webhook`]), a WeChat subscribe message ([`wechat`]) or the SMS provider ([`sms`]), each
//! answering an [`Outcome`].

use std::error::Error as _;

pub mod sms;
pub mod webhook;
pub mod wechat;

/// How one try of a delivery ended. The reason is short, meant for `deliveries.last_error`,
/// and never holds a secret, a token or the target URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the receiver.
    Sent,
    /// Failed in a way that may pass: try again later (timeout, 5xx, connection error …).
    Retry(String),
    /// Cannot succeed until someone changes the configuration: stop (an admin may retry).
    Dead(String),
    /// The recipient said no (WeChat: refused, or no subscription left): recorded, never retried.
    Refused(String),
}

/// Longest reason kept, in characters.
const MAX_REASON_CHARS: usize = 200;

/// A short reason for a failed request: `timeout`, or the error and its causes without the
/// URL (which may carry a token or a partner's secret).
pub(crate) fn reason(e: reqwest::Error) -> String {
    if e.is_timeout() {
        return "timeout".into();
    }
    let e = e.without_url();
    let mut text = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        next = cause.source();
    }
    short(&text)
}

/// `text` cut to [`MAX_REASON_CHARS`] characters.
pub(crate) fn short(text: &str) -> String {
    text.chars().take(MAX_REASON_CHARS).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_short_and_cut_by_characters() {
        let long = "错".repeat(300);
        assert_eq!(short(&long).chars().count(), MAX_REASON_CHARS);
        assert_eq!(short("ok"), "ok");
    }
}
