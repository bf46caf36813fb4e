use super::missing_resource;
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, workload::WORKLOAD_KINDS};

declare_rule! {
    /// ## What it does
    /// Flags init and regular containers that set no CPU request
    /// (`resources.requests.cpu`). Ephemeral containers cannot set resources
    /// and are left alone. A container that sets `resources.limits.cpu` is
    /// covered (the API server copies a limit into a missing request), and so
    /// is every container of a pod whose pod-level `spec.resources` sets the
    /// CPU request or limit.
    ///
    /// ## Why it matters
    /// The scheduler places pods by their requests. A container without a CPU
    /// request counts as needing none: it can land on a full node and gets the
    /// smallest CPU share under contention, so a busy neighbour starves it.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.0
    ///   resources:
    ///     requests: {}   # no cpu
    /// ```
    ///
    /// ## How to fix
    /// Set `resources.requests.cpu` on every container, sized to what the process needs at steady state.
    code: "KG050",
    name: "missing-cpu-request",
    severity: Low,
    summary: "Container sets no CPU request",
    remediation: "Set resources.requests.cpu on every init and regular container, sized to the steady-state need.",
    kinds: WORKLOAD_KINDS,
    references: ["NSA-CISA:resource-policies"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    missing_resource(obj, cx, "requests", "cpu", "CPU request");
}
