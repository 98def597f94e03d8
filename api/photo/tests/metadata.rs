//! EXIF in, no metadata out: capture time, GPS and orientation are read; the outputs carry no
//! EXIF, XMP or ICC segment; orientation is applied.

mod support;

use chrono::{FixedOffset, NaiveDate};
use cunxiang_photo::{ExifFacts, GpsPoint, Limits, exif_of, process};
use support::*;

/// 余江, 28°12'36" N 116°49'12.6" E.
const YUJIANG: Gps = (
    "N",
    [(28, 1), (12, 1), (36, 1)],
    "E",
    [(116, 1), (49, 1), (126, 10)],
);

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn capture_time_and_gps_are_read() {
    let spec = ExifSpec {
        taken: Some("2026:11:03 14:25:07"),
        offset: Some("+08:00"),
        gps: Some(YUJIANG),
        ..ExifSpec::default()
    };
    let (w, h) = (640, 480);
    let input = jpeg(&photo(w, h, 0), w, h, &[app1(exif_tiff(&spec))]);
    let out = process(&input, &Limits::default()).unwrap();
    let expected_time = NaiveDate::from_ymd_opt(2026, 11, 3)
        .unwrap()
        .and_hms_opt(14, 25, 7)
        .unwrap();
    assert_eq!(out.exif.captured_at, Some(expected_time));
    assert_eq!(out.exif.offset, FixedOffset::east_opt(8 * 3600));
    let GpsPoint { lat, lon } = out.exif.gps.unwrap();
    assert!(close(lat, 28.0 + 12.0 / 60.0 + 36.0 / 3600.0), "{lat}");
    assert!(close(lon, 116.0 + 49.0 / 60.0 + 12.6 / 3600.0), "{lon}");
    assert_eq!(out.exif.orientation, 1);
}

#[test]
fn south_and_west_are_negative_and_naive_times_have_no_offset() {
    let spec = ExifSpec {
        taken: Some("2025:01:31 08:00:00"),
        gps: Some((
            "S",
            [(33, 1), (52, 1), (0, 1)],
            "W",
            [(70, 1), (30, 1), (0, 1)],
        )),
        ..ExifSpec::default()
    };
    let facts = exif_of(&jpeg(&photo(64, 64, 0), 64, 64, &[app1(exif_tiff(&spec))]));
    let gps = facts.gps.unwrap();
    assert!(close(gps.lat, -(33.0 + 52.0 / 60.0)), "{gps:?}");
    assert!(close(gps.lon, -70.5), "{gps:?}");
    assert_eq!(facts.offset, None);
    assert!(facts.captured_at.is_some());
}

#[test]
fn zero_or_malformed_gps_and_dates_are_ignored() {
    let zero = ExifSpec {
        gps: Some(("N", [(0, 1), (0, 1), (0, 1)], "E", [(0, 1), (0, 1), (0, 1)])),
        taken: Some("0000:00:00 00:00:00"),
        ..ExifSpec::default()
    };
    let bad_ref = ExifSpec {
        gps: Some((
            "X",
            [(28, 1), (0, 1), (0, 1)],
            "E",
            [(116, 1), (0, 1), (0, 1)],
        )),
        taken: Some("2026:13:45 99:00:00"),
        ..ExifSpec::default()
    };
    let zero_denominator = ExifSpec {
        gps: Some((
            "N",
            [(28, 0), (0, 1), (0, 1)],
            "E",
            [(116, 1), (0, 1), (0, 1)],
        )),
        ..ExifSpec::default()
    };
    for spec in [zero, bad_ref, zero_denominator] {
        let facts = exif_of(&jpeg(&photo(64, 64, 0), 64, 64, &[app1(exif_tiff(&spec))]));
        assert_eq!(facts.gps, None);
        assert_eq!(facts.captured_at, None);
    }
    // No EXIF at all.
    let plain = exif_of(&jpeg(&photo(64, 64, 0), 64, 64, &[]));
    assert_eq!(
        plain,
        ExifFacts {
            orientation: 1,
            ..ExifFacts::default()
        }
    );
}

#[test]
fn outputs_carry_no_metadata() {
    let spec = ExifSpec {
        taken: Some("2026:11:03 14:25:07"),
        gps: Some(YUJIANG),
        orientation: Some(1),
        ..ExifSpec::default()
    };
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>28,12.6N</exif:GPSLatitude></x:xmpmeta>".to_vec();
    let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
    icc.extend([0u8; 128]);
    let (w, h) = (2000, 1500);
    let input = jpeg(
        &photo(w, h, 1),
        w,
        h,
        &[app1(exif_tiff(&spec)), (1, xmp), (2, icc)],
    );
    // The input does carry them…
    assert_eq!(app_markers(&input), [0xE0, 0xE1, 0xE1, 0xE2]);
    assert!(contains(&input, b"Exif\0\0"));
    assert!(contains(&input, b"ns.adobe.com/xap"));
    assert!(exif_of(&input).gps.is_some());

    let out = process(&input, &Limits::default()).unwrap();
    assert!(out.exif.gps.is_some());
    // …the outputs carry none: no APP1 (EXIF/XMP), no APP2 (ICC), only the JFIF APP0.
    for output in [&out.display.bytes, &out.thumb.bytes] {
        assert_eq!(app_markers(output), [0xE0]);
        assert!(!contains(output, &[0xFF, 0xE1]));
        assert!(!contains(output, b"Exif"));
        assert!(!contains(output, b"ns.adobe.com"));
        assert!(!contains(output, b"ICC_PROFILE"));
        assert_eq!(exif_of(output).gps, None);
        assert_eq!(exif_of(output).captured_at, None);
    }
}

/// Stored 400×200 with the left half red and the right half blue, EXIF orientation 6 (turn 90°
/// clockwise to view): upright it is 200×400, red on top.
#[test]
fn orientation_6_gives_upright_outputs() {
    let (w, h) = (400u32, 200u32);
    let rgb: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            if i % w < w / 2 {
                [220, 20, 20]
            } else {
                [20, 20, 220]
            }
        })
        .collect();
    let spec = ExifSpec {
        orientation: Some(6),
        ..ExifSpec::default()
    };
    let out = process(
        &jpeg(&rgb, w, h, &[app1(exif_tiff(&spec))]),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(out.exif.orientation, 6);
    assert_eq!((out.width, out.height), (200, 400));
    assert_eq!((out.display.width, out.display.height), (200, 400));
    assert_eq!((out.thumb.width, out.thumb.height), (160, 320));
    for encoded in [&out.display, &out.thumb] {
        let (dw, dh, pixels) = decode_jpeg(&encoded.bytes);
        assert_eq!((dw, dh), (encoded.width, encoded.height));
        let at = |x: u32, y: u32| {
            let i = ((y * dw + x) * 3) as usize;
            (pixels[i], pixels[i + 2])
        };
        let (top_r, top_b) = at(dw / 2, dh / 8);
        let (bottom_r, bottom_b) = at(dw / 2, dh * 7 / 8);
        assert!(top_r > 150 && top_b < 100, "top {top_r},{top_b}");
        assert!(
            bottom_b > 150 && bottom_r < 100,
            "bottom {bottom_r},{bottom_b}"
        );
    }
}

#[test]
fn png_and_webp_exif_are_read_and_applied() {
    let (w, h) = (300, 100);
    let spec = ExifSpec {
        orientation: Some(8),
        taken: Some("2026:06:01 09:30:00"),
        gps: Some(YUJIANG),
        ..ExifSpec::default()
    };
    let rgb = photo(w, h, 2);
    for input in [
        png(&rgb, w, h, false, Some(exif_tiff(&spec))),
        webp(&rgb, w, h, Some(exif_tiff(&spec))),
    ] {
        let out = process(&input, &Limits::default()).unwrap();
        assert_eq!(out.exif.orientation, 8);
        assert!(out.exif.gps.is_some());
        assert!(out.exif.captured_at.is_some());
        assert_eq!((out.width, out.height), (100, 300));
        assert_eq!((out.display.width, out.display.height), (100, 300));
        assert_eq!(app_markers(&out.display.bytes), [0xE0]);
    }
}

/// The hash is taken on the upright thumbnail: a photo stored sideways with orientation 6
/// hashes like the same scene stored upright, and unlike the sideways pixels read as they are.
#[test]
fn the_perceptual_hash_sees_the_upright_picture() {
    let (w, h) = (600u32, 400u32);
    let stored = scene(w, h, 7);
    // Turned 90° clockwise, as a viewer shows orientation 6: upright is h wide, w tall.
    let upright: Vec<u8> = (0..w)
        .flat_map(|y| (0..h).map(move |x| (y, x)))
        .flat_map(|(y, x)| {
            let i = (((h - 1 - x) * w + y) * 3) as usize;
            [stored[i], stored[i + 1], stored[i + 2]]
        })
        .collect();
    let six = ExifSpec {
        orientation: Some(6),
        ..ExifSpec::default()
    };
    let limits = Limits::default();
    let tagged = process(&jpeg(&stored, w, h, &[app1(exif_tiff(&six))]), &limits).unwrap();
    let turned = process(&jpeg(&upright, h, w, &[]), &limits).unwrap();
    let sideways = process(&jpeg(&stored, w, h, &[]), &limits).unwrap();
    assert_eq!((tagged.width, tagged.height), (turned.width, turned.height));
    let same = cunxiang_photo::phash_distance(tagged.phash, turned.phash);
    let other = cunxiang_photo::phash_distance(tagged.phash, sideways.phash);
    assert!(same <= 4, "upright copies differ by {same} bits");
    assert!(other >= 16, "sideways pixels differ by only {other} bits");
}
