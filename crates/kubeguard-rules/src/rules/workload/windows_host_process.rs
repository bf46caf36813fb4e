use super::{describe, inheritors, own, pod_level, pod_setting};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_core::workload::{PodSpec, WORKLOAD_KINDS};

/// The field, under `securityContext`.
const HOST_PROCESS: &[&str] = &["windowsOptions", "hostProcess"];

declare_rule! {
    /// ## What it does
    /// Flags `windowsOptions.hostProcess: true` in the pod's or any
    /// container's `securityContext`. Containers inherit the pod's value
    /// field by field; a pod-level value names the containers that use it.
    ///
    /// ## Why it matters
    /// A HostProcess container is a process on the Windows node itself: it
    /// runs as a node account (often `SYSTEM`), uses the node's network and
    /// filesystem and has no container isolation at all. It is the Windows
    /// equivalent of a privileged pod with every host namespace.
    ///
    /// ## Example
    /// ```yaml
    /// spec:
    ///   securityContext:
    ///     windowsOptions:
    ///       hostProcess: true
    ///       runAsUserName: "NT AUTHORITY\\SYSTEM"
    ///   hostNetwork: true
    /// ```
    ///
    /// ## How to fix
    /// Remove `hostProcess` (and `hostNetwork`). Node management workloads
    /// that need it belong in a dedicated namespace with the privileged Pod
    /// Security level and tight RBAC.
    code: "KG026",
    name: "windows-host-process",
    severity: Critical,
    summary: "Pod runs Windows HostProcess containers",
    remediation: "Remove securityContext.windowsOptions.hostProcess from the pod and its containers.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/host-process", "CIS-5.2.11", "NSA-CISA:pod-security", "MITRE:T1611"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(pod) = PodSpec::of(obj) else {
        return;
    };
    if let Some(at) = pod_level(&pod, HOST_PROCESS).filter(|v| v.node.is_true()) {
        let users = inheritors(&pod, HOST_PROCESS, &at);
        let what = pod_setting("pod securityContext", &users);
        cx.report(&at, format!("{what} sets windowsOptions.hostProcess: true: containers run as processes on the node"));
    }
    for c in pod.containers() {
        if let Some(at) = own(&c, HOST_PROCESS).filter(|v| v.node.is_true()) {
            cx.report(
                &at,
                format!(
                    "{} runs as a process on the Windows node (hostProcess: true)",
                    describe(&c)
                ),
            );
        }
    }
}
