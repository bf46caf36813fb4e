use super::{By, ROLE_KINDS, report_grants};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::Probe;

/// Port-forwarding to a pod: `create` (SPDY) or `get` (WebSocket).
const PORT_FORWARD: &[Probe] = &[
    Probe {
        verb: "create",
        group: "",
        resource: "pods/portforward",
    },
    Probe {
        verb: "get",
        group: "",
        resource: "pods/portforward",
    },
];

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant `create` or `get` on
    /// `pods/portforward` in the core API group, directly or through `"*"`.
    /// `get` counts because port-forwarding over WebSocket is an HTTP `GET`.
    /// The finding points at the `resources` item that grants it.
    ///
    /// ## Why it matters
    /// Port-forwarding opens a tunnel from the subject to any port of any
    /// pod in scope, through the API server and the kubelet: NetworkPolicies
    /// do not apply, and ports bound to the pod's loopback only (admin
    /// consoles, debug endpoints, databases without authentication) become
    /// reachable.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["pods/portforward"]
    ///   verbs: ["create"]
    /// ```
    ///
    /// ## How to fix
    /// Remove the grant from roles of workloads and day-to-day users; give
    /// it to operators through a separate, time-limited binding.
    code: "KG115",
    name: "rbac-pod-port-forward",
    severity: Medium,
    summary: "Role or ClusterRole can port-forward to pods",
    remediation: "Remove create and get on pods/portforward, and grant them only through a separate role bound to operators when needed.",
    kinds: ROLE_KINDS,
    references: ["MITRE:T1090"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    report_grants(obj, cx, PORT_FORWARD, By::Resource, |grant| {
        format!(
            "rule grants {}: it tunnels to any port of the pods in its scope, past NetworkPolicies",
            grant.describe()
        )
    });
}
