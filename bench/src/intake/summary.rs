//! The figures of one phase (a burst of one kind of request), and tables of them: per round,
//! and the per-column medians over rounds.

use super::load::Sample;

/// One phase as measured from outside the server.
#[derive(Debug, Clone)]
pub struct Phase {
    /// What was sent.
    pub name: String,
    /// Requests, latencies and wall time.
    pub sample: Sample,
    /// Server CPU time (all threads) during the phase, seconds.
    pub server_cpu_s: f64,
    /// The bench client's own CPU time during the phase, seconds.
    pub client_cpu_s: f64,
    /// Server `VmRSS` when the phase began, MB.
    pub rss_start_mb: f64,
    /// Highest server `VmRSS` sampled during the phase, MB.
    pub rss_max_mb: f64,
    /// How many `VmRSS` samples were taken.
    pub rss_samples: usize,
    /// Server `VmHWM` (peak RSS since it started) at the end of the phase, MB.
    pub hwm_mb: f64,
}

/// Column headers and widths of the table.
const COLUMNS: [(&str, usize); 13] = [
    ("ok", 5),
    ("err", 4),
    ("wall s", 7),
    ("req/s", 7),
    ("/s/core", 7),
    ("p50 ms", 7),
    ("p90 ms", 7),
    ("p99 ms", 7),
    ("srv CPU", 8),
    ("/CPU-s", 7),
    ("RSS 0", 6),
    ("RSS max", 8),
    ("VmHWM", 7),
];

/// One table row: a phase's name and the numbers in [`COLUMNS`] order.
#[derive(Debug, Clone)]
pub struct Row {
    /// The phase.
    pub name: String,
    /// The figures, in column order.
    pub values: [f64; 13],
}

impl Row {
    /// The row of `phase`, with `cores` CPU cores available.
    pub fn of(phase: &Phase, cores: usize) -> Self {
        let s = &phase.sample;
        let ok = s.ok as f64;
        Row {
            name: phase.name.clone(),
            values: [
                ok,
                s.errors as f64,
                s.wall_s,
                s.per_second(),
                s.per_second() / cores.max(1) as f64,
                s.percentile_ms(50.0),
                s.percentile_ms(90.0),
                s.percentile_ms(99.0),
                phase.server_cpu_s,
                ok / phase.server_cpu_s,
                phase.rss_start_mb,
                phase.rss_max_mb,
                phase.hwm_mb,
            ],
        }
    }

    /// Requests per second per core.
    pub fn per_core(&self) -> f64 {
        self.values[4]
    }

    /// Requests per second of server CPU time.
    pub fn per_cpu_second(&self) -> f64 {
        self.values[9]
    }

    /// Server peak RSS (`VmHWM`), MB.
    pub fn hwm_mb(&self) -> f64 {
        self.values[12]
    }
}

/// Column by column, the median of rows with the same name (one per round).
pub fn medians(rounds: &[Vec<Row>]) -> Vec<Row> {
    let Some(first) = rounds.first() else {
        return Vec::new();
    };
    first
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut values = [f64::NAN; 13];
            for (c, value) in values.iter_mut().enumerate() {
                let mut column: Vec<f64> = rounds
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|r| r.values[c])
                    .collect();
                *value = median(&mut column);
            }
            Row {
                name: row.name.clone(),
                values,
            }
        })
        .collect()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Prints rows as a table under `title`.
pub fn print_table(title: &str, rows: &[Row]) {
    println!("{title}");
    let mut header = format!("  {:<30}", "phase");
    for (name, width) in COLUMNS {
        header.push_str(&format!(" {name:>width$}"));
    }
    println!("{header}");
    for row in rows {
        let mut line = format!("  {:<30}", row.name);
        for (c, (_, width)) in COLUMNS.iter().enumerate() {
            let v = row.values[c];
            let decimals = match c {
                0 | 1 => 0,
                2 | 8 => 2,
                _ => 1,
            };
            line.push_str(&format!(" {v:>width$.decimals$}"));
        }
        println!("{line}");
    }
}

/// What the columns mean, printed once under the tables.
pub fn legend() {
    for line in [
        "req/s: successful requests per wall-clock second; /s/core: that per core available",
        "p50/p90/p99: latency from send to the answer's last byte, ms",
        "srv CPU: server CPU seconds (user + system, all threads) in the phase; /CPU-s: requests",
        "  per server CPU second (what the server would do per core with the machine to itself)",
        "RSS 0: server VmRSS as the phase began; RSS max: highest server VmRSS sampled every",
        "  20 ms in the phase; VmHWM: server peak RSS since it started, at the phase's end (MB)",
    ] {
        println!("  {line}");
    }
}
