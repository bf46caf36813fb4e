//! `seccompProfile_baseline`: seccomp may not be disabled. Before v1.19
//! through the alpha annotations, from v1.19 through the fields.

use super::{At, Check, Failure, VersionedCheck, join_quote, setters, sorted_unique};
use crate::level::Level;
use crate::pod::Pod;
use crate::values::{
    SECCOMP_CONTAINER_ANNOTATION_PREFIX, SECCOMP_POD_ANNOTATION, is_allowed_seccomp_annotation,
    is_allowed_seccomp_type as allowed_type,
};

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "seccompProfile_baseline",
    level: Level::Baseline,
    summary: "seccomp profiles must not be Unconfined (annotations before v1.19, fields after)",
    versions: &[
        VersionedCheck {
            min_minor: 0,
            overrides: &[],
            eval: seccomp_profile_baseline_1_0,
        },
        VersionedCheck {
            min_minor: 19,
            overrides: &[],
            eval: seccomp_profile_baseline_1_19,
        },
    ],
};

fn seccomp_profile_baseline_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let mut bad = Vec::new();
    let mut at = None;
    for (key, value) in &pod.annotations {
        let applies = *key == SECCOMP_POD_ANNOTATION
            || key
                .strip_prefix(SECCOMP_CONTAINER_ANNOTATION_PREFIX)
                .is_some_and(|name| pod.containers.iter().any(|c| c.name == name));
        if applies && !is_allowed_seccomp_annotation(value) {
            at.get_or_insert(At::Annotation(key));
            bad.push(format!("{key}={value:?}"));
        }
    }
    let at = at?;
    bad.sort();
    Some(Failure {
        reason: "seccompProfile",
        detail: format!(
            "forbidden {} {}",
            if bad.len() == 1 {
                "annotation"
            } else {
                "annotations"
            },
            bad.join(", ")
        ),
        at,
    })
}

fn seccomp_profile_baseline_1_19<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let mut values = Vec::new();
    let mut at = None;
    let pod_bad = match pod.sc().seccomp_profile {
        Some(t) if !allowed_type(t) => {
            values.push(t);
            at = Some(At::Pod(&["securityContext", "seccompProfile", "type"]));
            true
        }
        _ => false,
    };
    let mut names = Vec::new();
    for c in &pod.containers {
        if let Some(t) = c.sc().seccomp_profile
            && !allowed_type(t)
        {
            values.push(t);
            names.push(c.name);
            at.get_or_insert(At::container(
                c,
                &["securityContext", "seccompProfile", "type"],
            ));
        }
    }
    let at = at?;
    Some(Failure {
        reason: "seccompProfile",
        detail: format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters(pod_bad, &names),
            join_quote(&sorted_unique(values))
        ),
        at,
    })
}
