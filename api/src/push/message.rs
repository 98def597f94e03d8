//! Messages rendered at write time: a WeChat subscribe message or an SMS for one event and one
//! recipient, stored as the delivery's exact payload.
//!
//! Template values are patterns with `{placeholders}` filled from [`Vars`]: `{report_id}`,
//! `{case_number}`, `{kind}`, `{status}` (code), `{status_text}` (Chinese label),
//! `{category}`, `{at}` (Beijing time, `YYYY-MM-DD HH:MM`) and `{note}`. An unknown
//! placeholder becomes empty text (a typo in settings must not leak braces into a message); a
//! `{` that does not open a `{name}` of lowercase letters, digits and `_` stays as written.
//! Control characters (new lines, tabs) become spaces, and each WeChat value is cut to its
//! field type's length limit, counted in characters.

use chrono::{DateTime, TimeDelta, Utc};
use cunxiang_core::EventKind;
use cunxiang_core::ReportId;
use cunxiang_core::lifecycle::ReportStatus;
use serde_json::{Map, Value, json};

use crate::settings::WechatTemplate;

/// The placeholder values of one event for one recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct Vars {
    /// The report.
    pub report_id: ReportId,
    /// Its case number (`{case_number}`).
    pub case_number: String,
    /// The event kind, e.g. `accepted` (`{kind}`).
    pub kind: EventKind,
    /// The report's status after the event (`{status}` is the code, `{status_text}` the label).
    pub status: ReportStatus,
    /// The category's name (`{category}`).
    pub category: String,
    /// When the event happened (`{at}`, shown in Beijing time).
    pub at: DateTime<Utc>,
    /// The event's note; may be empty (`{note}`).
    pub note: String,
}

impl Vars {
    /// The value of placeholder `name`, or `None` for an unknown one.
    pub fn get(&self, name: &str) -> Option<String> {
        Some(match name {
            "report_id" => self.report_id.to_string(),
            "case_number" => self.case_number.clone(),
            "kind" => self.kind.as_str().to_owned(),
            "status" => self.status.as_str().to_owned(),
            "status_text" => status_text(self.status).to_owned(),
            "category" => self.category.clone(),
            "at" => local_time(self.at),
            "note" => self.note.clone(),
            _ => return None,
        })
    }
}

/// The Chinese label of a status, as a villager reads it (at most 5 characters, so it fits a
/// WeChat `phrase` field).
pub fn status_text(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::Submitted => "已提交",
        ReportStatus::Assigned => "已派单",
        ReportStatus::Accepted => "已受理",
        ReportStatus::Resolved => "已办结",
        ReportStatus::Closed => "已完结",
        ReportStatus::Returned => "已退回",
        ReportStatus::Rejected => "已驳回",
    }
}

/// `at` in Beijing time (UTC+8, no daylight saving) as `YYYY-MM-DD HH:MM`.
pub fn local_time(at: DateTime<Utc>) -> String {
    (at.naive_utc() + TimeDelta::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Fills the placeholders of `pattern` (see the module documentation).
pub fn render(pattern: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            out.push_str(&vars.get(&after[..name_len]).unwrap_or_default());
            rest = &after[name_len + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    out.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The most characters WeChat accepts in a field, by its type (the field name without its
/// number: `thing1` is a `thing`); `None` for types passed as given (`time`, `date` …).
pub fn field_limit(field: &str) -> Option<usize> {
    match field.trim_end_matches(|c: char| c.is_ascii_digit()) {
        "thing" => Some(20),
        "character_string" | "number" | "letter" => Some(32),
        "phrase" => Some(5),
        "name" => Some(10),
        "phone_number" => Some(17),
        "car_number" => Some(8),
        _ => None,
    }
}

/// `value` cut to the limit of `field`'s type, by characters (never inside one).
pub fn cut(field: &str, value: &str) -> String {
    match field_limit(field) {
        Some(limit) => value.chars().take(limit).collect(),
        None => value.to_owned(),
    }
}

/// The body of `POST /cgi-bin/message/subscribe/send` for `openid`: template id, the page
/// (rendered, if the template has one), each field's rendered and cut value, the
/// `miniprogram_state` and `lang: zh_CN`.
pub fn wechat_payload(template: &WechatTemplate, openid: &str, state: &str, vars: &Vars) -> Value {
    let data: Map<String, Value> = template
        .data
        .iter()
        .map(|(field, pattern)| {
            let value = cut(field, &render(pattern, vars));
            (field.clone(), json!({ "value": value }))
        })
        .collect();
    let mut body = json!({
        "touser": openid,
        "template_id": template.template_id,
        "data": data,
        "miniprogram_state": state,
        "lang": "zh_CN",
    });
    if let (Some(page), Some(map)) = (&template.page, body.as_object_mut()) {
        map.insert("page".into(), Value::String(render(page, vars)));
    }
    body
}

/// The body of the SMS provider call: provider template `template` to `phone`, with the case
/// number, status label and category as parameters.
pub fn sms_payload(template: &str, phone: &str, vars: &Vars) -> Value {
    json!({
        "phone": phone,
        "template": template,
        "params": {
            "case_number": vars.case_number,
            "status_text": status_text(vars.status),
            "category": vars.category,
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::TimeZone;

    use super::*;

    fn vars() -> Vars {
        Vars {
            report_id: ReportId(uuid::Uuid::from_u128(
                0x0193_0000_0000_7000_8000_0000_0000_0001,
            )),
            case_number: "GX20261129-0007".into(),
            kind: EventKind::Accepted,
            status: ReportStatus::Accepted,
            category: "道路破损".into(),
            // 17:05 UTC is 01:05 the next day in Beijing.
            at: Utc.with_ymd_and_hms(2026, 11, 28, 17, 5, 59).unwrap(),
            note: "已安排施工队\n明天到场".into(),
        }
    }

    #[test]
    fn every_status_has_a_short_label() {
        for status in ReportStatus::ALL {
            let label = status_text(status);
            assert!((1..=5).contains(&label.chars().count()), "{status:?}");
        }
        assert_eq!(status_text(ReportStatus::Assigned), "已派单");
        assert_eq!(status_text(ReportStatus::Resolved), "已办结");
    }

    #[test]
    fn time_is_beijing_local() {
        assert_eq!(local_time(vars().at), "2026-11-29 01:05");
    }

    #[test]
    fn placeholders_are_filled_unknown_ones_dropped_stray_braces_kept() {
        let v = vars();
        assert_eq!(
            render("{case_number} {status_text} ({status}) {kind}", &v),
            "GX20261129-0007 已受理 (accepted) accepted"
        );
        assert_eq!(render("id={report_id}", &v), format!("id={}", v.report_id));
        assert_eq!(render("a{nope}b", &v), "ab");
        assert_eq!(render("{ x } {} {Case} {", &v), "{ x } {} {Case} {");
        assert_eq!(render("{{category}}", &v), "{道路破损}");
        assert_eq!(render("{note}", &v), "已安排施工队 明天到场");
        assert_eq!(render("{at}", &v), "2026-11-29 01:05");
    }

    #[test]
    fn values_are_cut_by_type_in_characters() {
        let long = "一二三四五六七八九十".repeat(4);
        assert_eq!(cut("thing1", &long).chars().count(), 20);
        assert_eq!(
            cut("thing12", &long),
            long.chars().take(20).collect::<String>()
        );
        assert_eq!(cut("phrase3", "已办结确认了"), "已办结确认");
        assert_eq!(cut("name2", &long).chars().count(), 10);
        assert_eq!(cut("number4", &"9".repeat(40)).len(), 32);
        assert_eq!(cut("character_string5", &"x".repeat(40)).len(), 32);
        assert_eq!(cut("letter1", &"y".repeat(33)).len(), 32);
        assert_eq!(cut("time2", &long), long);
        assert_eq!(cut("date2", &long), long);
        assert_eq!(cut("thing1", "短"), "短");
    }

    fn template(page: Option<&str>) -> WechatTemplate {
        WechatTemplate {
            template_id: "TPL-1".into(),
            page: page.map(str::to_owned),
            data: BTreeMap::from([
                ("character_string1".into(), "{case_number}".into()),
                ("phrase2".into(), "{status_text}".into()),
                ("thing3".into(), "{category}：{note}{unknown}".into()),
                ("time4".into(), "{at}".into()),
            ]),
        }
    }

    #[test]
    fn wechat_payload_has_the_exact_shape() {
        let v = vars();
        let body = wechat_payload(
            &template(Some("pages/report/index?id={report_id}")),
            "oOPENID",
            "trial",
            &v,
        );
        assert_eq!(
            body,
            json!({
                "touser": "oOPENID",
                "template_id": "TPL-1",
                "page": format!("pages/report/index?id={}", v.report_id),
                "data": {
                    "character_string1": { "value": "GX20261129-0007" },
                    "phrase2": { "value": "已受理" },
                    "thing3": { "value": "道路破损：已安排施工队 明天到场" },
                    "time4": { "value": "2026-11-29 01:05" },
                },
                "miniprogram_state": "trial",
                "lang": "zh_CN",
            })
        );
        let without_page = wechat_payload(&template(None), "o", "formal", &v);
        assert!(without_page.get("page").is_none());
    }

    #[test]
    fn long_thing_is_cut_in_the_payload() {
        let mut v = vars();
        v.note = "路面塌陷".repeat(10);
        let body = wechat_payload(&template(None), "o", "formal", &v);
        let thing = body["data"]["thing3"]["value"].as_str().unwrap();
        assert_eq!(thing.chars().count(), 20);
        assert!(thing.starts_with("道路破损：路面塌陷"));
    }

    #[test]
    fn sms_payload_has_the_exact_shape() {
        assert_eq!(
            sms_payload("report_accepted", "13800000000", &vars()),
            json!({
                "phone": "13800000000",
                "template": "report_accepted",
                "params": {
                    "case_number": "GX20261129-0007",
                    "status_text": "已受理",
                    "category": "道路破损",
                },
            })
        );
    }
}
