use crate::scope::{is_cluster_scoped, is_local_config};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;

declare_rule! {
    /// ## What it does
    /// Flags namespaced objects of any kind (everything but cluster-scoped
    /// kinds such as Namespace, ClusterRole or StorageClass, and custom
    /// kinds named `Cluster*` such as Kyverno's ClusterPolicy) that are in the
    /// `default` namespace: `metadata.namespace: default`, or no namespace at
    /// all, in which case the object lands in `default` when applied without
    /// `-n` (the message says which). Files that are not API objects but
    /// share their shape are left alone: component configuration
    /// (`*.config.k8s.io`, such as KubeletConfiguration or Kustomization,
    /// and `kubeadm.k8s.io`), audit policies (`audit.k8s.io`), exec
    /// credentials (`client.authentication.k8s.io`) and kubeconfig files
    /// (`v1` `Config`). So are files of other tools whose `apiVersion` names
    /// no Kubernetes API group (`skaffold/v4beta6`: API groups other than the
    /// built-in `apps`, `batch`, `policy`, `autoscaling` and `extensions`
    /// hold a dot), and what Kubernetes itself keeps in `default`: the
    /// `default` ServiceAccount and the `kubernetes` Service, as dumped from
    /// a cluster.
    ///
    /// ## Why it matters
    /// `default` is where everything ends up by accident. It usually has no
    /// NetworkPolicy, no quota, no Pod Security labels and broad access for
    /// whoever works in the cluster, and workloads in it cannot be told
    /// apart or isolated from each other.
    ///
    /// ## Example
    /// ```yaml
    /// kind: Deployment
    /// metadata:
    ///   name: web        # no namespace
    /// ```
    ///
    /// ## How to fix
    /// Create a namespace per application or team, with its policies, and
    /// set `metadata.namespace` explicitly.
    code: "KG064",
    name: "default-namespace",
    severity: Low,
    summary: "Object is in the default namespace",
    remediation: "Set metadata.namespace to a dedicated namespace that has its own NetworkPolicies, quotas and Pod Security labels.",
    kinds: &[],
    references: ["CIS-5.7.4", "NSA-CISA:namespaces"],
    check: Check::Object(&check),
}

/// Whether `obj` is what Kubernetes itself keeps in `default`: the
/// namespace's `default` ServiceAccount or the API server's `kubernetes`
/// Service.
fn is_owned_by_kubernetes(obj: &Object) -> bool {
    obj.api_version == "v1"
        && obj.namespace.as_deref() == Some("default")
        && matches!(
            (obj.kind.as_str(), obj.name.as_deref()),
            ("ServiceAccount", Some("default")) | ("Service", Some("kubernetes"))
        )
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    if is_cluster_scoped(obj) || is_local_config(obj) || is_owned_by_kubernetes(obj) {
        return;
    }
    let root = obj.located();
    match obj.namespace.as_deref() {
        Some("default") => {
            if let Ok(at) = root.lookup(&["metadata", "namespace"]) {
                cx.report(&at, format!("{} is in the \"default\" namespace", obj.kind));
            }
        }
        Some(ns) if !ns.is_empty() => {}
        _ => {
            let at = root
                .lookup(&["metadata", "namespace"])
                .unwrap_or_else(|parent| parent);
            cx.report(
                &at,
                format!(
                    "{} sets no metadata.namespace, so it lands in the \"default\" namespace when applied without -n",
                    obj.kind
                ),
            );
        }
    }
}
