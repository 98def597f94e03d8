//! WeChat mini-program log-in: the `code` from `wx.login` is exchanged at
//! `{CUNXIANG_WECHAT_URL}/sns/jscode2session` for the user's openid (and unionid).

use std::time::Duration;

use actix_web::http::StatusCode;
use serde::Deserialize;

use crate::error::{ApiError, ErrorCode};
use crate::settings::Settings;

/// What WeChat answers.
#[derive(Debug, Deserialize)]
struct Session {
    openid: Option<String>,
    unionid: Option<String>,
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// The mini-program user behind a log-in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WechatIdentity {
    /// Per-mini-program user id.
    pub openid: String,
    /// Cross-app user id, when the mini-program is bound to an open platform account.
    pub unionid: Option<String>,
}

/// Exchanges `code` for the user's identity. An invalid or used code is 401; WeChat being
/// unreachable or misconfigured is 502; no app id configured is 503.
pub async fn exchange(
    http: &reqwest::Client,
    settings: &Settings,
    code: &str,
) -> Result<WechatIdentity, ApiError> {
    let (Some(app_id), Some(secret)) = (&settings.wechat_app_id, &settings.wechat_app_secret)
    else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::WechatNotConfigured,
            "WeChat log-in is not configured on this server",
        ));
    };
    let url = format!(
        "{}/sns/jscode2session",
        settings.wechat_url.trim_end_matches('/')
    );
    // Reasons never carry the URL: its query holds the app secret.
    let upstream = |reason: String| {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            ErrorCode::WechatUnavailable,
            "WeChat could not be reached; try again",
        )
        .with_cause(anyhow::anyhow!("WeChat jscode2session failed: {reason}"))
    };
    let res = http
        .get(url)
        .timeout(Duration::from_secs(10))
        .query(&[
            ("appid", app_id.as_str()),
            ("secret", secret.0.as_str()),
            ("js_code", code),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .await
        .map_err(|e| upstream(e.without_url().to_string()))?;
    if !res.status().is_success() {
        return Err(upstream(format!("status {}", res.status())));
    }
    let session: Session = res
        .json()
        .await
        .map_err(|e| upstream(e.without_url().to_string()))?;
    match (session.errcode, session.openid) {
        (0, Some(openid)) if !openid.is_empty() => Ok(WechatIdentity {
            openid,
            unionid: session.unionid,
        }),
        // 40029 invalid code, 40163 code already used, 40226 high-risk user.
        (40029 | 40163 | 40226, _) => Err(ApiError::unauthorized(
            ErrorCode::InvalidWechatCode,
            "the WeChat log-in code is invalid or already used",
        )),
        (errcode, _) => Err(upstream(format!("errcode {errcode}: {}", session.errmsg))),
    }
}
