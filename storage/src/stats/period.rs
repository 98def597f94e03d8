//! Splitting a period `[from, to)` into the whole Beijing days the roll-ups answer and the
//! pieces of days at its ends that are counted from the reports themselves.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// Beijing is UTC+8 all year (no daylight saving).
const BEIJING_OFFSET_HOURS: i64 = 8;

/// The Beijing date of an instant.
pub fn beijing_day(t: DateTime<Utc>) -> NaiveDate {
    (t + Duration::hours(BEIJING_OFFSET_HOURS)).date_naive()
}

/// The instant a Beijing day starts (its midnight, Beijing time).
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::hours(BEIJING_OFFSET_HOURS)
}

/// A stretch of time `[from, to)`; an open end is unbounded.
pub type Piece = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A stretch of whole Beijing days, `[first, end)`; an open end is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    /// The first whole day, `None`: from the beginning.
    pub first: Option<NaiveDate>,
    /// The day after the last whole day, `None`: to the end.
    pub end: Option<NaiveDate>,
}

/// A period cut into whole days and the pieces left at its ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// The whole days inside the period, `None` when there are none.
    pub days: Option<Days>,
    /// The rest of the period, as `[from, to)` pieces (at most two).
    pub pieces: Vec<Piece>,
}

/// Cuts `[from, to)` (either end open) into whole Beijing days and the pieces at its ends.
pub fn split(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Split {
    let first = from.map(|f| {
        let d = beijing_day(f);
        if day_start(d) == f {
            d
        } else {
            d + Duration::days(1)
        }
    });
    let end = to.map(beijing_day);
    if let (Some(first), Some(end)) = (first, end)
        && first >= end
    {
        return Split {
            days: None,
            pieces: vec![(from, to)],
        };
    }
    let mut pieces = Vec::new();
    if let (Some(f), Some(first)) = (from, first)
        && day_start(first) != f
    {
        pieces.push((Some(f), Some(day_start(first))));
    }
    if let (Some(t), Some(end)) = (to, end)
        && day_start(end) != t
    {
        pieces.push((Some(day_start(end)), Some(t)));
    }
    Split {
        days: Some(Days { first, end }),
        pieces,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn beijing_days_start_at_utc_sixteen_hundred() {
        assert_eq!(beijing_day(at("2026-11-28T15:59:59Z")), day("2026-11-28"));
        assert_eq!(beijing_day(at("2026-11-28T16:00:00Z")), day("2026-11-29"));
        assert_eq!(day_start(day("2026-11-29")), at("2026-11-28T16:00:00Z"));
    }

    #[test]
    fn midnights_need_no_pieces() {
        let s = split(
            Some(at("2026-11-01T00:00:00+08:00")),
            Some(at("2026-12-01T00:00:00+08:00")),
        );
        assert_eq!(
            s.days,
            Some(Days {
                first: Some(day("2026-11-01")),
                end: Some(day("2026-12-01"))
            })
        );
        assert!(s.pieces.is_empty());
        let open = split(None, None);
        assert_eq!(
            open.days,
            Some(Days {
                first: None,
                end: None
            })
        );
        assert!(open.pieces.is_empty());
    }

    #[test]
    fn ends_inside_days_become_pieces() {
        let from = at("2026-11-03T09:30:00+08:00");
        let to = at("2026-11-10T15:45:00+08:00");
        let s = split(Some(from), Some(to));
        assert_eq!(
            s.days,
            Some(Days {
                first: Some(day("2026-11-04")),
                end: Some(day("2026-11-10"))
            })
        );
        assert_eq!(
            s.pieces,
            vec![
                (Some(from), Some(at("2026-11-04T00:00:00+08:00"))),
                (Some(at("2026-11-10T00:00:00+08:00")), Some(to)),
            ]
        );
        // Open at the start, a piece at the end only.
        let s = split(None, Some(to));
        assert_eq!(
            s.pieces,
            vec![(Some(at("2026-11-10T00:00:00+08:00")), Some(to))]
        );
    }

    #[test]
    fn a_period_within_a_day_is_one_piece() {
        let from = at("2026-11-03T09:30:00+08:00");
        let to = at("2026-11-04T08:00:00+08:00");
        let s = split(Some(from), Some(to));
        assert_eq!(s.days, None);
        assert_eq!(s.pieces, vec![(Some(from), Some(to))]);
        let empty = split(Some(from), Some(from));
        assert_eq!(empty.days, None);
    }
}
