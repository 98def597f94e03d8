//! `--flame`: the server sampled with `perf record -F 499 -p <pid>` during a burst, then
//! `perf script` folded into stacks and drawn as a flame graph SVG with the `inferno` crate
//! (collapse + flamegraph, as `inferno-collapse-perf | inferno-flamegraph` would), and the
//! frames that take the largest shares of the samples printed.

use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use inferno::collapse::Collapse;
use inferno::collapse::perf::Folder;
use inferno::flamegraph;

/// Samples per second and thread.
const FREQUENCY: &str = "499";
/// How long perf may take to write its file after SIGINT.
const STOP_WITHIN: Duration = Duration::from_secs(120);
/// Frames printed per list.
const TOP: usize = 15;

/// A running `perf record`.
pub struct Recording {
    child: Child,
    data: PathBuf,
    log: PathBuf,
}

impl Recording {
    /// Starts sampling process `pid` (all its threads) into `dir/perf.data`, with call
    /// graphs by `call_graph` (`fp`, i.e. `-g`, or `dwarf`).
    pub fn start(pid: u32, dir: &Path, call_graph: &str) -> anyhow::Result<Self> {
        let data = dir.join("perf.data");
        let log = dir.join("perf.log");
        let child = Command::new("perf")
            .args(["record", "-F", FREQUENCY, "--call-graph", call_graph, "-p"])
            .arg(pid.to_string())
            .arg("-o")
            .arg(&data)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .context("starting `perf record` (is perf installed? apt-get install linux-perf)")?;
        // perf attaches to every thread before sampling; give it a moment.
        std::thread::sleep(Duration::from_millis(500));
        let mut recording = Recording { child, data, log };
        if let Some(status) = recording.child.try_wait()? {
            bail!(
                "perf record ended at once ({status}): {}",
                recording.log_text()
            );
        }
        Ok(recording)
    }

    /// Stops sampling (SIGINT, as Ctrl-C would) and waits for perf to write its file.
    pub fn stop(mut self) -> anyhow::Result<PathBuf> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status()?;
        if !sent.success() {
            bail!("could not signal perf record ({pid})");
        }
        let started = Instant::now();
        while self.child.try_wait()?.is_none() {
            if started.elapsed() > STOP_WITHIN {
                let _ = self.child.kill();
                bail!("perf record did not stop: {}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(self.data.clone())
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// What a flame graph was drawn from.
pub struct Flame {
    /// What the samples weigh: perf's cpu-clock period, i.e. nanoseconds of CPU.
    pub weight_ns: u64,
    /// The heaviest frames: (frame, share of all samples) including callees (not counting
    /// the roots, which name the threads, nor `[unknown]`) …
    pub inclusive: Vec<(String, f64)>,
    /// … and on top of the stack.
    pub own: Vec<(String, f64)>,
}

/// Folds `data` (a `perf record` file) with `perf script` and inferno, writes the flame graph
/// to `svg` under `title`, and returns the heaviest frames.
pub fn render(data: &Path, svg: &Path, title: &str) -> anyhow::Result<Flame> {
    let mut script = Command::new("perf")
        // Without inline expansion: it runs addr2line per address, minutes per thousand
        // samples; functions inlined into their callers count as the callers.
        .args(["script", "--no-inline", "-i"])
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting `perf script`")?;
    let out = script.stdout.take().context("no output from perf script")?;
    let mut folded = Vec::new();
    Folder::default()
        .collapse(BufReader::new(out), &mut folded)
        .context("folding perf script's stacks")?;
    let status = script.wait()?;
    if !status.success() {
        bail!("perf script failed ({status})");
    }
    let folded = String::from_utf8_lossy(&folded).into_owned();
    let mut options = flamegraph::Options::default();
    options.title = title.to_owned();
    // perf script gives each sample its period (cpu-clock: ns), which inferno counts.
    options.count_name = "ns of CPU".into();
    options.hash = true;
    options.deterministic = true;
    let file = std::fs::File::create(svg).with_context(|| format!("writing {}", svg.display()))?;
    flamegraph::from_lines(&mut options, folded.lines(), std::io::BufWriter::new(file))
        .context("drawing the flame graph")?;
    Ok(shares(&folded))
}

/// The frames' shares of the samples in folded stacks (`root;…;leaf count` per line).
fn shares(folded: &str) -> Flame {
    let mut total = 0;
    let mut inclusive: HashMap<&str, u64> = HashMap::new();
    let mut own: HashMap<&str, u64> = HashMap::new();
    for line in folded.lines() {
        let Some((stack, count)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(count) = count.parse::<u64>() else {
            continue;
        };
        total += count;
        let frames: Vec<&str> = stack.split(';').collect();
        let mut seen = std::collections::HashSet::new();
        // Not the root (the thread's name) nor frames perf could not name.
        for frame in frames.iter().skip(1).filter(|f| **f != "[unknown]") {
            if seen.insert(*frame) {
                *inclusive.entry(frame).or_insert(0) += count;
            }
        }
        if let Some(leaf) = frames.last() {
            *own.entry(leaf).or_insert(0) += count;
        }
    }
    let top = |map: HashMap<&str, u64>| {
        let mut list: Vec<(String, f64)> = map
            .into_iter()
            .map(|(f, n)| (f.to_owned(), n as f64 / total.max(1) as f64))
            .collect();
        list.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        list.truncate(TOP);
        list
    };
    Flame {
        weight_ns: total,
        inclusive: top(inclusive),
        own: top(own),
    }
}

/// Prints the heaviest frames.
pub fn print(flame: &Flame, svg: &Path) {
    println!(
        "    flame graph: {} ({:.1} CPU s sampled)",
        svg.display(),
        flame.weight_ns as f64 / 1e9
    );
    for (title, list) in [
        ("with callees", &flame.inclusive),
        ("on top (self)", &flame.own),
    ] {
        println!("    heaviest frames, {title}:");
        for (frame, share) in list {
            let short: String = frame.chars().take(110).collect();
            println!("      {:>5.1} %  {short}", share * 100.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_count_each_frame_once_per_stack() {
        let flame = shares("srv;main;a;a 3\nsrv;main;b 1\n");
        assert_eq!(flame.inclusive.iter().find(|(n, _)| n == "srv"), None);
        assert_eq!(flame.weight_ns, 4);
        let get =
            |list: &[(String, f64)], f: &str| list.iter().find(|(n, _)| n == f).map(|(_, s)| *s);
        assert_eq!(get(&flame.inclusive, "main"), Some(1.0));
        assert_eq!(get(&flame.inclusive, "a"), Some(0.75));
        assert_eq!(get(&flame.own, "b"), Some(0.25));
    }
}
