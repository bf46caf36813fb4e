use super::missing_resource;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags init and regular containers that set no CPU limit
    /// (`resources.limits.cpu`). Ephemeral containers cannot set resources and
    /// are left alone. A pod whose pod-level `spec.resources.limits.cpu` is set
    /// covers all its containers.
    ///
    /// ## Why it matters
    /// Without a CPU limit a container may use every idle core of the node. A
    /// compromised or runaway container (a cryptominer, a busy loop) then
    /// degrades every other workload on the node.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.0
    ///   resources:
    ///     limits: {}   # no cpu
    /// ```
    ///
    /// ## How to fix
    /// Set `resources.limits.cpu` on every container.
    code: "KG051",
    name: "missing-cpu-limit",
    severity: Low,
    summary: "Container sets no CPU limit",
    remediation: "Set resources.limits.cpu on every init and regular container.",
    kinds: WORKLOAD_KINDS,
    references: ["NSA-CISA:resource-policies", "MITRE:T1496"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    missing_resource(obj, cx, "limits", "cpu", "CPU limit");
}
