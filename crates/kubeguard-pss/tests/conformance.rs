//! The upstream Pod Security Admission conformance fixtures
//! (`../shared/corpus/pss-fixtures`): every `pass/` pod is allowed and every
//! `fail/` pod denied at its directory's level and version, each denial
//! names the check the file stands for, and the same pod used as a
//! Deployment's template gets the same verdict.

#[path = "../../../tests/shared_data.rs"]
mod shared_data;

use kubeguard_core::{Object, Source};
use kubeguard_load::load_source;
use kubeguard_pss::{Level, LevelVersion, Verdict, Version, evaluate_object};
use std::path::{Path, PathBuf};

/// The fixtures at this corpus commit.
const EXPECTED_FILES: usize = 4537;

/// Check ids as `CHECKS.md` lists them; fixture names are these lowercased.
const CHECK_IDS: &[&str] = &[
    "privileged",
    "hostNamespaces",
    "hostPathVolumes",
    "hostPorts",
    "capabilities_baseline",
    "appArmorProfile",
    "seLinuxOptions",
    "procMount",
    "seccompProfile_baseline",
    "sysctls",
    "windowsHostProcess",
    "hostProbesAndHostLifecycle",
    "restrictedVolumes",
    "runAsNonRoot",
    "allowPrivilegeEscalation",
    "seccompProfile_restricted",
    "capabilities_restricted",
    "runAsUser",
    "procMount_restricted",
];

/// `(baseline check, restricted check that replaces it, from minor)`, per
/// `CHECKS.md`: at the restricted level the denial names the replacement.
const OVERRIDES: &[(&str, &str, u32)] = &[
    ("hostPathVolumes", "restrictedVolumes", 0),
    ("seccompProfile_baseline", "seccompProfile_restricted", 19),
    ("capabilities_baseline", "capabilities_restricted", 22),
    ("procMount", "procMount_restricted", 35),
];

fn fixtures_root() -> PathBuf {
    shared_data::shared("corpus/pss-fixtures/test/testdata")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

fn load_one(name: &str, text: String) -> Object {
    let loaded = load_source(Source::new(name, text));
    assert!(loaded.errors.is_empty(), "{name}: {:?}", loaded.errors);
    let mut objects = loaded.objects;
    assert_eq!(objects.len(), 1, "{name}: expected one object");
    objects.pop().unwrap()
}

/// The pod as the template of a Deployment, as upstream replays it.
fn as_deployment(pod_yaml: &str) -> String {
    let mut out = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: fixture\nspec:\n  selector:\n    matchLabels: {app: fixture}\n  template:\n",
    );
    for line in pod_yaml.lines() {
        if line.starts_with("apiVersion:") || line.starts_with("kind:") {
            continue;
        }
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The check a fixture file stands for: its name without the index.
fn check_of(stem: &str) -> Option<&'static str> {
    let prefix = stem.trim_end_matches(|c: char| c.is_ascii_digit());
    CHECK_IDS
        .iter()
        .copied()
        .find(|id| id.to_ascii_lowercase() == prefix)
}

fn summary(v: &Verdict) -> Vec<(&'static str, &'static str, String)> {
    v.violations
        .iter()
        .map(|x| (x.check, x.reason, x.detail.clone()))
        .collect()
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn every_fixture_agrees_with_upstream() {
    let root = fixtures_root();
    let mut files = 0;
    let mut failures = Vec::new();
    for level in [Level::Baseline, Level::Restricted] {
        for version_dir in sorted_entries(&root.join(level.as_str())) {
            let dir_name = version_dir
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let version: Version = dir_name.parse().expect("v1.N directory");
            let Version::V1(minor) = version else {
                panic!("{dir_name} is not v1.N");
            };
            let policy = LevelVersion::new(level, version);
            for expect_allowed in [true, false] {
                let dir = version_dir.join(if expect_allowed { "pass" } else { "fail" });
                for file in sorted_entries(&dir) {
                    files += 1;
                    let name = file.display().to_string();
                    let text = std::fs::read_to_string(&file).unwrap();
                    let pod = load_one(&name, text.clone());
                    assert_eq!(pod.kind, "Pod", "{name}");
                    let verdict = match evaluate_object(&pod, policy) {
                        Ok(v) => v,
                        Err(e) => {
                            failures.push(format!("{name}: error {e}"));
                            continue;
                        }
                    };
                    let deployment = load_one(&name, as_deployment(&text));
                    match evaluate_object(&deployment, policy) {
                        Ok(d) if summary(&d) == summary(&verdict) => {}
                        Ok(d) => failures.push(format!(
                            "{name}: as a Deployment template {:?}, as a Pod {:?}",
                            summary(&d),
                            summary(&verdict)
                        )),
                        Err(e) => failures.push(format!("{name}: as a Deployment: {e}")),
                    }
                    let stem = file.file_stem().unwrap().to_str().unwrap();
                    if expect_allowed {
                        if !verdict.allowed() {
                            failures.push(format!(
                                "{name}: expected allowed, got {}",
                                verdict.message()
                            ));
                        }
                        continue;
                    }
                    let Some(check) = check_of(stem) else {
                        failures.push(format!("{name}: fail fixture names no known check"));
                        continue;
                    };
                    let mut accepted = vec![check];
                    if level == Level::Restricted {
                        accepted.extend(
                            OVERRIDES
                                .iter()
                                .filter(|(base, _, since)| *base == check && minor >= *since)
                                .map(|(_, replacement, _)| *replacement),
                        );
                    }
                    if verdict.allowed() {
                        failures.push(format!("{name}: expected denied by {check}, got allowed"));
                    } else if !verdict
                        .violations
                        .iter()
                        .any(|v| accepted.contains(&v.check))
                    {
                        failures.push(format!(
                            "{name}: expected denial by {accepted:?}, got {}",
                            verdict.message()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {files} fixtures disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(files, EXPECTED_FILES, "fixture count changed");
    eprintln!("conformance: {files} fixtures, 100% agreement");
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn fixture_names_cover_every_check() {
    let root = fixtures_root();
    let engine: Vec<&str> = kubeguard_pss::checks().iter().map(|c| c.id).collect();
    assert_eq!(engine.len(), CHECK_IDS.len());
    for id in CHECK_IDS {
        assert!(engine.contains(id), "engine lacks {id}");
    }
    let latest = root.join("restricted/v1.37/fail");
    for id in CHECK_IDS {
        let lower = id.to_ascii_lowercase();
        let found = sorted_entries(&latest).iter().any(|p| {
            check_of(p.file_stem().unwrap().to_str().unwrap()) == Some(id)
                && p.file_stem().unwrap().to_str().unwrap().starts_with(&lower)
        });
        assert!(found, "no restricted/v1.37 fail fixture for {id}");
    }
}
