use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags pods that do not set `automountServiceAccountToken: false`. The
    /// pod's setting overrides its service account's; when the pod leaves it
    /// unset, the token is mounted unless the ServiceAccount object disables
    /// it, which a manifest check of the pod cannot rely on. A quoted
    /// `"false"` is a string, not the boolean the field needs.
    ///
    /// Control-plane static pods (a Pod in `kube-system` labelled
    /// `tier: control-plane`, as kubeadm writes them) are skipped: a static
    /// pod cannot use a service account.
    ///
    /// ## Why it matters
    /// The token is mounted into every container at
    /// `/var/run/secrets/kubernetes.io/serviceaccount`. Anyone who gets code
    /// execution in the pod can use it to call the API server with the
    /// service account's permissions; most workloads never call the API.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   serviceAccountName: web
    ///   # automountServiceAccountToken not set: the token is mounted
    /// ```
    ///
    /// ## How to fix
    /// Set `automountServiceAccountToken: false` in the pod spec. Workloads
    /// that call the API can mount a short-lived, audience-bound token with a
    /// `projected` `serviceAccountToken` volume in just the container that
    /// needs it.
    code: "KG063",
    name: "service-account-token-automount",
    severity: Medium,
    summary: "Pod mounts a service account token",
    remediation: "Set spec.automountServiceAccountToken: false; mount a projected serviceAccountToken volume only where the API is needed.",
    kinds: WORKLOAD_KINDS,
    references: ["CIS-5.1.6", "NSA-CISA:authentication-authorization", "MITRE:T1528"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    if obj.is_control_plane_static_pod() {
        return;
    }
    let Some(pod) = PodSpec::of(obj) else { return };
    match pod.get("automountServiceAccountToken") {
        Some(at) if at.node.as_bool() == Some(false) => {}
        Some(at) if at.node.as_bool() == Some(true) => {
            let text = at.node.scalar_text().unwrap_or("true");
            cx.report(&at, format!("pod mounts its service account token (automountServiceAccountToken: {text})"));
        }
        Some(at) if !at.node.is_null() => {
            let value = at.node.scalar_text().map_or_else(|| "not a scalar".to_owned(), |t| format!("{t:?}"));
            cx.report(
                &at,
                format!("automountServiceAccountToken is {value}, not the boolean false (write false unquoted)"),
            );
        }
        _ => cx.report(
            &pod.spec,
            "pod does not set automountServiceAccountToken: false, so the service account token is mounted unless the service account disables it",
        ),
    }
}
