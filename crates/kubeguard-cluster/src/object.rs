//! One listed object made ready for the engines: typed, trimmed of what
//! only the API server needs (and of Secret values), named by its
//! `cluster://` location and rendered as YAML.

use crate::kinds::{Kind, WORKLOAD_OWNERS};
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::sync::Arc;

/// An object read from a cluster: where it is, and its YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterObject {
    /// `cluster://CONTEXT/NAMESPACE/KIND/NAME` (`cluster://CONTEXT/KIND/NAME`
    /// for cluster-scoped kinds).
    pub location: Arc<str>,
    /// The object rendered as YAML; findings locate fields in it.
    pub yaml: Arc<str>,
}

/// The annotation `kubectl apply` keeps the last applied manifest in: a
/// copy of the object (a Secret's values included) that the engines do
/// not need.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The kind segment of a location: the kind, qualified by its group when
/// the group is not Kubernetes' own (`NetworkPolicy.projectcalico.org`),
/// so that every location names one object.
#[must_use]
pub fn kind_segment(kind: &Kind) -> String {
    let own = kind.group.is_empty()
        || matches!(kind.group, "apps" | "batch")
        || kind.group.ends_with(".k8s.io");
    if own {
        kind.kind.to_owned()
    } else {
        format!("{}.{}", kind.kind, kind.group)
    }
}

/// The location of a kind that could not be read, for its error.
#[must_use]
pub fn kind_location(context: &str, namespace: Option<&str>, kind: &Kind) -> String {
    match namespace {
        Some(ns) => format!("cluster://{context}/{ns}/{}", kind_segment(kind)),
        None => format!("cluster://{context}/{}", kind_segment(kind)),
    }
}

fn meta(item: &Value) -> Option<&Map<String, Value>> {
    item.get("metadata")?.as_object()
}

fn meta_str<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    meta(item)?.get(key)?.as_str()
}

/// The uid of `item`.
pub(crate) fn uid(item: &Value) -> Option<&str> {
    meta_str(item, "uid")
}

/// The uid of the workload controller that owns `item`, if any.
pub(crate) fn workload_owner(item: &Value) -> Option<&str> {
    meta(item)?
        .get("ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| {
            r.get("controller").and_then(Value::as_bool) == Some(true)
                && r.get("kind")
                    .and_then(Value::as_str)
                    .is_some_and(|k| WORKLOAD_OWNERS.contains(&k))
        })?
        .get("uid")?
        .as_str()
}

/// Whether `item` is owned by a workload among `read` (uids of workloads
/// read): it is reported on the owner.
pub(crate) fn owned_by_read(item: &Value, read: &HashSet<String>) -> bool {
    workload_owner(item).is_some_and(|owner| read.contains(owner))
}

/// Types, trims and renders one listed object.
pub(crate) fn prepare(context: &str, kind: &Kind, mut item: Value) -> ClusterObject {
    if let Value::Object(map) = &mut item {
        map.insert("apiVersion".into(), Value::String(kind.api_version()));
        map.insert("kind".into(), Value::String(kind.kind.to_owned()));
        if let Some(Value::Object(meta)) = map.get_mut("metadata") {
            meta.remove("managedFields");
            if let Some(Value::Object(annotations)) = meta.get_mut("annotations") {
                annotations.remove(LAST_APPLIED);
            }
        }
        if kind.kind == "Secret" && kind.group.is_empty() {
            keep_keys_only(map);
        }
    }
    let name = meta_str(&item, "name").unwrap_or("<unnamed>");
    let location = match (kind.namespaced, meta_str(&item, "namespace")) {
        (true, Some(ns)) => format!("cluster://{context}/{ns}/{}/{name}", kind_segment(kind)),
        _ => format!("cluster://{context}/{}/{name}", kind_segment(kind)),
    };
    ClusterObject {
        location: location.into(),
        yaml: crate::yaml::render(&item).into(),
    }
}

/// A Secret keeps the names of its keys; every value becomes empty.
fn keep_keys_only(secret: &mut Map<String, Value>) {
    secret.remove("stringData");
    if let Some(Value::Object(data)) = secret.get_mut("data") {
        for value in data.values_mut() {
            *value = Value::String(String::new());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::KINDS;
    use serde_json::json;

    fn kind(name: &str) -> &'static Kind {
        KINDS.iter().find(|k| k.kind == name).unwrap()
    }

    #[test]
    fn secrets_keep_only_their_keys() {
        let secret = json!({"metadata": {"name": "db", "namespace": "shop",
            "annotations": {LAST_APPLIED: "{\"data\":{\"password\":\"aHVudGVyMg==\"}}"},
            "managedFields": [{"manager": "kubectl"}]},
            "type": "Opaque", "data": {"password": "aHVudGVyMg=="}});
        let obj = prepare("dev", kind("Secret"), secret);
        assert_eq!(&*obj.location, "cluster://dev/shop/Secret/db");
        assert!(!obj.yaml.contains("aHVudGVyMg"), "{}", obj.yaml);
        assert!(obj.yaml.contains("password: \"\""), "{}", obj.yaml);
        assert!(!obj.yaml.contains("managedFields"));
        assert!(obj.yaml.starts_with("apiVersion: v1\n"));
    }

    #[test]
    fn locations_name_one_object() {
        let calico = KINDS
            .iter()
            .find(|k| k.group == "projectcalico.org" && k.kind == "NetworkPolicy")
            .unwrap();
        let obj = prepare(
            "c",
            calico,
            json!({"metadata": {"name": "p", "namespace": "n"}}),
        );
        assert_eq!(
            &*obj.location,
            "cluster://c/n/NetworkPolicy.projectcalico.org/p"
        );
        let role = prepare(
            "c",
            kind("ClusterRole"),
            json!({"metadata": {"name": "view"}}),
        );
        assert_eq!(&*role.location, "cluster://c/ClusterRole/view");
        assert_eq!(
            kind_location("c", Some("n"), kind("NetworkPolicy")),
            "cluster://c/n/NetworkPolicy"
        );
    }

    #[test]
    fn only_workload_controllers_own() {
        let read: HashSet<String> = ["rs-1".to_owned(), "node-1".to_owned()].into();
        let by_rs = json!({"metadata": {"ownerReferences": [
            {"kind": "ReplicaSet", "uid": "rs-1", "controller": true}]}});
        let by_node = json!({"metadata": {"ownerReferences": [
            {"kind": "Node", "uid": "node-1", "controller": true}]}});
        let not_controller = json!({"metadata": {"ownerReferences": [
            {"kind": "ReplicaSet", "uid": "rs-1"}]}});
        let unread = json!({"metadata": {"ownerReferences": [
            {"kind": "ReplicaSet", "uid": "rs-2", "controller": true}]}});
        assert!(owned_by_read(&by_rs, &read));
        assert!(!owned_by_read(&by_node, &read));
        assert!(!owned_by_read(&not_controller, &read));
        assert!(!owned_by_read(&unread, &read));
    }
}
