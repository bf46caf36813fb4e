//! Where an object lands: which objects are API objects at all, which are
//! cluster-scoped, and the namespace of objects that name none.

use kubeguard_core::Object;

/// The key under which the index records objects that set no
/// `metadata.namespace`: they land in whatever namespace they are installed
/// into (`helm install -n`, `kubectl apply -n`), unknown but shared. No
/// namespace can have this name (namespace names are DNS labels).
pub const INSTALL_NAMESPACE: &str = "";

/// How findings name the namespace recorded as `name`: `namespace "shop"`,
/// or the install namespace for objects without `metadata.namespace`.
#[must_use]
pub fn describe_namespace(name: &str) -> String {
    if name == INSTALL_NAMESPACE {
        "the install namespace (objects without metadata.namespace)".to_owned()
    } else {
        format!("namespace {name:?}")
    }
}

/// API groups of files that are read by a component or a tool, never
/// created in the cluster.
const LOCAL_GROUPS: &[&str] = &[
    "kubeadm.k8s.io",
    "audit.k8s.io",
    "client.authentication.k8s.io",
];

/// The built-in API groups whose names hold no dot; every other group
/// (built-in `*.k8s.io` ones and those of custom resources) holds one.
const DOTLESS_GROUPS: &[&str] = &["apps", "batch", "policy", "autoscaling", "extensions"];

/// Whether `obj` is a local configuration file rather than an API object
/// (component configuration, kubeconfig, audit policy), or the file of
/// another tool whose `apiVersion` names no API group (`skaffold/v4beta6`).
#[must_use]
pub fn is_local_config(obj: &Object) -> bool {
    let group = obj.group();
    let api_group = if group.is_empty() {
        obj.api_version == "v1"
    } else {
        group.contains('.') || DOTLESS_GROUPS.contains(&group)
    };
    !api_group
        || group.ends_with(".config.k8s.io")
        || LOCAL_GROUPS.contains(&group)
        || (obj.api_version == "v1" && obj.kind == "Config")
}

/// Whether `obj`'s kind is cluster-scoped, as known or by the convention
/// custom resources follow (`ClusterPolicy`, `ClusterSecretStore`).
#[must_use]
pub fn is_cluster_scoped(obj: &Object) -> bool {
    obj.is_cluster_scoped()
        || obj
            .kind
            .strip_prefix("Cluster")
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}
