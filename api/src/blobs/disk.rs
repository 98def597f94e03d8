//! Blobs as files under one directory, fanned out by the first two hex digits
//! (`blobs/ab/abcdef…`), written beside and renamed (a reader never sees half a blob; a crash
//! leaves at most a `.tmp*` file, swept by `crate::leftovers`), readable by this user only.

use std::path::PathBuf;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::{Blob, BlobFuture, BlobStore, Listed, PresignedUrl, is_key, sha256_hex};

/// The disk store.
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
        is_key(key).then(|| self.root.join(&key[..2]).join(key))
    }
}

/// Runs file system work on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(std::io::Error::other)?
}

fn put_file(path: PathBuf, bytes: &[u8]) -> std::io::Result<bool> {
    if path.exists() {
        return Ok(false);
    }
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("blob path has no parent"))?;
    cunxiang_storage::private::create_dir(dir)?;
    // Content-addressed: replacing an identical blob written meanwhile is harmless.
    cunxiang_storage::private::write_atomic(&path, bytes, true)?;
    Ok(true)
}

/// The blobs in one fan-out directory (`ab/`), with their modification times.
fn list_dir(dir: PathBuf) -> std::io::Result<Vec<Listed>> {
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_key(&name) {
            continue;
        }
        let modified = match entry.metadata().and_then(|m| m.modified()) {
            Ok(t) => DateTime::<Utc>::from(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        found.push(Listed {
            key: name,
            modified,
        });
    }
    Ok(found)
}

impl BlobStore for DiskBlobStore {
    fn put(&self, bytes: Bytes) -> BlobFuture<'_, (String, bool)> {
        Box::pin(async move {
            let key = sha256_hex(&bytes);
            let path = self
                .path_of(&key)
                .ok_or_else(|| std::io::Error::other("bad blob key"))?;
            let new = blocking(move || put_file(path, &bytes)).await?;
            Ok((key, new))
        })
    }

    fn open<'a>(&'a self, key: &'a str) -> BlobFuture<'a, Option<Blob>> {
        Box::pin(async move {
            let Some(path) = self.path_of(key) else {
                return Ok(None);
            };
            let file = match tokio::fs::File::open(path).await {
                Ok(file) => file,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            let size = file.metadata().await?.len();
            Ok(Some(Blob {
                size,
                body: tokio_util::io::ReaderStream::new(file).boxed(),
            }))
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BlobFuture<'a, ()> {
        Box::pin(async move {
            let Some(path) = self.path_of(key) else {
                return Ok(());
            };
            blocking(move || match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            })
            .await
        })
    }

    fn list(&self) -> BoxStream<'_, std::io::Result<Listed>> {
        // One fan-out directory at a time: at most 1/256 of the keys are held at once.
        stream::iter(0..=255u8)
            .then(move |i| {
                let dir = self.root.join(format!("{i:02x}"));
                blocking(move || list_dir(dir))
            })
            .map_ok(|found| stream::iter(found.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }

    fn presigned_url<'a>(&'a self, _key: &'a str) -> BlobFuture<'a, Option<PresignedUrl>> {
        Box::pin(async { Ok(None) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn blobs_are_addressed_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskBlobStore::new(dir.path().join("blobs"));
        let (key, new) = store.put(Bytes::from_static(b"photo")).await.unwrap();
        assert!(new);
        assert_eq!(key, sha256_hex(b"photo"));
        let again = store.put(Bytes::from_static(b"photo")).await.unwrap();
        assert_eq!(again, (key.clone(), false));
        let read = crate::blobs::read_all(&store, &key).await.unwrap();
        assert_eq!(read.as_deref(), Some(&b"photo"[..]));
        let listed: Vec<Listed> = store.list().try_collect().await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].key, key);
        store.delete(&key).await.unwrap();
        assert!(store.open(&key).await.unwrap().is_none());
        assert!(store.open("../../etc/passwd").await.unwrap().is_none());
        store.delete(&key).await.unwrap();
    }
}
