//! WeChat subscribe messages: `POST {wechat_url}/cgi-bin/message/subscribe/send?access_token=…`
//! with the stored payload, under an access token from `POST {wechat_url}/cgi-bin/stable_token`.
//!
//! One token serves every send; it is cached until five minutes before it expires and fetched by
//! one caller at a time (the others wait for it). When WeChat calls it invalid or expired
//! (40001, 40014, 42001) it is fetched again with `force_refresh: true` and the message is sent
//! once more. 43101 (the user refused, or has no subscription left) is [`Outcome::Refused`];
//! 40003, 40037 and 47003 (bad openid, template or data) are [`Outcome::Dead`]; anything else
//! is tried again. The token and the app secret never reach a log line or an outcome.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::Mutex;

use super::{Outcome, failed, reason, short, unreachable};
use crate::settings::Settings;

/// How long one call to WeChat may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// A token is replaced this long before WeChat says it expires.
const EARLY_SECS: i64 = 300;

/// A cached access token.
struct Token {
    value: String,
    /// From this instant on the token is fetched again.
    refresh_at: DateTime<Utc>,
}

/// The shared access-token cache (one per process).
#[derive(Default)]
pub struct WechatTokens {
    cached: Mutex<Option<Token>>,
}

impl std::fmt::Debug for WechatTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WechatTokens(***)")
    }
}

impl WechatTokens {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached token while it is fresh at `now`, else a new one.
    async fn current(
        &self,
        http: &reqwest::Client,
        settings: &Settings,
        now: DateTime<Utc>,
    ) -> Result<String, Outcome> {
        let mut slot = self.cached.lock().await;
        if let Some(token) = slot.as_ref().filter(|t| now < t.refresh_at) {
            return Ok(token.value.clone());
        }
        let token = fetch(http, settings, now, false).await?;
        Ok(slot.insert(token).value.clone())
    }

    /// A token other than `stale`, which WeChat rejected: one another caller fetched meanwhile,
    /// or a new one fetched with `force_refresh`.
    async fn replace(
        &self,
        stale: &str,
        http: &reqwest::Client,
        settings: &Settings,
        now: DateTime<Utc>,
    ) -> Result<String, Outcome> {
        let mut slot = self.cached.lock().await;
        if let Some(token) = slot
            .as_ref()
            .filter(|t| t.value != stale && now < t.refresh_at)
        {
            return Ok(token.value.clone());
        }
        *slot = None;
        let token = fetch(http, settings, now, true).await?;
        Ok(slot.insert(token).value.clone())
    }
}

/// What `stable_token` and `subscribe/send` answer.
#[derive(Debug, Deserialize)]
struct Answer {
    access_token: Option<String>,
    #[serde(default)]
    expires_in: i64,
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// `base` + `path`, without a doubled slash.
fn endpoint(settings: &Settings, path: &str) -> String {
    format!("{}{path}", settings.wechat_url.trim_end_matches('/'))
}

/// `errcode N: errmsg`, short, with any of `hidden` blanked out.
fn describe(answer: &Answer, hidden: &[&str]) -> String {
    let mut text = format!("errcode {}: {}", answer.errcode, answer.errmsg);
    for secret in hidden.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret, "***");
    }
    short(&text)
}

/// Fetches an access token.
async fn fetch(
    http: &reqwest::Client,
    settings: &Settings,
    now: DateTime<Utc>,
    force_refresh: bool,
) -> Result<Token, Outcome> {
    let (Some(app_id), Some(secret)) = (&settings.wechat_app_id, &settings.wechat_app_secret)
    else {
        return Err(Outcome::Dead("wechat not configured".into()));
    };
    let retry = |why: String| {
        tracing::warn!(reason = %why, "WeChat access token not fetched");
        Outcome::Retry(format!("token: {why}"))
    };
    let res = http
        .post(endpoint(settings, "/cgi-bin/stable_token"))
        .timeout(TIMEOUT)
        .json(&json!({
            "grant_type": "client_credential",
            "appid": app_id,
            "secret": secret.0,
            "force_refresh": force_refresh,
        }))
        .send()
        .await
        .map_err(|e| {
            let unreachable = unreachable(&e);
            let why = reason(e);
            tracing::warn!(reason = %why, "WeChat access token not fetched");
            if unreachable {
                Outcome::Unreachable(format!("token: {why}"))
            } else {
                Outcome::Retry(format!("token: {why}"))
            }
        })?;
    if !res.status().is_success() {
        return Err(retry(format!("status {}", res.status().as_u16())));
    }
    let answer: Answer = res.json().await.map_err(|e| retry(reason(e)))?;
    match answer.access_token.as_deref() {
        Some(value) if answer.errcode == 0 && !value.is_empty() => Ok(Token {
            value: value.to_owned(),
            refresh_at: now + TimeDelta::seconds(answer.expires_in.saturating_sub(EARLY_SECS)),
        }),
        _ => {
            let why = describe(&answer, &[secret.0.as_str()]);
            match answer.errcode {
                // Bad app id or secret, caller IP not allowed, missing fields.
                40013 | 40125 | 40164 | 41002 | 41004 => {
                    tracing::error!(reason = %why, "WeChat refused the app credentials");
                    Err(Outcome::Dead(format!("token: {why}")))
                }
                _ => Err(retry(why)),
            }
        }
    }
}

/// What one send came to.
enum Sent {
    /// WeChat rejected the access token.
    BadToken(String),
    /// Anything else.
    Done(Outcome),
}

/// Posts `payload` under `token`.
async fn post(http: &reqwest::Client, settings: &Settings, token: &str, payload: &str) -> Sent {
    let res = http
        .post(endpoint(settings, "/cgi-bin/message/subscribe/send"))
        .query(&[("access_token", token)])
        .timeout(TIMEOUT)
        .header(CONTENT_TYPE, "application/json")
        .body(payload.to_owned())
        .send()
        .await;
    let res = match res {
        Ok(res) if res.status().is_success() => res,
        Ok(res) => return Sent::Done(Outcome::Retry(format!("status {}", res.status().as_u16()))),
        Err(e) => return Sent::Done(failed(e)),
    };
    let answer: Answer = match res.json().await {
        Ok(answer) => answer,
        Err(e) => return Sent::Done(failed(e)),
    };
    let why = describe(&answer, &[token]);
    Sent::Done(match answer.errcode {
        0 => Outcome::Sent,
        40001 | 40014 | 42001 => return Sent::BadToken(why),
        43101 => Outcome::Refused(why),
        40003 | 40037 | 47003 => Outcome::Dead(why),
        _ => Outcome::Retry(why),
    })
}

/// Sends the stored subscribe-message `payload`, fetching or refreshing the access token in
/// `tokens` as needed; `now` decides whether the cached token is still fresh.
pub async fn send(
    http: &reqwest::Client,
    settings: &Settings,
    tokens: &WechatTokens,
    payload: &str,
    now: DateTime<Utc>,
) -> Outcome {
    let token = match tokens.current(http, settings, now).await {
        Ok(token) => token,
        Err(outcome) => return outcome,
    };
    let why = match post(http, settings, &token, payload).await {
        Sent::Done(outcome) => return outcome,
        Sent::BadToken(why) => why,
    };
    tracing::info!(reason = %why, "WeChat rejected the access token; fetching a new one");
    let token = match tokens.replace(&token, http, settings, now).await {
        Ok(token) => token,
        Err(outcome) => return outcome,
    };
    match post(http, settings, &token, payload).await {
        Sent::Done(outcome) => outcome,
        Sent::BadToken(why) => Outcome::Retry(format!("new token rejected too: {why}")),
    }
}

#[cfg(test)]
mod tests;
