//! The full-size phone photo the H5 journeys upload: 12 megapixels, about 3 MB, made fast
//! enough for a debug build.

use std::time::{Duration, Instant};

use cunxiang_photo::fixtures::decode_jpeg;
use cunxiang_tests::big_photo::twelve_megapixel_jpeg;

#[test]
fn a_twelve_megapixel_photo_is_4000_by_3000_and_about_3_mb() {
    let started = Instant::now();
    let bytes = twelve_megapixel_jpeg(1);
    let took = started.elapsed();
    let (width, height, _) = decode_jpeg(&bytes);
    assert_eq!((width, height), (4000, 3000));
    assert!(
        (2_000_000..=5_000_000).contains(&bytes.len()),
        "{} bytes",
        bytes.len()
    );
    assert_ne!(
        twelve_megapixel_jpeg(2),
        bytes,
        "the seed changes the picture"
    );
    assert!(took < Duration::from_secs(10), "made in {took:?}");
    eprintln!("12 MP photo: {} bytes in {took:?}", bytes.len());
}
