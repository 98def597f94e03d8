//! Mediation sessions (调解会): when and where one is scheduled (a place, or `online` with a
//! meeting link for 云端调解), and what is recorded after it (who came, what was said, the next
//! step). Pure checks; the lifecycle step (`schedule_session`, `record_session`) calls them.

use chrono::{DateTime, Duration, Utc};

use crate::lifecycle::Invalid;

/// How far ahead a session may be scheduled, in days.
pub const MAX_AHEAD_DAYS: i64 = 90;
/// How long after it was held a session may still be entered in the schedule, in hours (a
/// mediator who met the parties on the spot records that afterwards).
pub const MAX_BEHIND_HOURS: i64 = 24;
/// How long before its scheduled time a session may be recorded, in minutes (it started early).
pub const EARLY_RECORD_MINUTES: i64 = 60;
/// The longest place, meeting link, attendee name or next step, in characters.
pub const MAX_SHORT_TEXT: usize = 200;
/// The most attendees one record lists.
pub const MAX_ATTENDEES: usize = 30;

/// Where a session is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Venue {
    /// In a room: 村委会调解室, the field in dispute …
    Place(String),
    /// 云端调解: a video call at this link.
    Online {
        /// The meeting link (http or https).
        link: String,
    },
}

/// A session as scheduled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionPlan {
    /// When it starts.
    pub at: DateTime<Utc>,
    /// Where.
    pub venue: Venue,
}

/// What a mediator records after a session (the summary is the action's note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Who took part (names as the mediator writes them; the parties' details stay in the
    /// parties list).
    pub attendees: Vec<String>,
    /// What happens next (another session, a site visit, a conclusion), if said.
    pub next_step: Option<String>,
}

/// A scheduled session the record names, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledSession {
    /// The session.
    pub id: uuid::Uuid,
    /// When it was scheduled to start.
    pub at: DateTime<Utc>,
    /// Whether it has been recorded already.
    pub recorded: bool,
}

fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field,
        message: message.into(),
    }
}

fn short(field: &'static str, text: Option<&str>) -> Result<Option<String>, Invalid> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    if text.is_some_and(|t| t.chars().count() > MAX_SHORT_TEXT) {
        return Err(invalid(
            field,
            format!("{field} must be at most {MAX_SHORT_TEXT} characters"),
        ));
    }
    Ok(text.map(str::to_owned))
}

/// Checks a session to schedule at `now`: a start from [`MAX_BEHIND_HOURS`] ago to
/// [`MAX_AHEAD_DAYS`] ahead, and either a place or `online` with an http(s) meeting link
/// (not both).
pub fn check_plan(
    at: DateTime<Utc>,
    place: Option<&str>,
    online: bool,
    meeting_link: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SessionPlan, Invalid> {
    if at < now - Duration::hours(MAX_BEHIND_HOURS) || at > now + Duration::days(MAX_AHEAD_DAYS) {
        return Err(invalid(
            "at",
            format!(
                "a session starts between {MAX_BEHIND_HOURS} hours ago and {MAX_AHEAD_DAYS} days ahead"
            ),
        ));
    }
    let place = short("place", place)?;
    let link = short("meeting_link", meeting_link)?;
    let venue = match (online, place, link) {
        (true, None, Some(link)) => {
            let lower = link.to_ascii_lowercase();
            let scheme = lower.starts_with("https://") || lower.starts_with("http://");
            if !scheme || link.chars().any(char::is_whitespace) {
                return Err(invalid(
                    "meeting_link",
                    "the meeting link must be an http(s) address",
                ));
            }
            Venue::Online { link }
        }
        (true, None, None) => {
            return Err(invalid(
                "meeting_link",
                "an online session needs its meeting link",
            ));
        }
        (true, Some(_), _) => {
            return Err(invalid(
                "place",
                "an online session has a meeting link, not a place",
            ));
        }
        (false, Some(place), None) => Venue::Place(place),
        (false, _, Some(_)) => {
            return Err(invalid(
                "online",
                "a meeting link is for an online session: set online to true",
            ));
        }
        (false, None, None) => {
            return Err(invalid(
                "place",
                "name the place, or set online with a meeting link",
            ));
        }
    };
    Ok(SessionPlan { at, venue })
}

/// Checks a record of `session` at `now`: attendees (1 to [`MAX_ATTENDEES`] names), an
/// optional next step. A session is recorded once, and not before
/// [`EARLY_RECORD_MINUTES`] ahead of its time; those two answer `Ok(Err(…))` so that the
/// caller can tell a conflict from a bad field.
pub fn check_record(
    session: &ScheduledSession,
    attendees: &[String],
    next_step: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Result<SessionRecord, RecordConflict>, Invalid> {
    let attendees: Vec<String> = attendees
        .iter()
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    if attendees.is_empty() || attendees.len() > MAX_ATTENDEES {
        return Err(invalid(
            "attendees",
            format!("list 1-{MAX_ATTENDEES} attendees"),
        ));
    }
    if attendees.iter().any(|a| a.chars().count() > MAX_SHORT_TEXT) {
        return Err(invalid("attendees", "an attendee's name is too long"));
    }
    let next_step = short("next_step", next_step)?;
    if session.recorded {
        return Ok(Err(RecordConflict::AlreadyRecorded));
    }
    if now < session.at - Duration::minutes(EARLY_RECORD_MINUTES) {
        return Ok(Err(RecordConflict::NotHeldYet));
    }
    Ok(Ok(SessionRecord {
        attendees,
        next_step,
    }))
}

/// Why a session cannot be recorded now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordConflict {
    /// It was recorded before.
    AlreadyRecorded,
    /// Its time has not come.
    NotHeldYet,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 2, 0, 0).unwrap()
    }

    #[test]
    fn a_session_is_in_a_place_or_online_with_a_link() {
        let at = now() + Duration::days(2);
        let room = check_plan(at, Some(" 村委会调解室 "), false, None, now()).unwrap();
        assert_eq!(room.venue, Venue::Place("村委会调解室".into()));
        let online = check_plan(
            at,
            None,
            true,
            Some("https://meeting.tencent.com/dm/1"),
            now(),
        );
        assert!(matches!(online.unwrap().venue, Venue::Online { .. }));
        for (place, on, link, field) in [
            (None, false, None, "place"),
            (Some("室"), true, Some("https://x"), "place"),
            (None, true, None, "meeting_link"),
            (None, true, Some("ftp://x"), "meeting_link"),
            (None, true, Some("https://a b"), "meeting_link"),
            (Some("室"), false, Some("https://x"), "online"),
        ] {
            let e = check_plan(at, place, on, link, now()).unwrap_err();
            assert_eq!(e.field, field, "{place:?} {on} {link:?}");
        }
    }

    #[test]
    fn a_session_starts_in_the_window_around_now() {
        let ok = [now() - Duration::hours(23), now() + Duration::days(89)];
        for at in ok {
            assert!(check_plan(at, Some("室"), false, None, now()).is_ok());
        }
        for at in [now() - Duration::hours(25), now() + Duration::days(91)] {
            let e = check_plan(at, Some("室"), false, None, now()).unwrap_err();
            assert_eq!(e.field, "at");
        }
    }

    #[test]
    fn a_session_is_recorded_once_and_not_long_before_its_time() {
        let session = ScheduledSession {
            id: uuid::Uuid::nil(),
            at: now() + Duration::minutes(30),
            recorded: false,
        };
        let names = vec!["张三".to_owned(), " 李四 ".to_owned(), " ".to_owned()];
        let ok = check_record(&session, &names, Some("下周再约"), now()).unwrap();
        assert_eq!(ok.unwrap().attendees, vec!["张三", "李四"]);
        let later = ScheduledSession {
            at: now() + Duration::hours(2),
            ..session
        };
        assert_eq!(
            check_record(&later, &names, None, now()).unwrap(),
            Err(RecordConflict::NotHeldYet)
        );
        let done = ScheduledSession {
            recorded: true,
            ..session
        };
        assert_eq!(
            check_record(&done, &names, None, now()).unwrap(),
            Err(RecordConflict::AlreadyRecorded)
        );
        assert_eq!(
            check_record(&session, &[" ".into()], None, now())
                .unwrap_err()
                .field,
            "attendees"
        );
    }
}
