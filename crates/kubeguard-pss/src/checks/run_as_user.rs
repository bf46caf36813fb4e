//! `runAsUser` (v1.23): no explicit `runAsUser: 0`; from v1.35 pods in a
//! user namespace (`hostUsers: false`) are exempt.

use super::{At, Check, Failure, VersionedCheck, setters};
use crate::level::Level;
use crate::pod::Pod;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "runAsUser",
    level: Level::Restricted,
    summary: "securityContext.runAsUser must not be 0",
    versions: &[
        VersionedCheck {
            min_minor: 23,
            overrides: &[],
            eval: run_as_user_1_23,
        },
        VersionedCheck {
            min_minor: 35,
            overrides: &[],
            eval: run_as_user_1_35,
        },
    ],
};

const KEYS: &[&str] = &["securityContext", "runAsUser"];

fn run_as_user_1_23<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let pod_bad = pod.sc().run_as_user == Some(0);
    let mut at = pod_bad.then_some(At::Pod(KEYS));
    let mut names = Vec::new();
    for c in &pod.containers {
        if c.sc().run_as_user == Some(0) {
            names.push(c.name);
            at.get_or_insert(At::container(c, KEYS));
        }
    }
    let at = at?;
    Some(Failure {
        reason: "runAsUser=0",
        detail: format!("{} must not set runAsUser=0", setters(pod_bad, &names)),
        at,
    })
}

fn run_as_user_1_35<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    if pod.in_user_namespace() {
        return None;
    }
    run_as_user_1_23(pod)
}
