//! Files in an object store (local disk or S3): uploads staged out of sight
//! and made visible whole, reads of exactly one version, deletes.
//!
//! # Maintainer note: what must hold together
//!
//! - **A file is a pointer to an immutable blob** (`layout`). An upload
//!   stages its bytes (`staging`), turns them into a new blob, and
//!   `commit` swaps the pointer under the name's lock; the old blob is then
//!   deleted. A reader resolves the pointer and opens that blob, so it
//!   streams one version with that version's length and checksum; if the
//!   blob vanished in between (replaced), it resolves again.
//! - **Nothing half-written is ever visible**: a blob without a pointer is
//!   invisible; a form's several pointers are written behind a commit
//!   journal, rolled forward after a crash. A failed upload deletes what it
//!   staged; what a crash leaves is removed by `sweep` at start-up.
//! - **Memory is bounded** by `budget` (all uploads together) and per upload
//!   by one chunk (local disk) or one S3 part.
//! - Locks are in this process: one server per store.
//!
//! Errors are `StoreError`; `error.rs` turns them into HTTP answers.

pub mod budget;
pub mod layout;
pub mod s3;
pub mod staging;
pub mod sweep;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, PutMode, PutOptions, PutPayload, UpdateVersion};
use serde::{Deserialize, Serialize};

use crate::conditions::Preconditions;
use budget::Budget;

/// A stored file, as listed and as an upload's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// RFC 3339, UTC.
    pub uploaded: String,
}

impl Stored {
    /// The strong `ETag` of this version.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.sha256)
    }
}

/// The pointer object of a name: which blob holds its current version.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Pointer {
    #[serde(flatten)]
    pub stored: Stored,
    /// The blob's key (`blobs/<id>`, or `files/<name>` for an imported file).
    pub blob: String,
}

/// What went wrong, in storage terms (`error.rs` maps each to HTTP).
#[derive(Debug)]
pub enum StoreError {
    NotFound(String),
    UploadNotFound(String),
    TooLarge(u64),
    ExceedsLength(u64),
    Interrupted(String),
    Stalled(Duration),
    PreconditionFailed(Option<String>),
    OffsetMismatch { expected: u64, given: u64 },
    Locked,
    ChecksumMismatch(&'static str),
    Storage(object_store::Error),
    Io(std::io::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NotFound(name) => write!(f, "there is no file named {name:?}"),
            StoreError::UploadNotFound(id) => write!(f, "there is no upload {id:?} (finished long ago, expired, or never created)"),
            StoreError::TooLarge(max) => write!(f, "the file is larger than this server accepts ({max} bytes)"),
            StoreError::ExceedsLength(length) => write!(f, "the data goes past the upload's declared length ({length} bytes)"),
            StoreError::Interrupted(why) => write!(f, "the upload was interrupted: {why}"),
            StoreError::Stalled(after) => write!(f, "the upload sent nothing for {:.0} s and was stopped", after.as_secs_f64()),
            StoreError::PreconditionFailed(Some(tag)) => write!(f, "the file is now version {tag}, which the request's If-Match/If-None-Match does not allow"),
            StoreError::PreconditionFailed(None) => write!(f, "there is no such file, and the request's If-Match requires one"),
            StoreError::OffsetMismatch { expected, given } => write!(f, "the upload is at offset {expected}, not {given}"),
            StoreError::Locked => write!(f, "another request is writing this upload right now; retry when it ends"),
            StoreError::ChecksumMismatch(algorithm) => write!(f, "the data does not match its Upload-Checksum ({algorithm}); nothing of it was kept"),
            StoreError::Storage(e) => write!(f, "the storage failed: {e}"),
            StoreError::Io(e) => write!(f, "the storage failed: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<object_store::Error> for StoreError {
    fn from(e: object_store::Error) -> Self {
        StoreError::Storage(e)
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// How staged bytes are written: to a file that grows (local disk), or as
/// the parts of an S3 multipart upload.
pub(crate) enum Backend {
    Local { root: PathBuf },
    S3 { s3: Arc<AmazonS3>, bucket: String, prefix: Option<Path> },
}

pub struct Options {
    /// All uploads' memory together, in bytes.
    pub upload_memory: u64,
    /// The largest upload (sets the S3 part size: at most 10,000 parts).
    pub max_bytes: u64,
    /// A resumable upload untouched this long is removed.
    pub upload_expiry: Duration,
}

/// The store. Cheap to clone (one shared state).
#[derive(Clone)]
pub struct Files(Arc<Inner>);

pub(crate) struct Inner {
    objects: Arc<dyn ObjectStore>,
    backend: Backend,
    budget: Budget,
    /// S3 part size (0 on local disk).
    part_bytes: u64,
    name_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Resumable uploads: one lock each, guarding what is known of its
    /// checksum so far (lost on restart; then recomputed at the end).
    upload_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<staging::Hashed>>>>>,
    /// Plain uploads in progress in this process (their staged bytes have
    /// no record on local disk; the sweep must leave them alone).
    active: Mutex<HashSet<String>>,
    started: SystemTime,
    upload_expiry: Duration,
}

/// S3's smallest part (except the last).
const S3_MIN_PART: u64 = 5 << 20;

impl Files {
    /// The store at `url`: a directory (created if missing), `file:///dir`,
    /// or `s3://bucket/prefix` (credentials and endpoint from the environment).
    pub fn open(url: &str, options: &Options) -> Result<Files, String> {
        let (objects, backend, part_bytes): (Arc<dyn ObjectStore>, Backend, u64) = if let Some(rest) = url.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let s3 = Arc::new(
                object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .map_err(|e| format!("cannot use {url}: {e}"))?,
            );
            let prefix = prefix.trim_matches('/');
            let objects: Arc<dyn ObjectStore> =
                if prefix.is_empty() { s3.clone() } else { Arc::new(object_store::prefix::PrefixStore::new(s3.as_ref().clone(), prefix)) };
            // At most 10,000 parts: a larger cap needs larger parts.
            let part = S3_MIN_PART.max(options.max_bytes.div_ceil(10_000).next_multiple_of(1 << 20));
            (objects, Backend::S3 { s3, bucket: bucket.to_string(), prefix: (!prefix.is_empty()).then(|| Path::from(prefix)) }, part)
        } else {
            let dir = url.strip_prefix("file://").unwrap_or(url);
            for sub in ["", layout::NAMES, layout::BLOBS, layout::UPLOADS] {
                let path = std::path::Path::new(dir).join(sub);
                std::fs::create_dir_all(&path).map_err(|e| format!("cannot create the store directory {}: {e}", path.display()))?;
            }
            let root = std::fs::canonicalize(dir).map_err(|e| format!("cannot use {dir}: {e}"))?;
            let objects = Arc::new(LocalFileSystem::new_with_prefix(&root).map_err(|e| format!("cannot use {dir}: {e}"))?);
            (objects, Backend::Local { root }, 0)
        };
        Ok(Files(Arc::new(Inner {
            objects,
            backend,
            budget: Budget::new(options.upload_memory.max(part_bytes)),
            part_bytes,
            name_locks: Default::default(),
            upload_locks: Default::default(),
            active: Default::default(),
            started: SystemTime::now(),
            upload_expiry: options.upload_expiry,
        })))
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.0
    }

    /// The budget's size in bytes (at least one S3 part).
    pub fn upload_memory(&self) -> u64 {
        self.0.budget.total()
    }

    fn name_lock(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.0.name_locks.lock().expect("the lock table");
        locks.retain(|_, l| Arc::strong_count(l) > 1);
        locks.entry(name.to_string()).or_default().clone()
    }

    /// The pointer of `name` and its object version (for a compare-and-swap), if any.
    async fn pointer(&self, name: &str) -> StoreResult<Option<(Pointer, UpdateVersion)>> {
        match self.0.objects.get(&layout::pointer(name)).await {
            Ok(found) => {
                let version = UpdateVersion { e_tag: found.meta.e_tag.clone(), version: found.meta.version.clone() };
                let bytes = found.bytes().await?;
                let pointer: Pointer = serde_json::from_slice(&bytes).map_err(|e| std::io::Error::other(format!("the record of {name:?} is damaged: {e}")))?;
                Ok(Some((pointer, version)))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The current version of `name`.
    pub async fn describe(&self, name: &str) -> StoreResult<Pointer> {
        self.pointer(name).await?.map(|(p, _)| p).ok_or_else(|| StoreError::NotFound(name.to_string()))
    }

    /// Bytes `range` (all when `None`) of the version `pointer` names.
    /// `NotFound` when that version was replaced since (resolve again).
    pub async fn read(
        &self,
        pointer: &Pointer,
        range: Option<std::ops::Range<u64>>,
    ) -> StoreResult<BoxStream<'static, Result<Bytes, object_store::Error>>> {
        let options = GetOptions { range: range.map(GetRange::Bounded), ..Default::default() };
        match self.0.objects.get_opts(&Path::from(pointer.blob.as_str()), options).await {
            Ok(found) => Ok(found.into_stream()),
            Err(object_store::Error::NotFound { .. }) => Err(StoreError::NotFound(pointer.stored.name.clone())),
            Err(e) => Err(e.into()),
        }
    }

    /// Every stored file, by name.
    pub async fn list(&self) -> StoreResult<Vec<Stored>> {
        let keys: Vec<_> = self.0.objects.list(Some(&Path::from(layout::NAMES))).try_collect().await?;
        let objects = self.0.objects.clone();
        let mut out: Vec<Stored> = futures::stream::iter(keys)
            .map(|meta| {
                let objects = objects.clone();
                async move {
                    match objects.get(&meta.location).await {
                        Ok(found) => {
                            let bytes = found.bytes().await?;
                            Ok(serde_json::from_slice::<Pointer>(&bytes).ok().map(|p| p.stored))
                        }
                        Err(object_store::Error::NotFound { .. }) => Ok(None), // deleted meanwhile
                        Err(e) => Err(StoreError::from(e)),
                    }
                }
            })
            .buffer_unordered(16)
            .try_filter_map(|found| async move { Ok(found) })
            .try_collect()
            .await?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Deletes `name` if `preconditions` allow (only `If-Match` makes sense).
    pub async fn delete(&self, name: &str, preconditions: &Preconditions) -> StoreResult<()> {
        let lock = self.name_lock(name);
        let _held = lock.lock().await;
        let (pointer, _) = self.pointer(name).await?.ok_or_else(|| StoreError::NotFound(name.to_string()))?;
        if !preconditions.allow_write(Some(&pointer.stored.etag())) {
            return Err(StoreError::PreconditionFailed(Some(pointer.stored.etag())));
        }
        self.0.objects.delete(&layout::pointer(name)).await?;
        self.delete_blob(&pointer.blob).await;
        Ok(())
    }

    async fn delete_blob(&self, key: &str) {
        if let Err(e) = self.0.objects.delete(&Path::from(key)).await {
            if !matches!(e, object_store::Error::NotFound { .. }) {
                eprintln!("quiver-store: could not delete {key} (the sweep at the next start-up will): {e}");
            }
        }
    }

    /// Whether the current file named `name` passes `preconditions` (the
    /// early check, before an upload's body is read; `commit` checks again).
    pub async fn check_preconditions(&self, name: &str, preconditions: &Preconditions) -> StoreResult<()> {
        if preconditions.is_empty() {
            return Ok(());
        }
        let current = self.pointer(name).await?.map(|(p, _)| p.stored.etag());
        if preconditions.allow_write(current.as_deref()) {
            Ok(())
        } else {
            Err(StoreError::PreconditionFailed(current))
        }
    }

    /// Makes staged uploads visible, all or none: under their names' locks,
    /// checks `preconditions` against each current version, then points each
    /// name at its new blob (several behind a journal, so a crash part-way is
    /// rolled forward by the next start-up's sweep). On failure every staged
    /// blob is deleted.
    pub async fn commit(&self, staged: Vec<staging::Staged>, preconditions: &Preconditions) -> StoreResult<Vec<Stored>> {
        let mut names: Vec<String> = staged.iter().map(|s| s.name.clone()).collect();
        names.sort();
        names.dedup();
        let mut held = Vec::with_capacity(names.len());
        for name in &names {
            held.push(self.name_lock(name).lock_owned().await);
        }
        let result = self.commit_locked(&staged, preconditions).await;
        drop(held);
        match result {
            Ok((stored, replaced)) => {
                for s in staged {
                    s.finished(self).await;
                }
                for key in replaced {
                    self.delete_blob(&key).await;
                }
                Ok(stored)
            }
            Err(e) => {
                for s in staged {
                    s.discard(self).await;
                }
                Err(e)
            }
        }
    }

    async fn commit_locked(&self, staged: &[staging::Staged], preconditions: &Preconditions) -> StoreResult<(Vec<Stored>, Vec<String>)> {
        let mut current = Vec::with_capacity(staged.len());
        for s in staged {
            let found = self.pointer(&s.name).await?;
            let tag = found.as_ref().map(|(p, _)| p.stored.etag());
            if !preconditions.allow_write(tag.as_deref()) {
                return Err(StoreError::PreconditionFailed(tag));
            }
            current.push(found);
        }
        let uploaded = now_rfc3339();
        let pointers: Vec<Pointer> = staged
            .iter()
            .map(|s| Pointer {
                stored: Stored { name: s.name.clone(), size: s.size, sha256: s.sha256.clone(), uploaded: uploaded.clone() },
                blob: layout::blob(&s.id).to_string(),
            })
            .collect();
        let journal = if pointers.len() > 1 {
            let path = layout::journal(&layout::new_id());
            self.0.objects.put(&path, PutPayload::from(serde_json::to_vec(&pointers).expect("serialisable"))).await?;
            Some(path)
        } else {
            None
        };
        let local = matches!(self.0.backend, Backend::Local { .. });
        for (pointer, found) in pointers.iter().zip(&current) {
            // A conditional write is also a compare-and-swap in storage where
            // it can be (S3; on local disk, create-only), against another
            // process writing the same store.
            let mode = match (preconditions.is_empty(), found) {
                (true, _) => PutMode::Overwrite,
                (false, None) => PutMode::Create,
                (false, Some(_)) if local => PutMode::Overwrite,
                (false, Some((_, version))) => PutMode::Update(version.clone()),
            };
            let body = PutPayload::from(serde_json::to_vec(pointer).expect("serialisable"));
            match self.0.objects.put_opts(&layout::pointer(&pointer.stored.name), body, PutOptions { mode, ..Default::default() }).await {
                Ok(_) => {}
                Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => {
                    return Err(StoreError::PreconditionFailed(None));
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(path) = journal {
            let _ = self.0.objects.delete(&path).await;
        }
        let replaced = current.into_iter().flatten().map(|(p, _)| p.blob).filter(|b| !pointers.iter().any(|n| &n.blob == b)).collect();
        Ok((pointers.into_iter().map(|p| p.stored).collect(), replaced))
    }
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
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
