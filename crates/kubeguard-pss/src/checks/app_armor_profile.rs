//! `appArmorProfile`: AppArmor may not be disabled or replaced by anything
//! but the runtime default or a profile loaded on the node, through the
//! beta annotations or the `appArmorProfile` fields.

use super::{At, Check, Failure, VersionedCheck, join_quote, setters, sorted_unique};
use crate::level::Level;
use crate::pod::Pod;
use crate::values::{
    APPARMOR_ANNOTATION_PREFIX, is_allowed_apparmor_annotation as allowed_annotation,
    is_allowed_apparmor_type as allowed_type,
};

/// The check.
pub(crate) const CHECK: Check = Check {
    id: "appArmorProfile",
    level: Level::Baseline,
    summary: "AppArmor profiles must be RuntimeDefault or Localhost (annotations and fields)",
    versions: &[VersionedCheck {
        min_minor: 0,
        overrides: &[],
        eval: app_armor_profile_1_0,
    }],
};

fn app_armor_profile_1_0<'a>(pod: &Pod<'a>) -> Option<Failure<'a>> {
    let mut parts = Vec::new();
    let mut at = None;
    let mut bad_annotations: Vec<String> = pod
        .annotations
        .iter()
        .filter(|(k, v)| k.starts_with(APPARMOR_ANNOTATION_PREFIX) && !allowed_annotation(v))
        .map(|(k, v)| {
            at.get_or_insert(At::Annotation(k));
            format!("{k}={v:?}")
        })
        .collect();
    bad_annotations.sort();
    if !bad_annotations.is_empty() {
        parts.push(bad_annotations.join(", "));
    }
    let mut values = Vec::new();
    let pod_bad = match pod.sc().app_armor_profile {
        Some(t) if !allowed_type(t) => {
            values.push(t);
            at.get_or_insert(At::Pod(&["securityContext", "appArmorProfile", "type"]));
            true
        }
        _ => false,
    };
    let mut names = Vec::new();
    for c in &pod.containers {
        if let Some(t) = c.sc().app_armor_profile
            && !allowed_type(t)
        {
            names.push(c.name);
            values.push(t);
            at.get_or_insert(At::container(
                c,
                &["securityContext", "appArmorProfile", "type"],
            ));
        }
    }
    if pod_bad || !names.is_empty() {
        parts.push(format!(
            "{} must not set securityContext.appArmorProfile.type to {}",
            setters(pod_bad, &names),
            join_quote(&sorted_unique(values))
        ));
    }
    let at = at?;
    let count = bad_annotations.len() + usize::from(pod_bad) + names.len();
    Some(Failure {
        reason: if count == 1 {
            "forbidden AppArmor profile"
        } else {
            "forbidden AppArmor profiles"
        },
        detail: parts.join("; "),
        at,
    })
}
