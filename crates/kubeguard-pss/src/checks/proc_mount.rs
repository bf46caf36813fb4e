//! `procMount`: the default masked `/proc` only; from v1.35 any value is
//! allowed for pods in a user namespace (`hostUsers: false`).

use super::{
    At, Check, Failure, VersionedCheck, bad_containers, containers_phrase, join_quote,
    sorted_unique,
};
use crate::level::Level;
use crate::pod::Pod;
use crate::values::DEFAULT_PROC_MOUNT;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "procMount",
    level: Level::Baseline,
    summary: "containers must not set securityContext.procMount to anything but Default",
    versions: &[
        VersionedCheck {
            min_minor: 0,
            overrides: &[],
            eval: proc_mount_1_0,
        },
        VersionedCheck {
            min_minor: 35,
            overrides: &[],
            eval: proc_mount_1_35,
        },
    ],
};

/// The v1.0 rule, shared with `procMount_restricted`.
pub(crate) fn proc_mount_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let mut values = Vec::new();
    let (names, first) = bad_containers(pod, |c| match c.sc().proc_mount {
        Some(m) if m != DEFAULT_PROC_MOUNT => {
            values.push(m);
            true
        }
        _ => false,
    });
    let first = first?;
    Some(Failure {
        reason: "procMount",
        detail: format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&names),
            join_quote(&sorted_unique(values))
        ),
        at: At::container(first, &["securityContext", "procMount"]),
    })
}

fn proc_mount_1_35<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    if pod.in_user_namespace() {
        return None;
    }
    proc_mount_1_0(pod)
}
