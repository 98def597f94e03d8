//! Timing: throughput over many runs (medians, because the machine is shared) and per-call
//! latency percentiles from a sample, for any operation given as a closure.

use std::hint::black_box;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Calls between progress-bar updates (cheap, but kept out of the innermost loop).
const CHUNK: usize = 50_000;
/// Every how many inputs one call is also timed on its own, for the latency percentiles.
const SAMPLE_EVERY: usize = 100;

/// The results of [`measure`].
#[derive(Debug, Clone)]
pub struct Measurement {
    /// What was measured.
    pub label: String,
    /// Calls per second, one figure per run.
    pub per_second: Vec<f64>,
    /// Per-call durations of the sample, in nanoseconds, sorted.
    pub sample_ns: Vec<f64>,
}

impl Measurement {
    /// Median calls per second over the runs.
    pub fn median_per_second(&self) -> f64 {
        let mut runs = self.per_second.clone();
        runs.sort_by(f64::total_cmp);
        match runs.len() {
            0 => 0.0,
            n if n % 2 == 1 => runs[n / 2],
            n => (runs[n / 2 - 1] + runs[n / 2]) / 2.0,
        }
    }

    /// Slowest run's calls per second.
    pub fn min_per_second(&self) -> f64 {
        self.per_second.iter().copied().fold(f64::NAN, f64::min)
    }

    /// The `p`-th percentile (0–100) of the per-call sample, in microseconds.
    pub fn percentile_us(&self, p: f64) -> f64 {
        if self.sample_ns.is_empty() {
            return f64::NAN;
        }
        let rank = (p / 100.0 * (self.sample_ns.len() - 1) as f64).round() as usize;
        self.sample_ns[rank.min(self.sample_ns.len() - 1)] / 1000.0
    }
}

/// Runs `op` over every input `runs` times, timing each pass as a whole; then, in the same run,
/// times every 100th call alone. Results go through [`black_box`] so the work is
/// not optimised away. A progress bar shows the calls made.
///
/// This is the one place to measure anything on the routing path: pass a closure over any input
/// type (a point, a report draft, …).
pub fn measure<P, R>(
    label: &str,
    inputs: &[P],
    runs: usize,
    mut op: impl FnMut(&P) -> R,
) -> Measurement {
    let sampled = inputs.len().div_ceil(SAMPLE_EVERY);
    let bar = progress_bar((inputs.len() + sampled) as u64 * runs as u64, label);
    let mut per_second = Vec::with_capacity(runs);
    let mut sample_ns = Vec::with_capacity(sampled * runs);
    for _ in 0..runs {
        let mut busy = Duration::ZERO;
        for chunk in inputs.chunks(CHUNK) {
            let start = Instant::now();
            for input in chunk {
                black_box(op(black_box(input)));
            }
            busy += start.elapsed();
            bar.inc(chunk.len() as u64);
        }
        per_second.push(inputs.len() as f64 / busy.as_secs_f64());

        for input in inputs.iter().step_by(SAMPLE_EVERY) {
            let start = Instant::now();
            black_box(op(black_box(input)));
            sample_ns.push(start.elapsed().as_nanos() as f64);
        }
        bar.inc(sampled as u64);
    }
    bar.finish_and_clear();
    sample_ns.sort_by(f64::total_cmp);
    Measurement {
        label: label.to_owned(),
        per_second,
        sample_ns,
    }
}

/// What one `Instant::now()` … `elapsed()` pair costs here, in nanoseconds (median of many);
/// it is included in every sampled latency.
pub fn clock_overhead_ns() -> f64 {
    let mut ns: Vec<f64> = (0..10_001)
        .map(|_| {
            let start = Instant::now();
            black_box(());
            start.elapsed().as_nanos() as f64
        })
        .collect();
    ns.sort_by(f64::total_cmp);
    ns[ns.len() / 2]
}

/// A progress bar in the style every step of the benchmark uses.
pub fn progress_bar(len: u64, label: &str) -> ProgressBar {
    let style = ProgressStyle::with_template(
        "{msg:>24} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} ({eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(len)
        .with_style(style)
        .with_message(label.to_owned())
}

/// Prints the results as a table.
pub fn print_table(measurements: &[Measurement]) {
    println!(
        "{:<34} {:>4} {:>16} {:>16} {:>9} {:>9}",
        "operation", "runs", "median calls/s", "min calls/s", "p50 µs", "p99 µs"
    );
    for m in measurements {
        println!(
            "{:<34} {:>4} {:>16.0} {:>16.0} {:>9.3} {:>9.3}",
            m.label,
            m.per_second.len(),
            m.median_per_second(),
            m.min_per_second(),
            m.percentile_us(50.0),
            m.percentile_us(99.0)
        );
    }
}

/// The CPU model as `/proc/cpuinfo` names it (Linux), or `unknown CPU`.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

/// A `kB` field of `/proc/<pid>/status` (`VmRSS:`, `VmHWM:`), in MB.
pub fn status_mb(pid: u32, field: &str) -> anyhow::Result<f64> {
    use anyhow::Context;
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no {field} in {path}"))?;
    Ok(kb / 1024.0)
}

/// Linux's USER_HZ: the unit of utime/stime in `/proc/<pid>/stat` on every common platform.
const CLOCK_TICKS: f64 = 100.0;

/// CPU time (user + system, all threads) of process `pid` so far, or of this process when
/// `None`, in seconds: utime + stime from `/proc/<pid>/stat`.
pub fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let path = pid.map_or_else(
        || "/proc/self/stat".to_owned(),
        |p| format!("/proc/{p}/stat"),
    );
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name (which may hold spaces): state is the first, then
    // utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / CLOCK_TICKS)
}
