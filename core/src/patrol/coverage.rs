//! Whether a grid is patrolled as often as its schedule says: the current period (a China
//! day, a week from Monday, a calendar month), whether a patrol finished in it, and the light
//! — green when patrolled (or early in the period), yellow when 80 % of the period has gone
//! without a patrol, red when the whole previous period went without one too.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use super::Frequency;
use crate::lifecycle::schedule::Light;
use crate::report::china_time;

/// The China-time calendar period of `frequency` containing `at`, as `[start, end)`.
pub fn period(frequency: Frequency, at: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let local = at.with_timezone(&china_time()).date_naive();
    let (first, next) = match frequency {
        Frequency::Daily => (local, local + Duration::days(1)),
        Frequency::Weekly => {
            let monday = local - Duration::days(i64::from(local.weekday().num_days_from_monday()));
            (monday, monday + Duration::days(7))
        }
        Frequency::Monthly => {
            let first = local.with_day(1).unwrap_or(local);
            let next = if first.month() == 12 {
                NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
            }
            .unwrap_or(first + Duration::days(31));
            (first, next)
        }
    };
    (midnight(first), midnight(next))
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    china_time()
        .from_local_datetime(&naive)
        .single()
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

/// Where a grid's patrols against one checklist stand at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// The current period's start.
    pub period_start: DateTime<Utc>,
    /// Its end: the patrol is due by then.
    pub due_at: DateTime<Utc>,
    /// A patrol finished in the current period.
    pub patrolled: bool,
    /// The light.
    pub light: Light,
}

/// The coverage of a schedule of `frequency` whose last patrol finished at `last` (`None`:
/// never).
pub fn coverage(frequency: Frequency, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Coverage {
    let (start, end) = period(frequency, now);
    let (previous_start, _) = period(frequency, start - Duration::seconds(1));
    let patrolled = last.is_some_and(|l| l >= start);
    let light = if patrolled {
        Light::Green
    } else if last.is_none_or(|l| l < previous_start) {
        Light::Red
    } else if (now - start) * 5 >= (end - start) * 4 {
        Light::Yellow
    } else {
        Light::Green
    };
    Coverage {
        period_start: start,
        due_at: end,
        patrolled,
        light,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An instant in China time.
    fn cn(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        china_time()
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn periods_are_china_days_weeks_from_monday_and_months() {
        // Sunday 6 December 2026, 07:00 in China (23:00 UTC the day before).
        let now = cn(2026, 12, 6, 7);
        assert_eq!(
            period(Frequency::Daily, now),
            (cn(2026, 12, 6, 0), cn(2026, 12, 7, 0))
        );
        assert_eq!(
            period(Frequency::Weekly, now),
            (cn(2026, 11, 30, 0), cn(2026, 12, 7, 0))
        );
        assert_eq!(
            period(Frequency::Monthly, now),
            (cn(2026, 12, 1, 0), cn(2027, 1, 1, 0))
        );
    }

    #[test]
    fn green_when_patrolled_yellow_late_in_the_period_red_after_a_missed_one() {
        let weekly = Frequency::Weekly;
        // Tuesday of the week of 30 November; Sunday evening of it.
        let (tuesday, sunday) = (cn(2026, 12, 1, 9), cn(2026, 12, 6, 18));
        let last_week = Some(cn(2026, 11, 25, 10));
        let this_week = Some(cn(2026, 11, 30, 10));
        assert_eq!(coverage(weekly, this_week, sunday).light, Light::Green);
        assert!(coverage(weekly, this_week, sunday).patrolled);
        assert_eq!(coverage(weekly, last_week, tuesday).light, Light::Green);
        assert_eq!(coverage(weekly, last_week, sunday).light, Light::Yellow);
        assert_eq!(
            coverage(weekly, Some(cn(2026, 11, 20, 10)), tuesday).light,
            Light::Red
        );
        assert_eq!(coverage(weekly, None, tuesday).light, Light::Red);
        assert_eq!(coverage(weekly, None, tuesday).due_at, cn(2026, 12, 7, 0));
    }
}
