//! KPI maths for the dashboard (一屏观全区): counts gathered from the reports of a period turned
//! into 办结率, 按期办结率, 满意率, the reopen rate and duration percentiles. The definitions are
//! spelled out in the README's "KPIs" section; this module is their one implementation.

use serde::Serialize;

pub mod definition;
pub mod mediation;
pub mod patrol;

/// Raw counts over one set of reports, as the storage layer gathers them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Reports received in the period, rejected ones excluded.
    pub received: i64,
    /// Reports received in the period and rejected (invalid or duplicate).
    pub rejected: i64,
    /// Received reports now `resolved` or `closed`.
    pub resolved: i64,
    /// Received reports now `closed`.
    pub closed: i64,
    /// Resolved reports whose `resolved_at` is not after `resolve_by` (or that had no limit).
    pub on_time: i64,
    /// Received reports with a rating.
    pub rated: i64,
    /// Received reports rated 4 or 5.
    pub satisfied: i64,
    /// Received reports reopened at least once.
    pub reopened: i64,
    /// Received reports past their running limit now.
    pub overdue_now: i64,
    /// Sum of the received reports' escalation counts.
    pub escalations: i64,
    /// Whole minutes from received to (last) accepted, as (minutes, how many reports).
    pub accept_minutes: Vec<(i64, i64)>,
    /// Whole minutes from received to (last) resolved for resolved reports, as (minutes, how
    /// many reports).
    pub resolve_minutes: Vec<(i64, i64)>,
}

/// The KPIs of one set of reports, as the API answers them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpis {
    /// Reports received (created) in the period, rejected ones excluded.
    pub received: i64,
    /// Reports received in the period that were rejected.
    pub rejected: i64,
    /// Received reports now resolved or closed.
    pub resolved: i64,
    /// Received reports now closed.
    pub closed: i64,
    /// Resolved reports resolved by their `resolve_by`.
    pub resolved_on_time: i64,
    /// Received reports with a rating.
    pub rated: i64,
    /// Received reports rated 4 or 5.
    pub satisfied: i64,
    /// Received reports reopened at least once.
    pub reopened: i64,
    /// 办结率: resolved ÷ received.
    pub completion_rate: Option<f64>,
    /// 按期办结率: resolved on time ÷ resolved.
    pub on_time_rate: Option<f64>,
    /// 满意率: ratings ≥ 4 ÷ ratings.
    pub satisfaction_rate: Option<f64>,
    /// Reopened ÷ received.
    pub reopen_rate: Option<f64>,
    /// Median whole minutes from received to accepted.
    pub accept_minutes_median: Option<i64>,
    /// 90th percentile of the same.
    pub accept_minutes_p90: Option<i64>,
    /// Median whole minutes from received to resolved.
    pub resolve_minutes_median: Option<i64>,
    /// 90th percentile of the same.
    pub resolve_minutes_p90: Option<i64>,
    /// Received reports open past their running limit at the time of the request.
    pub overdue_now: i64,
    /// Escalations of the received reports (sum of their escalation counts).
    pub escalations: i64,
}

/// `numerator ÷ denominator`, `None` when the denominator is 0.
pub fn rate(numerator: i64, denominator: i64) -> Option<f64> {
    // Counts of reports stay far below 2^53: the conversion is exact.
    #[allow(clippy::cast_precision_loss)]
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The `p`-th percentile (1–100) of a histogram of (value, count) pairs by the nearest-rank
/// method: sort the values ascending and take the one at position ⌈p × n ÷ 100⌉ (1-based);
/// `None` when there are no values.
pub fn percentile(histogram: &[(i64, i64)], p: i64) -> Option<i64> {
    let mut sorted: Vec<(i64, i64)> = histogram.iter().copied().filter(|h| h.1 > 0).collect();
    sorted.sort_unstable();
    let n: i64 = sorted.iter().map(|h| h.1).sum();
    if n == 0 {
        return None;
    }
    let rank = (p.clamp(1, 100) * n + 99) / 100;
    let mut seen = 0;
    for (value, count) in sorted {
        seen += count;
        if seen >= rank {
            return Some(value);
        }
    }
    None
}

/// Sorts a histogram by value, summing the counts of equal values and dropping zeros.
fn compact(histogram: &mut Vec<(i64, i64)>) {
    histogram.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(histogram.len());
    for &(value, count) in histogram.iter() {
        match out.last_mut() {
            Some(last) if last.0 == value => last.1 += count,
            _ => out.push((value, count)),
        }
    }
    out.retain(|h| h.1 != 0);
    *histogram = out;
}

impl Tally {
    /// Adds another tally's counts and histograms to this one.
    pub fn merge(&mut self, other: &Tally) {
        self.received += other.received;
        self.rejected += other.rejected;
        self.resolved += other.resolved;
        self.closed += other.closed;
        self.on_time += other.on_time;
        self.rated += other.rated;
        self.satisfied += other.satisfied;
        self.reopened += other.reopened;
        self.overdue_now += other.overdue_now;
        self.escalations += other.escalations;
        self.accept_minutes.extend_from_slice(&other.accept_minutes);
        self.resolve_minutes
            .extend_from_slice(&other.resolve_minutes);
    }

    /// Takes away the counts and histogram entries of `part`, a subset of these reports
    /// (a region's own reports are its subtree's less its children's).
    pub fn subtract(&mut self, part: &Tally) {
        self.received -= part.received;
        self.rejected -= part.rejected;
        self.resolved -= part.resolved;
        self.closed -= part.closed;
        self.on_time -= part.on_time;
        self.rated -= part.rated;
        self.satisfied -= part.satisfied;
        self.reopened -= part.reopened;
        self.overdue_now -= part.overdue_now;
        self.escalations -= part.escalations;
        let negate = |h: &[(i64, i64)]| h.iter().map(|&(m, n)| (m, -n)).collect::<Vec<_>>();
        self.accept_minutes.extend(negate(&part.accept_minutes));
        self.resolve_minutes.extend(negate(&part.resolve_minutes));
        self.compact();
    }

    /// Sums equal minutes in both histograms and drops empty entries, sorted by minutes, so
    /// that a tally merged from many others stays as small as its distinct values.
    pub fn compact(&mut self) {
        compact(&mut self.accept_minutes);
        compact(&mut self.resolve_minutes);
    }

    /// The KPIs these counts give.
    pub fn kpis(&self) -> Kpis {
        Kpis {
            received: self.received,
            rejected: self.rejected,
            resolved: self.resolved,
            closed: self.closed,
            resolved_on_time: self.on_time,
            rated: self.rated,
            satisfied: self.satisfied,
            reopened: self.reopened,
            completion_rate: rate(self.resolved, self.received),
            on_time_rate: rate(self.on_time, self.resolved),
            satisfaction_rate: rate(self.satisfied, self.rated),
            reopen_rate: rate(self.reopened, self.received),
            accept_minutes_median: percentile(&self.accept_minutes, 50),
            accept_minutes_p90: percentile(&self.accept_minutes, 90),
            resolve_minutes_median: percentile(&self.resolve_minutes, 50),
            resolve_minutes_p90: percentile(&self.resolve_minutes, 90),
            overdue_now: self.overdue_now,
            escalations: self.escalations,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let h = [(10, 1), (30, 1), (20, 1), (40, 1)];
        assert_eq!(percentile(&h, 50), Some(20));
        assert_eq!(percentile(&h, 90), Some(40));
        assert_eq!(percentile(&[(7, 3)], 90), Some(7));
        assert_eq!(percentile(&[], 50), None);
        let tenths: Vec<(i64, i64)> = (1..=10).map(|v| (v, 1)).collect();
        assert_eq!(percentile(&tenths, 90), Some(9));
        assert_eq!(percentile(&tenths, 50), Some(5));
    }

    #[test]
    fn subtracting_a_part_leaves_the_rest() {
        let mut whole = Tally {
            received: 3,
            on_time: 2,
            accept_minutes: vec![(5, 1), (9, 2)],
            resolve_minutes: vec![(60, 1)],
            ..Tally::default()
        };
        let part = Tally {
            received: 1,
            on_time: 1,
            accept_minutes: vec![(9, 1)],
            resolve_minutes: vec![(60, 1)],
            ..Tally::default()
        };
        whole.subtract(&part);
        assert_eq!(whole.received, 2);
        assert_eq!(whole.on_time, 1);
        assert_eq!(whole.accept_minutes, vec![(5, 1), (9, 1)]);
        assert!(whole.resolve_minutes.is_empty());
        whole.merge(&part);
        whole.merge(&part);
        whole.compact();
        assert_eq!(whole.accept_minutes, vec![(5, 1), (9, 3)]);
    }

    #[test]
    fn rates_are_none_without_a_denominator() {
        assert_eq!(rate(1, 0), None);
        assert_eq!(rate(1, 4), Some(0.25));
        let k = Tally::default().kpis();
        assert_eq!(k.completion_rate, None);
        assert_eq!(k.accept_minutes_median, None);
    }
}
