//! The HTTP API (the README, "The file store", is its contract):
//!
//! - `PUT /files/{name}`: the request body is the file, streamed to storage
//!   → 201 `{name, size, sha256, uploaded}`; 413 past the size cap;
//!   `If-Match` / `If-None-Match: *` honoured (412);
//! - `POST /files` (`multipart/form-data`): each file field stored under its
//!   file name, all or none → 201 `{files: [...]}`;
//! - `GET /files?offset=0&limit=100` → `{files: [...], total, offset, limit}`;
//! - `GET` / `HEAD /files/{name}`: one version's bytes, with
//!   `Content-Length`, `ETag`, `Last-Modified`, `Accept-Ranges`; one `Range`
//!   → 206 or 416, unless a stale `If-Range` asks for the whole file;
//! - `DELETE /files/{name}` → 204;
//! - `/uploads`: resumable uploads (tus 1.0, `tus.rs`);
//! - `GET /health` → `{"ok": true}`.
//!
//! Every error is JSON: `{"error": {"code", "message"}}` (`json_errors`
//! makes sure of it). Requests pass `guard` first (Host, Origin, token,
//! cross-site POSTs). Uploads run in their own task, so a client going away
//! (or a connection cut off by `net`) aborts them cleanly rather than
//! dropping the work half-way.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::TryStreamExt;
use serde::Deserialize;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::conditions::{self, Preconditions};
use crate::error::{self, ApiError, ApiResult};
use crate::guard::Guard;
use crate::range::{self, Wanted};
use crate::store::{Files, Stored, StoreError};
use crate::{names, tus};

#[derive(Clone)]
pub struct State {
    pub files: Files,
    pub max_bytes: u64,
    pub body_timeout: Duration,
    pub upload_expiry: Duration,
    pub guard: Arc<Guard>,
}

pub fn router(state: State) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(state.guard.origins().to_vec()))
        .allow_methods([Method::GET, Method::HEAD, Method::PUT, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers(
            [
                "authorization", "content-type", "range", "if-match", "if-none-match", "if-range", "x-requested-with",
                "tus-resumable", "upload-length", "upload-offset", "upload-metadata", "upload-checksum", "upload-defer-length",
            ]
            .map(HeaderName::from_static),
        )
        .expose_headers(
            [
                "content-length", "content-range", "etag", "accept-ranges", "last-modified", "location", "tus-resumable",
                "tus-version", "tus-extension", "tus-max-size", "tus-checksum-algorithm", "upload-offset", "upload-length",
                "upload-metadata", "upload-expires", "retry-after",
            ]
            .map(HeaderName::from_static),
        )
        .max_age(Duration::from_secs(600));
    let uploads = Router::new()
        .route("/uploads", post(tus::create))
        .route("/uploads/{id}", axum::routing::head(tus::status).patch(tus::patch).delete(tus::terminate))
        .layer(middleware::map_response(tus::mark_response));
    Router::new()
        .route("/health", get(|| async { Json(serde_json::json!({"ok": true})) }))
        .route("/files", get(list).post(upload_form))
        .route("/files/{name}", get(download).head(download).put(upload).delete(remove))
        .merge(uploads)
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no_route", "no such endpoint (see the README, \"The file store\")") })
        .layer(middleware::from_fn_with_state(state.clone(), check_request))
        .layer(cors)
        .layer(middleware::from_fn_with_state(state.clone(), tus::discovery))
        .layer(middleware::from_fn_with_state(state.clone(), check_host))
        .layer(middleware::from_fn(json_errors))
        .with_state(state)
}

async fn check_host(axum::extract::State(state): axum::extract::State<State>, request: Request, next: Next) -> Response {
    match state.guard.check_host(request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

async fn check_request(axum::extract::State(state): axum::extract::State<State>, request: Request, next: Next) -> Response {
    match state.guard.check_request(request.method(), request.headers()) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

/// Any error answer that is not JSON yet (axum's rejections: a bad query,
/// a wrong method, an undecodable path) becomes `{"error": {code, message}}`.
async fn json_errors(request: Request, next: Next) -> Response {
    let head = request.method() == Method::HEAD;
    let response = next.run(request).await;
    let status = response.status();
    let json = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || json || head {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 16 << 10).await.map(|b| String::from_utf8_lossy(&b).trim().to_string()).unwrap_or_default();
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("error").to_string() } else { text };
    let body = error::body(ApiError::code_for(status), &message);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    Response::from_parts(parts, Body::from(body))
}

/// The name in the path, decoded and checked.
fn file_name(path: Result<Path<String>, PathRejection>) -> ApiResult<String> {
    let Path(raw) = path.map_err(|e| ApiError::bad_request("invalid_name", format!("the file name in the path cannot be read: {e}")))?;
    Ok(names::check(&raw)?)
}

fn internal(e: tokio::task::JoinError) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the upload stopped: {e}"))
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    offset: usize,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    100
}

async fn list(axum::extract::State(state): axum::extract::State<State>, page: Result<Query<Page>, QueryRejection>) -> ApiResult<Json<serde_json::Value>> {
    let Query(page) = page.map_err(|e| ApiError::bad_request("bad_query", format!("offset and limit are whole numbers: {e}")))?;
    let all = state.files.list().await?;
    let limit = page.limit.min(1000);
    let files: Vec<_> = all.iter().skip(page.offset).take(limit).collect();
    Ok(Json(serde_json::json!({"files": files, "total": all.len(), "offset": page.offset, "limit": limit})))
}

fn created(stored: Stored) -> Response {
    let tag = stored.etag();
    (StatusCode::CREATED, [(header::ETAG, tag)], Json(stored)).into_response()
}

async fn upload(
    axum::extract::State(state): axum::extract::State<State>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let early = async {
        let name = file_name(path)?;
        let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > state.max_bytes) {
            return Err(StoreError::TooLarge(state.max_bytes).into());
        }
        let preconditions = Preconditions::from_headers(&headers);
        state.files.check_preconditions(&name, &preconditions).await?;
        Ok::<_, ApiError>((name, preconditions))
    };
    let (name, preconditions) = match early.await {
        Ok(checked) => checked,
        Err(e) => return Err(refuse(body.into_data_stream(), e).await),
    };
    let State { files, max_bytes, body_timeout, .. } = state;
    let task = tokio::spawn(async move {
        let mut stream = body.into_data_stream();
        let staged = match files.stage(&name, &mut stream, max_bytes, body_timeout).await {
            Ok(staged) => staged,
            Err(e) => return Err(refuse(stream, e.into()).await),
        };
        let mut stored = files.commit(vec![staged], &preconditions).await?;
        Ok::<_, ApiError>(stored.remove(0))
    });
    Ok(created(task.await.map_err(internal)??))
}

/// Reads and drops what is left of a refused upload's body — for up to 2 s
/// and 64 MiB — so a client still sending reads the answer rather than a
/// reset connection; then returns the refusal. (A cut or stalled body has
/// nothing left to read.)
pub async fn refuse<S, E>(mut body: S, error: ApiError) -> ApiError
where
    S: futures::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
{
    if matches!(error.code, "upload_interrupted" | "upload_stalled") {
        return error;
    }
    let mut left: usize = 64 << 20;
    let drain = async {
        while let Some(Ok(chunk)) = futures::StreamExt::next(&mut body).await {
            left = left.saturating_sub(chunk.len());
            if left == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
    error
}

/// `POST /files` with `multipart/form-data`: each file field (with a file
/// name) is staged like a `PUT`; only when the whole form has arrived are
/// they committed, together. (What an HTML form or a Django-style client
/// sends.) Two fields with one name are refused.
async fn upload_form(axum::extract::State(state): axum::extract::State<State>, headers: HeaderMap, body: Body) -> ApiResult<Response> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| ApiError::bad_request("bad_form", format!("POST /files takes multipart/form-data with a boundary ({e})")))?;
    let preconditions = Preconditions::from_headers(&headers);
    let State { files, max_bytes, body_timeout, .. } = state;
    let task = tokio::spawn(async move {
        let mut form = multer::Multipart::new(body.into_data_stream(), boundary);
        let mut staged = Vec::new();
        let read = async {
            loop {
                let field = match tokio::time::timeout(body_timeout, form.next_field()).await {
                    Err(_) => return Err(ApiError::from(StoreError::Stalled(body_timeout))),
                    Ok(Err(e)) => return Err(ApiError::bad_request("bad_form", format!("the form could not be read: {e}"))),
                    Ok(Ok(None)) => break,
                    Ok(Ok(Some(field))) => field,
                };
                let Some(raw) = field.file_name().map(str::to_string) else { continue };
                let name = names::check(&raw)?;
                if staged.iter().any(|s: &crate::store::staging::Staged| s.name == name) {
                    return Err(ApiError::bad_request("duplicate_name", format!("the form has two files named {name:?}")));
                }
                files.check_preconditions(&name, &preconditions).await?;
                let mut field = field;
                staged.push(files.stage(&name, &mut field, max_bytes, body_timeout).await?);
            }
            if staged.is_empty() {
                return Err(ApiError::bad_request("no_file", "the form has no file field"));
            }
            Ok(())
        }
        .await;
        match read {
            Ok(()) => Ok(files.commit(staged, &preconditions).await?),
            Err(e) => {
                for s in staged {
                    s.discard(&files).await;
                }
                // Read (and drop) what the client is still sending, for a while,
                // so that it sees the error rather than a reset connection.
                let drain = async {
                    while let Ok(Some(mut field)) = form.next_field().await {
                        while let Ok(Some(_)) = field.chunk().await {}
                    }
                };
                let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
                Err(e)
            }
        }
    });
    let stored = task.await.map_err(internal)??;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"files": stored}))).into_response())
}

async fn download(
    axum::extract::State(state): axum::extract::State<State>,
    path: Result<Path<String>, PathRejection>,
    method: Method,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let name = file_name(path)?;
    let preconditions = Preconditions::from_headers(&headers);
    let text = |h: header::HeaderName| headers.get(h).and_then(|v| v.to_str().ok());
    // A version replaced between reading its pointer and opening its bytes
    // is resolved again: each answer is one version, whole.
    for attempt in 0.. {
        let pointer = state.files.describe(&name).await?;
        let stored = &pointer.stored;
        let etag = stored.etag();
        let last_modified = http_date(&stored.uploaded);
        let mut response = Response::builder()
            .header(header::ACCEPT_RANGES, "bytes")
            .header(header::CONTENT_TYPE, content_type(&name))
            .header(header::CACHE_CONTROL, "no-cache")
            .header(header::ETAG, &etag);
        if let Some(date) = &last_modified {
            response = response.header(header::LAST_MODIFIED, date);
        }
        match preconditions.read_outcome(&etag) {
            Some(true) => return Ok(response.status(StatusCode::NOT_MODIFIED).body(Body::empty()).expect("a response")),
            Some(false) => return Err(StoreError::PreconditionFailed(Some(etag)).into()),
            None => {}
        }
        let size = stored.size;
        let wanted = if conditions::if_range_holds(text(header::IF_RANGE), &etag, last_modified.as_deref()) {
            range::parse(text(header::RANGE), size)
        } else {
            Wanted::All // the client's copy is stale: it needs the whole file
        };
        let (status, span) = match wanted {
            Wanted::All => (StatusCode::OK, None),
            Wanted::Part { start, end } => {
                response = response.header(header::CONTENT_RANGE, format!("bytes {start}-{}/{size}", end - 1));
                (StatusCode::PARTIAL_CONTENT, Some(start..end))
            }
            Wanted::Unsatisfiable => {
                return Err(ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable", format!("the file has {size} bytes"))
                    .with_header(header::CONTENT_RANGE, format!("bytes */{size}"))
                    .with_header(header::ETAG, etag.as_str()));
            }
        };
        let length = span.as_ref().map_or(size, |r| r.end - r.start);
        response = response.status(status).header(header::CONTENT_LENGTH, length);
        if method == Method::HEAD || length == 0 {
            return Ok(response.body(Body::empty()).expect("a response"));
        }
        match state.files.read(&pointer, span).await {
            Ok(stream) => return Ok(response.body(Body::from_stream(stream.map_err(std::io::Error::other))).expect("a response")),
            Err(StoreError::NotFound(_)) if attempt < 3 => continue,
            Err(e) => return Err(e.into()),
        }
    }
    unreachable!("the loop returns")
}

async fn remove(
    axum::extract::State(state): axum::extract::State<State>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let name = file_name(path)?;
    state.files.delete(&name, &Preconditions::from_headers(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An HTTP date from our RFC 3339 upload time (`YYYY-MM-DDTHH:MM:SSZ`).
pub fn http_date(rfc3339: &str) -> Option<String> {
    let b = rfc3339.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let n = |r: std::ops::Range<usize>| rfc3339.get(r)?.parse::<i64>().ok();
    let (y, m, d, hh, mm, ss) = (n(0..4)?, n(5..7)?, n(8..10)?, n(11..13)?, n(14..16)?, n(17..19)?);
    let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64)))
}

/// A content type from the name alone (the contents are never looked at).
fn content_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        "text/csv"
    } else if lower.ends_with(".tsv") {
        "text/tab-separated-values"
    } else if lower.ends_with(".json") {
        "application/json"
    } else if lower.ends_with(".txt") {
        "text/plain"
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_dates() {
        assert_eq!(super::http_date("2024-02-29T23:59:59Z").as_deref(), Some("Thu, 29 Feb 2024 23:59:59 GMT"));
        assert_eq!(super::http_date("nonsense"), None);
    }
}
