//! Settings of push: the live stream's poll and heartbeat, the outbox's sending bounds, circuit
//! breakers and retry policy, webhook timeouts and the WeChat and SMS templates per event kind.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use cunxiang_core::event::EventKind;
use serde::Deserialize;

use super::{SettingsError, number};

/// One WeChat subscribe-message template: which template, which mini-program page, and how
/// its fields are filled. Field values are patterns with `{placeholders}` (see
/// `crate::push::message`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatTemplate {
    /// The template id from the WeChat admin console.
    pub template_id: String,
    /// The page opened from the message, e.g. `pages/report/index?id={report_id}`.
    #[serde(default)]
    pub page: Option<String>,
    /// Template field (`thing1`, `time2` …) → value pattern.
    pub data: BTreeMap<String, String>,
}

/// How events are pushed.
#[derive(Debug, Clone)]
pub struct PushSettings {
    /// Milliseconds between looks at the events table for new events, which is how an event
    /// written by another instance reaches this one's streams (`CUNXIANG_PUSH_POLL_MS`,
    /// default 25).
    pub poll_ms: u64,
    /// Seconds between heartbeat comments on a quiet stream (`CUNXIANG_SSE_HEARTBEAT_SECS`,
    /// default 15).
    pub heartbeat_secs: u64,
    /// Live streams one person may hold open on one instance; more are refused with 429
    /// (`CUNXIANG_SSE_MAX_PER_USER`, default 10).
    pub max_streams_per_user: usize,
    /// Milliseconds between the delivery worker's looks for due deliveries while it has free
    /// slots and nothing finishing (`CUNXIANG_DELIVERY_INTERVAL_MS`, default 1000).
    pub delivery_interval_ms: u64,
    /// Seconds a claimed delivery is reserved for the worker that claimed it; after a crash it
    /// is tried again once this runs out (`CUNXIANG_DELIVERY_LEASE_SECS`, default 120). A send
    /// is cut off (as a timeout) after half of it, so a row is never claimed again while it is
    /// in flight: keep it above twice the slowest send (webhooks: `webhook_timeout_secs`; a
    /// WeChat message with a token refetch: up to 40 s).
    pub delivery_lease_secs: u64,
    /// Sends in flight at once, overall, per instance (`CUNXIANG_DELIVERY_CONCURRENCY`,
    /// default 32).
    pub delivery_concurrency: usize,
    /// Sends in flight at once to one destination — a webhook, WeChat, the SMS provider — per
    /// instance, so one slow partner cannot hold every slot (`CUNXIANG_DELIVERY_PER_DESTINATION`,
    /// default 4).
    pub delivery_per_destination: usize,
    /// Sends in a row to one destination without an answer (timeout, failed connection) that
    /// pause it (`CUNXIANG_DELIVERY_BREAKER_FAILURES`, default 3).
    pub breaker_failures: u32,
    /// Seconds a destination is first paused for; its deliveries stay pending meanwhile, their
    /// tries uncounted, then one goes out as a probe (`CUNXIANG_DELIVERY_BREAKER_PAUSE_SECS`,
    /// default 30).
    pub breaker_pause_secs: u64,
    /// Longest pause in seconds: each failed probe doubles the pause up to this
    /// (`CUNXIANG_DELIVERY_BREAKER_MAX_PAUSE_SECS`, default 600; not below the first pause).
    pub breaker_max_pause_secs: u64,
    /// First retry delay in seconds (`CUNXIANG_DELIVERY_RETRY_MIN_SECS`, default 60).
    pub retry_min_secs: u64,
    /// Longest retry delay in seconds (`CUNXIANG_DELIVERY_RETRY_MAX_SECS`, default 6 h).
    pub retry_max_secs: u64,
    /// Tries before a delivery is dead (`CUNXIANG_DELIVERY_MAX_ATTEMPTS`, default 10).
    pub max_attempts: i32,
    /// Seconds a webhook receiver has to answer (`CUNXIANG_WEBHOOK_TIMEOUT_SECS`, default 5).
    pub webhook_timeout_secs: u64,
    /// Addresses inside the network that webhooks may call all the same
    /// (`CUNXIANG_WEBHOOK_ALLOW`, comma-separated CIDRs or addresses; none by default). See
    /// `crate::push::send::egress` for what is inside.
    pub webhook_allow: Vec<ipnet::IpNet>,
    /// Event kind → WeChat subscribe-message template (`CUNXIANG_WECHAT_TEMPLATES`, a JSON
    /// object; none by default, as template ids belong to one mini-program).
    pub wechat_templates: BTreeMap<String, WechatTemplate>,
    /// `miniprogram_state` of subscribe messages: `formal`, `trial` or `developer`
    /// (`CUNXIANG_WECHAT_MINIPROGRAM_STATE`, default `formal`).
    pub wechat_state: String,
    /// Event kind → SMS provider template name (`CUNXIANG_SMS_TEMPLATES`, a JSON object;
    /// default: accepted, resolved, auto-confirmed, rejected and reopened reports).
    pub sms_templates: BTreeMap<String, String>,
}

/// What a fan-out needs of the settings, and nothing more (no key, no secret): the message
/// templates of each event kind, and whether SMS go out at all.
#[derive(Debug, Clone, Copy)]
pub struct FanOut<'a> {
    /// Event kind → WeChat subscribe-message template.
    pub wechat_templates: &'a BTreeMap<String, WechatTemplate>,
    /// `miniprogram_state` of subscribe messages.
    pub wechat_state: &'a str,
    /// Event kind → SMS template; `None` when no SMS provider is configured.
    pub sms_templates: Option<&'a BTreeMap<String, String>>,
}

impl FanOut<'_> {
    /// The WeChat and SMS templates of an event kind (SMS only with a provider).
    pub fn templates(&self, kind: EventKind) -> (Option<&WechatTemplate>, Option<&String>) {
        let wechat = self.wechat_templates.get(kind.as_str());
        let sms = self.sms_templates.and_then(|t| t.get(kind.as_str()));
        (wechat, sms)
    }
}

/// Reads an allow-list: comma-separated CIDRs (`10.0.0.0/8`, `fd00::/8`) or single addresses
/// (`127.0.0.1`); `Err` with the first entry that is neither.
pub fn parse_allow(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .map(|net| net.trunc())
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| entry.to_owned())
        })
        .collect()
}

/// The SMS templates used unless `CUNXIANG_SMS_TEMPLATES` says otherwise.
fn default_sms_templates() -> BTreeMap<String, String> {
    [
        EventKind::Accepted,
        EventKind::Resolved,
        EventKind::AutoConfirmed,
        EventKind::Rejected,
        EventKind::Reopened,
    ]
    .into_iter()
    .map(|kind| {
        (
            kind.as_str().to_owned(),
            format!("report_{}", kind.as_str()),
        )
    })
    .collect()
}

impl PushSettings {
    /// Reads the push settings through `get`.
    pub(super) fn read(get: &impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let retry_min_secs = number(get, "CUNXIANG_DELIVERY_RETRY_MIN_SECS", 60)?;
        let retry_max_secs = number(get, "CUNXIANG_DELIVERY_RETRY_MAX_SECS", 6 * 3600)?;
        if retry_max_secs < retry_min_secs {
            return Err(SettingsError {
                name: "CUNXIANG_DELIVERY_RETRY_MAX_SECS",
                problem: "must not be below CUNXIANG_DELIVERY_RETRY_MIN_SECS",
                value: retry_max_secs.to_string(),
            });
        }
        let breaker_pause_secs: u64 = number(get, "CUNXIANG_DELIVERY_BREAKER_PAUSE_SECS", 30)?;
        let breaker_max_pause_secs = number(get, "CUNXIANG_DELIVERY_BREAKER_MAX_PAUSE_SECS", 600)?;
        if breaker_max_pause_secs < breaker_pause_secs {
            return Err(SettingsError {
                name: "CUNXIANG_DELIVERY_BREAKER_MAX_PAUSE_SECS",
                problem: "must not be below CUNXIANG_DELIVERY_BREAKER_PAUSE_SECS",
                value: breaker_max_pause_secs.to_string(),
            });
        }
        let wechat_state = get("CUNXIANG_WECHAT_MINIPROGRAM_STATE").unwrap_or("formal".into());
        if !matches!(wechat_state.as_str(), "formal" | "trial" | "developer") {
            return Err(SettingsError {
                name: "CUNXIANG_WECHAT_MINIPROGRAM_STATE",
                problem: "must be formal, trial or developer",
                value: wechat_state,
            });
        }
        let wechat_templates: BTreeMap<String, WechatTemplate> =
            json(get, "CUNXIANG_WECHAT_TEMPLATES")?.unwrap_or_default();
        let sms_templates: BTreeMap<String, String> =
            json(get, "CUNXIANG_SMS_TEMPLATES")?.unwrap_or_else(default_sms_templates);
        known_kinds("CUNXIANG_WECHAT_TEMPLATES", wechat_templates.keys())?;
        known_kinds("CUNXIANG_SMS_TEMPLATES", sms_templates.keys())?;
        let webhook_allow = parse_allow(&get("CUNXIANG_WEBHOOK_ALLOW").unwrap_or_default())
            .map_err(|entry| SettingsError {
                name: "CUNXIANG_WEBHOOK_ALLOW",
                problem: "must be comma-separated CIDRs or IP addresses",
                value: entry,
            })?;
        Ok(PushSettings {
            poll_ms: number(get, "CUNXIANG_PUSH_POLL_MS", 25)?,
            heartbeat_secs: number(get, "CUNXIANG_SSE_HEARTBEAT_SECS", 15)?,
            max_streams_per_user: number(get, "CUNXIANG_SSE_MAX_PER_USER", 10)?,
            delivery_interval_ms: number(get, "CUNXIANG_DELIVERY_INTERVAL_MS", 1000)?,
            delivery_lease_secs: number(get, "CUNXIANG_DELIVERY_LEASE_SECS", 120)?,
            delivery_concurrency: number(get, "CUNXIANG_DELIVERY_CONCURRENCY", 32)?,
            delivery_per_destination: number(get, "CUNXIANG_DELIVERY_PER_DESTINATION", 4)?,
            breaker_failures: number(get, "CUNXIANG_DELIVERY_BREAKER_FAILURES", 3)?,
            breaker_pause_secs,
            breaker_max_pause_secs,
            retry_min_secs,
            retry_max_secs,
            max_attempts: number(get, "CUNXIANG_DELIVERY_MAX_ATTEMPTS", 10)?,
            webhook_timeout_secs: number(get, "CUNXIANG_WEBHOOK_TIMEOUT_SECS", 5)?,
            webhook_allow,
            wechat_templates,
            wechat_state,
            sms_templates,
        })
    }
}

/// Every key of a template map must be an event kind (a typo would silently send nothing).
fn known_kinds<'a>(
    name: &'static str,
    mut kinds: impl Iterator<Item = &'a String>,
) -> Result<(), SettingsError> {
    match kinds.find(|k| cunxiang_core::EventKind::parse(k).is_none()) {
        Some(kind) => Err(SettingsError {
            name,
            problem: "names an unknown event kind (see README §Push for the list)",
            value: kind.clone(),
        }),
        None => Ok(()),
    }
}

/// A JSON-valued setting, if set.
fn json<T: serde::de::DeserializeOwned>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<T>, SettingsError> {
    get(name)
        .map(|v| {
            serde_json::from_str(&v).map_err(|_| SettingsError {
                name,
                problem: "must be a JSON object of event kind to template (see README §Push)",
                value: v,
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<PushSettings, SettingsError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        PushSettings::read(&|k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_follow_the_issue() {
        let s = read(&[]).unwrap();
        assert!(
            s.sms_templates
                .keys()
                .all(|k| cunxiang_core::EventKind::parse(k).is_some())
        );
        assert_eq!(
            (s.retry_min_secs, s.retry_max_secs, s.max_attempts),
            (60, 21600, 10)
        );
        assert_eq!((s.heartbeat_secs, s.webhook_timeout_secs), (15, 5));
        assert_eq!(
            (s.delivery_concurrency, s.delivery_per_destination),
            (32, 4)
        );
        assert_eq!(
            (
                s.breaker_failures,
                s.breaker_pause_secs,
                s.breaker_max_pause_secs
            ),
            (3, 30, 600)
        );
        assert_eq!((s.delivery_interval_ms, s.delivery_lease_secs), (1000, 120));
        assert!(s.wechat_templates.is_empty());
        assert_eq!(s.sms_templates["resolved"], "report_resolved");
        assert!(
            s.webhook_allow.is_empty(),
            "nothing inside is allowed by default"
        );
    }

    #[test]
    fn the_webhook_allow_list_is_read_and_a_bad_entry_named() {
        let s = read(&[("CUNXIANG_WEBHOOK_ALLOW", "127.0.0.1, 10.0.0.0/8")]).unwrap();
        assert_eq!(s.webhook_allow.len(), 2);
        let bad = read(&[("CUNXIANG_WEBHOOK_ALLOW", "10.0.0.0/8,intranet")]).unwrap_err();
        assert_eq!(
            (bad.name, bad.value.as_str()),
            ("CUNXIANG_WEBHOOK_ALLOW", "intranet")
        );
    }

    #[test]
    fn templates_parse_and_bad_ones_are_named() {
        let s = read(&[(
            "CUNXIANG_WECHAT_TEMPLATES",
            r#"{"accepted":{"template_id":"T1","data":{"thing1":"{case_number}"}}}"#,
        )])
        .unwrap();
        assert_eq!(s.wechat_templates["accepted"].template_id, "T1");
        let err =
            read(&[("CUNXIANG_WECHAT_TEMPLATES", r#"{"accepted":{"id":"T1"}}"#)]).unwrap_err();
        assert_eq!(err.name, "CUNXIANG_WECHAT_TEMPLATES");
        assert!(read(&[("CUNXIANG_DELIVERY_RETRY_MAX_SECS", "10")]).is_err());
        assert!(read(&[("CUNXIANG_WECHAT_MINIPROGRAM_STATE", "beta")]).is_err());
        let pauses = read(&[("CUNXIANG_DELIVERY_BREAKER_MAX_PAUSE_SECS", "10")]).unwrap_err();
        assert_eq!(pauses.name, "CUNXIANG_DELIVERY_BREAKER_MAX_PAUSE_SECS");
        assert!(read(&[("CUNXIANG_DELIVERY_PER_DESTINATION", "0")]).is_err());
        let s = read(&[
            ("CUNXIANG_DELIVERY_CONCURRENCY", "8"),
            ("CUNXIANG_DELIVERY_PER_DESTINATION", "2"),
            ("CUNXIANG_DELIVERY_BREAKER_FAILURES", "5"),
            ("CUNXIANG_DELIVERY_BREAKER_PAUSE_SECS", "10"),
        ])
        .unwrap();
        assert_eq!(
            (
                s.delivery_concurrency,
                s.delivery_per_destination,
                s.breaker_failures,
                s.breaker_pause_secs
            ),
            (8, 2, 5, 10)
        );
        let typo = read(&[("CUNXIANG_SMS_TEMPLATES", r#"{"acepted":"t"}"#)]).unwrap_err();
        assert_eq!(
            (typo.name, typo.value.as_str()),
            ("CUNXIANG_SMS_TEMPLATES", "acepted")
        );
    }
}
