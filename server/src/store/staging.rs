//! Staged uploads: bytes on their way to becoming a blob, out of sight.
//!
//! An [`Appender`] takes one request's body and appends it to an upload:
//! on local disk to `uploads/<id>.data` (written chunk by chunk at its
//! offset), on S3 as the parts of a multipart upload created straight at
//! `blobs/<id>` (invisible until completed), filling one part in memory at a
//! time. Every byte held in memory is reserved in the [`Budget`] first.
//!
//! A plain upload (`PUT`, a form's file) is one request: it completes or is
//! aborted. Its [`Record`] at `uploads/<id>.json` is written when it starts
//! an S3 multipart upload (with that upload's id, before any part) and at
//! the latest just before its blob is created, so every blob no name points
//! at has a record the sweep can find it by. A resumable upload (tus) is
//! many requests: its record says how many bytes are durably staged (`offset`),
//! and on S3 which parts hold them plus a `tail` object with the bytes past
//! the last full part. A request *settles* what it received into the record
//! (or, when its `Upload-Checksum` fails, *discards* it: the record does not
//! move and the bytes past it are overwritten next time); long requests
//! settle as they go (`checkpoints`), so a crash loses at most the last
//! 16 MiB (local) or part (S3). The order of writes is what makes the record
//! true after a crash at any point: bytes first (and `fsync`), then the
//! record; an S3 multipart upload's id is recorded before its first part.
//!
//! A completed upload becomes a [`Staged`] blob that `Files::commit` makes
//! visible or deletes. The SHA-256 is computed as bytes arrive; if the
//! server restarted during a resumable upload, it is recomputed from the
//! blob at the end.

use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::OwnedSemaphorePermit;

use super::{layout, unix_now, Backend, Files, Stored, StoreError, StoreResult};

/// A staged upload's record (`uploads/<id>.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    /// A tus upload (kept between requests) rather than one request's.
    pub resumable: bool,
    pub name: String,
    /// The declared length (resumable uploads).
    #[serde(default)]
    pub length: Option<u64>,
    /// `Upload-Metadata` as the client sent it.
    #[serde(default)]
    pub metadata: String,
    /// Bytes durably staged.
    pub offset: u64,
    /// Unix seconds.
    pub created: u64,
    pub touched: u64,
    /// S3: the multipart upload, its full parts' ETags in order, and how
    /// many bytes past them are in the tail object.
    #[serde(default)]
    pub multipart: Option<String>,
    #[serde(default)]
    pub parts: Vec<String>,
    #[serde(default)]
    pub tail: u64,
    #[serde(default)]
    pub part_bytes: u64,
    /// A resumable upload whose blob is written (size, SHA-256), while its
    /// name is not yet pointed at it: storing it is retried from here.
    #[serde(default)]
    pub completed: Option<(u64, String)>,
    /// Set once the upload is stored (the file it became).
    #[serde(default)]
    pub done: Option<Stored>,
}

impl Record {
    /// Unix seconds after which an unfinished upload is removed.
    pub fn expires(&self, expiry: Duration) -> u64 {
        self.touched.saturating_add(expiry.as_secs())
    }
}

/// What is known of a resumable upload's SHA-256 between its requests.
pub struct Hashed {
    pub offset: u64,
    pub hasher: Sha256,
}

/// Which limit an upload's size must stay under.
#[derive(Clone, Copy)]
pub enum Limit {
    /// The server's cap (`--max-bytes`): past it, 413 `too_large`.
    MaxBytes(u64),
    /// A resumable upload's declared `Upload-Length`.
    Length(u64),
}

/// `Upload-Checksum` (tus checksum extension): the digest of one request's body.
pub struct Checksum {
    pub algorithm: &'static str,
    expected: Vec<u8>,
    state: ChecksumState,
}

enum ChecksumState {
    Sha1(sha1::Sha1),
    Sha256(Sha256),
}

impl Checksum {
    pub const ALGORITHMS: &'static str = "sha1,sha256";

    /// `<algorithm> <base64 digest>`; `Err` says what is wrong.
    pub fn parse(header: &str) -> Result<Checksum, String> {
        use base64::Engine;
        let (algorithm, digest) = header.trim().split_once(' ').ok_or("Upload-Checksum is `<algorithm> <base64 digest>`")?;
        let expected = base64::engine::general_purpose::STANDARD
            .decode(digest.trim())
            .map_err(|_| "the Upload-Checksum digest is not base64".to_string())?;
        let (algorithm, state, size) = match algorithm {
            "sha1" => ("sha1", ChecksumState::Sha1(sha1::Sha1::new()), 20),
            "sha256" => ("sha256", ChecksumState::Sha256(Sha256::new()), 32),
            other => return Err(format!("checksum algorithm {other:?} is not supported (supported: {})", Checksum::ALGORITHMS)),
        };
        if expected.len() != size {
            return Err(format!("a {algorithm} digest has {size} bytes, not {}", expected.len()));
        }
        Ok(Checksum { algorithm, expected, state })
    }

    fn update(&mut self, bytes: &[u8]) {
        match &mut self.state {
            ChecksumState::Sha1(h) => h.update(bytes),
            ChecksumState::Sha256(h) => h.update(bytes),
        }
    }

    fn matches(&self) -> bool {
        let digest = match &self.state {
            ChecksumState::Sha1(h) => h.clone().finalize().to_vec(),
            ChecksumState::Sha256(h) => h.clone().finalize().to_vec(),
        };
        subtle::ConstantTimeEq::ct_eq(digest.as_slice(), self.expected.as_slice()).into()
    }
}

/// Marks a plain upload as in progress in this process while alive.
pub(crate) struct Active {
    files: Files,
    id: String,
}

impl Active {
    fn new(files: &Files, id: &str) -> Active {
        files.inner().active.lock().expect("the active set").insert(id.to_string());
        Active { files: files.clone(), id: id.to_string() }
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        self.files.inner().active.lock().expect("the active set").remove(&self.id);
    }
}

/// A complete upload: its blob exists; no name points at it yet.
pub struct Staged {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// Whether a record exists (deleted once committed).
    record: bool,
    /// A resumable upload's blob: kept if storing it fails (it is retried).
    resumable: bool,
    _active: Option<Active>,
}

impl Staged {
    /// A resumable upload's blob, written before (`Record::completed`).
    pub fn completed(record: &Record) -> Option<Staged> {
        let (size, sha256) = record.completed.clone()?;
        Some(Staged { id: record.id.clone(), name: record.name.clone(), size, sha256, record: false, resumable: true, _active: None })
    }

    /// After a commit: the record is no longer needed.
    pub(crate) async fn finished(self, files: &Files) {
        if self.record {
            let _ = files.inner().objects.delete(&layout::record(&self.id)).await;
        }
    }

    /// After a failed commit: the blob goes too (but a resumable upload's
    /// stays, for the next attempt).
    pub(crate) async fn discard(self, files: &Files) {
        if self.resumable {
            return;
        }
        let _ = files.inner().objects.delete(&layout::blob(&self.id)).await;
        self.finished(files).await;
    }
}

/// Bytes written between two checkpoints of a resumable upload on local disk.
const LOCAL_CHECKPOINT_BYTES: u64 = 16 << 20;

/// Appends one request's bytes to an upload (see the module note).
pub struct Appender {
    files: Files,
    /// The record as last saved (or to be saved).
    pub record: Record,
    record_saved: bool,
    /// Bytes received, durably or not.
    offset: u64,
    /// The SHA-256 of bytes `0..offset`, when known.
    hasher: Option<Sha256>,
    local: Option<Arc<std::fs::File>>,
    buffer: BytesMut,
    buffer_permit: Option<OwnedSemaphorePermit>,
    /// S3 parts uploaded by this request and not yet in the record.
    pending: Vec<String>,
    since_checkpoint: u64,
    /// Whether to settle as bytes arrive (off when a checksum must be verified first).
    pub checkpoints: bool,
    pub checksum: Option<Checksum>,
    _active: Option<Active>,
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> std::io::Result<T> + Send + 'static) -> std::io::Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(std::io::Error::other)?
}

impl Files {
    /// A new resumable upload of `length` bytes, to be stored as `name`.
    pub async fn create_resumable(&self, name: &str, length: u64, metadata: &str) -> StoreResult<Record> {
        let now = unix_now();
        let record = Record {
            id: layout::new_id(),
            resumable: true,
            name: name.to_string(),
            length: Some(length),
            metadata: metadata.to_string(),
            offset: 0,
            created: now,
            touched: now,
            multipart: None,
            parts: Vec::new(),
            tail: 0,
            part_bytes: self.inner().part_bytes,
            completed: None,
            done: None,
        };
        if let Backend::Local { root } = &self.inner().backend {
            let path = root.join(layout::data_file(&record.id));
            blocking(move || std::fs::File::create(path).map(drop)).await?;
        }
        save(self, &record).await?;
        Ok(record)
    }

    /// The record of resumable upload `id`; `UploadNotFound` if there is none
    /// or it expired.
    pub async fn resumable(&self, id: &str) -> StoreResult<Record> {
        let missing = || StoreError::UploadNotFound(id.to_string());
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(missing());
        }
        let found = match self.inner().objects.get(&layout::record(id)).await {
            Ok(found) => found.bytes().await?,
            Err(object_store::Error::NotFound { .. }) => return Err(missing()),
            Err(e) => return Err(e.into()),
        };
        let record: Record = serde_json::from_slice(&found).map_err(|e| std::io::Error::other(format!("upload {id}'s record is damaged: {e}")))?;
        if !record.resumable || record.expires(self.inner().upload_expiry) < unix_now() {
            return Err(missing());
        }
        Ok(record)
    }

    /// The lock of resumable upload `id` (and what is known of its checksum).
    pub fn upload_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<Option<Hashed>>> {
        let mut locks = self.inner().upload_locks.lock().expect("the lock table");
        locks.entry(id.to_string()).or_default().clone()
    }

    pub async fn save_record(&self, record: &Record) -> StoreResult<()> {
        save(self, record).await
    }

    pub(crate) fn forget_upload(&self, id: &str) {
        self.inner().upload_locks.lock().expect("the lock table").remove(id);
    }

    /// Streams `body` into a new blob for `name` (a plain upload): the
    /// staged blob, or an error after removing everything staged.
    pub async fn stage<S, E>(&self, name: &str, body: &mut S, max_bytes: u64, idle: Duration) -> StoreResult<Staged>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut appender = Appender::plain(self, name).await?;
        match appender.pull(body, Limit::MaxBytes(max_bytes), idle).await {
            Ok(()) => match appender.complete().await {
                Ok(staged) => Ok(staged),
                Err(e) => Err(e),
            },
            Err(e) => {
                appender.abort().await;
                Err(e)
            }
        }
    }

    /// Ends resumable upload `record` (termination, or expiry): everything
    /// staged and the record go. A finished upload's file stays.
    pub async fn remove_upload(&self, record: Record) {
        let id = record.id.clone();
        if record.done.is_none() {
            if record.completed.is_some() {
                let _ = self.inner().objects.delete(&layout::blob(&id)).await;
            }
            let appender = Appender::bare(self, record, true);
            appender.abort().await;
        } else {
            let _ = self.inner().objects.delete(&layout::record(&id)).await;
        }
        self.forget_upload(&id);
    }
}

async fn save(files: &Files, record: &Record) -> StoreResult<()> {
    let body = PutPayload::from(serde_json::to_vec(record).expect("serialisable"));
    files.inner().objects.put(&layout::record(&record.id), body).await?;
    Ok(())
}

/// The S3 path of `key` (object_store's `PrefixStore` does this for the
/// plain calls; the multipart calls go to the bucket directly).
fn s3_path(prefix: &Option<Path>, key: &Path) -> Path {
    match prefix {
        Some(prefix) => Path::from_iter(prefix.parts().chain(key.parts())),
        None => key.clone(),
    }
}

impl Appender {
    fn bare(files: &Files, record: Record, record_saved: bool) -> Appender {
        Appender {
            files: files.clone(),
            offset: record.offset,
            record,
            record_saved,
            hasher: None,
            local: None,
            buffer: BytesMut::new(),
            buffer_permit: None,
            pending: Vec::new(),
            since_checkpoint: 0,
            checkpoints: false,
            checksum: None,
            _active: None,
        }
    }

    /// `record` as it is, only to `abort` it (the sweep).
    pub(crate) fn resume_for_abort(files: &Files, record: Record) -> Appender {
        Appender::bare(files, record, true)
    }

    /// A plain upload of `name`.
    async fn plain(files: &Files, name: &str) -> StoreResult<Appender> {
        let now = unix_now();
        let id = layout::new_id();
        let active = Active::new(files, &id);
        let record = Record {
            id,
            resumable: false,
            name: name.to_string(),
            length: None,
            metadata: String::new(),
            offset: 0,
            created: now,
            touched: now,
            multipart: None,
            parts: Vec::new(),
            tail: 0,
            part_bytes: files.inner().part_bytes,
            completed: None,
            done: None,
        };
        let mut appender = Appender::bare(files, record, false);
        appender._active = Some(active);
        appender.hasher = Some(Sha256::new());
        if let Backend::Local { root } = &files.inner().backend {
            let path = root.join(layout::data_file(&appender.record.id));
            appender.local = Some(Arc::new(blocking(move || std::fs::File::create(path)).await?));
        }
        Ok(appender)
    }

    /// Resumes `record` (a resumable upload, locked by the caller) at its
    /// offset. `hashed` is the checksum state kept since its last request.
    pub async fn resume(files: &Files, record: Record, hashed: Option<Hashed>) -> StoreResult<Appender> {
        let mut appender = Appender::bare(files, record, true);
        appender.hasher = hashed.filter(|h| h.offset == appender.record.offset).map(|h| h.hasher);
        match &files.inner().backend {
            Backend::Local { root } => {
                let path = root.join(layout::data_file(&appender.record.id));
                let file = blocking(move || std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path)).await?;
                let file = Arc::new(file);
                let on_disk = blocking({
                    let file = file.clone();
                    move || file.metadata().map(|m| m.len())
                })
                .await?;
                if on_disk < appender.record.offset {
                    // Fewer bytes than recorded (a power cut before they reached
                    // the disk): go back to what is there; the client's offset
                    // no longer matches, and it asks again.
                    appender.record.offset = on_disk;
                    appender.offset = on_disk;
                    appender.hasher = None;
                    save(files, &appender.record).await?;
                }
                let keep = appender.record.offset;
                blocking({
                    let file = file.clone();
                    move || file.set_len(keep)
                })
                .await?;
                appender.local = Some(file);
            }
            Backend::S3 { .. } => {
                if appender.record.tail > 0 {
                    let tail = files.inner().objects.get(&layout::tail(&appender.record.id)).await?.bytes().await?;
                    if (tail.len() as u64) < appender.record.tail {
                        return Err(std::io::Error::other(format!("upload {}'s tail object is shorter than recorded", appender.record.id)).into());
                    }
                    appender.buffer_permit = Some(files.inner().budget.reserve(appender.part_bytes()).await);
                    appender.buffer.reserve(appender.part_bytes() as usize);
                    appender.buffer.extend_from_slice(&tail[..appender.record.tail as usize]);
                }
            }
        }
        Ok(appender)
    }

    fn part_bytes(&self) -> u64 {
        self.record.part_bytes.max(1)
    }

    /// Bytes received so far (durable or not).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Reads `body` to its end into the upload; stops at the first error, a
    /// body silent for `idle`, or a byte past `limit`.
    pub async fn pull<S, E>(&mut self, body: &mut S, limit: Limit, idle: Duration) -> StoreResult<()>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        loop {
            let chunk = match tokio::time::timeout(idle, body.next()).await {
                Err(_) => return Err(StoreError::Stalled(idle)),
                Ok(None) => return Ok(()),
                Ok(Some(Err(e))) => return Err(StoreError::Interrupted(e.to_string())),
                Ok(Some(Ok(chunk))) => chunk,
            };
            let end = self.offset + chunk.len() as u64;
            match limit {
                Limit::MaxBytes(max) if end > max => return Err(StoreError::TooLarge(max)),
                Limit::Length(length) if end > length => return Err(StoreError::ExceedsLength(length)),
                _ => {}
            }
            self.push(chunk).await?;
        }
    }

    async fn push(&mut self, mut chunk: Bytes) -> StoreResult<()> {
        if let Some(h) = &mut self.hasher {
            h.update(&chunk);
        }
        if let Some(c) = &mut self.checksum {
            c.update(&chunk);
        }
        let files = self.files.clone();
        match &files.inner().backend {
            Backend::Local { .. } => {
                let len = chunk.len() as u64;
                let _room = files.inner().budget.reserve(len).await;
                let file = self.local.clone().expect("a local upload has its file open");
                let at = self.offset;
                blocking(move || file.write_all_at(&chunk, at)).await?;
                self.offset += len;
                self.since_checkpoint += len;
                if self.checkpoints && self.since_checkpoint >= LOCAL_CHECKPOINT_BYTES {
                    self.settle().await?;
                }
            }
            Backend::S3 { .. } => {
                let part = self.part_bytes();
                while !chunk.is_empty() {
                    if self.buffer_permit.is_none() {
                        self.buffer_permit = Some(files.inner().budget.reserve(part).await);
                        self.buffer.reserve(part as usize);
                    }
                    let take = (part as usize - self.buffer.len()).min(chunk.len());
                    self.buffer.extend_from_slice(&chunk.split_to(take));
                    self.offset += take as u64;
                    if self.buffer.len() as u64 == part {
                        self.flush_part().await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// S3: the multipart upload (created, and recorded, on first use).
    async fn multipart(&mut self) -> StoreResult<String> {
        if let Some(id) = &self.record.multipart {
            return Ok(id.clone());
        }
        let Backend::S3 { s3, prefix, .. } = &self.files.inner().backend else { unreachable!("S3 only") };
        let id = s3.create_multipart(&s3_path(prefix, &layout::blob(&self.record.id))).await?;
        self.record.multipart = Some(id.clone());
        save(&self.files, &self.record).await?;
        self.record_saved = true;
        Ok(id)
    }

    /// S3: uploads the buffer as the next part.
    async fn flush_part(&mut self) -> StoreResult<()> {
        let multipart = self.multipart().await?;
        let Backend::S3 { s3, prefix, .. } = &self.files.inner().backend else { unreachable!("S3 only") };
        let data = self.buffer.split().freeze();
        let index = self.record.parts.len() + self.pending.len();
        let part = s3.put_part(&s3_path(prefix, &layout::blob(&self.record.id)), &multipart, index, PutPayload::from(data)).await?;
        self.pending.push(part.content_id);
        self.buffer = BytesMut::new();
        self.buffer_permit = None;
        if self.checkpoints {
            // Whole parts only: the tail object (if any) is now inside a part.
            self.record.parts.append(&mut self.pending);
            self.record.offset = self.offset;
            self.record.tail = 0;
            self.record.touched = unix_now();
            save(&self.files, &self.record).await?;
        }
        Ok(())
    }

    /// Records every byte received as staged (a resumable upload's request
    /// ends, or a checkpoint).
    pub async fn settle(&mut self) -> StoreResult<()> {
        match &self.files.inner().backend {
            Backend::Local { .. } => {
                let file = self.local.clone().expect("a local upload has its file open");
                blocking(move || file.sync_data()).await?;
            }
            Backend::S3 { .. } => {
                if !self.buffer.is_empty() {
                    let tail = PutPayload::from(Bytes::copy_from_slice(&self.buffer));
                    self.files.inner().objects.put(&layout::tail(&self.record.id), tail).await?;
                }
                self.record.parts.append(&mut self.pending);
                self.record.tail = self.buffer.len() as u64;
            }
        }
        self.record.offset = self.offset;
        self.record.touched = unix_now();
        self.since_checkpoint = 0;
        save(&self.files, &self.record).await?;
        self.record_saved = true;
        Ok(())
    }

    /// What to keep of the checksum for the next request.
    pub fn hashed(&self) -> Option<Hashed> {
        self.hasher.clone().map(|hasher| Hashed { offset: self.record.offset, hasher }).filter(|h| h.offset == self.offset)
    }

    /// Whether the request's `Upload-Checksum` (if any) matches what it sent.
    pub fn checksum_matches(&self) -> bool {
        self.checksum.as_ref().is_none_or(Checksum::matches)
    }

    /// Turns every byte received into blob `blobs/<id>`.
    pub async fn complete(mut self) -> StoreResult<Staged> {
        let files = self.files.clone();
        let blob = layout::blob(&self.record.id);
        if !self.record_saved {
            // Every blob no name points at has a record, written before the
            // blob: after a crash the sweep finds it (and the blob) by it.
            save(&files, &self.record).await?;
            self.record_saved = true;
        }
        match &files.inner().backend {
            Backend::Local { root } => {
                let file = self.local.take().expect("a local upload has its file open");
                blocking(move || file.sync_data()).await?;
                let (from, to) = (root.join(layout::data_file(&self.record.id)), root.join(blob.as_ref()));
                blocking(move || std::fs::rename(from, to)).await?;
            }
            Backend::S3 { s3, prefix, .. } => {
                let data = self.buffer.split().freeze();
                match self.multipart_id() {
                    None => {
                        files.inner().objects.put(&blob, PutPayload::from(data)).await?;
                    }
                    Some(multipart) => {
                        let path = s3_path(prefix, &blob);
                        let mut parts: Vec<String> = self.record.parts.iter().chain(&self.pending).cloned().collect();
                        if !data.is_empty() {
                            parts.push(s3.put_part(&path, &multipart, parts.len(), PutPayload::from(data)).await?.content_id);
                        }
                        let parts = parts.into_iter().map(|content_id| PartId { content_id }).collect();
                        s3.complete_multipart(&path, &multipart, parts).await?;
                    }
                }
                self.buffer_permit = None;
                if self.record.resumable {
                    let _ = files.inner().objects.delete(&layout::tail(&self.record.id)).await;
                }
            }
        }
        let sha256 = match self.hasher.take() {
            Some(hasher) => layout::hex(&hasher.finalize()),
            None => rehash(&files, &blob).await?,
        };
        Ok(Staged {
            id: self.record.id.clone(),
            name: self.record.name.clone(),
            size: self.offset,
            sha256,
            // A resumable upload's record stays (it answers `HEAD` once done).
            record: self.record_saved && !self.record.resumable,
            resumable: self.record.resumable,
            _active: self._active.take(),
        })
    }

    fn multipart_id(&self) -> Option<String> {
        self.record.multipart.clone()
    }

    /// Removes everything this upload staged, and its record.
    pub async fn abort(mut self) {
        let files = self.files.clone();
        self.buffer_permit = None;
        match &files.inner().backend {
            Backend::Local { root } => {
                self.local = None;
                let path = root.join(layout::data_file(&self.record.id));
                let _ = blocking(move || std::fs::remove_file(path)).await;
            }
            Backend::S3 { s3, prefix, .. } => {
                if let Some(multipart) = &self.record.multipart {
                    if let Err(e) = s3.abort_multipart(&s3_path(prefix, &layout::blob(&self.record.id)), multipart).await {
                        eprintln!("quiver-store: could not abort multipart upload {multipart} (the next sweep will retry): {e}");
                        return; // keep the record, so the sweep can retry
                    }
                }
                let _ = files.inner().objects.delete(&layout::tail(&self.record.id)).await;
            }
        }
        if self.record_saved {
            let _ = files.inner().objects.delete(&layout::record(&self.record.id)).await;
        }
    }
}

/// The SHA-256 of a stored object, read back.
async fn rehash(files: &Files, key: &Path) -> StoreResult<String> {
    let mut stream = files.inner().objects.get(key).await?.into_stream();
    let mut hasher = Sha256::new();
    while let Some(chunk) = stream.next().await {
        hasher.update(&chunk?);
    }
    Ok(layout::hex(&hasher.finalize()))
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    /// Marks `id` as a plain upload in progress in this process (for sweep tests).
    pub(crate) fn active(files: &Files, id: &str) -> Active {
        Active::new(files, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    #[test]
    fn checksums() {
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let data = b"hello, tus";
        let mut good = Checksum::parse(&format!("sha256 {}", b64(&Sha256::digest(data)))).unwrap();
        good.update(&data[..4]);
        good.update(&data[4..]);
        assert!(good.matches());
        let mut sha1 = Checksum::parse(&format!("sha1 {}", b64(&sha1::Sha1::digest(data)))).unwrap();
        sha1.update(data);
        assert!(sha1.matches());
        let mut wrong = Checksum::parse(&format!("sha256 {}", b64(&Sha256::digest(b"other")))).unwrap();
        wrong.update(data);
        assert!(!wrong.matches());
        assert!(Checksum::parse("md5 AAAA").is_err());
        assert!(Checksum::parse("sha256 not*base64").is_err());
        assert!(Checksum::parse("sha256 AAAA").is_err(), "too short for sha256");
        assert!(Checksum::parse("sha256").is_err());
    }
}
