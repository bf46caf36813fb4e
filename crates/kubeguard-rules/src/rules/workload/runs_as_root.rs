use super::{describe, each_container};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags containers that may run as root: neither the container nor the
    /// pod sets `runAsNonRoot: true`, and no non-zero `runAsUser` is set, or
    /// `runAsUser: 0` is set explicitly. Also flags a container whose
    /// primary group is root (`runAsGroup: 0`), whatever its user. The
    /// container's own settings win over the pod's, as the kubelet applies
    /// them.
    ///
    /// ## Why it matters
    /// Most images default to root. Root in a container is root on the node
    /// as soon as any other weakness (a writable host mount, a kernel bug, a
    /// capability) lets it out. Group root opens every file and socket the
    /// node leaves writable to group 0 (containerd's socket is `root:root`
    /// with mode 0660) to a process that is not root.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: nginx:1.25
    ///   # no runAsNonRoot, no runAsUser: runs as the image's user (root)
    /// ```
    ///
    /// ## How to fix
    /// Set `securityContext.runAsNonRoot: true` on the pod (or each
    /// container) and a non-zero `runAsUser`.
    code: "KG003",
    name: "runs-as-root",
    severity: Medium,
    summary: "Container may run as root",
    remediation: "Set securityContext.runAsNonRoot: true, a non-zero runAsUser and a non-zero runAsGroup on the pod or container.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:restricted/running-as-non-root", "CIS-5.2.7", "NSA-CISA:pod-security"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_container(obj, |pod, c| {
        if let Some(at) = pod
            .effective(c, &["runAsGroup"])
            .filter(|g| g.node.as_i64() == Some(0))
        {
            cx.report(
                &at,
                format!("{} runs with the root group (runAsGroup: 0)", describe(c)),
            );
        }
        let user = pod.effective(c, &["runAsUser"]);
        if let Some(at) = user.as_ref().filter(|u| u.node.as_i64() == Some(0)) {
            cx.report(at, format!("{} runs as root (runAsUser: 0)", describe(c)));
            return;
        }
        let non_root = pod
            .effective(c, &["runAsNonRoot"])
            .is_some_and(|v| v.node.is_true());
        let non_zero_user = user.is_some_and(|u| u.node.as_i64().is_some_and(|n| n > 0));
        if !non_root && !non_zero_user {
            let at = PodSpec::security_context_or_parent(c);
            cx.report(
                &at,
                format!(
                    "{} may run as root: neither it nor the pod sets runAsNonRoot: true or a non-zero runAsUser",
                    describe(c)
                ),
            );
        }
    });
}
