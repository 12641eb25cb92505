//! Errors as HTTP responses with a JSON body:
//! `{"error": {"code": "not_found", "message": "…"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }

    pub fn not_found(name: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("there is no file named {name:?}"))
    }

    pub fn storage(error: object_store::Error) -> Self {
        match error {
            object_store::Error::NotFound { path, .. } => ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("there is no file at {path}")),
            other => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "storage", format!("the storage failed: {other}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
