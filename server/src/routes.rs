//! The HTTP API (the README, "The file store", is its contract):
//!
//! - `PUT /files/{name}`: the request body is the file, streamed to storage
//!   → 201 `{name, size, sha256, uploaded}`; 413 past the size cap;
//! - `POST /files` (`multipart/form-data`): each file field stored under its
//!   file name, streamed the same way → 201 `{files: [...]}`;
//! - `GET /files?offset=0&limit=100` → `{files: [...], total, offset, limit}`;
//! - `GET` / `HEAD /files/{name}`: the bytes, with `Content-Length`, `ETag`,
//!   `Last-Modified`, `Accept-Ranges`; one `Range` → 206 or 416;
//! - `DELETE /files/{name}` → 204;
//! - `GET /health` → `{"ok": true}`.
//!
//! Every error is JSON: `{"error": {"code", "message"}}`. With a token
//! configured, every call needs `Authorization: Bearer TOKEN`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures::TryStreamExt;
use serde::Deserialize;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::error::{ApiError, ApiResult};
use crate::range::{self, Wanted};
use crate::store::{too_large, Files};
use crate::{names, Config};

#[derive(Clone)]
pub struct State {
    files: Arc<Files>,
    max_bytes: u64,
    token: Option<Arc<str>>,
    cors_origins: Vec<HeaderValue>,
}

impl State {
    pub fn new(files: Files, config: &Config) -> State {
        State {
            files: Arc::new(files),
            max_bytes: config.max_bytes,
            token: config.token.as_deref().map(Arc::from),
            cors_origins: config.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect(),
        }
    }
}

pub fn router(state: State) -> Router {
    let files = state.files.clone();
    tokio::spawn(async move { files.remove_stale_uploads().await });
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(state.cors_origins.clone()))
        .allow_methods([Method::GET, Method::HEAD, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::RANGE])
        .expose_headers([header::CONTENT_LENGTH, header::CONTENT_RANGE, header::ETAG, header::ACCEPT_RANGES, header::LAST_MODIFIED]);
    Router::new()
        .route("/health", get(|| async { Json(serde_json::json!({"ok": true})) }))
        .route("/files", get(list).post(upload_form))
        .route("/files/{name}", get(download).head(download).put(upload).delete(remove))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no_route", "no such endpoint (see the README, \"The file store\")") })
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state.clone(), authorise))
        .layer(cors)
        .with_state(state)
}

async fn authorise(axum::extract::State(state): axum::extract::State<State>, request: Request, next: Next) -> Response {
    if let Some(token) = &state.token {
        let given = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if given != Some(token.as_ref()) {
            return ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "this store needs `Authorization: Bearer <token>`").into_response();
        }
    }
    next.run(request).await
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

async fn list(axum::extract::State(state): axum::extract::State<State>, Query(page): Query<Page>) -> ApiResult<Json<serde_json::Value>> {
    let all = state.files.list().await?;
    let limit = page.limit.min(1000);
    let files: Vec<_> = all.iter().skip(page.offset).take(limit).collect();
    Ok(Json(serde_json::json!({"files": files, "total": all.len(), "offset": page.offset, "limit": limit})))
}

async fn upload(
    axum::extract::State(state): axum::extract::State<State>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    names::check(&name)?;
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.max_bytes) {
        return Err(too_large(state.max_bytes));
    }
    // In its own task: if the client goes away, the body ends in an error and
    // the upload is aborted, rather than the work being dropped half-way.
    let files = state.files.clone();
    let max = state.max_bytes;
    let task = tokio::spawn(async move { files.upload(&name, body.into_data_stream(), max).await });
    let stored = task
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the upload stopped: {e}")))??;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// `POST /files` with `multipart/form-data`: each file field (with a file
/// name) is stored under that name, streamed like a `PUT`; answers the list
/// of what was stored. (What an HTML form or a Django-style client sends.)
async fn upload_form(axum::extract::State(state): axum::extract::State<State>, mut form: axum::extract::Multipart) -> ApiResult<Response> {
    let files = state.files.clone();
    let max = state.max_bytes;
    // Its own task, as for PUT: a client going away aborts the upload cleanly.
    let task = tokio::spawn(async move {
        let mut stored = Vec::new();
        let result = async {
            loop {
                let field = form
                    .next_field()
                    .await
                    .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_form", format!("the form could not be read: {e}")))?;
                let Some(field) = field else { break };
                let Some(name) = field.file_name().map(str::to_string) else { continue };
                names::check(&name)?;
                stored.push(files.upload(&name, field, max).await?);
            }
            if stored.is_empty() {
                return Err(ApiError::new(StatusCode::BAD_REQUEST, "no_file", "the form has no file field"));
            }
            Ok(())
        }
        .await;
        if result.is_err() {
            // Read (and drop) what the client is still sending, for a while,
            // so that it sees the error rather than a reset connection.
            let drain = async { while let Ok(Some(mut field)) = form.next_field().await { while let Ok(Some(_)) = field.chunk().await {} } };
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), drain).await;
        }
        result.map(|()| stored)
    });
    let stored = task
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the upload stopped: {e}")))??;
    Ok((StatusCode::CREATED, Json(serde_json::json!({"files": stored}))).into_response())
}

async fn download(
    axum::extract::State(state): axum::extract::State<State>,
    Path(name): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> ApiResult<Response> {
    names::check(&name)?;
    let stored = state.files.describe(&name).await?;
    let etag = if stored.sha256.is_empty() { None } else { Some(format!("\"{}\"", stored.sha256)) };
    let last_modified = chrono_free_http_date(&stored.uploaded);
    let mut response = Response::builder()
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_TYPE, content_type(&name))
        .header(header::CACHE_CONTROL, "no-cache");
    if let Some(tag) = &etag {
        response = response.header(header::ETAG, tag);
        let matches = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
        if matches {
            return Ok(response.status(StatusCode::NOT_MODIFIED).body(Body::empty()).expect("a response"));
        }
    }
    if let Some(date) = &last_modified {
        response = response.header(header::LAST_MODIFIED, date);
    }
    let size = stored.size;
    let wanted = range::parse(headers.get(header::RANGE).and_then(|v| v.to_str().ok()), size);
    let (status, span) = match wanted {
        Wanted::All => (StatusCode::OK, None),
        Wanted::Part { start, end } => {
            response = response.header(header::CONTENT_RANGE, format!("bytes {start}-{}/{size}", end - 1));
            (StatusCode::PARTIAL_CONTENT, Some(start..end))
        }
        Wanted::Unsatisfiable => {
            let body = serde_json::json!({"error": {"code": "range_not_satisfiable", "message": format!("the file has {size} bytes")}});
            return Ok(response
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("a response"));
        }
    };
    let length = span.as_ref().map_or(size, |r| r.end - r.start);
    response = response.status(status).header(header::CONTENT_LENGTH, length);
    if method == Method::HEAD || length == 0 {
        return Ok(response.body(Body::empty()).expect("a response"));
    }
    let stream = state.files.read(&name, span).await?;
    Ok(response.body(Body::from_stream(stream.map_err(std::io::Error::other))).expect("a response"))
}

async fn remove(axum::extract::State(state): axum::extract::State<State>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    names::check(&name)?;
    state.files.delete(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An HTTP date from our RFC 3339 upload time.
fn chrono_free_http_date(rfc3339: &str) -> Option<String> {
    let parsed = httpdate::parse_http_date(rfc3339).ok();
    parsed.or_else(|| {
        // YYYY-MM-DDTHH:MM:SSZ → seconds since the epoch.
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
        Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64))
    })
    .map(httpdate::fmt_http_date)
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
        assert_eq!(super::chrono_free_http_date("2024-02-29T23:59:59Z").as_deref(), Some("Thu, 29 Feb 2024 23:59:59 GMT"));
    }
}
