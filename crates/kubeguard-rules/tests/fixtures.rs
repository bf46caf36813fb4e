//! Runs every rule over every fixture under `tests/fixtures/<group>/`.
//!
//! A fixture marks each line that must be flagged with a trailing comment
//! `# expect: rule-a, rule-b`. The test fails on any finding without a
//! marker and any marker without a finding. Every fixture is loaded together
//! with `_context.yaml`, a namespace that satisfies the namespace-level
//! rules, which must itself produce no finding.

use kubeguard_core::Finding;
use kubeguard_core::Source;
use kubeguard_load::load_source;
use kubeguard_rules::{Engine, Pipeline, Policy, Settings, registry};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const CONTEXT: &str = "_context.yaml";

/// The registries fixtures may pull from; `untrusted-registry` flags others.
fn settings() -> Settings {
    Settings {
        allowed_registries: vec!["registry.example.com".into(), "ghcr.io/kubeguard".into()],
    }
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![fixtures_dir()];
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

fn scan(name: &str, text: &str) -> (Vec<Finding>, Vec<String>) {
    let context = std::fs::read_to_string(fixtures_dir().join(CONTEXT)).unwrap();
    let ctx = load_source(Source::new(CONTEXT, context));
    let fixture = load_source(Source::new(name, text));
    let errors = ctx
        .errors
        .iter()
        .chain(&fixture.errors)
        .map(ToString::to_string)
        .collect();
    let policy = Policy::default();
    let engine = Engine::new(&policy, settings());
    let (findings, ignores) = engine.check_all(ctx.objects.iter().chain(&fixture.objects));
    let mut pipeline = Pipeline::new(&policy);
    pipeline.add_inline(ignores);
    (pipeline.process(findings), errors)
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
        let (findings, errors) = scan(&name, &text);
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
            failures.push(format!("{name}:{line}: marker {rule} has no finding"));
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
        marked.extend(markers(&text).into_iter().map(|(_, r)| r));
    }
    let missing: Vec<&str> = registry::all()
        .into_iter()
        .map(|r| r.meta.name)
        .filter(|n| !marked.contains(*n))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without a fixture marker: {missing:?}"
    );
}
