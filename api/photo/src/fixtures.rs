//! Test inputs made in code (feature `fixtures`, for this crate's tests and the integration
//! suite): photo-like pixels, JPEG/PNG/WebP files with hand-built EXIF, and decompression
//! bombs. No binary fixtures.
// Test support: a failed expectation should panic loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Cursor;

use exif::experimental::Writer;
use exif::{Field, In, Rational, Tag, Value};
use image::{ExtendedColorType, ImageEncoder};

/// Photo-like RGB pixels: smooth gradients, some texture and noise (not a flat colour, which
/// would make every hash and size test trivial). `variant` changes the scene.
pub fn photo(width: u32, height: u32, variant: u32) -> Vec<u8> {
    let phase = variant as f32 * 1.7;
    let cols: Vec<f32> = (0..width)
        .map(|x| (x as f32 / width as f32 * 3.1 + phase).sin())
        .collect();
    let rows: Vec<f32> = (0..height)
        .map(|y| (y as f32 / height as f32 * 2.3 - phase).cos())
        .collect();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(variant);
    let mut out = Vec::with_capacity((width * height * 3) as usize);
    for &row in &rows {
        for &col in &cols {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let noise = ((seed >> 40) & 0x0f) as f32 - 8.0;
            let r = 128.0 + 90.0 * col + 20.0 * row + noise;
            let g = 120.0 + 80.0 * row - 20.0 * col + noise;
            let b = 110.0 + 60.0 * col * row + noise;
            out.extend([r, g, b].map(|v| v.clamp(0.0, 255.0) as u8));
        }
    }
    out
}

/// A "scene" for hash tests: a coarse 7×5 grid of random brightnesses, smoothly interpolated,
/// plus noise, so its 9×8 dHash has bits of both kinds in every row (the gradients of
/// [`photo`] hash to nearly constant rows). `seed` picks the scene.
pub fn scene(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (gw, gh) = (7usize, 5usize);
    let grid: Vec<f32> = (0..gw * gh).map(|_| (next() % 200) as f32 + 28.0).collect();
    let mut out = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        let gy = y as f32 / height as f32 * (gh - 1) as f32;
        let (y0, ty) = (gy.floor() as usize, gy.fract());
        let y1 = (y0 + 1).min(gh - 1);
        for x in 0..width {
            let gx = x as f32 / width as f32 * (gw - 1) as f32;
            let (x0, tx) = (gx.floor() as usize, gx.fract());
            let x1 = (x0 + 1).min(gw - 1);
            let top = grid[y0 * gw + x0] * (1.0 - tx) + grid[y0 * gw + x1] * tx;
            let bottom = grid[y1 * gw + x0] * (1.0 - tx) + grid[y1 * gw + x1] * tx;
            let v = top * (1.0 - ty) + bottom * ty + ((next() >> 60) as f32 - 8.0);
            out.extend([v * 1.05, v, v * 0.9].map(|c| c.clamp(0.0, 255.0) as u8));
        }
    }
    out
}

/// A JPEG (quality 90) of `rgb`, with each `(n, data)` written as an APPn segment.
pub fn jpeg(rgb: &[u8], width: u32, height: u32, segments: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
    for (n, data) in segments {
        encoder.add_app_segment(*n, data.clone()).unwrap();
    }
    encoder
        .encode(
            rgb,
            width as u16,
            height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    out
}

/// An APP1 segment body: `Exif\0\0` and a TIFF structure.
pub fn app1(tiff: Vec<u8>) -> (u8, Vec<u8>) {
    let mut body = b"Exif\0\0".to_vec();
    body.extend(tiff);
    (1, body)
}

/// A PNG of 8-bit RGB or RGBA pixels, with `exif` (raw TIFF) in an `eXIf` chunk.
pub fn png(pixels: &[u8], width: u32, height: u32, rgba: bool, exif: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = image::codecs::png::PngEncoder::new(&mut out);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).unwrap();
    }
    let color = if rgba {
        ExtendedColorType::Rgba8
    } else {
        ExtendedColorType::Rgb8
    };
    encoder.write_image(pixels, width, height, color).unwrap();
    out
}

/// A lossless WebP of RGB pixels, with `exif` (raw TIFF) in an `EXIF` chunk.
pub fn webp(rgb: &[u8], width: u32, height: u32, exif: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut encoder = image::codecs::webp::WebPEncoder::new_lossless(&mut out);
    if let Some(exif) = exif {
        encoder.set_exif_metadata(exif).unwrap();
    }
    encoder
        .write_image(rgb, width, height, ExtendedColorType::Rgb8)
        .unwrap();
    out.into_inner()
}

/// GPS as EXIF writes it: (latitude ref, latitude d/m/s, longitude ref, longitude d/m/s), each
/// of degrees, minutes and seconds a rational (numerator, denominator).
pub type Gps = (&'static str, [(u32, u32); 3], &'static str, [(u32, u32); 3]);

/// What to put in a test photo's EXIF.
#[derive(Default)]
pub struct ExifSpec {
    pub orientation: Option<u16>,
    pub taken: Option<&'static str>,
    pub offset: Option<&'static str>,
    pub gps: Option<Gps>,
}

/// A little-endian TIFF structure holding `spec` (what follows `Exif\0\0` in a JPEG's APP1).
pub fn exif_tiff(spec: &ExifSpec) -> Vec<u8> {
    let ascii = |s: &str| Value::Ascii(vec![s.as_bytes().to_vec()]);
    let rationals = |v: [(u32, u32); 3]| {
        Value::Rational(
            v.iter()
                .map(|&(num, denom)| Rational { num, denom })
                .collect(),
        )
    };
    let field = |tag, value| Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    };
    let mut fields = vec![field(Tag::Make, ascii("Cunxiang test"))];
    if let Some(o) = spec.orientation {
        fields.push(field(Tag::Orientation, Value::Short(vec![o])));
    }
    if let Some(taken) = spec.taken {
        fields.push(field(Tag::DateTimeOriginal, ascii(taken)));
    }
    if let Some(offset) = spec.offset {
        fields.push(field(Tag::OffsetTimeOriginal, ascii(offset)));
    }
    if let Some((lat_ref, lat, lon_ref, lon)) = spec.gps {
        fields.push(field(Tag::GPSLatitudeRef, ascii(lat_ref)));
        fields.push(field(Tag::GPSLatitude, rationals(lat)));
        fields.push(field(Tag::GPSLongitudeRef, ascii(lon_ref)));
        fields.push(field(Tag::GPSLongitude, rationals(lon)));
    }
    let mut writer = Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut out = Cursor::new(Vec::new());
    writer.write(&mut out, true).unwrap();
    out.into_inner()
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The APPn markers (0xE0..=0xEF) of a JPEG's header segments, in order, up to the first scan.
pub fn app_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        if marker == 0xDA {
            break;
        }
        if (0xE0..=0xEF).contains(&marker) {
            markers.push(marker);
        }
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    markers
}

/// Decodes a JPEG produced by the pipeline: (width, height, RGB pixels).
pub fn decode_jpeg(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    let pixels = decoder.decode().unwrap();
    let info = decoder.info().unwrap();
    (u32::from(info.width), u32::from(info.height), pixels)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
}

/// A well-formed PNG header declaring `width`×`height` grey pixels, followed by a few KB of
/// zero rows: a decoder that trusted the header would allocate width×height bytes.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]); // 8-bit grey, deflate, adaptive filter, no interlace
    png_chunk(&mut out, b"IHDR", &ihdr);
    // One stored deflate block of zeros in a zlib wrapper.
    let zeros = vec![0u8; 4096];
    let mut idat = vec![0x78, 0x01, 0x01];
    idat.extend((zeros.len() as u16).to_le_bytes());
    idat.extend((!(zeros.len() as u16)).to_le_bytes());
    idat.extend(&zeros);
    // Adler-32 of n zeros: a = 1, b = n.
    idat.extend(((zeros.len() as u32) << 16 | 1).to_be_bytes());
    png_chunk(&mut out, b"IDAT", &idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A JPEG that is only a header declaring `width`×`height` (a bomb needs no scan data to be
/// refused).
pub fn jpeg_bomb(width: u16, height: u16) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    out.extend(height.to_be_bytes());
    out.extend(width.to_be_bytes());
    out.extend([3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    out.extend([0xFF, 0xD9]);
    out
}

/// A real, well-formed 16-bit RGBA PNG of `width`×`height`: black and transparent but for a
/// grey first row. Small on disk (rows of zeros compress ≈ 1000:1), eight bytes a pixel when
/// decoded: 7071×7071 passes the default pixel limit, is ≈ 400 KB and decodes into 400 MB.
/// Written row by row, so making it never holds the decoded size.
pub fn png_rgba16(width: u32, height: u32) -> Vec<u8> {
    use std::io::Write;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Sixteen);
    encoder.set_compression(png::Compression::Balanced);
    let mut writer = encoder.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let row_bytes = width as usize * 8;
    let first: Vec<u8> = (0..row_bytes)
        .map(|i| if i % 8 < 6 { 0x80 } else { 0xFF })
        .collect();
    stream.write_all(&first).unwrap();
    let zeros = vec![0u8; row_bytes];
    for _ in 1..height {
        stream.write_all(&zeros).unwrap();
    }
    stream.finish().unwrap();
    writer.finish().unwrap();
    out
}
