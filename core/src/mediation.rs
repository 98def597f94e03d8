//! Mediation cases (矛盾纠纷调解): who the parties to a dispute are, who may read and change
//! them, and what a party's details must look like. A case is a report of a category whose
//! workflow is [`crate::Workflow::Mediation`]; its mediators are the members of the unit
//! holding it (村调委会, then up the ladder).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::identity::normalise_phone;
use crate::lifecycle::{ReportStatus, Standing};

pub mod conclusion;
pub mod session;

pub use conclusion::{Conclusion, DEFAULT_FOLLOW_UP_DAYS, MediationOutcome, Referral};
pub use session::{ScheduledSession, SessionPlan, SessionRecord, Venue};

/// The mediation part of a lifecycle action's input — the body of `schedule_session`,
/// `record_session`, `conclude` or `follow_up` as parsed; the step checks it against the case
/// (the note of the action is the record's summary, the agreement's terms or what the
/// follow-up found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseInput {
    /// Schedule a session.
    Schedule {
        /// When it starts.
        at: DateTime<Utc>,
        /// Where, unless online.
        place: Option<String>,
        /// 云端调解.
        online: bool,
        /// The meeting link of an online session.
        meeting_link: Option<String>,
    },
    /// Record a scheduled session.
    Record {
        /// The session.
        session_id: Uuid,
        /// Who took part.
        attendees: Vec<String>,
        /// What happens next.
        next_step: Option<String>,
    },
    /// Conclude the case.
    Conclude {
        /// How it ended.
        outcome: MediationOutcome,
        /// No agreement: where it is referred.
        referral: Option<Referral>,
        /// No agreement: to whom.
        referred_to: Option<String>,
    },
    /// Record the follow-up (回访) of an agreement.
    FollowUp {
        /// Whether the agreement is being kept.
        kept: bool,
    },
}

/// The most parties one case may carry.
pub const MAX_PARTIES: usize = 20;

/// The longest name or relation, in characters.
pub const MAX_PARTY_TEXT: usize = 50;

/// How a person stands in a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    /// 申请人: who asked for mediation.
    Applicant,
    /// 被申请人: the other side.
    Respondent,
    /// 其他当事人 or a witness, interpreter, family member who takes part.
    Other,
}

impl PartyRole {
    /// Every role.
    pub const ALL: [PartyRole; 3] = [Self::Applicant, Self::Respondent, Self::Other];

    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Applicant => "applicant",
            Self::Respondent => "respondent",
            Self::Other => "other",
        }
    }

    /// Parses the snake_case name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A party's details as checked: trimmed name, normalised phone, trimmed relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyDetails {
    /// How the person stands in the dispute.
    pub role: PartyRole,
    /// Her name.
    pub name: String,
    /// Her mobile number (11 digits), if given.
    pub phone: Option<String>,
    /// How she relates to the others (邻居, 兄弟, 承包方 …), if given.
    pub relation: Option<String>,
}

/// Why a party's details are refused: the field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParty {
    /// The field.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Checks a party's details as sent: a name of 1–50 characters, a phone that is a Chinese
/// mobile number when given, a relation of at most 50 characters.
pub fn check_party(
    role: PartyRole,
    name: &str,
    phone: Option<&str>,
    relation: Option<&str>,
) -> Result<PartyDetails, BadParty> {
    let bad = |field, message: &str| BadParty {
        field,
        message: message.to_owned(),
    };
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_PARTY_TEXT {
        return Err(bad("name", "name must be 1-50 characters"));
    }
    let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => Some(
            normalise_phone(p)
                .ok_or_else(|| bad("phone", "phone must be a mainland mobile number"))?,
        ),
    };
    let relation = relation.map(str::trim).filter(|r| !r.is_empty());
    if relation.is_some_and(|r| r.chars().count() > MAX_PARTY_TEXT) {
        return Err(bad("relation", "relation must be at most 50 characters"));
    }
    Ok(PartyDetails {
        role,
        name: name.to_owned(),
        phone,
        relation: relation.map(str::to_owned),
    })
}

/// Whether someone standing so to a mediation case may read its parties: its mediators (the
/// holding unit), the supervisors over it and admins. Never the reporter as such, nor
/// villagers, nor anyone the case is hidden from.
pub fn may_read_parties(standing: &Standing) -> bool {
    standing.can_see && (standing.in_responsible_unit || standing.supervises)
}

/// Why the parties of a case may not be changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyRefusal {
    /// She is not one of the case's mediators.
    NotMediator,
    /// The case is not being mediated (not accepted yet, or already concluded or closed).
    NotInMediation(ReportStatus),
}

/// Whether someone standing so may add or remove parties of a case in `status`: only its
/// mediators, and only while it is being mediated (accepted).
pub fn may_change_parties(standing: &Standing, status: ReportStatus) -> Result<(), PartyRefusal> {
    if !(standing.can_see && standing.in_responsible_unit) {
        return Err(PartyRefusal::NotMediator);
    }
    if status != ReportStatus::Accepted {
        return Err(PartyRefusal::NotInMediation(status));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    fn standing(role: Role, in_unit: bool, supervises: bool, can_see: bool) -> Standing {
        let mut s = Standing::person(role);
        s.in_responsible_unit = in_unit;
        s.supervises = supervises;
        s.can_see = can_see;
        s
    }

    #[test]
    fn mediators_and_overseers_read_parties_and_only_mediators_change_them() {
        let mediator = standing(Role::UnitStaff, true, false, true);
        let overseer = standing(Role::Supervisor, false, true, true);
        let mut reporter = standing(Role::Villager, false, false, true);
        reporter.is_reporter = true;
        let other_staff = standing(Role::GridWorker, false, false, true);
        let hidden = standing(Role::UnitStaff, true, false, false);
        assert!(may_read_parties(&mediator) && may_read_parties(&overseer));
        for s in [&reporter, &other_staff, &hidden] {
            assert!(!may_read_parties(s), "{s:?}");
        }
        assert_eq!(
            may_change_parties(&mediator, ReportStatus::Accepted),
            Ok(())
        );
        for s in [&overseer, &reporter, &other_staff, &hidden] {
            assert_eq!(
                may_change_parties(s, ReportStatus::Accepted),
                Err(PartyRefusal::NotMediator)
            );
        }
        for status in [
            ReportStatus::Assigned,
            ReportStatus::Resolved,
            ReportStatus::Closed,
        ] {
            assert_eq!(
                may_change_parties(&mediator, status),
                Err(PartyRefusal::NotInMediation(status))
            );
        }
    }

    #[test]
    fn a_partys_details_are_trimmed_and_checked() {
        let ok = check_party(
            PartyRole::Respondent,
            " 王五 ",
            Some("+86 138 0000 0009"),
            Some(" 邻居 "),
        )
        .unwrap();
        assert_eq!(ok.name, "王五");
        assert_eq!(ok.phone.as_deref(), Some("13800000009"));
        assert_eq!(ok.relation.as_deref(), Some("邻居"));
        let no_phone = check_party(PartyRole::Other, "李四", Some(" "), None).unwrap();
        assert_eq!(no_phone.phone, None);
        let long = "长".repeat(51);
        for (name, phone, relation, field) in [
            ("  ", None, None, "name"),
            (long.as_str(), None, None, "name"),
            ("张三", Some("12345"), None, "phone"),
            ("张三", None, Some(long.as_str()), "relation"),
        ] {
            let err = check_party(PartyRole::Applicant, name, phone, relation).unwrap_err();
            assert_eq!(err.field, field);
        }
    }

    #[test]
    fn roles_round_trip_their_names() {
        for role in PartyRole::ALL {
            assert_eq!(PartyRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(PartyRole::parse("judge"), None);
    }
}
