//! Log-in codes sent by SMS: six random digits, stored only as a keyed hash, valid for five
//! minutes and five tries. The SMS goes to a provider at `CUNXIANG_SMS_URL`:
//! `POST {url}` with `{"phone", "template": "login_code", "params": {"code"}}` and
//! `Authorization: Bearer CUNXIANG_SMS_KEY`; any 2xx is success. Without a provider the code
//! is written to the log (development only).

use std::time::Duration;

use actix_web::http::StatusCode;
use cunxiang_core::identity::mask_phone;
use rand::Rng;
use serde_json::json;

use crate::error::{ApiError, ErrorCode};
use crate::settings::Settings;

/// Seconds a code stays valid.
pub const CODE_TTL_SECS: i64 = 300;
/// Wrong tries allowed per code.
pub const MAX_ATTEMPTS: i32 = 5;

/// A fresh random six-digit code.
pub fn generate_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// The fixed code of a configured test phone, if this is one.
pub fn fixed_code<'a>(settings: &'a Settings, phone: &str) -> Option<&'a str> {
    settings
        .test_phones
        .iter()
        .find(|(p, _)| p == phone)
        .map(|(_, code)| code.0.as_str())
}

/// Delivers `code` to `phone`: through the provider, or to the log when none is configured.
pub async fn deliver(
    http: &reqwest::Client,
    settings: &Settings,
    phone: &str,
    code: &str,
) -> Result<(), ApiError> {
    let Some(url) = &settings.sms_url else {
        tracing::warn!(phone = %mask_phone(phone), %code, "no SMS provider configured: log-in code written to the log");
        return Ok(());
    };
    let mut request = http
        .post(url)
        .timeout(Duration::from_secs(10))
        .json(&json!({ "phone": phone, "template": "login_code", "params": { "code": code } }));
    if let Some(key) = &settings.sms_key {
        request = request.bearer_auth(&key.0);
    }
    let failed = |reason: String| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::SmsUnavailable,
            "the SMS could not be sent; try again",
        )
        .with_cause(anyhow::anyhow!(
            "SMS provider failed for {}: {reason}",
            mask_phone(phone)
        ))
    };
    match request.send().await {
        Ok(res) if res.status().is_success() => Ok(()),
        Ok(res) => Err(failed(format!("status {}", res.status()))),
        Err(e) => Err(failed(e.without_url().to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let code = generate_code();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
