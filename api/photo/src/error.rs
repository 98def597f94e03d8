//! Why a photo was refused, with a human message per reason. The API gives each reason its
//! status and machine code (`cunxiang_api::error::ErrorCode`).

/// A photo that [`crate::process`] refused. The message (`Display`) is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// Not an image type the pipeline reads (unknown magic bytes, HEIC, an unusual JPEG
    /// variant such as arithmetic coding or 16-bit lossless).
    #[error("{0}")]
    Unsupported(String),
    /// The header declares more pixels than allowed (a decompression bomb or a panorama
    /// too big to decode safely). Refused before any pixel is decoded.
    #[error(
        "the image is {width}×{height} pixels, more than the {max} pixels allowed; \
         send a smaller photo"
    )]
    TooManyPixels {
        /// Width declared in the header.
        width: u32,
        /// Height declared in the header.
        height: u32,
        /// The limit, from [`crate::Limits::max_pixels`].
        max: u64,
    },
    /// The header declares an image that decodes into more bytes than allowed (pixels ×
    /// channels × bytes per sample: a 16-bit RGBA image is 8 bytes a pixel), however small
    /// the file. Refused before any pixel is decoded.
    #[error(
        "the image is {width}×{height} pixels of {bytes_per_pixel} bytes each, more than the \
         {max} bytes a photo may decode into; send an ordinary 8-bit photo or a smaller one"
    )]
    TooLarge {
        /// Width declared in the header.
        width: u32,
        /// Height declared in the header.
        height: u32,
        /// Bytes of one decoded pixel (channels × bytes per sample).
        bytes_per_pixel: u8,
        /// The limit, from [`crate::Limits::max_decoded_bytes`].
        max: u64,
    },
    /// The bytes claim a known type but cannot be decoded (truncated upload, damaged file).
    #[error("the image is damaged or incomplete: {0}")]
    Corrupt(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_what_was_wrong() {
        let e = PhotoError::TooManyPixels {
            width: 60_000,
            height: 60_000,
            max: 50_000_000,
        };
        assert!(e.to_string().contains("60000×60000"), "{e}");
    }
}
