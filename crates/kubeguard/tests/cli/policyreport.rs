//! `--format policyreport`: every document is valid against the structure
//! of the `wgpolicyk8s.io/v1alpha2` PolicyReport and ClusterPolicyReport
//! CRDs, holds exactly the findings of the JSON output, and works on every
//! command that reports findings.

use crate::support::{OTHER_FINDINGS_COMMANDS, json, kubeguard_in_repo, write};
use kubeguard_admission::offline::node_to_json;
use serde_json::{Value, json};

/// The openAPI schema of the v1alpha2 CRDs (the `PolicyReport` and
/// `ClusterPolicyReport` share it; the cluster one has no namespace),
/// written from the CRD's structure. Unknown fields are rejected here,
/// where the API server would prune them silently.
fn crd_schema(namespaced: bool) -> Value {
    let object_reference = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "apiVersion": {"type": "string"}, "fieldPath": {"type": "string"},
            "kind": {"type": "string"}, "name": {"type": "string"},
            "namespace": {"type": "string"}, "resourceVersion": {"type": "string"},
            "uid": {"type": "string"}
        }
    });
    let label_selector = json!({
        "type": "object",
        "properties": {
            "matchExpressions": {"type": "array", "items": {
                "type": "object", "required": ["key", "operator"],
                "properties": {"key": {"type": "string"}, "operator": {"type": "string"},
                               "values": {"type": "array", "items": {"type": "string"}}}}},
            "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}}
        }
    });
    let result = json!({
        "type": "object",
        "required": ["policy"],
        "additionalProperties": false,
        "properties": {
            "source": {"type": "string"},
            "policy": {"type": "string"},
            "rule": {"type": "string"},
            "category": {"type": "string"},
            "severity": {"type": "string", "enum": ["critical", "high", "low", "medium", "info"]},
            "timestamp": {
                "type": "object", "required": ["nanos", "seconds"], "additionalProperties": false,
                "properties": {
                    "seconds": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX},
                    "nanos": {"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX}
                }
            },
            "result": {"type": "string", "enum": ["pass", "fail", "warn", "error", "skip"]},
            "scored": {"type": "boolean"},
            "resources": {"type": "array", "items": object_reference},
            "resourceSelector": label_selector,
            "message": {"type": "string"},
            "properties": {"type": "object", "additionalProperties": {"type": "string"}}
        }
    });
    let count = json!({"type": "integer"});
    let metadata_required = if namespaced {
        json!(["name", "namespace"])
    } else {
        json!(["name"])
    };
    json!({
        "type": "object",
        "required": ["apiVersion", "kind", "metadata"],
        "additionalProperties": false,
        "properties": {
            "apiVersion": {"const": "wgpolicyk8s.io/v1alpha2"},
            "kind": {"const": if namespaced { "PolicyReport" } else { "ClusterPolicyReport" }},
            "metadata": {
                "type": "object", "required": metadata_required,
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"},
                    "namespace": {"type": "string"},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}}
                }
            },
            "scope": object_reference,
            "scopeSelector": label_selector,
            "summary": {
                "type": "object", "additionalProperties": false,
                "properties": {"pass": count, "fail": count, "warn": count, "error": count, "skip": count}
            },
            "results": {"type": "array", "items": result}
        }
    })
}

/// Parses the YAML stream and checks each document against the schema.
fn documents(yaml: &str) -> Vec<Value> {
    let (docs, error) = kubeguard_load::parse_documents(yaml);
    assert!(error.is_none(), "not YAML: {error:?}\n{yaml}");
    let namespaced = jsonschema::validator_for(&crd_schema(true)).unwrap();
    let cluster = jsonschema::validator_for(&crd_schema(false)).unwrap();
    docs.iter()
        .map(|d| {
            let doc = node_to_json(d.as_ref().expect("no empty document"));
            let validator = if doc["kind"] == "PolicyReport" {
                &namespaced
            } else {
                &cluster
            };
            let errors: Vec<String> = validator
                .iter_errors(&doc)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", doc["kind"]);
            doc
        })
        .collect()
}

/// `(rule, kind, namespace, name, file, line)` of every result that is a finding.
fn report_findings(docs: &[Value]) -> Vec<(String, String, String, String, String, String)> {
    let mut v: Vec<_> = docs
        .iter()
        .flat_map(|d| d["results"].as_array().cloned().unwrap_or_default())
        .filter(|r| r["result"] != "error")
        .map(|r| {
            let o = &r["resources"][0];
            (
                r["policy"].as_str().unwrap().to_owned(),
                o["kind"].as_str().unwrap().to_owned(),
                o["namespace"].as_str().unwrap_or("").to_owned(),
                o["name"].as_str().unwrap_or("").to_owned(),
                r["properties"]["file"].as_str().unwrap().to_owned(),
                r["properties"]["line"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn json_findings(out: &Value) -> Vec<(String, String, String, String, String, String)> {
    let mut v: Vec<_> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let o = &f["object"];
            (
                f["rule"].as_str().unwrap().to_owned(),
                o["kind"].as_str().unwrap().to_owned(),
                o["namespace"].as_str().unwrap_or("").to_owned(),
                o["name"].as_str().unwrap_or("").to_owned(),
                f["file"].as_str().unwrap().to_owned(),
                f["line"].to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn run(args: &[&str]) -> (i32, String) {
    let out = kubeguard_in_repo().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn scan_writes_a_valid_report_per_namespace_and_one_for_the_cluster() {
    let (code, yaml) = run(&["scan", "examples/insecure-app", "-f", "policyreport"]);
    assert_eq!(code, 1);
    let docs = documents(&yaml);
    let kinds: Vec<(&str, &str)> = docs
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap(),
                d["metadata"]["namespace"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(kinds.contains(&("ClusterPolicyReport", "")), "{kinds:?}");
    assert!(
        kinds.iter().filter(|(k, _)| *k == "PolicyReport").count() >= 1,
        "{kinds:?}"
    );
    // One report per namespace, and every result's object is in it.
    for d in &docs {
        let ns = d["metadata"]["namespace"].as_str();
        for r in d["results"].as_array().unwrap() {
            assert_eq!(r["resources"][0]["namespace"].as_str(), ns, "{r}");
        }
        let failing = d["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["result"] == "fail")
            .count();
        assert_eq!(d["summary"]["fail"], failing);
    }
    let (_, out) = run(&["scan", "examples/insecure-app", "-f", "json"]);
    assert_eq!(report_findings(&docs), json_findings(&json(out)));
}

#[test]
fn unreadable_input_is_an_error_result_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n",
    );
    let (code, yaml) = run(&["scan", &bad, "-f", "policyreport"]);
    assert_eq!(code, 2);
    let docs = documents(&yaml);
    let errors: Vec<&Value> = docs
        .iter()
        .flat_map(|d| d["results"].as_array().unwrap())
        .filter(|r| r["result"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{yaml}");
    assert_eq!(errors[0]["properties"]["file"], bad.as_str());
    assert_eq!(docs.last().unwrap()["summary"]["error"], 1);
}

#[test]
fn clean_input_gives_an_empty_cluster_report() {
    let (code, yaml) = run(&["scan", "examples/hardened-app", "-f", "policyreport"]);
    assert_eq!(code, 0);
    let docs = documents(&yaml);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["kind"], "ClusterPolicyReport");
    assert_eq!(docs[0]["summary"]["fail"], 0);
}

#[test]
fn every_findings_command_writes_policy_reports() {
    for args in OTHER_FINDINGS_COMMANDS {
        let mut with_format = args.to_vec();
        with_format.extend(["-f", "policyreport"]);
        let (code, yaml) = run(&with_format);
        assert!(code == 0 || code == 1, "{args:?}: exit {code}");
        let docs = documents(&yaml);
        let mut as_json = args.to_vec();
        as_json.extend(["-f", "json"]);
        let (_, out) = run(&as_json);
        let found = report_findings(&docs);
        assert!(!found.is_empty(), "{args:?}: the example has findings");
        assert_eq!(found, json_findings(&json(out)), "{args:?}");
    }
}
