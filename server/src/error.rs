//! Errors as HTTP answers with a JSON body, always:
//! `{"error": {"code": "not_found", "message": "…"}}`.
//!
//! Every error the store can meet (`StoreError`, `InvalidName`) has one
//! status and one code here; `routes::json_errors` turns whatever else
//! answers an error (axum's own rejections: a bad query, a wrong method)
//! into the same shape. The README's table of codes lists them all.

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::names::InvalidName;
use crate::store::StoreError;

/// tus's "checksum mismatch" (not an IANA status).
pub const CHECKSUM_MISMATCH: u16 = 460;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), headers: Vec::new() }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn with_header(mut self, name: HeaderName, value: impl TryInto<HeaderValue>) -> Self {
        if let Ok(value) = value.try_into() {
            self.headers.push((name, value));
        }
        self
    }

    /// The code for a status when nothing more precise is known (axum's rejections).
    pub fn code_for(status: StatusCode) -> &'static str {
        match status.as_u16() {
            400 => "bad_request",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "no_route",
            405 => "method_not_allowed",
            408 => "timeout",
            411 => "length_required",
            412 => "precondition_failed",
            413 => "too_large",
            415 => "unsupported_media_type",
            416 => "range_not_satisfiable",
            422 => "unprocessable",
            431 => "headers_too_large",
            503 => "unavailable",
            s if s >= 500 => "internal",
            _ => "error",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        let message = error.to_string();
        let (status, code) = match &error {
            StoreError::NotFound(_) | StoreError::UploadNotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            StoreError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            StoreError::ExceedsLength(_) => (StatusCode::PAYLOAD_TOO_LARGE, "exceeds_upload_length"),
            StoreError::Interrupted(_) => (StatusCode::BAD_REQUEST, "upload_interrupted"),
            StoreError::Stalled(_) => (StatusCode::REQUEST_TIMEOUT, "upload_stalled"),
            StoreError::PreconditionFailed(_) => (StatusCode::PRECONDITION_FAILED, "precondition_failed"),
            StoreError::OffsetMismatch { .. } => (StatusCode::CONFLICT, "offset_mismatch"),
            StoreError::Locked => (StatusCode::LOCKED, "locked"),
            StoreError::ChecksumMismatch(_) => (StatusCode::from_u16(CHECKSUM_MISMATCH).expect("a valid status"), "checksum_mismatch"),
            StoreError::Storage(_) | StoreError::Io(_) => (StatusCode::INTERNAL_SERVER_ERROR, "storage"),
        };
        let mut api = ApiError::new(status, code, message);
        if let StoreError::PreconditionFailed(Some(tag)) = &error {
            api = api.with_header(header::ETAG, tag.as_str());
        }
        if let StoreError::OffsetMismatch { expected, .. } = &error {
            api = api.with_header(HeaderName::from_static("upload-offset"), expected.to_string());
        }
        api
    }
}

impl From<InvalidName> for ApiError {
    fn from(error: InvalidName) -> Self {
        ApiError::bad_request("invalid_name", error.to_string())
    }
}

/// The JSON body of an error.
pub fn body(code: &str, message: &str) -> String {
    serde_json::json!({"error": {"code": code, "message": message}}).to_string()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(serde_json::json!({"error": {"code": self.code, "message": self.message}}))).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
