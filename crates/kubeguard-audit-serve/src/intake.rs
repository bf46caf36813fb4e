//! The HTTP endpoints: audit batches in, health and metrics out.
//!
//! `POST /audit` (also `/k8s-audit`, the path Falco's plugin serves) takes
//! what the API server's webhook backend sends: an `audit.k8s.io/v1`
//! `EventList`, and also a single `Event` or a JSON array of them. Answers:
//!
//! | status | when |
//! | --- | --- |
//! | 200 | queued; `{"events": N, "dropped": M}` (events without a valid `stageTimestamp` or too large are dropped as the k8saudit plugin drops them, and counted) |
//! | 400 | the body is not JSON, or holds no audit event (`{"error": ...}`) |
//! | 413 | the body is over [`MAX_BODY_BYTES`], or has more events than the queue holds |
//! | 429 | the queue is full: the batch is refused at once, with `Retry-After: 1`, and its events counted as dropped (`reason="queue_full"`) |
//! | 503 | shutting down, or (with `--publish`) JetStream did not store the batch |

use crate::metrics::{DropReason, Metrics};
use crate::nats::{PublishError, Publisher};
use crate::queue::{Queue, Refused};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kubeguard_audit::event::Rejected;
use kubeguard_audit::{Event, split_events};
use kubeguard_webhook::api::handlers::openmetrics;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The largest request body accepted: 12 MiB, the k8saudit plugin's webhook limit.
pub const MAX_BODY_BYTES: usize = 12 * 1024 * 1024;

/// The longest wait for a request body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where received events go.
#[derive(Debug, Clone)]
pub enum Sink {
    /// The queue to the local detection workers.
    Queue(Arc<Queue>),
    /// JetStream, for `audit worker` processes (`--publish`).
    Publish(Arc<Publisher>),
}

impl Sink {
    /// Events waiting (queued, or being published).
    #[must_use]
    pub fn depth(&self) -> usize {
        match self {
            Sink::Queue(q) => q.depth(),
            Sink::Publish(p) => p.depth(),
        }
    }
}

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct IntakeState {
    /// Where events go.
    pub sink: Sink,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// The largest event evaluated (the plugin's `maxEventSize`).
    pub max_event_size: usize,
}

/// A JSON body `{"error": message}`.
fn json_error(status: StatusCode, message: &str) -> Response {
    json(status, &serde_json::json!({ "error": message }))
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Events parsed from a body, and what was dropped on the way.
#[derive(Debug)]
struct Parsed {
    events: Vec<Event>,
    dropped: BTreeMap<&'static str, usize>,
    reasons: Vec<DropReason>,
}

/// Parses a body: a JSON error names its line and column.
fn parse(body: &[u8], max_event_size: usize) -> Result<Parsed, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the request body is not JSON: {e}"))?;
    let mut parsed = Parsed {
        events: Vec::new(),
        dropped: BTreeMap::new(),
        reasons: Vec::new(),
    };
    let mut not_events = 0;
    split_events(value, max_event_size, None, &mut |event| match event {
        Ok(event) => parsed.events.push(event),
        Err(rejected) => {
            if rejected == Rejected::NotAnEvent {
                not_events += 1;
            }
            let reason = DropReason::of(&rejected);
            *parsed.dropped.entry(reason.label()).or_default() += 1;
            parsed.reasons.push(reason);
        }
    });
    if parsed.events.is_empty() && not_events > 0 && not_events == parsed.reasons.len() {
        return Err(
            "the request body is not an audit event: expected kind Event or EventList \
             (audit.k8s.io/v1), or a JSON array of events"
                .to_owned(),
        );
    }
    Ok(parsed)
}

/// `POST /audit`: a batch of audit events, queued for detection.
pub async fn receive(State(state): State<IntakeState>, body: Body) -> Response {
    let received = Instant::now();
    let bytes: Bytes = match tokio::time::timeout(
        BODY_TIMEOUT,
        axum::body::to_bytes(body, MAX_BODY_BYTES),
    )
    .await
    {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) if is_length_limit(&e) => {
            state.metrics.bad_request("too_large");
            return json_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
            );
        }
        Ok(Err(e)) => {
            state.metrics.bad_request("invalid");
            return json_error(
                StatusCode::BAD_REQUEST,
                &format!("cannot read the request body: {e}"),
            );
        }
        Err(_) => {
            state.metrics.bad_request("invalid");
            return json_error(
                StatusCode::REQUEST_TIMEOUT,
                &format!("the request body was not received within {BODY_TIMEOUT:?}"),
            );
        }
    };
    let max = state.max_event_size;
    let parsed = match tokio::task::spawn_blocking(move || parse(&bytes, max)).await {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(message)) => {
            state.metrics.bad_request("invalid");
            return json_error(StatusCode::BAD_REQUEST, &message);
        }
        Err(e) => {
            tracing::error!("parsing an audit batch failed: {e}");
            return json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the batch could not be parsed; the server log has the details",
            );
        }
    };
    let n = parsed.events.len();
    state.metrics.received(n + parsed.reasons.len());
    for reason in &parsed.reasons {
        state.metrics.dropped(*reason, 1);
    }
    let dropped: usize = parsed.dropped.values().sum();
    if n == 0 {
        return json(
            StatusCode::OK,
            &serde_json::json!({"events": 0, "dropped": dropped, "dropped_by_reason": parsed.dropped}),
        );
    }
    let outcome = match &state.sink {
        Sink::Queue(queue) => queue
            .try_push(parsed.events, received)
            .map_err(PublishError::Refused),
        Sink::Publish(publisher) => {
            let published = publisher.publish(&parsed.events).await;
            if published.is_ok() {
                state.metrics.published(n);
                state.metrics.batch_done(received.elapsed());
            }
            published
        }
    };
    state.metrics.queue_depth(state.sink.depth());
    match outcome {
        Ok(()) => json(
            StatusCode::OK,
            &serde_json::json!({"events": n, "dropped": dropped, "dropped_by_reason": parsed.dropped}),
        ),
        Err(e) => refused(&state.metrics, &e, n),
    }
}

/// The answer to a batch that was not accepted: 429, 413 or 503, counted as dropped.
fn refused(metrics: &Metrics, e: &PublishError, n: usize) -> Response {
    let (status, reason) = match e {
        PublishError::Refused(Refused::Full { .. }) => {
            (StatusCode::TOO_MANY_REQUESTS, DropReason::QueueFull)
        }
        PublishError::Refused(Refused::TooLarge { .. }) => {
            (StatusCode::PAYLOAD_TOO_LARGE, DropReason::QueueFull)
        }
        PublishError::Refused(Refused::Closed) => {
            (StatusCode::SERVICE_UNAVAILABLE, DropReason::ShuttingDown)
        }
        PublishError::Nats(err) => {
            tracing::error!("{err}");
            (StatusCode::SERVICE_UNAVAILABLE, DropReason::PublishFailed)
        }
    };
    metrics.dropped(reason, n);
    let mut response = json_error(
        status,
        &format!("{e}; the batch of {n} events was not accepted, send it again later"),
    );
    if status != StatusCode::PAYLOAD_TOO_LARGE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Response {
    json(StatusCode::OK, &serde_json::json!({"status": "ok"}))
}

/// `GET /metrics`: Prometheus text (OpenMetrics) format.
pub async fn metrics(State(state): State<IntakeState>) -> Response {
    state.metrics.queue_depth(state.sink.depth());
    openmetrics(state.metrics.encode())
}

/// Any other path: 404 as JSON.
pub async fn not_found() -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        "no such endpoint; use POST /audit, GET /healthz or GET /metrics",
    )
}

/// A known path with the wrong method: 405 as JSON.
pub async fn method_not_allowed() -> Response {
    json_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed: /audit takes POST, /healthz and /metrics GET",
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_parsed_as_the_plugin_reads_them() {
        let err = parse(b"{\"kind\": \"EventList\", \"items\": [", 100).unwrap_err();
        assert!(
            err.starts_with("the request body is not JSON: EOF while parsing"),
            "{err}"
        );
        assert!(err.contains("line 1 column"), "{err}");
        let err = parse(br#"{"kind": "Pod"}"#, 100).unwrap_err();
        assert!(err.contains("expected kind Event or EventList"), "{err}");
        let ok = parse(
            br#"{"kind": "EventList", "items": [{"stageTimestamp": "2026-01-02T03:04:05Z"}, {"kind": "Event"}]}"#,
            1000,
        )
        .unwrap();
        assert_eq!(ok.events.len(), 1);
        assert_eq!(ok.dropped.get("no_timestamp"), Some(&1));
        let empty = parse(br#"{"kind": "EventList", "items": []}"#, 100).unwrap();
        assert!(empty.events.is_empty() && empty.reasons.is_empty());
    }
}
