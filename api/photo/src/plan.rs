//! What decoding a photo will hold in memory, worked out from its header alone (before any
//! pixel buffer exists): the decoded size that [`crate::Limits::max_decoded_bytes`] bounds, and
//! an estimate of the pipeline's peak, which the API charges against its memory budget.

use image::ColorType;

use crate::decode::{Header, Layout};

/// What one photo's trip through [`crate::process`] costs in memory, from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Stored width (before EXIF orientation).
    pub width: u32,
    /// Stored height.
    pub height: u32,
    /// Pixels × channels × bytes per sample at full size: what the image is when decoded whole.
    pub decoded_bytes: u64,
    /// The most [`crate::process`] holds at once for this photo, input included: an upper
    /// estimate (see [`peak_bytes`]).
    pub peak_bytes: u64,
}

/// Room for everything but the big buffers: the encoders' output, resizer scratch, the
/// decoders' rows and tables.
const OVERHEAD: u64 = 2 << 20;

/// The pipeline's peak for a photo of `input` bytes with `header`, decoded to `decoded`
/// (a JPEG's DCT-scaled size, else the full size) and resized to `display`.
///
/// - JPEG: the decoder's per-component planes and its output (`decoded` × channels each), RGB
///   conversion of grey or CMYK (3 bytes a pixel); a progressive JPEG also keeps every DCT
///   coefficient of the full-size image (2 bytes a sample, counted as if no channel were
///   subsampled).
/// - PNG and WebP: the decoded image (`header.bytes_per_pixel` a pixel) plus, while it is
///   converted, an 8-bit RGBA (images with alpha, flattened onto white in place) or RGB copy,
///   unless it already is one.
/// - Then the resizer's intermediate (the display width × the decoded height, up to 4 bytes a
///   pixel) and the display raster (3 bytes a pixel), twice while it is turned upright.
pub(crate) fn peak_bytes(
    input: u64,
    header: &Header,
    decoded: (u32, u32),
    display: (u32, u32),
) -> u64 {
    let full = u64::from(header.width) * u64::from(header.height);
    let scaled = u64::from(decoded.0) * u64::from(decoded.1);
    let bpp = u64::from(header.bytes_per_pixel);
    let decoding = match header.layout {
        Layout::Jpeg { progressive, .. } => {
            let coefficients = if progressive {
                pad(header) * bpp * 2
            } else {
                0
            };
            let rgb = if bpp == 3 { 0 } else { scaled * 3 };
            coefficients + 2 * scaled * bpp + rgb
        }
        Layout::Image(color) => {
            let converted = match color {
                ColorType::Rgba8 | ColorType::Rgb8 => 0,
                c if c.has_alpha() => full * 4,
                _ => full * 3,
            };
            full * bpp + converted
        }
    };
    let scratch = u64::from(display.0) * u64::from(decoded.1) * 4;
    let display = u64::from(display.0) * u64::from(display.1) * 3;
    input + decoding + scratch + 2 * display + OVERHEAD
}

/// Pixels of the full-size image padded to whole 16×16 blocks (the largest MCU of an ordinary
/// JPEG), as the coefficient buffers hold them.
fn pad(header: &Header) -> u64 {
    let up = |v: u32| u64::from(v.div_ceil(16)) * 16;
    up(header.width) * up(header.height)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(width: u32, height: u32, color: ColorType) -> Header {
        Header {
            width,
            height,
            bytes_per_pixel: color.bytes_per_pixel(),
            layout: Layout::Image(color),
        }
    }

    #[test]
    fn sixteen_bit_rgba_costs_its_decode_and_an_8_bit_copy() {
        let h = image(1000, 1000, ColorType::Rgba16);
        let peak = peak_bytes(0, &h, (1000, 1000), (0, 0));
        assert_eq!(peak, 8_000_000 + 4_000_000 + OVERHEAD);
        let rgba8 = image(1000, 1000, ColorType::Rgba8);
        assert_eq!(
            peak_bytes(0, &rgba8, (1000, 1000), (0, 0)),
            4_000_000 + OVERHEAD
        );
    }

    #[test]
    fn a_scaled_jpeg_costs_its_scaled_size_unless_progressive() {
        let baseline = Header {
            width: 4000,
            height: 3000,
            bytes_per_pixel: 3,
            layout: Layout::Jpeg {
                progressive: false,
                lossless: false,
            },
        };
        let progressive = Header {
            layout: Layout::Jpeg {
                progressive: true,
                lossless: false,
            },
            ..baseline
        };
        let a = peak_bytes(0, &baseline, (2000, 1500), (1600, 1200));
        let resizing = 1600 * 1500 * 4 + 2 * 1600 * 1200 * 3;
        assert_eq!(a, 2 * 3_000_000 * 3 + resizing + OVERHEAD);
        let b = peak_bytes(0, &progressive, (2000, 1500), (1600, 1200));
        assert_eq!(b - a, 4000 * 3008 * 3 * 2);
    }
}
