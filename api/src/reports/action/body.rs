//! The body of `POST /v1/reports/{id}/{action}`: which fields each action takes, and the
//! checks that need nothing but the body (required text, rating 1–5, photo count).

use chrono::{DateTime, Utc};
use cunxiang_core::UnitId;
use cunxiang_core::lifecycle::Action;
use cunxiang_core::report::MAX_PHOTOS;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};

/// Longest note, reason or comment, in characters.
pub const MAX_TEXT: usize = 1000;
/// Longest text with a rating, in characters.
pub const MAX_RATING_TEXT: usize = 500;

/// Every field any action takes; [`fields`] says which one each action takes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBody {
    version: Option<i32>,
    note: Option<String>,
    reason: Option<String>,
    unit_id: Option<UnitId>,
    media_ids: Option<Vec<Uuid>>,
    rating: Option<i64>,
    text: Option<String>,
    reply_by: Option<DateTime<Utc>>,
    duplicate_of: Option<String>,
    order_id: Option<Uuid>,
    internal: Option<bool>,
    at: Option<DateTime<Utc>>,
    place: Option<String>,
    online: Option<bool>,
    meeting_link: Option<String>,
    session_id: Option<Uuid>,
    attendees: Option<Vec<String>>,
    next_step: Option<String>,
    outcome: Option<String>,
    referral: Option<String>,
    referred_to: Option<String>,
    kept: Option<bool>,
}

mod mediation;

use cunxiang_core::lifecycle::Input as ActionInput;

/// The fields `action` takes besides `version`, and the one that carries its text.
fn fields(action: Action) -> (&'static [&'static str], Option<&'static str>) {
    use Action::*;
    match action {
        Accept | Urge => (&["note"], Some("note")),
        Transfer => (&["unit_id", "reason"], Some("reason")),
        Return | Reopen => (&["reason"], Some("reason")),
        Escalate => (&["reason"], Some("reason")),
        Supervise => (&["note", "reply_by"], Some("note")),
        SuperviseReply => (&["note", "order_id"], Some("note")),
        Resolve => (&["note", "media_ids"], Some("note")),
        Rate => (&["rating", "text"], Some("text")),
        Reject => (&["reason", "duplicate_of"], Some("reason")),
        Comment => (&["note", "internal"], Some("note")),
        ScheduleSession => (
            &["at", "place", "online", "meeting_link", "note"],
            Some("note"),
        ),
        RecordSession => (
            &["session_id", "attendees", "next_step", "note"],
            Some("note"),
        ),
        Conclude => (
            &["outcome", "note", "media_ids", "referral", "referred_to"],
            Some("note"),
        ),
        FollowUp => (&["kept", "note"], Some("note")),
        Confirm | AutoConfirm | Submit | Follow => (&[], None),
    }
}

fn invalid_body(message: impl Into<String>) -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InvalidBody,
        message,
    )
}

/// Parses and checks the body of `action` (an empty body is `{}`).
pub fn parse(action: Action, bytes: &[u8]) -> Result<ActionInput, ApiError> {
    let value: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(bytes).map_err(|e| {
            ApiError::new(
                actix_web::http::StatusCode::BAD_REQUEST,
                ErrorCode::MalformedJson,
                format!("the body is not valid JSON: {e}"),
            )
        })?
    };
    let Value::Object(map) = &value else {
        return Err(invalid_body("the body must be a JSON object"));
    };
    let (allowed, text_field) = fields(action);
    if let Some(extra) = map
        .keys()
        .find(|k| k.as_str() != "version" && !allowed.contains(&k.as_str()))
    {
        return Err(invalid_body(format!(
            "{} does not take the field {extra}",
            action.as_str()
        )));
    }
    let raw: RawBody = serde_json::from_value(value).map_err(|e| invalid_body(e.to_string()))?;
    let case = mediation::case_input(action, &raw)?;
    let text = match text_field {
        Some("reason") => raw.reason,
        Some("text") => raw.text,
        Some(_) => raw.note,
        None => None,
    };
    let text = checked_text(action, text_field.unwrap_or("note"), text)?;
    let rating = match (action, raw.rating) {
        (Action::Rate, Some(r @ 1..=5)) => Some(i32::try_from(r).unwrap_or(5)),
        (Action::Rate, _) => {
            return Err(ApiError::invalid_field(
                "rating",
                "rating must be a whole number from 1 to 5",
            ));
        }
        _ => None,
    };
    if action == Action::Transfer && raw.unit_id.is_none() {
        return Err(ApiError::invalid_field(
            "unit_id",
            "name the unit to transfer to",
        ));
    }
    if action == Action::Supervise && raw.reply_by.is_none() {
        return Err(ApiError::invalid_field(
            "reply_by",
            "a supervision order needs a reply deadline",
        ));
    }
    let media_ids = raw.media_ids.unwrap_or_default();
    if media_ids.len() > MAX_PHOTOS {
        return Err(ApiError::invalid_field(
            "media_ids",
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    let mut unique = media_ids.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != media_ids.len() {
        return Err(ApiError::invalid_field(
            "media_ids",
            "a photo is listed twice",
        ));
    }
    Ok(ActionInput {
        version: raw.version,
        text,
        unit_id: raw.unit_id,
        media_ids,
        rating,
        reply_by: raw.reply_by,
        duplicate_of: raw.duplicate_of.map(|d| d.trim().to_owned()),
        order_id: raw.order_id,
        internal: raw.internal.unwrap_or(false),
        mediation: case,
    })
}

/// The text trimmed: required (non-blank) where the action needs it, within the length limit.
fn checked_text(
    action: Action,
    field: &str,
    text: Option<String>,
) -> Result<Option<String>, ApiError> {
    let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let max = if action == Action::Rate {
        MAX_RATING_TEXT
    } else {
        MAX_TEXT
    };
    match text {
        None if action.requires_text() => Err(ApiError::invalid_field(
            field,
            format!("{} needs a {field}", action.as_str()),
        )),
        Some(t) if t.chars().count() > max => Err(ApiError::invalid_field(
            field,
            format!("{field} must be at most {max} characters"),
        )),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(e: &ApiError) -> String {
        e.body()["error"]["details"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn accept_takes_an_empty_body_or_a_note() {
        assert!(parse(Action::Accept, b"").unwrap().text.is_none());
        let a = parse(Action::Accept, br#"{"note":"  on my way ","version":3}"#).unwrap();
        assert_eq!(a.text.as_deref(), Some("on my way"));
        assert_eq!(a.version, Some(3));
    }

    #[test]
    fn a_field_another_action_takes_is_refused() {
        let e = parse(Action::Accept, br#"{"rating":5}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidBody);
        let e = parse(Action::Accept, br#"{"colour":"red"}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidBody);
        assert_eq!(
            parse(Action::Accept, b"[1]").unwrap_err().code,
            ErrorCode::InvalidBody
        );
        assert_eq!(
            parse(Action::Accept, b"{").unwrap_err().code,
            ErrorCode::MalformedJson
        );
    }

    #[test]
    fn reasons_and_notes_are_required_and_bounded() {
        for (action, field) in [
            (Action::Transfer, "reason"),
            (Action::Return, "reason"),
            (Action::Reopen, "reason"),
            (Action::Reject, "reason"),
            (Action::Resolve, "note"),
            (Action::Comment, "note"),
            (Action::Supervise, "note"),
            (Action::SuperviseReply, "note"),
        ] {
            let body = format!(r#"{{"{field}":"   "}}"#);
            let e = parse(action, body.as_bytes()).unwrap_err();
            assert_eq!(
                (e.code, field_of(&e).as_str()),
                (ErrorCode::InvalidField, field),
                "{action:?}"
            );
        }
        let long = format!(r#"{{"reason":"{}"}}"#, "很".repeat(MAX_TEXT + 1));
        assert_eq!(
            field_of(&parse(Action::Return, long.as_bytes()).unwrap_err()),
            "reason"
        );
        let ok = format!(r#"{{"reason":"{}"}}"#, "很".repeat(MAX_TEXT));
        assert!(parse(Action::Return, ok.as_bytes()).is_ok());
    }

    #[test]
    fn a_rating_is_a_whole_number_from_1_to_5() {
        for bad in ["0", "6", "-1", "4.5", "\"5\"", "null"] {
            let body = format!(r#"{{"rating":{bad}}}"#);
            let e = parse(Action::Rate, body.as_bytes()).unwrap_err();
            assert!(
                e.code == ErrorCode::InvalidField || e.code == ErrorCode::InvalidBody,
                "{bad}: {}",
                e.code
            );
        }
        assert_eq!(field_of(&parse(Action::Rate, b"{}").unwrap_err()), "rating");
        let r = parse(Action::Rate, br#"{"rating":5,"text":"fast"}"#).unwrap();
        assert_eq!((r.rating, r.text.as_deref()), (Some(5), Some("fast")));
        assert!(
            parse(Action::Rate, br#"{"rating":1}"#)
                .unwrap()
                .text
                .is_none()
        );
    }

    #[test]
    fn transfer_needs_a_unit_and_supervise_a_deadline() {
        let e = parse(Action::Transfer, br#"{"reason":"not ours"}"#).unwrap_err();
        assert_eq!(field_of(&e), "unit_id");
        let e = parse(Action::Supervise, br#"{"note":"answer"}"#).unwrap_err();
        assert_eq!(field_of(&e), "reply_by");
    }

    #[test]
    fn resolve_photos_are_bounded_and_distinct() {
        let id = Uuid::now_v7();
        let body = format!(r#"{{"note":"done","media_ids":["{id}","{id}"]}}"#);
        assert_eq!(
            field_of(&parse(Action::Resolve, body.as_bytes()).unwrap_err()),
            "media_ids"
        );
        let many: Vec<String> = (0..=MAX_PHOTOS)
            .map(|_| format!("\"{}\"", Uuid::now_v7()))
            .collect();
        let body = format!(r#"{{"note":"done","media_ids":[{}]}}"#, many.join(","));
        assert_eq!(
            field_of(&parse(Action::Resolve, body.as_bytes()).unwrap_err()),
            "media_ids"
        );
    }
}
