//! The pipeline end to end: each input type, output sizes, refusals, perceptual hashes.

mod support;

use cunxiang_photo::{Limits, PhotoError, PhotoFormat, phash_distance, process};
use support::*;

fn limits() -> Limits {
    Limits::default()
}

#[test]
fn a_large_jpeg_gives_display_and_thumbnail() {
    let (w, h) = (2400, 1800);
    let input = jpeg(&photo(w, h, 0), w, h, &[]);
    let out = process(&input, &limits()).unwrap();
    assert_eq!(out.format, PhotoFormat::Jpeg);
    assert_eq!((out.width, out.height), (2400, 1800));
    assert_eq!((out.display.width, out.display.height), (1600, 1200));
    assert_eq!((out.thumb.width, out.thumb.height), (320, 240));
    // The outputs are real JPEGs of the stated sizes.
    let (dw, dh, _) = decode_jpeg(&out.display.bytes);
    assert_eq!((dw, dh), (1600, 1200));
    let (tw, th, _) = decode_jpeg(&out.thumb.bytes);
    assert_eq!((tw, th), (320, 240));
    assert!(out.display.bytes.len() < input.len());
    assert_eq!(out.exif.orientation, 1);
}

#[test]
fn a_png_with_alpha_is_flattened_onto_white() {
    let (w, h) = (500, 400);
    // Left half opaque photo, right half fully transparent black.
    let rgb = photo(w, h, 1);
    let rgba: Vec<u8> = rgb
        .chunks(3)
        .enumerate()
        .flat_map(|(i, p)| {
            if (i as u32 % w) < w / 2 {
                [p[0], p[1], p[2], 255]
            } else {
                [0, 0, 0, 0]
            }
        })
        .collect();
    let out = process(&png(&rgba, w, h, true, None), &limits()).unwrap();
    assert_eq!(out.format, PhotoFormat::Png);
    assert_eq!((out.display.width, out.display.height), (500, 400));
    assert_eq!((out.thumb.width, out.thumb.height), (320, 256));
    let (dw, _, pixels) = decode_jpeg(&out.display.bytes);
    let at = |x: u32, y: u32| {
        let i = ((y * dw + x) * 3) as usize;
        [pixels[i], pixels[i + 1], pixels[i + 2]]
    };
    assert!(at(450, 200).iter().all(|&c| c >= 250), "{:?}", at(450, 200));
}

#[test]
fn an_rgb_png_and_a_webp_process() {
    let (w, h) = (1000, 3000);
    let rgb = photo(w, h, 2);
    let out = process(&png(&rgb, w, h, false, None), &limits()).unwrap();
    assert_eq!(out.format, PhotoFormat::Png);
    assert_eq!((out.display.width, out.display.height), (533, 1600));
    assert_eq!((out.thumb.width, out.thumb.height), (107, 320));

    let out = process(&webp(&rgb, w, h, None), &limits()).unwrap();
    assert_eq!(out.format, PhotoFormat::Webp);
    assert_eq!((out.width, out.height), (1000, 3000));
    assert_eq!((out.display.width, out.display.height), (533, 1600));
    let (dw, dh, _) = decode_jpeg(&out.display.bytes);
    assert_eq!((dw, dh), (533, 1600));
}

#[test]
fn small_photos_are_never_upscaled() {
    let (w, h) = (640, 480);
    let out = process(&jpeg(&photo(w, h, 3), w, h, &[]), &limits()).unwrap();
    assert_eq!((out.display.width, out.display.height), (640, 480));
    assert_eq!((out.thumb.width, out.thumb.height), (320, 240));

    let (w, h) = (200, 150);
    let out = process(&jpeg(&photo(w, h, 3), w, h, &[]), &limits()).unwrap();
    assert_eq!((out.display.width, out.display.height), (200, 150));
    assert_eq!((out.thumb.width, out.thumb.height), (200, 150));
}

#[test]
fn limits_are_honoured() {
    let (w, h) = (1200, 900);
    let input = jpeg(&photo(w, h, 4), w, h, &[]);
    let custom = Limits {
        max_pixels: 2_000_000,
        max_decoded_bytes: 6_000_000,
        display_max_side: 800,
        thumb_max_side: 100,
        jpeg_quality: 50,
    };
    let out = process(&input, &custom).unwrap();
    assert_eq!((out.display.width, out.display.height), (800, 600));
    assert_eq!((out.thumb.width, out.thumb.height), (100, 75));
    let tight = Limits {
        max_pixels: 1_000_000,
        ..Limits::default()
    };
    assert_eq!(
        process(&input, &tight).unwrap_err(),
        PhotoError::TooManyPixels {
            width: 1200,
            height: 900,
            max: 1_000_000
        }
    );
}

/// 60000×60000 declared in a few KB: refused from the header, before any 3.6 GB buffer exists
/// (the test would abort or crawl otherwise).
#[test]
fn decompression_bombs_are_refused_before_decoding() {
    let bomb = png_bomb(60_000, 60_000);
    assert!(bomb.len() < 8 * 1024);
    let err = process(&bomb, &limits()).unwrap_err();
    assert_eq!(
        err,
        PhotoError::TooManyPixels {
            width: 60_000,
            height: 60_000,
            max: 50_000_000
        }
    );

    let err = process(&jpeg_bomb(65_000, 65_000), &limits()).unwrap_err();
    assert!(matches!(
        err,
        PhotoError::TooManyPixels {
            width: 65_000,
            height: 65_000,
            ..
        }
    ));
}

#[test]
fn garbage_is_unsupported() {
    for bytes in [
        &b""[..],
        b"hello, this is not a photo",
        b"GIF89a\x01\x00\x01\x00",
        b"%PDF-1.7\n",
    ] {
        let err = process(bytes, &limits()).unwrap_err();
        assert!(matches!(err, PhotoError::Unsupported(_)), "{err:?}");
    }
}

#[test]
fn heic_is_refused_with_advice() {
    let mut heic = vec![0, 0, 0, 24];
    heic.extend(b"ftypheic\0\0\0\0mif1heic");
    heic.extend([0u8; 200]);
    let err = process(&heic, &limits()).unwrap_err();
    assert!(matches!(err, PhotoError::Unsupported(_)), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("HEIC photos cannot be decoded here"),
        "{message}"
    );
    assert!(message.contains("Most Compatible"), "{message}");
}

#[test]
fn damaged_files_are_corrupt() {
    let (w, h) = (800, 600);
    let whole = jpeg(&photo(w, h, 5), w, h, &[]);
    let err = process(&whole[..whole.len() / 2], &limits()).unwrap_err();
    assert!(matches!(err, PhotoError::Corrupt(_)), "{err:?}");

    // Cut inside the header.
    let err = process(&whole[..40], &limits()).unwrap_err();
    assert!(matches!(err, PhotoError::Corrupt(_)), "{err:?}");

    let png = png(&photo(w, h, 5), w, h, false, None);
    let err = process(&png[..png.len() / 2], &limits()).unwrap_err();
    assert!(matches!(err, PhotoError::Corrupt(_)), "{err:?}");
}

#[test]
fn perceptual_hash_sees_copies_as_near_and_other_photos_as_far() {
    let (w, h) = (1600, 1200);
    let original = process(&jpeg(&scene(w, h, 6), w, h, &[]), &limits()).unwrap();
    // A copy as a messaging app would make it: the display image, shrunk and re-encoded at q50.
    let copy_limits = Limits {
        display_max_side: 700,
        jpeg_quality: 50,
        ..Limits::default()
    };
    let copy = process(&original.display.bytes, &copy_limits).unwrap();
    let near = phash_distance(original.phash, copy.phash);
    assert!(near <= 6, "copy distance {near}");

    let others: Vec<u64> = [7, 8, 9]
        .into_iter()
        .map(|v| {
            process(&jpeg(&scene(w, h, v), w, h, &[]), &limits())
                .unwrap()
                .phash
        })
        .collect();
    for other in others {
        let far = phash_distance(original.phash, other);
        assert!(far >= 16, "different photo distance {far}");
    }
}
