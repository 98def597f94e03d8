//! The EXIF facts Cunxiang keeps as evidence (capture time, GPS) or needs to display a photo
//! upright (orientation), read with `kamadak-exif` from JPEG, PNG (`eXIf`) and WebP (`EXIF`).

use std::io::Cursor;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime};
use exif::{Exif, In, Tag, Value};

/// What EXIF says about a photo. Every field is optional evidence: phones may strip EXIF, and
/// a user can forge it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ExifFacts {
    /// When the photo was taken (`DateTimeOriginal`, else `DateTimeDigitized`), as written by
    /// the camera: a local wall-clock time. Most phones in China write no offset; their naive
    /// times are Beijing time (UTC+8), but this crate does not assume it: the caller decides.
    pub captured_at: Option<NaiveDateTime>,
    /// The UTC offset of `captured_at` (`OffsetTimeOriginal` / `OffsetTimeDigitized`), when the
    /// camera wrote one.
    pub offset: Option<FixedOffset>,
    /// Where the photo was taken, when the GPS fields are present and plausible.
    pub gps: Option<GpsPoint>,
    /// EXIF orientation, 1–8 (1 = upright; anything missing or out of range reads as 1).
    pub orientation: u16,
}

/// A WGS-84 position in decimal degrees (north and east positive). Phones write raw GNSS
/// fixes, i.e. WGS-84 — not the GCJ-02 that Chinese map SDKs display.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpsPoint {
    /// Latitude, −90…90.
    pub lat: f64,
    /// Longitude, −180…180.
    pub lon: f64,
}

/// Reads the EXIF facts of a JPEG, PNG or WebP file. Missing, unreadable or implausible
/// values are left out (orientation defaults to 1); this never fails.
pub fn exif_of(bytes: &[u8]) -> ExifFacts {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    let parsed = reader
        .read_from_container(&mut Cursor::new(bytes))
        .or_else(|e| e.distill_partial_result(|_ignored| {}));
    match parsed {
        Ok(exif) => facts(&exif),
        Err(_) => ExifFacts {
            orientation: 1,
            ..ExifFacts::default()
        },
    }
}

fn facts(exif: &Exif) -> ExifFacts {
    let (captured_at, offset) = capture_time(exif, Tag::DateTimeOriginal, Tag::OffsetTimeOriginal)
        .or_else(|| capture_time(exif, Tag::DateTimeDigitized, Tag::OffsetTimeDigitized))
        .map_or((None, None), |(at, offset)| (Some(at), offset));
    ExifFacts {
        captured_at,
        offset,
        gps: gps(exif),
        orientation: orientation(exif),
    }
}

fn field(exif: &Exif, tag: Tag) -> Option<&Value> {
    exif.get_field(tag, In::PRIMARY).map(|f| &f.value)
}

fn ascii(value: &Value) -> Option<&[u8]> {
    match value {
        Value::Ascii(parts) => parts.first().map(Vec::as_slice),
        _ => None,
    }
}

fn capture_time(
    exif: &Exif,
    time_tag: Tag,
    offset_tag: Tag,
) -> Option<(NaiveDateTime, Option<FixedOffset>)> {
    let mut dt = exif::DateTime::from_ascii(ascii(field(exif, time_tag)?)?).ok()?;
    let date = NaiveDate::from_ymd_opt(dt.year.into(), dt.month.into(), dt.day.into())?;
    let at = date.and_hms_opt(dt.hour.into(), dt.minute.into(), dt.second.into())?;
    let offset = field(exif, offset_tag)
        .and_then(ascii)
        .and_then(|raw| dt.parse_offset(raw).ok().and(dt.offset))
        .and_then(|minutes| FixedOffset::east_opt(i32::from(minutes) * 60));
    Some((at, offset))
}

fn orientation(exif: &Exif) -> u16 {
    field(exif, Tag::Orientation)
        .and_then(|v| v.get_uint(0))
        .and_then(|o| u16::try_from(o).ok())
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1)
}

fn gps(exif: &Exif) -> Option<GpsPoint> {
    let lat = degrees(field(exif, Tag::GPSLatitude)?)?;
    let lon = degrees(field(exif, Tag::GPSLongitude)?)?;
    let lat = match ascii(field(exif, Tag::GPSLatitudeRef)?)?.first()? {
        b'N' | b'n' => lat,
        b'S' | b's' => -lat,
        _ => return None,
    };
    let lon = match ascii(field(exif, Tag::GPSLongitudeRef)?)?.first()? {
        b'E' | b'e' => lon,
        b'W' | b'w' => -lon,
        _ => return None,
    };
    let plausible = lat.abs() <= 90.0 && lon.abs() <= 180.0;
    // 0,0 is what a phone writes when it has no fix: treat it as no position.
    let null_island = lat.abs() < 1e-6 && lon.abs() < 1e-6;
    (plausible && !null_island).then_some(GpsPoint { lat, lon })
}

/// Degrees, minutes, seconds as three unsigned rationals → decimal degrees.
fn degrees(value: &Value) -> Option<f64> {
    let Value::Rational(parts) = value else {
        return None;
    };
    let [d, m, s] = parts.get(..3)? else {
        return None;
    };
    if [d, m, s].iter().any(|r| r.denom == 0) {
        return None;
    }
    let (d, m, s) = (d.to_f64(), m.to_f64(), s.to_f64());
    if m >= 60.0 || s >= 60.0 {
        return None;
    }
    let deg = d + m / 60.0 + s / 3600.0;
    deg.is_finite().then_some(deg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_exif_is_upright_and_empty() {
        let facts = exif_of(b"not an image at all");
        assert_eq!(facts.orientation, 1);
        assert_eq!(facts.captured_at, None);
        assert_eq!(facts.gps, None);
    }

    #[test]
    fn degrees_reject_malformed() {
        let r = |num, denom| exif::Rational { num, denom };
        let ok = Value::Rational(vec![r(28, 1), r(12, 1), r(3600, 100)]);
        let got = degrees(&ok).unwrap();
        assert!((got - (28.0 + 12.0 / 60.0 + 36.0 / 3600.0)).abs() < 1e-9);
        assert_eq!(
            degrees(&Value::Rational(vec![r(28, 0), r(0, 1), r(0, 1)])),
            None
        );
        assert_eq!(
            degrees(&Value::Rational(vec![r(28, 1), r(61, 1), r(0, 1)])),
            None
        );
        assert_eq!(degrees(&Value::Rational(vec![r(28, 1)])), None);
        assert_eq!(degrees(&Value::Short(vec![28, 12, 36])), None);
    }
}
