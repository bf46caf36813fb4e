use super::ENFORCE_LABEL;
use crate::{Check, ClusterCtx, Index, declare_rule};
use kubeguard_pss::Level;

declare_rule! {
    /// ## What it does
    /// Flags Namespaces the input declares without a valid
    /// `pod-security.kubernetes.io/enforce` label: the label is missing, or
    /// its value is not `privileged`, `baseline` or `restricted`. The
    /// finding points at the Namespace's `metadata.labels` (or `metadata`).
    ///
    /// Only declared Namespaces are checked: a namespace the input merely
    /// places objects in is managed elsewhere, and its labels are unknown.
    /// `kube-system`, `kube-public` and `kube-node-lease` are left alone.
    ///
    /// ## Why it matters
    /// Pod Security admission enforces the level in this label. Without
    /// it, the cluster default applies, which is `privileged` (no checks)
    /// unless the admission configuration says otherwise: any pod,
    /// privileged or mounting the host's filesystem, is admitted. An
    /// invalid value makes the API server reject the Namespace.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop      # no pod-security.kubernetes.io/enforce label
    /// ```
    ///
    /// ## How to fix
    /// ```yaml
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: restricted
    ///     pod-security.kubernetes.io/enforce-version: latest
    /// ```
    code: "KG201",
    name: "namespace-without-pss-label",
    severity: Medium,
    summary: "Namespace has no Pod Security enforce label",
    remediation: "Label the Namespace pod-security.kubernetes.io/enforce: restricted (or baseline where restricted is not yet possible).",
    kinds: &[],
    references: ["PSS:enforce", "CIS-5.2.1", "NSA-CISA:pod-security"],
    check: Check::Cluster(check),
}

fn check(index: &Index, cx: &mut ClusterCtx<'_>) {
    for (name, ns) in index.namespaces() {
        let Some(at) = &ns.declared else { continue };
        match ns.labels.get(ENFORCE_LABEL) {
            None => cx.report(
                at,
                format!("namespace {name:?} has no {ENFORCE_LABEL} label: pods are checked only against the cluster default level"),
            ),
            Some(level) if level.parse::<Level>().is_err() => cx.report(
                at,
                format!(
                    "namespace {name:?} has {ENFORCE_LABEL}: {level:?}, which is not one of {}: the API server rejects the Namespace",
                    Level::ALL.map(Level::as_str).join(", ")
                ),
            ),
            Some(_) => {}
        }
    }
}
