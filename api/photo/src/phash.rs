//! A 64-bit perceptual hash (dHash) for near-duplicate detection: the same scene resized,
//! re-encoded or lightly edited stays within a few bits; different photos differ in about
//! half of them.
//!
//! Hand-written (the algorithm is a dozen lines) rather than `image_hasher`, which pulls
//! `rustfft`/`rustdct` for its DCT hashes and added ≈ 50 s of compile time on two cores for a
//! gradient hash that is this one.

use fast_image_resize::{PixelType, Resizer};

use crate::PhotoError;
use crate::raster::{self, Rgb};

/// How many of the 64 bits differ between two perceptual hashes (0 = same picture as far as
/// the hash can tell). Re-encoded or resized copies of one photo are typically ≤ 6 apart;
/// unrelated photos ≈ 32. A threshold around 10 flags likely duplicates.
pub fn phash_distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// dHash: shrink the (upright) picture to 9×8 grey pixels, then one bit a pixel pair for
/// "the left neighbour is brighter", row by row, most significant bit first.
pub(crate) fn dhash(resizer: &mut Resizer, image: &Rgb) -> Result<u64, PhotoError> {
    let grey: Vec<u8> = image
        .pixels
        .chunks_exact(3)
        .map(|p| {
            let [r, g, b] = [p[0], p[1], p[2]].map(u32::from);
            // BT.601 luma in fixed point.
            ((77 * r + 150 * g + 29 * b + 128) >> 8) as u8
        })
        .collect();
    let small = raster::resize_pixels(
        resizer,
        (image.width, image.height),
        &grey,
        (9, 8),
        PixelType::U8,
    )?;
    let mut hash = 0u64;
    for row in small.chunks_exact(9) {
        for pair in row.windows(2) {
            hash = (hash << 1) | u64::from(pair[0] > pair[1]);
        }
    }
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_differing_bits() {
        assert_eq!(phash_distance(0, 0), 0);
        assert_eq!(phash_distance(0, u64::MAX), 64);
        assert_eq!(phash_distance(0b1011, 0b0001), 2);
    }

    #[test]
    fn a_left_to_right_darkening_sets_every_bit() {
        let (width, height) = (90, 80);
        let pixels = (0..height)
            .flat_map(|_| (0..width).flat_map(|x| [255 - (x * 2) as u8; 3]))
            .collect();
        let image = Rgb {
            width,
            height,
            pixels,
        };
        assert_eq!(dhash(&mut Resizer::new(), &image).unwrap(), u64::MAX);
    }
}
