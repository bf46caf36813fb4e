//! What the engine needs to know about the live cluster, and a static
//! implementation for running outside one.

use std::collections::{BTreeMap, HashMap};

/// What the engine needs to know about the live cluster.
pub trait ClusterView: Send + Sync {
    /// Labels of the namespace `name`, `None` when the namespace is unknown.
    fn namespace_labels(&self, name: &str) -> Option<BTreeMap<String, String>>;
    /// The pod `namespace/name` as its JSON object, `None` when unknown.
    fn pod(&self, namespace: &str, name: &str) -> Option<serde_json::Value>;
    /// The pods of `namespace` as JSON objects, sorted by name; `None` when
    /// pods are not known (not watched).
    fn pods_in(&self, namespace: &str) -> Option<Vec<serde_json::Value>>;
}

/// Cluster state held in memory: the policy file's `cluster` section, plus
/// Namespaces and Pods added from object files (offline review).
#[derive(Debug, Clone, Default)]
pub struct StaticCluster {
    namespaces: HashMap<String, BTreeMap<String, String>>,
    pods: HashMap<(String, String), serde_json::Value>,
}

impl StaticCluster {
    /// Records (or replaces) a namespace and its labels.
    pub fn add_namespace(&mut self, name: impl Into<String>, labels: BTreeMap<String, String>) {
        self.namespaces.insert(name.into(), labels);
    }

    /// Records (or replaces) a pod, by its namespace and name.
    pub fn add_pod(
        &mut self,
        namespace: impl Into<String>,
        name: impl Into<String>,
        pod: serde_json::Value,
    ) {
        self.pods.insert((namespace.into(), name.into()), pod);
    }

    /// Adds a Kubernetes object given as JSON: a `Namespace` (its labels) or
    /// a `Pod`. Returns whether the object was one of those two kinds.
    pub fn add_object(&mut self, object: &serde_json::Value) -> bool {
        let kind = object.get("kind").and_then(serde_json::Value::as_str);
        let meta = object.get("metadata");
        let name = meta
            .and_then(|m| m.get("name"))
            .and_then(serde_json::Value::as_str);
        let Some(name) = name else {
            return false;
        };
        match kind {
            Some("Namespace") => {
                let labels = meta
                    .and_then(|m| m.get("labels"))
                    .and_then(serde_json::Value::as_object)
                    .map(|l| {
                        l.iter()
                            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                            .collect()
                    })
                    .unwrap_or_default();
                self.add_namespace(name, labels);
                true
            }
            Some("Pod") => {
                let namespace = meta
                    .and_then(|m| m.get("namespace"))
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("default");
                self.add_pod(namespace, name, object.clone());
                true
            }
            _ => false,
        }
    }
}

impl ClusterView for StaticCluster {
    fn namespace_labels(&self, name: &str) -> Option<BTreeMap<String, String>> {
        self.namespaces.get(name).cloned()
    }

    fn pod(&self, namespace: &str, name: &str) -> Option<serde_json::Value> {
        self.pods
            .get(&(namespace.to_owned(), name.to_owned()))
            .cloned()
    }

    fn pods_in(&self, namespace: &str) -> Option<Vec<serde_json::Value>> {
        let mut pods: Vec<(&String, &serde_json::Value)> = self
            .pods
            .iter()
            .filter(|((ns, _), _)| ns == namespace)
            .map(|((_, name), pod)| (name, pod))
            .collect();
        pods.sort_by(|a, b| a.0.cmp(b.0));
        Some(pods.into_iter().map(|(_, pod)| pod.clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn namespaces_and_pods_are_recorded_from_objects() {
        let mut c = StaticCluster::default();
        assert!(
            c.add_object(&json!({"kind": "Namespace", "metadata": {"name": "prod",
            "labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}))
        );
        assert!(c.add_object(&json!({"kind": "Pod", "metadata": {"name": "web"}})));
        assert!(!c.add_object(&json!({"kind": "Service", "metadata": {"name": "web"}})));
        assert!(!c.add_object(&json!({"kind": "Namespace"})));
        assert_eq!(
            c.namespace_labels("prod")
                .and_then(|l| l.get("pod-security.kubernetes.io/enforce").cloned())
                .as_deref(),
            Some("restricted")
        );
        assert!(c.namespace_labels("dev").is_none());
        assert!(c.pod("default", "web").is_some());
        assert!(c.pod("prod", "web").is_none());
    }
}
