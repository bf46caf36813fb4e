//! Exec guard: `CONNECT` on `pods/exec` and `pods/attach` into a
//! privileged, hostPID or hostNetwork pod is denied, as the removed
//! DenyEscalatingExec admission plugin did.

use super::Findings;
use crate::cluster::ClusterView;

/// The subresources guarded.
const GUARDED: &[&str] = &["exec", "attach"];

/// Whether a request is guarded: CONNECT on `pods/exec` or `pods/attach`.
pub(crate) fn applies(resource: &str, subresource: &str, operation: &str) -> bool {
    operation == "CONNECT" && resource == "pods" && GUARDED.contains(&subresource)
}

/// Looks the pod up and denies the request if it escalates.
pub(crate) fn check(
    namespace: &str,
    name: &str,
    subresource: &str,
    cluster: &dyn ClusterView,
    out: &mut Findings,
) {
    let Some(pod) = cluster.pod(namespace, name) else {
        out.errors.push(format!(
            "exec guard: pod {namespace}/{name} is not known, so {subresource} cannot be checked"
        ));
        return;
    };
    let reasons = escalations(&pod);
    if !reasons.is_empty() {
        out.deny.push(format!(
            "exec guard: {subresource} into pod {namespace}/{name} is denied: it runs with {}",
            reasons.join(", ")
        ));
    }
}

/// What makes `pod` escalating: hostPID, hostNetwork, privileged containers.
pub(crate) fn escalations(pod: &serde_json::Value) -> Vec<String> {
    let spec = pod.get("spec");
    let flag = |k: &str| {
        spec.and_then(|s| s.get(k))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    };
    let mut out = Vec::new();
    if flag("hostPID") {
        out.push("hostPID".to_owned());
    }
    if flag("hostNetwork") {
        out.push("hostNetwork".to_owned());
    }
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        let containers = spec
            .and_then(|s| s.get(list))
            .and_then(serde_json::Value::as_array);
        for c in containers.into_iter().flatten() {
            let privileged = c
                .pointer("/securityContext/privileged")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false);
            if privileged {
                let name = c
                    .get("name")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("");
                out.push(format!("privileged container {name:?}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table() {
        let cases = [
            (json!({"spec": {"containers": [{"name": "a"}]}}), 0),
            (json!({"spec": {"hostPID": true, "containers": []}}), 1),
            (json!({"spec": {"hostNetwork": true, "hostPID": true}}), 2),
            (
                json!({"spec": {"initContainers": [{"name": "i",
                "securityContext": {"privileged": true}}]}}),
                1,
            ),
            (
                json!({"spec": {"containers": [{"name": "a",
                "securityContext": {"privileged": false}}]}}),
                0,
            ),
            (json!({}), 0),
        ];
        for (pod, n) in cases {
            assert_eq!(escalations(&pod).len(), n, "{pod}");
        }
        assert!(applies("pods", "exec", "CONNECT"));
        assert!(applies("pods", "attach", "CONNECT"));
        assert!(!applies("pods", "portforward", "CONNECT"));
        assert!(!applies("pods", "exec", "CREATE"));
    }
}
