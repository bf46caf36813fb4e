use super::{BINDING_KINDS, Binding, binding};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::defaults::binds_by_default;
use kubeguard_rbac::matcher::{ANONYMOUS, AUTHENTICATED, UNAUTHENTICATED};

declare_rule! {
    /// ## What it does
    /// Flags RoleBindings and ClusterRoleBindings whose subjects include
    /// unauthenticated requests (User `system:anonymous` or Group
    /// `system:unauthenticated`), whatever the role; and those that bind
    /// Group `system:authenticated` to the ClusterRole `cluster-admin`,
    /// `admin` or `edit`. The finding points at the subject.
    ///
    /// What Kubernetes and kubeadm grant themselves is left alone: a
    /// ClusterRole the API server's default bindings already give the
    /// subject (`system:public-info-viewer`, the health and version
    /// endpoints, for everyone), and Role
    /// `kubeadm:bootstrap-signer-clusterinfo` bound in `kube-public`.
    ///
    /// ## Why it matters
    /// `system:anonymous` and `system:unauthenticated` are anyone who can
    /// reach the API server, without credentials. `system:authenticated` is
    /// every user and every service account in the cluster, and with some
    /// managed clusters anyone holding an account of the cloud provider:
    /// binding it to a write role gives that write access to all of them.
    ///
    /// ## Example
    /// ```yaml
    /// kind: ClusterRoleBinding
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    /// subjects:
    /// - kind: Group
    ///   apiGroup: rbac.authorization.k8s.io
    ///   name: system:unauthenticated
    /// ```
    ///
    /// ## How to fix
    /// Bind the role to the users, groups or service accounts that need it.
    code: "KG112",
    name: "rbac-anonymous-binding",
    severity: Critical,
    summary: "Binding grants a role to anonymous or all authenticated users",
    remediation: "Replace system:anonymous, system:unauthenticated and system:authenticated subjects with the users, groups or service accounts that need the role.",
    kinds: BINDING_KINDS,
    references: ["NSA-CISA:authentication-authorization", "MITRE:T1078.001"],
    check: Check::Object(&check),
}

/// ClusterRoles that give write access to most objects.
const BROAD_ROLES: &[&str] = &["cluster-admin", "admin", "edit"];

/// Bindings of unauthenticated subjects that kubeadm creates: (namespace
/// of the binding, roleRef kind, roleRef name).
const KUBEADM_BINDINGS: &[(Option<&str>, &str, &str)] = &[(
    Some("kube-public"),
    "Role",
    "kubeadm:bootstrap-signer-clusterinfo",
)];

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let Some(binding) = binding(obj) else { return };
    let kubeadm = KUBEADM_BINDINGS.iter().any(|(ns, kind, name)| {
        binding.namespace == *ns && binding.role_kind == *kind && binding.role_name == *name
    });
    let broad = BROAD_ROLES
        .iter()
        .any(|r| binding.refers_to_cluster_role(r));
    for subject in &binding.subjects {
        // A ClusterRole bound to the subject by default: binding it again
        // (cluster-wide, or in a namespace) grants nothing new.
        let default = kubeadm
            || (binding.role_kind == "ClusterRole"
                && subject
                    .user()
                    .is_some_and(|user| binds_by_default(binding.role_name, &user)));
        let who = match (subject.kind, subject.name) {
            ("User", ANONYMOUS) | ("Group", UNAUTHENTICATED) if !default => {
                "anyone who can reach the API server without credentials"
            }
            ("Group", AUTHENTICATED) if broad => "every user and service account",
            _ => continue,
        };
        cx.report(&subject.at, message(&binding, &subject.describe(), who));
    }
}

fn message(binding: &Binding<'_>, subject: &str, who: &str) -> String {
    format!(
        "binds {subject} to {} {:?} {}: {who} gets its permissions",
        binding.role_kind,
        binding.role_name,
        binding.scope()
    )
}
