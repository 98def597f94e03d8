//! Random draws for the generator: weighted choices from running sums, normal (Box–Muller)
//! and log-normal draws, so the bench needs no distribution crate.

use rand::Rng;
use rand::rngs::StdRng;

/// Picks an index by cumulative weights.
pub fn pick(cumulative: &[f64], rng: &mut StdRng) -> usize {
    let total = cumulative.last().copied().unwrap_or(1.0);
    let u = rng.random::<f64>() * total;
    cumulative
        .partition_point(|&c| c <= u)
        .min(cumulative.len().saturating_sub(1))
}

/// Running sums of `weights`.
pub fn cumulative(weights: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut sum = 0.0;
    weights
        .into_iter()
        .map(|w| {
            sum += w;
            sum
        })
        .collect()
}

/// A standard normal draw (Box–Muller).
pub fn normal(rng: &mut StdRng) -> f64 {
    let u1: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal draw with this median, in whole minutes (at least 1).
pub fn lognormal_minutes(rng: &mut StdRng, median: f64, sigma: f64) -> i64 {
    ((median.ln() + sigma * normal(rng)).exp().round() as i64).clamp(1, 60 * 24 * 60)
}
