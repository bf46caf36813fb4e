//! Prometheus metrics, served in the text format at `/metrics`.
//!
//! | name | type | labels |
//! | --- | --- | --- |
//! | `kubeguard_webhook_requests_total` | counter | `endpoint`, `kind`, `operation`, `decision` |
//! | `kubeguard_webhook_request_duration_seconds` | histogram | `endpoint` |
//! | `kubeguard_webhook_policy_errors_total` | counter | `endpoint` |
//! | `kubeguard_webhook_bad_requests_total` | counter | `endpoint`, `reason` (invalid, too_large, timeout, internal) |
//! | `kubeguard_webhook_in_flight_reviews` | gauge | |
//! | `kubeguard_webhook_certificate_reloads_total` | counter | `result` |
//!
//! Label values that come from requests are bounded: `operation` is one of
//! the four admission operations or `other`, and `kind` keeps at most
//! [`MAX_KINDS`] distinct well-formed values before folding the rest into
//! `other`, so no request can grow the registry without bound.

use kubeguard_admission::{Decision, Endpoint};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

/// Distinct `kind` label values kept before the rest are counted as `other`.
pub const MAX_KINDS: usize = 128;

fn endpoint_label(e: Endpoint) -> &'static str {
    match e {
        Endpoint::Validate => "validate",
        Endpoint::Mutate => "mutate",
    }
}

fn decision_label(d: Decision) -> &'static str {
    match d {
        Decision::Allowed => "allowed",
        Decision::Denied => "denied",
    }
}

/// Why a request got no AdmissionReview answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BadRequestReason {
    /// Not a valid AdmissionReview (HTTP 400).
    Invalid,
    /// The body is over the size limit (HTTP 413).
    TooLarge,
    /// The body did not arrive in time (HTTP 408).
    Timeout,
    /// The evaluation failed unexpectedly (HTTP 500).
    Internal,
}

impl BadRequestReason {
    fn label(self) -> &'static str {
        match self {
            BadRequestReason::Invalid => "invalid",
            BadRequestReason::TooLarge => "too_large",
            BadRequestReason::Timeout => "timeout",
            BadRequestReason::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    endpoint: &'static str,
    kind: String,
    operation: String,
    decision: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct EndpointLabels {
    endpoint: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct BadRequestLabels {
    endpoint: &'static str,
    reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReloadLabels {
    result: &'static str,
}

/// One answered review, as metrics see it.
#[derive(Debug, Clone, Copy)]
pub struct ReviewOutcome<'a> {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// `request.kind.kind`.
    pub kind: &'a str,
    /// `request.operation`.
    pub operation: &'a str,
    /// The decision.
    pub decision: Decision,
    /// Policy evaluation errors met.
    pub policy_errors: usize,
    /// Time from the body being read to the answer.
    pub elapsed: Duration,
}

/// The webhook's metrics and their registry.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    duration: Family<EndpointLabels, Histogram, fn() -> Histogram>,
    policy_errors: Family<EndpointLabels, Counter>,
    bad_requests: Family<BadRequestLabels, Counter>,
    in_flight: Gauge,
    reloads: Family<ReloadLabels, Counter>,
    kinds: Mutex<HashSet<String>>,
}

fn latency_histogram() -> Histogram {
    // 50µs .. ~1.6s, doubling.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Creates the metrics, registered under the `kubeguard_webhook` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("kubeguard_webhook");
        let requests = Family::<RequestLabels, Counter>::default();
        let duration = Family::<EndpointLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let policy_errors = Family::<EndpointLabels, Counter>::default();
        let bad_requests = Family::<BadRequestLabels, Counter>::default();
        let in_flight = Gauge::default();
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register(
            "requests",
            "AdmissionReviews answered, by endpoint, kind, operation and decision",
            requests.clone(),
        );
        registry.register_with_unit(
            "request_duration",
            "Time to answer an AdmissionReview, from the body read to the response",
            Unit::Seconds,
            duration.clone(),
        );
        registry.register(
            "policy_errors",
            "Policy evaluation errors, answered per the policy's failure mode",
            policy_errors.clone(),
        );
        registry.register(
            "bad_requests",
            "Requests answered without an AdmissionReview (invalid, too large, internal error)",
            bad_requests.clone(),
        );
        registry.register(
            "in_flight_reviews",
            "Reviews being evaluated now",
            in_flight.clone(),
        );
        registry.register(
            "certificate_reloads",
            "Serving certificate reloads, by result",
            reloads.clone(),
        );
        Self {
            registry,
            requests,
            duration,
            policy_errors,
            bad_requests,
            in_flight,
            reloads,
            kinds: Mutex::new(HashSet::new()),
        }
    }

    /// Records an answered review.
    pub fn review(&self, outcome: &ReviewOutcome<'_>) {
        let endpoint = endpoint_label(outcome.endpoint);
        self.requests
            .get_or_create(&RequestLabels {
                endpoint,
                kind: self.kind_label(outcome.kind),
                operation: operation_label(outcome.operation).to_string(),
                decision: decision_label(outcome.decision),
            })
            .inc();
        self.duration
            .get_or_create(&EndpointLabels { endpoint })
            .observe(outcome.elapsed.as_secs_f64());
        if outcome.policy_errors > 0 {
            self.policy_errors
                .get_or_create(&EndpointLabels { endpoint })
                .inc_by(u64::try_from(outcome.policy_errors).unwrap_or(u64::MAX));
        }
    }

    /// Records a request answered without a review.
    pub fn bad_request(&self, endpoint: Endpoint, reason: BadRequestReason) {
        self.bad_requests
            .get_or_create(&BadRequestLabels {
                endpoint: endpoint_label(endpoint),
                reason: reason.label(),
            })
            .inc();
    }

    /// Marks a review as started; the returned guard marks it finished when dropped.
    pub fn start_review(&self) -> InFlight<'_> {
        self.in_flight.inc();
        InFlight(&self.in_flight)
    }

    /// Records a certificate reload attempt.
    pub fn certificate_reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "error" };
        self.reloads.get_or_create(&ReloadLabels { result }).inc();
    }

    /// The registry in the Prometheus text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("encoding metrics into a String does not fail");
        out
    }

    fn kind_label(&self, kind: &str) -> String {
        let well_formed =
            !kind.is_empty() && kind.len() <= 63 && kind.bytes().all(|b| b.is_ascii_alphanumeric());
        if !well_formed {
            return "other".into();
        }
        let mut kinds = self.kinds.lock().unwrap_or_else(|p| p.into_inner());
        if kinds.contains(kind) {
            return kind.to_string();
        }
        if kinds.len() < MAX_KINDS {
            kinds.insert(kind.to_string());
            return kind.to_string();
        }
        "other".into()
    }
}

/// Decrements the in-flight gauge when dropped.
#[derive(Debug)]
pub struct InFlight<'a>(&'a Gauge);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

fn operation_label(operation: &str) -> &'static str {
    match operation {
        "CREATE" => "CREATE",
        "UPDATE" => "UPDATE",
        "DELETE" => "DELETE",
        "CONNECT" => "CONNECT",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome<'a>(kind: &'a str, operation: &'a str) -> ReviewOutcome<'a> {
        ReviewOutcome {
            endpoint: Endpoint::Validate,
            kind,
            operation,
            decision: Decision::Denied,
            policy_errors: 2,
            elapsed: Duration::from_micros(300),
        }
    }

    #[test]
    fn reviews_are_counted_by_labels() {
        let m = Metrics::new();
        m.review(&outcome("Pod", "CREATE"));
        m.review(&outcome("Pod", "CREATE"));
        m.bad_request(Endpoint::Mutate, BadRequestReason::TooLarge);
        let text = m.encode();
        assert!(
            text.contains(
                r#"kubeguard_webhook_requests_total{endpoint="validate",kind="Pod",operation="CREATE",decision="denied"} 2"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"kubeguard_webhook_policy_errors_total{endpoint="validate"} 4"#),
            "{text}"
        );
        assert!(
            text.contains(
                r#"kubeguard_webhook_bad_requests_total{endpoint="mutate",reason="too_large"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"kubeguard_webhook_request_duration_seconds_count{endpoint="validate"} 2"#
            ),
            "{text}"
        );
    }

    #[test]
    fn request_derived_labels_are_bounded() {
        let m = Metrics::new();
        for i in 0..(MAX_KINDS + 50) {
            m.review(&outcome(&format!("Kind{i}"), "PATCH"));
        }
        m.review(&outcome("bad\"kind\n", "CREATE"));
        let text = m.encode();
        let series = text
            .lines()
            .filter(|l| l.starts_with("kubeguard_webhook_requests_total{"))
            .count();
        // MAX_KINDS kinds, then kind="other" with operation="other", and the
        // malformed kind as "other" with CREATE.
        assert_eq!(series, MAX_KINDS + 2, "{text}");
        assert!(text.contains(r#"kind="other",operation="other""#), "{text}");
        assert!(!text.contains("bad\\\"kind"), "{text}");
    }

    #[test]
    fn in_flight_guard_restores_the_gauge() {
        let m = Metrics::new();
        {
            let _a = m.start_review();
            assert!(m.encode().contains("kubeguard_webhook_in_flight_reviews 1"));
        }
        assert!(m.encode().contains("kubeguard_webhook_in_flight_reviews 0"));
    }
}
