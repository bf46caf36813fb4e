//! Prometheus metrics of `audit serve` and `audit worker`, served in the
//! text format at `/metrics`.
//!
//! | name | type | labels |
//! | --- | --- | --- |
//! | `kubeguard_audit_events_received_total` | counter | |
//! | `kubeguard_audit_events_evaluated_total` | counter | |
//! | `kubeguard_audit_events_dropped_total` | counter | `reason` (queue_full, no_timestamp, too_large, not_an_event, shutting_down, publish_failed) |
//! | `kubeguard_audit_events_published_total` | counter | |
//! | `kubeguard_audit_alerts_total` | counter | `rule`, `priority` |
//! | `kubeguard_audit_alerts_deduplicated_total` | counter | |
//! | `kubeguard_audit_alert_deliveries_total` | counter | `target`, `result` (ok, retry, failed) |
//! | `kubeguard_audit_queue_depth` | gauge | |
//! | `kubeguard_audit_queue_capacity` | gauge | |
//! | `kubeguard_audit_batch_duration_seconds` | histogram | |
//! | `kubeguard_audit_bad_requests_total` | counter | `reason` (invalid, too_large) |
//! | `kubeguard_audit_certificate_reloads_total` | counter | `result` |
//!
//! Label values are bounded: `rule` and `priority` come from the loaded
//! rule set, the others are fixed words. Every known label value is
//! exposed from the start at 0 (the rules when loaded, a delivery target
//! when configured), so a series exists before its first event and
//! `rate()` and `increase()` see its first increment.

use kubeguard_audit::event::Rejected;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use std::time::Duration;

/// Why events were not evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The queue was full; the batch was refused with 429.
    QueueFull,
    /// No valid `stageTimestamp` (dropped as the k8saudit plugin drops it).
    NoTimestamp,
    /// Larger than the maximum event size.
    TooLarge,
    /// Not an `Event` (an item of a list that is not an object, for example).
    NotAnEvent,
    /// Received after shutdown began; refused with 503.
    ShuttingDown,
    /// Not stored by JetStream (`--publish`); refused with 503.
    PublishFailed,
}

impl DropReason {
    /// The `reason` label.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            DropReason::QueueFull => "queue_full",
            DropReason::NoTimestamp => "no_timestamp",
            DropReason::TooLarge => "too_large",
            DropReason::NotAnEvent => "not_an_event",
            DropReason::ShuttingDown => "shutting_down",
            DropReason::PublishFailed => "publish_failed",
        }
    }

    /// The reason an event was rejected by the plugin's rules.
    #[must_use]
    pub fn of(rejected: &Rejected) -> Self {
        match rejected {
            Rejected::NotAnEvent => DropReason::NotAnEvent,
            Rejected::NoTimestamp => DropReason::NoTimestamp,
            Rejected::TooLarge(_) => DropReason::TooLarge,
        }
    }
}

/// The outcome of one alert delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Delivered.
    Ok,
    /// Failed; it will be tried again.
    Retry,
    /// Failed for good (retries exhausted or refused); the alert is lost for this target.
    Failed,
}

impl Delivery {
    fn label(self) -> &'static str {
        match self {
            Delivery::Ok => "ok",
            Delivery::Retry => "retry",
            Delivery::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct AlertLabels {
    rule: String,
    priority: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DeliveryLabels {
    target: &'static str,
    result: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ResultLabels {
    result: &'static str,
}

/// The metrics and their registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    received: Counter,
    evaluated: Counter,
    dropped: Family<ReasonLabels, Counter>,
    published: Counter,
    alerts: Family<AlertLabels, Counter>,
    deduplicated: Counter,
    deliveries: Family<DeliveryLabels, Counter>,
    queue_depth: Gauge,
    queue_capacity: Gauge,
    batch_duration: Histogram,
    bad_requests: Family<ReasonLabels, Counter>,
    reloads: Family<ResultLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn gauge_value(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Metrics {
    /// Creates the metrics, registered under the `kubeguard_audit` prefix.
    #[must_use]
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kubeguard_audit");
        let m = Self {
            registry: Registry::default(),
            received: Counter::default(),
            evaluated: Counter::default(),
            dropped: Family::default(),
            published: Counter::default(),
            alerts: Family::default(),
            deduplicated: Counter::default(),
            deliveries: Family::default(),
            queue_depth: Gauge::default(),
            queue_capacity: Gauge::default(),
            // 100µs .. ~3.3s, doubling.
            batch_duration: Histogram::new(exponential_buckets(0.000_1, 2.0, 16)),
            bad_requests: Family::default(),
            reloads: Family::default(),
        };
        registry.register(
            "events_received",
            "Audit events received in webhook batches (or consumed from NATS)",
            m.received.clone(),
        );
        registry.register(
            "events_evaluated",
            "Audit events evaluated against the rules",
            m.evaluated.clone(),
        );
        registry.register(
            "events_dropped",
            "Audit events not evaluated, by reason",
            m.dropped.clone(),
        );
        registry.register(
            "events_published",
            "Audit events published to NATS JetStream (audit serve --publish)",
            m.published.clone(),
        );
        registry.register(
            "alerts",
            "Alerts raised, by rule and priority",
            m.alerts.clone(),
        );
        registry.register(
            "alerts_deduplicated",
            "Alerts not raised again because an alert with the same key was raised recently",
            m.deduplicated.clone(),
        );
        registry.register(
            "alert_deliveries",
            "Alert delivery attempts, by target and result",
            m.deliveries.clone(),
        );
        registry.register(
            "queue_depth",
            "Audit events waiting in the queue for a detection worker",
            m.queue_depth.clone(),
        );
        registry.register(
            "queue_capacity",
            "Audit events the queue holds before refusing batches",
            m.queue_capacity.clone(),
        );
        registry.register_with_unit(
            "batch_duration",
            "Time from a batch being received to its last event evaluated",
            Unit::Seconds,
            m.batch_duration.clone(),
        );
        registry.register(
            "bad_requests",
            "Requests refused as not audit events (invalid) or over the size limit (too_large)",
            m.bad_requests.clone(),
        );
        registry.register(
            "certificate_reloads",
            "Serving certificate reloads, by result",
            m.reloads.clone(),
        );
        let m = Self { registry, ..m };
        for reason in [
            DropReason::QueueFull,
            DropReason::NoTimestamp,
            DropReason::TooLarge,
            DropReason::NotAnEvent,
            DropReason::ShuttingDown,
            DropReason::PublishFailed,
        ] {
            m.dropped(reason, 0);
        }
        for reason in ["invalid", "too_large"] {
            m.bad_requests
                .get_or_create(&ReasonLabels { reason })
                .inc_by(0);
        }
        for result in ["ok", "error"] {
            m.reloads.get_or_create(&ResultLabels { result }).inc_by(0);
        }
        m
    }

    /// Exposes the alert counters of `rules` at 0.
    pub fn rules(&self, rules: &[kubeguard_audit::Rule]) {
        for rule in rules {
            self.alerts
                .get_or_create(&AlertLabels {
                    rule: rule.name.clone(),
                    priority: rule.priority.as_str(),
                })
                .inc_by(0);
        }
    }

    /// Exposes the delivery counters of `target` at 0.
    pub fn delivery_target(&self, target: &'static str) {
        for result in [Delivery::Ok, Delivery::Retry, Delivery::Failed] {
            self.delivery(target, result, 0);
        }
    }

    /// Events received.
    pub fn received(&self, n: usize) {
        self.received.inc_by(count(n));
    }

    /// One event evaluated.
    pub fn evaluated(&self) {
        self.evaluated.inc();
    }

    /// Events dropped for `reason`.
    pub fn dropped(&self, reason: DropReason, n: usize) {
        self.dropped
            .get_or_create(&ReasonLabels {
                reason: reason.label(),
            })
            .inc_by(count(n));
    }

    /// Events published to NATS.
    pub fn published(&self, n: usize) {
        self.published.inc_by(count(n));
    }

    /// An alert raised.
    pub fn alert(&self, rule: &str, priority: &'static str) {
        self.alerts
            .get_or_create(&AlertLabels {
                rule: rule.to_owned(),
                priority,
            })
            .inc();
    }

    /// An alert not raised again (same key).
    pub fn deduplicated(&self) {
        self.deduplicated.inc();
    }

    /// A delivery attempt of `n` alerts to `target` (`alertmanager`, `nats`).
    pub fn delivery(&self, target: &'static str, result: Delivery, n: usize) {
        self.deliveries
            .get_or_create(&DeliveryLabels {
                target,
                result: result.label(),
            })
            .inc_by(count(n));
    }

    /// Events waiting now.
    pub fn queue_depth(&self, depth: usize) {
        self.queue_depth.set(gauge_value(depth));
    }

    /// The queue's capacity.
    pub fn queue_capacity(&self, capacity: usize) {
        self.queue_capacity.set(gauge_value(capacity));
    }

    /// A batch done, `elapsed` after it was received.
    pub fn batch_done(&self, elapsed: Duration) {
        self.batch_duration.observe(elapsed.as_secs_f64());
    }

    /// A request refused (`invalid` or `too_large`).
    pub fn bad_request(&self, reason: &'static str) {
        self.bad_requests
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// A certificate reload attempt.
    pub fn certificate_reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "error" };
        self.reloads.get_or_create(&ResultLabels { result }).inc();
    }

    /// The registry in the Prometheus text exposition format.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_exposed_with_their_labels() {
        let m = Metrics::new();
        m.received(3);
        m.dropped(DropReason::QueueFull, 2);
        m.alert("audit-pod-exec", "Notice");
        m.queue_capacity(10);
        let text = m.encode();
        for line in [
            "kubeguard_audit_events_received_total 3",
            "kubeguard_audit_events_dropped_total{reason=\"queue_full\"} 2",
            "kubeguard_audit_alerts_total{rule=\"audit-pod-exec\",priority=\"Notice\"} 1",
            "kubeguard_audit_queue_capacity 10",
            "# TYPE kubeguard_audit_batch_duration_seconds histogram",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
    }
}
