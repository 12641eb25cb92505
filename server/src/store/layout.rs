//! Where everything lives in the object store. Every key is short and of a
//! fixed shape whatever the file's name (the name is hashed), so no name the
//! contract allows can exceed what storage accepts: the longest key is
//! `uploads/<32 hex>.commit.json`, 52 bytes (S3 allows 1,024; a local file
//! name 255).
//!
//! ```text
//! names/<sha256(name)>.json    the pointer: {name, size, sha256, uploaded, blob} (one per file)
//! blobs/<id>                   a version's bytes: written once, never changed, deleted when replaced
//! uploads/<id>.json            a staged upload's record (resumable uploads; S3 multipart uploads)
//! uploads/<id>.data            local disk: a staged upload's bytes so far
//! uploads/<id>.tail            S3: a resumable upload's bytes past its last full part
//! uploads/<id>.commit.json     a multi-file form's commit journal (rolled forward after a crash)
//! files/<name>, meta/<name>.json   the layout before pointers: imported at start-up
//! ```
//!
//! A reader resolves the pointer, then opens that blob: since a blob never
//! changes, a read is one version whatever is uploaded meanwhile. Changing
//! this layout changes `sweep` (which recognises each kind of key) and the
//! S3 test helpers in `tests/store/servers.mjs`.

use object_store::path::Path;
use sha2::{Digest, Sha256};

pub const NAMES: &str = "names";
pub const BLOBS: &str = "blobs";
pub const UPLOADS: &str = "uploads";

pub fn pointer(name: &str) -> Path {
    Path::from_iter([NAMES, &format!("{}.json", hex(&Sha256::digest(name.as_bytes())))])
}

pub fn blob(id: &str) -> Path {
    Path::from_iter([BLOBS, id])
}

pub fn record(id: &str) -> Path {
    Path::from_iter([UPLOADS, &format!("{id}.json")])
}

pub fn tail(id: &str) -> Path {
    Path::from_iter([UPLOADS, &format!("{id}.tail")])
}

pub fn journal(id: &str) -> Path {
    Path::from_iter([UPLOADS, &format!("{id}.commit.json")])
}

/// Local disk: the staged bytes of upload `id`, relative to the store's directory.
pub fn data_file(id: &str) -> std::path::PathBuf {
    std::path::Path::new(UPLOADS).join(format!("{id}.data"))
}

/// What a key under `uploads/` is, by its file name.
#[derive(Debug, PartialEq, Eq)]
pub enum Staged<'a> {
    Record(&'a str),
    Data(&'a str),
    Tail(&'a str),
    Journal(&'a str),
    Other,
}

pub fn classify(file_name: &str) -> Staged<'_> {
    let id_ok = |id: &str| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(id) = file_name.strip_suffix(".commit.json").filter(|id| id_ok(id)) {
        Staged::Journal(id)
    } else if let Some(id) = file_name.strip_suffix(".json").filter(|id| id_ok(id)) {
        Staged::Record(id)
    } else if let Some(id) = file_name.strip_suffix(".data").filter(|id| id_ok(id)) {
        Staged::Data(id)
    } else if let Some(id) = file_name.strip_suffix(".tail").filter(|id| id_ok(id)) {
        Staged::Tail(id)
    } else {
        Staged::Other
    }
}

/// A fresh random id (128 bits, hex): names blobs and uploads, and is the
/// resumable upload's URL, so it must not be guessable.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex(&bytes)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_whatever_the_name() {
        let longest = "表".repeat(85); // 255 bytes; 765 once percent-encoded
        assert_eq!(pointer(&longest).as_ref().len(), pointer("a").as_ref().len());
        assert!(pointer(&longest).as_ref().len() <= 80);
        assert_eq!(journal(&new_id()).as_ref().len(), 52);
    }

    #[test]
    fn classifies_staged_keys() {
        let id = new_id();
        assert_eq!(classify(&format!("{id}.json")), Staged::Record(&id));
        assert_eq!(classify(&format!("{id}.commit.json")), Staged::Journal(&id));
        assert_eq!(classify(&format!("{id}.data")), Staged::Data(&id));
        assert_eq!(classify(&format!("{id}.tail")), Staged::Tail(&id));
        assert_eq!(classify("1700000000-12-3#1"), Staged::Other);
        assert_ne!(new_id(), new_id());
    }
}
