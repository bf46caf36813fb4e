//! Policy files: the documented example parses, and every mistake is
//! reported with file:line:col and, for misspelt keys, a suggestion.

use kubeguard_admission::policy::{Action, FailureMode, RuleSelector};
use kubeguard_admission::{Engine, Policy};
use std::path::Path;

fn err(yaml: &str) -> String {
    match Policy::from_text("p.yaml", yaml, None).and_then(Engine::new) {
        Ok(_) => panic!("accepted: {yaml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn mistakes_are_located_and_explained() {
    let cases = [
        (
            "failureMod: deny\n",
            "p.yaml:1:1: unknown key \"failureMod\" in the policy (did you mean \"failureMode\"?)",
        ),
        (
            "failureMode: maybe\n",
            "p.yaml:1:14: failureMode must be one of deny, allow, found \"maybe\"",
        ),
        (
            "rules:\n  - select: [privileged-containers]\n    action: deny\n",
            "p.yaml:2:14: unknown rule \"privileged-containers\" (did you mean \"privileged-container\"?)",
        ),
        (
            "rules:\n  - select: [host-pid]\n",
            "p.yaml:2:5: missing action",
        ),
        (
            "rules:\n  - {select: [host-pid], minSeverity: high, action: deny}\n",
            "exactly one of select",
        ),
        (
            "rules:\n  - {minSeverity: severe, action: deny}\n",
            "p.yaml:2:19: unknown severity \"severe\"",
        ),
        (
            "images: {allowedRegistry: [x], action: deny}\n",
            "(did you mean \"allowedRegistries\"?)",
        ),
        (
            "images: {requireDigest: yes please, action: deny}\n",
            "images.requireDigest must be true or false",
        ),
        (
            "podSecurity:\n  defaults: {enforce: strict}\n",
            "p.yaml:2:23: enforce must be privileged, baseline or restricted",
        ),
        (
            "podSecurity:\n  defaults: {enforce-version: \"1.25\"}\n",
            "enforce-version must be \"latest\" or \"v1.N\"",
        ),
        (
            "podSecurity: {configFile: x.yaml, defaults: {}}\n",
            "exclude each other",
        ),
        (
            "podSecurity: {configFile: /nonexistent/pss.yaml}\n",
            "/nonexistent/pss.yaml: cannot read Pod Security configuration",
        ),
        (
            "customRules:\n  - name: Bad_Name\n    expression: 'true'\n    message: m\n    action: deny\n",
            "p.yaml:2:11: custom rule name \"Bad_Name\"",
        ),
        (
            "customRules:\n  - name: r\n    expression: 'object.metadata.name =='\n    message: m\n    action: deny\n",
            "p.yaml:3:17: custom rule \"r\": the expression does not parse",
        ),
        (
            "customRules:\n  - name: r\n    expression: 'variables.x == 1'\n    message: m\n    action: deny\n",
            "p.yaml:3:17: custom rule \"r\": variables.x is not defined before this expression (defined: none)",
        ),
        (
            "customRules:\n  - name: r\n    expression: 'authorizer.group(\"\").resource(\"pods\").check(\"get\").allowed()'\n    message: m\n    action: deny\n",
            "the variable authorizer is not supported",
        ),
        (
            "customRules:\n  - name: r\n    expression: 'variables.b'\n    message: m\n    action: deny\n    variables:\n      - {name: a, expression: 'variables.b'}\n      - {name: b, expression: 'true'}\n",
            "p.yaml:7:31: custom rule \"r\" variable \"a\": variables.b is not defined before this expression (defined: none)",
        ),
        (
            "customRules:\n  - name: r\n    expression: 'true'\n    message: m\n    action: deny\n    variables:\n      - {name: 1st, expression: 'true'}\n",
            "p.yaml:7:16: variable name \"1st\" must be a CEL identifier",
        ),
        (
            "customRules:\n  - name: r\n    expression: 'true'\n    message: m\n    action: deny\n    variables:\n      - {name: a, expression: 'true'}\n      - {name: a, expression: 'false'}\n",
            "p.yaml:8:16: duplicate variable name \"a\"",
        ),
        (
            "customRules:\n  - name: r\n    expression: 'true'\n    message: m\n    action: deny\n    variables:\n      - {name: a, expression: 'object.'}\n",
            "p.yaml:7:31: custom rule \"r\" variable \"a\": the expression does not parse",
        ),
        (
            "customRules:\n  - name: r\n    expression: 'true'\n    message: m\n    action: deny\n    variables: {a: b}\n",
            "p.yaml:6:16: variables must be a list of {name, expression}",
        ),
        (
            "customRules:\n  - name: r\n    expression: 'true'\n    message: m\n    action: deny\n    variables:\n      - {name: a}\n",
            "p.yaml:7:9: a variable needs expression",
        ),
        (
            "customRules:\n  - {name: r, expression: 'true', message: m, action: deny}\n  - {name: r, expression: 'true', message: m, action: deny}\n",
            "p.yaml:3:5: duplicate custom rule name \"r\"",
        ),
        (
            "customRules:\n  - {name: r, message: m, action: deny}\n",
            "a custom rule needs expression",
        ),
        (
            "customRules:\n  - {name: r, expression: 'true', message: m, action: deny, operations: [PATCH]}\n",
            "operation must be CREATE, UPDATE, DELETE or CONNECT",
        ),
        (
            "cluster:\n  namespaces:\n    prod:\n      label: {a: b}\n",
            "p.yaml:4:7: unknown key \"label\" in namespace \"prod\" (did you mean \"labels\"?)",
        ),
        (
            "apiVersion: v1\n",
            "apiVersion must be \"kubeguard.io/v1alpha1\"",
        ),
        (
            "mutation: {enabled: 1}\n",
            "mutation.enabled must be true or false",
        ),
        ("rules: {}\n", "rules must be a list"),
        ("a: [\n", "p.yaml:"),
        ("", "the policy file is empty"),
        ("{}\n---\n{}\n", "one YAML document"),
        ("- a\n", "the policy must be a mapping"),
    ];
    for (yaml, expected) in cases {
        let e = err(yaml);
        assert!(
            e.contains(expected),
            "{yaml:?}\n  got:      {e}\n  expected: {expected}"
        );
    }
}

#[test]
fn a_missing_file_is_named() {
    let e = Policy::from_file(Path::new("/nonexistent/policy.yaml")).expect_err("missing");
    assert!(
        e.to_string()
            .starts_with("/nonexistent/policy.yaml: cannot read policy file"),
        "{e}"
    );
}

#[test]
fn the_documented_example_is_valid_and_complete() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/webhook/policy.yaml");
    let policy = Policy::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy.failure_mode, FailureMode::Deny);
    assert!(policy.pod_security.is_some());
    assert!(!policy.exempt.namespaces.is_empty() && !policy.exempt.users.is_empty());
    assert!(
        policy
            .rules
            .iter()
            .any(|r| matches!(r.selector, RuleSelector::Names(_)))
    );
    assert!(
        policy
            .rules
            .iter()
            .any(|r| matches!(r.selector, RuleSelector::MinSeverity(_)))
    );
    for action in [Action::Deny, Action::Warn, Action::Audit] {
        assert!(
            policy.rules.iter().any(|r| r.action == action),
            "{action:?}"
        );
    }
    assert!(policy.images.is_some() && policy.exec_guard);
    assert!(policy.custom_rules.iter().any(|r| !r.params.is_null()));
    assert!(policy.custom_rules.iter().any(|r| !r.variables.is_empty()));
    assert!(
        !policy.mutation.enabled,
        "the example keeps mutation off, the default"
    );
    let engine = Engine::new(policy).unwrap_or_else(|e| panic!("{e}"));
    assert!(engine.watches().namespaces && engine.watches().pods);
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/webhook-policy.md"),
    )
    .expect("docs/webhook-policy.md exists");
    let example = std::fs::read_to_string(&path).expect("read");
    assert!(
        doc.contains(example.trim()),
        "docs/webhook-policy.md embeds examples/webhook/policy.yaml verbatim"
    );
}

#[test]
fn a_pod_security_configuration_file_is_read_as_kubeguard_pss_reads_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("pss.yaml"),
        "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults:\n  enforce: restricted\nexemptions:\n  usernames: [ci]\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("policy.yaml"),
        "podSecurity:\n  configFile: pss.yaml\n",
    )
    .expect("write");
    let p = Policy::from_file(&dir.path().join("policy.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let ps = p.pod_security.expect("enabled");
    assert_eq!(
        ps.config.defaults.enforce.level,
        kubeguard_pss::Level::Restricted
    );
    assert_eq!(ps.config.exemptions.usernames, ["ci"]);
    std::fs::write(
        dir.path().join("pss.yaml"),
        "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults:\n  enforce: strict\n",
    )
    .expect("write");
    let e = Policy::from_file(&dir.path().join("policy.yaml")).expect_err("bad level");
    assert!(e.to_string().contains("pss.yaml:4:"), "{e}");
}
