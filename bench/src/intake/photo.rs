//! Upload bodies: a photo-like JPEG made once (the way `photo-bench` makes it: gradients,
//! texture and sensor-like noise, EXIF with a capture time, a GPS fix and an orientation), and
//! cheap distinct copies of it, so that no upload is answered from the per-uploader dedup.

use exif::experimental::Writer;
use exif::{Field, In, Tag, Value};

/// A JPEG at quality 90 with 4:2:0 chroma subsampling (as phone cameras write them) of
/// `width`×`height` photo-like pixels, with EXIF orientation `orientation` (6 is how a phone
/// held upright stores its photos).
pub fn synthetic_jpeg(width: u16, height: u16, orientation: u16) -> anyhow::Result<Vec<u8>> {
    let (w, h) = (usize::from(width), usize::from(height));
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rgb = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        let fy = y as f32 / h as f32;
        for x in 0..w {
            let fx = x as f32 / w as f32;
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // ±9 of noise: ≈ 3 MB at 12 MP, like a phone's photo.
            let noise = (((seed >> 40) & 0x0f) as f32 - 8.0) * 1.1;
            let texture = (fx * 90.0).sin() * (fy * 70.0).cos() * 25.0;
            let r = 120.0 + 80.0 * (fx * 3.1).sin() + texture + noise;
            let g = 110.0 + 70.0 * (fy * 2.3 + fx).cos() + texture * 0.5 + noise;
            let b = 90.0 + 60.0 * ((fx - 0.5) * (fy - 0.4) * 9.0).sin() - texture + noise;
            rgb.extend([r, g, b].map(|v| v.clamp(0.0, 255.0) as u8));
        }
    }
    let mut jpeg = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 90);
    // jpeg-encoder keeps full-resolution chroma (4:4:4) from quality 90 up; phones do not.
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    encoder.add_exif_metadata(&exif_block(orientation)?)?;
    encoder.encode(&rgb, width, height, jpeg_encoder::ColorType::Rgb)?;
    Ok(jpeg)
}

/// A copy of `jpeg` made distinct by an APP15 segment holding `tag`, placed after the leading
/// APPn segments (so the EXIF block stays where readers look first). Same pixels, same work
/// for the server, different SHA-256.
pub fn distinct(jpeg: &[u8], tag: &str) -> Vec<u8> {
    let mut at = 2;
    while let (Some(0xFF), Some(marker), Some(hi), Some(lo)) = (
        jpeg.get(at),
        jpeg.get(at + 1),
        jpeg.get(at + 2),
        jpeg.get(at + 3),
    ) {
        if !(0xE0..=0xEF).contains(marker) {
            break;
        }
        at += 2 + usize::from(u16::from_be_bytes([*hi, *lo]));
    }
    let at = at.min(jpeg.len());
    let payload = format!("intake-bench {tag}");
    let len = u16::try_from(payload.len() + 2).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(jpeg.len() + 4 + payload.len());
    out.extend_from_slice(&jpeg[..at]);
    out.extend([0xFF, 0xEF]);
    out.extend(len.to_be_bytes());
    out.extend(payload.as_bytes());
    out.extend_from_slice(&jpeg[at..]);
    out
}

/// An EXIF block: camera, orientation, capture time with offset, and a GPS fix in 余江区.
fn exif_block(orientation: u16) -> anyhow::Result<Vec<u8>> {
    let ascii = |s: &str| Value::Ascii(vec![s.as_bytes().to_vec()]);
    let dms = |d, m, s| {
        Value::Rational(
            [(d, 1), (m, 1), (s, 100)]
                .map(|(num, denom)| exif::Rational { num, denom })
                .to_vec(),
        )
    };
    let field = |tag, value| Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    };
    let fields = [
        field(Tag::Make, ascii("intake-bench")),
        field(Tag::Orientation, Value::Short(vec![orientation])),
        field(Tag::DateTimeOriginal, ascii("2026:11:03 14:25:07")),
        field(Tag::OffsetTimeOriginal, ascii("+08:00")),
        field(Tag::GPSLatitudeRef, ascii("N")),
        field(Tag::GPSLatitude, dms(28, 21, 4964)),
        field(Tag::GPSLongitudeRef, ascii("E")),
        field(Tag::GPSLongitude, dms(116, 56, 2029)),
    ];
    let mut writer = Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    writer.write(&mut out, true)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_differ_and_keep_their_exif() {
        let base = synthetic_jpeg(64, 48, 6).unwrap();
        let (a, b) = (distinct(&base, "a"), distinct(&base, "b"));
        assert_ne!(a, b);
        let exif = exif::Reader::new()
            .read_from_container(&mut std::io::Cursor::new(&a))
            .unwrap();
        let orientation = exif.get_field(Tag::Orientation, In::PRIMARY).unwrap();
        assert_eq!(orientation.value.get_uint(0), Some(6));
        assert_eq!(&a[..2], &[0xFF, 0xD8]);
    }
}
