//! Media files: storage (a local folder or an S3-compatible bucket, both behind the
//! `object_store` crate's `ObjectStore` trait), type sniffing and streaming uploads.

pub mod sniff;

use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _, TryStreamExt as _};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt as _};
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;

use crate::config::{ConfigError, MediaLocation};
use crate::error::AppError;

/// How many leading bytes are kept to sniff the type and read dimensions or duration.
const HEAD_BYTES: usize = 1024 * 1024;

#[derive(Clone)]
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

/// A stored upload, not yet registered in the database.
#[derive(Debug)]
pub struct Ingested {
    pub sha256: String,
    pub size: u64,
    pub sniffed: sniff::Sniffed,
    /// Where the bytes are: `media/<sha256>`, the same for identical files.
    pub key: String,
}

pub type ByteStream = futures_util::stream::BoxStream<'static, Result<Bytes, std::io::Error>>;

impl MediaStore {
    pub fn from_location(location: &MediaLocation) -> Result<Self, ConfigError> {
        let (store, prefix): (Arc<dyn ObjectStore>, String) = match location {
            MediaLocation::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| ConfigError(format!("media directory {} cannot be created: {e}", dir.display())))?;
                let fs = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| ConfigError(format!("media directory {}: {e}", dir.display())))?;
                (Arc::new(fs), String::new())
            }
            MediaLocation::S3 { bucket, prefix, endpoint, credentials } => {
                let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
                if let Some(endpoint) = endpoint {
                    // S3-compatible servers are addressed by path, not by bucket host name.
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                if let Some(region) = &credentials.region {
                    builder = builder.with_region(region);
                }
                if let Some(key) = &credentials.access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &credentials.secret_access_key {
                    builder = builder.with_secret_access_key(secret.expose());
                }
                let s3 = builder.build().map_err(|e| ConfigError(format!("S3 media storage: {e}")))?;
                (Arc::new(s3), prefix.clone())
            }
        };
        Ok(Self { store, prefix })
    }

    fn path(&self, key: &str) -> Path {
        if self.prefix.is_empty() { Path::from(key) } else { Path::from(format!("{}/{key}", self.prefix)) }
    }

    /// Streams an upload into storage while hashing it, refusing it beyond `limit` bytes
    /// and unless its bytes are a supported video or image (whatever it claims to be).
    /// Nothing is held in memory but the first megabyte.
    pub async fn ingest<S, E>(&self, mut body: S, claimed: Option<&str>, limit: u64) -> Result<Ingested, AppError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let tmp = self.path(&format!("tmp/{}", uuid::Uuid::new_v4()));
        let mut writer = object_store::buffered::BufWriter::new(Arc::clone(&self.store), tmp.clone());
        let mut hasher = Sha256::new();
        let mut head: Vec<u8> = Vec::new();
        let mut size: u64 = 0;
        let mut sniffed: Option<sniff::Sniffed> = None;
        let outcome: Result<(), AppError> = async {
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| {
                    AppError::bad_request("malformed_body", format!("The upload could not be read: {e}"))
                })?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(AppError::PayloadTooLarge { limit: usize::try_from(limit).unwrap_or(usize::MAX) });
                }
                if head.len() < HEAD_BYTES {
                    head.extend_from_slice(&chunk[..chunk.len().min(HEAD_BYTES - head.len())]);
                }
                // Decide the type as soon as there are enough bytes, before storing more.
                if sniffed.is_none() && (head.len() >= 4096 || head.len() == HEAD_BYTES) {
                    sniffed = Some(sniff::sniff(&head, claimed)?);
                }
                hasher.update(&chunk);
                writer.write_all(&chunk).await.map_err(AppError::internal)?;
            }
            if size == 0 {
                return Err(AppError::validation("file", "is empty"));
            }
            Ok(())
        }
        .await;
        if let Err(err) = outcome {
            let _ = writer.abort().await;
            return Err(err);
        }
        let sniffed = match sniffed {
            Some(s) => s.with_details(&head),
            None => match sniff::sniff(&head, claimed) {
                Ok(s) => s.with_details(&head),
                Err(err) => {
                    let _ = writer.abort().await;
                    return Err(err);
                }
            },
        };
        writer.shutdown().await.map_err(AppError::internal)?;
        let sha256 = hex::encode(hasher.finalize());
        let key = format!("media/{sha256}");
        // Content-addressed: a second copy of the same bytes lands on the same object.
        self.store.rename(&tmp, &self.path(&key)).await.map_err(AppError::internal)?;
        Ok(Ingested { sha256, size, sniffed, key })
    }

    /// Stores bytes already in memory (the demo data set) through the same path.
    pub async fn ingest_bytes(&self, bytes: &'static [u8], limit: u64) -> Result<Ingested, AppError> {
        let stream = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(bytes))]);
        self.ingest(stream, None, limit).await
    }

    /// The bytes `[start, end)` of a stored object, as a stream.
    pub async fn open(&self, key: &str, range: std::ops::Range<u64>) -> Result<ByteStream, AppError> {
        let options = GetOptions { range: Some(GetRange::Bounded(range)), ..GetOptions::default() };
        let result = self.store.get_opts(&self.path(key), options).await.map_err(AppError::internal)?;
        Ok(result.into_stream().map_err(std::io::Error::other).boxed())
    }

    /// Whether the storage answers: used by start-up checks.
    pub async fn check(&self) -> Result<(), AppError> {
        match self.store.head(&self.path("media/.probe")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(AppError::internal(e)),
        }
    }
}
