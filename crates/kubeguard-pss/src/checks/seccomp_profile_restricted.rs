//! `seccompProfile_restricted` (v1.19): a seccomp profile must be set to
//! RuntimeDefault or Localhost, for the pod or every container; from v1.25
//! Windows pods are exempt.

use super::{
    At, Check, Failure, Names, VersionedCheck, containers_phrase, join_quote, sorted_unique,
};
use crate::level::Level;
use crate::pod::Pod;
use crate::values::is_allowed_seccomp_type as allowed_type;

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "seccompProfile_restricted",
    level: Level::Restricted,
    summary: "securityContext.seccompProfile.type must be RuntimeDefault or Localhost for the pod or every container",
    versions: &[
        VersionedCheck {
            min_minor: 19,
            overrides: &["seccompProfile_baseline"],
            eval: seccomp_profile_restricted_1_19,
        },
        VersionedCheck {
            min_minor: 25,
            overrides: &["seccompProfile_baseline"],
            eval: seccomp_profile_restricted_1_25,
        },
    ],
};

const KEYS: &[&str] = &["securityContext", "seccompProfile", "type"];

fn seccomp_profile_restricted_1_19<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let mut values = Vec::new();
    let mut setters = Vec::new();
    let mut explicit_at = None;
    let pod_set = match pod.sc().seccomp_profile {
        Some(t) if allowed_type(t) => true,
        Some(t) => {
            values.push(t);
            setters.push("pod".to_owned());
            explicit_at = Some(At::Pod(KEYS));
            false
        }
        None => false,
    };
    let mut explicit = Names::new();
    let mut implicit = Names::new();
    let mut implicit_at = None;
    for c in &pod.containers {
        match c.sc().seccomp_profile {
            Some(t) if allowed_type(t) => {}
            Some(t) => {
                values.push(t);
                explicit.push(c.name);
                explicit_at.get_or_insert(At::container(c, KEYS));
            }
            None if !pod_set => {
                implicit.push(c.name);
                implicit_at.get_or_insert(At::container(c, &["securityContext"]));
            }
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
    }
    if let Some(at) = explicit_at {
        return Some(Failure {
            reason: "seccompProfile",
            detail: format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters.join(" and "),
                join_quote(&sorted_unique(values))
            ),
            at,
        });
    }
    let at = implicit_at?;
    Some(Failure {
        reason: "seccompProfile",
        detail: format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers_phrase(&implicit)
        ),
        at,
    })
}

fn seccomp_profile_restricted_1_25<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    if pod.is_windows() {
        return None;
    }
    seccomp_profile_restricted_1_19(pod)
}
