//! Rule fixtures and the hardened corpus.
//!
//! Each fixture under `tests/fixtures/<group>/` runs only the rule it is
//! named after: `workload/host_pid.yaml` runs `host-pid`. A family of rules
//! that shares one table file has one fixture named after that file, which
//! runs every rule of the family: `control_plane/etcd.yaml` runs the
//! `etcd-*` rules of the `control-plane` group.
//!
//! A fixture marks each line that must be flagged with a trailing comment
//! `# expect: rule-a, rule-b`. The test fails on any finding without a
//! marker and any marker without a finding (a marker for a rule the fixture
//! does not run has none). Every fixture is loaded together with
//! `_context.yaml`, a namespace that satisfies the namespace-level rules,
//! which must itself produce no finding.
//!
//! The hardened corpus (`tests/hardened/`, the fixtures' `_context.yaml`
//! and `examples/hardened-app/`) gets no finding with every rule on.

use kubeguard_core::Finding;
use kubeguard_core::Source;
use kubeguard_load::load_source;
use kubeguard_rules::{Engine, Pipeline, Policy, Profile, Selection, Settings, registry};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const CONTEXT: &str = "_context.yaml";

/// The registries fixtures may pull from; `untrusted-registry` flags others.
fn settings() -> Settings {
    Settings {
        allowed_registries: vec!["registry.example.com".into(), "ghcr.io/kubeguard".into()],
    }
}

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures_dir() -> PathBuf {
    crate_dir().join("tests/fixtures")
}

/// Every `*.yaml` below `dir`, sorted, without `_context.yaml`.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") && !path.ends_with(CONTEXT) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn fixture_files() -> Vec<PathBuf> {
    yaml_files(&fixtures_dir())
}

/// The rules the fixture at `path` runs: the rule of its group named after
/// the file, or else the family of rules whose names start with the file's
/// name. Empty when the name matches no rule.
fn rules_of(path: &Path) -> Vec<&'static str> {
    let kebab = |s: &std::ffi::OsStr| s.to_str().unwrap().replace('_', "-");
    let group = kebab(path.parent().unwrap().file_name().unwrap());
    let stem = kebab(path.file_stem().unwrap());
    let in_group: Vec<&'static str> = registry::all()
        .into_iter()
        .filter(|r| r.meta.group == group)
        .map(|r| r.meta.name)
        .collect();
    if let Some(rule) = in_group.iter().find(|n| **n == stem) {
        return vec![*rule];
    }
    let family = format!("{stem}-");
    in_group
        .into_iter()
        .filter(|n| n.starts_with(&family))
        .collect()
}

/// `(line, rule)` pairs from `# expect:` markers.
fn markers(text: &str) -> BTreeSet<(u32, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some((_, rules)) = line.split_once("# expect:") {
            for rule in rules.split(',').map(str::trim).filter(|r| !r.is_empty()) {
                out.insert((u32::try_from(i + 1).unwrap(), rule.to_owned()));
            }
        }
    }
    out
}

/// Findings and load errors of `sources` under `selection`.
fn scan(selection: &Selection, sources: Vec<Source>) -> (Vec<Finding>, Vec<String>) {
    let mut objects = Vec::new();
    let mut errors = Vec::new();
    for source in sources {
        let loaded = load_source(source);
        errors.extend(loaded.errors.iter().map(ToString::to_string));
        objects.extend(loaded.objects);
    }
    let policy = Policy::new(selection).unwrap();
    let engine = Engine::new(&policy, settings());
    let (findings, ignores) = engine.check_all(objects.iter());
    let mut pipeline = Pipeline::new(&policy);
    pipeline.add_inline(ignores);
    (pipeline.process(findings), errors)
}

fn context() -> Source {
    let text = std::fs::read_to_string(fixtures_dir().join(CONTEXT)).unwrap();
    Source::new(CONTEXT, text)
}

#[test]
fn every_fixture_matches_its_markers() {
    let mut failures = Vec::new();
    let files = fixture_files();
    assert!(!files.is_empty(), "no fixtures found");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path
            .strip_prefix(fixtures_dir())
            .unwrap()
            .display()
            .to_string();
        let rules = rules_of(&path);
        if rules.is_empty() {
            failures.push(format!(
                "{name}: named after no rule of its group (nor a family of them)"
            ));
            continue;
        }
        let selection = Selection {
            select: rules.iter().map(|r| (*r).to_owned()).collect(),
            ..Selection::default()
        };
        let (findings, errors) = scan(
            &selection,
            vec![context(), Source::new(&name, text.clone())],
        );
        for e in errors {
            failures.push(format!("{name}: load error {e}"));
        }
        let mut found = BTreeSet::new();
        for f in &findings {
            if &*f.file == CONTEXT {
                failures.push(format!(
                    "{CONTEXT}:{}: unexpected {} ({}) while checking {name}",
                    f.pos.line, f.rule, f.message
                ));
            } else {
                found.insert((f.pos.line, f.rule.to_owned()));
            }
        }
        let expected = markers(&text);
        for (line, rule) in found.difference(&expected) {
            let msg = findings
                .iter()
                .find(|f| f.pos.line == *line && f.rule == rule)
                .map(|f| f.message.as_str())
                .unwrap_or("");
            failures.push(format!(
                "{name}:{line}: finding {rule} has no marker: {msg}"
            ));
        }
        for (line, rule) in expected.difference(&found) {
            let why = if rules.contains(&rule.as_str()) {
                ""
            } else {
                " (this fixture runs only its own rules)"
            };
            failures.push(format!("{name}:{line}: marker {rule} has no finding{why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_fixture_marker() {
    let mut marked = BTreeSet::new();
    for path in fixture_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let rules = rules_of(&path);
        marked.extend(
            markers(&text)
                .into_iter()
                .map(|(_, r)| r)
                .filter(|r| rules.contains(&r.as_str())),
        );
    }
    let missing: Vec<&str> = registry::all()
        .into_iter()
        .map(|r| r.meta.name)
        .filter(|n| !marked.contains(*n))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a marker in the fixture that runs them: {missing:?}"
    );
}

#[test]
fn each_rule_runs_in_one_fixture() {
    let mut runs: Vec<(&str, String)> = Vec::new();
    for path in fixture_files() {
        let name = path
            .strip_prefix(fixtures_dir())
            .unwrap()
            .display()
            .to_string();
        runs.extend(rules_of(&path).into_iter().map(|r| (r, name.clone())));
    }
    runs.sort();
    let twice: Vec<String> = runs
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| format!("{} runs in {} and {}", w[0].0, w[0].1, w[1].1))
        .collect();
    assert!(twice.is_empty(), "{twice:#?}");
}

#[test]
fn hardened_corpus_has_no_finding_with_every_rule() {
    let mut files = yaml_files(&crate_dir().join("tests/hardened"));
    files.extend(yaml_files(&crate_dir().join("../../examples/hardened-app")));
    assert!(files.len() > 5, "hardened corpus not found: {files:?}");
    let mut sources = vec![context()];
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.strip_prefix(crate_dir()).unwrap_or(path);
        sources.push(Source::new(name.display().to_string(), text));
    }
    let every_rule = Selection {
        profile: Profile::BestPractice,
        ..Selection::default()
    };
    let (findings, errors) = scan(&every_rule, sources);
    assert!(errors.is_empty(), "{errors:#?}");
    let shown: Vec<String> = findings
        .iter()
        .map(|f| format!("{}:{}: {} ({})", f.file, f.pos.line, f.rule, f.message))
        .collect();
    assert!(
        shown.is_empty(),
        "{} findings:\n{}",
        shown.len(),
        shown.join("\n")
    );
}
