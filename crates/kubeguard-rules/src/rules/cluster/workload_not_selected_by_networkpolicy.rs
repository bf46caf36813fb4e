use crate::scope::describe_namespace;
use crate::{Check, ClusterCtx, Index, declare_rule};

declare_rule! {
    /// ## What it does
    /// Flags each workload (a Pod, or a Deployment, StatefulSet, DaemonSet,
    /// Job, CronJob, ... standing for the pods of its template) whose pods
    /// no network policy isolates, per direction, in a namespace where
    /// policies isolate other pods in that direction. As Kubernetes
    /// decides it, a pod is isolated for ingress (egress) when a
    /// NetworkPolicy of its namespace selects it and holds Ingress (Egress)
    /// in its effective `policyTypes` (without `policyTypes`, the API
    /// server sets Ingress, plus Egress when the policy has egress rules).
    /// A CiliumNetworkPolicy counts the same way, and so does a Calico
    /// NetworkPolicy or GlobalNetworkPolicy that selects the pod and
    /// applies to the direction. A default-deny policy (`podSelector: {}`)
    /// selects every pod. These are the pods `kubeguard netpol coverage`
    /// lists as unselected, with the same selector logic.
    ///
    /// A direction in which no policy isolates any pod of the namespace is
    /// left to `namespace-without-default-deny`, which reports the
    /// namespace once rather than every workload in it. `hostNetwork` pods
    /// are left to `host-network`: no policy controls them. A Pod or
    /// ReplicaSet whose owner is in the input is represented by its owner.
    /// Objects without `metadata.namespace` (most Helm charts and
    /// Kustomize bases) land in the install namespace, where the policies
    /// without `metadata.namespace` count. The finding points at the pod
    /// template's labels, which policies select on.
    ///
    /// ## Why it matters
    /// Policies select pods by label: a workload whose labels no policy
    /// matches (a new component, a renamed label, a chart's extra
    /// Deployment) accepts connections from every pod of the cluster and
    /// can connect anywhere, while the namespace looks protected because
    /// it holds policies.
    ///
    /// ## Example
    /// ```yaml
    /// kind: NetworkPolicy
    /// metadata: {name: frontend, namespace: shop}
    /// spec:
    ///   podSelector: {matchLabels: {app: frontend}}
    /// ---
    /// kind: Deployment
    /// metadata: {name: loadgenerator, namespace: shop}
    /// spec:
    ///   template:
    ///     metadata:
    ///       labels: {app: loadgenerator}   # no policy selects it
    /// ```
    ///
    /// ## How to fix
    /// Add a default-deny policy to the namespace (`podSelector: {}`,
    /// `policyTypes: [Ingress, Egress]`), or a policy that selects the
    /// workload's labels and allows only the traffic it needs.
    code: "KG210",
    name: "workload-not-selected-by-networkpolicy",
    severity: Medium,
    summary: "No NetworkPolicy selects the workload's pods",
    remediation: "Add a default-deny NetworkPolicy to the namespace, or a policy selecting the workload's pod labels that allows only the traffic it needs.",
    kinds: &[],
    references: ["CIS-5.3.2", "NSA-CISA:network-separation", "MITRE:T1046"],
    check: Check::Cluster(check),
}

fn check(index: &Index, cx: &mut ClusterCtx<'_>) {
    for (namespace, p) in index.policy_pods() {
        if p.pod.host_network {
            continue;
        }
        let (isolated, in_namespace) = index.isolation(namespace, &p.pod);
        let open: Vec<&str> = [
            ("ingress", isolated.ingress, in_namespace.ingress),
            ("egress", isolated.egress, in_namespace.egress),
        ]
        .into_iter()
        .filter(|(_, pod, ns)| *ns && !pod)
        .map(|(dir, _, _)| dir)
        .collect();
        if open.is_empty() {
            continue;
        }
        cx.report(
            &p.anchor,
            format!(
                "no network policy selects its pods for {}, although policies of {} isolate other pods: all {} traffic is allowed",
                open.join(" or "),
                describe_namespace(namespace),
                open.join(" and "),
            ),
        );
    }
}
