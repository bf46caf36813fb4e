use super::{annotations, describe, inheritors, own, pod_level, pod_setting};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Located, Object};
use kubeguard_pss::values::{
    APPARMOR_ANNOTATION_PREFIX as ANNOTATION, is_allowed_apparmor_annotation,
    is_allowed_apparmor_type,
};

declare_rule! {
    /// ## What it does
    /// Flags every place that takes a container out of AppArmor
    /// confinement, as the baseline Pod Security Standard does:
    ///
    /// - `appArmorProfile.type` other than `RuntimeDefault` or `Localhost`
    ///   (that is, `Unconfined`) in the pod's or a container's
    ///   `securityContext`;
    /// - an annotation `container.apparmor.security.beta.kubernetes.io/<container>`
    ///   whose value is not empty, `runtime/default` or `localhost/<profile>`
    ///   (that is, `unconfined`).
    ///
    /// A container's profile comes from its own field, then its annotation,
    /// then the pod's field. A pod-level value names the containers that use
    /// it, and is reported even when every container overrides it, as Pod
    /// Security Admission rejects it. Leaving AppArmor unset is fine: the
    /// runtime applies its default profile on nodes that have AppArmor.
    ///
    /// ## Why it matters
    /// The runtime's default AppArmor profile denies writes to `/proc` and
    /// `/sys` files and mounts that container escapes rely on. Unconfined
    /// removes that layer on every node that has it.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   securityContext:
    ///     appArmorProfile:
    ///       type: Unconfined
    /// ```
    ///
    /// ## How to fix
    /// Remove the `Unconfined` profile (and the annotation) or set
    /// `appArmorProfile.type: RuntimeDefault`, or `Localhost` with a profile
    /// loaded on the nodes.
    code: "KG010",
    name: "apparmor-unconfined",
    severity: High,
    summary: "Container runs without AppArmor confinement",
    remediation: "Remove the Unconfined AppArmor profile or annotation, or set appArmorProfile.type to RuntimeDefault or Localhost.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/apparmor", "NSA-CISA:pod-security", "MITRE:T1611"],
    check: Check::Object(&check),
}

/// Reports an `appArmorProfile` whose type is neither `RuntimeDefault` nor `Localhost`.
fn check_field(cx: &mut Ctx<'_>, profile: &Located<'_>, who: &str) {
    let Some(ty) = profile.get("type").filter(|t| !t.node.is_null()) else {
        return;
    };
    match ty.node.scalar_text() {
        Some(t) if is_allowed_apparmor_type(t) => {}
        Some("Unconfined") => cx.report(
            &ty,
            format!("{who} runs without AppArmor confinement (appArmorProfile type Unconfined)"),
        ),
        other => cx.report(
            &ty,
            format!(
                "{who} sets appArmorProfile type {:?}, not RuntimeDefault or Localhost",
                other.unwrap_or("")
            ),
        ),
    }
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(pod) = PodSpec::of(obj) else {
        return;
    };
    let annotations = annotations(&pod);
    let has_annotation = |name: &str| {
        annotations.iter().any(|(k, v)| {
            k.strip_prefix(ANNOTATION) == Some(name)
                && v.node.scalar_text().is_some_and(|t| !t.is_empty())
        })
    };
    if let Some(profile) = pod_level(&pod, &["appArmorProfile"]) {
        let mut users = inheritors(&pod, &["appArmorProfile"], &profile);
        users.retain(|c| !has_annotation(c.name));
        check_field(cx, &profile, &pod_setting("pod securityContext", &users));
    }
    for c in pod.containers() {
        if let Some(profile) = own(&c, &["appArmorProfile"]) {
            check_field(cx, &profile, &describe(&c));
        }
    }
    for (key, at) in &annotations {
        let Some(name) = key.strip_prefix(ANNOTATION) else {
            continue;
        };
        let value = at.node.scalar_text().unwrap_or("");
        if is_allowed_apparmor_annotation(value) {
            continue;
        }
        let message = if value == "unconfined" {
            format!(
                "annotation {key}: unconfined runs container {name:?} without AppArmor confinement"
            )
        } else {
            format!(
                "annotation {key} sets AppArmor profile {value:?} for container {name:?}, not runtime/default or localhost/<profile>"
            )
        };
        cx.report(at, message);
    }
}
