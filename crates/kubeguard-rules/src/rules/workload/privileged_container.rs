use super::{describe, each_container};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags containers with `securityContext.privileged: true`.
    ///
    /// ## Why it matters
    /// A privileged container has every capability, sees all host devices
    /// and runs without seccomp or AppArmor confinement: root in it is root
    /// on the node, and from the node the cluster is one step away.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   securityContext:
    ///     privileged: true
    /// ```
    ///
    /// ## How to fix
    /// Remove `privileged` or set it to `false`; grant the single capability
    /// the workload needs instead.
    code: "KG001",
    name: "privileged-container",
    severity: Critical,
    summary: "Container runs privileged",
    remediation: "Set securityContext.privileged to false (or remove it) and add only the capabilities the process needs.",
    kinds: WORKLOAD_KINDS,
    references: ["PSS:baseline/privileged", "CIS-5.2.2", "NSA-CISA:pod-security", "MITRE:T1611"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    each_container(obj, |_, c| {
        if let Ok(at) = c.at.lookup(&["securityContext", "privileged"])
            && at.node.is_true()
        {
            cx.report(
                &at,
                format!(
                    "{} runs privileged: it has full access to the host",
                    describe(c)
                ),
            );
        }
    });
}
