//! Coordinate conversions: round trips across China, the China box, magnitudes, and published
//! reference vectors.

use super::*;

fn ll(lon: f64, lat: f64) -> LonLat {
    LonLat { lon, lat }
}

/// Named places across China (WGS-84 or GCJ-02 alike: the offset is far smaller than the
/// spread), from the far west to the far north-east and the far south.
const PLACES: &[(&str, f64, f64)] = &[
    ("余江", 116.93, 28.36),
    ("潢溪", 116.98, 28.25),
    ("北京", 116.404, 39.915),
    ("上海", 121.4737, 31.2304),
    ("广州", 113.2644, 23.1291),
    ("成都", 104.0665, 30.5723),
    ("昆明", 102.8329, 24.8801),
    ("拉萨", 91.1322, 29.6604),
    ("乌鲁木齐", 87.6168, 43.8256),
    ("喀什", 75.9898, 39.4677),
    ("哈尔滨", 126.535, 45.8038),
    ("漠河", 122.5386, 52.9720),
    ("三亚", 109.5119, 18.2528),
    ("曾母暗沙", 112.28, 3.97),
];

/// Every named place plus a 2° lattice over the box the GCJ-02 rule applies to.
fn points_in_china() -> Vec<LonLat> {
    let mut points: Vec<LonLat> = PLACES.iter().map(|&(_, lon, lat)| ll(lon, lat)).collect();
    for i in 0..32 {
        for j in 0..27 {
            points.push(ll(73.5 + 2.0 * f64::from(i), 2.5 + 2.0 * f64::from(j)));
        }
    }
    assert!(points.iter().all(|p| !out_of_china(*p)));
    points
}

#[test]
fn wgs_gcj_wgs_round_trips_under_a_centimetre() {
    for wgs in points_in_china() {
        let gcj = wgs84_to_gcj02(wgs);
        assert!(distance_m(wgs, gcj) > 1.0, "{wgs:?} not shifted");
        let back = gcj02_to_wgs84(gcj);
        let err = distance_m(wgs, back);
        assert!(err < 0.01, "{wgs:?} → {gcj:?} → {back:?}: {err} m");
        // The documented accuracy: the inverse maps back onto its input within 1e-9°.
        let again = wgs84_to_gcj02(back);
        assert!((again.lon - gcj.lon).abs() < 1e-9 && (again.lat - gcj.lat).abs() < 1e-9);
    }
}

#[test]
fn gcj_bd_gcj_round_trips_within_1e_7_degrees() {
    for gcj in points_in_china() {
        let bd = gcj02_to_bd09(gcj);
        assert!(distance_m(gcj, bd) > 100.0, "{gcj:?} not shifted");
        let back = bd09_to_gcj02(bd);
        assert!(
            (back.lon - gcj.lon).abs() < 1e-7,
            "{gcj:?} → {bd:?} → {back:?}"
        );
        assert!(
            (back.lat - gcj.lat).abs() < 1e-7,
            "{gcj:?} → {bd:?} → {back:?}"
        );
        assert!(distance_m(gcj, back) < 0.01);
        // And the other way round: BD-09 input → GCJ-02 → BD-09.
        let bd_again = gcj02_to_bd09(bd09_to_gcj02(gcj));
        assert!(distance_m(gcj, bd_again) < 0.01, "{gcj:?} → {bd_again:?}");
    }
}

#[test]
fn to_and_from_wgs84_are_inverse_for_every_system() {
    for wgs in points_in_china() {
        for system in CoordSystem::ALL {
            let there = from_wgs84(wgs, system);
            let back = to_wgs84(there, system);
            let err = distance_m(wgs, back);
            assert!(
                err < 0.01,
                "{system}: {wgs:?} → {there:?} → {back:?}: {err} m"
            );
        }
    }
    let p = ll(116.93, 28.36);
    assert_eq!(from_wgs84(p, CoordSystem::Wgs84), p);
    assert_eq!(to_wgs84(p, CoordSystem::Wgs84), p);
    assert_eq!(from_wgs84(p, CoordSystem::Gcj02), wgs84_to_gcj02(p));
    assert_eq!(to_wgs84(p, CoordSystem::Gcj02), gcj02_to_wgs84(p));
    assert_eq!(
        to_wgs84(p, CoordSystem::Bd09),
        gcj02_to_wgs84(bd09_to_gcj02(p))
    );
}

#[test]
fn points_outside_china_are_left_alone_by_the_gcj_rule() {
    let outside = [
        ("Tokyo", 139.69, 35.69),
        ("London", -0.1276, 51.5072),
        ("Null Island", 0.0, 0.0),
        ("Singapore", 103.8198, 0.5),
        ("Moscow", 37.6173, 55.7558),
        ("Sydney", 151.2093, -33.8688),
    ];
    for (name, lon, lat) in outside {
        let p = ll(lon, lat);
        assert!(out_of_china(p), "{name}");
        assert_eq!(wgs84_to_gcj02(p), p, "{name}");
        assert_eq!(gcj02_to_wgs84(p), p, "{name}");
        assert_eq!(to_wgs84(p, CoordSystem::Gcj02), p, "{name}");
        assert_eq!(from_wgs84(p, CoordSystem::Gcj02), p, "{name}");
    }
}

#[test]
fn the_china_box_has_the_published_bounds() {
    assert!(!out_of_china(ll(72.004, 0.8293)));
    assert!(!out_of_china(ll(137.8347, 55.8271)));
    assert!(out_of_china(ll(72.003, 30.0)));
    assert!(out_of_china(ll(137.835, 30.0)));
    assert!(out_of_china(ll(110.0, 0.8292)));
    assert!(out_of_china(ll(110.0, 55.8272)));
}

#[test]
fn the_gcj_offset_in_yujiang_is_a_few_hundred_metres() {
    let wgs = ll(116.93, 28.36);
    let offset = distance_m(wgs, wgs84_to_gcj02(wgs));
    assert!((100.0..700.0).contains(&offset), "offset {offset} m");
}

fn assert_near(got: LonLat, want: LonLat, tolerance_deg: f64, what: &str) {
    assert!(
        (got.lon - want.lon).abs() < tolerance_deg && (got.lat - want.lat).abs() < tolerance_deg,
        "{what}: got {got:?}, want {want:?}"
    );
}

/// wandergis/coordtransform, test/app.js (the "//result" block), input (116.404, 39.915).
#[test]
fn coordtransform_reference_vectors() {
    let input = ll(116.404, 39.915);
    assert_near(
        wgs84_to_gcj02(input),
        ll(116.41024449916938, 39.91640428150164),
        1e-6,
        "wgs84togcj02",
    );
    assert_near(
        gcj02_to_bd09(input),
        ll(116.41036949371029, 39.92133699351021),
        1e-6,
        "gcj02tobd09",
    );
    // coordtransform's inverses are the one-step approximations; ours refine them, so they
    // agree only to within the approximations' own error (here about 6 and 5 cm).
    assert!(
        distance_m(
            gcj02_to_wgs84(input),
            ll(116.39775550083061, 39.91359571849836)
        ) < 0.5
    );
    assert!(
        distance_m(
            bd09_to_gcj02(input),
            ll(116.39762729119315, 39.90865673957631)
        ) < 0.5
    );
}

/// googollee/eviltransform, go/transform_test.go (`tests`: wgsLat, wgsLng, gcjLat, gcjLng).
#[test]
fn eviltransform_reference_vectors() {
    let cases = [
        (
            "shanghai",
            31.1774276,
            121.5272106,
            31.17530398364597,
            121.531541859215,
        ),
        (
            "shenzhen",
            22.543847,
            113.912316,
            22.540796131694766,
            113.9171764808363,
        ),
        (
            "beijing",
            39.911954,
            116.377817,
            39.91334545536069,
            116.38404722455657,
        ),
    ];
    for (name, wgs_lat, wgs_lng, gcj_lat, gcj_lng) in cases {
        let (wgs, gcj) = (ll(wgs_lng, wgs_lat), ll(gcj_lng, gcj_lat));
        assert_near(wgs84_to_gcj02(wgs), gcj, 1e-6, name);
        // eviltransform's own exact inverse promises 0.5 m; ours does better.
        assert!(distance_m(gcj02_to_wgs84(gcj), wgs) < 0.01, "{name}");
    }
}

#[test]
fn distance_matches_known_values() {
    let p = ll(116.93, 28.36);
    assert_eq!(distance_m(p, p), 0.0);
    // One degree of latitude on the mean sphere: 6371008.8 · π / 180 ≈ 111195.08 m.
    let d = distance_m(ll(116.93, 28.0), ll(116.93, 29.0));
    assert!((d - 111_195.08).abs() < 0.01, "{d}");
    // Symmetric, and half the circumference between antipodes.
    let (a, b) = (ll(116.404, 39.915), ll(-63.596, -39.915));
    assert!((distance_m(a, b) - distance_m(b, a)).abs() < 1e-6);
    assert!((distance_m(a, b) - MEAN_EARTH_RADIUS_M * PI).abs() < 1e-3);
}

#[test]
fn coord_system_names() {
    for system in CoordSystem::ALL {
        assert_eq!(CoordSystem::parse(system.as_str()), Some(system));
        assert_eq!(system.to_string(), system.as_str());
        let json = serde_json::to_string(&system).unwrap_or_default();
        assert_eq!(json, format!("\"{}\"", system.as_str()));
        let parsed: Option<CoordSystem> = serde_json::from_str(&json).ok();
        assert_eq!(parsed, Some(system));
    }
    let accepted = [
        ("WGS84", CoordSystem::Wgs84),
        ("wgs-84", CoordSystem::Wgs84),
        ("WGS-84", CoordSystem::Wgs84),
        ("GCJ02", CoordSystem::Gcj02),
        ("gcj-02", CoordSystem::Gcj02),
        (" Gcj02 ", CoordSystem::Gcj02),
        ("BD09", CoordSystem::Bd09),
        ("bd-09", CoordSystem::Bd09),
        ("bd09ll", CoordSystem::Bd09),
    ];
    for (name, want) in accepted {
        assert_eq!(CoordSystem::parse(name), Some(want), "{name}");
    }
    for name in ["", "wgs", "gcj", "bd09mc", "epsg:4326", "gcj_02"] {
        assert_eq!(CoordSystem::parse(name), None, "{name}");
    }
    assert_eq!(CoordSystem::default(), CoordSystem::Gcj02);
}

#[test]
fn checked_accepts_valid_positions_and_refuses_the_rest() {
    assert_eq!(checked(28.36, 116.93), Ok(ll(116.93, 28.36)));
    assert_eq!(checked(90.0, 180.0), Ok(ll(180.0, 90.0)));
    assert_eq!(checked(-90.0, -180.0), Ok(ll(-180.0, -90.0)));
    assert_eq!(checked(f64::NAN, 116.0), Err(CoordError::NotFinite));
    assert_eq!(checked(28.0, f64::NAN), Err(CoordError::NotFinite));
    assert_eq!(checked(f64::INFINITY, 0.0), Err(CoordError::NotFinite));
    assert_eq!(checked(0.0, f64::NEG_INFINITY), Err(CoordError::NotFinite));
    assert_eq!(checked(91.0, 116.0), Err(CoordError::LatOutOfRange(91.0)));
    assert_eq!(checked(-90.5, 116.0), Err(CoordError::LatOutOfRange(-90.5)));
    assert_eq!(
        checked(28.0, -181.0),
        Err(CoordError::LonOutOfRange(-181.0))
    );
    assert_eq!(checked(28.0, 180.5), Err(CoordError::LonOutOfRange(180.5)));
    assert_eq!(
        CoordError::LatOutOfRange(91.0).to_string(),
        "latitude 91 is outside [-90, 90]"
    );
}
