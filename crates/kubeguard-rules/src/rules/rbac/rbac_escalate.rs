use super::{By, ROLE_KINDS, report_grants};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::ESCALATE_ROLES as ESCALATE;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant the `escalate` verb on
    /// `roles` or `clusterroles` (API group `rbac.authorization.k8s.io`),
    /// directly or through `"*"`. The finding points at the `verbs` item.
    ///
    /// ## Why it matters
    /// RBAC lets a subject create or update a role only with permissions it
    /// already holds, unless it has `escalate`. With `escalate` and
    /// permission to update a role bound to itself, it can add any
    /// permission to that role, up to full control of the cluster.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: ["rbac.authorization.k8s.io"]
    ///   resources: ["roles"]
    ///   verbs: ["escalate", "update"]
    /// ```
    ///
    /// ## How to fix
    /// Remove `escalate`; have an administrator add the permissions a role
    /// needs.
    code: "KG105",
    name: "rbac-escalate",
    severity: High,
    summary: "Role or ClusterRole can escalate role permissions",
    remediation: "Remove the escalate verb from roles and clusterroles; let cluster administrators change role permissions.",
    kinds: ROLE_KINDS,
    references: ["CIS-5.1.8", "NSA-CISA:authentication-authorization", "MITRE:T1098"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    report_grants(obj, cx, ESCALATE, By::Verb, |grant| {
        format!(
            "rule grants {}: it can give these roles permissions it does not hold",
            grant.describe()
        )
    });
}
