//! The server's secret key: it signs access tokens (HS256) and peppers log-in code hashes.
//! It comes from `CUNXIANG_JWT_SECRET` or is generated on first run and kept in the data dir
//! (`jwt-secret`, readable by the owner only).

use std::path::Path;

use hmac::{Hmac, Mac};
use jsonwebtoken::{DecodingKey, EncodingKey};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The key material and its id.
#[derive(Clone)]
pub struct Keys {
    /// Key id put in every token header (`kid`): the first 16 hex digits of the key's SHA-256.
    pub kid: String,
    /// For signing.
    pub encoding: EncodingKey,
    /// For verifying.
    pub decoding: DecodingKey,
    pepper: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys {{ kid: {} }}", self.kid)
    }
}

impl Keys {
    /// Builds the keys from secret bytes.
    pub fn from_secret(secret: &[u8]) -> std::io::Result<Self> {
        let kid = hex::encode(Sha256::digest(secret))[..16].to_owned();
        let bad = |e: jsonwebtoken::errors::Error| std::io::Error::other(e.to_string());
        Ok(Keys {
            kid,
            encoding: EncodingKey::from_secret(secret).map_err(bad)?,
            decoding: DecodingKey::from_secret(secret).map_err(bad)?,
            pepper: secret.to_vec(),
        })
    }

    /// Uses the configured secret, or the one kept in `data_dir/jwt-secret`, creating it (64
    /// random bytes, hex, mode 0600) on first run.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> std::io::Result<Self> {
        if let Some(secret) = configured {
            return Self::from_secret(secret.as_bytes());
        }
        let path = data_dir.join("jwt-secret");
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().len() >= 32 => Self::from_secret(text.trim().as_bytes()),
            Ok(_) => Err(std::io::Error::other(format!(
                "{} is too short",
                path.display()
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 64];
                rand::rng().fill_bytes(&mut bytes);
                let text = hex::encode(bytes);
                write_private(&path, &text)?;
                Self::from_secret(text.as_bytes())
            }
            Err(e) => Err(e),
        }
    }

    /// HMAC-SHA256 of `parts` under the server key, hex: stored instead of low-entropy
    /// secrets (log-in codes) so a copy of the database does not reveal them.
    pub fn keyed_hash(&self, parts: &[&str]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.pepper)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        for part in parts {
            mac.update(part.as_bytes());
            mac.update(b"\x1f");
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

/// SHA-256 of a high-entropy secret (refresh token, client secret), hex.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A random URL-safe token of 32 bytes.
pub fn random_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Keys::load(None, dir.path()).unwrap();
        let second = Keys::load(None, dir.path()).unwrap();
        assert_eq!(first.kid, second.kid);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("jwt-secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let configured = Keys::load(Some("x".repeat(40).as_str()), dir.path()).unwrap();
        assert_ne!(configured.kid, first.kid);
    }

    #[test]
    fn keyed_hashes_depend_on_key_and_every_part() {
        let a = Keys::from_secret(b"a-secret-that-is-long-enough-for-us").unwrap();
        let b = Keys::from_secret(b"another-secret-that-is-long-enough!").unwrap();
        assert_eq!(
            a.keyed_hash(&["138", "123456"]),
            a.keyed_hash(&["138", "123456"])
        );
        assert_ne!(
            a.keyed_hash(&["138", "123456"]),
            b.keyed_hash(&["138", "123456"])
        );
        assert_ne!(
            a.keyed_hash(&["1381", "23456"]),
            a.keyed_hash(&["138", "123456"])
        );
    }
}
