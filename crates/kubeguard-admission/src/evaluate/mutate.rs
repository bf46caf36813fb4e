//! Mutation: safe defaults filled in where unset, as a JSONPatch. A value
//! the user wrote is never changed, and a default that the API server
//! would reject in combination with what is written is not added
//! (`allowPrivilegeEscalation: false` with `privileged: true` or
//! `CAP_SYS_ADMIN`; `runAsNonRoot: true` with `runAsUser: 0`; Linux
//! settings on Windows pods).

use crate::policy::Mutation;
use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, Patch, PatchOperation};
use kubeguard_core::workload::pod_spec_path;
use serde_json::{Map, Value, json};

/// Whether mutation applies to `kind` on `operation`: Pods on CREATE
/// (their spec is immutable afterwards), workloads on CREATE and UPDATE.
pub(crate) fn applies(kind: &str, operation: &str) -> bool {
    match operation {
        "CREATE" => pod_spec_path(kind).is_some(),
        "UPDATE" => kind != "Pod" && pod_spec_path(kind).is_some(),
        _ => false,
    }
}

/// The patch that fills the enabled defaults into `object`'s pod spec.
#[must_use]
pub(crate) fn patch(m: &Mutation, object: &Value) -> Patch {
    let mut ops = Vec::new();
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let Some(path) = pod_spec_path(kind) else {
        return Patch(ops);
    };
    let Some(spec) = path.iter().try_fold(object, |v, k| v.get(*k)) else {
        return Patch(ops);
    };
    if !spec.is_object() {
        return Patch(ops);
    }
    let windows = spec.pointer("/os/name").and_then(Value::as_str) == Some("windows");
    if windows {
        return Patch(ops);
    }
    let base: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
    pod_defaults(m, spec, &base, &mut ops);
    for list in ["initContainers", "containers"] {
        let Some(containers) = spec.get(list).and_then(Value::as_array) else {
            continue;
        };
        for (i, c) in containers.iter().enumerate() {
            if !c.is_object() {
                continue;
            }
            let mut at = base.clone();
            at.push(list.to_owned());
            at.push(i.to_string());
            container_defaults(m, c, &at, &mut ops);
        }
    }
    Patch(ops)
}

fn add(ops: &mut Vec<PatchOperation>, at: &[String], key: &str, value: Value) {
    let path = PointerBuf::from_tokens(at.iter().map(String::as_str).chain([key]));
    ops.push(PatchOperation::Add(AddOperation { path, value }));
}

/// A field counts as set unless it is absent or `null`.
fn unset(parent: Option<&Value>, key: &str) -> bool {
    parent.and_then(|p| p.get(key)).is_none_or(Value::is_null)
}

fn runs_as_root(spec: &Value) -> bool {
    let root =
        |sc: Option<&Value>| sc.and_then(|s| s.get("runAsUser")).and_then(Value::as_i64) == Some(0);
    root(spec.get("securityContext"))
        || ["initContainers", "containers"].iter().any(|l| {
            spec.get(*l)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|c| root(c.get("securityContext")))
        })
}

fn pod_defaults(m: &Mutation, spec: &Value, base: &[String], ops: &mut Vec<PatchOperation>) {
    let sc = spec.get("securityContext").filter(|v| !v.is_null());
    let mut wanted = Map::new();
    if m.seccomp_profile && unset(sc, "seccompProfile") {
        wanted.insert("seccompProfile".into(), json!({"type": "RuntimeDefault"}));
    }
    if m.run_as_non_root && unset(sc, "runAsNonRoot") && !runs_as_root(spec) {
        wanted.insert("runAsNonRoot".into(), Value::Bool(true));
    }
    if wanted.is_empty() {
        return;
    }
    match sc {
        Some(Value::Object(_)) => {
            let mut at = base.to_vec();
            at.push("securityContext".into());
            for (k, v) in wanted {
                add(ops, &at, &k, v);
            }
        }
        Some(_) => {}
        None => add(ops, base, "securityContext", Value::Object(wanted)),
    }
}

fn container_defaults(m: &Mutation, c: &Value, at: &[String], ops: &mut Vec<PatchOperation>) {
    let sc = c.get("securityContext").filter(|v| !v.is_null());
    let privileged = sc
        .and_then(|s| s.get("privileged"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let caps = sc
        .and_then(|s| s.get("capabilities"))
        .filter(|v| !v.is_null());
    let sys_admin = caps
        .and_then(|c| c.get("add"))
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .any(|c| matches!(c.as_str(), Some("SYS_ADMIN" | "CAP_SYS_ADMIN")))
        });
    let mut wanted = Map::new();
    if m.allow_privilege_escalation
        && unset(sc, "allowPrivilegeEscalation")
        && !privileged
        && !sys_admin
    {
        wanted.insert("allowPrivilegeEscalation".into(), Value::Bool(false));
    }
    let mut caps_ops = Vec::new();
    if m.drop_all_capabilities {
        match caps {
            None => {
                wanted.insert("capabilities".into(), json!({"drop": ["ALL"]}));
            }
            Some(Value::Object(_)) if unset(caps, "drop") => {
                caps_ops.push(("drop", json!(["ALL"])));
            }
            Some(_) => {}
        }
    }
    let mut sc_at = at.to_vec();
    sc_at.push("securityContext".into());
    match sc {
        Some(Value::Object(_)) => {
            for (k, v) in wanted {
                add(ops, &sc_at, &k, v);
            }
            let mut caps_at = sc_at.clone();
            caps_at.push("capabilities".into());
            for (k, v) in caps_ops {
                add(ops, &caps_at, k, v);
            }
        }
        Some(_) => {}
        None if !wanted.is_empty() => add(ops, at, "securityContext", Value::Object(wanted)),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Mutation {
        Mutation {
            enabled: true,
            seccomp_profile: true,
            allow_privilege_escalation: true,
            drop_all_capabilities: true,
            run_as_non_root: true,
        }
    }

    fn applied(object: &Value) -> Value {
        let mut out = object.clone();
        json_patch::patch(&mut out, &patch(&all(), object)).expect("the patch applies");
        out
    }

    #[test]
    fn fills_an_empty_pod() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a", "image": "nginx"}]}});
        let out = applied(&pod);
        assert_eq!(
            out["spec"]["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
        assert_eq!(out["spec"]["securityContext"]["runAsNonRoot"], true);
        let sc = &out["spec"]["containers"][0]["securityContext"];
        assert_eq!(sc["allowPrivilegeEscalation"], false);
        assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]));
    }

    #[test]
    fn never_overrides_and_respects_invalid_combinations() {
        let pod = json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "securityContext": {"runAsNonRoot": false, "seccompProfile": {"type": "Unconfined"}},
            "containers": [
                {"name": "a", "securityContext": {"privileged": true,
                    "capabilities": {"add": ["NET_ADMIN"]}}},
                {"name": "b", "securityContext": {"allowPrivilegeEscalation": true,
                    "capabilities": {"drop": ["NET_RAW"]}}}]}}}});
        let out = applied(&pod);
        let spec = &out["spec"]["template"]["spec"];
        assert_eq!(spec["securityContext"]["runAsNonRoot"], false);
        assert_eq!(
            spec["securityContext"]["seccompProfile"]["type"],
            "Unconfined"
        );
        let a = &spec["containers"][0]["securityContext"];
        assert!(a.get("allowPrivilegeEscalation").is_none());
        assert_eq!(a["capabilities"]["add"], json!(["NET_ADMIN"]));
        assert_eq!(a["capabilities"]["drop"], json!(["ALL"]));
        let b = &spec["containers"][1]["securityContext"];
        assert_eq!(b["allowPrivilegeEscalation"], true);
        assert_eq!(b["capabilities"]["drop"], json!(["NET_RAW"]));
    }

    #[test]
    fn root_and_windows_pods_are_left_alone_where_defaults_would_break_them() {
        let root = json!({"kind": "Pod", "spec": {"securityContext": {"runAsUser": 0},
            "containers": [{"name": "a"}]}});
        assert!(
            applied(&root)["spec"]["securityContext"]
                .get("runAsNonRoot")
                .is_none()
        );
        let windows = json!({"kind": "Pod", "spec": {"os": {"name": "windows"},
            "containers": [{"name": "a"}]}});
        assert!(patch(&all(), &windows).0.is_empty());
        let cronjob = json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template":
            {"spec": {"containers": [{"name": "a"}]}}}}}});
        let out = applied(&cronjob);
        assert_eq!(
            out.pointer("/spec/jobTemplate/spec/template/spec/securityContext/runAsNonRoot"),
            Some(&json!(true))
        );
    }

    #[test]
    fn disabled_defaults_are_not_added() {
        let m = Mutation {
            enabled: true,
            seccomp_profile: false,
            allow_privilege_escalation: false,
            drop_all_capabilities: false,
            run_as_non_root: false,
        };
        let pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "a"}]}});
        assert!(patch(&m, &pod).0.is_empty());
        assert!(applies("Pod", "CREATE") && !applies("Pod", "UPDATE"));
        assert!(applies("Deployment", "UPDATE") && !applies("Service", "CREATE"));
    }
}
