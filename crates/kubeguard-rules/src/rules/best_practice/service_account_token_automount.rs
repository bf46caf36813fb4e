use crate::index::{Anchor, TokenMount};
use crate::{Check, ClusterCtx, Index, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags pods that do not set `automountServiceAccountToken: false`. The
    /// pod's setting overrides its service account's; when the pod leaves it
    /// unset, the token is mounted unless the ServiceAccount object disables
    /// it: a pod whose ServiceAccount (`serviceAccountName`, else the
    /// deprecated `serviceAccount`, else `default`) is in the input, in the
    /// same namespace, with `automountServiceAccountToken: false` is left
    /// alone. A quoted `"false"` is a string, not the boolean the field
    /// needs.
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
    check: Check::Cluster(check),
}

/// What the pod of `obj` does with its service account token, for the
/// index: `None` when it sets `automountServiceAccountToken: false` or
/// cannot use a service account.
pub(crate) fn token_mount(
    obj: &Object,
    anchor: impl Fn(&kubeguard_core::Located<'_>) -> Anchor,
) -> Option<TokenMount> {
    if !WORKLOAD_KINDS.contains(&obj.kind.as_str()) || obj.is_control_plane_static_pod() {
        return None;
    }
    let pod = PodSpec::of(obj)?;
    let (at, message, unless_account) = match pod.get("automountServiceAccountToken") {
        Some(at) if at.node.as_bool() == Some(false) => return None,
        Some(at) if at.node.as_bool() == Some(true) => {
            let text = at.node.scalar_text().unwrap_or("true");
            let message = format!("pod mounts its service account token (automountServiceAccountToken: {text})");
            (at, message, false)
        }
        Some(at) if !at.node.is_null() => {
            let value = at.node.scalar_text().map_or_else(|| "not a scalar".to_owned(), |t| format!("{t:?}"));
            let message = format!("automountServiceAccountToken is {value}, not the boolean false (write false unquoted)");
            (at, message, false)
        }
        _ => (
            pod.spec.clone(),
            "pod does not set automountServiceAccountToken: false, and its service account is not in the input with automountServiceAccountToken: false, so the token is mounted unless the service account disables it".to_owned(),
            true,
        ),
    };
    let account = ["serviceAccountName", "serviceAccount"]
        .into_iter()
        .find_map(|k| pod.get(k)?.node.as_str().filter(|n| !n.is_empty()))
        .unwrap_or("default");
    Some(TokenMount {
        anchor: anchor(&at),
        message,
        service_account: unless_account.then(|| account.to_owned()),
    })
}

fn check(index: &Index, cx: &mut ClusterCtx<'_>) {
    for (namespace, mount) in index.token_mounts() {
        let disabled = mount
            .service_account
            .as_deref()
            .is_some_and(|sa| index.service_account_disables_token(namespace, sa));
        if !disabled {
            cx.report(&mount.anchor, mount.message.clone());
        }
    }
}
