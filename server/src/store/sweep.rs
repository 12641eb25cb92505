//! Sweeping: what uploads leave behind when they cannot clean up after
//! themselves (a crash, `kill -9`, a storage error during an abort), and
//! resumable uploads nobody came back for.
//!
//! - [`Files::sweep_staging`] looks at `uploads/` only (cheap), at start-up
//!   before the server listens and then every `--sweep-interval`: a plain
//!   upload's record or bytes that no request of this process owns are
//!   aborted (S3 multipart uploads too: their ids are in the records);
//!   resumable uploads untouched for `--upload-expiry` are removed;
//!   at start-up, commit journals are rolled forward.
//! - [`Files::sweep_orphans`], once after start-up: blobs no pointer or
//!   record names (a crash between writing a blob and its pointer, or before
//!   deleting a replaced version). Only blobs older than this process (by
//!   more than a clock-skew margin on S3) are candidates, so nothing an
//!   upload of this process is writing can be taken.
//! - [`Files::import_legacy`], at start-up: files of the layout before
//!   pointers (`files/<name>`) get a pointer, so they stay listed.
//!
//! Keys it does not recognise under `uploads/` are removed at start-up only
//! (the previous layout's temporary objects). `layout` names every key kind.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};

use super::staging::{Appender, Record};
use super::{layout, unix_now, Backend, Files, Pointer, Stored, StoreResult};
use crate::names;

/// What a sweep removed (printed, and read by tests through the log).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Staged uploads (plain uploads no request owns any more) removed.
    pub abandoned: usize,
    /// Resumable uploads expired.
    pub expired: usize,
    /// Commit journals rolled forward.
    pub journals: usize,
    /// Stray staged bytes (no record) or unknown keys removed.
    pub strays: usize,
}

impl Files {
    /// Lists `uploads/`: (file name, key) pairs.
    async fn staged_keys(&self) -> StoreResult<Vec<(String, Path)>> {
        match &self.inner().backend {
            Backend::Local { root } => {
                // Straight from the directory: object_store's listing hides
                // names with `#` (the previous layout's temporary files).
                let dir = root.join(layout::UPLOADS);
                let names = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<String>> {
                    let mut out = Vec::new();
                    for entry in std::fs::read_dir(dir)? {
                        let entry = entry?;
                        if entry.file_type()?.is_file() {
                            out.push(entry.file_name().to_string_lossy().into_owned());
                        }
                    }
                    Ok(out)
                })
                .await
                .map_err(std::io::Error::other)??;
                Ok(names.into_iter().map(|n| (n.clone(), Path::from_iter([layout::UPLOADS, &n]))).collect())
            }
            Backend::S3 { .. } => {
                let found: Vec<_> = self.inner().objects.list(Some(&Path::from(layout::UPLOADS))).try_collect().await?;
                Ok(found.into_iter().filter_map(|m| m.location.filename().map(|n| (n.to_string(), m.location.clone()))).collect())
            }
        }
    }

    async fn delete_staged_key(&self, name: &str, key: &Path) {
        match &self.inner().backend {
            Backend::Local { root } => {
                let _ = std::fs::remove_file(root.join(layout::UPLOADS).join(name));
            }
            Backend::S3 { .. } => {
                let _ = self.inner().objects.delete(key).await;
            }
        }
    }

    async fn read_record(&self, id: &str) -> Option<Record> {
        let bytes = self.inner().objects.get(&layout::record(id)).await.ok()?.bytes().await.ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn is_active(&self, id: &str) -> bool {
        self.inner().active.lock().expect("the active set").contains(id)
    }

    /// See the module note. `startup`: no request is running yet.
    pub async fn sweep_staging(&self, startup: bool) -> StoreResult<Swept> {
        let mut swept = Swept::default();
        let keys = self.staged_keys().await?;
        let mut records = HashSet::new();
        for (name, _) in &keys {
            if let layout::Staged::Record(id) = layout::classify(name) {
                records.insert(id.to_string());
            }
        }
        let now = unix_now();
        for (name, key) in &keys {
            match layout::classify(name) {
                layout::Staged::Journal(_) if startup => {
                    if let Ok(found) = self.inner().objects.get(key).await {
                        if let Ok(pointers) = serde_json::from_slice::<Vec<Pointer>>(&found.bytes().await?) {
                            for pointer in pointers {
                                if self.inner().objects.head(&Path::from(pointer.blob.as_str())).await.is_ok() {
                                    let body = PutPayload::from(serde_json::to_vec(&pointer).expect("serialisable"));
                                    self.inner().objects.put(&layout::pointer(&pointer.stored.name), body).await?;
                                }
                            }
                        }
                    }
                    self.inner().objects.delete(key).await?;
                    swept.journals += 1;
                }
                layout::Staged::Journal(_) => {}
                layout::Staged::Record(id) => {
                    let Some(record) = self.read_record(id).await else {
                        if startup {
                            self.delete_staged_key(name, key).await;
                            swept.strays += 1;
                        }
                        continue;
                    };
                    if record.resumable {
                        let lock = self.upload_lock(id);
                        let Ok(_held) = lock.try_lock() else { continue };
                        if record.expires(self.inner().upload_expiry) < now {
                            self.remove_upload(record).await;
                            swept.expired += 1;
                        }
                    } else if !self.is_active(id) {
                        // A plain upload whose request is gone. If its pointer was
                        // written before the crash, only the record is left over.
                        let committed = self.pointer(&record.name).await?.is_some_and(|(p, _)| p.blob == layout::blob(id).as_ref());
                        if !committed {
                            let _ = self.inner().objects.delete(&layout::blob(id)).await;
                            if record.multipart.is_some() || matches!(self.inner().backend, Backend::Local { .. }) {
                                Appender::resume_for_abort(self, record).abort().await;
                            }
                        }
                        let _ = self.inner().objects.delete(&layout::record(id)).await;
                        swept.abandoned += 1;
                    }
                }
                layout::Staged::Data(id) | layout::Staged::Tail(id) => {
                    if !records.contains(id) && !self.is_active(id) {
                        self.delete_staged_key(name, key).await;
                        swept.strays += 1;
                    }
                }
                layout::Staged::Other if startup => {
                    self.delete_staged_key(name, key).await;
                    swept.strays += 1;
                }
                layout::Staged::Other => {}
            }
        }
        if let Backend::S3 { s3, bucket, prefix } = &self.inner().backend {
            swept.strays += self.sweep_multipart(s3, bucket, prefix).await;
        }
        Ok(swept)
    }

    /// S3: aborts multipart uploads under `blobs/` that no request of this
    /// process and no resumable upload's record owns (a process killed
    /// between creating one and recording its id leaves such).
    async fn sweep_multipart(&self, s3: &object_store::aws::AmazonS3, bucket: &str, prefix: &Option<Path>) -> usize {
        let under = match prefix {
            Some(prefix) => format!("{prefix}/{}/", layout::BLOBS),
            None => format!("{}/", layout::BLOBS),
        };
        let pending = match super::s3::pending_uploads(s3, bucket, &under).await {
            Ok(pending) => pending,
            Err(e) => {
                eprintln!("quiver-store: could not list multipart uploads in progress (the next sweep will retry): {e}");
                return 0;
            }
        };
        let mut aborted = 0;
        for upload in pending {
            let Some(id) = upload.key.rsplit('/').next() else { continue };
            if self.is_active(id) {
                continue;
            }
            if let Some(record) = self.read_record(id).await {
                if record.resumable {
                    if record.multipart.as_deref() == Some(upload.upload_id.as_str()) {
                        continue; // the upload's own, to be resumed
                    }
                    if self.upload_lock(id).try_lock().is_err() {
                        continue; // a request is creating it right now
                    }
                }
            }
            use object_store::multipart::MultipartStore;
            if s3.abort_multipart(&Path::from(upload.key.as_str()), &upload.upload_id).await.is_ok() {
                aborted += 1;
            }
        }
        aborted
    }

    /// See the module note; returns how many blobs were removed.
    pub async fn sweep_orphans(&self) -> StoreResult<usize> {
        let margin = match self.inner().backend {
            Backend::Local { .. } => Duration::ZERO,
            Backend::S3 { .. } => Duration::from_secs(300),
        };
        let cutoff = self.inner().started.checked_sub(margin).unwrap_or(SystemTime::UNIX_EPOCH);
        let objects = self.inner().objects.clone();
        let mut referenced = HashSet::new();
        let pointers: Vec<_> = objects.list(Some(&Path::from(layout::NAMES))).try_collect().await?;
        for meta in pointers {
            let Ok(found) = objects.get(&meta.location).await else { continue };
            if let Ok(pointer) = serde_json::from_slice::<Pointer>(&found.bytes().await?) {
                referenced.insert(pointer.blob);
            }
        }
        for (name, _) in self.staged_keys().await? {
            if let layout::Staged::Record(id) = layout::classify(&name) {
                referenced.insert(layout::blob(id).to_string());
            }
        }
        let blobs: Vec<_> = objects.list(Some(&Path::from(layout::BLOBS))).try_collect().await?;
        let mut removed = 0;
        for blob in blobs {
            let old = SystemTime::from(blob.last_modified) < cutoff;
            if old && !referenced.contains(blob.location.as_ref()) {
                objects.delete(&blob.location).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Gives each `files/<name>` of the previous layout a pointer (its
    /// checksum from `meta/<name>.json` when that matches, else computed).
    pub async fn import_legacy(&self) -> StoreResult<usize> {
        let objects = self.inner().objects.clone();
        let legacy: Vec<_> = objects.list(Some(&Path::from("files"))).try_collect().await?;
        let mut imported = 0;
        for object in legacy {
            let Some(raw) = object.location.filename() else { continue };
            let name = match names::check(raw) {
                Ok(name) if name == raw => name,
                _ => {
                    eprintln!("quiver-store: left {} as it is: its name is not allowed now", object.location);
                    continue;
                }
            };
            if self.pointer(&name).await?.is_some() {
                continue;
            }
            let meta_key = Path::from_iter(["meta", &format!("{name}.json")]);
            let known = match objects.get(&meta_key).await {
                Ok(found) => serde_json::from_slice::<Stored>(&found.bytes().await?).ok().filter(|s| s.size == object.size && !s.sha256.is_empty()),
                Err(_) => None,
            };
            let stored = match known {
                Some(stored) => stored,
                None => {
                    let mut stream = objects.get(&object.location).await?.into_stream();
                    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
                    while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
                        sha2::Digest::update(&mut hasher, &chunk?);
                    }
                    Stored {
                        name: name.clone(),
                        size: object.size,
                        sha256: layout::hex(&sha2::Digest::finalize(hasher)),
                        uploaded: super::rfc3339(object.last_modified.into()),
                    }
                }
            };
            let pointer = Pointer { stored, blob: object.location.to_string() };
            objects.put(&layout::pointer(&name), PutPayload::from(serde_json::to_vec(&pointer).expect("serialisable"))).await?;
            let _ = objects.delete(&meta_key).await;
            imported += 1;
        }
        Ok(imported)
    }
}

#[cfg(test)]
mod tests {
    //! The crash states the HTTP tests cannot stop the server in on purpose,
    //! set up by hand on local disk, then swept as at start-up.
    use super::*;
    use crate::store::{Options, Stored};
    use object_store::PutPayload;

    fn fresh() -> (Files, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("quiver-sweep-{}", layout::new_id()));
        let options = Options { upload_memory: 1 << 20, max_bytes: 1 << 30, upload_expiry: Duration::from_secs(60) };
        (Files::open(dir.to_str().unwrap(), &options).unwrap(), dir)
    }

    fn pointer(name: &str, blob: &str) -> Pointer {
        Pointer { stored: Stored { name: name.into(), size: 3, sha256: "ab".repeat(32), uploaded: "2026-01-01T00:00:00Z".into() }, blob: blob.into() }
    }

    async fn put(files: &Files, key: &Path, bytes: Vec<u8>) {
        files.inner().objects.put(key, PutPayload::from(bytes)).await.unwrap();
    }

    fn record(id: &str, name: &str, resumable: bool, touched: u64) -> Record {
        Record {
            id: id.into(),
            resumable,
            name: name.into(),
            length: resumable.then_some(10),
            metadata: String::new(),
            offset: 3,
            created: touched,
            touched,
            multipart: None,
            parts: Vec::new(),
            tail: 0,
            part_bytes: 0,
            completed: None,
            done: None,
        }
    }

    #[tokio::test]
    async fn a_commit_journal_is_rolled_forward() {
        let (files, dir) = fresh();
        let (a, b) = (layout::new_id(), layout::new_id());
        put(&files, &layout::blob(&a), b"aaa".to_vec()).await;
        put(&files, &layout::blob(&b), b"bbb".to_vec()).await;
        let journal = vec![pointer("one.csv", layout::blob(&a).as_ref()), pointer("two.csv", layout::blob(&b).as_ref())];
        put(&files, &layout::journal(&layout::new_id()), serde_json::to_vec(&journal).unwrap()).await;
        let swept = files.sweep_staging(true).await.unwrap();
        assert_eq!(swept.journals, 1);
        assert_eq!(files.describe("one.csv").await.unwrap().blob, layout::blob(&a).as_ref());
        assert_eq!(files.describe("two.csv").await.unwrap().blob, layout::blob(&b).as_ref());
        assert!(std::fs::read_dir(dir.join("uploads")).unwrap().next().is_none());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn leftovers_of_plain_uploads_go_and_committed_blobs_stay() {
        let (files, dir) = fresh();
        // Killed mid-upload: bytes, no record.
        let stray = layout::new_id();
        std::fs::write(dir.join(layout::data_file(&stray)), b"partial").unwrap();
        // Killed between writing its record and blob and the pointer: both go.
        let unpointed = layout::new_id();
        put(&files, &layout::blob(&unpointed), b"xyz".to_vec()).await;
        put(&files, &layout::record(&unpointed), serde_json::to_vec(&record(&unpointed, "lost.csv", false, 0)).unwrap()).await;
        // Killed after the pointer, before deleting the record: only the record goes.
        let committed = layout::new_id();
        put(&files, &layout::blob(&committed), b"abc".to_vec()).await;
        put(&files, &layout::pointer("kept.csv"), serde_json::to_vec(&pointer("kept.csv", layout::blob(&committed).as_ref())).unwrap()).await;
        put(&files, &layout::record(&committed), serde_json::to_vec(&record(&committed, "kept.csv", false, 0)).unwrap()).await;
        // An upload of this process still running: left alone.
        let running = layout::new_id();
        std::fs::write(dir.join(layout::data_file(&running)), b"in progress").unwrap();
        let _active = crate::store::staging::tests_support::active(&files, &running);

        let swept = files.sweep_staging(false).await.unwrap();
        assert_eq!((swept.abandoned, swept.strays), (2, 1));
        assert!(!dir.join(layout::data_file(&stray)).exists());
        assert!(dir.join(layout::data_file(&running)).exists());
        assert!(files.inner().objects.head(&layout::blob(&unpointed)).await.is_err());
        assert!(files.inner().objects.head(&layout::blob(&committed)).await.is_ok());
        assert_eq!(files.list().await.unwrap().iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["kept.csv"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn resumable_uploads_expire_and_orphaned_blobs_go() {
        let (files, dir) = fresh();
        let (old, recent) = (layout::new_id(), layout::new_id());
        for (id, touched) in [(&old, 0), (&recent, unix_now())] {
            std::fs::write(dir.join(layout::data_file(id)), b"abc").unwrap();
            put(&files, &layout::record(id), serde_json::to_vec(&record(id, "r.csv", true, touched)).unwrap()).await;
        }
        let swept = files.sweep_staging(false).await.unwrap();
        assert_eq!(swept.expired, 1);
        assert!(!dir.join(layout::data_file(&old)).exists());
        assert!(files.resumable(&old).await.is_err());
        assert_eq!(files.resumable(&recent).await.unwrap().offset, 3);
        // A blob older than this process that nothing names goes; a named one stays.
        let (orphan, named) = (layout::new_id(), layout::new_id());
        put(&files, &layout::blob(&orphan), b"o".to_vec()).await;
        put(&files, &layout::blob(&named), b"n".to_vec()).await;
        put(&files, &layout::pointer("named.csv"), serde_json::to_vec(&pointer("named.csv", layout::blob(&named).as_ref())).unwrap()).await;
        // A restart a moment later (file times may have one-second steps).
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let restarted = Files::open(dir.to_str().unwrap(), &Options { upload_memory: 1 << 20, max_bytes: 1 << 30, upload_expiry: Duration::from_secs(60) }).unwrap();
        assert_eq!(restarted.sweep_orphans().await.unwrap(), 1);
        assert!(restarted.inner().objects.head(&layout::blob(&orphan)).await.is_err());
        assert!(restarted.inner().objects.head(&layout::blob(&named)).await.is_ok());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn files_of_the_previous_layout_are_imported() {
        let (files, dir) = fresh();
        // As the store before pointers left them: files/<name>, meta/<name>.json.
        std::fs::create_dir_all(dir.join("files")).unwrap();
        std::fs::create_dir_all(dir.join("meta")).unwrap();
        std::fs::write(dir.join("files/with meta.csv"), b"a,b\n").unwrap();
        let known = Stored { name: "with meta.csv".into(), size: 4, sha256: "cd".repeat(32), uploaded: "2025-01-02T03:04:05Z".into() };
        std::fs::write(dir.join("meta/with meta.csv.json"), serde_json::to_vec(&known).unwrap()).unwrap();
        std::fs::write(dir.join("files/no-meta.csv"), b"x\n").unwrap();
        std::fs::write(dir.join("files/CON.csv"), b"refused now\n").unwrap();
        assert_eq!(files.import_legacy().await.unwrap(), 2);
        let with_meta = files.describe("with meta.csv").await.unwrap();
        assert_eq!(with_meta.stored, known);
        assert_eq!(with_meta.blob, "files/with meta.csv");
        let hashed = files.describe("no-meta.csv").await.unwrap().stored;
        assert_eq!(hashed.sha256, layout::hex(&<sha2::Sha256 as sha2::Digest>::digest(b"x\n")));
        // Read through the pointer like any file; a name refused now stays untouched and unlisted.
        let mut stream = files.read(&files.describe("no-meta.csv").await.unwrap(), None).await.unwrap();
        assert_eq!(&futures::StreamExt::next(&mut stream).await.unwrap().unwrap()[..], b"x\n");
        assert_eq!(files.list().await.unwrap().len(), 2);
        assert!(dir.join("files/CON.csv").exists());
        // A second start imports nothing more.
        assert_eq!(files.import_legacy().await.unwrap(), 0);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
