//! The Markdown table of `burst-bench`: one row per (database, clients), each figure the
//! median over the runs (errors: summed over the runs), then the targets checked.

use std::collections::BTreeMap;

use super::Db;
use super::figures::{Figures, error_list};

/// The targets (issue 15).
const TARGET_PER_SECOND: f64 = 2_000.0;
const TARGET_P99_MS: f64 = 50.0;
const TARGET_LAST_OVER_FIRST: f64 = 0.8;
const TARGET_CPU_MS: f64 = 0.5;

/// The runs of one (database, clients).
pub struct Group<'a> {
    /// The database.
    pub db: Db,
    /// Concurrent clients.
    pub clients: usize,
    /// The runs' figures (not the one recorded by perf).
    pub runs: Vec<&'a Figures>,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| !v.is_nan());
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

impl Group<'_> {
    fn median(&self, f: impl Fn(&Figures) -> f64) -> f64 {
        median(self.runs.iter().map(|r| f(r)).collect())
    }

    fn errors(&self) -> BTreeMap<String, usize> {
        let mut all = BTreeMap::new();
        for r in &self.runs {
            for (status, n) in &r.errors {
                *all.entry(status.clone()).or_insert(0) += n;
            }
        }
        all
    }
}

/// Prints the table.
pub fn print(groups: &[Group<'_>], reports: usize) {
    println!(
        "| database | clients | runs | filed (of {reports}) | wall s | **reports/s** (per run) | \
         first → last window /s | last / first | p50 ms | p99 ms | errors | server CPU ms / report \
         | PostgreSQL CPU ms / report | peak RSS MB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for g in groups {
        let per_run: Vec<String> = g
            .runs
            .iter()
            .map(|r| format!("{:.0}", r.per_second()))
            .collect();
        let capped = g.runs.iter().filter(|r| r.capped).count();
        let width = g.runs.first().map_or(10.0, |r| r.compared().width_s);
        let first = g.median(|r| r.compared().full.first().copied().unwrap_or(f64::NAN));
        let last = g.median(|r| r.compared().full.last().copied().unwrap_or(f64::NAN));
        println!(
            "| {} | {} | {} | {:.0}{} | {:.1} | **{:.0}** ({}) | {first:.0} → {last:.0} ({width} s) \
             | {:.0} % | {:.1} | {:.1} | {} | {:.2} | {} | {:.0} |",
            g.db.name(),
            g.clients,
            g.runs.len(),
            g.median(|r| r.filed as f64),
            if capped > 0 { " (time cap)" } else { "" },
            g.median(|r| r.wall_s),
            g.median(Figures::per_second),
            per_run.join(", "),
            g.median(|r| r.compared().last_over_first() * 100.0),
            g.median(|r| r.percentile_ms(50.0)),
            g.median(|r| r.percentile_ms(99.0)),
            error_list(&g.errors()),
            g.median(Figures::cpu_ms_per_report),
            match g.median(Figures::db_cpu_ms_per_report) {
                ms if ms.is_nan() => "–".to_owned(),
                ms => format!("{ms:.2}"),
            },
            g.median(|r| r.peak_rss_mb),
        );
    }
}

/// Prints each group's figures against the targets.
pub fn verdicts(groups: &[Group<'_>]) {
    let mark = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "targets: ≥ {TARGET_PER_SECOND} reports/s with 8 clients, p99 < {TARGET_P99_MS} ms, last \
         window within 20 % of the first, no error with 32 clients, ≤ {TARGET_CPU_MS} ms server \
         CPU per report"
    );
    for g in groups {
        let rate = g.median(Figures::per_second);
        let p99 = g.median(|r| r.percentile_ms(99.0));
        let ratio = g.median(|r| r.compared().last_over_first());
        let cpu = g.median(Figures::cpu_ms_per_report);
        let errors: usize = g.runs.iter().map(|r| r.error_count()).sum();
        let mut parts = vec![
            format!(
                "{rate:.0}/s {}",
                mark(g.clients < 8 || rate >= TARGET_PER_SECOND)
            ),
            format!("p99 {p99:.1} ms {}", mark(p99 < TARGET_P99_MS)),
            format!(
                "last/first {:.0} % {}",
                ratio * 100.0,
                mark(ratio >= TARGET_LAST_OVER_FIRST)
            ),
            format!("CPU {cpu:.2} ms {}", mark(cpu <= TARGET_CPU_MS)),
        ];
        let server_errors: usize = g.runs.iter().map(|r| r.server_errors()).sum();
        if g.clients >= 32 {
            parts.push(format!(
                "{errors} errors ({server_errors} 5xx) {}",
                mark(errors == 0)
            ));
        } else if errors > 0 {
            parts.push(format!("{errors} errors ({server_errors} 5xx)"));
        }
        if g.runs.iter().any(|r| r.capped) {
            parts.push("(time cap: not all reports were filed)".into());
        }
        println!(
            "  {:<10} {:>2} clients: {}",
            g.db.name(),
            g.clients,
            parts.join("; ")
        );
    }
}
