//! Inputs for reviewing without a cluster (`kubeguard webhook review`):
//! manifests as JSON, and a plain object wrapped into the CREATE request
//! the API server would send for it.

use kubeguard_core::{Node, Object, ScalarKind, Value};
use serde_json::{Value as Json, json};

/// A parsed manifest object as JSON.
#[must_use]
pub fn object_to_json(obj: &Object) -> Json {
    node_to_json(&obj.root)
}

/// A position-keeping node as JSON.
#[must_use]
pub fn node_to_json(node: &Node) -> Json {
    match &node.value {
        Value::Scalar(s) => match s.kind {
            ScalarKind::Null => Json::Null,
            ScalarKind::Bool(b) => Json::Bool(b),
            ScalarKind::Int(i) => Json::from(i),
            ScalarKind::Float(f) => {
                serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
            }
            ScalarKind::Str => Json::String(s.text.to_string()),
        },
        Value::Seq(items) => Json::Array(items.iter().map(node_to_json).collect()),
        Value::Map(m) => Json::Object(
            m.entries
                .iter()
                .map(|(k, _, v)| (k.to_string(), node_to_json(v)))
                .collect(),
        ),
    }
}

/// The lower-case plural resource name of a kind, as the API server names
/// it (`Pod` -> `pods`, `NetworkPolicy` -> `networkpolicies`,
/// `Ingress` -> `ingresses`).
#[must_use]
pub fn resource_name(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower == "endpoints" {
        lower
    } else if lower.ends_with("policy") {
        format!("{}ies", &lower[..lower.len() - 1])
    } else if lower.ends_with('s') || lower.ends_with("ch") || lower.ends_with('x') {
        format!("{lower}es")
    } else {
        format!("{lower}s")
    }
}

/// What a wrapped request says about who asks and where.
#[derive(Debug, Clone)]
pub struct Wrap<'a> {
    /// `request.userInfo.username`.
    pub username: &'a str,
    /// The namespace for a namespaced object that names none.
    pub default_namespace: &'a str,
    /// Whether the object's kind is cluster-scoped (no namespace).
    pub cluster_scoped: bool,
}

/// Wraps `object` into an `admission.k8s.io/v1` AdmissionReview CREATE
/// request body, as the API server would send it.
#[must_use]
pub fn wrap_create(object: &Json, uid: &str, wrap: &Wrap<'_>) -> Vec<u8> {
    let mut object = object.clone();
    let api_version = object
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or("v1")
        .to_owned();
    let kind = object
        .get("kind")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_owned();
    let (group, version) = api_version
        .rsplit_once('/')
        .map_or(("", api_version.as_str()), |(g, v)| (g, v));
    let namespace = if wrap.cluster_scoped {
        None
    } else {
        let ns = object
            .pointer("/metadata/namespace")
            .and_then(Json::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or(wrap.default_namespace)
            .to_owned();
        if let Some(meta) = object.get_mut("metadata").and_then(Json::as_object_mut) {
            meta.insert("namespace".into(), Json::String(ns.clone()));
        }
        Some(ns)
    };
    let name = object
        .pointer("/metadata/name")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_owned();
    let review = json!({
        "apiVersion": crate::review::API_VERSION,
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": resource_name(&kind)},
            "name": name,
            "namespace": namespace,
            "operation": "CREATE",
            "userInfo": {"username": wrap.username},
            "object": object,
            "dryRun": false,
        }
    });
    review.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names() {
        for (kind, resource) in [
            ("Pod", "pods"),
            ("Deployment", "deployments"),
            ("NetworkPolicy", "networkpolicies"),
            ("Ingress", "ingresses"),
            ("ConfigMap", "configmaps"),
            ("Endpoints", "endpoints"),
        ] {
            assert_eq!(resource_name(kind), resource);
        }
    }

    #[test]
    fn wrapping_fills_the_namespace_and_the_group_version() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}});
        let w = Wrap {
            username: "ci",
            default_namespace: "default",
            cluster_scoped: false,
        };
        let body: Json = serde_json::from_slice(&wrap_create(&d, "u1", &w)).expect("json");
        let r = &body["request"];
        assert_eq!(
            r["kind"],
            json!({"group": "apps", "version": "v1", "kind": "Deployment"})
        );
        assert_eq!(r["namespace"], "default");
        assert_eq!(r["object"]["metadata"]["namespace"], "default");
        assert_eq!(r["userInfo"]["username"], "ci");
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}});
        let w = Wrap {
            cluster_scoped: true,
            ..w
        };
        let body: Json = serde_json::from_slice(&wrap_create(&ns, "u2", &w)).expect("json");
        assert!(body["request"]["namespace"].is_null());
    }
}
