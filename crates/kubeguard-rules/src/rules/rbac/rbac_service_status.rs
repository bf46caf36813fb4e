use super::{By, ROLE_KINDS, report_grants};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::SERVICE_STATUS;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant `update` or `patch` on
    /// `services/status` in the core API group, directly or through `"*"`
    /// or `"*/status"`. The finding points at the `resources` item.
    ///
    /// ## Why it matters
    /// A Service's `status.loadBalancer.ingress` IPs are programmed into
    /// every node's kube-proxy rules: whoever can write them can make the
    /// cluster send traffic meant for any IP, inside or outside the
    /// cluster, to their own pods (CVE-2020-8554, which has no fix in
    /// Kubernetes itself).
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: [""]
    ///   resources: ["services/status"]
    ///   verbs: ["patch"]
    /// ```
    ///
    /// ## How to fix
    /// Grant write access to `services/status` only to the load-balancer
    /// controller.
    code: "KG110",
    name: "rbac-service-status",
    severity: Medium,
    summary: "Role or ClusterRole can set Service load-balancer IPs",
    remediation: "Remove update and patch on services/status from every role except the load-balancer controller's.",
    kinds: ROLE_KINDS,
    references: ["CVE-2020-8554", "NSA-CISA:authentication-authorization", "MITRE:T1557"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    report_grants(obj, cx, SERVICE_STATUS, By::Resource, |grant| {
        format!(
            "rule grants {}: it can set load-balancer IPs and capture traffic meant for them",
            grant.describe()
        )
    });
}
