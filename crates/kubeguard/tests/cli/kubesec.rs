//! `--format kubesec`: kubesec's report shape and point values, scored
//! from kubeguard's findings.

use crate::support::{OTHER_FINDINGS_COMMANDS, json, kubeguard_in_repo};
use serde_json::{Value, json};

fn run(args: &[&str]) -> (i32, Value) {
    let out = kubeguard_in_repo().args(args).output().unwrap();
    (out.status.code().unwrap(), json(out.stdout))
}

/// kubesec's report, as its JSON encoder writes it.
fn schema() -> Value {
    let item = json!({
        "type": "object", "required": ["id", "selector", "reason", "points"],
        "additionalProperties": false,
        "properties": {"id": {"type": "string"}, "selector": {"type": "string"},
                       "reason": {"type": "string"}, "points": {"type": "integer"}}
    });
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["object", "valid", "fileName", "message", "score", "scoring"],
            "additionalProperties": false,
            "properties": {
                "object": {"type": "string", "pattern": "^[A-Za-z]+/[^/]*\\.[^/]+$"},
                "valid": {"type": "boolean"},
                "fileName": {"type": "string"},
                "message": {"type": "string"},
                "score": {"type": "integer"},
                "scoring": {
                    "type": "object", "additionalProperties": false,
                    "properties": {
                        "critical": {"type": "array", "items": item},
                        "passed": {"type": "array", "items": item},
                        "advise": {"type": "array", "items": item}
                    }
                }
            }
        }
    })
}

fn valid(v: &Value) {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let errors: Vec<String> = validator.iter_errors(v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

fn report<'v>(v: &'v Value, object: &str) -> &'v Value {
    v.as_array()
        .unwrap()
        .iter()
        .find(|r| r["object"] == object)
        .unwrap_or_else(|| panic!("no report for {object}"))
}

fn ids(r: &Value, list: &str) -> Vec<String> {
    r["scoring"][list]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn points(r: &Value, list: &str) -> i64 {
    r["scoring"][list]
        .as_array()
        .map(|items| items.iter().map(|i| i["points"].as_i64().unwrap()).sum())
        .unwrap_or(0)
}

#[test]
fn scores_use_kubesec_points_and_add_up() {
    let (code, v) = run(&[
        "scan",
        "examples/insecure-app",
        "examples/hardened-app",
        "-f",
        "kubesec",
        // kubesec scores requests, limits and other best-practice checks.
        "--profile",
        "best-practice",
    ]);
    assert_eq!(code, 1);
    valid(&v);
    for r in v.as_array().unwrap() {
        assert_eq!(
            r["score"].as_i64().unwrap(),
            points(r, "critical") + points(r, "passed"),
            "{r}"
        );
        let verdict = if r["score"].as_i64().unwrap() >= 0 {
            "Passed"
        } else {
            "Failed"
        };
        if r["scoring"] != json!({}) {
            assert_eq!(
                r["message"],
                format!("{verdict} with a score of {} points", r["score"])
            );
        }
    }
    let legacy = report(&v, "Deployment/legacy-api.default");
    let critical = ids(legacy, "critical");
    for id in [
        "Privileged",
        "CapSysAdmin",
        "HostNetwork",
        "HostPID",
        "DockerSock",
    ] {
        assert!(critical.contains(&id.to_owned()), "{id} in {critical:?}");
    }
    let privileged = &legacy["scoring"]["critical"][0];
    assert_eq!(
        (privileged["id"].as_str(), privileged["points"].as_i64()),
        (Some("Privileged"), Some(-30))
    );
    assert!(ids(legacy, "passed").is_empty());
    assert!(ids(legacy, "advise").contains(&"RunAsNonRoot".to_owned()));

    // The hardened Deployment passes every scored check: 3 for its own
    // service account, 1 for each of the others.
    let storefront = report(&v, "Deployment/storefront.shop");
    assert!(ids(storefront, "critical").is_empty());
    assert!(ids(storefront, "advise").is_empty());
    assert_eq!(storefront["score"], 13);
    assert_eq!(storefront["message"], "Passed with a score of 13 points");
    // Objects kubesec does not score are listed, as kubesec lists them.
    let ns = report(&v, "Namespace/shop.default");
    assert_eq!(
        ns["message"],
        "This resource kind is not supported by kubesec"
    );
    assert_eq!(ns["score"], 0);
}

#[test]
fn critical_items_are_the_findings_of_their_rules() {
    let (_, v) = run(&["scan", "examples/insecure-app", "-f", "kubesec"]);
    let (_, j) = run(&["scan", "examples/insecure-app", "-f", "json"]);
    let privileged: Vec<String> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "privileged-container")
        .map(|f| {
            let o = &f["object"];
            format!(
                "{}/{}.{}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap(),
                o["namespace"].as_str().unwrap()
            )
        })
        .collect();
    let flagged: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| ids(r, "critical").contains(&"Privileged".to_owned()))
        .map(|r| r["object"].as_str().unwrap().to_owned())
        .collect();
    assert!(!privileged.is_empty());
    assert_eq!(flagged, privileged);
}

#[test]
fn a_privileged_container_earns_no_capability_or_seccomp_points() {
    // A node agent that runs privileged and sets nothing else: the rules
    // behind these checks skip it, and it still has every capability and
    // no seccomp filter.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("agent.yaml");
    std::fs::write(
        &file,
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: ops}\n\
         spec:\n  template:\n    spec:\n      containers:\n      - name: agent\n\
         \x20       image: registry.example.com/agent:1.0\n\
         \x20       securityContext: {privileged: true}\n",
    )
    .unwrap();
    let (_, v) = run(&["scan", file.to_str().unwrap(), "-f", "kubesec"]);
    valid(&v);
    let agent = report(&v, "DaemonSet/agent.ops");
    assert!(ids(agent, "critical").contains(&"Privileged".to_owned()));
    let advise = ids(agent, "advise");
    for id in ["CapDropAny", "CapDropAll", "SeccompAny"] {
        assert!(advise.contains(&id.to_owned()), "{id} in {advise:?}");
    }
}

#[test]
fn checks_whose_rules_did_not_run_are_not_scored() {
    let (_, v) = run(&[
        "scan",
        "examples/hardened-app",
        "--select",
        "privileged-container",
        "-f",
        "kubesec",
    ]);
    valid(&v);
    let storefront = report(&v, "Deployment/storefront.shop");
    assert_eq!(
        storefront["score"], 0,
        "nothing passed that was not checked"
    );
    assert!(ids(storefront, "passed").is_empty());
}

#[test]
fn every_findings_command_writes_kubesec_json() {
    for args in OTHER_FINDINGS_COMMANDS {
        let mut with = args.to_vec();
        with.extend(["-f", "kubesec"]);
        let (code, v) = run(&with);
        assert!(code == 0 || code == 1, "{args:?}");
        valid(&v);
        assert!(!v.as_array().unwrap().is_empty(), "{args:?}");
    }
}
