//! The JVM worker's error body, `{"error_code": N, "message": "..."}`, and its conversions.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ferroconnect_runtime::herder::HerderError;
use ferroconnect_runtime::logging::LoggerError;
use serde::Serialize;

/// Jersey's message for a request that matches no resource.
pub const NOT_FOUND_MESSAGE: &str = "HTTP 404 Not Found";
/// Jersey's message for a resource that does not support the method.
pub const METHOD_NOT_ALLOWED_MESSAGE: &str = "HTTP 405 Method Not Allowed";

/// A failed request: the status code and the message of the JSON error body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status}: {message}")]
pub struct ApiError {
    /// HTTP status (also the body's `error_code`).
    pub status: StatusCode,
    /// Human-readable message.
    pub message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error_code: u16,
    message: &'a str,
}

impl ApiError {
    /// An error with a status and a message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }
    /// 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    /// 404 Not Found with the given message.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    /// 404 for a path no resource matches (Jersey's text).
    pub fn no_route() -> Self {
        Self::not_found(NOT_FOUND_MESSAGE)
    }
    /// 405 for a method the resource does not support (Jersey's text).
    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED_MESSAGE)
    }
    /// 500 Internal Server Error.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<HerderError> for ApiError {
    fn from(e: HerderError) -> Self {
        let status =
            StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError::new(status, e.to_string())
    }
}

impl From<LoggerError> for ApiError {
    fn from(e: LoggerError) -> Self {
        match e {
            // The JVM answers an unknown level with 404.
            LoggerError::InvalidLevel(_) => ApiError::not_found(e.to_string()),
            LoggerError::Apply { .. } => ApiError::internal(e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error_code: self.status.as_u16(),
            message: &self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

/// Shorthand result type for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
