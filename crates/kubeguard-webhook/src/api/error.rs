//! Errors a handler answers with, as JSON: `{"error": "<message>"}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kubeguard_admission::BadReview;

/// A request that gets no AdmissionReview back.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Not a valid AdmissionReview: 400.
    #[error("{0}")]
    BadReview(#[from] BadReview),
    /// The body could not be read: 400.
    #[error("cannot read the request body: {0}")]
    Body(String),
    /// The body is over the limit: 413.
    #[error("the request body is larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body did not arrive in time: 408.
    #[error("the request body was not received within {after:?}")]
    Timeout {
        /// The time allowed.
        after: std::time::Duration,
    },
    /// The evaluation failed unexpectedly: 500.
    #[error("the review could not be evaluated: {0}")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadReview(_) | ApiError::Body(_) => StatusCode::BAD_REQUEST,
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Timeout { .. } => StatusCode::REQUEST_TIMEOUT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A JSON body `{"error": message}` with its content type.
pub(crate) fn json_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_error(self.status(), &self.to_string())
    }
}
