use super::{LONG_RUNNING_KINDS, missing_probe};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;

declare_rule! {
    /// ## What it does
    /// Flags regular containers of long-running workloads that have no
    /// `livenessProbe`. Jobs, CronJobs and pods with `restartPolicy: Never` or
    /// `OnFailure` run to completion and are left alone, as are init
    /// containers (restartable sidecars included: they may have probes but
    /// need none) and ephemeral containers.
    ///
    /// ## Why it matters
    /// Without a liveness probe the kubelet restarts a container only when its
    /// process exits. A deadlocked or wedged process keeps its pod "running"
    /// and serving errors, or holding locks, until someone notices.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: app
    ///   image: registry.example.com/app:1.0
    ///   # no livenessProbe
    /// ```
    ///
    /// ## How to fix
    /// Add a `livenessProbe` that fails only when the process cannot recover:
    /// ```yaml
    ///   livenessProbe:
    ///     httpGet: {path: /healthz, port: 8080}
    /// ```
    code: "KG054",
    name: "missing-liveness-probe",
    severity: Low,
    summary: "Container has no liveness probe",
    remediation: "Add a livenessProbe (httpGet, tcpSocket, grpc or exec) that fails only when the process cannot recover by itself.",
    kinds: LONG_RUNNING_KINDS,
    references: [],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    missing_probe(obj, cx, "livenessProbe", "liveness probe");
}
