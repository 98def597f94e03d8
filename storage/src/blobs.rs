//! The blob store: immutable byte strings addressed by their SHA-256. Local disk by default
//! (`<data dir>/blobs/ab/cdef…`); a deployment with several API instances plugs in a shared,
//! S3-compatible store behind the same trait.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// Where photos' bytes live.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` and returns their key (SHA-256, lower-case hex) and whether they were
    /// new (`false`: an identical blob was already there).
    fn put(&self, bytes: &[u8]) -> std::io::Result<(String, bool)>;
    /// The bytes under `key`, `None` when absent.
    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>>;
    /// Removes a blob (no error when absent).
    fn delete(&self, key: &str) -> std::io::Result<()>;
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Blobs as files under one directory, fanned out by the first two hex digits.
#[derive(Debug, Clone)]
pub struct DiskBlobStore {
    root: PathBuf,
}

impl DiskBlobStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DiskBlobStore { root: root.into() }
    }

    fn path_of(&self, key: &str) -> Option<PathBuf> {
        let valid = key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit());
        valid.then(|| self.root.join(&key[..2]).join(key))
    }
}

impl BlobStore for DiskBlobStore {
    fn put(&self, bytes: &[u8]) -> std::io::Result<(String, bool)> {
        let key = sha256_hex(bytes);
        let path = self
            .path_of(&key)
            .ok_or_else(|| std::io::Error::other("bad blob key"))?;
        if path.exists() {
            return Ok((key, false));
        }
        let dir = path
            .parent()
            .ok_or_else(|| std::io::Error::other("blob path has no parent"))?;
        crate::private::create_dir(dir)?;
        // Write beside, then rename: a reader never sees half a blob, a crash leaves at most a
        // `.tmp*` file (swept by `crate::leftovers`). Content-addressed: replacing is harmless.
        crate::private::write_atomic(&path, bytes, true)?;
        Ok((key, true))
    }

    fn get(&self, key: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(path) = self.path_of(key) else {
            return Ok(None);
        };
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn delete(&self, key: &str) -> std::io::Result<()> {
        let Some(path) = self.path_of(key) else {
            return Ok(());
        };
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_addressed_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskBlobStore::new(dir.path().join("blobs"));
        let (key, new) = store.put(b"photo").unwrap();
        assert!(new);
        assert_eq!(key, sha256_hex(b"photo"));
        assert_eq!(store.put(b"photo").unwrap(), (key.clone(), false));
        assert_eq!(store.get(&key).unwrap().as_deref(), Some(&b"photo"[..]));
        store.delete(&key).unwrap();
        assert_eq!(store.get(&key).unwrap(), None);
        assert_eq!(store.get("../../etc/passwd").unwrap(), None);
    }
}
