//! Whether a grid is patrolled as often as its schedule says: the current period (a China
//! day, a week from Monday, a calendar month), whether a patrol finished in it, and the light
//! — green when patrolled (or early in the period), yellow when 80 % of the period has gone
//! without a patrol, red when the whole previous period went without one too. The period a
//! grid was scheduled in is free (nobody is late for a patrol asked for mid-week). The
//! deadline worker raises each yellow and red once per period ([`alert_due`]).

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

/// The coverage of a schedule of `frequency` made at `since` (`None`: long ago) whose last
/// patrol finished at `last` (`None`: never).
pub fn coverage(
    frequency: Frequency,
    last: Option<DateTime<Utc>>,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Coverage {
    let (start, end) = period(frequency, now);
    let (previous_start, _) = period(frequency, start - Duration::seconds(1));
    let patrolled = last.is_some_and(|l| l >= start);
    // Being scheduled counts as a patrol for the lights: the period it happened in is free.
    let baseline = last.max(since);
    let light = if patrolled || baseline.is_some_and(|b| b >= start) {
        Light::Green
    } else if baseline.is_none_or(|l| l < previous_start) {
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

/// The light the deadline worker should raise now for a schedule at `c`, given the last one
/// it raised (`(period start, light)`): yellow or red, each once per period (a red raised
/// covers the yellow); `None` when green or raised already.
pub fn alert_due(c: &Coverage, raised: Option<(DateTime<Utc>, Light)>) -> Option<Light> {
    let want = match c.light {
        Light::Green => return None,
        light => light,
    };
    match raised {
        Some((period, light))
            if period == c.period_start && (light == Light::Red || light == want) =>
        {
            None
        }
        _ => Some(want),
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
        assert_eq!(
            coverage(weekly, this_week, None, sunday).light,
            Light::Green
        );
        assert!(coverage(weekly, this_week, None, sunday).patrolled);
        assert_eq!(
            coverage(weekly, last_week, None, tuesday).light,
            Light::Green
        );
        assert_eq!(
            coverage(weekly, last_week, None, sunday).light,
            Light::Yellow
        );
        assert_eq!(
            coverage(weekly, Some(cn(2026, 11, 20, 10)), None, tuesday).light,
            Light::Red
        );
        assert_eq!(coverage(weekly, None, None, tuesday).light, Light::Red);
        assert_eq!(
            coverage(weekly, None, None, tuesday).due_at,
            cn(2026, 12, 7, 0)
        );
    }

    #[test]
    fn the_period_a_grid_is_scheduled_in_is_free() {
        let weekly = Frequency::Weekly;
        let scheduled = Some(cn(2026, 12, 2, 9));
        let this_sunday = cn(2026, 12, 6, 18);
        let c = coverage(weekly, None, scheduled, this_sunday);
        assert_eq!((c.light, c.patrolled), (Light::Green, false));
        // The next week is due: yellow late in it, red once it passed.
        let next_sunday = cn(2026, 12, 13, 18);
        assert_eq!(
            coverage(weekly, None, scheduled, next_sunday).light,
            Light::Yellow
        );
        let week_after = cn(2026, 12, 15, 9);
        assert_eq!(
            coverage(weekly, None, scheduled, week_after).light,
            Light::Red
        );
    }

    #[test]
    fn each_light_is_raised_once_per_period_and_red_covers_yellow() {
        let weekly = Frequency::Weekly;
        let sunday = cn(2026, 12, 6, 18);
        let yellow = coverage(weekly, Some(cn(2026, 11, 25, 10)), None, sunday);
        assert_eq!(alert_due(&yellow, None), Some(Light::Yellow));
        let raised = Some((yellow.period_start, Light::Yellow));
        assert_eq!(alert_due(&yellow, raised), None);
        let red = coverage(weekly, None, None, sunday);
        assert_eq!(alert_due(&red, raised), Some(Light::Red));
        assert_eq!(alert_due(&red, Some((red.period_start, Light::Red))), None);
        let last_period = Some((red.period_start - Duration::days(7), Light::Red));
        assert_eq!(
            alert_due(&red, last_period),
            Some(Light::Red),
            "again next period"
        );
        let green = coverage(weekly, Some(cn(2026, 12, 1, 10)), None, sunday);
        assert_eq!(alert_due(&green, None), None);
    }
}
