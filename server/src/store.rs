//! Files in an object store: `files/NAME` holds the bytes, `meta/NAME.json`
//! the size, SHA-256 and upload time, `uploads/…` uploads in progress.
//!
//! An upload streams into a temporary object of its own (a multipart upload:
//! memory stays at a few parts however big the file) while its SHA-256 is
//! computed; only when every byte has arrived is it renamed to its name, so
//! a reader never sees a partial file, and an interrupted or oversized upload
//! is aborted and leaves nothing. Concurrent uploads of one name each write
//! their own temporary object; the renames (and the metadata written with
//! them) are serialised per name, so the last complete upload wins whole.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use bytes::Bytes;
use futures::{Stream, StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload, WriteMultipart};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

/// A stored file, as listed and as an upload's answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stored {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// RFC 3339, UTC.
    pub uploaded: String,
}

/// Part size of uploads; at most `PARTS_IN_FLIGHT` parts are buffered.
const PART_BYTES: usize = 8 << 20;
const PARTS_IN_FLIGHT: usize = 2;
/// Temporary objects older than this are leftovers of a crash.
const STALE_UPLOAD_SECS: u64 = 24 * 3600;

pub struct Files {
    store: Arc<dyn ObjectStore>,
    locks: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    next_upload: AtomicU64,
}

fn file_path(name: &str) -> Path {
    Path::from_iter(["files", name])
}

fn meta_path(name: &str) -> Path {
    Path::from_iter(["meta", &format!("{name}.json")])
}

impl Files {
    /// The store at `url`: a directory (created if missing), `file:///dir`,
    /// or `s3://bucket/prefix` (credentials and endpoint from the environment).
    pub fn open(url: &str) -> Result<Files, String> {
        let store: Arc<dyn ObjectStore> = if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .build()
                .map_err(|e| format!("cannot use {url}: {e}"))?;
            if prefix.trim_matches('/').is_empty() {
                Arc::new(s3)
            } else {
                Arc::new(object_store::prefix::PrefixStore::new(s3, prefix.trim_matches('/')))
            }
        } else {
            let dir = url.strip_prefix("file://").unwrap_or(url);
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the store directory {dir}: {e}"))?;
            Arc::new(LocalFileSystem::new_with_prefix(dir).map_err(|e| format!("cannot use {dir}: {e}"))?)
        };
        Ok(Files { store, locks: Default::default(), next_upload: AtomicU64::new(0) })
    }

    /// Removes temporary objects a crashed server left (older than a day).
    pub async fn remove_stale_uploads(&self) {
        let prefix = Path::from("uploads");
        let Ok(leftovers) = self.store.list(Some(&prefix)).try_collect::<Vec<_>>().await else { return };
        let now = SystemTime::now();
        for object in leftovers {
            let age = now.duration_since(object.last_modified.into()).unwrap_or_default();
            if age.as_secs() > STALE_UPLOAD_SECS {
                let _ = self.store.delete(&object.location).await;
            }
        }
    }

    fn lock(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().expect("the lock table");
        locks.retain(|_, l| Arc::strong_count(l) > 1);
        locks.entry(name.to_string()).or_default().clone()
    }

    /// Streams `body` into the store as `name`; at most `max_bytes`.
    pub async fn upload<E: std::fmt::Display>(
        &self,
        name: &str,
        body: impl Stream<Item = Result<Bytes, E>> + Unpin,
        max_bytes: u64,
    ) -> ApiResult<Stored> {
        let id = self.next_upload.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
        let temp = Path::from_iter(["uploads", &format!("{nanos}-{}-{id}", std::process::id())]);
        let upload = self.store.put_multipart(&temp).await.map_err(ApiError::storage)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut body = body;
        let failure = loop {
            match body.next().await {
                None => break None,
                Some(Err(e)) => {
                    break Some(ApiError::new(StatusCode::BAD_REQUEST, "upload_interrupted", format!("the upload was interrupted: {e}")))
                }
                Some(Ok(chunk)) => {
                    size += chunk.len() as u64;
                    if size > max_bytes {
                        break Some(too_large(max_bytes));
                    }
                    hasher.update(&chunk);
                    if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                        break Some(ApiError::storage(e));
                    }
                    writer.write(&chunk);
                }
            }
        };
        if let Some(error) = failure {
            let _ = writer.abort().await;
            return Err(error);
        }
        writer.finish().await.map_err(ApiError::storage)?;
        let stored = Stored { name: name.to_string(), size, sha256: hex(&hasher.finalize()), uploaded: now_rfc3339() };
        let lock = self.lock(name);
        let _held = lock.lock().await;
        if let Err(e) = self.store.rename(&temp, &file_path(name)).await {
            let _ = self.store.delete(&temp).await;
            return Err(ApiError::storage(e));
        }
        let meta = serde_json::to_vec(&stored).expect("serialisable");
        self.store.put(&meta_path(name), PutPayload::from(meta)).await.map_err(ApiError::storage)?;
        Ok(stored)
    }

    /// What is known of `name` (its metadata; for a file put into the store
    /// by other means, what the store says, without a checksum).
    pub async fn describe(&self, name: &str) -> ApiResult<Stored> {
        let head = self.store.head(&file_path(name)).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => ApiError::not_found(name),
            other => ApiError::storage(other),
        })?;
        if let Ok(found) = self.store.get(&meta_path(name)).await {
            if let Ok(bytes) = found.bytes().await {
                if let Ok(stored) = serde_json::from_slice::<Stored>(&bytes) {
                    if stored.size == head.size {
                        return Ok(stored);
                    }
                }
            }
        }
        Ok(Stored { name: name.to_string(), size: head.size, sha256: String::new(), uploaded: rfc3339(head.last_modified.into()) })
    }

    /// Every stored file, by name.
    pub async fn list(&self) -> ApiResult<Vec<Stored>> {
        let prefix = Path::from("files");
        let mut objects: Vec<_> = self.store.list(Some(&prefix)).try_collect().await.map_err(ApiError::storage)?;
        objects.sort_by(|a, b| a.location.cmp(&b.location));
        let mut out = Vec::with_capacity(objects.len());
        for object in objects {
            let Some(name) = object.location.filename() else { continue };
            match self.describe(name).await {
                Ok(stored) => out.push(stored),
                Err(e) if e.status == StatusCode::NOT_FOUND => {} // deleted meanwhile
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Bytes `range` of `name` (all when `None`), streamed.
    pub async fn read(
        &self,
        name: &str,
        range: Option<std::ops::Range<u64>>,
    ) -> ApiResult<impl Stream<Item = Result<Bytes, object_store::Error>> + Send + 'static> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..Default::default() };
        let found = self.store.get_opts(&file_path(name), options).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => ApiError::not_found(name),
            other => ApiError::storage(other),
        })?;
        Ok(found.into_stream())
    }

    pub async fn delete(&self, name: &str) -> ApiResult<()> {
        let lock = self.lock(name);
        let _held = lock.lock().await;
        self.describe(name).await?;
        self.store.delete(&file_path(name)).await.map_err(ApiError::storage)?;
        let _ = self.store.delete(&meta_path(name)).await;
        Ok(())
    }
}

pub fn too_large(max_bytes: u64) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", format!("the file is larger than this server accepts ({max_bytes} bytes)"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn now_rfc3339() -> String {
    rfc3339(SystemTime::now())
}

/// `YYYY-MM-DDTHH:MM:SSZ` (civil-date arithmetic, to need no date crate).
pub fn rfc3339(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", of_day / 3600, of_day % 3600 / 60, of_day % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH + std::time::Duration::from_secs(1_709_251_199)), "2024-02-29T23:59:59Z");
    }
}
