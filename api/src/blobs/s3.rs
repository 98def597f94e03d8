//! Blobs in S3-compatible object storage, through the Apache Arrow project's `object_store`
//! (its SigV4 signing, retries and streaming; nothing hand-signed here). Chosen by
//! `CUNXIANG_BLOB_STORE=s3://bucket[/prefix]?endpoint=…&region=…` with the credentials from
//! the usual `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`. Query options:
//!
//! - `endpoint`: the service's URL (MinIO, 阿里云 OSS `https://oss-cn-…aliyuncs.com`, 腾讯云
//!   COS, 华为云 OBS); without it, AWS itself. `http://` endpoints are allowed (a MinIO on the
//!   private network).
//! - `region` (default `us-east-1`; OSS and COS want theirs, e.g. `oss-cn-hangzhou`).
//! - `virtual_hosted=true`: `bucket.endpoint/key` addressing, which OSS requires; the default
//!   is path style (`endpoint/bucket/key`), which MinIO wants.
//! - `presign=SECONDS`: photos are answered with a redirect to a URL presigned for that long
//!   (the bucket serves the bytes) instead of streamed through the API; authorisation is still
//!   checked first, and the URL is a bearer capability for its lifetime, so keep it short.
//!
//! Keys are `prefix/ab/abcdef…` as on disk. A put first asks whether the key exists (content
//! addressing: the same bytes are never sent twice); conditional puts are not used because
//! not every S3-compatible service honours them.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::signer::{Method, Signer};
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};

use super::{Blob, BlobFuture, BlobStore, Listed, PresignedUrl, is_key, sha256_hex};
use crate::settings::Secret;

/// Where the object store is and how to talk to it (parsed from `CUNXIANG_BLOB_STORE`).
#[derive(Debug, Clone, PartialEq)]
pub struct S3Config {
    /// The bucket.
    pub bucket: String,
    /// Folder inside the bucket (no leading or trailing `/`; empty: the bucket's root).
    pub prefix: String,
    /// The service's URL; `None`: AWS.
    pub endpoint: Option<String>,
    /// The region.
    pub region: String,
    /// `bucket.endpoint` addressing instead of `endpoint/bucket`.
    pub virtual_hosted: bool,
    /// Answer photo reads with a redirect to a URL presigned for this many seconds.
    pub presign_secs: Option<u64>,
    /// Access key id; `None`: from the environment (`AWS_ACCESS_KEY_ID`, or the instance role).
    pub access_key_id: Option<String>,
    /// Secret access key; `None`: from the environment.
    pub secret_access_key: Option<Secret>,
}

impl S3Config {
    /// Parses `s3://bucket[/prefix]?endpoint=…&region=…&virtual_hosted=…&presign=…`.
    pub fn parse(value: &str) -> Result<S3Config, String> {
        let url = url::Url::parse(value).map_err(|e| e.to_string())?;
        if url.scheme() != "s3" {
            return Err("the scheme must be s3://".into());
        }
        let bucket = url
            .host_str()
            .filter(|b| !b.is_empty())
            .ok_or("the bucket is missing (s3://BUCKET)")?
            .to_owned();
        let mut config = S3Config {
            bucket,
            prefix: url.path().trim_matches('/').to_owned(),
            endpoint: None,
            region: "us-east-1".into(),
            virtual_hosted: false,
            presign_secs: None,
            access_key_id: None,
            secret_access_key: None,
        };
        for (name, value) in url.query_pairs() {
            match name.as_ref() {
                "endpoint" => config.endpoint = Some(value.into_owned()),
                "region" => config.region = value.into_owned(),
                "virtual_hosted" => {
                    config.virtual_hosted = value
                        .parse()
                        .map_err(|_| "virtual_hosted must be true or false")?;
                }
                "presign" => {
                    let secs: u64 = value.parse().map_err(|_| "presign must be seconds")?;
                    if !(1..=7 * 24 * 3600).contains(&secs) {
                        return Err("presign must be 1 s to 7 days".into());
                    }
                    config.presign_secs = Some(secs);
                }
                other => return Err(format!("unknown option {other:?}")),
            }
        }
        Ok(config)
    }
}

/// The object store.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    store: Arc<AmazonS3>,
    prefix: String,
    presign_secs: Option<u64>,
}

impl S3BlobStore {
    /// A store for `config` (no request is made yet).
    pub fn new(config: &S3Config) -> Result<S3BlobStore, String> {
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_virtual_hosted_style_request(config.virtual_hosted)
            .with_retry(RetryConfig {
                max_retries: 4,
                retry_timeout: Duration::from_secs(30),
                ..RetryConfig::default()
            });
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(id) = &config.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &config.secret_access_key {
            builder = builder.with_secret_access_key(&secret.0);
        }
        let store = builder.build().map_err(|e| e.to_string())?;
        Ok(S3BlobStore {
            store: Arc::new(store),
            prefix: config.prefix.clone(),
            presign_secs: config.presign_secs,
        })
    }

    fn path_of(&self, key: &str) -> Option<Path> {
        is_key(key).then(|| {
            let fanned = format!("{}/{key}", &key[..2]);
            if self.prefix.is_empty() {
                Path::from(fanned)
            } else {
                Path::from(format!("{}/{fanned}", self.prefix))
            }
        })
    }

    fn root(&self) -> Option<Path> {
        (!self.prefix.is_empty()).then(|| Path::from(self.prefix.as_str()))
    }
}

fn io(e: object_store::Error) -> std::io::Error {
    std::io::Error::from(e)
}

impl BlobStore for S3BlobStore {
    fn put(&self, bytes: Bytes) -> BlobFuture<'_, (String, bool)> {
        Box::pin(async move {
            let key = sha256_hex(&bytes);
            let path = self
                .path_of(&key)
                .ok_or_else(|| std::io::Error::other("bad blob key"))?;
            match self.store.head(&path).await {
                Ok(_) => return Ok((key, false)),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(io(e)),
            }
            self.store
                .put(&path, PutPayload::from_bytes(bytes))
                .await
                .map_err(io)?;
            Ok((key, true))
        })
    }

    fn open<'a>(&'a self, key: &'a str) -> BlobFuture<'a, Option<Blob>> {
        Box::pin(async move {
            let Some(path) = self.path_of(key) else {
                return Ok(None);
            };
            match self.store.get(&path).await {
                Ok(got) => Ok(Some(Blob {
                    size: got.meta.size,
                    body: got.into_stream().map(|r| r.map_err(io)).boxed(),
                })),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(io(e)),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BlobFuture<'a, ()> {
        Box::pin(async move {
            let Some(path) = self.path_of(key) else {
                return Ok(());
            };
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(io(e)),
            }
        })
    }

    fn list(&self) -> BoxStream<'_, std::io::Result<Listed>> {
        self.store
            .list(self.root().as_ref())
            .filter_map(|meta| async move {
                match meta {
                    Ok(meta) => {
                        let key = meta.location.filename()?.to_owned();
                        is_key(&key).then_some(Ok(Listed {
                            key,
                            modified: meta.last_modified,
                        }))
                    }
                    Err(e) => Some(Err(io(e))),
                }
            })
            .boxed()
    }

    fn presigned_url<'a>(&'a self, key: &'a str) -> BlobFuture<'a, Option<PresignedUrl>> {
        Box::pin(async move {
            let (Some(secs), Some(path)) = (self.presign_secs, self.path_of(key)) else {
                return Ok(None);
            };
            let url = self
                .store
                .signed_url(Method::GET, &path, Duration::from_secs(secs))
                .await
                .map_err(io)?;
            Ok(Some(PresignedUrl {
                url: url.to_string(),
                valid_secs: secs,
            }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_names_bucket_prefix_and_options() {
        let c = S3Config::parse(
            "s3://photos/county/jx?endpoint=http://127.0.0.1:9000&region=cn-east&presign=300",
        )
        .unwrap();
        assert_eq!(c.bucket, "photos");
        assert_eq!(c.prefix, "county/jx");
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(c.region, "cn-east");
        assert_eq!(c.presign_secs, Some(300));
        assert!(!c.virtual_hosted);
        let c = S3Config::parse("s3://b?virtual_hosted=true").unwrap();
        assert_eq!((c.prefix.as_str(), c.virtual_hosted), ("", true));
        for bad in [
            "http://b",
            "s3://",
            "s3://b?presign=0",
            "s3://b?presign=x",
            "s3://b?colour=blue",
            "s3://b?virtual_hosted=yes",
        ] {
            assert!(S3Config::parse(bad).is_err(), "{bad} was accepted");
        }
    }
}
