//! The kinds the engines read, and how each is listed.

use kube::core::ApiResource;

/// One kind to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// API group, empty for the core group.
    pub group: &'static str,
    /// API version.
    pub version: &'static str,
    /// The kind, as objects name it.
    pub kind: &'static str,
    /// The resource name in URLs.
    pub plural: &'static str,
    /// Whether objects of the kind live in a namespace.
    pub namespaced: bool,
    /// Only listed when asked for (Secrets).
    pub opt_in: bool,
    /// Listed only when the kind before it in the table was not served (an
    /// older group serving the same objects: Calico's CRDs when its API
    /// server is not installed).
    pub fallback: bool,
}

const fn kind(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
) -> Kind {
    Kind {
        group,
        version,
        kind,
        plural,
        namespaced,
        opt_in: false,
        fallback: false,
    }
}

/// Every kind read, in the order objects are reported. Workloads come
/// before the pods and ReplicaSets they own.
pub const KINDS: &[Kind] = &[
    kind("", "v1", "Namespace", "namespaces", false),
    kind("apps", "v1", "Deployment", "deployments", true),
    kind("apps", "v1", "StatefulSet", "statefulsets", true),
    kind("apps", "v1", "DaemonSet", "daemonsets", true),
    kind("apps", "v1", "ReplicaSet", "replicasets", true),
    kind("batch", "v1", "CronJob", "cronjobs", true),
    kind("batch", "v1", "Job", "jobs", true),
    kind(
        "",
        "v1",
        "ReplicationController",
        "replicationcontrollers",
        true,
    ),
    kind("", "v1", "Pod", "pods", true),
    kind("", "v1", "Service", "services", true),
    kind("networking.k8s.io", "v1", "Ingress", "ingresses", true),
    kind("", "v1", "ServiceAccount", "serviceaccounts", true),
    Kind {
        opt_in: true,
        ..kind("", "v1", "Secret", "secrets", true)
    },
    kind("", "v1", "ResourceQuota", "resourcequotas", true),
    kind("", "v1", "LimitRange", "limitranges", true),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
    kind("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    kind(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    kind(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    kind(
        "policy.networking.k8s.io",
        "v1alpha1",
        "AdminNetworkPolicy",
        "adminnetworkpolicies",
        false,
    ),
    kind(
        "policy.networking.k8s.io",
        "v1alpha1",
        "BaselineAdminNetworkPolicy",
        "baselineadminnetworkpolicies",
        false,
    ),
    kind(
        "projectcalico.org",
        "v3",
        "NetworkPolicy",
        "networkpolicies",
        true,
    ),
    Kind {
        fallback: true,
        ..kind(
            "crd.projectcalico.org",
            "v1",
            "NetworkPolicy",
            "networkpolicies",
            true,
        )
    },
    kind(
        "projectcalico.org",
        "v3",
        "GlobalNetworkPolicy",
        "globalnetworkpolicies",
        false,
    ),
    Kind {
        fallback: true,
        ..kind(
            "crd.projectcalico.org",
            "v1",
            "GlobalNetworkPolicy",
            "globalnetworkpolicies",
            false,
        )
    },
    kind(
        "cilium.io",
        "v2",
        "CiliumNetworkPolicy",
        "ciliumnetworkpolicies",
        true,
    ),
    kind(
        "cilium.io",
        "v2",
        "CiliumClusterwideNetworkPolicy",
        "ciliumclusterwidenetworkpolicies",
        false,
    ),
    kind(
        "security.istio.io",
        "v1",
        "PeerAuthentication",
        "peerauthentications",
        true,
    ),
    kind(
        "admissionregistration.k8s.io",
        "v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        false,
    ),
    kind(
        "admissionregistration.k8s.io",
        "v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        false,
    ),
];

/// Workload kinds: objects a controller of one of these owns are reported
/// on the owner instead.
pub const WORKLOAD_OWNERS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "CronJob",
    "Job",
    "ReplicationController",
];

impl Kind {
    /// `apiVersion` as objects carry it.
    #[must_use]
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The resource as RBAC and `kubectl` name it: `pods`,
    /// `networkpolicies.networking.k8s.io`.
    #[must_use]
    pub fn resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_owned()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// The kube-rs description of the kind.
    pub(crate) fn api_resource(&self) -> ApiResource {
        ApiResource {
            group: self.group.to_owned(),
            version: self.version.to_owned(),
            api_version: self.api_version(),
            kind: self.kind.to_owned(),
            plural: self.plural.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallbacks_follow_the_kind_they_replace() {
        for (i, k) in KINDS.iter().enumerate() {
            if k.fallback {
                let before = KINDS[i - 1];
                assert_eq!(before.kind, k.kind);
                assert!(!before.fallback);
            }
        }
    }

    #[test]
    fn owners_come_before_what_they_own() {
        let at = |kind: &str| KINDS.iter().position(|k| k.kind == kind).unwrap();
        assert!(at("Deployment") < at("ReplicaSet"));
        assert!(at("ReplicaSet") < at("Pod"));
        assert!(at("CronJob") < at("Job"));
        assert_eq!(
            KINDS[at("NetworkPolicy")].resource(),
            "networkpolicies.networking.k8s.io"
        );
        assert_eq!(KINDS[at("Pod")].resource(), "pods");
    }
}
