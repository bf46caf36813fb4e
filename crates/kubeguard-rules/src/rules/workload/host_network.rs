use super::pod_flag_set;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags pods with `hostNetwork: true`.
    ///
    /// ## Why it matters
    /// The pod uses the node's network namespace: it can bind any node port,
    /// sniff node traffic, reach services listening on the node's loopback
    /// (the kubelet, cloud metadata) and NetworkPolicy no longer applies to it.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostNetwork: true
    /// ```
    ///
    /// ## How to fix
    /// Remove `hostNetwork`; expose the pod through a Service instead.
    code: "KG020",
    name: "host-network",
    severity: High,
    summary: "Pod shares the node's network namespace",
    remediation: "Remove spec.hostNetwork (or set it to false) and expose the pod through a Service.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/host-namespaces", "CIS-5.2.5", "NSA-CISA:pod-security", "MITRE:T1611"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    pod_flag_set(
        obj,
        cx,
        "hostNetwork",
        "pod uses the node's network namespace (hostNetwork: true)",
    );
}
