//! The patrol KPIs over a set of scheduled grids and finished patrols: coverage (grid-periods
//! patrolled ÷ required), items checked, problems found and how many of their reports are
//! done, and the median share of a patrol's points inside its grid. Definitions: README
//! "KPIs" → "Patrols".

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::rate;
use crate::patrol::Frequency;
use crate::patrol::coverage::period;

/// Most periods one schedule is counted over (a daily schedule over 30 years).
const MAX_PERIODS: usize = 11_000;

/// One grid scheduled against one checklist, as the coverage reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// How often.
    pub frequency: Frequency,
    /// When it was scheduled (`None`: before that was recorded; its checklist's creation is
    /// the bound instead, and no period is free).
    pub since: Option<DateTime<Utc>>,
    /// When its checklist was made.
    pub checklist_created: DateTime<Utc>,
    /// When each patrol of this grid against this checklist finished.
    pub finished: Vec<DateTime<Utc>>,
}

/// One finished patrol, as the KPIs read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Walk {
    /// Share of its points inside the grid (`None`: no points).
    pub inside_share: Option<f64>,
    /// Items marked (ok, problem or not applicable).
    pub marks: i64,
    /// Items marked as a problem (each filed a report).
    pub problems: i64,
    /// Of those, reports now resolved or closed.
    pub problems_done: i64,
}

/// The patrol KPIs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PatrolKpis {
    /// Grid-periods that required a patrol.
    pub required_periods: i64,
    /// Of those, with a patrol finished in them.
    pub patrolled_periods: i64,
    /// Patrolled ÷ required.
    pub coverage: Option<f64>,
    /// Patrols finished in the period asked for.
    pub patrols: i64,
    /// Items they marked.
    pub items_checked: i64,
    /// Items marked as a problem.
    pub problems_found: i64,
    /// Problems whose reports are resolved or closed.
    pub problems_done: i64,
    /// Done ÷ found.
    pub problem_completion_rate: Option<f64>,
    /// Median (nearest rank) share of a patrol's points inside its grid.
    pub inside_share_median: Option<f64>,
}

/// How many whole periods of `s` lie in `[from, to)` (each bound optional, `to` never past
/// `now`) and are required — every period that has ended, but the one the grid was scheduled
/// in — and how many of them saw a patrol finish: `(required, patrolled)`.
pub fn periods(
    s: &Schedule,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> (i64, i64) {
    let free_end = match s.since {
        Some(since) => period(s.frequency, since).1,
        None => s.checklist_created,
    };
    let lower = from.map_or(free_end, |f| f.max(free_end));
    let upper = to.map_or(now, |t| t.min(now));
    let (mut start, mut end) = period(s.frequency, lower);
    if start < lower {
        (start, end) = period(s.frequency, end);
    }
    let (mut required, mut patrolled) = (0, 0);
    for _ in 0..MAX_PERIODS {
        if end > upper {
            break;
        }
        required += 1;
        patrolled += i64::from(s.finished.iter().any(|f| *f >= start && *f < end));
        (start, end) = period(s.frequency, end);
    }
    (required, patrolled)
}

/// The KPIs of `schedules` over `[from, to)` at `now`, and of the `walks` finished in it.
pub fn kpis(
    schedules: &[Schedule],
    walks: &[Walk],
    (from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    now: DateTime<Utc>,
) -> PatrolKpis {
    let mut k = PatrolKpis::default();
    for s in schedules {
        let (required, patrolled) = periods(s, from, to, now);
        k.required_periods += required;
        k.patrolled_periods += patrolled;
    }
    let mut shares: Vec<f64> = Vec::new();
    for w in walks {
        k.patrols += 1;
        k.items_checked += w.marks;
        k.problems_found += w.problems;
        k.problems_done += w.problems_done;
        shares.extend(w.inside_share);
    }
    k.coverage = rate(k.patrolled_periods, k.required_periods);
    k.problem_completion_rate = rate(k.problems_done, k.problems_found);
    shares.sort_by(f64::total_cmp);
    k.inside_share_median = (!shares.is_empty()).then(|| shares[shares.len().div_ceil(2) - 1]);
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::china_time;
    use chrono::TimeZone;

    fn cn(m: u32, d: u32, h: u32) -> DateTime<Utc> {
        china_time()
            .with_ymd_and_hms(2026, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn a_hand_counted_weekly_schedule() {
        // Scheduled Wednesday 2 December (that week is free); patrolled in the week of the
        // 7th, not in the week of the 14th; asked on Tuesday 22 December: two weeks ended.
        let s = Schedule {
            frequency: Frequency::Weekly,
            since: Some(cn(12, 2, 9)),
            checklist_created: cn(11, 1, 9),
            finished: vec![cn(12, 3, 10), cn(12, 9, 10)],
        };
        let now = cn(12, 22, 9);
        assert_eq!(periods(&s, None, None, now), (2, 1));
        // From Thursday 10 December: the week of the 7th is cut, only the 14th's counts.
        assert_eq!(periods(&s, Some(cn(12, 10, 0)), None, now), (1, 0));
        // Until the 14th: one week.
        assert_eq!(periods(&s, None, Some(cn(12, 14, 0)), now), (1, 1));
        let walks = [
            Walk {
                inside_share: Some(0.9),
                marks: 24,
                problems: 2,
                problems_done: 1,
            },
            Walk {
                inside_share: Some(0.5),
                marks: 20,
                problems: 0,
                problems_done: 0,
            },
            Walk {
                inside_share: None,
                marks: 0,
                problems: 0,
                problems_done: 0,
            },
        ];
        let k = kpis(std::slice::from_ref(&s), &walks, (None, None), now);
        assert_eq!(
            (k.required_periods, k.patrolled_periods, k.coverage),
            (2, 1, Some(0.5))
        );
        assert_eq!((k.patrols, k.items_checked, k.problems_found), (3, 44, 2));
        assert_eq!(k.problem_completion_rate, Some(0.5));
        assert_eq!(k.inside_share_median, Some(0.5), "nearest rank of 0.5, 0.9");
    }

    #[test]
    fn a_daily_schedule_without_its_date_counts_from_its_checklist() {
        let s = Schedule {
            frequency: Frequency::Daily,
            since: None,
            checklist_created: cn(12, 1, 0),
            finished: vec![cn(12, 1, 10), cn(12, 3, 10)],
        };
        assert_eq!(periods(&s, None, None, cn(12, 4, 12)), (3, 2));
    }
}
