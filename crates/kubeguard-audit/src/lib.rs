//! Kubernetes audit-log detection: audit events read from JSON lines,
//! gzip files, `EventList` documents and standard input, and rules in
//! Falco's format (the k8saudit plugin's `ka.*` and `jevt.*` fields)
//! evaluated on them.
//!
//! ```
//! use kubeguard_audit::{load_rules, Priority, split_events};
//! let rules = "- rule: exec\n  desc: exec into a pod\n  condition: ka.target.subresource=exec\n  \
//!              output: exec by %ka.user.name\n  priority: NOTICE\n  source: k8s_audit\n";
//! let set = load_rules(&[("r.yaml".into(), rules.into())]).unwrap();
//! let json = serde_json::json!({"kind": "Event", "stageTimestamp": "2026-01-02T03:04:05Z",
//!     "user": {"username": "eve"}, "objectRef": {"resource": "pods", "subresource": "exec"}});
//! let mut alerts = Vec::new();
//! split_events(json, 262_144, None, &mut |ev| {
//!     set.evaluate(ev.unwrap().view(), Priority::Debug, &mut |a| alerts.push(a.output));
//! });
//! assert_eq!(alerts, ["exec by eve"]);
//! ```

pub mod baseline;
pub mod builtin;
mod check;
pub mod condition;
pub mod doc;
mod engine;
pub mod event;
pub mod fields;
mod index;
pub mod json_text;
mod loader;
mod priority;
pub mod projection;
pub mod reader;
mod scan;

pub use engine::{Alert, Rule, RuleSet, load_rules};
pub use event::{DEFAULT_MAX_EVENT_SIZE, Event, EventView, split_events};
pub use loader::{Definitions, SOURCE};
pub use priority::Priority;
