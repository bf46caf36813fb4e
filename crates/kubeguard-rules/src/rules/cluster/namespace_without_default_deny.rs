use crate::scope::describe_namespace;
use crate::{Check, ClusterCtx, Index, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags namespaces that have no default-deny NetworkPolicy, separately
    /// for ingress and egress. A default-deny policy selects every pod
    /// (`podSelector: {}`, or no `podSelector` at all), holds the direction
    /// in its effective `policyTypes` (without `policyTypes`, the API server
    /// sets Ingress, plus Egress when the policy has egress rules) and allows
    /// nothing in it. A CiliumNetworkPolicy, a Calico NetworkPolicy or
    /// GlobalNetworkPolicy, or an AdminNetworkPolicy or the
    /// BaselineAdminNetworkPolicy that denies every pod of the namespace by
    /// default counts as well. This is the answer `kubeguard netpol coverage`
    /// gives for each namespace that holds pods. Namespaces are those the
    /// input declares or places objects in; `kube-system`, `kube-public` and
    /// `kube-node-lease` are left alone. Objects without `metadata.namespace`
    /// (most Helm charts and Kustomize bases) land in the namespace they are
    /// installed into: it is checked as one namespace, named "the install
    /// namespace" in findings, where the network policies without
    /// `metadata.namespace` count. Findings point at the Namespace object,
    /// else at the first object of the namespace that runs pods. Workloads
    /// that no policy selects in a namespace whose policies isolate other
    /// pods are reported one by one by `workload-not-selected-by-networkpolicy`.
    ///
    /// ## Why it matters
    /// Without a NetworkPolicy selecting a pod, Kubernetes allows all
    /// traffic to and from it: one compromised pod can reach every other pod
    /// and, for egress, exfiltrate data or reach the cloud metadata service.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Namespace
    /// metadata:
    ///   name: shop        # no NetworkPolicy in "shop"
    /// ```
    ///
    /// ## How to fix
    /// Add a policy that denies all traffic, then allow what is needed:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata: {name: default-deny, namespace: shop}
    /// spec:
    ///   podSelector: {}
    ///   policyTypes: [Ingress, Egress]
    /// ```
    code: "KG200",
    name: "namespace-without-default-deny",
    severity: Medium,
    summary: "Namespace has no default-deny NetworkPolicy",
    remediation: "Add a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress] and no rules, then allow only the traffic each workload needs.",
    kinds: &[],
    references: ["CIS-5.3.2", "NSA-CISA:network-separation", "MITRE:T1046"],
    check: Check::Cluster(check),
}

fn check(index: &Index, cx: &mut ClusterCtx<'_>) {
    for (name, ns) in index.namespaces() {
        let deny = index.default_deny(name, ns);
        let missing: Vec<&str> = [("ingress", deny.ingress), ("egress", deny.egress)]
            .into_iter()
            .filter(|(_, has)| !has)
            .map(|(dir, _)| dir)
            .collect();
        if missing.is_empty() {
            continue;
        }
        if let Some(at) = ns.anchor() {
            cx.report(
                at,
                format!(
                    "{} has no default-deny NetworkPolicy for {}",
                    describe_namespace(name),
                    missing.join(" or ")
                ),
            );
        }
    }
}
