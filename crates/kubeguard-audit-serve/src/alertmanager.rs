//! Alert delivery to Alertmanager's v2 API (`POST /api/v2/alerts`).
//!
//! Each Alertmanager gets its own delivery task and queue, so a slow or
//! unreachable one delays no other target. The task sends what has
//! queued up as one JSON array (at most [`MAX_BATCH`] alerts), retries a
//! failed post with exponential back-off (connection errors, timeouts, 429
//! and 5xx; another 4xx is not retried), and counts the alerts of every
//! attempt in `kubeguard_audit_alert_deliveries_total{target="alertmanager"}`
//! (`ok`, `retry` for a failed attempt to be retried, `failed` once given up).
//!
//! Labels: `alertname` (the rule), `priority` (Falco's name), `severity`
//! (critical, error, warning or info), `source` (`k8s_audit`), `namespace`
//! and `user` when the event has them, and `alert_key`, the idempotent key.
//! Alertmanager identifies an alert by its labels, so a post repeated after
//! a lost answer, or by another receiver that saw the same event, updates
//! the one alert instead of making a second. Annotations: `output`,
//! `auditID`, `description`. `startsAt` is the event's time; `endsAt` is
//! left to Alertmanager (`resolve_timeout`).

use crate::alert::AlertRecord;
use crate::client::{ClientError, HttpClient, Method, Uri};
use crate::metrics::{Delivery, Metrics};
use backon::{ExponentialBuilder, Retryable};
use kubeguard_audit::Priority;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The most alerts in one post.
pub const MAX_BATCH: usize = 256;

/// Alerts waiting for one Alertmanager before new ones are counted as failed.
pub const QUEUE_ALERTS: usize = 10_000;

/// How posts are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The first delay.
    pub min_delay: Duration,
    /// The longest delay.
    pub max_delay: Duration,
    /// Retries after the first attempt.
    pub retries: usize,
    /// The time limit of one attempt.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    /// 0.5 s doubling up to 30 s, 8 retries (about two minutes in all), 10 s per attempt.
    fn default() -> Self {
        RetryPolicy {
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            retries: 8,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Why a post failed.
#[derive(Debug, thiserror::Error)]
enum PostError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("answered {status}: {body}")]
    Status { status: u16, body: String },
}

impl PostError {
    fn retryable(&self) -> bool {
        match self {
            PostError::Client(ClientError::Request(_)) => false,
            PostError::Client(_) => true,
            PostError::Status { status, .. } => *status == 429 || *status >= 500,
        }
    }
}

/// The v2 alerts endpoint of an Alertmanager base URL
/// (`http://am:9093` or `http://am:9093/prefix` → `.../api/v2/alerts`).
///
/// # Errors
/// Not an http or https URL.
pub fn alerts_endpoint(base: &str) -> Result<Uri, String> {
    let trimmed = base.trim_end_matches('/');
    let full = if trimmed.ends_with("/api/v2/alerts") {
        trimmed.to_owned()
    } else {
        format!("{trimmed}/api/v2/alerts")
    };
    let uri: Uri = full
        .parse()
        .map_err(|e| format!("{base:?} is not a URL ({e}); e.g. http://alertmanager:9093"))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(_)) => Ok(uri),
        _ => Err(format!(
            "{base:?} is not an http:// or https:// URL (e.g. http://alertmanager:9093)"
        )),
    }
}

/// The Alertmanager severity of a Falco priority.
#[must_use]
pub fn severity(priority: Priority) -> &'static str {
    match priority {
        Priority::Emergency | Priority::Alert | Priority::Critical => "critical",
        Priority::Error => "error",
        Priority::Warning => "warning",
        Priority::Notice | Priority::Informational | Priority::Debug => "info",
    }
}

/// One alert as Alertmanager's `postableAlert`.
#[must_use]
pub fn postable(alert: &AlertRecord) -> Value {
    let mut labels = Map::new();
    labels.insert("alertname".into(), json!(alert.rule));
    labels.insert("priority".into(), json!(alert.priority));
    labels.insert("severity".into(), json!(severity(alert.priority())));
    labels.insert("source".into(), json!(alert.source));
    if let Some(ns) = alert.namespace.as_deref().filter(|s| !s.is_empty()) {
        labels.insert("namespace".into(), json!(ns));
    }
    if let Some(user) = alert.user.as_deref().filter(|s| !s.is_empty()) {
        labels.insert("user".into(), json!(user));
    }
    labels.insert("alert_key".into(), json!(alert.key));
    let mut annotations = Map::new();
    annotations.insert("output".into(), json!(alert.output));
    annotations.insert("description".into(), json!(alert.output));
    if let Some(id) = &alert.audit_id {
        annotations.insert("auditID".into(), json!(id));
    }
    json!({"labels": labels, "annotations": annotations, "startsAt": alert.time})
}

/// The sending side of one Alertmanager's delivery queue.
#[derive(Debug, Clone)]
pub struct AlertmanagerSender {
    endpoint: Uri,
    tx: mpsc::Sender<AlertRecord>,
    metrics: Arc<Metrics>,
}

impl AlertmanagerSender {
    /// Queues `alert` for delivery without waiting; a full queue counts it as failed.
    pub fn send(&self, alert: &AlertRecord) {
        if self.tx.try_send(alert.clone()).is_err() {
            self.metrics.delivery("alertmanager", Delivery::Failed, 1);
            tracing::error!(
                "alert {} not delivered to {}: {QUEUE_ALERTS} alerts already waiting",
                alert.key,
                self.endpoint
            );
        }
    }
}

/// Starts the delivery task for the Alertmanager at `endpoint`; it runs
/// until every [`AlertmanagerSender`] is dropped and its queue is empty.
#[must_use]
pub fn start(
    endpoint: Uri,
    client: HttpClient,
    retry: RetryPolicy,
    metrics: Arc<Metrics>,
) -> (AlertmanagerSender, JoinHandle<()>) {
    metrics.delivery_target("alertmanager");
    let (tx, rx) = mpsc::channel(QUEUE_ALERTS);
    let sender = AlertmanagerSender {
        endpoint: endpoint.clone(),
        tx,
        metrics: Arc::clone(&metrics),
    };
    let task = tokio::spawn(deliver(endpoint, client, retry, metrics, rx));
    (sender, task)
}

async fn deliver(
    endpoint: Uri,
    client: HttpClient,
    retry: RetryPolicy,
    metrics: Arc<Metrics>,
    mut rx: mpsc::Receiver<AlertRecord>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let body =
            serde_json::to_vec(&batch.iter().map(postable).collect::<Vec<_>>()).unwrap_or_default();
        let attempt = || async {
            let (status, answer) = client
                .send(Method::POST, &endpoint, body.clone(), retry.timeout)
                .await?;
            if status.is_success() {
                Ok(())
            } else {
                Err(PostError::Status {
                    status: status.as_u16(),
                    body: String::from_utf8_lossy(&answer).chars().take(200).collect(),
                })
            }
        };
        let backoff = ExponentialBuilder::default()
            .with_min_delay(retry.min_delay)
            .with_max_delay(retry.max_delay)
            .with_max_times(retry.retries)
            .with_jitter();
        let outcome = attempt
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(PostError::retryable)
            .notify(|e, after| {
                metrics.delivery("alertmanager", Delivery::Retry, batch.len());
                tracing::warn!("posting alerts to {endpoint}: {e}; retrying in {after:?}");
            })
            .await;
        match outcome {
            Ok(()) => metrics.delivery("alertmanager", Delivery::Ok, batch.len()),
            Err(e) => {
                metrics.delivery("alertmanager", Delivery::Failed, batch.len());
                tracing::error!("{} alerts not delivered to {endpoint}: {e}", batch.len());
            }
        }
        batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_labels() {
        assert_eq!(
            alerts_endpoint("http://am:9093/").unwrap().to_string(),
            "http://am:9093/api/v2/alerts"
        );
        assert_eq!(
            alerts_endpoint("https://am.example/prefix/api/v2/alerts")
                .unwrap()
                .to_string(),
            "https://am.example/prefix/api/v2/alerts"
        );
        assert!(alerts_endpoint("am:9093").unwrap_err().contains("http://"));
        let alert = AlertRecord {
            rule: "audit-pod-exec".into(),
            priority: "Notice".into(),
            output: "exec by eve".into(),
            time: "2026-12-05T04:00:01.000000000Z".into(),
            audit_id: Some("a-1".into()),
            tags: vec![],
            source: "k8s_audit".into(),
            namespace: None,
            user: Some("eve".into()),
            key: "a-1/ResponseComplete/audit-pod-exec".into(),
        };
        assert_eq!(
            postable(&alert),
            json!({"labels": {"alertname": "audit-pod-exec", "priority": "Notice", "severity": "info",
                "source": "k8s_audit", "user": "eve", "alert_key": "a-1/ResponseComplete/audit-pod-exec"},
                "annotations": {"output": "exec by eve", "description": "exec by eve", "auditID": "a-1"},
                "startsAt": "2026-12-05T04:00:01.000000000Z"})
        );
        assert_eq!(severity(Priority::Alert), "critical");
    }
}
