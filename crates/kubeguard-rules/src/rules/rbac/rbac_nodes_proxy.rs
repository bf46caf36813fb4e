use super::{By, ROLE_KINDS, report_grants};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::NODES_PROXY;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant `get` or `create` on
    /// `nodes/proxy` in the core API group, directly or through `"*"` or
    /// `"*/proxy"`. The finding points at the `resources` item.
    ///
    /// ## Why it matters
    /// `nodes/proxy` reaches the kubelet API of a node, through the API
    /// server or directly on port 10250. The kubelet runs commands in any
    /// container on the node (`/exec`, `/run`), and its WebSocket endpoints
    /// are plain `GET` requests, so `get` alone is enough. Requests to the
    /// kubelet are neither admitted nor audited by the API server.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["nodes/proxy"]
    ///   verbs: ["get"]
    /// ```
    ///
    /// ## How to fix
    /// Grant monitoring agents `nodes/metrics` and `nodes/stats` instead;
    /// remove `nodes/proxy` from every other role.
    code: "KG109",
    name: "rbac-nodes-proxy",
    severity: High,
    summary: "Role or ClusterRole can reach the kubelet API through nodes/proxy",
    remediation: "Remove get and create on nodes/proxy; grant monitoring agents nodes/metrics and nodes/stats instead.",
    kinds: ROLE_KINDS,
    references: ["CIS-5.1.10", "NSA-CISA:authentication-authorization", "MITRE:T1609"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    report_grants(obj, cx, NODES_PROXY, By::Resource, |grant| {
        format!(
            "rule grants {}: it reaches the kubelet API, which runs commands in any container on the node",
            grant.describe()
        )
    });
}
