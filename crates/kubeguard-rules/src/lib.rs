//! kubeguard's manifest rules and the engine that runs them, the one
//! [`catalog`] of every rule of every engine, the configuration file, and
//! the one findings [`pipeline`] every command uses. Each manifest rule
//! lives in `src/rules/<group>/<rule_name>.rs` and is listed in its group's
//! `RULES`; [`registry::all`] is the table of them.

pub mod baseline;
pub mod catalog;
pub mod config;
mod context;
pub mod docs;
mod engine;
pub mod image;
mod index;
pub mod inputs;
pub mod netpol_coverage;
pub mod pipeline;
pub mod profile;
pub mod pss_check;
pub mod pss_scan;
pub mod rbac_report;
mod redact;
pub mod registry;
mod rule;
mod rules;
pub mod scan;
pub mod scope;
mod settings;
pub mod suppress;

pub use catalog::UnknownRule;
pub use context::{ClusterCtx, Ctx};
pub use engine::{Engine, ScanOutput, inline_ignore_of};
pub use index::{Anchor, Index, NamespaceInfo, PolicyPod, SYSTEM_NAMESPACES};
pub use pipeline::{CliPolicy, Outcome, Pipeline, Policy, Selection};
pub use profile::Profile;
pub use rule::{Check, ObjectCheck, Rule};
pub use settings::Settings;
