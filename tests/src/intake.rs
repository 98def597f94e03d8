//! Intake fixtures shared by the integration tests: two villagers' phones, the demo grid
//! 渡口村's centre, a phone-like JPEG taken there, and row counts behind the server's back.

use cunxiang_photo::fixtures::{ExifSpec, app1, exif_tiff, jpeg, photo};

use crate::TestServer;

/// A villager's phone (a test phone: code 123456).
pub const ANNA: &str = "13800000001";
/// Another villager's phone.
pub const BAO: &str = "13800000002";

/// The centre of the demo grid 渡口村网格, WGS-84 `(lat, lon)`.
pub const DUKOU: (f64, f64) = (28.363789, 116.938969);

/// Degrees as EXIF's three rationals (degrees, minutes, 1/10000 seconds).
pub fn dms(value: f64) -> [(u32, u32); 3] {
    let degrees = value.trunc();
    let minutes = ((value - degrees) * 60.0).trunc();
    let seconds = ((value - degrees) * 60.0 - minutes) * 60.0;
    [
        (degrees as u32, 1),
        (minutes as u32, 1),
        ((seconds * 10_000.0).round() as u32, 10_000),
    ]
}

/// A phone-like JPEG taken at 渡口村 at 09:00 Beijing time, stored sideways (orientation 6);
/// `variant` changes the picture.
pub fn dukou_photo(variant: u32) -> Vec<u8> {
    let spec = ExifSpec {
        orientation: Some(6),
        taken: Some("2026:11:28 09:00:00"),
        offset: None,
        gps: Some(("N", dms(DUKOU.0), "E", dms(DUKOU.1))),
    };
    jpeg(
        &photo(640, 480, variant),
        640,
        480,
        &[app1(exif_tiff(&spec))],
    )
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// (reports, report events, photos) stored now.
pub fn rows(srv: &TestServer) -> (i64, i64, i64) {
    let mut conn = srv.db.connect();
    (
        cunxiang_storage::reports::count(&mut conn).expect("count reports"),
        cunxiang_storage::reports::events::count(&mut conn).expect("count events"),
        cunxiang_storage::media::count(&mut conn).expect("count photos"),
    )
}
