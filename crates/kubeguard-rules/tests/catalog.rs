//! Every rule of the catalog, whatever engine reports it, can be selected,
//! disabled, re-rated and suppressed by name and by code, from the command
//! line, the configuration file and the `kubeguard.io/ignore` annotation.

use kubeguard_core::{Finding, ObjectRef, Pos, RuleMeta, Severity};
use kubeguard_rules::config::{self, Config};
use kubeguard_rules::suppress::InlineIgnore;
use kubeguard_rules::{CliPolicy, Pipeline, Policy, Profile, catalog};
use std::sync::Arc;

fn finding(meta: &'static RuleMeta) -> Finding {
    Finding {
        rule: meta.name,
        code: meta.code,
        severity: meta.severity,
        message: "test".into(),
        file: Arc::from("app.yaml"),
        pos: Pos { line: 3, col: 1 },
        path: String::new(),
        object: Arc::new(ObjectRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: Some("shop".into()),
            name: Some("web".into()),
        }),
        object_file: None,
        remediation: meta.remediation,
        references: meta.references,
        snippet: None,
    }
}

fn config(text: &str) -> Config {
    config::parse(".kubeguard.yaml", text).unwrap_or_else(|e| panic!("{e}"))
}

fn policy(config: &Config, cli: &CliPolicy) -> Policy {
    Policy::from_config(config, cli).unwrap()
}

/// Whether `meta`'s finding survives the pipeline under `policy`, with
/// `inline` annotations, and at what severity.
fn admitted(policy: &Policy, meta: &'static RuleMeta, inline: &[&str]) -> Option<Severity> {
    let mut pipeline = Pipeline::new(policy);
    let mut f = finding(meta);
    if !inline.is_empty() {
        pipeline.add_inline([InlineIgnore {
            file: Arc::clone(&f.file),
            object: Arc::clone(&f.object),
            pos: Pos { line: 2, col: 1 },
            rules: inline.iter().map(|r| (*r).to_owned()).collect(),
        }]);
    }
    pipeline.admit(&mut f).then_some(f.severity)
}

#[test]
fn every_rule_can_be_selected_disabled_rerated_and_suppressed() {
    let all = catalog::all();
    assert!(all.len() > 100);
    for &meta in all {
        let other = all.iter().find(|m| m.code != meta.code).unwrap();
        for key in [meta.name, meta.code, &meta.code.to_ascii_lowercase()] {
            let none = Config::default();
            let selected = policy(
                &none,
                &CliPolicy {
                    select: vec![key.to_owned()],
                    ..CliPolicy::default()
                },
            );
            assert!(selected.enabled(meta), "--select {key}");
            assert!(
                !selected.enabled(other),
                "--select {key} enables {}",
                other.name
            );
            assert!(admitted(&selected, meta, &[]).is_some(), "{key}");
            assert!(admitted(&selected, other, &[]).is_none(), "{key}");

            let ignored = policy(
                &none,
                &CliPolicy {
                    ignore: vec![key.to_owned()],
                    ..CliPolicy::default()
                },
            );
            assert!(!ignored.enabled(meta), "--ignore {key}");
            assert!(admitted(&ignored, meta, &[]).is_none(), "--ignore {key}");

            let from_file = config(&format!(
                "select: [{key}]\ndisable: [{key}]\nseverity:\n  {key}: info\n"
            ));
            assert!(!policy(&from_file, &CliPolicy::default()).enabled(meta));
            let rerated = config(&format!(
                "profile: best-practice\nseverity:\n  {key}: info\n"
            ));
            assert_eq!(
                admitted(&policy(&rerated, &CliPolicy::default()), meta, &[]),
                Some(Severity::Info),
                "severity {key}"
            );

            let suppressed = config(&format!(
                "profile: best-practice\nignores:\n- rule: {key}\n  namespace: shop\n  reason: accepted\n"
            ));
            assert_eq!(
                admitted(&policy(&suppressed, &CliPolicy::default()), meta, &[]),
                None,
                "ignores {key}"
            );
            let every = policy(&config("select: [all]\n"), &CliPolicy::default());
            assert_eq!(admitted(&every, meta, &[key]), None, "annotation {key}");
            assert!(admitted(&every, meta, &[other.name]).is_some());
        }
    }
}

#[test]
fn unknown_names_are_refused_everywhere_with_a_suggestion() {
    let e = config::parse(".kubeguard.yaml", "disable: [pod-security-standrd]\n").unwrap_err();
    assert!(
        e.message.contains("did you mean \"pod-security-standard\""),
        "{e}"
    );
    let e = Policy::from_config(
        &Config::default(),
        &CliPolicy {
            select: vec!["rbac-nope".into()],
            ..CliPolicy::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.name, "rbac-nope");
}

#[test]
fn profiles_decide_what_runs_unless_rules_are_selected() {
    let bp = catalog::find("default-namespace").unwrap();
    let security = catalog::find("privileged-container").unwrap();
    let default = Policy::default();
    assert!(default.enabled(security) && !default.enabled(bp));
    let opted_in = policy(&config("profile: best-practice\n"), &CliPolicy::default());
    assert!(opted_in.enabled(security) && opted_in.enabled(bp));
    let on_cli = policy(
        &Config::default(),
        &CliPolicy {
            profile: Some(Profile::BestPractice),
            ..CliPolicy::default()
        },
    );
    assert!(on_cli.enabled(bp));
    let back = policy(
        &config("profile: best-practice\n"),
        &CliPolicy {
            profile: Some(Profile::Security),
            ..CliPolicy::default()
        },
    );
    assert!(!back.enabled(bp), "--profile overrides the config's");
    let named = policy(
        &config("select: [default-namespace]\n"),
        &CliPolicy::default(),
    );
    assert!(named.enabled(bp) && !named.enabled(security));
    let e = config::parse(".kubeguard.yaml", "profile: strict\n").unwrap_err();
    assert!(e.message.contains("unknown profile"), "{e}");
}

#[test]
fn profiles_doc_lists_the_best_practice_rules() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/profiles.md");
    let text = std::fs::read_to_string(path).unwrap();
    let (_, rest) = text.split_once("<!-- best-practice:start -->").unwrap();
    let (list, _) = rest.split_once("<!-- best-practice:end -->").unwrap();
    let listed: Vec<&str> = list
        .lines()
        .filter_map(|l| l.strip_prefix("- `")?.strip_suffix('`'))
        .collect();
    assert_eq!(listed, kubeguard_rules::profile::BEST_PRACTICE_RULES);
}
