use super::report_missing;
use crate::{Check, ClusterCtx, Index, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags namespaces with no LimitRange. Namespaces are those the input
    /// declares or places objects in; `kube-system`, `kube-public` and
    /// `kube-node-lease` are left alone. The finding points at the
    /// Namespace object, or at the first object placed in the namespace.
    ///
    /// ## Why it matters
    /// A LimitRange gives containers that set no requests or limits a
    /// default, and caps what one container may ask for. Without it, a
    /// container without limits can use all of a node's memory and CPU,
    /// and a quota on limits rejects such pods outright.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop      # no LimitRange in "shop"
    /// ```
    ///
    /// ## How to fix
    /// ```yaml
    /// apiVersion: v1
    /// kind: LimitRange
    /// metadata: {name: limits, namespace: shop}
    /// spec:
    ///   limits:
    ///   - type: Container
    ///     default: {cpu: 500m, memory: 256Mi}
    ///     defaultRequest: {cpu: 100m, memory: 128Mi}
    /// ```
    code: "KG204",
    name: "namespace-without-limit-range",
    severity: Low,
    summary: "Namespace has no LimitRange",
    remediation: "Add a LimitRange to the namespace with default requests and limits for containers.",
    kinds: &[],
    references: ["NSA-CISA:resource-policies", "MITRE:T1496"],
    check: Check::Cluster(check),
}

fn check(index: &Index, cx: &mut ClusterCtx<'_>) {
    report_missing(
        index,
        cx,
        |ns| ns.has_limit_range,
        "LimitRange",
        "containers without limits get no default and no cap",
    );
}
