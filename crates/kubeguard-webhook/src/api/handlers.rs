//! The endpoints. Handlers only move bytes: the body goes to
//! `Engine::review_body` on the blocking pool (behind the evaluation
//! semaphore) and its answer comes back as the response body.

use super::error::{ApiError, json_error};
use super::state::AppState;
use crate::metrics::{BadRequestReason, ReviewOutcome};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kubeguard_admission::Endpoint;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The largest request body accepted (3 MiB, the API server's own request limit).
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// `POST /validate`.
pub async fn validate(State(state): State<AppState>, body: Body) -> Result<Response, ApiError> {
    review(&state, Endpoint::Validate, body).await
}

/// `POST /mutate`.
pub async fn mutate(State(state): State<AppState>, body: Body) -> Result<Response, ApiError> {
    review(&state, Endpoint::Mutate, body).await
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Response {
    json_ok(r#"{"status":"ok"}"#)
}

/// `GET /readyz`: the cluster view is synced (always, when running from the policy file).
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.readiness.is_ready() {
        json_ok(r#"{"status":"ready"}"#)
    } else {
        json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "waiting for the namespace and pod caches to sync",
        )
    }
}

/// `GET /metrics`: Prometheus text (OpenMetrics) format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    openmetrics(state.metrics.encode())
}

/// A 200 response carrying `text` in the OpenMetrics text format.
pub fn openmetrics(text: String) -> Response {
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

/// Any other path: 404 as JSON.
pub async fn not_found() -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        "no such endpoint; use /validate, /mutate, /healthz, /readyz or /metrics",
    )
}

/// A known path with the wrong method: 405 as JSON.
pub async fn method_not_allowed() -> Response {
    json_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed: /validate and /mutate take POST, the others GET",
    )
}

fn json_ok(body: &'static str) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

async fn review(state: &AppState, endpoint: Endpoint, body: Body) -> Result<Response, ApiError> {
    let answer = evaluate(state, endpoint, body).await;
    if let Err(e) = &answer {
        let reason = match e {
            ApiError::BadReview(_) | ApiError::Body(_) => BadRequestReason::Invalid,
            ApiError::TooLarge { .. } => BadRequestReason::TooLarge,
            ApiError::Timeout { .. } => BadRequestReason::Timeout,
            ApiError::Internal(_) => BadRequestReason::Internal,
        };
        state.metrics.bad_request(endpoint, reason);
    }
    answer
}

async fn evaluate(state: &AppState, endpoint: Endpoint, body: Body) -> Result<Response, ApiError> {
    let body = read_body(body, state.body_timeout).await?;
    let started = Instant::now();
    let permit = Arc::clone(&state.evaluations)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::Internal("the evaluation pool is closed".into()))?;
    let worker = state.clone();
    let reviewed = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let _in_flight = worker.metrics.start_review();
        worker
            .engine
            .review_body(&body, endpoint, worker.cluster.as_ref())
    })
    .await
    .map_err(|e| {
        // A panic in the engine: answered 500 and logged, never shown to the client.
        tracing::error!("evaluating a review failed: {e}");
        ApiError::Internal("evaluation failed; the server log has the details".into())
    })??;
    state.metrics.review(&ReviewOutcome {
        endpoint,
        kind: &reviewed.kind,
        operation: &reviewed.operation,
        decision: reviewed.decision,
        policy_errors: reviewed.policy_errors,
        elapsed: started.elapsed(),
    });
    let mut response = reviewed.body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

/// Reads the whole body: at most [`MAX_BODY_BYTES`], within `timeout`.
async fn read_body(body: Body, timeout: Duration) -> Result<Bytes, ApiError> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) if is_length_limit(&e) => Err(ApiError::TooLarge {
            limit: MAX_BODY_BYTES,
        }),
        Ok(Err(e)) => Err(ApiError::Body(e.to_string())),
        Err(_) => Err(ApiError::Timeout { after: timeout }),
    }
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}
