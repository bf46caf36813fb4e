use super::{By, ROLE_KINDS, report_grants};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::BIND_ROLES as BIND;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules that grant the `bind` verb on
    /// `roles` or `clusterroles` (API group `rbac.authorization.k8s.io`),
    /// directly or through `"*"`. The finding points at the `verbs` item.
    /// `resourceNames` narrow the roles that can be bound; such rules are
    /// flagged too, naming them.
    ///
    /// ## Why it matters
    /// RBAC lets a subject create a binding only to a role whose
    /// permissions it holds, unless it has `bind` on that role. With `bind`
    /// and permission to create bindings, it can grant any role, up to
    /// `cluster-admin`, to itself or anyone else.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: ["rbac.authorization.k8s.io"]
    ///   resources: ["clusterroles"]
    ///   verbs: ["bind"]
    /// ```
    ///
    /// ## How to fix
    /// Remove `bind`. Where a controller must hand out roles, name them in
    /// `resourceNames` and ignore the finding for that controller's role.
    code: "KG104",
    name: "rbac-bind",
    severity: High,
    summary: "Role or ClusterRole can bind any role",
    remediation: "Remove the bind verb; a controller that must hand out roles should name them in resourceNames.",
    kinds: ROLE_KINDS,
    references: ["CIS-5.1.8", "NSA-CISA:authentication-authorization", "MITRE:T1098"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    report_grants(obj, cx, BIND, By::Verb, |grant| {
        format!(
            "rule grants {}: it can bind these roles to anyone without holding their permissions",
            grant.describe()
        )
    });
}
