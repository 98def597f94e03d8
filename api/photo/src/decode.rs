//! Reading a photo: its dimensions from the header alone (so a decompression bomb is refused
//! before any pixel buffer exists), then its pixels as 8-bit RGB with alpha flattened onto
//! white. JPEGs go through `jpeg-decoder` with DCT-scaled decoding (a 12 MP photo wanted at
//! 1600 px is decoded at ½ scale, 2000×1500, for a fraction of the work); PNG and WebP through
//! `image`.

use std::io::Cursor;

use image::{DynamicImage, ImageError, ImageFormat, ImageReader};
use jpeg_decoder::PixelFormat;

use crate::PhotoError;
use crate::format::PhotoFormat;
use crate::raster::Rgb;

/// A photo whose header has been read, ready to decode.
pub(crate) enum Opened<'a> {
    Jpeg(Box<jpeg_decoder::Decoder<&'a [u8]>>),
    Image(&'a [u8], ImageFormat),
}

impl<'a> Opened<'a> {
    /// Reads the header only and returns the stored (not yet EXIF-oriented) dimensions.
    pub(crate) fn open(
        format: PhotoFormat,
        bytes: &'a [u8],
    ) -> Result<(Opened<'a>, u32, u32), PhotoError> {
        match format {
            PhotoFormat::Jpeg => {
                let mut decoder = jpeg_decoder::Decoder::new(bytes);
                decoder.read_info().map_err(jpeg_error)?;
                let info = decoder
                    .info()
                    .ok_or_else(|| PhotoError::Corrupt("JPEG header without a frame".into()))?;
                let (width, height) = (u32::from(info.width), u32::from(info.height));
                Ok((Opened::Jpeg(Box::new(decoder)), width, height))
            }
            PhotoFormat::Png | PhotoFormat::Webp => {
                let format = match format {
                    PhotoFormat::Png => ImageFormat::Png,
                    _ => ImageFormat::WebP,
                };
                let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
                    .into_dimensions()
                    .map_err(image_error)?;
                Ok((Opened::Image(bytes, format), width, height))
            }
            PhotoFormat::Heic => Err(PhotoError::Unsupported(crate::HEIC_MESSAGE.into())),
        }
    }

    /// Decodes to RGB8. A JPEG may come out smaller than stored, but never smaller than `want`
    /// in both directions; other formats come out at full size. `max_pixels` bounds the
    /// decoder's own buffers as a second line of defence.
    pub(crate) fn decode(self, want: (u32, u32), max_pixels: u64) -> Result<Rgb, PhotoError> {
        match self {
            Opened::Jpeg(decoder) => decode_jpeg(*decoder, want, max_pixels),
            Opened::Image(bytes, format) => decode_image(bytes, format),
        }
    }
}

fn decode_jpeg(
    mut decoder: jpeg_decoder::Decoder<&[u8]>,
    want: (u32, u32),
    max_pixels: u64,
) -> Result<Rgb, PhotoError> {
    let clamp = |v: u32| u16::try_from(v.max(1)).unwrap_or(u16::MAX);
    decoder
        .scale(clamp(want.0), clamp(want.1))
        .map_err(jpeg_error)?;
    // Four bytes a pixel covers CMYK, the widest output.
    let budget = max_pixels.saturating_mul(4);
    decoder.set_max_decoding_buffer_size(usize::try_from(budget).unwrap_or(usize::MAX));
    let info = decoder
        .info()
        .ok_or_else(|| PhotoError::Corrupt("JPEG header without a frame".into()))?;
    if info.pixel_format == PixelFormat::L16 {
        return Err(PhotoError::Unsupported(
            "16-bit lossless JPEG is not supported; send an ordinary photo JPEG".into(),
        ));
    }
    let data = decoder.decode().map_err(jpeg_error)?;
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let pixels = width as usize * height as usize;
    let rgb = match info.pixel_format {
        PixelFormat::RGB24 => data,
        PixelFormat::L8 => data.iter().flat_map(|&l| [l, l, l]).collect(),
        // As image 0.24 did with jpeg-decoder's CMYK output.
        PixelFormat::CMYK32 => data
            .chunks_exact(4)
            .flat_map(|p| {
                let k = 255 - u16::from(p[3]);
                [p[0], p[1], p[2]].map(|c| ((255 - u16::from(c)) * k / 255) as u8)
            })
            .collect(),
        PixelFormat::L16 => Vec::new(),
    };
    if rgb.len() < pixels * 3 {
        return Err(PhotoError::Corrupt("JPEG decoded to too few pixels".into()));
    }
    Ok(Rgb {
        width,
        height,
        pixels: rgb,
    })
}

fn decode_image(bytes: &[u8], format: ImageFormat) -> Result<Rgb, PhotoError> {
    let image = ImageReader::with_format(Cursor::new(bytes), format)
        .decode()
        .map_err(image_error)?;
    let (width, height) = (image.width(), image.height());
    let pixels = if image.color().has_alpha() {
        flatten_on_white(image)
    } else {
        image.into_rgb8().into_raw()
    };
    Ok(Rgb {
        width,
        height,
        pixels,
    })
}

/// Composites over white: transparent areas of a screenshot or sticker become white, not black.
fn flatten_on_white(image: DynamicImage) -> Vec<u8> {
    let rgba = image.into_rgba8();
    rgba.as_raw()
        .chunks_exact(4)
        .flat_map(|p| {
            let a = u16::from(p[3]);
            [p[0], p[1], p[2]].map(|c| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8)
        })
        .collect()
}

fn jpeg_error(e: jpeg_decoder::Error) -> PhotoError {
    match e {
        jpeg_decoder::Error::Unsupported(feature) => PhotoError::Unsupported(format!(
            "this JPEG uses a feature that is not supported ({feature:?}); \
             send an ordinary photo JPEG"
        )),
        jpeg_decoder::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            PhotoError::Corrupt("the JPEG ends early (truncated upload?)".into())
        }
        other => PhotoError::Corrupt(format!("JPEG: {other}")),
    }
}

fn image_error(e: ImageError) -> PhotoError {
    match e {
        ImageError::Unsupported(u) => PhotoError::Unsupported(format!("{u}")),
        other => PhotoError::Corrupt(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattening_blends_onto_white() {
        let mut rgba = image::RgbaImage::new(3, 1);
        rgba.put_pixel(0, 0, image::Rgba([0, 0, 0, 0]));
        rgba.put_pixel(1, 0, image::Rgba([0, 0, 0, 255]));
        rgba.put_pixel(2, 0, image::Rgba([200, 100, 0, 128]));
        let flat = flatten_on_white(DynamicImage::ImageRgba8(rgba));
        assert_eq!(&flat[0..3], &[255, 255, 255]);
        assert_eq!(&flat[3..6], &[0, 0, 0]);
        assert_eq!(&flat[6..9], &[227, 177, 127]);
    }
}
