use super::{BINDING_KINDS, Subject, binding};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::matcher;

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings that bind the ClusterRole
    /// `cluster-admin` to a subject other than a control-plane identity.
    /// Control-plane identities are users and groups named `system:...`,
    /// except those that stand for service accounts or for everyone
    /// (`system:serviceaccount:*` users, `system:anonymous`,
    /// `system:serviceaccounts[:*]`, `system:authenticated`,
    /// `system:unauthenticated`), which are flagged. The finding points at
    /// the subject. A RoleBinding is flagged too: it gives full control of
    /// its namespace.
    ///
    /// ## Why it matters
    /// `cluster-admin` can do anything to any object, read every Secret
    /// and run anything on any node. Every subject bound to it is a path to
    /// owning the cluster: a leaked token, a compromised pod running as
    /// that service account, or a phished user.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
    /// subjects:
    /// - kind: ServiceAccount
    ///   name: deployer
    ///   namespace: ci
    /// ```
    ///
    /// ## How to fix
    /// Bind a role with the permissions the subject needs (the built-in
    /// `admin`, `edit` or `view` in a RoleBinding, or a custom role) and
    /// keep `cluster-admin` for break-glass access.
    code: "KG111",
    name: "rbac-cluster-admin-binding",
    severity: Critical,
    summary: "Binding grants cluster-admin",
    remediation: "Bind a role with only the permissions the subject needs, in a RoleBinding where possible, and keep cluster-admin for break-glass access.",
    kinds: BINDING_KINDS,
    references: ["CIS-5.1.1", "NSA-CISA:authentication-authorization", "MITRE:T1078"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(binding) = binding(obj) else { return };
    if !binding.refers_to_cluster_role("cluster-admin") {
        return;
    }
    let what = if binding.namespace.is_some() {
        "every object in the namespace"
    } else {
        "the cluster"
    };
    for subject in binding.subjects.iter().filter(|s| !control_plane(s)) {
        cx.report(
            &subject.at,
            format!(
                "binds {} to ClusterRole cluster-admin {}: full control of {what}",
                subject.describe(),
                binding.scope()
            ),
        );
    }
}

/// Whether a subject is a control-plane identity (`system:...`) rather
/// than service accounts or everyone.
fn control_plane(subject: &Subject<'_>) -> bool {
    let name = subject.name;
    match subject.kind {
        "User" => {
            name.starts_with("system:")
                && !name.starts_with(matcher::SA_PREFIX)
                && name != matcher::ANONYMOUS
        }
        "Group" => {
            name.starts_with("system:")
                && ![
                    matcher::AUTHENTICATED,
                    matcher::UNAUTHENTICATED,
                    matcher::SERVICE_ACCOUNTS,
                ]
                .contains(&name)
                && !name
                    .strip_prefix(matcher::SERVICE_ACCOUNTS)
                    .is_some_and(|rest| rest.starts_with(':'))
        }
        _ => false,
    }
}
