//! Pod Security Standards as the Kubernetes API server evaluates them.
//!
//! The three levels (privileged, baseline, restricted) are made of checks
//! ([`checks`]), each with implementations keyed by the minimum policy
//! version they apply from, `v1.0` to `v1.37` and `latest`. A pod is
//! decoded with the API server's types ([`Pod`]) and evaluated against a
//! [`LevelVersion`]; the [`Verdict`] lists each failed check with its
//! forbidden reason, detail and the offending field.
//!
//! Around the engine: namespace labels and the three admission modes
//! ([`namespace`]), the admission plugin's `PodSecurityConfiguration`
//! ([`config`]) and migration planning ([`plan`]); over a whole input, the
//! pods it holds, per-object checks, the per-namespace admission table and
//! the plans ([`input`]). The allowed values the checks compare against
//! (safe sysctls, default capabilities, SELinux types, profile types, ...)
//! are public in [`values`]. The crate never prints.

mod checks;
pub mod config;
mod error;
mod evaluate;
pub mod input;
mod level;
pub mod namespace;
pub mod plan;
mod pod;
mod scan_rule;
pub mod values;
mod version;

pub use checks::Check;
pub use error::PssError;
pub use evaluate::{
    LevelVersion, Verdict, Violation, active_checks, evaluate, evaluate_object, is_allowed,
};
pub use level::Level;
pub use pod::{Capabilities, Container, HandlerHost, Pod, SeLinuxOptions, SecurityContext, Volume};
pub use scan_rule::POD_SECURITY_STANDARD;
pub use version::{LATEST_MINOR, Version};

/// Every check, baseline first, in the order violations are reported.
#[must_use]
pub fn checks() -> &'static [&'static Check] {
    checks::CHECKS
}
