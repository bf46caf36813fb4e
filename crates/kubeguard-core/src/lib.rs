//! Core types of kubeguard: parsed YAML nodes that remember where they came
//! from, Kubernetes objects, field paths, findings, severities and rule
//! metadata, plus access to the pod spec of every workload kind.
//!
//! This crate does no I/O; the loader builds [`Object`]s and the rule crates
//! turn them into [`Finding`]s.

mod diagnostic;
mod finding;
mod located;
mod node;
mod object;
mod rule;
mod snippet;
pub mod workload;

pub use diagnostic::Diagnostic;
pub use finding::{Finding, ObjectRef, Severity};
pub use located::{Located, push_path_index, push_path_key};
pub use node::{Map, Node, Pos, Scalar, ScalarKind, Span, Value};
pub use object::{Object, RenderedOrigin, Source, Written};
pub use rule::RuleMeta;
pub use snippet::Snippet;
