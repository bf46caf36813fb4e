use super::report_missing;
use crate::{Check, ClusterCtx, Index, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags namespaces with no ResourceQuota. Namespaces are those the
    /// input declares or places objects in; `kube-system`, `kube-public`
    /// and `kube-node-lease` are left alone. The finding points at the
    /// Namespace object, or at the first object placed in the namespace.
    ///
    /// ## Why it matters
    /// Without a quota, one workload (or whoever controls it) can consume
    /// the cluster's CPU, memory, storage or object count and starve every
    /// other namespace: a denial of service from inside the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop      # no ResourceQuota in "shop"
    /// ```
    ///
    /// ## How to fix
    /// ```yaml
    /// apiVersion: v1
    /// kind: ResourceQuota
    /// metadata: {name: quota, namespace: shop}
    /// spec:
    ///   hard: {requests.cpu: "4", requests.memory: 8Gi, limits.cpu: "8", limits.memory: 16Gi}
    /// ```
    code: "KG203",
    name: "namespace-without-resource-quota",
    severity: Low,
    summary: "Namespace has no ResourceQuota",
    remediation: "Add a ResourceQuota to the namespace that caps CPU, memory and object counts.",
    kinds: &[],
    references: ["NSA-CISA:resource-policies", "MITRE:T1496"],
    check: Check::Cluster(check),
}

fn check(index: &Index, cx: &mut ClusterCtx<'_>) {
    report_missing(
        index,
        cx,
        |ns| ns.has_quota,
        "ResourceQuota",
        "its workloads can exhaust cluster resources",
    );
}
