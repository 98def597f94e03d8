//! Cunxiang's photo pipeline (DESIGN.md §6): one upload in, a display image, a thumbnail and
//! the facts worth keeping out. Pure and synchronous (no I/O); the API calls [`process`] on
//! the blocking pool, and should bound how many run at once: a 12 MP JPEG decodes into ≈ 9 MB
//! (½-scale), a 12 MP PNG into 36–48 MB, and `max_pixels` allows four times that.
//!
//! The steps, in order: the type from magic bytes ([`sniff`]); the pixel count from the header
//! alone, so a decompression bomb is refused before any buffer is allocated; EXIF
//! ([`exif_of`]: capture time, GPS, orientation); decode (JPEG with DCT scaling down to just
//! above the display size); resize to the display size, then the thumbnail from the display
//! image; turn both upright (after resizing: rotating 1600 px is far cheaper than 12 MP);
//! re-encode both as JPEG with no metadata segments — which is the metadata strip; and a
//! perceptual hash of the thumbnail.

mod decode;
mod error;
#[cfg(feature = "fixtures")]
pub mod fixtures;
mod format;
mod metadata;
mod phash;
mod plan;
mod raster;

use fast_image_resize::Resizer;

pub use error::PhotoError;
pub use format::{PhotoFormat, sniff};
pub use metadata::{ExifFacts, GpsPoint, exif_of};
pub use phash::phash_distance;
pub use plan::Plan;

use decode::{Layout, Opened};

/// Why HEIC is refused, and what the villager can do about it.
pub const HEIC_MESSAGE: &str = "HEIC photos cannot be decoded here; send JPEG \
     (iPhone: Settings → Camera → Formats → Most Compatible)";

/// What [`process`] accepts and produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most pixels (width × height, as declared in the header) a photo may have. Larger ones
    /// are refused before decoding. Default 50,000,000 (a 48 MP phone photo passes).
    pub max_pixels: u64,
    /// Most bytes a photo may decode into at full size: width × height × channels × bytes per
    /// sample, as declared in the header (a 16-bit RGBA pixel is 8 bytes). Larger ones are
    /// refused before decoding; the decoders' own allocations are capped at this too. Default
    /// 200,000,000: every 8-bit image within the default `max_pixels` passes, a 16-bit RGBA
    /// one up to 25 MP.
    pub max_decoded_bytes: u64,
    /// Long side of the display image, in pixels; smaller photos are not enlarged. Default 1600.
    pub display_max_side: u32,
    /// Long side of the thumbnail, in pixels. Default 320.
    pub thumb_max_side: u32,
    /// JPEG quality of both outputs, 1–100. Default 80.
    pub jpeg_quality: u8,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pixels: 50_000_000,
            max_decoded_bytes: 200_000_000,
            display_max_side: 1600,
            thumb_max_side: 320,
            jpeg_quality: 80,
        }
    }
}

/// One re-encoded JPEG: no EXIF, XMP, ICC or any other metadata segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The JPEG file.
    pub bytes: Vec<u8>,
    /// Width in pixels (upright).
    pub width: u32,
    /// Height in pixels (upright).
    pub height: u32,
}

/// The result of [`process`].
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// The uploaded type (from magic bytes).
    pub format: PhotoFormat,
    /// Width of the original, upright (after EXIF orientation).
    pub width: u32,
    /// Height of the original, upright.
    pub height: u32,
    /// The display image: long side ≤ [`Limits::display_max_side`], upright.
    pub display: Encoded,
    /// The thumbnail: long side ≤ [`Limits::thumb_max_side`], upright.
    pub thumb: Encoded,
    /// What the original's EXIF said (nothing of it is in `display` or `thumb`).
    pub exif: ExifFacts,
    /// 64-bit perceptual hash of the upright thumbnail; compare with [`phash_distance`].
    pub phash: u64,
}

/// What decoding `bytes` will cost, read from the header alone, after the checks that need no
/// decoding: the type, the pixel limit and the decoded-size limit. The API calls it to charge
/// [`Plan::peak_bytes`] against its memory budget before [`process`], which checks the same.
///
/// # Errors
/// As [`process`] before it decodes: [`PhotoError::Unsupported`], [`PhotoError::TooManyPixels`],
/// [`PhotoError::TooLarge`], [`PhotoError::Corrupt`] for a header that does not parse.
pub fn plan(bytes: &[u8], limits: &Limits) -> Result<Plan, PhotoError> {
    open_checked(bytes, limits).map(|checked| checked.plan)
}

/// A photo whose header passed every check, ready to decode.
struct Checked<'a> {
    format: PhotoFormat,
    opened: Opened<'a>,
    display_size: (u32, u32),
    plan: Plan,
}

/// Sniffs, reads the header and applies the limits: the one place where a photo is judged
/// before decoding.
fn open_checked<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Checked<'a>, PhotoError> {
    let format = match sniff(bytes) {
        Some(PhotoFormat::Heic) => return Err(PhotoError::Unsupported(HEIC_MESSAGE.into())),
        Some(format) => format,
        None => {
            return Err(PhotoError::Unsupported(
                "not a JPEG, PNG or WebP image; send a photo".into(),
            ));
        }
    };

    let (mut opened, header) = Opened::open(format, bytes)?;
    let (width, height) = (header.width, header.height);
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(PhotoError::TooManyPixels {
            width,
            height,
            max: limits.max_pixels,
        });
    }
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt("the image has no pixels".into()));
    }
    let decoded_bytes = u64::from(width) * u64::from(height) * u64::from(header.bytes_per_pixel);
    if decoded_bytes > limits.max_decoded_bytes {
        return Err(PhotoError::TooLarge {
            width,
            height,
            bytes_per_pixel: header.bytes_per_pixel,
            max: limits.max_decoded_bytes,
        });
    }
    let display_size = raster::fit(width, height, limits.display_max_side);
    let scaled = opened.scale(display_size, (width, height))?;
    let decoded = match header.layout {
        Layout::Jpeg { lossless: true, .. } => (width, height),
        _ => scaled,
    };
    let input = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    let plan = Plan {
        width,
        height,
        decoded_bytes,
        peak_bytes: plan::peak_bytes(input, &header, decoded, display_size),
    };
    Ok(Checked {
        format,
        opened,
        display_size,
        plan,
    })
}

/// Runs the whole pipeline on an uploaded file. A 12 MP JPEG costs ≈ 115 ms of one core in a
/// release build (`photo-bench`), ≈ 150 ms in a dev build (this crate is optimised in dev too).
///
/// # Errors
/// [`PhotoError::Unsupported`] for unknown types and HEIC, [`PhotoError::TooManyPixels`] and
/// [`PhotoError::TooLarge`] before any decoding, [`PhotoError::Corrupt`] when the bytes do not
/// decode.
pub fn process(bytes: &[u8], limits: &Limits) -> Result<Processed, PhotoError> {
    let Checked {
        format,
        opened,
        display_size,
        plan,
    } = open_checked(bytes, limits)?;
    let (width, height) = (plan.width, plan.height);

    let exif = exif_of(bytes);
    let decoded = opened.decode(limits.max_decoded_bytes)?;

    let mut resizer = Resizer::new();
    let display = raster::resize_to(&mut resizer, decoded, display_size)?;
    let thumb_size = raster::fit(display.width, display.height, limits.thumb_max_side);
    let thumb = if thumb_size == display_size {
        display.clone()
    } else {
        raster::resized(&mut resizer, &display, thumb_size)?
    };

    let display = raster::orient(display, exif.orientation)?;
    let thumb = raster::orient(thumb, exif.orientation)?;
    let phash = phash::dhash(&mut resizer, &thumb)?;

    let (width, height) = if exif.orientation >= 5 {
        (height, width)
    } else {
        (width, height)
    };
    Ok(Processed {
        format,
        width,
        height,
        display: raster::encode_jpeg(&display, limits.jpeg_quality)?,
        thumb: raster::encode_jpeg(&thumb, limits.jpeg_quality)?,
        exif,
        phash,
    })
}
