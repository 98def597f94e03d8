//! How a mediation case ends (调解结果): an agreement (its terms and a photo of the signed
//! 调解协议书), no agreement with a referral (诉讼, 仲裁, 信访, 行政处理 — and to whom), or a
//! withdrawal; and the follow-up (回访) that checks an agreement is kept.

use serde::{Deserialize, Serialize};

use crate::lifecycle::Invalid;

/// Default days from an agreement to its follow-up (回访).
pub const DEFAULT_FOLLOW_UP_DAYS: i64 = 15;
/// The longest "referred to" text, in characters.
pub const MAX_REFERRED_TO: usize = 100;

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum MediationOutcome {
    /// 达成调解协议: the parties signed an agreement.
    Agreement,
    /// 调解不成: no agreement; the case is referred elsewhere.
    NoAgreement,
    /// 撤回: the applicant withdrew.
    Withdrawn,
}

impl MediationOutcome {
    /// Every outcome.
    pub const ALL: [MediationOutcome; 3] = [Self::Agreement, Self::NoAgreement, Self::Withdrawn];

    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agreement => "agreement",
            Self::NoAgreement => "no_agreement",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Where a case without agreement goes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(
    feature = "diesel",
    derive(diesel::AsExpression, diesel::FromSqlRow),
    diesel(sql_type = diesel::sql_types::Text)
)]
#[serde(rename_all = "snake_case")]
pub enum Referral {
    /// 诉讼: to court.
    Litigation,
    /// 仲裁: to arbitration (劳动/农村土地承包仲裁).
    Arbitration,
    /// 信访: to the petitions office.
    Petition,
    /// 行政处理: to the administrative authority in charge.
    Administrative,
}

impl Referral {
    /// Every referral.
    pub const ALL: [Referral; 4] = [
        Self::Litigation,
        Self::Arbitration,
        Self::Petition,
        Self::Administrative,
    ];

    /// The snake_case name used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Litigation => "litigation",
            Self::Arbitration => "arbitration",
            Self::Petition => "petition",
            Self::Administrative => "administrative",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A conclusion as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conclusion {
    /// How it ended.
    pub outcome: MediationOutcome,
    /// No agreement: where it goes, and to whom (XX县人民法院 …).
    pub referral: Option<(Referral, String)>,
}

fn invalid(field: &'static str, message: &str) -> Invalid {
    Invalid {
        field,
        message: message.to_owned(),
    }
}

/// Checks a conclusion: an agreement needs its terms (`text`, the note) and at least one
/// photo of the signed 调解协议书; no agreement needs a referral and whom it goes to; a
/// referral belongs to no other outcome.
pub fn check_conclusion(
    outcome: MediationOutcome,
    text: Option<&str>,
    photos: usize,
    referral: Option<Referral>,
    referred_to: Option<&str>,
) -> Result<Conclusion, Invalid> {
    let referred_to = referred_to.map(str::trim).filter(|t| !t.is_empty());
    if referred_to.is_some_and(|t| t.chars().count() > MAX_REFERRED_TO) {
        return Err(invalid(
            "referred_to",
            "referred_to must be at most 100 characters",
        ));
    }
    match outcome {
        MediationOutcome::Agreement => {
            if text.is_none_or(|t| t.trim().is_empty()) {
                return Err(invalid("note", "write the agreement's terms in the note"));
            }
            if photos == 0 {
                return Err(invalid(
                    "media_ids",
                    "an agreement needs a photo of the signed 调解协议书",
                ));
            }
        }
        MediationOutcome::NoAgreement => {
            let (Some(kind), Some(to)) = (referral, referred_to) else {
                return Err(invalid(
                    "referral",
                    "no agreement needs a referral (litigation, arbitration, petition, administrative) and referred_to",
                ));
            };
            return Ok(Conclusion {
                outcome,
                referral: Some((kind, to.to_owned())),
            });
        }
        MediationOutcome::Withdrawn => {}
    }
    if referral.is_some() || referred_to.is_some() {
        return Err(invalid(
            "referral",
            "only a case without agreement is referred",
        ));
    }
    Ok(Conclusion {
        outcome,
        referral: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agreement_needs_its_terms_and_the_signed_photo() {
        let ok = check_conclusion(
            MediationOutcome::Agreement,
            Some("赔偿500元"),
            1,
            None,
            None,
        );
        assert_eq!(ok.unwrap().referral, None);
        let e = check_conclusion(MediationOutcome::Agreement, Some("赔偿"), 0, None, None);
        assert_eq!(e.unwrap_err().field, "media_ids");
        let e = check_conclusion(MediationOutcome::Agreement, Some(" "), 1, None, None);
        assert_eq!(e.unwrap_err().field, "note");
    }

    #[test]
    fn no_agreement_is_referred_and_nothing_else_is() {
        let ok = check_conclusion(
            MediationOutcome::NoAgreement,
            None,
            0,
            Some(Referral::Litigation),
            Some(" 县人民法院 "),
        )
        .unwrap();
        assert_eq!(
            ok.referral,
            Some((Referral::Litigation, "县人民法院".to_owned()))
        );
        for (kind, to) in [(None, Some("法院")), (Some(Referral::Petition), None)] {
            let e = check_conclusion(MediationOutcome::NoAgreement, None, 0, kind, to);
            assert_eq!(e.unwrap_err().field, "referral");
        }
        let e = check_conclusion(
            MediationOutcome::Withdrawn,
            None,
            0,
            Some(Referral::Petition),
            Some("信访局"),
        );
        assert_eq!(e.unwrap_err().field, "referral");
        assert!(check_conclusion(MediationOutcome::Withdrawn, None, 0, None, None).is_ok());
    }

    #[test]
    fn names_round_trip() {
        for o in MediationOutcome::ALL {
            assert_eq!(MediationOutcome::parse(o.as_str()), Some(o));
        }
        for r in Referral::ALL {
            assert_eq!(Referral::parse(r.as_str()), Some(r));
        }
    }
}
