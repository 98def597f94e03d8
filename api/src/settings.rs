//! Settings: read once from environment variables into a value that is passed in explicitly
//! (no global state, so every test builds its own). See the README's configuration table.

use std::path::PathBuf;

mod push;

pub use push::{FanOut, PushSettings, WechatTemplate, parse_allow};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (default).
    Text,
    /// One JSON object per line (`LOG_FORMAT=json`), for log collectors.
    Json,
}

/// A secret value: never printed, not even by `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What the housekeeping worker removes, and when (see `crate::housekeeping`).
#[derive(Debug, Clone)]
pub struct Housekeeping {
    /// Seconds between passes (`CUNXIANG_HOUSEKEEPING_INTERVAL_SECS`, 3600).
    pub interval_secs: u64,
    /// Days an idempotency key is kept (`CUNXIANG_IDEMPOTENCY_DAYS`, 7).
    pub idempotency_days: i64,
    /// Hours a photo may stay unattached to a report (`CUNXIANG_UNATTACHED_PHOTO_HOURS`, 24).
    pub unattached_photo_hours: i64,
    /// Days sent deliveries and feed rows are kept (`CUNXIANG_RETENTION_DAYS`, 90).
    pub retention_days: i64,
    /// Hours between sweeps for blobs no row refers to (`CUNXIANG_ORPHAN_SWEEP_HOURS`, 24).
    pub orphan_sweep_hours: u64,
}

/// Everything the server needs to know about its surroundings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on (`CUNXIANG_BIND`, default `127.0.0.1:8080`; port 0 picks a free one).
    pub bind: String,
    /// Database (`DATABASE_URL`, default `sqlite://<data dir>/cunxiang.db`).
    pub database_url: String,
    /// Directory for the SQLite database, keys and photos (`CUNXIANG_DATA_DIR`, default `data`).
    pub data_dir: PathBuf,
    /// Most database connections held open (`CUNXIANG_DB_POOL_SIZE`, default 8).
    pub db_pool_size: u32,
    /// HTTP worker threads (`CUNXIANG_WORKERS`, default: one per CPU core).
    pub workers: usize,
    /// Largest JSON request body in bytes (`CUNXIANG_JSON_LIMIT`, default 65536).
    pub json_limit: usize,
    /// Log line format (`LOG_FORMAT`: `text` or `json`).
    pub log_format: LogFormat,
    /// Seed the demo county into an empty database (`CUNXIANG_DEMO`, default true; `--no-demo`).
    pub demo: bool,
    /// Seconds in-flight requests get to finish on SIGTERM (`CUNXIANG_SHUTDOWN_TIMEOUT`, default 30).
    pub shutdown_timeout_secs: u64,
    /// Token signing key (`CUNXIANG_JWT_SECRET`, ≥ 32 bytes); generated and kept in the data
    /// dir (`jwt-secret`) on first run when unset.
    pub jwt_secret: Option<Secret>,
    /// Lifetime of access tokens in seconds (`CUNXIANG_ACCESS_TOKEN_TTL`, default 900).
    pub access_token_ttl_secs: u64,
    /// Lifetime of refresh tokens in seconds (`CUNXIANG_REFRESH_TOKEN_TTL`, default 30 days).
    pub refresh_token_ttl_secs: u64,
    /// SMS provider endpoint (`CUNXIANG_SMS_URL`); without it log-in codes go to the log.
    pub sms_url: Option<String>,
    /// SMS provider key, sent as a bearer token (`CUNXIANG_SMS_KEY`).
    pub sms_key: Option<Secret>,
    /// The bearer token a Prometheus scraper sends to `/metrics` (`CUNXIANG_METRICS_TOKEN`,
    /// at least 16 characters); without it `/metrics` is not served (404).
    pub metrics_token: Option<Secret>,
    /// WeChat API base URL (`CUNXIANG_WECHAT_URL`, default `https://api.weixin.qq.com`).
    pub wechat_url: String,
    /// Mini-program app id (`CUNXIANG_WECHAT_APP_ID`); WeChat log-in is off without it.
    pub wechat_app_id: Option<String>,
    /// Mini-program app secret (`CUNXIANG_WECHAT_APP_SECRET`).
    pub wechat_app_secret: Option<Secret>,
    /// Phone numbers with fixed log-in codes, for testing (`CUNXIANG_TEST_PHONES`,
    /// `13800000000:123456,…`); none unless configured.
    pub test_phones: Vec<(String, Secret)>,
    /// Log-in codes one phone may request per hour (`CUNXIANG_OTP_PER_PHONE_HOUR`, default 5).
    pub otp_per_phone_hour: i64,
    /// Log-in codes one IP address may request per hour (`CUNXIANG_OTP_PER_IP_HOUR`, default 20).
    pub otp_per_ip_hour: i64,
    /// Take the client address from `X-Forwarded-For` (`CUNXIANG_TRUST_PROXY`, default false:
    /// only behind a reverse proxy that sets it).
    pub trust_proxy: bool,
    /// Seconds a request body may take to arrive in full after its head
    /// (`CUNXIANG_BODY_TIMEOUT`, default 60); later, the read is cut off with 408.
    pub body_timeout_secs: u64,
    /// Largest photo upload in bytes (`CUNXIANG_MAX_UPLOAD_BYTES`, default 15 MB).
    pub max_upload_bytes: u64,
    /// Most pixels a photo may declare (`CUNXIANG_MAX_PIXELS`, default 50,000,000).
    pub max_pixels: u64,
    /// Most bytes a photo may decode into: pixels × channels × bytes per sample, from its header
    /// (`CUNXIANG_MAX_DECODED_BYTES`, default 200,000,000: any 8-bit photo within
    /// `max_pixels`; a 16-bit RGBA PNG up to 25 MP). Larger ones are refused with 422
    /// `image_too_large` before decoding.
    pub max_decoded_bytes: u64,
    /// Memory all photo decodes at once may hold, in MiB (`CUNXIANG_PHOTO_MEMORY_MB`, default
    /// 512). Each decode first reserves its estimated peak (12 MP JPEG ≈ 30 MiB, the largest
    /// 16-bit PNG allowed ≈ 300 MiB) and waits while the budget is spent; one that needs more
    /// than the whole budget runs alone.
    pub photo_memory_mb: u32,
    /// Keep uploaded originals (`CUNXIANG_KEEP_ORIGINALS`, default false: they carry the GPS of
    /// the villager's home and every other EXIF field).
    pub keep_originals: bool,
    /// Photos decoded at once (`CUNXIANG_PHOTO_WORKERS`, default: the number of cores); each
    /// 12 MP decode holds ≈ 10–40 MB.
    pub photo_workers: usize,
    /// Radius of the "already reported nearby?" search in metres (`CUNXIANG_NEARBY_RADIUS_M`,
    /// default 150).
    pub nearby_radius_m: f64,
    /// How far back that search looks, in days (`CUNXIANG_NEARBY_DAYS`, default 30).
    pub nearby_days: i64,
    /// Days a reporter has to confirm, rate or reopen a resolution before it is closed without
    /// a rating (`CUNXIANG_AUTO_CONFIRM_DAYS`, default 3).
    pub auto_confirm_days: i64,
    /// Days after closing during which the reporter may still rate or reopen
    /// (`CUNXIANG_REOPEN_DAYS`, default 7).
    pub reopen_days: i64,
    /// Days from a mediation agreement to its follow-up (回访)
    /// (`CUNXIANG_FOLLOW_UP_DAYS`, default 15).
    pub follow_up_days: i64,
    /// How far from the report a resolve photo's GPS may be before it is flagged, in metres
    /// (`CUNXIANG_EVIDENCE_MAX_DISTANCE_M`, default 500).
    pub evidence_max_distance_m: f64,
    /// Seconds between the deadline worker's passes (`CUNXIANG_DEADLINE_INTERVAL_SECS`,
    /// default 30).
    pub deadline_interval_secs: u64,
    /// Photos in S3-compatible object storage instead of `<data dir>/blobs`
    /// (`CUNXIANG_BLOB_STORE=s3://bucket?endpoint=…`; see `crate::blobs::s3`).
    pub blob_store: Option<crate::blobs::s3::S3Config>,
    /// What the housekeeping worker keeps, and how often it looks.
    pub housekeeping: Housekeeping,
    /// Live stream, outbox and provider templates (see [`PushSettings`]).
    pub push: PushSettings,
}

/// A setting with a value that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{name} {problem}, got {value:?}")]
pub struct SettingsError {
    /// The environment variable.
    pub name: &'static str,
    /// What the value must be.
    pub problem: &'static str,
    /// What was given.
    pub value: String,
}

impl Settings {
    /// What a fan-out needs: the templates, and whether SMS go out (a provider is set).
    pub fn fan_out(&self) -> FanOut<'_> {
        FanOut {
            wechat_templates: &self.push.wechat_templates,
            wechat_state: &self.push.wechat_state,
            sms_templates: self.sms_url.as_ref().map(|_| &self.push.sms_templates),
        }
    }

    /// The lifecycle's limits, and nothing else of the configuration.
    pub fn lifecycle_policy(&self) -> cunxiang_core::lifecycle::Policy {
        cunxiang_core::lifecycle::Policy {
            confirm: chrono::Duration::days(self.auto_confirm_days),
            reopen: chrono::Duration::days(self.reopen_days),
            evidence_max_distance_m: self.evidence_max_distance_m,
            follow_up: chrono::Duration::days(self.follow_up_days),
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (a name → value function), applying defaults.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let data_dir = PathBuf::from(get("CUNXIANG_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = get("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("cunxiang.db").display()));
        let default_workers = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(Settings {
            bind: get("CUNXIANG_BIND").unwrap_or_else(|| "127.0.0.1:8080".into()),
            database_url,
            data_dir,
            db_pool_size: number(&get, "CUNXIANG_DB_POOL_SIZE", 8)?,
            workers: number(&get, "CUNXIANG_WORKERS", default_workers)?,
            json_limit: number(&get, "CUNXIANG_JSON_LIMIT", 64 * 1024)?,
            log_format: match get("LOG_FORMAT").as_deref() {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(SettingsError {
                        name: "LOG_FORMAT",
                        problem: "must be text or json",
                        value: other.into(),
                    });
                }
            },
            demo: flag(&get, "CUNXIANG_DEMO", true)?,
            shutdown_timeout_secs: number(&get, "CUNXIANG_SHUTDOWN_TIMEOUT", 30)?,
            jwt_secret: match get("CUNXIANG_JWT_SECRET") {
                Some(s) if s.len() < 32 => {
                    return Err(SettingsError {
                        name: "CUNXIANG_JWT_SECRET",
                        problem: "must be at least 32 bytes",
                        value: "(hidden)".into(),
                    });
                }
                other => other.map(Secret),
            },
            access_token_ttl_secs: number(&get, "CUNXIANG_ACCESS_TOKEN_TTL", 900)?,
            refresh_token_ttl_secs: number(&get, "CUNXIANG_REFRESH_TOKEN_TTL", 30 * 24 * 3600)?,
            sms_url: get("CUNXIANG_SMS_URL"),
            sms_key: get("CUNXIANG_SMS_KEY").map(Secret),
            metrics_token: match get("CUNXIANG_METRICS_TOKEN") {
                Some(s) if s.len() < 16 => {
                    return Err(SettingsError {
                        name: "CUNXIANG_METRICS_TOKEN",
                        problem: "must be at least 16 bytes",
                        value: "(hidden)".into(),
                    });
                }
                other => other.map(Secret),
            },
            wechat_url: get("CUNXIANG_WECHAT_URL")
                .unwrap_or_else(|| "https://api.weixin.qq.com".into()),
            wechat_app_id: get("CUNXIANG_WECHAT_APP_ID"),
            wechat_app_secret: get("CUNXIANG_WECHAT_APP_SECRET").map(Secret),
            test_phones: test_phones(get("CUNXIANG_TEST_PHONES"))?,
            otp_per_phone_hour: number(&get, "CUNXIANG_OTP_PER_PHONE_HOUR", 5)?,
            otp_per_ip_hour: number(&get, "CUNXIANG_OTP_PER_IP_HOUR", 20)?,
            trust_proxy: flag(&get, "CUNXIANG_TRUST_PROXY", false)?,
            body_timeout_secs: number(&get, "CUNXIANG_BODY_TIMEOUT", 60)?,
            max_upload_bytes: number(&get, "CUNXIANG_MAX_UPLOAD_BYTES", 15 * 1024 * 1024)?,
            max_pixels: number(&get, "CUNXIANG_MAX_PIXELS", 50_000_000)?,
            max_decoded_bytes: number(&get, "CUNXIANG_MAX_DECODED_BYTES", 200_000_000)?,
            photo_memory_mb: number(&get, "CUNXIANG_PHOTO_MEMORY_MB", 512)?,
            keep_originals: flag(&get, "CUNXIANG_KEEP_ORIGINALS", false)?,
            photo_workers: number(&get, "CUNXIANG_PHOTO_WORKERS", default_workers)?,
            nearby_radius_m: number(&get, "CUNXIANG_NEARBY_RADIUS_M", 150.0)?,
            nearby_days: number(&get, "CUNXIANG_NEARBY_DAYS", 30)?,
            auto_confirm_days: number(&get, "CUNXIANG_AUTO_CONFIRM_DAYS", 3)?,
            reopen_days: number(&get, "CUNXIANG_REOPEN_DAYS", 7)?,
            follow_up_days: number(
                &get,
                "CUNXIANG_FOLLOW_UP_DAYS",
                cunxiang_core::mediation::DEFAULT_FOLLOW_UP_DAYS,
            )?,
            evidence_max_distance_m: number(&get, "CUNXIANG_EVIDENCE_MAX_DISTANCE_M", 500.0)?,
            deadline_interval_secs: number(&get, "CUNXIANG_DEADLINE_INTERVAL_SECS", 30)?,
            blob_store: match get("CUNXIANG_BLOB_STORE") {
                None => None,
                Some(v) => {
                    Some(
                        crate::blobs::s3::S3Config::parse(&v).map_err(|why| SettingsError {
                            name: "CUNXIANG_BLOB_STORE",
                            problem: "must be s3://bucket[/prefix]?endpoint=…&region=…",
                            value: format!("{v} ({why})"),
                        })?,
                    )
                }
            },
            housekeeping: Housekeeping {
                interval_secs: number(&get, "CUNXIANG_HOUSEKEEPING_INTERVAL_SECS", 3600)?,
                idempotency_days: number(&get, "CUNXIANG_IDEMPOTENCY_DAYS", 7)?,
                unattached_photo_hours: number(&get, "CUNXIANG_UNATTACHED_PHOTO_HOURS", 24)?,
                retention_days: number(&get, "CUNXIANG_RETENTION_DAYS", 90)?,
                orphan_sweep_hours: number(&get, "CUNXIANG_ORPHAN_SWEEP_HOURS", 24)?,
            },
            push: PushSettings::read(&get)?,
        })
    }
}

fn number<T: std::str::FromStr + PartialOrd + Default>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, SettingsError> {
    match get(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > T::default())
            .ok_or(SettingsError {
                name,
                problem: "must be a positive whole number",
                value: v,
            }),
    }
}

/// `13800000000:123456,13900000000:654321` → pairs; each phone valid, each code six digits.
fn test_phones(value: Option<String>) -> Result<Vec<(String, Secret)>, SettingsError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let bad = |item: &str| SettingsError {
        name: "CUNXIANG_TEST_PHONES",
        problem: "must be PHONE:CODE pairs (11-digit mobile, 6-digit code) separated by commas",
        value: item.to_owned(),
    };
    value
        .split(',')
        .map(|item| {
            let (phone, code) = item.trim().split_once(':').ok_or_else(|| bad(item))?;
            let phone = cunxiang_core::identity::normalise_phone(phone).ok_or_else(|| bad(item))?;
            let code_ok = code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit());
            if !code_ok {
                return Err(bad(item));
            }
            Ok((phone, Secret(code.to_owned())))
        })
        .collect()
}

fn flag(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, SettingsError> {
    match get(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => Err(SettingsError {
            name,
            problem: "must be true or false",
            value: other.into(),
        }),
    }
}

#[cfg(test)]
mod tests;
