//! A full-size phone photo: 12 megapixels, about 3 MB, as a villager's camera hands the H5
//! page one (the small [`crate::intake::dukou_photo`] is enough everywhere else). Made in code
//! by `cunxiang_photo::fixtures`, which the dev profile optimises (opt-level 2), so it takes
//! about a second in a debug test build.

use cunxiang_photo::fixtures::{ExifSpec, app1, exif_tiff, jpeg};

use crate::intake::{DUKOU, dms};

/// Width of [`twelve_megapixel_jpeg`].
pub const WIDTH: u32 = 4000;
/// Height of [`twelve_megapixel_jpeg`].
pub const HEIGHT: u32 = 3000;

/// A 4000×3000 JPEG (quality 90, about 3 MB) of photo-like pixels, taken at 渡口村 at 09:00
/// Beijing time and stored upright (no orientation tag); `seed` changes the picture. Its
/// detail is as coarse as a real photo's (see [`textured`]), so that made small on the phone
/// it weighs what a real one does (a few hundred KB at 1600 px), not what smooth noise would.
pub fn twelve_megapixel_jpeg(seed: u32) -> Vec<u8> {
    let spec = ExifSpec {
        orientation: None,
        taken: Some("2026:11:28 09:00:00"),
        offset: None,
        gps: Some(("N", dms(DUKOU.0), "E", dms(DUKOU.1))),
    };
    jpeg(
        &textured(WIDTH, HEIGHT, seed),
        WIDTH,
        HEIGHT,
        &[app1(exif_tiff(&spec))],
    )
}

/// Gradients with texture at the scale a 12 MP camera records grass, gravel and leaves: random
/// brightness in 6×6-pixel cells (which survives scaling down to 1600 px, as real detail does)
/// plus a little per-pixel sensor noise (which does not).
fn textured(width: u32, height: u32, seed: u32) -> Vec<u8> {
    const CELL: u32 = 6;
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(seed).wrapping_mul(0x2545_F491);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let cells_x = width.div_ceil(CELL) as usize;
    let cells: Vec<f32> = (0..cells_x * height.div_ceil(CELL) as usize)
        .map(|_| ((next() >> 40) & 0x1f) as f32 - 16.0)
        .collect();
    let phase = seed as f32 * 1.7;
    let mut out = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        let row = (y as f32 / height as f32 * 2.3 - phase).cos();
        for x in 0..width {
            let col = (x as f32 / width as f32 * 3.1 + phase).sin();
            let cell = cells[(y / CELL) as usize * cells_x + (x / CELL) as usize];
            let noise = ((next() >> 40) & 0x07) as f32 - 4.0;
            let r = 120.0 + 70.0 * col + 20.0 * row + cell + noise;
            let g = 125.0 + 60.0 * row - 20.0 * col + cell * 0.8 + noise;
            let b = 100.0 + 50.0 * col * row + cell * 0.6 + noise;
            out.extend([r, g, b].map(|v| v.clamp(0.0, 255.0) as u8));
        }
    }
    out
}
