//! `privileged`: no container may run privileged.

use super::{At, Check, Failure, VersionedCheck, bad_containers, containers_phrase};
use crate::level::Level;
use crate::pod::Pod;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "privileged",
    level: Level::Baseline,
    summary: "containers must not set securityContext.privileged=true",
    versions: &[VersionedCheck {
        min_minor: 0,
        overrides: &[],
        eval: privileged_1_0,
    }],
};

fn privileged_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let (names, first) = bad_containers(pod, |c| c.sc().privileged == Some(true));
    let first = first?;
    Some(Failure {
        reason: "privileged",
        detail: format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&names)
        ),
        at: At::container(first, &["securityContext", "privileged"]),
    })
}
