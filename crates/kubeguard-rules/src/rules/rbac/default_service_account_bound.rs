use super::{BINDING_KINDS, binding};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings with a subject that is a
    /// namespace's `default` service account: a `ServiceAccount` subject
    /// named `default`, or a `User` named
    /// `system:serviceaccount:<namespace>:default`. The finding points at
    /// the subject.
    ///
    /// ## Why it matters
    /// Every pod that names no service account runs as `default`. A
    /// permission bound to it is held by all those pods, including ones
    /// added later by anyone who can create pods in the namespace, and is
    /// easy to overlook when reviewing a workload.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RoleBinding
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: config-reader}
    /// subjects:
    /// - kind: ServiceAccount
    ///   name: default
    ///   namespace: shop
    /// ```
    ///
    /// ## How to fix
    /// Create a service account for the workload that needs the
    /// permissions, bind the role to it, and set `serviceAccountName` in
    /// the workload's pod spec.
    code: "KG113",
    name: "default-service-account-bound",
    severity: Medium,
    summary: "Binding grants a role to a default service account",
    remediation: "Create a dedicated service account for the workload, bind the role to it, and set serviceAccountName in the pod spec.",
    kinds: BINDING_KINDS,
    references: ["CIS-5.1.5", "NSA-CISA:authentication-authorization"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(binding) = binding(obj) else { return };
    for subject in &binding.subjects {
        if let Some((namespace, "default")) = subject.service_account() {
            cx.report(
                &subject.at,
                format!(
                    "binds the default service account of namespace {namespace:?} to {} {:?}: every pod there that names no service account gets its permissions",
                    binding.role_kind, binding.role_name
                ),
            );
        }
    }
}
