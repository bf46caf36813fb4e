use super::{describe, describe_all, each_container};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Located, Object};

declare_rule! {
    /// ## What it does
    /// Flags a security context missing at either level of a pod:
    ///
    /// - each container that has no `securityContext`, whether or not its
    ///   pod has one. The message says whether the pod has none either;
    ///   when it has one, the container still lacks the settings that exist
    ///   only per container;
    /// - a pod spec with no `securityContext` while its containers set
    ///   theirs (when no container sets one either, the container findings
    ///   already say so).
    ///
    /// A `securityContext` that is null or an empty mapping (`{}`) counts
    /// as none.
    ///
    /// ## Why it matters
    /// With no security context anywhere, every setting is the runtime's
    /// default: the image's user (often root), privilege escalation allowed,
    /// a writable root filesystem, the default capabilities and no seccomp
    /// profile. It usually means nobody has looked at the workload's
    /// security at all. A pod-level `securityContext` does not make up for
    /// a container's: `allowPrivilegeEscalation`, `readOnlyRootFilesystem`,
    /// `capabilities` and `privileged` can only be set on the container.
    /// Nor do containers' security contexts make up for the pod's:
    /// `fsGroup`, `supplementalGroups` and `sysctls` exist only on the pod,
    /// and containers added later (sidecars injected at admission,
    /// ephemeral debug containers from `kubectl debug`) run with the pod's
    /// `runAsNonRoot`, `runAsUser` and `seccompProfile` and nothing else.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.0
    /// ---
    /// spec:            # no pod-level securityContext
    ///   containers:
    ///   - name: app
    ///     image: registry.example.com/app:1.0
    ///     securityContext:
    ///       allowPrivilegeEscalation: false
    /// ```
    ///
    /// ## How to fix
    /// Set a pod-level `securityContext` (`runAsNonRoot`, `runAsUser`,
    /// `seccompProfile`) and a container-level one
    /// (`allowPrivilegeEscalation: false`, `readOnlyRootFilesystem: true`,
    /// `capabilities: {drop: [ALL]}`).
    code: "KG027",
    name: "missing-security-context",
    severity: Low,
    summary: "Pod or container sets no security context",
    remediation: "Add a securityContext to the pod and the container: non-root user, seccomp RuntimeDefault, no privilege escalation, read-only root filesystem, drop ALL capabilities.",
    kinds: WORKLOAD_KINDS,
    references: ["CIS-5.7.3", "NSA-CISA:pod-security"],
    check: Check::Object(&check),
}

/// Whether a `securityContext` is missing, null or empty.
fn is_empty(sc: Option<&Located<'_>>) -> bool {
    sc.is_none_or(|sc| sc.node.is_null() || sc.node.as_map().is_some_and(|m| m.is_empty()))
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    check_pod(obj, cx);
    each_container(obj, |pod, c| {
        if !is_empty(c.get("securityContext").as_ref()) {
            return;
        }
        let at = PodSpec::security_context_or_parent(c);
        let message = if is_empty(pod.get("securityContext").as_ref()) {
            format!(
                "{} has no securityContext and neither has its pod",
                describe(c)
            )
        } else {
            format!(
                "{} has no securityContext: its pod's does not cover allowPrivilegeEscalation, readOnlyRootFilesystem, capabilities or privileged, which exist only per container",
                describe(c)
            )
        };
        cx.report(&at, message);
    });
}

/// The pod half: a pod spec without a `securityContext` whose containers
/// set theirs. When none does, each container's finding names the pod's
/// absence too, so the pod gets no finding of its own.
fn check_pod(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(pod) = PodSpec::of(obj) else {
        return;
    };
    let own = pod.get("securityContext");
    if !is_empty(own.as_ref()) {
        return;
    }
    let covered: Vec<_> = pod
        .containers()
        .filter(|c| !is_empty(c.get("securityContext").as_ref()))
        .collect();
    if covered.is_empty() {
        return;
    }
    let at = own.unwrap_or_else(|| pod.spec.clone());
    cx.report(
        &at,
        format!(
            "the pod has no securityContext although {} {} one: fsGroup, supplementalGroups and sysctls exist only per pod, and containers added later (injected sidecars, debug containers) get only the pod's settings",
            describe_all(&covered),
            if covered.len() == 1 { "sets" } else { "set" },
        ),
    );
}
