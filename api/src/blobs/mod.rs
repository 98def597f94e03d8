//! The blob store: immutable byte strings addressed by their SHA-256 (the photos' renditions).
//! Two stores behind one trait, chosen by `CUNXIANG_BLOB_STORE`: the local disk (default,
//! `<data dir>/blobs/ab/abcdef…`, see [`disk`]) and S3-compatible object storage for several
//! instances (阿里云 OSS, 腾讯云 COS, 华为云 OBS, MinIO; see [`s3`]). Every call is async and
//! does its I/O off the async runtime's threads; a read is streamed, never held whole.

pub mod disk;
pub mod s3;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use sha2::{Digest, Sha256};

/// A blob store call's result, boxed so the trait can be used as `dyn BlobStore`.
pub type BlobFuture<'a, T> = Pin<Box<dyn Future<Output = std::io::Result<T>> + Send + 'a>>;

/// A blob being read: its length and its bytes as they arrive.
pub struct Blob {
    /// Length in bytes (the response's `Content-Length`).
    pub size: u64,
    /// The bytes, in chunks.
    pub body: BoxStream<'static, std::io::Result<Bytes>>,
}

/// A blob found by [`BlobStore::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its key.
    pub key: String,
    /// When it was last written.
    pub modified: DateTime<Utc>,
}

/// Where photos' bytes live.
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` and returns their key (SHA-256, lower-case hex) and whether they were
    /// new (`false`: an identical blob was already there).
    fn put(&self, bytes: Bytes) -> BlobFuture<'_, (String, bool)>;
    /// Opens the blob under `key` for reading; `None` when absent.
    fn open<'a>(&'a self, key: &'a str) -> BlobFuture<'a, Option<Blob>>;
    /// Removes a blob (no error when absent).
    fn delete<'a>(&'a self, key: &'a str) -> BlobFuture<'a, ()>;
    /// Every blob in the store (anything else stored beside them is skipped).
    fn list(&self) -> BoxStream<'_, std::io::Result<Listed>>;
    /// A short-lived URL the client may fetch the blob from directly, when this store is set
    /// to hand those out instead of streaming (`None`: stream it).
    fn presigned_url<'a>(&'a self, key: &'a str) -> BlobFuture<'a, Option<PresignedUrl>>;
}

/// A URL that serves one blob for a while without further authorisation.
#[derive(Debug, Clone)]
pub struct PresignedUrl {
    /// The URL.
    pub url: String,
    /// Seconds it stays valid.
    pub valid_secs: u64,
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `key` is a blob key (64 hex digits): nothing else is read, written or removed.
pub fn is_key(key: &str) -> bool {
    key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The store `CUNXIANG_BLOB_STORE` names: object storage when set, else the disk under the
/// data directory.
pub fn from_settings(settings: &crate::Settings) -> Result<Arc<dyn BlobStore>, String> {
    match &settings.blob_store {
        Some(config) => Ok(Arc::new(s3::S3BlobStore::new(config)?)),
        None => Ok(Arc::new(disk::DiskBlobStore::new(
            settings
                .data_dir
                .join(cunxiang_storage::leftovers::BLOBS_DIR),
        ))),
    }
}

/// Reads a whole blob (tests and small tools; the photo route streams instead).
pub async fn read_all(store: &dyn BlobStore, key: &str) -> std::io::Result<Option<Vec<u8>>> {
    use futures_util::TryStreamExt;
    let Some(blob) = store.open(key).await? else {
        return Ok(None);
    };
    let chunks: Vec<Bytes> = blob.body.try_collect().await?;
    Ok(Some(chunks.concat()))
}
