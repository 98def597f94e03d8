//! Which image type an upload is, decided from its magic bytes only (never from the file name
//! or the client's `Content-Type`).

/// An image type the pipeline recognises. HEIC is recognised only to be refused with a
/// helpful message: no pure-Rust HEIC decoder is available.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhotoFormat {
    /// JPEG (JFIF or Exif), what nearly every phone sends.
    Jpeg,
    /// PNG (screenshots, edited images).
    Png,
    /// WebP (lossy or lossless).
    Webp,
    /// HEIC / HEIF (an ISO-BMFF `ftyp` box with a HEIF brand): iPhones by default.
    Heic,
}

impl PhotoFormat {
    /// The MIME type of the format.
    pub fn mime(&self) -> &'static str {
        match self {
            PhotoFormat::Jpeg => "image/jpeg",
            PhotoFormat::Png => "image/png",
            PhotoFormat::Webp => "image/webp",
            PhotoFormat::Heic => "image/heic",
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// HEIF brands: HEVC-coded images and sequences, and the generic image/sequence brands.
const HEIF_BRANDS: &[&[u8; 4]] = &[
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
    b"mif2",
];
/// AVIF also declares `mif1`/`msf1`; it is not HEIC, so it stays unrecognised.
const AVIF_BRANDS: &[&[u8; 4]] = &[b"avif", b"avis"];

/// Decides the type from the first bytes of a file (16 are enough for JPEG, PNG and WebP; pass
/// at least 64 so that HEIF's compatible brands are seen too). `None` when it is none of the
/// known types.
pub fn sniff(head: &[u8]) -> Option<PhotoFormat> {
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(PhotoFormat::Jpeg)
    } else if head.starts_with(PNG_SIGNATURE) {
        Some(PhotoFormat::Png)
    } else if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some(PhotoFormat::Webp)
    } else if is_heif(head) {
        Some(PhotoFormat::Heic)
    } else {
        None
    }
}

/// An ISO-BMFF file whose leading `ftyp` box names a HEIF brand (major or compatible) and no
/// AVIF brand.
fn is_heif(head: &[u8]) -> bool {
    if head.len() < 12 || &head[4..8] != b"ftyp" {
        return false;
    }
    let declared = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let end = declared.clamp(12, head.len());
    // Major brand at 8..12, minor version at 12..16, compatible brands after that.
    let major = std::iter::once(&head[8..12]);
    let compatible = head.get(16..end).unwrap_or_default().chunks_exact(4);
    let brands: Vec<&[u8]> = major.chain(compatible).collect();
    let any_of = |set: &[&[u8; 4]]| brands.iter().any(|b| set.iter().any(|s| &s[..] == *b));
    any_of(HEIF_BRANDS) && !any_of(AVIF_BRANDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut b = (size as u32).to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0, 0, 0, 0]);
        for c in compatible {
            b.extend_from_slice(*c);
        }
        b.extend_from_slice(&[0, 0, 0, 8, b'm', b'e', b't', b'a']);
        b
    }

    #[test]
    fn magic_bytes() {
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]),
            Some(PhotoFormat::Jpeg)
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(PhotoFormat::Png)
        );
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(PhotoFormat::Webp));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(&[0xFF, 0xD8]), None);
        assert_eq!(sniff(b"<html><body>"), None);
    }

    #[test]
    fn heif_brands() {
        assert_eq!(
            sniff(&ftyp(b"heic", &[b"mif1", b"heic"])),
            Some(PhotoFormat::Heic)
        );
        assert_eq!(sniff(&ftyp(b"mif1", &[b"heix"])), Some(PhotoFormat::Heic));
        assert_eq!(sniff(&ftyp(b"msf1", &[b"hevc"])), Some(PhotoFormat::Heic));
        assert_eq!(sniff(&ftyp(b"heim", &[])), Some(PhotoFormat::Heic));
        // AVIF shares mif1 but is not HEIC; MP4 video is not an image at all.
        assert_eq!(sniff(&ftyp(b"avif", &[b"mif1", b"miaf"])), None);
        assert_eq!(sniff(&ftyp(b"isom", &[b"iso2", b"mp41"])), None);
        // A truncated head still sees the major brand.
        assert_eq!(sniff(&ftyp(b"heic", &[])[..12]), Some(PhotoFormat::Heic));
    }

    #[test]
    fn mimes() {
        assert_eq!(PhotoFormat::Jpeg.mime(), "image/jpeg");
        assert_eq!(PhotoFormat::Png.mime(), "image/png");
        assert_eq!(PhotoFormat::Webp.mime(), "image/webp");
        assert_eq!(PhotoFormat::Heic.mime(), "image/heic");
    }
}
