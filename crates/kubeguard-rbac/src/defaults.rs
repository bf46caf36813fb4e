//! The default ClusterRoles and ClusterRoleBindings an API server creates
//! at startup (its bootstrap policy), for `--with-defaults`: the
//! user-facing roles `cluster-admin`, `admin`, `edit` and `view` with the
//! `system:aggregate-to-*` roles they aggregate, and the discovery, basic
//! user, public-info and monitoring roles bound to the implicit groups.
//! Written from the documented defaults of Kubernetes 1.30+
//! (<https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings>).
//! The per-controller `system:controller:*` and node roles are not
//! included.

use crate::model::{
    Binding, BindingKind, LabelSelector, Model, Origin, PolicyRule, Role, RoleKind, RoleRef,
    Subject, SubjectKind,
};

/// One rule of a default role.
enum R {
    /// Verbs, API groups, resources.
    Res(
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
    ),
    /// Verbs, non-resource URLs.
    Url(&'static [&'static str], &'static [&'static str]),
}

/// A default ClusterRole.
struct DefaultRole {
    name: &'static str,
    labels: &'static [(&'static str, &'static str)],
    /// `aggregationRule.clusterRoleSelectors`, each one `matchLabels` pair.
    aggregates: &'static [(&'static str, &'static str)],
    rules: &'static [R],
}

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const ALL_RW: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const TO_ADMIN: &str = "rbac.authorization.k8s.io/aggregate-to-admin";
const TO_EDIT: &str = "rbac.authorization.k8s.io/aggregate-to-edit";
const TO_VIEW: &str = "rbac.authorization.k8s.io/aggregate-to-view";

static ROLES: &[DefaultRole] = &[
    DefaultRole {
        name: "cluster-admin",
        labels: &[],
        aggregates: &[],
        rules: &[R::Res(&["*"], &["*"], &["*"]), R::Url(&["*"], &["*"])],
    },
    DefaultRole {
        name: "admin",
        labels: &[],
        aggregates: &[(TO_ADMIN, "true")],
        rules: &[],
    },
    DefaultRole {
        name: "edit",
        labels: &[(TO_ADMIN, "true")],
        aggregates: &[(TO_EDIT, "true")],
        rules: &[],
    },
    DefaultRole {
        name: "view",
        labels: &[(TO_EDIT, "true")],
        aggregates: &[(TO_VIEW, "true")],
        rules: &[],
    },
    DefaultRole {
        name: "system:aggregate-to-admin",
        labels: &[(TO_ADMIN, "true")],
        aggregates: &[],
        rules: &[
            R::Res(
                &["create"],
                &["authorization.k8s.io"],
                &["localsubjectaccessreviews"],
            ),
            R::Res(
                ALL_RW,
                &["rbac.authorization.k8s.io"],
                &["rolebindings", "roles"],
            ),
        ],
    },
    DefaultRole {
        name: "system:aggregate-to-edit",
        labels: &[(TO_EDIT, "true")],
        aggregates: &[],
        rules: &[
            R::Res(
                READ,
                &[""],
                &[
                    "pods/attach",
                    "pods/exec",
                    "pods/portforward",
                    "pods/proxy",
                    "secrets",
                    "services/proxy",
                ],
            ),
            R::Res(&["impersonate"], &[""], &["serviceaccounts"]),
            R::Res(
                WRITE,
                &[""],
                &[
                    "pods",
                    "pods/attach",
                    "pods/exec",
                    "pods/portforward",
                    "pods/proxy",
                ],
            ),
            R::Res(&["create"], &[""], &["pods/eviction"]),
            R::Res(
                WRITE,
                &[""],
                &[
                    "configmaps",
                    "events",
                    "persistentvolumeclaims",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "secrets",
                    "serviceaccounts",
                    "services",
                    "services/proxy",
                ],
            ),
            R::Res(&["create"], &[""], &["serviceaccounts/token"]),
            R::Res(
                WRITE,
                &["apps"],
                &[
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "replicasets",
                    "replicasets/scale",
                    "statefulsets",
                    "statefulsets/scale",
                ],
            ),
            R::Res(WRITE, &["autoscaling"], &["horizontalpodautoscalers"]),
            R::Res(WRITE, &["batch"], &["cronjobs", "jobs"]),
            R::Res(
                WRITE,
                &["extensions"],
                &[
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "ingresses",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicationcontrollers/scale",
                ],
            ),
            R::Res(WRITE, &["policy"], &["poddisruptionbudgets"]),
            R::Res(
                WRITE,
                &["networking.k8s.io"],
                &["ingresses", "networkpolicies"],
            ),
            R::Res(ALL_RW, &["coordination.k8s.io"], &["leases"]),
        ],
    },
    DefaultRole {
        name: "system:aggregate-to-view",
        labels: &[(TO_VIEW, "true")],
        aggregates: &[],
        rules: &[
            R::Res(
                READ,
                &[""],
                &[
                    "configmaps",
                    "endpoints",
                    "persistentvolumeclaims",
                    "persistentvolumeclaims/status",
                    "pods",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "serviceaccounts",
                    "services",
                    "services/status",
                ],
            ),
            R::Res(
                READ,
                &[""],
                &[
                    "bindings",
                    "events",
                    "limitranges",
                    "namespaces/status",
                    "pods/log",
                    "pods/status",
                    "replicationcontrollers/status",
                    "resourcequotas",
                    "resourcequotas/status",
                ],
            ),
            R::Res(READ, &[""], &["namespaces"]),
            R::Res(READ, &["discovery.k8s.io"], &["endpointslices"]),
            R::Res(
                READ,
                &["apps"],
                &[
                    "controllerrevisions",
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "statefulsets",
                    "statefulsets/scale",
                    "statefulsets/status",
                ],
            ),
            R::Res(
                READ,
                &["autoscaling"],
                &[
                    "horizontalpodautoscalers",
                    "horizontalpodautoscalers/status",
                ],
            ),
            R::Res(
                READ,
                &["batch"],
                &["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
            ),
            R::Res(
                READ,
                &["extensions"],
                &[
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "ingresses",
                    "ingresses/status",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "replicationcontrollers/scale",
                ],
            ),
            R::Res(
                READ,
                &["policy"],
                &["poddisruptionbudgets", "poddisruptionbudgets/status"],
            ),
            R::Res(
                READ,
                &["networking.k8s.io"],
                &["ingresses", "ingresses/status", "networkpolicies"],
            ),
        ],
    },
    DefaultRole {
        name: "system:basic-user",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["create"],
                &["authorization.k8s.io"],
                &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
            ),
            R::Res(
                &["create"],
                &["authentication.k8s.io"],
                &["selfsubjectreviews"],
            ),
        ],
    },
    DefaultRole {
        name: "system:discovery",
        labels: &[],
        aggregates: &[],
        rules: &[R::Url(
            &["get"],
            &[
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
                "/healthz",
                "/livez",
                "/openapi",
                "/openapi/*",
                "/readyz",
                "/version",
                "/version/",
            ],
        )],
    },
    DefaultRole {
        name: "system:public-info-viewer",
        labels: &[],
        aggregates: &[],
        rules: &[R::Url(
            &["get"],
            &["/healthz", "/livez", "/readyz", "/version", "/version/"],
        )],
    },
    DefaultRole {
        name: "system:monitoring",
        labels: &[],
        aggregates: &[],
        rules: &[R::Url(
            &["get"],
            &[
                "/healthz",
                "/healthz/*",
                "/livez",
                "/livez/*",
                "/metrics",
                "/metrics/slis",
                "/readyz",
                "/readyz/*",
            ],
        )],
    },
];

/// Default ClusterRoleBindings: name, role, groups.
static BINDINGS: &[(&str, &str, &[&str])] = &[
    ("cluster-admin", "cluster-admin", &["system:masters"]),
    (
        "system:basic-user",
        "system:basic-user",
        &["system:authenticated"],
    ),
    (
        "system:discovery",
        "system:discovery",
        &["system:authenticated"],
    ),
    (
        "system:public-info-viewer",
        "system:public-info-viewer",
        &["system:authenticated", "system:unauthenticated"],
    ),
    (
        "system:monitoring",
        "system:monitoring",
        &["system:monitoring"],
    ),
];

/// Whether `name` is a default ClusterRole of every cluster (including
/// the controller and node roles this module does not model).
#[must_use]
pub fn is_builtin_cluster_role(name: &str) -> bool {
    ROLES.iter().any(|r| r.name == name) || name.starts_with("system:")
}

/// The default roles and bindings as a [`Model`], each at the origin
/// [`Origin::builtin`].
#[must_use]
pub fn model() -> Model {
    let own = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let roles = ROLES
        .iter()
        .map(|d| Role {
            kind: RoleKind::ClusterRole,
            name: d.name.to_owned(),
            namespace: None,
            labels: d
                .labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .chain([(
                    "kubernetes.io/bootstrapping".to_owned(),
                    "rbac-defaults".to_owned(),
                )])
                .collect(),
            rules: d
                .rules
                .iter()
                .map(|r| match r {
                    R::Res(v, g, res) => PolicyRule {
                        verbs: own(v),
                        api_groups: own(g),
                        resources: own(res),
                        ..PolicyRule::default()
                    },
                    R::Url(v, u) => PolicyRule::non_resource(v, u),
                })
                .collect(),
            aggregation: (!d.aggregates.is_empty()).then(|| {
                d.aggregates
                    .iter()
                    .map(|(k, v)| LabelSelector {
                        match_labels: vec![((*k).to_owned(), (*v).to_owned())],
                        match_expressions: Vec::new(),
                    })
                    .collect()
            }),
            origin: Origin::builtin(),
        })
        .collect();
    let bindings = BINDINGS
        .iter()
        .map(|(name, role, groups)| Binding {
            kind: BindingKind::ClusterRoleBinding,
            name: (*name).to_owned(),
            namespace: None,
            role_ref: RoleRef {
                kind: RoleKind::ClusterRole,
                name: (*role).to_owned(),
            },
            subjects: groups
                .iter()
                .map(|g| Subject {
                    kind: SubjectKind::Group,
                    name: (*g).to_owned(),
                    namespace: None,
                })
                .collect(),
            origin: Origin::builtin(),
        })
        .collect();
    Model {
        roles,
        bindings,
        service_accounts: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::UserInfo;
    use crate::query::{Authorizer, build_request};

    #[test]
    fn defaults_match_a_cluster() {
        let mut m = model();
        // A user bound to `edit` in one namespace, `view` in another.
        for (ns, role) in [("dev", "edit"), ("prod", "view")] {
            m.bindings.push(Binding {
                kind: BindingKind::RoleBinding,
                name: format!("jane-{role}"),
                namespace: Some(ns.into()),
                role_ref: RoleRef {
                    kind: RoleKind::ClusterRole,
                    name: role.into(),
                },
                subjects: vec![Subject {
                    kind: SubjectKind::User,
                    name: "jane".into(),
                    namespace: None,
                }],
                origin: Origin::builtin(),
            });
        }
        let auth = Authorizer::new(m);
        let jane = UserInfo::new("jane", &[]);
        let anon = UserInfo::new("system:anonymous", &[]);
        let cases = [
            (
                &jane,
                build_request("create", "pods/exec", None, "dev"),
                true,
            ),
            (
                &jane,
                build_request("get", "secrets", Some("s"), "dev"),
                true,
            ),
            (
                &jane,
                build_request("list", "deployments", None, "dev"),
                true,
            ),
            (&jane, build_request("create", "roles", None, "dev"), false),
            (&jane, build_request("list", "pods", None, "prod"), true),
            (
                &jane,
                build_request("get", "secrets", Some("s"), "prod"),
                false,
            ),
            (
                &jane,
                build_request("update", "deployments/scale", None, "prod"),
                false,
            ),
            (
                &jane,
                build_request("create", "selfsubjectaccessreviews", None, ""),
                true,
            ),
            (&jane, build_request("get", "/apis/apps", None, ""), true),
            (&anon, build_request("get", "/version", None, ""), true),
            (&anon, build_request("get", "/apis", None, ""), false),
            (
                &anon,
                build_request("create", "selfsubjectaccessreviews", None, ""),
                false,
            ),
        ];
        for (i, (u, r, want)) in cases.iter().enumerate() {
            assert_eq!(auth.allowed(u, r), *want, "case {i}: {} {r:?}", u.name);
        }
        // admin aggregates edit (which aggregates view) plus role management.
        let admin = auth
            .model
            .roles
            .iter()
            .find(|r| r.name == "admin")
            .expect("admin");
        let edit = auth
            .model
            .roles
            .iter()
            .find(|r| r.name == "edit")
            .expect("edit");
        assert!(admin.rules.len() > edit.rules.len());
        assert!(
            edit.rules
                .iter()
                .all(|r| admin.rules.iter().any(|a| a.same_grant(r)))
        );
    }
}
