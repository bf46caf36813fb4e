//! The webhook's Pod Security decision equals `kubeguard pss`'s (the
//! `kubeguard_pss::evaluate` that `kubeguard pss check` runs) for the same
//! pod, namespace labels and version, over a sample of the upstream
//! conformance fixtures in `../shared/corpus/pss-fixtures`: as a Pod
//! (enforce: same allow/deny, same message) and as a Deployment template
//! (never denied; the warning carries the same detail).

#[path = "../../../tests/shared_data.rs"]
mod shared_data;

mod common;

use common::*;
use kubeguard_admission::{Endpoint, StaticCluster};
use kubeguard_core::{Node, ScalarKind, Source, Value as NodeValue};
use kubeguard_pss::{Level, LevelVersion, Pod, Version};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The versions sampled: the first, around the seccomp/capabilities
/// changes, and the newest.
const VERSIONS: &[&str] = &["v1.0", "v1.8", "v1.19", "v1.22", "v1.25", "v1.37"];

fn fixtures_root() -> PathBuf {
    shared_data::shared("corpus/pss-fixtures/test/testdata")
}

fn to_json(node: &Node) -> Value {
    match &node.value {
        NodeValue::Scalar(s) => match s.kind {
            ScalarKind::Null => Value::Null,
            ScalarKind::Bool(b) => json!(b),
            ScalarKind::Int(i) => json!(i),
            ScalarKind::Float(f) => json!(f),
            ScalarKind::Str => json!(&*s.text),
        },
        NodeValue::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeValue::Map(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.to_owned(), to_json(v))).collect())
        }
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn webhook_pod_security_matches_kubeguard_pss() {
    let root = fixtures_root();
    let e = engine("podSecurity: {}\n");
    let mut compared = 0;
    for level in ["baseline", "restricted"] {
        for version in VERSIONS {
            let labels = BTreeMap::from([
                (
                    "pod-security.kubernetes.io/enforce".to_owned(),
                    level.to_owned(),
                ),
                (
                    "pod-security.kubernetes.io/enforce-version".to_owned(),
                    (*version).to_owned(),
                ),
                (
                    "pod-security.kubernetes.io/warn".to_owned(),
                    level.to_owned(),
                ),
                (
                    "pod-security.kubernetes.io/warn-version".to_owned(),
                    (*version).to_owned(),
                ),
            ]);
            let mut cluster = StaticCluster::default();
            cluster.add_namespace("parity", labels);
            let policy = LevelVersion::new(
                level.parse::<Level>().expect("level"),
                version.parse::<Version>().expect("version"),
            );
            for outcome in ["pass", "fail"] {
                for path in files(&root.join(level).join(version).join(outcome)) {
                    let text = std::fs::read_to_string(&path).expect("read fixture");
                    let loaded =
                        kubeguard_load::load_source(Source::new(path.display().to_string(), text));
                    let Some(obj) = loaded.objects.first() else {
                        panic!("{}: no object", path.display());
                    };
                    let verdict =
                        kubeguard_pss::evaluate(&Pod::of(obj).expect("fixture pod"), policy);
                    assert_eq!(verdict.allowed(), outcome == "pass", "{}", path.display());
                    let mut pod = to_json(&obj.root);
                    pod["metadata"]["namespace"] = json!("parity");
                    let (resp, _) =
                        review(&e, &create(&pod, "alice"), Endpoint::Validate, &cluster);
                    assert_eq!(
                        resp["allowed"],
                        verdict.allowed(),
                        "{}: {resp}",
                        path.display()
                    );
                    if !verdict.allowed() {
                        assert_eq!(
                            resp["status"]["message"],
                            verdict.message(),
                            "{}",
                            path.display()
                        );
                    }
                    let d = deployment("d", "parity", &pod);
                    let (resp, _) = review(&e, &create(&d, "alice"), Endpoint::Validate, &cluster);
                    assert_eq!(resp["allowed"], true, "{}", path.display());
                    let expected: Vec<String> = if verdict.allowed() {
                        vec![]
                    } else {
                        vec![format!(
                            "would violate PodSecurity \"{}\": {}",
                            verdict.policy,
                            verdict.forbidden_detail()
                        )]
                    };
                    assert_eq!(warnings(&resp), expected, "{}", path.display());
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 300, "only {compared} fixtures compared");
    eprintln!("compared {compared} fixtures as Pods and Deployments");
}
