use super::pod_flag_set;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags pods with `hostIPC: true`.
    ///
    /// ## Why it matters
    /// The pod shares the node's IPC namespace: it can read and write the
    /// shared memory segments and message queues of every process on the
    /// node, including other pods' data.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   hostIPC: true
    /// ```
    ///
    /// ## How to fix
    /// Remove `hostIPC`; share data between containers of a pod with an
    /// `emptyDir` volume instead.
    code: "KG022",
    name: "host-ipc",
    severity: High,
    summary: "Pod shares the node's IPC namespace",
    remediation: "Remove spec.hostIPC (or set it to false); share data through an emptyDir volume.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/host-namespaces", "CIS-5.2.4", "NSA-CISA:pod-security"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    pod_flag_set(
        obj,
        cx,
        "hostIPC",
        "pod shares the node's IPC namespace (hostIPC: true)",
    );
}
