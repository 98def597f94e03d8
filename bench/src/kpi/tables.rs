//! The tables `kpi-bench` prints per database, in Markdown: per KPI query the medians over the
//! rounds of p50, p90 and max, then the CSV exports, then the server's memory and start-up.

use super::measure::{DOWNLOADS, ExportFigures, Memory, Round, Timing, median, queries};
use super::reads::TableSize;

fn list(values: impl Iterator<Item = f64>, digits: usize) -> String {
    values
        .map(|v| format!("{v:.digits$}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Prints the tables of one database: per query the medians over rounds of p50, p90 and max
/// (and each round's p50), the exports and the memory.
pub fn print(engine: &str, rounds: &[Round]) {
    let queries = queries();
    println!(
        "\n### {engine}: KPI queries (ms; median over {} rounds)\n",
        rounds.len()
    );
    println!("| query | p50 | p90 | max | requests (all rounds) | p50 per round | answer |");
    println!("|---|---|---|---|---|---|---|");
    for (i, query) in queries.iter().enumerate() {
        let pick = |f: fn(&Timing) -> f64| -> Vec<f64> {
            rounds
                .iter()
                .filter_map(|r| r.timings.get(i))
                .map(f)
                .collect()
        };
        let (p50, p90, max) = (pick(|t| t.p50), pick(|t| t.p90), pick(|t| t.max));
        let n: usize = rounds
            .iter()
            .filter_map(|r| r.timings.get(i))
            .map(|t| t.n)
            .sum();
        let answer = rounds
            .first()
            .and_then(|r| r.timings.get(i))
            .map_or(String::new(), |t| t.answer.clone());
        println!(
            "| {} | **{:.1}** | {:.1} | {:.1} | {n} | {} | {answer} |",
            query.label,
            median(&p50),
            median(&p90),
            median(&max),
            list(p50.iter().copied(), 1),
        );
    }
    println!(
        "\n### {engine}: CSV export (median of {DOWNLOADS} downloads per round; median over rounds)\n"
    );
    println!("| export | rows | MB | seconds | rows/s | MB/s | rows/s per round |");
    println!("|---|---|---|---|---|---|---|");
    let exports = rounds.first().map_or(0, |r| r.exports.len());
    for i in 0..exports {
        let e: Vec<&ExportFigures> = rounds.iter().filter_map(|r| r.exports.get(i)).collect();
        let Some(first) = e.first() else { continue };
        let secs: Vec<f64> = e.iter().map(|x| x.seconds).collect();
        let s = median(&secs);
        println!(
            "| {} | {} | {:.1} | {s:.2} | **{:.0}** | {:.1} | {} |",
            first.label,
            first.rows,
            first.bytes as f64 / 1e6,
            first.rows as f64 / s,
            first.bytes as f64 / 1e6 / s,
            list(e.iter().map(|x| x.rows as f64 / x.seconds), 0),
        );
    }
    print_reads(engine, rounds);
    let m =
        |f: fn(&Memory) -> f64| median(&rounds.iter().map(|r| f(&r.memory)).collect::<Vec<_>>());
    println!("\n### {engine}: server memory (MB, median over rounds) and start-up\n");
    println!(
        "| started, logged in (VmRSS) | peak before exports (VmHWM) | VmRSS before exports | peak after exports (VmHWM) | VmRSS after exports | start-up s per round |"
    );
    println!("|---|---|---|---|---|---|");
    println!(
        "| {:.1} | {:.1} | {:.1} | **{:.1}** | {:.1} | {} |",
        m(|x| x.idle_rss),
        m(|x| x.hwm_before_export),
        m(|x| x.rss_before_export),
        m(|x| x.hwm_after_export),
        m(|x| x.rss_after_export),
        list(rounds.iter().map(|r| r.startup_s), 1),
    );
}

/// The report list and views: medians over the rounds of p50, p90 and p99.
fn print_reads(engine: &str, rounds: &[Round]) {
    println!(
        "\n### {engine}: report list and views (ms; median over {} rounds)\n",
        rounds.len()
    );
    println!("| read | p50 | p90 | p99 | requests per round |");
    println!("|---|---|---|---|---|");
    let reads = rounds.first().map_or(0, |r| r.reads.len());
    for i in 0..reads {
        let r: Vec<_> = rounds.iter().filter_map(|x| x.reads.get(i)).collect();
        let Some(first) = r.first() else { continue };
        let m = |f: fn(&super::reads::ReadTiming) -> f64| {
            median(&r.iter().map(|x| f(x)).collect::<Vec<_>>())
        };
        println!(
            "| {} | {:.1} | {:.1} | **{:.1}** | {} |",
            first.label,
            m(|x| x.p50),
            m(|x| x.p90),
            m(|x| x.p99),
            first.n
        );
    }
}

/// Table and index sizes (MB).
pub fn print_sizes(engine: &str, sizes: &[TableSize]) {
    println!("\n### {engine}: the largest tables (MB)\n");
    println!("| table | rows | heap | indexes | total |");
    println!("|---|---|---|---|---|");
    let mb = |b: i64| b as f64 / 1e6;
    for s in sizes {
        println!(
            "| {} | {} | {:.0} | {:.0} | **{:.0}** |",
            s.table,
            s.rows,
            mb(s.heap),
            mb(s.indexes),
            mb(s.heap + s.indexes)
        );
    }
    let total: i64 = sizes.iter().map(|s| s.heap + s.indexes).sum();
    println!("| (these together) | | | | **{:.0}** |", mb(total));
}
