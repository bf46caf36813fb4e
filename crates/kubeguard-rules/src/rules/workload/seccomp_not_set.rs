use super::{
    annotations, describe, inheritors, is_privileged, is_windows, own, pod_level, pod_setting,
};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::{Container, PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Located, Object};
use kubeguard_pss::values::{
    SECCOMP_CONTAINER_ANNOTATION_PREFIX as CONTAINER_ANNOTATION,
    SECCOMP_POD_ANNOTATION as POD_ANNOTATION, is_allowed_seccomp_annotation,
    is_allowed_seccomp_type,
};

declare_rule! {
    /// ## What it does
    /// Flags containers that run without a seccomp profile, and every
    /// place that asks for none:
    ///
    /// - a `seccompProfile.type` other than `RuntimeDefault` or `Localhost`
    ///   (that is, `Unconfined`) in the pod's or a container's
    ///   `securityContext`;
    /// - a legacy annotation `seccomp.security.alpha.kubernetes.io/pod` or
    ///   `container.seccomp.security.alpha.kubernetes.io/<container>` whose
    ///   value is not `runtime/default`, `docker/default` or
    ///   `localhost/<profile>` (such as `unconfined`);
    /// - a container for which none of these four places sets a profile.
    ///
    /// A container's profile comes from, in this order: its own
    /// `seccompProfile`, its annotation, the pod's `seccompProfile`, the pod
    /// annotation. The API server still turns the annotations into the
    /// fields when a pod is created. A pod-level value names the containers
    /// that use it, and is reported even when every container overrides it,
    /// as Pod Security Admission rejects it. A privileged container that
    /// sets no profile is not flagged: privileged containers always run
    /// unconfined, whatever profile they ask for, and `privileged-container`
    /// reports them. Windows pods (`spec.os.name: windows`) are skipped: the
    /// API server forbids seccomp there.
    ///
    /// ## Why it matters
    /// Without seccomp every system call of the kernel is reachable from the
    /// container, including the rarely used ones behind most kernel exploits
    /// that lead to container escape. The runtime's default profile blocks
    /// them at no cost to ordinary applications, but Kubernetes applies it
    /// only when asked (or when a node's kubelet enables `seccompDefault`,
    /// which a manifest cannot count on).
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: Unconfined
    /// ```
    ///
    /// ## How to fix
    /// Set the runtime's default profile for the whole pod:
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: RuntimeDefault
    /// ```
    code: "KG009",
    name: "seccomp-not-set",
    severity: Medium,
    summary: "Container runs without a seccomp profile",
    remediation: "Set securityContext.seccompProfile.type: RuntimeDefault (or Localhost) on the pod, and remove Unconfined profiles and seccomp annotations.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:restricted/seccomp", "PSS:baseline/seccomp", "CIS-5.7.2", "NSA-CISA:pod-security"],
    check: Check::Object(&check),
}

/// The value of an annotation, unless empty (an empty one sets nothing).
fn annotation_value<'n>(at: &Located<'n>) -> Option<&'n str> {
    at.node.scalar_text().filter(|t| !t.is_empty())
}

/// Reports a `seccompProfile` struct whose type applies no profile.
fn check_field(cx: &mut Ctx<'_>, profile: &Located<'_>, who: &str) {
    let ty = profile.get("type");
    let text = ty.as_ref().and_then(|t| t.node.scalar_text());
    if text.is_some_and(is_allowed_seccomp_type) {
        return;
    }
    let at = ty.as_ref().unwrap_or(profile);
    let ty = text.map_or_else(|| "no type".to_owned(), |t| format!("type {t}"));
    cx.report(
        at,
        format!("{who} sets seccompProfile {ty}, which filters no system calls"),
    );
}

/// Reports a legacy annotation whose value applies no profile.
fn check_annotation(cx: &mut Ctx<'_>, key: &str, at: &Located<'_>, who: &str) {
    if let Some(value) = annotation_value(at).filter(|v| !is_allowed_seccomp_annotation(v)) {
        cx.report(
            at,
            format!("annotation {key}: {value} sets no seccomp profile for {who}"),
        );
    }
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(pod) = PodSpec::of(obj).filter(|p| !is_windows(p)) else {
        return;
    };
    let annotations = annotations(&pod);
    let annotation = |key: &str| {
        annotations
            .iter()
            .find(|(k, v)| *k == key && annotation_value(v).is_some())
            .map(|(_, v)| v.clone())
    };
    let container_key = |c: &Container<'_>| format!("{CONTAINER_ANNOTATION}{}", c.name);
    let pod_field = pod_level(&pod, &["seccompProfile"]);
    let pod_annotation = annotation(POD_ANNOTATION);

    // A container's own annotation also keeps the pod-level profile from it.
    let falls_through = |c: &Container<'_>| annotation(&container_key(c)).is_none();
    if let Some(profile) = &pod_field {
        let mut users = inheritors(&pod, &["seccompProfile"], profile);
        users.retain(|c| falls_through(c));
        check_field(cx, profile, &pod_setting("pod securityContext", &users));
    }
    if let Some(at) = &pod_annotation {
        let users: Vec<_> = if pod_field.is_some() {
            Vec::new()
        } else {
            pod.containers()
                .filter(|c| own(c, &["seccompProfile"]).is_none() && falls_through(c))
                .collect()
        };
        check_annotation(cx, POD_ANNOTATION, at, &pod_setting("the pod", &users));
    }

    for c in pod.containers() {
        let who = describe(&c);
        let field = own(&c, &["seccompProfile"]);
        let key = container_key(&c);
        let own_annotation = annotation(&key);
        if let Some(profile) = &field {
            check_field(cx, profile, &who);
        }
        if let Some(at) = &own_annotation {
            check_annotation(cx, &key, at, &who);
        }
        let set = field.is_some()
            || own_annotation.is_some()
            || pod_field.is_some()
            || pod_annotation.is_some();
        if !set && !is_privileged(&c) {
            let at = PodSpec::security_context_or_parent(&c);
            cx.report(
                &at,
                format!("{who} runs without a seccomp profile: neither it nor the pod sets seccompProfile type RuntimeDefault or Localhost"),
            );
        }
    }
}
