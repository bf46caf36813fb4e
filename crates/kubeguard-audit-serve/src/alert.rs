//! Alerts as the live detector delivers them: owned, with the fields
//! routing needs (namespace, user) and an idempotent key.

use kubeguard_audit::event::format_time;
use kubeguard_audit::{Alert, Event, Priority};
use serde::{Deserialize, Serialize};

/// An alert raised on a live event.
///
/// As JSON it has the keys of `audit scan --format jsonl` (`rule`,
/// `priority`, `output`, `time`, `auditID`, `tags`, `source`) and
/// `namespace`, `user` and `key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// The rule's name.
    pub rule: String,
    /// The rule's priority as Falco names it (`Warning`).
    pub priority: String,
    /// The rule's output with the event's fields filled in.
    pub output: String,
    /// The event's `stageTimestamp`, RFC 3339 UTC with nanoseconds.
    pub time: String,
    /// The event's `auditID`.
    #[serde(rename = "auditID")]
    pub audit_id: Option<String>,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// The event source (`k8s_audit`).
    pub source: String,
    /// The event's target namespace (`objectRef.namespace`).
    pub namespace: Option<String>,
    /// The requesting user (`user.username`).
    pub user: Option<String>,
    /// The alert's idempotent key: the same event and rule always give the
    /// same key, so a retried or redelivered event never makes a second
    /// alert (see [`alert_key`]).
    pub key: String,
}

impl AlertRecord {
    /// The record of `alert`, raised on `event`.
    #[must_use]
    pub fn new(alert: &Alert<'_>, event: &Event) -> Self {
        let text = |pointer: &str| {
            event
                .pointer(pointer)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        AlertRecord {
            rule: alert.rule.name.clone(),
            priority: alert.rule.priority.as_str().to_owned(),
            output: alert.output.clone(),
            time: format_time(alert.time_ns),
            audit_id: alert.audit_id.clone(),
            tags: alert.rule.tags.clone(),
            source: alert.rule.source.clone(),
            namespace: text("/objectRef/namespace"),
            user: text("/user/username"),
            key: alert_key(event, &alert.rule.name),
        }
    }

    /// The priority, parsed back.
    #[must_use]
    pub fn priority(&self) -> Priority {
        Priority::parse(&self.priority).unwrap_or(Priority::Debug)
    }

    /// The alert as one JSON line, newline included.
    #[must_use]
    pub fn json_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

/// The idempotent key of the alert `rule` raises on `event`:
/// `AUDITID/STAGE/RULE` (the API server gives each request one `auditID`
/// and sends it once per stage), or, for an event without `auditID`, a
/// 64-bit FNV-1a hash of its compact JSON in place of the first two.
#[must_use]
pub fn alert_key(event: &Event, rule: &str) -> String {
    format!("{}/{rule}", event_key(event))
}

/// The idempotent key of an event: `AUDITID/STAGE`, or the hash of its
/// compact JSON for an event without `auditID`. A JetStream message id
/// (`Nats-Msg-Id`) when events are published.
#[must_use]
pub fn event_key(event: &Event) -> String {
    match event.audit_id() {
        Some(id) => {
            let stage = event
                .pointer("/stage")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("-");
            format!("{id}/{stage}")
        }
        None => {
            let json = serde_json::to_vec(&event.json).unwrap_or_default();
            format!("{:016x}", fnv1a(&json))
        }
    }
}

/// 64-bit FNV-1a: stable across builds and platforms, unlike std's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(json: serde_json::Value) -> Event {
        Event { json, time_ns: 0 }
    }

    #[test]
    fn keys_name_the_request_stage_and_rule() {
        let ev = event(json!({"auditID": "a-1", "stage": "ResponseComplete"}));
        assert_eq!(alert_key(&ev, "r"), "a-1/ResponseComplete/r");
        let anon = event(json!({"verb": "get"}));
        let key = alert_key(&anon, "r");
        assert_eq!(key, alert_key(&event(json!({"verb": "get"})), "r"));
        assert_ne!(key, alert_key(&event(json!({"verb": "list"})), "r"));
        assert!(key.ends_with("/r") && key.len() == 18, "{key}");
    }

    #[test]
    fn fnv_matches_the_reference_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
