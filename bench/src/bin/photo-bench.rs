//! `photo-bench`: how long Cunxiang's photo pipeline (`cunxiang_photo::process`) takes for one
//! phone photo, on one calling thread. Run with
//! `cargo run --release -p cunxiang-bench --bin photo-bench -- [PHOTO.jpg] [--runs N] [--orientation 1-8]`;
//! without a file it generates a 12 MP (4000×3000) photo-like JPEG at quality 90 with EXIF
//! (orientation 1 unless told: 6 is how a phone held upright stores its photos).
//! For strictly one core, run it under `taskset -c 0` (jpeg-decoder decodes colour components
//! on helper threads).

use std::time::Instant;

use anyhow::{Context, bail};
use cunxiang_bench::measure;
use cunxiang_photo::{Limits, process};
use exif::experimental::Writer;
use exif::{Field, In, Tag, Value};

const DEFAULT_RUNS: usize = 30;
const WARM_UP: usize = 3;

fn main() -> anyhow::Result<()> {
    let Args {
        file,
        runs,
        orientation,
    } = arguments()?;
    let (input, source) = match file {
        Some(path) => (
            std::fs::read(&path).with_context(|| format!("reading {path}"))?,
            path,
        ),
        None => {
            let started = Instant::now();
            let (width, height) = (4000, 3000);
            let jpeg = synthetic_jpeg(width, height, orientation)?;
            let took = started.elapsed().as_secs_f64();
            (
                jpeg,
                format!(
                    "synthetic {width}×{height} q90 JPEG with EXIF, orientation {orientation} \
                     (made in {took:.1} s)"
                ),
            )
        }
    };
    let limits = Limits::default();
    println!("photo-bench: cunxiang_photo::process, one calling thread");
    println!("  machine   {}", machine());
    println!("  input     {source}, {:.2} MB", input.len() as f64 / 1e6);

    let first = process(&input, &limits).context("the pipeline refused the input")?;
    println!(
        "  output    {}×{} upright; display {}×{} {:.0} KB, thumb {}×{} {:.1} KB; \
         orientation {}, phash {:016x}",
        first.width,
        first.height,
        first.display.width,
        first.display.height,
        first.display.bytes.len() as f64 / 1e3,
        first.thumb.width,
        first.thumb.height,
        first.thumb.bytes.len() as f64 / 1e3,
        first.exif.orientation,
        first.phash,
    );

    let bar = measure::progress_bar((WARM_UP + runs) as u64, "process()");
    let mut ms = Vec::with_capacity(runs);
    for run in 0..WARM_UP + runs {
        let started = Instant::now();
        let out = process(std::hint::black_box(&input), &limits)?;
        let took = started.elapsed().as_secs_f64() * 1e3;
        std::hint::black_box(out);
        if run >= WARM_UP {
            ms.push(took);
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    ms.sort_by(f64::total_cmp);
    let median = percentile(&ms, 50.0);
    println!(
        "  process   {runs} runs after {WARM_UP} warm-up: median {median:.1} ms, p90 {:.1} ms, \
         min {:.1} ms, max {:.1} ms → {:.1} photos/s on this thread",
        percentile(&ms, 90.0),
        ms.first().copied().unwrap_or(f64::NAN),
        ms.last().copied().unwrap_or(f64::NAN),
        1000.0 / median,
    );
    Ok(())
}

/// The command line.
struct Args {
    file: Option<String>,
    runs: usize,
    orientation: u16,
}

/// `[FILE] [--runs N] [--orientation 1-8]`.
fn arguments() -> anyhow::Result<Args> {
    let mut file = None;
    let mut runs = DEFAULT_RUNS;
    let mut orientation = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => {
                let n = args.next().context("--runs needs a number")?;
                runs = n.parse().with_context(|| format!("--runs {n}"))?;
                if runs == 0 {
                    bail!("--runs must be at least 1");
                }
            }
            "--orientation" => {
                let n = args.next().context("--orientation needs 1-8")?;
                orientation = n.parse().with_context(|| format!("--orientation {n}"))?;
                if !(1..=8).contains(&orientation) {
                    bail!("--orientation must be 1-8");
                }
            }
            "-h" | "--help" => {
                println!(
                    "usage: photo-bench [PHOTO.jpg|.png|.webp] [--runs N] [--orientation 1-8]"
                );
                std::process::exit(0);
            }
            other if file.is_none() && !other.starts_with('-') => file = Some(other.to_owned()),
            other => bail!("unexpected argument {other:?}; try --help"),
        }
    }
    Ok(Args {
        file,
        runs,
        orientation,
    })
}

/// A photo-like JPEG: smooth gradients, mid-frequency texture and sensor-like noise, so it
/// compresses like a real 12 MP phone photo (≈ 4–5 MB at q90), with an EXIF block holding a
/// capture time, a GPS fix and `orientation`.
fn synthetic_jpeg(width: u16, height: u16, orientation: u16) -> anyhow::Result<Vec<u8>> {
    let (w, h) = (usize::from(width), usize::from(height));
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rgb = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        let fy = y as f32 / h as f32;
        for x in 0..w {
            let fx = x as f32 / w as f32;
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let noise = ((seed >> 40) & 0x1f) as f32 - 16.0;
            let texture = (fx * 90.0).sin() * (fy * 70.0).cos() * 25.0;
            let r = 120.0 + 80.0 * (fx * 3.1).sin() + texture + noise;
            let g = 110.0 + 70.0 * (fy * 2.3 + fx).cos() + texture * 0.5 + noise;
            let b = 90.0 + 60.0 * ((fx - 0.5) * (fy - 0.4) * 9.0).sin() - texture + noise;
            rgb.extend([r, g, b].map(|v| v.clamp(0.0, 255.0) as u8));
        }
    }
    let mut jpeg = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 90);
    encoder.add_exif_metadata(&exif_block(orientation)?)?;
    encoder.encode(&rgb, width, height, jpeg_encoder::ColorType::Rgb)?;
    Ok(jpeg)
}

fn exif_block(orientation: u16) -> anyhow::Result<Vec<u8>> {
    let ascii = |s: &str| Value::Ascii(vec![s.as_bytes().to_vec()]);
    let dms = |d, m, s| {
        Value::Rational(
            [(d, 1), (m, 1), (s, 100)]
                .map(|(num, denom)| exif::Rational { num, denom })
                .to_vec(),
        )
    };
    let field = |tag, value| Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    };
    let fields = [
        field(Tag::Make, ascii("photo-bench")),
        field(Tag::Orientation, Value::Short(vec![orientation])),
        field(Tag::DateTimeOriginal, ascii("2026:11:03 14:25:07")),
        field(Tag::OffsetTimeOriginal, ascii("+08:00")),
        field(Tag::GPSLatitudeRef, ascii("N")),
        field(Tag::GPSLatitude, dms(28, 12, 3600)),
        field(Tag::GPSLongitudeRef, ascii("E")),
        field(Tag::GPSLongitude, dms(116, 49, 1260)),
    ];
    let mut writer = Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    writer.write(&mut out, true)?;
    Ok(out.into_inner())
}

/// The `p`-th percentile (0–100) of sorted values, nearest rank.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// CPU model and the cores this process may use.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = cunxiang_bench::measure::cpu_model();
    format!("{model}, {cores} cores available to this process")
}
