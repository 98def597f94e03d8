//! The mediation KPIs (调解成功率 and the rest) over a set of mediation cases, from what each
//! case's row and current conclusion say. Definitions: README "KPIs" → "Mediation".

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{percentile, rate};
use crate::lifecycle::ReportStatus;
use crate::mediation::MediationOutcome;
use crate::region::RegionLevel;

/// One mediation case as the KPIs read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// The report's status.
    pub status: ReportStatus,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Its current conclusion, if any.
    pub conclusion: Option<Concluded>,
}

/// A case's current conclusion as the KPIs read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concluded {
    /// How it ended.
    pub outcome: MediationOutcome,
    /// When.
    pub at: DateTime<Utc>,
    /// The ladder level of the concluding unit.
    pub level: Option<RegionLevel>,
    /// Whether its agreement was found kept at the follow-up (`None`: not followed up).
    pub kept: Option<bool>,
}

/// The mediation KPIs of a set of cases.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MediationKpis {
    /// Cases received, rejected ones excluded.
    pub received: i64,
    /// Received cases now resolved or closed with a conclusion.
    pub concluded: i64,
    /// Concluded with an agreement.
    pub agreements: i64,
    /// 调解成功率: agreements ÷ concluded.
    pub success_rate: Option<f64>,
    /// Cases whose current agreement has been followed up (kept or broken).
    pub followed_up: i64,
    /// Of those, found kept.
    pub kept: i64,
    /// Kept ÷ followed up.
    pub kept_rate: Option<f64>,
    /// Median whole days from received to concluded (nearest rank), over concluded cases.
    pub conclude_days_median: Option<i64>,
    /// Concluded by a unit at the village level or below (小事不出村).
    pub concluded_locally: i64,
    /// Concluded locally ÷ concluded.
    pub local_share: Option<f64>,
}

/// The KPIs of `cases` (already limited to the period and region asked for).
pub fn kpis(cases: &[Case]) -> MediationKpis {
    let mut k = MediationKpis::default();
    let mut days: Vec<(i64, i64)> = Vec::new();
    for case in cases.iter().filter(|c| c.status != ReportStatus::Rejected) {
        k.received += 1;
        let Some(Concluded {
            outcome,
            at,
            level,
            kept,
        }) = case.conclusion
        else {
            continue;
        };
        if outcome == MediationOutcome::Agreement && kept.is_some() {
            k.followed_up += 1;
            k.kept += i64::from(kept == Some(true));
        }
        if !matches!(case.status, ReportStatus::Resolved | ReportStatus::Closed) {
            continue;
        }
        k.concluded += 1;
        k.agreements += i64::from(outcome == MediationOutcome::Agreement);
        k.concluded_locally += i64::from(matches!(
            level,
            Some(RegionLevel::Village | RegionLevel::Group)
        ));
        days.push(((at - case.received_at).num_days(), 1));
    }
    k.success_rate = rate(k.agreements, k.concluded);
    k.kept_rate = rate(k.kept, k.followed_up);
    k.local_share = rate(k.concluded_locally, k.concluded);
    k.conclude_days_median = percentile(&days, 50);
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn day(n: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::days(n)
    }

    #[test]
    fn a_hand_counted_set_of_cases() {
        use MediationOutcome::*;
        use RegionLevel::*;
        use ReportStatus::*;
        let case = |status, conclusion: Option<(MediationOutcome, _, _, _)>| Case {
            status,
            received_at: day(0),
            conclusion: conclusion.map(|(outcome, at, level, kept)| Concluded {
                outcome,
                at,
                level,
                kept,
            }),
        };
        let cases = [
            // Agreement at the village, kept after 2 days' mediation.
            case(Closed, Some((Agreement, day(2), Some(Village), Some(true)))),
            // Agreement at the township, awaiting follow-up, after 5 days.
            case(Resolved, Some((Agreement, day(5), Some(Township), None))),
            // Agreement broken at follow-up: reopened, not concluded now.
            case(
                Accepted,
                Some((Agreement, day(1), Some(Village), Some(false))),
            ),
            // Referred by the village after 9 days.
            case(Closed, Some((NoAgreement, day(9), Some(Village), None))),
            // Being mediated; and a rejected one that counts nowhere.
            case(Accepted, None),
            case(Rejected, None),
        ];
        let k = kpis(&cases);
        assert_eq!((k.received, k.concluded, k.agreements), (5, 3, 2));
        assert_eq!(k.success_rate, Some(2.0 / 3.0));
        assert_eq!((k.followed_up, k.kept, k.kept_rate), (2, 1, Some(0.5)));
        assert_eq!(k.conclude_days_median, Some(5), "2, 5, 9 days");
        assert_eq!((k.concluded_locally, k.local_share), (2, Some(2.0 / 3.0)));
        assert_eq!(kpis(&[]).success_rate, None);
    }
}
