//! The mediation actions' own fields in an action body (`schedule_session`,
//! `record_session`, `conclude`, `follow_up`): present where required and of a known name.
//! Everything that needs the case or the clock is checked by the core step.

use cunxiang_core::lifecycle::Action;
use cunxiang_core::mediation::{CaseInput, MediationOutcome, Referral};

use super::RawBody;
use crate::error::ApiError;

fn required<T: Clone>(value: &Option<T>, field: &str, what: &str) -> Result<T, ApiError> {
    value
        .clone()
        .ok_or_else(|| ApiError::invalid_field(field, what))
}

/// The mediation part of `action`'s body; `None` for any other action.
pub(super) fn case_input(action: Action, raw: &RawBody) -> Result<Option<CaseInput>, ApiError> {
    let case = match action {
        Action::ScheduleSession => CaseInput::Schedule {
            at: required(&raw.at, "at", "name when the session starts")?,
            place: raw.place.clone(),
            online: raw.online.unwrap_or(false),
            meeting_link: raw.meeting_link.clone(),
        },
        Action::RecordSession => CaseInput::Record {
            session_id: required(&raw.session_id, "session_id", "name the session")?,
            attendees: required(&raw.attendees, "attendees", "list who took part")?,
            next_step: raw.next_step.clone(),
        },
        Action::Conclude => {
            let outcome = raw
                .outcome
                .as_deref()
                .and_then(MediationOutcome::parse)
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "outcome",
                        "outcome must be agreement, no_agreement or withdrawn",
                    )
                })?;
            let referral = match raw.referral.as_deref() {
                None => None,
                Some(name) => Some(Referral::parse(name).ok_or_else(|| {
                    ApiError::invalid_field(
                        "referral",
                        "referral must be litigation, arbitration, petition or administrative",
                    )
                })?),
            };
            CaseInput::Conclude {
                outcome,
                referral,
                referred_to: raw.referred_to.clone(),
            }
        }
        Action::FollowUp => CaseInput::FollowUp {
            kept: required(&raw.kept, "kept", "say whether the agreement is kept")?,
        },
        _ => return Ok(None),
    };
    Ok(Some(case))
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn field(action: Action, body: &str) -> String {
        let e = parse(action, body.as_bytes()).unwrap_err();
        e.body()["error"]["details"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn each_mediation_action_names_its_required_field() {
        assert_eq!(field(Action::ScheduleSession, r#"{"place":"室"}"#), "at");
        assert_eq!(
            field(
                Action::RecordSession,
                r#"{"attendees":["张三"],"note":"谈了"}"#
            ),
            "session_id"
        );
        assert_eq!(field(Action::Conclude, r#"{"outcome":"peace"}"#), "outcome");
        assert_eq!(
            field(
                Action::Conclude,
                r#"{"outcome":"no_agreement","referral":"court"}"#
            ),
            "referral"
        );
        assert_eq!(field(Action::FollowUp, r#"{"note":"已履行"}"#), "kept");
        assert_eq!(field(Action::FollowUp, r#"{"kept":true}"#), "note");
    }

    #[test]
    fn a_mediation_body_becomes_its_case_input() {
        let input = parse(
            Action::Conclude,
            r#"{"outcome":"no_agreement","referral":"petition","referred_to":"县信访局"}"#
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(
            input.mediation,
            Some(CaseInput::Conclude {
                outcome: MediationOutcome::NoAgreement,
                referral: Some(Referral::Petition),
                referred_to: Some("县信访局".into()),
            })
        );
        assert!(
            parse(Action::Comment, br#"{"note":"x"}"#)
                .unwrap()
                .mediation
                .is_none()
        );
        let e = parse(Action::Comment, br#"{"note":"x","kept":true}"#).unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::InvalidBody);
    }
}
