//! `allowPrivilegeEscalation` (v1.8): every container must set
//! `allowPrivilegeEscalation: false`; from v1.25 Windows pods are exempt.

use super::{At, Check, Failure, VersionedCheck, bad_containers, containers_phrase};
use crate::level::Level;
use crate::pod::Pod;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "allowPrivilegeEscalation",
    level: Level::Restricted,
    summary: "every container must set securityContext.allowPrivilegeEscalation=false",
    versions: &[
        VersionedCheck {
            min_minor: 8,
            overrides: &[],
            eval: allow_privilege_escalation_1_8,
        },
        VersionedCheck {
            min_minor: 25,
            overrides: &[],
            eval: allow_privilege_escalation_1_25,
        },
    ],
};

fn allow_privilege_escalation_1_8<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let (names, first) = bad_containers(pod, |c| c.sc().allow_privilege_escalation != Some(false));
    let first = first?;
    let at = if first.security_context.is_some() {
        At::container(first, &["securityContext", "allowPrivilegeEscalation"])
    } else {
        At::container(first, &["securityContext"])
    };
    Some(Failure {
        reason: "allowPrivilegeEscalation != false",
        detail: containers_phrase(&names)
            + " must set securityContext.allowPrivilegeEscalation=false",
        at,
    })
}

fn allow_privilege_escalation_1_25<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    if pod.is_windows() {
        return None;
    }
    allow_privilege_escalation_1_8(pod)
}
