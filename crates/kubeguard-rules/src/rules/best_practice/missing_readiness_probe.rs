use super::{LONG_RUNNING_KINDS, missing_probe};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;

declare_rule! {
    /// ## What it does
    /// Flags regular containers of long-running workloads that have no
    /// `readinessProbe`. Jobs, CronJobs and pods with `restartPolicy: Never`
    /// or `OnFailure` run to completion and are left alone, as are init
    /// containers (restartable sidecars included: they may have probes but
    /// need none) and ephemeral containers.
    ///
    /// ## Why it matters
    /// Without a readiness probe a pod receives Service traffic as soon as its
    /// containers start, before the application can answer, and keeps
    /// receiving it while the application is overloaded or broken. Rollouts
    /// then replace working pods with ones that do not work.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.0
    ///   # no readinessProbe
    /// ```
    ///
    /// ## How to fix
    /// Add a `readinessProbe` that succeeds only when the application can
    /// serve requests:
    /// ```yaml
    ///   readinessProbe:
    ///     httpGet: {path: /ready, port: 8080}
    /// ```
    code: "KG055",
    name: "missing-readiness-probe",
    severity: Low,
    summary: "Container has no readiness probe",
    remediation: "Add a readinessProbe that succeeds only when the application can serve requests.",
    kinds: LONG_RUNNING_KINDS,
    references: [],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    missing_probe(obj, cx, "readinessProbe", "readiness probe");
}
