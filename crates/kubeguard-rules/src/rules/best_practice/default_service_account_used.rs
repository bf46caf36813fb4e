use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags pods that run as their namespace's `default` service account:
    /// `serviceAccountName` is `default`, or it is unset and so is the
    /// deprecated `serviceAccount` (which the API server uses when
    /// `serviceAccountName` is empty), or the latter is `default`.
    ///
    /// Control-plane static pods (a Pod in `kube-system` labelled
    /// `tier: control-plane`, as kubeadm writes them) are skipped: a static
    /// pod cannot use a service account.
    ///
    /// ## Why it matters
    /// Every pod of the namespace that names no service account shares the
    /// `default` one. A permission granted to it for one workload is granted
    /// to all of them, and its identity says nothing about which workload
    /// made an API call.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   containers: [...]   # no serviceAccountName
    /// ```
    ///
    /// ## How to fix
    /// Create a ServiceAccount per workload, grant it only what the workload
    /// needs, and set `serviceAccountName` to it.
    code: "KG062",
    name: "default-service-account-used",
    severity: Low,
    summary: "Pod runs as the default service account",
    remediation: "Create a dedicated ServiceAccount for the workload and set spec.serviceAccountName to it.",
    kinds: WORKLOAD_KINDS,
    references: ["CIS-5.1.5", "NSA-CISA:authentication-authorization"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    if obj.is_control_plane_static_pod() {
        return;
    }
    let Some(pod) = PodSpec::of(obj) else { return };
    let named = ["serviceAccountName", "serviceAccount"]
        .into_iter()
        .find_map(|field| {
            let at = pod.get(field)?;
            let name = at.node.scalar_text().filter(|n| !n.is_empty())?;
            Some((field, name, at))
        });
    match named {
        Some((field, "default", at)) => {
            cx.report(
                &at,
                format!("pod runs as the namespace's default service account ({field}: default)"),
            );
        }
        Some(_) => {}
        None => cx.report(
            &pod.spec,
            "pod sets no serviceAccountName, so it runs as the namespace's default service account",
        ),
    }
}
