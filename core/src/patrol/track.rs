//! A patrol's GPS track: merging batches a phone sends (in any order, repeated after a lost
//! answer, deduplicated by timestamp), refusing points no walker could have made, and what
//! the finished track says — its length and the share of its points inside the grid.

use chrono::{DateTime, Duration, Utc};

use crate::coords::{LonLat, distance_m};

/// The fastest a patrolling grid worker moves between two points: 50 m/s (180 km/h) — far
/// above an electric bike, so only a broken or forged fix trips it.
pub const MAX_SPEED_MPS: f64 = 50.0;

/// How far ahead of the server's clock a phone's timestamp may be (clock drift).
pub const MAX_CLOCK_AHEAD: Duration = Duration::minutes(2);

/// The most points one batch may carry.
pub const MAX_BATCH: usize = 500;

/// One GPS fix (WGS-84).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackPoint {
    /// When the phone took it.
    pub at: DateTime<Utc>,
    /// Where.
    pub at_place: LonLat,
}

/// Why a batch is refused: the index of the offending point in the batch, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPoint {
    /// Its index in the batch.
    pub index: usize,
    /// What is wrong.
    pub message: String,
}

/// The points of `batch` not yet in `stored` (by timestamp; the first one sent wins), after
/// checking that none lies in the future and that the merged track, in time order, never
/// moves faster than [`MAX_SPEED_MPS`]. `stored` is in time order.
pub fn merge(
    stored: &[TrackPoint],
    batch: &[TrackPoint],
    now: DateTime<Utc>,
) -> Result<Vec<TrackPoint>, BadPoint> {
    let mut fresh: Vec<(usize, TrackPoint)> = Vec::new();
    for (index, p) in batch.iter().enumerate() {
        if p.at > now + MAX_CLOCK_AHEAD {
            return Err(BadPoint {
                index,
                message: format!("the point at {} is in the future", p.at.to_rfc3339()),
            });
        }
        let known = stored.iter().any(|s| s.at == p.at) || fresh.iter().any(|(_, f)| f.at == p.at);
        if !known {
            fresh.push((index, *p));
        }
    }
    let mut merged: Vec<(Option<usize>, TrackPoint)> = stored.iter().map(|p| (None, *p)).collect();
    merged.extend(fresh.iter().map(|(i, p)| (Some(*i), *p)));
    merged.sort_by_key(|(_, p)| p.at);
    for pair in merged.windows(2) {
        let ((ia, a), (ib, b)) = (pair[0], pair[1]);
        let seconds = (b.at - a.at).num_milliseconds() as f64 / 1000.0;
        let metres = distance_m(a.at_place, b.at_place);
        if metres > MAX_SPEED_MPS * seconds.max(1.0) {
            let index = ib.or(ia).unwrap_or_default();
            return Err(BadPoint {
                index,
                message: format!(
                    "{metres:.0} m in {seconds:.0} s is faster than anyone walks a grid"
                ),
            });
        }
    }
    Ok(fresh.into_iter().map(|(_, p)| p).collect())
}

/// What a finished track says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackSummary {
    /// Points recorded.
    pub points: usize,
    /// Length of the track in time order, metres.
    pub length_m: f64,
    /// Share (0–1) of its points inside the grid; `None` without points.
    pub inside_share: Option<f64>,
}

/// Summarises a track in time order; `inside` tells whether a point lies in the grid.
pub fn summarise(track: &[TrackPoint], inside: impl Fn(LonLat) -> bool) -> TrackSummary {
    let length_m = track
        .windows(2)
        .map(|w| distance_m(w[0].at_place, w[1].at_place))
        .sum();
    let within = track.iter().filter(|p| inside(p.at_place)).count();
    TrackSummary {
        points: track.len(),
        length_m,
        inside_share: (!track.is_empty()).then(|| within as f64 / track.len() as f64),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn p(second: i64, lon: f64, lat: f64) -> TrackPoint {
        let start = Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap();
        TrackPoint {
            at: start + Duration::seconds(second),
            at_place: LonLat { lon, lat },
        }
    }

    #[test]
    fn batches_merge_in_any_order_and_repeats_are_dropped() {
        let now = p(3600, 0.0, 0.0).at;
        let first = [p(60, 116.9380, 28.3630), p(0, 116.9370, 28.3630)];
        let fresh = merge(&[], &first, now).unwrap();
        assert_eq!(fresh.len(), 2);
        let mut stored = fresh.clone();
        stored.sort_by_key(|p| p.at);
        let again = [p(0, 116.9370, 28.3630), p(120, 116.9390, 28.3630)];
        let fresh = merge(&stored, &again, now).unwrap();
        assert_eq!(fresh, [p(120, 116.9390, 28.3630)]);
        let same_time = [p(30, 116.9375, 28.3630), p(30, 116.9375, 28.3631)];
        assert_eq!(merge(&stored, &same_time, now).unwrap().len(), 1);
    }

    #[test]
    fn future_points_and_impossible_speeds_are_refused_naming_the_point() {
        let now = p(100, 0.0, 0.0).at;
        let future = [p(10, 116.937, 28.363), p(100 + 180, 116.937, 28.363)];
        assert_eq!(merge(&[], &future, now).unwrap_err().index, 1);
        // About 1 km in 5 s.
        let jump = [p(0, 116.937, 28.363), p(5, 116.947, 28.363)];
        assert_eq!(merge(&[], &jump, now).unwrap_err().index, 1);
        let walk = [p(0, 116.937, 28.363), p(600, 116.947, 28.363)];
        assert!(merge(&[], &walk, p(3600, 0.0, 0.0).at).is_ok());
    }

    #[test]
    fn a_track_has_a_length_and_a_share_inside() {
        let track = [
            p(0, 116.937, 28.363),
            p(600, 116.947, 28.363),
            p(1200, 116.957, 28.363),
        ];
        let s = summarise(&track, |q| q.lon < 116.95);
        assert_eq!(s.points, 3);
        assert!((s.length_m - 1958.0).abs() < 20.0, "{}", s.length_m);
        assert_eq!(s.inside_share, Some(2.0 / 3.0));
        assert_eq!(summarise(&[], |_| true).inside_share, None);
    }
}
