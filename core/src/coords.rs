//! Coordinate systems used by Chinese phones and maps (WGS-84, GCJ-02, BD-09), validation of a
//! reported position, conversion between the three systems, and great-circle distance.
//!
//! Grids and regions are stored in WGS-84; clients send GCJ-02 (WeChat `wx.getLocation` with
//! `type: 'gcj02'`, Tencent and AMap) or BD-09 (Baidu), so every reported point passes through
//! [`to_wgs84`] before routing (DESIGN.md §5 step 1).

use std::f64::consts::PI;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Semi-major axis of the Krasovsky 1940 ellipsoid, in metres, as used by the GCJ-02 rule.
const KRASOVSKY_A: f64 = 6_378_245.0;
/// First eccentricity squared of the Krasovsky 1940 ellipsoid (published as
/// 0.00669342162296594323; this is the nearest `f64`).
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
/// Baidu's scaled π: `π · 3000 / 180`.
const X_PI: f64 = PI * 3000.0 / 180.0;
/// Mean Earth radius (IUGG), in metres, for [`distance_m`].
const MEAN_EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The iterative inverses stop once the forward image is this close to the target, in degrees
/// (1e-9° is about 0.1 mm).
const INVERSE_TOLERANCE_DEG: f64 = 1e-9;
/// The iterative inverses stop after this many corrections whatever the residual; they
/// normally converge in three to five.
const INVERSE_MAX_ITERATIONS: usize = 10;

/// A geographic coordinate system a client may report a position in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordSystem {
    /// WGS-84: GPS, international maps, and what Cunxiang stores.
    Wgs84,
    /// GCJ-02 (国测局坐标, "Mars coordinates"): WeChat, Tencent and AMap (高德).
    Gcj02,
    /// BD-09: Baidu maps, a further offset of GCJ-02.
    Bd09,
}

impl CoordSystem {
    /// Every coordinate system, in the order WGS-84, GCJ-02, BD-09.
    pub const ALL: [CoordSystem; 3] = [CoordSystem::Wgs84, CoordSystem::Gcj02, CoordSystem::Bd09];

    /// The wire name: `wgs84`, `gcj02` or `bd09` (the same as its serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            CoordSystem::Wgs84 => "wgs84",
            CoordSystem::Gcj02 => "gcj02",
            CoordSystem::Bd09 => "bd09",
        }
    }

    /// Reads a coordinate system name, ignoring case and surrounding whitespace. Accepts the
    /// wire names, the hyphenated forms `wgs-84`, `gcj-02`, `bd-09`, and Baidu's `bd09ll`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wgs84" | "wgs-84" => Some(CoordSystem::Wgs84),
            "gcj02" | "gcj-02" => Some(CoordSystem::Gcj02),
            "bd09" | "bd-09" | "bd09ll" => Some(CoordSystem::Bd09),
            _ => None,
        }
    }
}

impl Default for CoordSystem {
    /// GCJ-02: what WeChat `wx.getLocation` (type `gcj02`), Tencent and AMap return.
    fn default() -> Self {
        CoordSystem::Gcj02
    }
}

impl fmt::Display for CoordSystem {
    /// Writes the wire name, as [`CoordSystem::as_str`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A position in degrees: longitude first, as in GeoJSON. Which system it is in is up to the
/// caller; the conversion functions say what they expect and return.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LonLat {
    /// Longitude in degrees, east positive.
    pub lon: f64,
    /// Latitude in degrees, north positive.
    pub lat: f64,
}

/// Why a reported position was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoordError {
    /// Latitude or longitude is NaN or infinite.
    #[error("latitude and longitude must be finite numbers")]
    NotFinite,
    /// Latitude outside [-90, 90].
    #[error("latitude {0} is outside [-90, 90]")]
    LatOutOfRange(f64),
    /// Longitude outside [-180, 180].
    #[error("longitude {0} is outside [-180, 180]")]
    LonOutOfRange(f64),
}

/// Validates a reported position (note the argument order: latitude first, as phones report
/// it): both finite, latitude in [-90, 90], longitude in [-180, 180].
pub fn checked(lat: f64, lon: f64) -> Result<LonLat, CoordError> {
    if !lat.is_finite() || !lon.is_finite() {
        return Err(CoordError::NotFinite);
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(CoordError::LatOutOfRange(lat));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(CoordError::LonOutOfRange(lon));
    }
    Ok(LonLat { lon, lat })
}

/// Whether `p` lies outside the rough box the GCJ-02 rule applies to (longitude
/// 72.004–137.8347, latitude 0.8293–55.8271, bounds inside). Points outside are left unchanged
/// by [`wgs84_to_gcj02`] and [`gcj02_to_wgs84`]. The box is a rectangle, not the border: it
/// also covers e.g. Korea and Mongolia, which the rule then shifts like everyone else does.
pub fn out_of_china(p: LonLat) -> bool {
    !((72.004..=137.8347).contains(&p.lon) && (0.8293..=55.8271).contains(&p.lat))
}

/// The GCJ-02 offset (Δlon, Δlat) in degrees at WGS-84 point `p`: the published transformLon /
/// transformLat series, scaled by the Krasovsky 1940 ellipsoid's radii of curvature.
fn gcj02_offset(p: LonLat) -> (f64, f64) {
    let x = p.lon - 105.0;
    let y = p.lat - 35.0;
    let common = (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;

    let mut t_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    t_lat += common;
    t_lat += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    t_lat += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;

    let mut t_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    t_lon += common;
    t_lon += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    t_lon += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;

    let rad_lat = p.lat / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * rad_lat.sin() * rad_lat.sin();
    let sqrt_magic = magic.sqrt();
    let d_lat =
        (t_lat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let d_lon = (t_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * rad_lat.cos() * PI);
    (d_lon, d_lat)
}

/// Inverts `forward` near `target` by fixed-point iteration: start from `start`, and correct
/// the guess by the difference between `forward(guess)` and `target` until that difference is
/// below [`INVERSE_TOLERANCE_DEG`] in both axes or [`INVERSE_MAX_ITERATIONS`] corrections are
/// made. Converges because both offsets change very slowly with position.
fn invert(target: LonLat, start: LonLat, forward: impl Fn(LonLat) -> LonLat) -> LonLat {
    let mut guess = start;
    for _ in 0..INVERSE_MAX_ITERATIONS {
        let image = forward(guess);
        let d_lon = image.lon - target.lon;
        let d_lat = image.lat - target.lat;
        guess.lon -= d_lon;
        guess.lat -= d_lat;
        if d_lon.abs() < INVERSE_TOLERANCE_DEG && d_lat.abs() < INVERSE_TOLERANCE_DEG {
            break;
        }
    }
    guess
}

/// Converts WGS-84 to GCJ-02 with the published obfuscation rule (Krasovsky 1940 ellipsoid,
/// a = 6378245.0 m, e² = 0.00669342162296594323). The shift is a few hundred metres in China;
/// points [`out_of_china`] are returned unchanged.
pub fn wgs84_to_gcj02(p: LonLat) -> LonLat {
    if out_of_china(p) {
        return p;
    }
    let (d_lon, d_lat) = gcj02_offset(p);
    LonLat {
        lon: p.lon + d_lon,
        lat: p.lat + d_lat,
    }
}

/// Converts GCJ-02 to WGS-84 by inverting [`wgs84_to_gcj02`] iteratively (not the common
/// one-step approximation, which is off by up to about 5 m): the result maps back to `p` within
/// 1e-9 degrees (about 0.1 mm), so WGS-84 → GCJ-02 → WGS-84 round trips agree to well under a
/// centimetre (under 0.001 mm in the tests). Points [`out_of_china`] are returned unchanged. Within a few
/// metres of the box's edge the rule is discontinuous and the result is best effort.
pub fn gcj02_to_wgs84(p: LonLat) -> LonLat {
    if out_of_china(p) {
        return p;
    }
    invert(p, p, wgs84_to_gcj02)
}

/// Converts GCJ-02 to BD-09 with Baidu's published rule: with x_pi = π·3000/180,
/// z = √(x² + y²) + 0.00002·sin(y·x_pi), θ = atan2(y, x) + 0.000003·cos(x·x_pi),
/// BD-09 = (z·cos θ + 0.0065, z·sin θ + 0.006). Applied everywhere (no China box).
pub fn gcj02_to_bd09(p: LonLat) -> LonLat {
    let (x, y) = (p.lon, p.lat);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) + 0.000003 * (x * X_PI).cos();
    LonLat {
        lon: z * theta.cos() + 0.0065,
        lat: z * theta.sin() + 0.006,
    }
}

/// Converts BD-09 to GCJ-02: Baidu's published inverse (off by up to about 0.2 m on its own),
/// then refined iteratively against [`gcj02_to_bd09`] until the result maps back to `p` within
/// 1e-9 degrees, so GCJ-02 → BD-09 → GCJ-02 round trips agree well within 1e-7 degrees
/// (about a centimetre). Applied everywhere (no China box).
pub fn bd09_to_gcj02(p: LonLat) -> LonLat {
    let x = p.lon - 0.0065;
    let y = p.lat - 0.006;
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    let first = LonLat {
        lon: z * theta.cos(),
        lat: z * theta.sin(),
    };
    invert(p, first, gcj02_to_bd09)
}

/// Converts `p`, given in `from`, to WGS-84 (BD-09 goes through GCJ-02).
pub fn to_wgs84(p: LonLat, from: CoordSystem) -> LonLat {
    match from {
        CoordSystem::Wgs84 => p,
        CoordSystem::Gcj02 => gcj02_to_wgs84(p),
        CoordSystem::Bd09 => gcj02_to_wgs84(bd09_to_gcj02(p)),
    }
}

/// Converts WGS-84 point `p` to `to` (BD-09 goes through GCJ-02).
pub fn from_wgs84(p: LonLat, to: CoordSystem) -> LonLat {
    match to {
        CoordSystem::Wgs84 => p,
        CoordSystem::Gcj02 => wgs84_to_gcj02(p),
        CoordSystem::Bd09 => gcj02_to_bd09(wgs84_to_gcj02(p)),
    }
}

/// Great-circle distance between `a` and `b` in metres (haversine on a sphere of the mean
/// Earth radius, 6371008.8 m; within about 0.5 % of the ellipsoidal distance).
pub fn distance_m(a: LonLat, b: LonLat) -> f64 {
    let phi_a = a.lat.to_radians();
    let phi_b = b.lat.to_radians();
    let d_phi = (b.lat - a.lat).to_radians();
    let d_lambda = (b.lon - a.lon).to_radians();
    let h =
        (d_phi / 2.0).sin().powi(2) + phi_a.cos() * phi_b.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * MEAN_EARTH_RADIUS_M * h.clamp(0.0, 1.0).sqrt().asin()
}

/// Converts every position of a GeoJSON geometry (its `coordinates`, at any depth) from
/// `from` to WGS-84 in place. Positions that are not two finite numbers are left for the
/// outline validation to report.
pub fn geojson_to_wgs84(geometry: &mut serde_json::Value, from: CoordSystem) {
    if from == CoordSystem::Wgs84 {
        return;
    }
    fn walk(value: &mut serde_json::Value, from: CoordSystem) {
        let Some(items) = value.as_array_mut() else {
            return;
        };
        let position = match items.as_slice() {
            [lon, lat, ..] => lon.as_f64().zip(lat.as_f64()),
            _ => None,
        };
        match position {
            Some((lon, lat)) if lon.is_finite() && lat.is_finite() => {
                let p = to_wgs84(LonLat { lon, lat }, from);
                items[0] = serde_json::json!(p.lon);
                items[1] = serde_json::json!(p.lat);
            }
            _ => items.iter_mut().for_each(|item| walk(item, from)),
        }
    }
    if let Some(coordinates) = geometry.get_mut("coordinates") {
        walk(coordinates, from);
    }
}

#[cfg(test)]
mod tests;
