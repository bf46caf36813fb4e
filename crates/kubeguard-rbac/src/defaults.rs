//! The default ClusterRoles and ClusterRoleBindings an API server creates
//! at startup (its bootstrap policy), for `--with-defaults`. Written from
//! the documented defaults of Kubernetes 1.30+
//! (<https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings>)
//! and the rules of the bootstrap policy.
//!
//! Covered, each role with its default binding where it has one:
//!
//! - The user-facing roles `cluster-admin` (group `system:masters`),
//!   `admin`, `edit` and `view` with the `system:aggregate-to-*` roles
//!   they aggregate.
//! - The discovery roles bound to the implicit groups:
//!   `system:basic-user`, `system:discovery` (`system:authenticated`),
//!   `system:public-info-viewer` (`system:authenticated`,
//!   `system:unauthenticated`), `system:monitoring` (group
//!   `system:monitoring`) and `system:service-account-issuer-discovery`
//!   (`system:serviceaccounts`).
//! - The component roles `system:kube-scheduler` and
//!   `system:volume-scheduler` (user `system:kube-scheduler`),
//!   `system:kube-controller-manager` (user
//!   `system:kube-controller-manager`), `system:node-proxier` (user
//!   `system:kube-proxy`) and `system:kube-dns` (service account
//!   `kube-system/kube-dns`).
//! - Roles with no default binding, there for administrators to bind:
//!   `system:node`, `system:node-bootstrapper`, `system:auth-delegator`,
//!   `system:heapster`, `system:kube-aggregator`,
//!   `system:kubelet-api-admin`, `system:node-problem-detector`,
//!   `system:persistent-volume-provisioner`,
//!   `system:certificates.k8s.io:certificatesigningrequests:nodeclient`
//!   and `:selfnodeclient`, and the four
//!   `system:certificates.k8s.io:*-approver` signer roles. `system:node`
//!   has bound no one since Kubernetes 1.8: kubelets are authorized by the
//!   Node authorizer (with the NodeRestriction admission plugin), which
//!   this model does not emulate, so a kubelet's own permissions are not
//!   answered here.
//! - The `system:controller:*` roles of the controllers in
//!   kube-controller-manager, each bound to the `kube-system` service
//!   account named after it (`system:controller:namespace-controller` to
//!   `kube-system/namespace-controller`): attachdetach, certificate (which
//!   the CSR approving, signing and cleaning controllers all use),
//!   clusterrole-aggregation, cronjob, daemon-set, deployment, disruption,
//!   endpoint, endpointslice, endpointslicemirroring, ephemeral-volume,
//!   expand, generic-garbage-collector, horizontal-pod-autoscaler, job,
//!   legacy-service-account-token-cleaner, namespace, node,
//!   persistent-volume-binder, pod-garbage-collector, pv-protection,
//!   pvc-protection, replicaset, replication, resourcequota,
//!   root-ca-cert-publisher, route, service-account, service, statefulset,
//!   ttl-after-finished and ttl.
//!
//! Not covered:
//!
//! - The namespaced default Roles and RoleBindings (in `kube-system` and
//!   `kube-public`): `system:controller:bootstrap-signer`,
//!   `system:controller:token-cleaner`,
//!   `extension-apiserver-authentication-reader`, the
//!   `system::leader-locking-*` roles, with their RoleBindings. This
//!   module holds cluster-scoped defaults only.
//! - Controller roles that exist only behind feature gates or in the
//!   newest releases: device-taint-eviction, resource-claim,
//!   selinux-warning, service-cidrs,
//!   validatingadmissionpolicy-status, volumeattributesclass-protection
//!   and podcheckpoint; likewise rules that feature gates add to the
//!   roles above (such as the `resource.k8s.io` rules of
//!   `system:kube-scheduler` under dynamic resource allocation).
//! - Roles of the cloud controller manager, and anything a distribution or
//!   installer (kubeadm, managed services) adds on top of the API server's
//!   own defaults.

use crate::matcher::{UserInfo, applies_to};
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
    /// Verbs, API groups, resources, resource names.
    Named(
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
        &'static [&'static str],
    ),
    /// Verbs, non-resource URLs.
    Url(&'static [&'static str], &'static [&'static str]),
}

/// A subject of a default ClusterRoleBinding.
enum S {
    Group(&'static str),
    User(&'static str),
    /// Namespace, name.
    Sa(&'static str, &'static str),
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
/// What the workload controllers may do with the objects they own.
const OWN_RW: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
/// What the workload controllers may do with the pods they own.
const POD_OWNER: &[&str] = &["create", "delete", "list", "patch", "watch"];
/// Recording events, in the core and `events.k8s.io` groups.
const EVENTS: R = R::Res(
    &["create", "patch", "update"],
    &["", "events.k8s.io"],
    &["events"],
);
/// The prefix of the per-controller roles, each bound to the `kube-system`
/// service account named after the controller.
const CONTROLLER: &str = "system:controller:";
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
    DefaultRole {
        name: "system:auth-delegator",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["create"], &["authentication.k8s.io"], &["tokenreviews"]),
            R::Res(
                &["create"],
                &["authorization.k8s.io"],
                &["subjectaccessreviews"],
            ),
        ],
    },
    DefaultRole {
        name: "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
        labels: &[],
        aggregates: &[],
        rules: &[R::Res(
            &["create"],
            &["certificates.k8s.io"],
            &["certificatesigningrequests/nodeclient"],
        )],
    },
    DefaultRole {
        name: "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
        labels: &[],
        aggregates: &[],
        rules: &[R::Res(
            &["create"],
            &["certificates.k8s.io"],
            &["certificatesigningrequests/selfnodeclient"],
        )],
    },
    DefaultRole {
        name: "system:certificates.k8s.io:kube-apiserver-client-approver",
        labels: &[],
        aggregates: &[],
        rules: &[R::Named(
            &["approve"],
            &["certificates.k8s.io"],
            &["signers"],
            &["kubernetes.io/kube-apiserver-client"],
        )],
    },
    DefaultRole {
        name: "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
        labels: &[],
        aggregates: &[],
        rules: &[R::Named(
            &["approve"],
            &["certificates.k8s.io"],
            &["signers"],
            &["kubernetes.io/kube-apiserver-client-kubelet"],
        )],
    },
    DefaultRole {
        name: "system:certificates.k8s.io:kubelet-serving-approver",
        labels: &[],
        aggregates: &[],
        rules: &[R::Named(
            &["approve"],
            &["certificates.k8s.io"],
            &["signers"],
            &["kubernetes.io/kubelet-serving"],
        )],
    },
    DefaultRole {
        name: "system:certificates.k8s.io:legacy-unknown-approver",
        labels: &[],
        aggregates: &[],
        rules: &[R::Named(
            &["approve"],
            &["certificates.k8s.io"],
            &["signers"],
            &["kubernetes.io/legacy-unknown"],
        )],
    },
    DefaultRole {
        name: "system:heapster",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(READ, &[""], &["events", "namespaces", "nodes", "pods"]),
            R::Res(READ, &["extensions"], &["deployments"]),
        ],
    },
    DefaultRole {
        name: "system:kube-aggregator",
        labels: &[],
        aggregates: &[],
        rules: &[R::Res(READ, &[""], &["endpoints", "services"])],
    },
    DefaultRole {
        name: "system:kube-controller-manager",
        labels: &[],
        aggregates: &[],
        rules: &[
            EVENTS,
            R::Res(&["create"], &["coordination.k8s.io"], &["leases"]),
            R::Named(
                &["get", "update"],
                &["coordination.k8s.io"],
                &["leases"],
                &["kube-controller-manager"],
            ),
            R::Res(&["create"], &[""], &["secrets", "serviceaccounts"]),
            R::Res(&["delete"], &[""], &["secrets"]),
            R::Res(
                &["get"],
                &[""],
                &["configmaps", "namespaces", "secrets", "serviceaccounts"],
            ),
            R::Res(&["update"], &[""], &["secrets", "serviceaccounts"]),
            R::Res(&["create"], &["authentication.k8s.io"], &["tokenreviews"]),
            R::Res(
                &["create"],
                &["authorization.k8s.io"],
                &["subjectaccessreviews"],
            ),
            R::Res(&["list", "watch"], &["*"], &["*"]),
            R::Res(&["create"], &[""], &["serviceaccounts/token"]),
        ],
    },
    DefaultRole {
        name: "system:kube-dns",
        labels: &[],
        aggregates: &[],
        rules: &[R::Res(
            &["list", "watch"],
            &[""],
            &["endpoints", "services"],
        )],
    },
    DefaultRole {
        name: "system:kube-scheduler",
        labels: &[],
        aggregates: &[],
        rules: &[
            EVENTS,
            R::Res(&["create"], &["coordination.k8s.io"], &["leases"]),
            R::Named(
                &["get", "update"],
                &["coordination.k8s.io"],
                &["leases"],
                &["kube-scheduler"],
            ),
            R::Res(READ, &[""], &["nodes"]),
            R::Res(&["delete", "get", "list", "watch"], &[""], &["pods"]),
            R::Res(&["create"], &[""], &["bindings", "pods/binding"]),
            R::Res(&["patch", "update"], &[""], &["pods/status"]),
            R::Res(READ, &[""], &["replicationcontrollers", "services"]),
            R::Res(READ, &["apps", "extensions"], &["replicasets"]),
            R::Res(READ, &["apps"], &["statefulsets"]),
            R::Res(READ, &["policy"], &["poddisruptionbudgets"]),
            R::Res(
                READ,
                &[""],
                &["persistentvolumeclaims", "persistentvolumes"],
            ),
            R::Res(&["create"], &["authentication.k8s.io"], &["tokenreviews"]),
            R::Res(
                &["create"],
                &["authorization.k8s.io"],
                &["subjectaccessreviews"],
            ),
            R::Res(READ, &["storage.k8s.io"], &["csinodes"]),
            R::Res(READ, &[""], &["namespaces"]),
            R::Res(READ, &["storage.k8s.io"], &["csidrivers"]),
            R::Res(READ, &["storage.k8s.io"], &["csistoragecapacities"]),
        ],
    },
    DefaultRole {
        name: "system:kubelet-api-admin",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(READ, &[""], &["nodes"]),
            R::Res(&["proxy"], &[""], &["nodes"]),
            R::Res(
                &["*"],
                &[""],
                &["nodes/log", "nodes/metrics", "nodes/proxy", "nodes/stats"],
            ),
        ],
    },
    DefaultRole {
        name: "system:node",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["create"], &["authentication.k8s.io"], &["tokenreviews"]),
            R::Res(
                &["create"],
                &["authorization.k8s.io"],
                &["localsubjectaccessreviews", "subjectaccessreviews"],
            ),
            R::Res(READ, &[""], &["services"]),
            R::Res(&["create", "get", "list", "watch"], &[""], &["nodes"]),
            R::Res(&["patch", "update"], &[""], &["nodes/status"]),
            R::Res(&["patch", "update"], &[""], &["nodes"]),
            R::Res(&["create", "patch", "update"], &[""], &["events"]),
            R::Res(READ, &[""], &["pods"]),
            R::Res(&["create", "delete"], &[""], &["pods"]),
            R::Res(&["patch", "update"], &[""], &["pods/status"]),
            R::Res(&["create"], &[""], &["pods/eviction"]),
            R::Res(READ, &[""], &["configmaps", "secrets"]),
            R::Res(
                &["get"],
                &[""],
                &["persistentvolumeclaims", "persistentvolumes"],
            ),
            R::Res(&["get"], &[""], &["endpoints"]),
            R::Res(
                &["create", "get", "list", "watch"],
                &["certificates.k8s.io"],
                &["certificatesigningrequests"],
            ),
            R::Res(
                &["create", "delete", "get", "patch", "update"],
                &["coordination.k8s.io"],
                &["leases"],
            ),
            R::Res(&["get"], &["storage.k8s.io"], &["volumeattachments"]),
            R::Res(&["create"], &[""], &["serviceaccounts/token"]),
            R::Res(
                &["get", "patch", "update"],
                &[""],
                &["persistentvolumeclaims/status"],
            ),
            R::Res(READ, &["storage.k8s.io"], &["csidrivers"]),
            R::Res(
                &["create", "delete", "get", "patch", "update"],
                &["storage.k8s.io"],
                &["csinodes"],
            ),
            R::Res(READ, &["node.k8s.io"], &["runtimeclasses"]),
        ],
    },
    DefaultRole {
        name: "system:node-bootstrapper",
        labels: &[],
        aggregates: &[],
        rules: &[R::Res(
            &["create", "get", "list", "watch"],
            &["certificates.k8s.io"],
            &["certificatesigningrequests"],
        )],
    },
    DefaultRole {
        name: "system:node-problem-detector",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["get"], &[""], &["nodes"]),
            R::Res(&["patch"], &[""], &["nodes/status"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:node-proxier",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["list", "watch"], &[""], &["endpoints", "services"]),
            R::Res(READ, &[""], &["nodes"]),
            EVENTS,
            R::Res(
                &["list", "watch"],
                &["discovery.k8s.io"],
                &["endpointslices"],
            ),
        ],
    },
    DefaultRole {
        name: "system:persistent-volume-provisioner",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["create", "delete", "get", "list", "watch"],
                &[""],
                &["persistentvolumes"],
            ),
            R::Res(
                &["get", "list", "update", "watch"],
                &[""],
                &["persistentvolumeclaims"],
            ),
            R::Res(READ, &["storage.k8s.io"], &["storageclasses"]),
            R::Res(&["watch"], &[""], &["events"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:service-account-issuer-discovery",
        labels: &[],
        aggregates: &[],
        rules: &[R::Url(
            &["get"],
            &["/.well-known/openid-configuration", "/openid/v1/jwks"],
        )],
    },
    DefaultRole {
        name: "system:volume-scheduler",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["get", "list", "patch", "update", "watch"],
                &[""],
                &["persistentvolumes"],
            ),
            R::Res(READ, &["storage.k8s.io"], &["storageclasses"]),
            R::Res(
                &["get", "list", "patch", "update", "watch"],
                &[""],
                &["persistentvolumeclaims"],
            ),
        ],
    },
    DefaultRole {
        name: "system:controller:attachdetach-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["list", "watch"],
                &[""],
                &["persistentvolumeclaims", "persistentvolumes"],
            ),
            R::Res(READ, &[""], &["nodes"]),
            R::Res(&["patch", "update"], &[""], &["nodes/status"]),
            R::Res(&["list", "watch"], &[""], &["pods"]),
            EVENTS,
            R::Res(
                &["create", "delete", "get", "list", "watch"],
                &["storage.k8s.io"],
                &["volumeattachments"],
            ),
            R::Res(READ, &["storage.k8s.io"], &["csidrivers"]),
            R::Res(READ, &["storage.k8s.io"], &["csinodes"]),
        ],
    },
    DefaultRole {
        name: "system:controller:certificate-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["delete", "get", "list", "watch"],
                &["certificates.k8s.io"],
                &["certificatesigningrequests"],
            ),
            R::Res(
                &["update"],
                &["certificates.k8s.io"],
                &[
                    "certificatesigningrequests/approval",
                    "certificatesigningrequests/status",
                ],
            ),
            R::Named(
                &["approve"],
                &["certificates.k8s.io"],
                &["signers"],
                &["kubernetes.io/kube-apiserver-client-kubelet"],
            ),
            R::Named(
                &["sign"],
                &["certificates.k8s.io"],
                &["signers"],
                &[
                    "kubernetes.io/kube-apiserver-client",
                    "kubernetes.io/kube-apiserver-client-kubelet",
                    "kubernetes.io/kubelet-serving",
                    "kubernetes.io/legacy-unknown",
                ],
            ),
            R::Res(
                &["create"],
                &["authorization.k8s.io"],
                &["subjectaccessreviews"],
            ),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:clusterrole-aggregation-controller",
        labels: &[],
        aggregates: &[],
        rules: &[R::Res(
            &["escalate", "get", "list", "patch", "update", "watch"],
            &["rbac.authorization.k8s.io"],
            &["clusterroles"],
        )],
    },
    DefaultRole {
        name: "system:controller:cronjob-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["get", "list", "update", "watch"],
                &["batch"],
                &["cronjobs"],
            ),
            R::Res(OWN_RW, &["batch"], &["jobs"]),
            R::Res(&["update"], &["batch"], &["cronjobs/status"]),
            R::Res(&["update"], &["batch"], &["cronjobs/finalizers"]),
            R::Res(&["delete", "list", "watch"], &[""], &["pods"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:daemon-set-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(READ, &["apps", "extensions"], &["daemonsets"]),
            R::Res(&["update"], &["apps", "extensions"], &["daemonsets/status"]),
            R::Res(
                &["update"],
                &["apps", "extensions"],
                &["daemonsets/finalizers"],
            ),
            R::Res(&["list", "watch"], &[""], &["nodes"]),
            R::Res(POD_OWNER, &[""], &["pods"]),
            R::Res(&["create"], &[""], &["pods/binding"]),
            R::Res(OWN_RW, &["apps"], &["controllerrevisions"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:deployment-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["get", "list", "update", "watch"],
                &["apps", "extensions"],
                &["deployments"],
            ),
            R::Res(
                &["update"],
                &["apps", "extensions"],
                &["deployments/status"],
            ),
            R::Res(
                &["update"],
                &["apps", "extensions"],
                &["deployments/finalizers"],
            ),
            R::Res(OWN_RW, &["apps", "extensions"], &["replicasets"]),
            R::Res(&["get", "list", "update", "watch"], &[""], &["pods"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:disruption-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(READ, &["apps", "extensions"], &["deployments"]),
            R::Res(READ, &["apps", "extensions"], &["replicasets"]),
            R::Res(READ, &[""], &["replicationcontrollers"]),
            R::Res(READ, &["policy"], &["poddisruptionbudgets"]),
            R::Res(READ, &["apps"], &["statefulsets"]),
            R::Res(&["update"], &["policy"], &["poddisruptionbudgets/status"]),
            R::Res(&["patch", "update"], &[""], &["pods/status"]),
            R::Res(&["get"], &["*"], &["*/scale"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:endpoint-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(READ, &[""], &["pods", "services"]),
            R::Res(
                &["create", "delete", "get", "list", "update", "watch"],
                &[""],
                &["endpoints"],
            ),
            R::Res(&["create"], &[""], &["endpoints/restricted"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:endpointslice-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(READ, &[""], &["nodes", "pods", "services"]),
            R::Res(&["update"], &[""], &["services/finalizers"]),
            R::Res(
                &["create", "delete", "get", "list", "update", "watch"],
                &["discovery.k8s.io"],
                &["endpointslices"],
            ),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:endpointslicemirroring-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(READ, &[""], &["endpoints", "services"]),
            R::Res(&["update"], &[""], &["services/finalizers"]),
            R::Res(&["update"], &[""], &["endpoints/finalizers"]),
            R::Res(
                &["create", "delete", "get", "list", "update", "watch"],
                &["discovery.k8s.io"],
                &["endpointslices"],
            ),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:ephemeral-volume-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(READ, &[""], &["pods"]),
            R::Res(&["update"], &[""], &["pods/finalizers"]),
            R::Res(
                &["create", "get", "list", "watch"],
                &[""],
                &["persistentvolumeclaims"],
            ),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:expand-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["get", "list", "patch", "update", "watch"],
                &[""],
                &["persistentvolumes"],
            ),
            R::Res(
                &["patch", "update"],
                &[""],
                &["persistentvolumeclaims/status"],
            ),
            R::Res(READ, &[""], &["persistentvolumeclaims"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:generic-garbage-collector",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["delete", "get", "list", "patch", "update", "watch"],
                &["*"],
                &["*"],
            ),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:horizontal-pod-autoscaler",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(READ, &["autoscaling"], &["horizontalpodautoscalers"]),
            R::Res(
                &["update"],
                &["autoscaling"],
                &["horizontalpodautoscalers/status"],
            ),
            R::Res(&["get", "update"], &["*"], &["*/scale"]),
            R::Res(&["list", "watch"], &[""], &["pods"]),
            R::Res(&["list", "watch"], &["metrics.k8s.io"], &["pods"]),
            R::Res(READ, &["custom.metrics.k8s.io"], &["*"]),
            R::Res(READ, &["external.metrics.k8s.io"], &["*"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:job-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["get", "list", "patch", "update", "watch"],
                &["batch"],
                &["jobs"],
            ),
            R::Res(&["update"], &["batch"], &["jobs/status"]),
            R::Res(&["update"], &["batch"], &["jobs/finalizers"]),
            R::Res(POD_OWNER, &[""], &["pods"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:legacy-service-account-token-cleaner",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Named(
                &["get"],
                &[""],
                &["configmaps"],
                &["kube-apiserver-legacy-service-account-token-tracking"],
            ),
            R::Res(&["delete", "patch"], &[""], &["secrets"]),
        ],
    },
    DefaultRole {
        name: "system:controller:namespace-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["delete", "get", "list", "watch"], &[""], &["namespaces"]),
            R::Res(
                &["update"],
                &[""],
                &["namespaces/finalize", "namespaces/status"],
            ),
            R::Res(
                &["delete", "deletecollection", "get", "list", "watch"],
                &["*"],
                &["*"],
            ),
        ],
    },
    DefaultRole {
        name: "system:controller:node-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["delete", "get", "list", "patch", "update", "watch"],
                &[""],
                &["nodes"],
            ),
            R::Res(&["patch", "update"], &[""], &["nodes/status"]),
            R::Res(&["patch", "update"], &[""], &["pods/status"]),
            R::Res(&["delete", "get", "list", "watch"], &[""], &["pods"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:persistent-volume-binder",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["create", "delete", "get", "list", "update", "watch"],
                &[""],
                &["persistentvolumes"],
            ),
            R::Res(&["update"], &[""], &["persistentvolumes/status"]),
            R::Res(
                &["get", "list", "update", "watch"],
                &[""],
                &["persistentvolumeclaims"],
            ),
            R::Res(&["update"], &[""], &["persistentvolumeclaims/status"]),
            R::Res(
                &["create", "delete", "get", "list", "watch"],
                &[""],
                &["pods"],
            ),
            R::Res(READ, &["storage.k8s.io"], &["storageclasses"]),
            R::Res(&["list", "watch"], &[""], &["nodes"]),
            EVENTS,
            R::Res(&["watch"], &[""], &["events"]),
        ],
    },
    DefaultRole {
        name: "system:controller:pod-garbage-collector",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["delete", "list", "watch"], &[""], &["pods"]),
            R::Res(READ, &[""], &["nodes"]),
            R::Res(&["patch"], &[""], &["pods/status"]),
        ],
    },
    DefaultRole {
        name: "system:controller:pv-protection-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["get", "list", "update", "watch"],
                &[""],
                &["persistentvolumes"],
            ),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:pvc-protection-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["get", "list", "update", "watch"],
                &[""],
                &["persistentvolumeclaims"],
            ),
            R::Res(&["update"], &[""], &["persistentvolumeclaims/status"]),
            R::Res(READ, &[""], &["pods"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:replicaset-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["get", "list", "update", "watch"],
                &["apps", "extensions"],
                &["replicasets"],
            ),
            R::Res(
                &["update"],
                &["apps", "extensions"],
                &["replicasets/status"],
            ),
            R::Res(
                &["update"],
                &["apps", "extensions"],
                &["replicasets/finalizers"],
            ),
            R::Res(POD_OWNER, &[""], &["pods"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:replication-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(
                &["get", "list", "update", "watch"],
                &[""],
                &["replicationcontrollers"],
            ),
            R::Res(&["update"], &[""], &["replicationcontrollers/status"]),
            R::Res(&["update"], &[""], &["replicationcontrollers/finalizers"]),
            R::Res(POD_OWNER, &[""], &["pods"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:resourcequota-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["list", "watch"], &["*"], &["*"]),
            R::Res(&["update"], &[""], &["resourcequotas/status"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:root-ca-cert-publisher",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["create", "update"], &[""], &["configmaps"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:route-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["list", "watch"], &[""], &["nodes"]),
            R::Res(&["patch"], &[""], &["nodes/status"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:service-account-controller",
        labels: &[],
        aggregates: &[],
        rules: &[R::Res(&["create"], &[""], &["serviceaccounts"]), EVENTS],
    },
    DefaultRole {
        name: "system:controller:service-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(READ, &[""], &["services"]),
            R::Res(&["patch", "update"], &[""], &["services/status"]),
            R::Res(&["list", "watch"], &[""], &["nodes"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:statefulset-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["list", "watch"], &[""], &["pods"]),
            R::Res(READ, &["apps"], &["statefulsets"]),
            R::Res(&["update"], &["apps"], &["statefulsets/status"]),
            R::Res(&["update"], &["apps"], &["statefulsets/finalizers"]),
            R::Res(
                &["create", "delete", "get", "patch", "update"],
                &[""],
                &["pods"],
            ),
            R::Res(OWN_RW, &["apps"], &["controllerrevisions"]),
            R::Res(
                &["create", "get", "list", "watch"],
                &[""],
                &["persistentvolumeclaims"],
            ),
            R::Res(&["delete", "update"], &[""], &["persistentvolumeclaims"]),
            R::Res(&["update"], &[""], &["pods/finalizers"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:ttl-after-finished-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["delete", "get", "list", "watch"], &["batch"], &["jobs"]),
            EVENTS,
        ],
    },
    DefaultRole {
        name: "system:controller:ttl-controller",
        labels: &[],
        aggregates: &[],
        rules: &[
            R::Res(&["list", "patch", "update", "watch"], &[""], &["nodes"]),
            EVENTS,
        ],
    },
];

/// Default ClusterRoleBindings other than the per-controller ones: name,
/// role, subjects.
static BINDINGS: &[(&str, &str, &[S])] = &[
    (
        "cluster-admin",
        "cluster-admin",
        &[S::Group("system:masters")],
    ),
    (
        "system:basic-user",
        "system:basic-user",
        &[S::Group("system:authenticated")],
    ),
    (
        "system:discovery",
        "system:discovery",
        &[S::Group("system:authenticated")],
    ),
    (
        "system:public-info-viewer",
        "system:public-info-viewer",
        &[
            S::Group("system:authenticated"),
            S::Group("system:unauthenticated"),
        ],
    ),
    (
        "system:monitoring",
        "system:monitoring",
        &[S::Group("system:monitoring")],
    ),
    (
        "system:kube-controller-manager",
        "system:kube-controller-manager",
        &[S::User("system:kube-controller-manager")],
    ),
    (
        "system:kube-dns",
        "system:kube-dns",
        &[S::Sa("kube-system", "kube-dns")],
    ),
    (
        "system:kube-scheduler",
        "system:kube-scheduler",
        &[S::User("system:kube-scheduler")],
    ),
    (
        "system:volume-scheduler",
        "system:volume-scheduler",
        &[S::User("system:kube-scheduler")],
    ),
    (
        "system:node-proxier",
        "system:node-proxier",
        &[S::User("system:kube-proxy")],
    ),
    (
        "system:service-account-issuer-discovery",
        "system:service-account-issuer-discovery",
        &[S::Group("system:serviceaccounts")],
    ),
];

/// Whether the default ClusterRoleBindings already bind ClusterRole
/// `role` to `user`, directly or through one of its groups: a binding of
/// the same role to that user adds nothing (`system:public-info-viewer`
/// to `system:anonymous`, through `system:unauthenticated`).
#[must_use]
pub fn binds_by_default(role: &str, user: &UserInfo) -> bool {
    let direct = BINDINGS
        .iter()
        .filter(|(_, r, _)| *r == role)
        .flat_map(|(_, _, subjects)| subjects.iter())
        .any(|s| applies_to(&to_subject(s), user));
    let controller = ROLES
        .iter()
        .filter(|d| d.name == role)
        .filter_map(|d| d.name.strip_prefix(CONTROLLER))
        .any(|sa| applies_to(&to_subject(&S::Sa("kube-system", sa)), user));
    direct || controller
}

/// A default binding's subject in the model's terms.
fn to_subject(s: &S) -> Subject {
    match *s {
        S::Group(g) => Subject {
            kind: SubjectKind::Group,
            name: g.to_owned(),
            namespace: None,
        },
        S::User(u) => Subject {
            kind: SubjectKind::User,
            name: u.to_owned(),
            namespace: None,
        },
        S::Sa(ns, n) => Subject {
            kind: SubjectKind::ServiceAccount,
            name: n.to_owned(),
            namespace: Some(ns.to_owned()),
        },
    }
}

/// Whether `name` is a default ClusterRole of every cluster (including
/// the `system:` defaults this module does not model).
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
                    R::Named(v, g, res, n) => PolicyRule::resource(v, g, res).names(n),
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
    let binding = |name: &str, role: &str, subjects: Vec<Subject>| Binding {
        kind: BindingKind::ClusterRoleBinding,
        name: name.to_owned(),
        namespace: None,
        role_ref: RoleRef {
            kind: RoleKind::ClusterRole,
            name: role.to_owned(),
        },
        subjects,
        origin: Origin::builtin(),
    };
    let subject = to_subject;
    let controllers = ROLES.iter().filter_map(|d| {
        let sa = d.name.strip_prefix(CONTROLLER)?;
        Some(binding(
            d.name,
            d.name,
            vec![subject(&S::Sa("kube-system", sa))],
        ))
    });
    let bindings = BINDINGS
        .iter()
        .map(|(name, role, subjects)| binding(name, role, subjects.iter().map(subject).collect()))
        .chain(controllers)
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
    use crate::query::{Authorizer, build_request};

    #[test]
    fn default_bindings_by_user() {
        let anonymous = UserInfo::new("system:anonymous", &[]);
        let jane = UserInfo::new("jane", &[]);
        assert!(binds_by_default("system:public-info-viewer", &anonymous));
        assert!(binds_by_default("system:public-info-viewer", &jane));
        assert!(binds_by_default("system:discovery", &jane));
        assert!(!binds_by_default("system:discovery", &anonymous));
        assert!(!binds_by_default("view", &anonymous));
        let ns_controller = UserInfo::new(
            "system:serviceaccount:kube-system:namespace-controller",
            &[],
        );
        assert!(binds_by_default(
            "system:controller:namespace-controller",
            &ns_controller
        ));
        assert!(!binds_by_default(
            "system:controller:namespace-controller",
            &jane
        ));
    }

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

    #[test]
    fn component_defaults_match_a_cluster() {
        let auth = Authorizer::new(model());
        let sa =
            |name: &str| UserInfo::new(&format!("system:serviceaccount:kube-system:{name}"), &[]);
        let scheduler = UserInfo::new("system:kube-scheduler", &[]);
        let kcm = UserInfo::new("system:kube-controller-manager", &[]);
        let proxy = UserInfo::new("system:kube-proxy", &[]);
        let kubelet = UserInfo::new("system:node:n1", &["system:nodes".to_owned()]);
        let anon = UserInfo::new("system:anonymous", &[]);
        let aggregation = sa("clusterrole-aggregation-controller");
        let namespaces = sa("namespace-controller");
        let certificates = sa("certificate-controller");
        let app = UserInfo::new("system:serviceaccount:shop:web", &[]);
        let cases = [
            (
                &scheduler,
                build_request("create", "pods/binding", None, "shop"),
                true,
            ),
            (
                &scheduler,
                build_request("update", "leases", Some("kube-scheduler"), "kube-system"),
                true,
            ),
            (
                &scheduler,
                build_request("update", "leases", Some("other"), "kube-system"),
                false,
            ),
            (
                &scheduler,
                build_request("patch", "persistentvolumes", None, ""),
                true,
            ),
            (
                &scheduler,
                build_request("delete", "nodes", None, ""),
                false,
            ),
            (
                &scheduler,
                build_request("get", "secrets", None, "shop"),
                false,
            ),
            (&kcm, build_request("list", "secrets", None, "shop"), true),
            (&kcm, build_request("create", "pods", None, "shop"), false),
            (
                &proxy,
                build_request("list", "endpointslices", None, "shop"),
                true,
            ),
            (
                &proxy,
                build_request("get", "endpointslices", Some("e"), "shop"),
                false,
            ),
            (
                &sa("kube-dns"),
                build_request("watch", "services", None, "shop"),
                true,
            ),
            (
                &aggregation,
                build_request("escalate", "clusterroles", Some("admin"), ""),
                true,
            ),
            (
                &sa("default"),
                build_request("escalate", "clusterroles", Some("admin"), ""),
                false,
            ),
            (
                &namespaces,
                build_request("deletecollection", "widgets.example.com", None, "shop"),
                true,
            ),
            (
                &namespaces,
                build_request("create", "widgets.example.com", None, "shop"),
                false,
            ),
            (
                &sa("generic-garbage-collector"),
                build_request("delete", "deployments", Some("d"), "shop"),
                true,
            ),
            (
                &sa("daemon-set-controller"),
                build_request("create", "pods/binding", None, "shop"),
                true,
            ),
            (
                &certificates,
                build_request("sign", "signers", Some("kubernetes.io/kubelet-serving"), ""),
                true,
            ),
            (
                &certificates,
                build_request("sign", "signers", Some("example.com/ca"), ""),
                false,
            ),
            (
                &kubelet,
                build_request("get", "secrets", None, "shop"),
                false,
            ),
            (
                &app,
                build_request("get", "/openid/v1/jwks", None, ""),
                true,
            ),
            (
                &anon,
                build_request("get", "/openid/v1/jwks", None, ""),
                false,
            ),
        ];
        for (i, (u, r, want)) in cases.iter().enumerate() {
            assert_eq!(auth.allowed(u, r), *want, "case {i}: {} {r:?}", u.name);
        }
    }

    #[test]
    fn every_default_binding_names_a_default_role() {
        let m = model();
        let mut names: Vec<&str> = m.roles.iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "duplicate default role");
        for b in &m.bindings {
            assert!(
                names.binary_search(&b.role_ref.name.as_str()).is_ok(),
                "{} binds a missing role",
                b.name
            );
            assert!(!b.subjects.is_empty(), "{} binds no one", b.name);
        }
        // Each controller role is bound to its own kube-system service account.
        for r in m.roles.iter().filter(|r| r.name.starts_with(CONTROLLER)) {
            let b = m
                .bindings
                .iter()
                .find(|b| b.role_ref.name == r.name)
                .expect("controller binding");
            assert_eq!(b.name, r.name);
            assert_eq!(
                b.subjects[0].user_name(),
                format!(
                    "system:serviceaccount:kube-system:{}",
                    &r.name[CONTROLLER.len()..]
                )
            );
        }
        // system:node has no default binding.
        assert!(m.bindings.iter().all(|b| b.role_ref.name != "system:node"));
    }
}
