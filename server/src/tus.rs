//! Resumable uploads: the tus 1.0.0 core protocol with the creation,
//! creation-with-upload, expiration, checksum and termination extensions
//! (<https://tus.io/protocols/resumable-upload>), on the store's staged
//! uploads (`store::staging`).
//!
//! - `POST /uploads` with `Upload-Length` and `Upload-Metadata` (which must
//!   carry `filename`) → 201 with `Location: /uploads/<id>`;
//! - `HEAD /uploads/<id>` → `Upload-Offset`, `Upload-Length`;
//! - `PATCH /uploads/<id>` (`Content-Type: application/offset+octet-stream`,
//!   `Upload-Offset` = the current offset, else 409) appends; an optional
//!   `Upload-Checksum: sha1|sha256 <base64>` is checked over the request's
//!   body, and on a mismatch nothing of it is kept (460). When the offset
//!   reaches the length the file is stored under its name (the last
//!   complete upload of a name wins, as with `PUT`);
//! - `DELETE /uploads/<id>` → 204, everything staged removed;
//! - `OPTIONS` (not a CORS preflight) → the server's tus capabilities.
//!
//! One request at a time per upload: a `PATCH` while another holds the
//! upload gets 423 at once; `HEAD` and `DELETE` wait a little for it (a cut
//! request settles within moments) and then answer 423 too. tus-js-client
//! retries on 423 and 409. An upload untouched for `--upload-expiry` is
//! removed (`Upload-Expires` says when). After it is complete, `HEAD` keeps
//! answering its full offset until it expires, so a client that missed the
//! last answer does not upload again.

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use tokio::sync::OwnedMutexGuard;

use crate::conditions::Preconditions;
use crate::error::{ApiError, ApiResult};
use crate::names;
use crate::routes::{refuse, State};
use crate::store::staging::{Appender, Checksum, Hashed, Limit, Record, Staged};
use crate::store::{Files, StoreError};

pub const VERSION: &str = "1.0.0";
pub const EXTENSIONS: &str = "creation,creation-with-upload,expiration,checksum,termination";
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";
/// How long `HEAD` and `DELETE` wait for a request holding the upload.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Every tus answer carries `Tus-Resumable`.
pub async fn mark_response(mut response: Response) -> Response {
    response.headers_mut().insert("tus-resumable", HeaderValue::from_static(VERSION));
    response
}

/// `OPTIONS` that is not a CORS preflight: what this server supports.
pub async fn discovery(axum::extract::State(state): axum::extract::State<State>, request: Request, next: Next) -> Response {
    if request.method() != Method::OPTIONS || request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD) {
        return next.run(request).await;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert("tus-version", HeaderValue::from_static(VERSION));
    headers.insert("tus-extension", HeaderValue::from_static(EXTENSIONS));
    headers.insert("tus-max-size", HeaderValue::from(state.max_bytes));
    headers.insert("tus-checksum-algorithm", HeaderValue::from_static(Checksum::ALGORITHMS));
    response
}

fn require_version(headers: &HeaderMap) -> ApiResult<()> {
    match headers.get("tus-resumable").and_then(|v| v.to_str().ok()) {
        Some(VERSION) => Ok(()),
        other => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "tus_version",
            format!("this server speaks tus {VERSION}; the request says {}", other.map_or("nothing (no Tus-Resumable header)".to_string(), |v| format!("{v:?}"))),
        )
        .with_header(header::HeaderName::from_static("tus-version"), VERSION)),
    }
}

fn number(headers: &HeaderMap, name: &'static str) -> ApiResult<Option<u64>> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("bad_header", format!("{name} must be a whole number of bytes"))),
    }
}

/// `Upload-Metadata`: `key base64,key base64,key` → values (decoded).
fn metadata(header: &str) -> ApiResult<HashMap<String, Vec<u8>>> {
    let mut out = HashMap::new();
    for pair in header.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
        let value = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| ApiError::bad_request("bad_metadata", format!("Upload-Metadata: the value of {key:?} is not base64")))?;
        if out.insert(key.to_string(), value).is_some() {
            return Err(ApiError::bad_request("bad_metadata", format!("Upload-Metadata: {key:?} is given twice")));
        }
    }
    Ok(out)
}

fn expires_header(record: &Record, expiry: Duration) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(record.expires(expiry)))
}

fn upload_id(path: Result<Path<String>, PathRejection>) -> ApiResult<String> {
    path.map(|Path(id)| id).map_err(|_| StoreError::UploadNotFound(String::new()).into())
}

/// `POST /uploads`: a new upload (and, with a body, its first bytes).
pub async fn create(axum::extract::State(state): axum::extract::State<State>, headers: HeaderMap, body: Body) -> ApiResult<Response> {
    require_version(&headers)?;
    if headers.contains_key("upload-defer-length") {
        return Err(ApiError::bad_request("length_required", "this server needs Upload-Length when the upload is created (no creation-defer-length)"));
    }
    let length = number(&headers, "upload-length")?
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, "length_required", "a new upload needs Upload-Length"))?;
    if length > state.max_bytes {
        return Err(StoreError::TooLarge(state.max_bytes).into());
    }
    let raw_metadata = headers.get("upload-metadata").map(|v| v.to_str().unwrap_or("\u{0}")).unwrap_or("");
    let fields = metadata(raw_metadata)?;
    let raw_name = fields
        .get("filename")
        .or_else(|| fields.get("name"))
        .ok_or_else(|| ApiError::bad_request("invalid_name", "Upload-Metadata must carry the file's name (`filename <base64>`)"))?;
    let raw_name = String::from_utf8(raw_name.clone()).map_err(|_| ApiError::bad_request("invalid_name", "the filename in Upload-Metadata is not UTF-8"))?;
    let name = names::check(&raw_name)?;
    let with_data = headers.get(header::CONTENT_TYPE).is_some_and(|v| v == OFFSET_OCTET_STREAM);
    let checksum = checksum(&headers)?;
    let record = state.files.create_resumable(&name, length, raw_metadata).await?;
    let mut response = Response::builder()
        .status(StatusCode::CREATED)
        .header(header::LOCATION, format!("/uploads/{}", record.id))
        .header("upload-expires", expires_header(&record, state.upload_expiry));
    if with_data {
        let lock = state.files.upload_lock(&record.id).lock_owned().await;
        let record = run_patch(&state, record, 0, headers, body, checksum, lock).await?;
        response = response.header("upload-offset", record.offset);
    }
    Ok(response.body(Body::empty()).expect("a response"))
}

fn checksum(headers: &HeaderMap) -> ApiResult<Option<Checksum>> {
    match headers.get("upload-checksum") {
        None => Ok(None),
        Some(v) => Checksum::parse(v.to_str().unwrap_or(""))
            .map(Some)
            .map_err(|why| ApiError::bad_request("bad_checksum", why)),
    }
}

/// The upload a `HEAD` or `DELETE` names, locked (waiting at most
/// `LOCK_WAIT` for a `PATCH` in progress), and its record as it is once the
/// lock is held.
async fn locked_upload(
    state: &State,
    path: Result<Path<String>, PathRejection>,
    headers: &HeaderMap,
) -> ApiResult<(OwnedMutexGuard<Option<Hashed>>, Record)> {
    require_version(headers)?;
    let id = upload_id(path)?;
    state.files.resumable(&id).await?;
    let lock = state.files.upload_lock(&id);
    let held = tokio::time::timeout(LOCK_WAIT, lock.lock_owned()).await.map_err(|_| StoreError::Locked)?;
    let record = state.files.resumable(&id).await?;
    Ok((held, record))
}

/// `HEAD /uploads/<id>`: how far it is.
pub async fn status(
    axum::extract::State(state): axum::extract::State<State>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (mut held, mut record) = locked_upload(&state, path, &headers).await?;
    if record.done.is_none() && record.length == Some(record.offset) {
        // Every byte arrived but the file was not stored (a crash, a storage error): store it now.
        record = finish(&state.files, record, &mut held).await?;
    }
    let mut response = Response::builder()
        .status(StatusCode::OK)
        .header(header::CACHE_CONTROL, "no-store")
        .header("upload-offset", record.offset)
        .header("upload-expires", expires_header(&record, state.upload_expiry));
    if let Some(length) = record.length {
        response = response.header("upload-length", length);
    }
    if !record.metadata.is_empty() {
        response = response.header("upload-metadata", &record.metadata);
    }
    Ok(response.body(Body::empty()).expect("a response"))
}

/// `PATCH /uploads/<id>`: more bytes at the current offset.
pub async fn patch(
    axum::extract::State(state): axum::extract::State<State>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let early = async {
        require_version(&headers)?;
        let id = upload_id(path)?;
        if headers.get(header::CONTENT_TYPE).is_none_or(|v| v != OFFSET_OCTET_STREAM) {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", format!("a PATCH carries Content-Type: {OFFSET_OCTET_STREAM}")));
        }
        let given = number(&headers, "upload-offset")?.ok_or_else(|| ApiError::bad_request("bad_header", "a PATCH needs Upload-Offset"))?;
        let checksum = checksum(&headers)?;
        state.files.resumable(&id).await?;
        let Ok(held) = state.files.upload_lock(&id).try_lock_owned() else {
            return Err(StoreError::Locked.into());
        };
        let record = state.files.resumable(&id).await?;
        Ok((record, given, checksum, held))
    };
    let (record, given, checksum, held) = match early.await {
        Ok(ready) => ready,
        Err(e) => return Err(refuse(body.into_data_stream(), e).await),
    };
    let record = run_patch(&state, record, given, headers, body, checksum, held).await?;
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .header("upload-offset", record.offset)
        .header("upload-expires", expires_header(&record, state.upload_expiry))
        .body(Body::empty())
        .expect("a response"))
}

/// Runs one PATCH's work in its own task (a client going away must not
/// drop it half-way: what arrived is settled, or discarded, either way).
async fn run_patch(
    state: &State,
    record: Record,
    given: u64,
    headers: HeaderMap,
    body: Body,
    checksum: Option<Checksum>,
    held: OwnedMutexGuard<Option<Hashed>>,
) -> ApiResult<Record> {
    let files = state.files.clone();
    let idle = state.body_timeout;
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let task = tokio::spawn(async move { append(files, record, given, declared, body, checksum, held, idle).await });
    task.await.map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the upload stopped: {e}")))?
}

#[allow(clippy::too_many_arguments)]
async fn append(
    files: Files,
    record: Record,
    given: u64,
    declared: Option<u64>,
    body: Body,
    checksum: Option<Checksum>,
    mut held: OwnedMutexGuard<Option<Hashed>>,
    idle: Duration,
) -> ApiResult<Record> {
    let length = record.length.unwrap_or(0);
    let mut stream = body.into_data_stream();
    if given != record.offset {
        return Err(refuse(stream, StoreError::OffsetMismatch { expected: record.offset, given }.into()).await);
    }
    if declared.is_some_and(|n| given + n > length) {
        return Err(refuse(stream, StoreError::ExceedsLength(length).into()).await);
    }
    if record.done.is_some() || record.offset == length {
        // Every byte is here already; only an empty PATCH at the end fits.
        if declared != Some(0) {
            return Err(refuse(stream, StoreError::ExceedsLength(length).into()).await);
        }
        return if record.done.is_some() { Ok(record) } else { finish(&files, record, &mut held).await };
    }
    let kept = held.as_ref().map(|h| Hashed { offset: h.offset, hasher: h.hasher.clone() });
    let mut appender = Appender::resume(&files, record, kept).await?;
    appender.checkpoints = checksum.is_none();
    appender.checksum = checksum;
    let pulled = appender.pull(&mut stream, Limit::Length(length), idle).await;
    let verified = appender.checksum_matches();
    let keep = match &pulled {
        Ok(()) => verified,
        // Cut short: what arrived can be kept only if nothing needs verifying.
        Err(_) => appender.checksum.is_none(),
    };
    if !keep {
        let error = match pulled {
            Ok(()) => StoreError::ChecksumMismatch(appender.checksum.as_ref().map_or("?", |c| c.algorithm)),
            Err(e) => e,
        };
        return Err(refuse(stream, error.into()).await);
    }
    appender.settle().await?;
    *held = appender.hashed();
    if let Err(e) = pulled {
        return Err(refuse(stream, e.into()).await);
    }
    if appender.offset() < length {
        return Ok(appender.record.clone());
    }
    let record = appender.record.clone();
    drop(appender);
    finish(&files, record, &mut held).await
}

/// Stores a fully received upload under its name, and marks it done. Each
/// step is recorded before the next, so after a failure (or a crash) the
/// next `HEAD` or `PATCH` takes it up where it stopped: bytes → blob
/// (`completed`) → pointer (`done`). If the staged bytes turn out shorter
/// than recorded (lost in a power cut), the record goes back to what is
/// there and the client is told that offset.
async fn finish(files: &Files, record: Record, held: &mut OwnedMutexGuard<Option<Hashed>>) -> ApiResult<Record> {
    let mut record = record;
    let staged = match Staged::completed(&record) {
        Some(staged) => staged,
        None => {
            let appender = Appender::resume(files, record.clone(), held.take()).await?;
            if Some(appender.offset()) != record.length {
                return Ok(appender.record.clone());
            }
            let staged = appender.complete().await?;
            record.completed = Some((staged.size, staged.sha256.clone()));
            files.save_record(&record).await?;
            staged
        }
    };
    let stored = files.commit(vec![staged], &Preconditions::default()).await?;
    record.done = stored.into_iter().next();
    files.save_record(&record).await?;
    Ok(record)
}

/// `DELETE /uploads/<id>`: the upload and everything it staged go.
pub async fn terminate(
    axum::extract::State(state): axum::extract::State<State>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (held, record) = locked_upload(&state, path, &headers).await?;
    state.files.remove_upload(record).await;
    drop(held);
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_pairs() {
        let m = metadata("filename c2FsZXMuY3N2,filetype dGV4dC9jc3Y=,empty").unwrap();
        assert_eq!(m["filename"], b"sales.csv");
        assert_eq!(m["filetype"], b"text/csv");
        assert_eq!(m["empty"], b"");
        assert!(metadata("filename !!!").is_err());
        assert!(metadata("a YQ==,a Yg==").is_err());
        assert!(metadata("").unwrap().is_empty());
    }
}
