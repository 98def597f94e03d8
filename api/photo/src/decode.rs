//! Reading a photo: its dimensions from the header alone (so a decompression bomb is refused
//! before any pixel buffer exists), then its pixels as 8-bit RGB with alpha flattened onto
//! white. JPEGs go through `jpeg-decoder` with DCT-scaled decoding (a 12 MP photo wanted at
//! 1600 px is decoded at ½ scale, 2000×1500, for a fraction of the work); PNG and WebP through
//! `image`.

use std::io::Cursor;

use image::{ColorType, DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader};
use jpeg_decoder::{CodingProcess, PixelFormat};

use crate::PhotoError;
use crate::format::PhotoFormat;
use crate::raster::Rgb;

/// What `image`'s decoders may allocate beyond the decoded image itself (rows, tables,
/// inflate state).
const DECODER_ROOM: u64 = 16 << 20;

/// A photo whose header has been read, ready to decode.
pub(crate) enum Opened<'a> {
    Jpeg(Box<jpeg_decoder::Decoder<&'a [u8]>>),
    Image(&'a [u8], ImageFormat),
}

/// What a header says about the pixels behind it: enough to know what decoding will cost
/// before any pixel buffer exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// Stored (not yet EXIF-oriented) width.
    pub(crate) width: u32,
    /// Stored height.
    pub(crate) height: u32,
    /// Bytes of one decoded pixel at full size: channels × bytes per sample.
    pub(crate) bytes_per_pixel: u8,
    /// How the decoder hands the pixels over.
    pub(crate) layout: Layout,
}

/// The decoder's output, which decides the conversions that follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// A JPEG: decoded by `jpeg-decoder`, DCT-scaled unless lossless; progressive ones keep
    /// every coefficient of the full-size image until the last scan.
    Jpeg {
        /// Progressive coding.
        progressive: bool,
        /// Lossless coding (cannot be DCT-scaled).
        lossless: bool,
    },
    /// PNG or WebP, decoded by `image` into this colour type at full size.
    Image(ColorType),
}

impl<'a> Opened<'a> {
    /// Reads the header only: no pixel buffer is allocated.
    pub(crate) fn open(
        format: PhotoFormat,
        bytes: &'a [u8],
    ) -> Result<(Opened<'a>, Header), PhotoError> {
        match format {
            PhotoFormat::Jpeg => {
                let mut decoder = jpeg_decoder::Decoder::new(bytes);
                decoder.read_info().map_err(jpeg_error)?;
                let info = decoder
                    .info()
                    .ok_or_else(|| PhotoError::Corrupt("JPEG header without a frame".into()))?;
                let bytes_per_pixel = match info.pixel_format {
                    PixelFormat::L8 => 1,
                    PixelFormat::L16 => 2,
                    PixelFormat::RGB24 => 3,
                    PixelFormat::CMYK32 => 4,
                };
                let header = Header {
                    width: u32::from(info.width),
                    height: u32::from(info.height),
                    bytes_per_pixel,
                    layout: Layout::Jpeg {
                        progressive: info.coding_process == CodingProcess::DctProgressive,
                        lossless: info.coding_process == CodingProcess::Lossless,
                    },
                };
                Ok((Opened::Jpeg(Box::new(decoder)), header))
            }
            PhotoFormat::Png | PhotoFormat::Webp => {
                let format = match format {
                    PhotoFormat::Png => ImageFormat::Png,
                    _ => ImageFormat::WebP,
                };
                let decoder = ImageReader::with_format(Cursor::new(bytes), format)
                    .into_decoder()
                    .map_err(image_error)?;
                let (width, height) = decoder.dimensions();
                let color = decoder.color_type();
                let header = Header {
                    width,
                    height,
                    bytes_per_pixel: color.bytes_per_pixel(),
                    layout: Layout::Image(color),
                };
                Ok((Opened::Image(bytes, format), header))
            }
            PhotoFormat::Heic => Err(PhotoError::Unsupported(crate::HEIC_MESSAGE.into())),
        }
    }

    /// For a JPEG, chooses the DCT scale for `want` and returns the size it will decode to;
    /// other formats decode at full size.
    pub(crate) fn scale(
        &mut self,
        want: (u32, u32),
        full: (u32, u32),
    ) -> Result<(u32, u32), PhotoError> {
        match self {
            Opened::Jpeg(decoder) => {
                let clamp = |v: u32| u16::try_from(v.max(1)).unwrap_or(u16::MAX);
                let (w, h) = decoder
                    .scale(clamp(want.0), clamp(want.1))
                    .map_err(jpeg_error)?;
                Ok((u32::from(w), u32::from(h)))
            }
            Opened::Image(..) => Ok(full),
        }
    }

    /// Decodes to RGB8. A JPEG comes out at the size [`Opened::scale`] chose; other formats at
    /// full size. `max_alloc` bounds the decoders' own buffers as a second line of defence.
    pub(crate) fn decode(self, max_alloc: u64) -> Result<Rgb, PhotoError> {
        match self {
            Opened::Jpeg(decoder) => decode_jpeg(*decoder, max_alloc),
            Opened::Image(bytes, format) => decode_image(bytes, format, max_alloc),
        }
    }
}

fn decode_jpeg(
    mut decoder: jpeg_decoder::Decoder<&[u8]>,
    max_alloc: u64,
) -> Result<Rgb, PhotoError> {
    decoder.set_max_decoding_buffer_size(usize::try_from(max_alloc).unwrap_or(usize::MAX));
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
    // Converted into an exact-size buffer: a collected iterator would grow by doubling.
    let convert = |per_pixel: usize, f: &dyn Fn(&[u8]) -> [u8; 3]| {
        let mut rgb = Vec::with_capacity(pixels * 3);
        for p in data.chunks_exact(per_pixel) {
            rgb.extend_from_slice(&f(p));
        }
        rgb
    };
    let rgb = match info.pixel_format {
        PixelFormat::RGB24 => data,
        PixelFormat::L8 => convert(1, &|p| [p[0]; 3]),
        // As image 0.24 did with jpeg-decoder's CMYK output.
        PixelFormat::CMYK32 => convert(4, &|p| {
            let k = 255 - u16::from(p[3]);
            [p[0], p[1], p[2]].map(|c| ((255 - u16::from(c)) * k / 255) as u8)
        }),
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

fn decode_image(bytes: &[u8], format: ImageFormat, max_alloc: u64) -> Result<Rgb, PhotoError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    // The decoded image is reserved first; the decoder's rows and tables come out of the rest.
    limits.max_alloc = Some(max_alloc.saturating_add(DECODER_ROOM));
    reader.limits(limits);
    let image = reader.decode().map_err(image_error)?;
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
/// Works in place in the RGBA buffer (each RGB triple lands at or before the pixel it came
/// from), so flattening holds no second full-size buffer.
fn flatten_on_white(image: DynamicImage) -> Vec<u8> {
    let mut px = image.into_rgba8().into_raw();
    let n = px.len() / 4;
    for i in 0..n {
        let a = u16::from(px[i * 4 + 3]);
        for c in 0..3 {
            let v = u16::from(px[i * 4 + c]);
            px[i * 3 + c] = ((v * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    px.truncate(n * 3);
    px
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
