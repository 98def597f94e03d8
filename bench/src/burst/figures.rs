//! The figures of one burst, from every request's outcome: throughput per time window and per
//! 1,000 reports filed (does filing slow down as the day fills?), overall throughput, latency
//! percentiles, errors by status, and the server's CPU time per report and peak RSS.

use std::collections::BTreeMap;

use cunxiang_bench::measure::Measurement;

/// Reports per slice of the "per 1,000 reports" series.
pub const SLICE: usize = 1_000;
/// The window of the target ("the last 10 s window within 20 % of the first").
pub const WIDE_S: f64 = 10.0;
/// A run shorter than this also gets 2 s windows, so that first and last differ …
const FINE_BELOW_S: f64 = 30.0;
/// … and 1 s windows when it is shorter than this.
const FINEST_BELOW_S: f64 = 12.0;

/// One `POST /v1/reports` as the client saw it.
#[derive(Debug, Clone)]
pub struct Filing {
    /// HTTP status; 0 when no answer came (connection error, time-out).
    pub status: u16,
    /// Seconds from the start of the burst to sending it.
    pub sent_s: f64,
    /// Seconds from the start of the burst to the last byte of its answer.
    pub done_s: f64,
    /// The answer's body (or the transport error) when it failed, to print the first.
    pub error: Option<String>,
}

impl Filing {
    /// Whether the report was filed (any 2xx).
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    fn latency_ms(&self) -> f64 {
        (self.done_s - self.sent_s) * 1e3
    }
}

/// Throughput in consecutive windows of one width.
#[derive(Debug, Clone)]
pub struct Windows {
    /// Window width, seconds.
    pub width_s: f64,
    /// Reports filed per second in each full window (one that ended before the clients ran
    /// out of work), in order.
    pub full: Vec<f64>,
    /// The rest after the last full window: its length in seconds and its reports per second
    /// (the clients draining).
    pub rest: Option<(f64, f64)>,
}

impl Windows {
    fn of(filings: &[Filing], width_s: f64, load_end_s: f64) -> Self {
        let full_count = (load_end_s / width_s).floor() as usize;
        let mut counts = vec![0usize; full_count];
        let mut rest = 0;
        let mut rest_end: f64 = 0.0;
        for f in filings.iter().filter(|f| f.ok()) {
            let k = (f.done_s / width_s).floor() as usize;
            match counts.get_mut(k) {
                Some(c) => *c += 1,
                None => {
                    rest += 1;
                    rest_end = rest_end.max(f.done_s);
                }
            }
        }
        let rest_len = rest_end - full_count as f64 * width_s;
        Windows {
            width_s,
            full: counts.iter().map(|&c| c as f64 / width_s).collect(),
            rest: (rest > 0 && rest_len > 0.0).then(|| (rest_len, rest as f64 / rest_len)),
        }
    }

    /// Last full window ÷ first full window (NaN with fewer than two).
    pub fn last_over_first(&self) -> f64 {
        match (self.full.first(), self.full.last()) {
            (Some(first), Some(last)) if self.full.len() >= 2 => last / first,
            _ => f64::NAN,
        }
    }
}

/// Everything one burst measured.
#[derive(Debug, Clone)]
pub struct Figures {
    /// Requests sent.
    pub sent: usize,
    /// Reports filed (2xx).
    pub filed: usize,
    /// Seconds from the start to the last answer.
    pub wall_s: f64,
    /// Whether the time cap stopped the burst before every report was sent.
    pub capped: bool,
    /// Latencies of the filed reports (ns, sorted), and reports filed per second over the run.
    pub latency: Measurement,
    /// Failures by status (`"409"`, `"500"`, `"no answer"`).
    pub errors: BTreeMap<String, usize>,
    /// The first failure's status and body.
    pub first_error: Option<String>,
    /// 10-second windows.
    pub wide: Windows,
    /// 2-second windows when the run was short, 1-second ones when it was very short.
    pub fine: Option<Windows>,
    /// Reports per second of each successive 1,000 filed (the last slice may be shorter).
    pub slices: Vec<f64>,
    /// Server CPU seconds (user + system, all threads) during the burst.
    pub server_cpu_s: f64,
    /// CPU seconds of the PostgreSQL backends serving the server during the burst (`None` on
    /// SQLite, which runs inside the server process, or when they could not be read).
    pub db_cpu_s: Option<f64>,
    /// PostgreSQL's busy backends sampled during the burst, by wait (largest first).
    pub db_waits: Option<Vec<(String, i64)>>,
    /// Server peak RSS (`VmHWM`) at the end, MB.
    pub peak_rss_mb: f64,
    /// Server RSS after the log-ins, before the burst, MB.
    pub rss_before_mb: f64,
}

impl Figures {
    /// The figures of a burst's outcomes; `server` = (CPU seconds, peak RSS MB, RSS before MB).
    pub fn of(filings: &[Filing], sent_all: bool, server: (f64, f64, f64)) -> Self {
        let filed = filings.iter().filter(|f| f.ok()).count();
        let wall_s = filings.iter().map(|f| f.done_s).fold(0.0, f64::max);
        let load_end_s = filings.iter().map(|f| f.sent_s).fold(0.0, f64::max);
        let mut errors = BTreeMap::new();
        for f in filings.iter().filter(|f| !f.ok()) {
            let key = match f.status {
                0 => "no answer".to_owned(),
                s => s.to_string(),
            };
            *errors.entry(key).or_insert(0) += 1;
        }
        let first_error = filings
            .iter()
            .filter(|f| !f.ok())
            .min_by(|a, b| a.done_s.total_cmp(&b.done_s))
            .map(|f| format!("{} {}", f.status, f.error.clone().unwrap_or_default()));
        let mut sample_ns: Vec<f64> = filings
            .iter()
            .filter(|f| f.ok())
            .map(|f| f.latency_ms() * 1e6)
            .collect();
        sample_ns.sort_by(f64::total_cmp);
        let mut done: Vec<f64> = filings
            .iter()
            .filter(|f| f.ok())
            .map(|f| f.done_s)
            .collect();
        done.sort_by(f64::total_cmp);
        let mut slices = Vec::new();
        let mut from = 0.0;
        for chunk in done.chunks(SLICE) {
            let to = chunk.last().copied().unwrap_or(from);
            slices.push(chunk.len() as f64 / (to - from).max(1e-9));
            from = to;
        }
        let (server_cpu_s, peak_rss_mb, rss_before_mb) = server;
        Figures {
            sent: filings.len(),
            filed,
            wall_s,
            capped: !sent_all,
            latency: Measurement {
                label: "POST /v1/reports".into(),
                per_second: vec![filed as f64 / wall_s.max(1e-9)],
                sample_ns,
            },
            errors,
            first_error,
            wide: Windows::of(filings, WIDE_S, load_end_s),
            fine: (wall_s < FINE_BELOW_S).then(|| {
                let width = if wall_s < FINEST_BELOW_S { 1.0 } else { 2.0 };
                Windows::of(filings, width, load_end_s)
            }),
            slices,
            server_cpu_s,
            db_cpu_s: None,
            db_waits: None,
            peak_rss_mb,
            rss_before_mb,
        }
    }

    /// Reports filed per second over the whole burst.
    pub fn per_second(&self) -> f64 {
        self.latency.median_per_second()
    }

    /// Latency percentile `p` (0–100) of the filed reports, ms.
    pub fn percentile_ms(&self, p: f64) -> f64 {
        self.latency.percentile_us(p) / 1e3
    }

    /// Server CPU milliseconds per report filed.
    pub fn cpu_ms_per_report(&self) -> f64 {
        self.server_cpu_s * 1e3 / self.filed.max(1) as f64
    }

    /// Database backend CPU milliseconds per report filed (NaN when not measured).
    pub fn db_cpu_ms_per_report(&self) -> f64 {
        self.db_cpu_s
            .map_or(f64::NAN, |s| s * 1e3 / self.filed.max(1) as f64)
    }

    /// Failed requests.
    pub fn error_count(&self) -> usize {
        self.errors.values().sum()
    }

    /// Failed requests with a 5xx status.
    pub fn server_errors(&self) -> usize {
        self.errors
            .iter()
            .filter(|(status, _)| status.starts_with('5'))
            .map(|(_, n)| n)
            .sum()
    }

    /// The windows the first/last comparison uses: 10 s when there are at least two full ones,
    /// else the short windows.
    pub fn compared(&self) -> &Windows {
        match &self.fine {
            Some(fine) if self.wide.full.len() < 2 => fine,
            _ => &self.wide,
        }
    }

    /// Prints the series and the figures of this burst, indented.
    pub fn print(&self) {
        let series = |rates: &mut dyn Iterator<Item = f64>| {
            rates
                .map(|r| format!("{r:.0}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        for w in std::iter::once(&self.wide).chain(self.fine.as_ref()) {
            let rest = w
                .rest
                .map(|(s, r)| format!(" | then {r:.0} over the last {s:.1} s"))
                .unwrap_or_default();
            println!(
                "    per {:>2} s window, reports/s: {}{rest}",
                w.width_s,
                series(&mut w.full.iter().copied())
            );
        }
        println!(
            "    per {SLICE} filed, reports/s:   {}",
            series(&mut self.slices.iter().copied())
        );
        let w = self.compared();
        println!(
            "    filed {} of {} sent{} in {:.1} s: {:.0} reports/s; p50 {:.1} ms, p99 {:.1} ms; \
             last {} s window / first: {:.0} %",
            self.filed,
            self.sent,
            if self.capped { " (time cap)" } else { "" },
            self.wall_s,
            self.per_second(),
            self.percentile_ms(50.0),
            self.percentile_ms(99.0),
            w.width_s,
            w.last_over_first() * 100.0
        );
        println!(
            "    errors: {}; server CPU {:.1} s = {:.2} ms per report; RSS {:.0} MB before, \
             peak {:.0} MB",
            error_list(&self.errors),
            self.server_cpu_s,
            self.cpu_ms_per_report(),
            self.rss_before_mb,
            self.peak_rss_mb
        );
        if let Some(db) = self.db_cpu_s {
            println!(
                "    PostgreSQL backends' CPU {db:.1} s = {:.2} ms per report",
                self.db_cpu_ms_per_report()
            );
        }
        if let Some(waits) = &self.db_waits {
            println!(
                "    PostgreSQL backends, busy samples: {}",
                super::waits::line(waits)
            );
        }
        if let Some(e) = &self.first_error {
            println!(
                "    first error: {}",
                e.chars().take(300).collect::<String>()
            );
        }
    }
}

/// `none`, or `500 ×3, no answer ×1`.
pub fn error_list(errors: &BTreeMap<String, usize>) -> String {
    if errors.is_empty() {
        return "none".into();
    }
    errors
        .iter()
        .map(|(status, n)| format!("{status} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filing(status: u16, sent_s: f64, done_s: f64) -> Filing {
        Filing {
            status,
            sent_s,
            done_s,
            error: None,
        }
    }

    #[test]
    fn windows_slices_and_errors() {
        // 100 reports/s for 25 s, one every 10 ms, 5 ms each; then one 500.
        let mut filings: Vec<Filing> = (0..2500)
            .map(|i| filing(201, i as f64 * 0.01, i as f64 * 0.01 + 0.005))
            .collect();
        filings.push(filing(500, 24.99, 25.0));
        let f = Figures::of(&filings, true, (5.0, 50.0, 20.0));
        assert_eq!(
            (f.filed, f.sent, f.error_count(), f.server_errors()),
            (2500, 2501, 1, 1)
        );
        assert_eq!(f.wide.full, vec![100.0, 100.0]);
        let fine = f.fine.as_ref().unwrap();
        assert_eq!(fine.full.len(), 12);
        assert!((f.compared().last_over_first() - 1.0).abs() < 1e-9);
        assert_eq!(f.slices.len(), 3);
        assert!((f.slices[1] - 100.0).abs() < 1e-6);
        assert!((f.percentile_ms(50.0) - 5.0).abs() < 1e-6);
        assert!((f.cpu_ms_per_report() - 2.0).abs() < 1e-9);
        assert_eq!(error_list(&f.errors), "500 ×1");
    }
}
