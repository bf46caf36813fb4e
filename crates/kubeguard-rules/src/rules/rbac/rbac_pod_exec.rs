use super::{By, ROLE_KINDS, report_grants};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::POD_EXEC as EXEC;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant `create` or `get` on
    /// `pods/exec` or `pods/attach` in the core API group, directly or
    /// through `"*"` or `"*/exec"`. The finding points at the `resources`
    /// item that grants it.
    ///
    /// `get` is flagged too: exec and attach over WebSocket are HTTP `GET`
    /// requests, which the API server authorizes as `get` unless it runs
    /// Kubernetes 1.35 or later with the `AuthorizePodWebsocketUpgradeCreatePermission`
    /// feature gate on (its default), and kubectl uses WebSockets by
    /// default since 1.31.
    ///
    /// ## Why it matters
    /// Exec runs any command in any container the subject can reach, with
    /// that container's service account token, Secrets and network access;
    /// attach takes over its main process. Either one turns access to the
    /// API into code execution in every workload in scope.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["pods/exec"]
    ///   verbs: ["create"]
    /// ```
    ///
    /// ## How to fix
    /// Remove the grant from roles used by workloads and day-to-day users;
    /// give exec to operators through a separate, time-limited binding.
    code: "KG102",
    name: "rbac-pod-exec",
    severity: High,
    summary: "Role or ClusterRole can exec into or attach to pods",
    remediation: "Remove create and get on pods/exec and pods/attach, and grant them only through a separate role bound to operators when needed.",
    kinds: ROLE_KINDS,
    references: ["NSA-CISA:authentication-authorization", "MITRE:T1609"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    report_grants(obj, cx, EXEC, By::Resource, |grant| {
        let how = if grant.verbs.contains(&"create") {
            "it runs commands in the pods in its scope"
        } else {
            "get is enough to exec over WebSocket unless the API server runs 1.35+ with AuthorizePodWebsocketUpgradeCreatePermission on"
        };
        format!("rule grants {}: {how}", grant.describe())
    });
}
