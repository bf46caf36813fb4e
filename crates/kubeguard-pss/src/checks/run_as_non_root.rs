//! `runAsNonRoot`: containers must be required to run as a non-root user;
//! from v1.35 pods in a user namespace (`hostUsers: false`) are exempt.

use super::{At, Check, Failure, Names, VersionedCheck, containers_phrase};
use crate::level::Level;
use crate::pod::Pod;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "runAsNonRoot",
    level: Level::Restricted,
    summary: "securityContext.runAsNonRoot must be true for the pod or every container",
    versions: &[
        VersionedCheck {
            min_minor: 0,
            overrides: &[],
            eval: run_as_non_root_1_0,
        },
        VersionedCheck {
            min_minor: 35,
            overrides: &[],
            eval: run_as_non_root_1_35,
        },
    ],
};

const KEYS: &[&str] = &["securityContext", "runAsNonRoot"];

fn run_as_non_root_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let pod_value = pod.sc().run_as_non_root;
    let mut explicit = Names::new();
    let mut implicit = Names::new();
    let mut explicit_at = None;
    let mut implicit_at = None;
    for c in &pod.containers {
        match c.sc().run_as_non_root {
            Some(false) => {
                explicit.push(c.name);
                explicit_at.get_or_insert(At::container(c, KEYS));
            }
            Some(true) => {}
            None if pod_value != Some(true) => {
                implicit.push(c.name);
                implicit_at.get_or_insert(At::container(c, KEYS));
            }
            None => {}
        }
    }
    let mut setters = Vec::new();
    if pod_value == Some(false) {
        setters.push("pod".to_owned());
        explicit_at = Some(At::Pod(KEYS));
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    if let Some(at) = explicit_at {
        return Some(Failure {
            reason: "runAsNonRoot != true",
            detail: format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters.join(" and ")
            ),
            at,
        });
    }
    let at = implicit_at?;
    Some(Failure {
        reason: "runAsNonRoot != true",
        detail: format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&implicit)
        ),
        at,
    })
}

fn run_as_non_root_1_35<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    if pod.in_user_namespace() {
        return None;
    }
    run_as_non_root_1_0(pod)
}
