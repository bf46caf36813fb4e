use super::pod_flag_set;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags pods with `hostPID: true`.
    ///
    /// ## Why it matters
    /// The pod shares the node's process namespace: it sees every process on
    /// the node, can read their environment (often full of credentials) and,
    /// as root, attach to them and escape into the host.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostPID: true
    /// ```
    ///
    /// ## How to fix
    /// Remove `hostPID`; use ephemeral containers to debug a pod.
    code: "KG021",
    name: "host-pid",
    severity: High,
    summary: "Pod shares the node's process namespace",
    remediation: "Remove spec.hostPID (or set it to false); use ephemeral containers for debugging.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/host-namespaces", "CIS-5.2.3", "NSA-CISA:pod-security", "MITRE:T1611"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    pod_flag_set(
        obj,
        cx,
        "hostPID",
        "pod sees every process on the node (hostPID: true)",
    );
}
