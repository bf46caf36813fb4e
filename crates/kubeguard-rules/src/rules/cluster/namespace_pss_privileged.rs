use super::ENFORCE_LABEL;
use crate::{Check, ClusterCtx, Index, declare_rule};
use kubeguard_pss::Level;

declare_rule! {
    /// ## What it does
    /// Flags Namespaces the input declares with
    /// `pod-security.kubernetes.io/enforce: privileged`. The finding points
    /// at the Namespace's `metadata.labels`. `kube-system`, `kube-public`
    /// and `kube-node-lease` are left alone.
    ///
    /// ## Why it matters
    /// The `privileged` level enforces nothing: pods in the namespace may
    /// run privileged, share the node's namespaces and mount its
    /// filesystem, and whoever can create a pod there can take over the
    /// node.
    ///
    /// ## Example
    /// ```yaml
    /// metadata:
    ///   name: shop
    ///   labels:
    ///     pod-security.kubernetes.io/enforce: privileged
    /// ```
    ///
    /// ## How to fix
    /// Enforce `restricted`, or `baseline` for workloads that cannot meet
    /// it yet. Keep `privileged` for namespaces of node agents, with
    /// creation of pods there limited to cluster administrators.
    code: "KG202",
    name: "namespace-pss-privileged",
    severity: Medium,
    summary: "Namespace enforces the privileged Pod Security level",
    remediation: "Set pod-security.kubernetes.io/enforce to restricted (or baseline); keep privileged only for node-agent namespaces where only administrators can create pods.",
    kinds: &[],
    references: ["PSS:enforce", "CIS-5.2.1", "NSA-CISA:pod-security", "MITRE:T1611"],
    check: Check::Cluster(check),
}

fn check(index: &Index, cx: &mut ClusterCtx<'_>) {
    for (name, ns) in index.namespaces() {
        if let Some(at) = &ns.declared
            && ns
                .labels
                .get(ENFORCE_LABEL)
                .is_some_and(|level| level.parse::<Level>().ok() == Some(Level::Privileged))
        {
            cx.report(
                    at,
                    format!("namespace {name:?} enforces the privileged Pod Security level: any pod, privileged ones included, is admitted"),
                );
        }
    }
}
