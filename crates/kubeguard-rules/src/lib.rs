//! kubeguard's manifest rules, their registry, and the engine that runs
//! them. Each rule lives in `src/rules/<group>/<rule_name>.rs` and is listed
//! in its group's `RULES`; [`registry::all`] is the one table of them all.

mod context;
pub mod docs;
mod engine;
pub mod image;
mod index;
mod redact;
pub mod registry;
mod rule;
mod rules;
mod settings;
pub mod suppress;

pub use context::{ClusterCtx, Ctx};
pub use engine::{Engine, Selection, UnknownRule};
pub use index::{Anchor, Index, NamespaceInfo, SYSTEM_NAMESPACES};
pub use rule::{Check, ObjectCheck, Rule};
pub use settings::Settings;
