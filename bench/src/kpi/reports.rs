//! The reports: a deterministic (seeded) stream of rows in order of `created_at`, spread over
//! the three years before [`END`] with a mild growth trend, fewer at weekends and a daily rhythm
//! in Beijing time; statuses that are almost all `closed` for old reports and open for recent
//! ones; times to accept and to resolve drawn from log-normal distributions; ratings,
//! reopenings and escalations at realistic rates. Ids are UUIDv7 of the creation time, so id
//! order is time order, as for reports the server makes.

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::org::{CASE_PREFIX, CATEGORIES, County};
use super::random::{cumulative, lognormal_minutes, normal, pick};
use super::schema::{ReportRow, SequenceRow};

/// The generated history ends at midnight (Beijing) at the start of 2026-11-29.
pub const END_SECS: i64 = 1_795_881_600; // 2026-11-28T16:00:00Z
/// Days of history.
pub const DAYS: i64 = 3 * 365;
/// Beijing time's offset from UTC, seconds.
const BEIJING: i64 = 8 * 3600;
/// Reports per day grow by this share over the three years.
const GROWTH: f64 = 0.6;
/// Relative reports per hour of the day, Beijing time.
const HOURLY: [f64; 24] = [
    0.15, 0.10, 0.08, 0.08, 0.10, 0.20, 0.50, 1.00, 1.60, 1.90, 1.90, 1.60, 1.10, 1.00, 1.40, 1.60,
    1.60, 1.40, 1.10, 0.90, 0.80, 0.60, 0.40, 0.25,
];
/// Share of reports rejected (invalid or duplicates).
const REJECTED: f64 = 0.03;
/// A report `age` days old is still open with probability exp(-age / OPEN_DAYS).
const OPEN_DAYS: f64 = 80.0;
/// Open statuses and their relative weights.
const OPEN: [(&str, f64); 5] = [
    ("resolved", 5.0),
    ("accepted", 2.0),
    ("assigned", 1.0),
    ("submitted", 0.8),
    ("returned", 0.2),
];
/// Minutes to accept: median and the log-normal's sigma (p90 ≈ 240 minutes).
const ACCEPT_MEDIAN: f64 = 25.0;
const ACCEPT_SIGMA: f64 = 1.765;
/// Sigma of the time from acceptance to resolution; each category's median is its limit
/// divided by exp(1.2816 × sigma), so that 90 % are resolved within the limit.
const RESOLVE_SIGMA: f64 = 1.3;
/// Share of closed reports that were rated, and the ratings 5, 4, 3, 2, 1.
const RATED: f64 = 0.6;
const RATINGS: [(i32, f64); 5] = [(5, 0.70), (4, 0.15), (3, 0.08), (2, 0.04), (1, 0.03)];
/// Reports reopened at least once, escalated at least once, anonymous.
const REOPENED: f64 = 0.02;
const ESCALATED: f64 = 0.03;
const ANONYMOUS: f64 = 0.04;
/// Auto-confirmation after this many minutes (the server's default 3 days).
const AUTO_CONFIRM: i64 = 3 * 24 * 60;
/// Channels and their shares (staff patrol reports are left out: every reporter is a villager).
const CHANNELS: [(&str, f64); 5] = [
    ("app", 0.62),
    ("mini_program", 0.22),
    ("h5", 0.06),
    ("hotline", 0.07),
    ("open311", 0.03),
];

/// The stream of generated reports.
pub struct Generator<'a> {
    county: &'a County,
    villagers: &'a [String],
    rng: StdRng,
    /// Creation times (µs since the epoch), ascending.
    times: Vec<i64>,
    next: usize,
    grid_weights: Vec<f64>,
    category_weights: Vec<f64>,
    day: Option<(String, i32)>,
    sequences: Vec<SequenceRow>,
}

fn at(micros: i64) -> NaiveDateTime {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .unwrap_or_default()
        .naive_utc()
}

const MINUTE: i64 = 60_000_000;

impl<'a> Generator<'a> {
    /// `n` reports over `county`, by `villagers` (user ids), from `seed`.
    pub fn new(county: &'a County, villagers: &'a [String], n: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let start = END_SECS - DAYS * 86_400;
        let days = cumulative((0..DAYS).map(|d| {
            let weekday = Utc
                .timestamp_opt(start + d * 86_400 + BEIJING, 0)
                .single()
                .map(|t| t.weekday());
            let weekend = matches!(weekday, Some(Weekday::Sat | Weekday::Sun));
            (1.0 + GROWTH * d as f64 / DAYS as f64) * if weekend { 0.85 } else { 1.0 }
        }));
        let hours = cumulative(HOURLY);
        let mut times: Vec<i64> = (0..n)
            .map(|_| {
                let d = pick(&days, &mut rng) as i64;
                let h = pick(&hours, &mut rng) as i64;
                let secs = start + d * 86_400 + h * 3600 + rng.random_range(0..3600);
                secs * 1_000_000 + rng.random_range(0..1_000_000)
            })
            .collect();
        times.sort_unstable();
        // Some grids see far more reports than others.
        let grid_weights =
            cumulative((0..county.places.len()).map(|_| (0.8 * normal(&mut rng)).exp()));
        Generator {
            county,
            villagers,
            rng,
            times,
            next: 0,
            grid_weights,
            category_weights: cumulative(CATEGORIES.iter().map(|c| c.share)),
            day: None,
            sequences: Vec::new(),
        }
    }

    /// Reports not yet generated.
    pub fn remaining(&self) -> usize {
        self.times.len() - self.next
    }

    /// The next `n` reports (fewer at the end).
    pub fn chunk(&mut self, n: usize) -> Vec<ReportRow> {
        let end = (self.next + n).min(self.times.len());
        let mut rows = Vec::with_capacity(end - self.next);
        while self.next < end {
            let t = self.times[self.next];
            self.next += 1;
            rows.push(self.report(t));
        }
        rows
    }

    /// The daily case sequences as they stand after every report (call at the end).
    pub fn sequences(&mut self) -> Vec<SequenceRow> {
        if let Some((day, last)) = self.day.take() {
            self.sequences.push(SequenceRow {
                prefix: CASE_PREFIX.to_owned(),
                day,
                last_value: last,
            });
        }
        std::mem::take(&mut self.sequences)
    }

    fn case_number(&mut self, t: i64) -> String {
        let day = at(t + BEIJING * 1_000_000).format("%Y%m%d").to_string();
        let seq = match &mut self.day {
            Some((d, n)) if *d == day => {
                *n += 1;
                *n
            }
            _ => {
                if let Some((d, n)) = self.day.take() {
                    self.sequences.push(SequenceRow {
                        prefix: CASE_PREFIX.to_owned(),
                        day: d,
                        last_value: n,
                    });
                }
                self.day = Some((day.clone(), 1));
                1
            }
        };
        format!("{CASE_PREFIX}-{day}-{seq:04}")
    }

    fn weighted<T: Copy>(&mut self, options: &[(T, f64)]) -> T {
        let total: f64 = options.iter().map(|o| o.1).sum();
        let mut u = self.rng.random::<f64>() * total;
        for &(value, w) in options {
            if u < w {
                return value;
            }
            u -= w;
        }
        options[options.len() - 1].0
    }

    fn report(&mut self, t: i64) -> ReportRow {
        let county = self.county;
        let end = END_SECS * 1_000_000;
        let rng = &mut self.rng;
        let mut random = [0u8; 10];
        rng.fill(&mut random);
        let id = uuid::Builder::from_unix_timestamp_millis((t / 1000) as u64, &random)
            .into_uuid()
            .to_string();
        let spec = CATEGORIES[pick(&self.category_weights, rng)];
        let place = &county.places[pick(&self.grid_weights, rng)];
        let reporter = self.villagers[((rng.random::<f64>().powi(2)) * self.villagers.len() as f64)
            as usize
            % self.villagers.len().max(1)]
        .clone();
        let age_days = (end - t) as f64 / (86_400.0 * 1e6);

        // The report's history as it would unfold, then cut at the end of the period.
        let escalations = if rng.random_bool(ESCALATED) {
            1 + i32::from(rng.random_bool(0.2))
        } else {
            0
        };
        let reopens = if rng.random_bool(REOPENED) {
            1 + i32::from(rng.random_bool(0.1))
        } else {
            0
        };
        let mut accept = lognormal_minutes(rng, ACCEPT_MEDIAN, ACCEPT_SIGMA);
        if escalations > 0 {
            accept += spec.accept_minutes;
        }
        let work_median = spec.resolve_minutes as f64 / (1.2816 * RESOLVE_SIGMA).exp();
        let mut work = lognormal_minutes(rng, work_median, RESOLVE_SIGMA);
        for _ in 0..reopens {
            work += lognormal_minutes(rng, work_median, RESOLVE_SIGMA);
        }
        let rated = rng.random_bool(RATED);
        let confirm = if rated {
            lognormal_minutes(rng, 180.0, 1.2).min(AUTO_CONFIRM - 1)
        } else {
            AUTO_CONFIRM
        };
        let accepted_at = t + accept * MINUTE;
        let resolved_at = accepted_at + work * MINUTE;
        let closed_at = resolved_at + confirm * MINUTE;

        let mut status = if rng.random_bool(REJECTED) {
            "rejected"
        } else if rng.random_bool((-age_days / OPEN_DAYS).exp().clamp(0.0, 1.0)) {
            self.weighted(&OPEN)
        } else {
            "closed"
        };
        let rng = &mut self.rng;
        if status == "closed" && closed_at > end {
            status = "resolved";
        }
        if status == "resolved" && resolved_at > end {
            status = "accepted";
        }
        if status == "accepted" && accepted_at > end {
            status = "assigned";
        }

        let (mut grid, mut region, mut path) = (
            Some(place.grid.clone()),
            place.region.clone(),
            place.path.clone(),
        );
        let township = &county.townships[place.township];
        let (unit, level) = match spec.code {
            "garbage" => (place.team.clone(), place.level),
            "dispute" => (place.committee.clone(), "village"),
            "road" => (township.transport.clone(), "township"),
            "flood" => (county.water.clone(), "county"),
            _ => (township.governance.clone(), "township"),
        };
        let queued = matches!(status, "submitted" | "returned" | "rejected");
        let (mut lat, mut lon) = (
            Some(place.centre.1 + place.half.1 * rng.random_range(-1.0..1.0)),
            Some(place.centre.0 + place.half.0 * rng.random_range(-1.0..1.0)),
        );
        if status == "submitted" {
            // In a township's dispatch queue: no grid held the place (or there was none).
            grid = None;
            region = township.id.clone();
            path = township.path.clone();
            lat = None;
            lon = None;
        }
        let accept_limit = spec.accept_minutes * MINUTE;
        let resolve_limit = spec.resolve_minutes * MINUTE;
        let reached = |s: &str| match status {
            "closed" => true,
            "resolved" => s != "closed",
            "accepted" => s == "accepted" || s == "assigned",
            "assigned" | "returned" => s == "assigned",
            _ => false,
        };
        let accept_by = reached("assigned").then_some(t + accept_limit);
        let accepted = reached("accepted").then_some(accepted_at);
        let resolve_by = match accepted {
            Some(a) => Some(a + resolve_limit),
            None => accept_by.map(|_| t + accept_limit + resolve_limit),
        };
        let resolved = reached("resolved").then_some(resolved_at);
        let closed = reached("closed").then_some(closed_at);
        let running = match status {
            "assigned" => accept_by,
            "accepted" => resolve_by,
            _ => None,
        };
        let alerted = running.filter(|&r| r <= end).map(|_| "red");
        let updated = [Some(t), accepted, resolved, closed]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(t)
            .max(if status == "rejected" {
                t + 30 * MINUTE
            } else {
                t
            })
            .min(end);
        let version = match status {
            "submitted" => 1,
            "assigned" | "rejected" => 2,
            "accepted" | "returned" => 3,
            "resolved" => 4,
            _ => 5,
        } + 3 * reopens * i32::from(reached("resolved"))
            + escalations;
        let rating = (status == "closed" && rated).then(|| {
            let mut u = rng.random::<f64>();
            RATINGS
                .iter()
                .find(|(_, p)| {
                    u -= p;
                    u < 0.0
                })
                .map_or(5, |r| r.0)
        });
        let channel = {
            let mut u = rng.random::<f64>();
            CHANNELS
                .iter()
                .find(|(_, p)| {
                    u -= p;
                    u < 0.0
                })
                .map_or("app", |c| c.0)
        };
        let followers = match rng.random_range(0..100) {
            0..85 => 0,
            85..95 => 1,
            _ => rng.random_range(2..6),
        };
        let description = spec.descriptions[rng.random_range(0..spec.descriptions.len())];
        let anonymous = rng.random_bool(ANONYMOUS);
        let from_photo = rng.random_bool(0.1);
        let accuracy = rng.random_range(5.0..50.0);
        ReportRow {
            id,
            case_number: self.case_number(t),
            submitted_by: reporter.clone(),
            reporter_id: reporter,
            category_code: spec.code,
            description,
            status,
            accuracy_m: lat.map(|_| accuracy),
            location_source: lat.map(|_| if from_photo { "photo_exif" } else { "device" }),
            lat,
            lon,
            grid_id: grid,
            region_id: region,
            region_path: path,
            unit_id: (!queued).then_some(unit),
            level: (!queued).then_some(level),
            anonymous,
            channel,
            follower_count: followers,
            version,
            accept_by: accept_by.map(at),
            resolve_by: resolve_by.map(at),
            created_at: at(t),
            updated_at: at(updated),
            confirm_by: (status == "resolved").then(|| at(resolved_at + AUTO_CONFIRM * MINUTE)),
            alerted,
            accepted_at: accepted.map(at),
            resolved_at: resolved.map(at),
            closed_at: closed.map(at),
            rating,
            reopen_count: if reached("resolved") { reopens } else { 0 },
            escalation_count: escalations,
        }
    }
}
