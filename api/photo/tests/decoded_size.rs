//! Photos are bounded by what they decode into (pixels × channels × bytes per sample), not
//! only by their pixel count: a 16-bit RGBA PNG is eight bytes a pixel however small its file.

mod support;

use cunxiang_photo::fixtures::png_rgba16;
use cunxiang_photo::{Limits, PhotoError, plan, process};

/// 1000×800 16-bit RGBA: 0.8 MP (far within the pixel limit) but 6.4 MB decoded.
#[test]
fn a_16_bit_png_over_the_byte_bound_is_refused_from_its_header() {
    let png = png_rgba16(1000, 800);
    let tight = Limits {
        max_decoded_bytes: 5_000_000,
        ..Limits::default()
    };
    let refused = PhotoError::TooLarge {
        width: 1000,
        height: 800,
        bytes_per_pixel: 8,
        max: 5_000_000,
    };
    assert_eq!(process(&png, &tight).unwrap_err(), refused);
    assert_eq!(plan(&png, &tight).unwrap_err(), refused);
    assert!(refused.to_string().contains("1000×800"), "{refused}");

    // Within the bound the same file decodes (16-bit, alpha flattened onto white).
    let roomy = Limits {
        max_decoded_bytes: 6_400_000,
        ..Limits::default()
    };
    let planned = plan(&png, &roomy).unwrap();
    assert_eq!(planned.decoded_bytes, 6_400_000);
    assert!(planned.peak_bytes >= planned.decoded_bytes);
    let out = process(&png, &roomy).unwrap();
    assert_eq!((out.width, out.height), (1000, 800));
}

/// The file of issue 16: 7071×7071 16-bit RGBA (49,999,041 pixels, under the 50 MP limit) in a
/// few hundred KB, 400 MB decoded. Refused by the default limits before anything is decoded.
#[test]
fn the_7071_square_16_bit_png_is_refused_by_default() {
    let png = png_rgba16(7071, 7071);
    assert!(png.len() < 2_000_000, "{} bytes", png.len());
    let err = process(&png, &Limits::default()).unwrap_err();
    assert_eq!(
        err,
        PhotoError::TooLarge {
            width: 7071,
            height: 7071,
            bytes_per_pixel: 8,
            max: Limits::default().max_decoded_bytes,
        }
    );
}

/// The bound is inclusive and exact: a photo that decodes into exactly the bound passes (the
/// decoders' own allocation cap, derived from the same bound, leaves it room), one byte less
/// refuses it.
#[test]
fn an_8_bit_png_at_the_bound_still_decodes() {
    let rgb = support::photo(800, 600, 2);
    let png = support::png(&rgb, 800, 600, false, None);
    let exact = Limits {
        max_decoded_bytes: 800 * 600 * 3,
        ..Limits::default()
    };
    assert_eq!(plan(&png, &exact).unwrap().decoded_bytes, 800 * 600 * 3);
    assert!(process(&png, &exact).is_ok());
    let under = Limits {
        max_decoded_bytes: 800 * 600 * 3 - 1,
        ..Limits::default()
    };
    assert!(matches!(
        process(&png, &under).unwrap_err(),
        PhotoError::TooLarge { .. }
    ));
}
