use super::missing_resource;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags init and regular containers that set no memory limit
    /// (`resources.limits.memory`). Ephemeral containers cannot set resources
    /// and are left alone. A pod whose pod-level `spec.resources.limits.memory`
    /// is set covers all its containers.
    ///
    /// ## Why it matters
    /// Without a memory limit a container may take all the node's memory. A
    /// leak, or an attacker filling memory, then makes the kernel kill
    /// processes of other pods or of the node itself: one container can take
    /// down the node.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.0
    ///   resources:
    ///     limits: {}   # no memory
    /// ```
    ///
    /// ## How to fix
    /// Set `resources.limits.memory` on every container.
    code: "KG053",
    name: "missing-memory-limit",
    severity: Medium,
    summary: "Container sets no memory limit",
    remediation: "Set resources.limits.memory on every init and regular container.",
    kinds: WORKLOAD_KINDS,
    references: ["NSA-CISA:resource-policies", "MITRE:T1499"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    missing_resource(obj, cx, "limits", "memory", "memory limit");
}
