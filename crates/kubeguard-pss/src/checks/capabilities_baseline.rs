//! `capabilities_baseline`: only the container runtime's default
//! capabilities may be added.

use super::{
    At, Check, Failure, VersionedCheck, bad_containers, containers_phrase, join_quote,
    sorted_unique,
};
use crate::level::Level;
use crate::pod::Pod;
use crate::values::is_default_capability;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "capabilities_baseline",
    level: Level::Baseline,
    summary: "containers must not add capabilities beyond the runtime defaults",
    versions: &[VersionedCheck {
        min_minor: 0,
        overrides: &[],
        eval: capabilities_baseline_1_0,
    }],
};

fn capabilities_baseline_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let mut forbidden = Vec::new();
    let (names, first) = bad_containers(pod, |c| {
        let Some(caps) = &c.sc().capabilities else {
            return false;
        };
        let before = forbidden.len();
        forbidden.extend(caps.add.iter().filter(|cap| !is_default_capability(cap)));
        forbidden.len() > before
    });
    let first = first?;
    Some(Failure {
        reason: "non-default capabilities",
        detail: format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&names),
            join_quote(&sorted_unique(forbidden))
        ),
        at: At::container(first, &["securityContext", "capabilities", "add"]),
    })
}
