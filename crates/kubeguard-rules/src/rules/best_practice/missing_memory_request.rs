use super::missing_resource;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags init and regular containers that set no memory request
    /// (`resources.requests.memory`). Ephemeral containers cannot set resources
    /// and are left alone. A container that sets `resources.limits.memory` is
    /// covered (the API server copies a limit into a missing request), and so
    /// is every container of a pod whose pod-level `spec.resources` sets the
    /// memory request or limit.
    ///
    /// ## Why it matters
    /// The scheduler places pods by their requests. A container without a
    /// memory request counts as needing none: nodes get overcommitted and, under
    /// memory pressure, its pod is among the first the kubelet evicts.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.0
    ///   resources:
    ///     requests: {}   # no memory
    /// ```
    ///
    /// ## How to fix
    /// Set `resources.requests.memory` on every container, sized to what the process needs at steady state.
    code: "KG052",
    name: "missing-memory-request",
    severity: Low,
    summary: "Container sets no memory request",
    remediation: "Set resources.requests.memory on every init and regular container, sized to the steady-state need.",
    kinds: WORKLOAD_KINDS,
    references: ["NSA-CISA:resource-policies"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    missing_resource(obj, cx, "requests", "memory", "memory request");
}
