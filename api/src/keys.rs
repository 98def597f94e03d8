//! The server's secret key: it signs access tokens (HS256) and peppers log-in code hashes.
//! It comes from `CUNXIANG_JWT_SECRET` or is generated on first run and kept in the data dir
//! (`jwt-secret`, readable by the owner only).

use std::path::Path;

use hmac::{Hmac, Mac};
use jsonwebtoken::{DecodingKey, EncodingKey};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The generated key's file in the data directory.
pub const KEY_FILE: &str = "jwt-secret";

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
    /// random bytes, hex, mode 0600, written atomically) on first run. An empty key file (an
    /// older version killed between creating and writing it) cannot have signed anything, so
    /// it is replaced by a new key; a non-empty one shorter than 32 bytes is refused, naming
    /// the file: it is not one this server wrote, and replacing it would sign people out.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> std::io::Result<Self> {
        if let Some(secret) = configured {
            return Self::from_secret(secret.as_bytes());
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().len() >= 32 => Self::from_secret(text.trim().as_bytes()),
            Ok(text) if text.trim().is_empty() => {
                tracing::warn!(path = %path.display(), "the key file is empty; generating a new key");
                std::fs::remove_file(&path)?;
                Self::generate(&path)
            }
            Ok(_) => Err(std::io::Error::other(format!(
                "{} holds fewer than 32 bytes, so it is not a key this server generated; \
                 remove it to have a new one generated (this signs everyone out) or set \
                 CUNXIANG_JWT_SECRET",
                path.display()
            ))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::generate(&path),
            Err(e) => Err(e),
        }
    }

    /// Creates the key file at `path` atomically; when another instance sharing the data dir
    /// created it first, uses that one.
    fn generate(path: &Path) -> std::io::Result<Self> {
        let mut bytes = [0u8; 64];
        rand::rng().fill_bytes(&mut bytes);
        let text = hex::encode(bytes);
        match cunxiang_storage::private::write_atomic(path, text.as_bytes(), false) {
            Ok(()) => Self::from_secret(text.as_bytes()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let theirs = std::fs::read_to_string(path)?;
                Self::from_secret(theirs.trim().as_bytes())
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
    fn an_empty_key_file_is_replaced_and_a_short_one_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        std::fs::write(&path, "").unwrap();
        let first = Keys::load(None, dir.path()).unwrap();
        let kept = std::fs::read_to_string(&path).unwrap();
        assert_eq!(kept.len(), 128, "a new key was written");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(Keys::load(None, dir.path()).unwrap().kid, first.kid);

        std::fs::write(&path, "not-a-key\n").unwrap();
        let err = Keys::load(None, dir.path()).unwrap_err().to_string();
        assert!(err.contains("jwt-secret") && err.contains("32"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not-a-key\n");
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
