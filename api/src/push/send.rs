//! Outgoing calls of the delivery worker: one stored payload to a partner's webhook
//! ([`webhook`], only where [`egress`] permits), a WeChat subscribe message ([`wechat`]) or the
//! SMS provider ([`sms`]), each answering an [`Outcome`].

use std::error::Error as _;

pub mod egress;
pub mod sms;
pub mod webhook;
pub mod wechat;

/// How one try of a delivery ended. The reason is short, meant for `deliveries.last_error`,
/// and never holds a secret, a token or the target URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the receiver.
    Sent,
    /// The receiver answered with a failure that may pass (5xx, 429, a garbled answer …):
    /// try again later.
    Retry(String),
    /// No answer at all — a timeout, a refused or dropped connection: try again later. The
    /// destination's circuit breaker counts these (`crate::push::breaker`).
    Unreachable(String),
    /// Cannot succeed until someone changes the configuration: stop (an admin may retry).
    Dead(String),
    /// The recipient said no (WeChat: refused, or no subscription left): recorded, never retried.
    Refused(String),
}

/// Longest reason kept, in characters.
const MAX_REASON_CHARS: usize = 200;

/// The outcome of a request that failed without a usable answer: [`Outcome::Unreachable`]
/// when nothing came back in time (timeout, connection refused, reset or closed), else
/// [`Outcome::Retry`] (an answer that could not be read). The reason as [`reason`] gives it.
pub(crate) fn failed(e: reqwest::Error) -> Outcome {
    if unreachable(&e) {
        Outcome::Unreachable(reason(e))
    } else {
        Outcome::Retry(reason(e))
    }
}

/// Whether `e` means no answer came: a timeout, or a connection refused, reset or closed.
pub(crate) fn unreachable(e: &reqwest::Error) -> bool {
    e.is_timeout() || e.is_connect() || e.is_request()
}

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
