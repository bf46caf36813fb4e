//! Custom CEL rules: variables (and VAP `variables`), optional syntax, the
//! Kubernetes library functions the docs
//! list as supported, actions, applicability and runtime errors.

mod common;

use common::*;
use kubeguard_admission::{Endpoint, StaticCluster};
use serde_json::json;

fn rule(expression: &str) -> String {
    format!(
        "customRules:\n  - name: r\n    expression: {}\n    message: rule failed\n    action: deny\n    params: {{max: 3, names: [a, b]}}\n",
        serde_json::to_string(expression).expect("quote")
    )
}

fn object() -> serde_json::Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "Web-API", "namespace": "prod", "labels": {"team": " core "}},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [
            {"name": "a", "image": "ghcr.io/acme/api:1.2", "ports": [{"containerPort": 80}, {"containerPort": 443}]},
            {"name": "b", "image": "nginx:1.25"}]}}}})
}

/// `expr` holds for `object()` (the request is allowed without a policy
/// error) and its negation fails the rule, so a function that silently
/// returns the wrong value is caught.
fn assert_holds(expr: &str) {
    let c = StaticCluster::default();
    let e = engine(&rule(expr));
    let (resp, r) = review(&e, &create(&object(), "alice"), Endpoint::Validate, &c);
    assert_eq!(resp["allowed"], true, "{expr}: {resp}");
    assert_eq!(r.policy_errors, 0, "{expr}");
    let negated = engine(&rule(&format!("!({expr})")));
    let (resp, _) = review(
        &negated,
        &create(&object(), "alice"),
        Endpoint::Validate,
        &c,
    );
    assert_eq!(resp["allowed"], false, "!({expr}): {resp}");
    assert_eq!(
        resp["status"]["message"], "custom rule r: rule failed",
        "{expr}"
    );
}

/// Every expression here must hold for `object()`; each is also checked
/// negated, so a function that silently returns the wrong value fails.
#[test]
fn supported_functions_evaluate() {
    let holds = [
        // variables
        "object.metadata.name == 'Web-API'",
        "oldObject == null",
        "request.operation == 'CREATE' && request.userInfo.username == 'alice'",
        "request.kind.kind == 'Deployment' && request.namespace == 'prod'",
        "params.max == 3 && params.names == ['a', 'b']",
        // macros and has()
        "has(object.spec.replicas) && !has(object.spec.paused)",
        "object.spec.template.spec.containers.all(c, c.name.size() == 1)",
        "object.spec.template.spec.containers.exists(c, c.image.startsWith('nginx'))",
        "object.spec.template.spec.containers.exists_one(c, c.name == 'b')",
        "object.spec.template.spec.containers.map(c, c.name) == ['a', 'b']",
        "object.spec.template.spec.containers.filter(c, has(c.ports)).size() == 1",
        // strings
        "object.metadata.name.lowerAscii() == 'web-api'",
        "object.metadata.name.upperAscii() == 'WEB-API'",
        "object.metadata.labels.team.trim() == 'core'",
        "'a,b,c'.split(',') == ['a', 'b', 'c']",
        "['a', 'b'].join('-') == 'a-b'",
        "'a-b-c'.replace('-', '+') == 'a+b+c'",
        "'banana'.indexOf('an') == 1",
        "'banana'.lastIndexOf('an') == 3",
        "'kubeguard'.substring(4) == 'guard'",
        "'kubeguard'.substring(0, 4) == 'kube'",
        "'abc'.charAt(1) == 'b'",
        "object.metadata.name.matches('^[A-Za-z-]+$')",
        "object.metadata.name.contains('API') && object.metadata.name.endsWith('API')",
        // lists
        "[1, 2, 3].isSorted() && ![3, 1].isSorted()",
        "[1, 2, 3].sum() == 6",
        "[4, 2, 9].min() == 2 && [4, 2, 9].max() == 9",
        "[1, 2, 1].indexOf(1) == 0 && [1, 2, 1].lastIndexOf(1) == 2",
        "object.spec.template.spec.containers[0].ports.map(p, p.containerPort).sum() == 523",
        // regex
        "'image: nginx:1.25'.find('[0-9]+') == '1'",
        "'1 22 333'.findAll('[0-9]+') == ['1', '22', '333']",
        // sets, quantity, math
        "sets.contains(['a', 'b', 'c'], ['a', 'c'])",
        "quantity('1Gi').isGreaterThan(quantity('512Mi'))",
        "math.greatest(1, 5, 3) == 5",
        // IP and CIDR
        "isIP('10.0.0.1') && !isIP('10.0.0.300') && ip('10.0.0.1').family() == 4",
        "ip('127.0.0.1').isLoopback() && ip('::1').family() == 6",
        "cidr('10.0.0.0/8').containsIP(ip('10.1.2.3')) && !cidr('10.0.0.0/8').containsIP('192.168.0.1')",
        "cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && cidr('10.0.0.0/8').prefixLength() == 8",
        "isCIDR('192.168.0.0/24') && !isCIDR('192.168.0.0/33')",
        // URLs
        "isURL('https://example.com:8443/a?b=c') && !isURL('not a url')",
        "url('https://example.com:8443/a').getScheme() == 'https'",
        "url('https://example.com:8443/a').getHostname() == 'example.com'",
        "url('https://example.com:8443/a').getPort() == '8443'",
        "url('https://example.com/a%20b').getEscapedPath() == '/a%20b'",
        // semver
        "isSemver('1.2.3') && !isSemver('1.2')",
        "semver('1.2.3').major() == 1 && semver('1.2.3').minor() == 2 && semver('1.2.3').patch() == 3",
        // JSONPatch keys and named formats
        "jsonpatch.escapeKey('a/b~c') == 'a~1b~0c'",
        "!format.dns1123Label().validate('web-api').hasValue()",
        "format.dns1123Label().validate('Web_API').hasValue()",
        // optionals, timestamps and durations
        "optional.of(1).hasValue() && optional.none().orValue(5) == 5",
        "timestamp('2024-01-02T00:00:00Z').getFullYear() == 2024",
        "duration('1h') > duration('30m')",
        "int('42') == 42 && string(7) == '7' && double(1) == 1.0",
        // numbers from JSON are ints
        "object.spec.replicas + 1 == 3",
        "object.spec.replicas < params.max",
    ];
    for expr in holds {
        assert_holds(expr);
    }
}

#[test]
fn runtime_errors_are_policy_errors() {
    let c = StaticCluster::default();
    for expr in [
        "object.spec.missing.field == 1",
        "object.metadata.name",
        "object.spec.replicas / 0 == 1",
    ] {
        let e = engine(&rule(expr));
        let (resp, r) = review(&e, &create(&object(), "alice"), Endpoint::Validate, &c);
        assert_eq!(r.policy_errors, 1, "{expr}: {resp}");
        assert_eq!(resp["allowed"], false, "{expr}");
        let msg = resp["status"]["message"].as_str().unwrap_or_default();
        assert!(msg.starts_with("policy error: custom rule r:"), "{msg}");
    }
}

#[test]
fn kinds_operations_and_actions_decide_where_a_rule_applies() {
    let policy = r#"
customRules:
  - name: pods-only
    expression: "false"
    message: pods are refused
    action: deny
    kinds: [Pod]
  - name: warn-all
    expression: "false"
    message: noted
    action: warn
  - name: audit-deletes
    expression: "oldObject.metadata.name != 'keep'"
    message: keep must stay
    action: audit
    operations: [DELETE]
"#;
    let e = engine(policy);
    let c = StaticCluster::default();
    let (resp, _) = review(&e, &create(&object(), "alice"), Endpoint::Validate, &c);
    assert_eq!(resp["allowed"], true);
    assert_eq!(warnings(&resp), ["custom rule warn-all: noted"]);
    let p = pod("p", "prod", "nginx:1", json!({}));
    let (resp, _) = review(&e, &create(&p, "alice"), Endpoint::Validate, &c);
    assert_eq!(resp["allowed"], false);
    let keep = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep", "namespace": "prod"}});
    let (resp, _) = review(
        &e,
        &request("DELETE", None, Some(&keep), "alice"),
        Endpoint::Validate,
        &c,
    );
    assert_eq!(resp["allowed"], true);
    assert_eq!(
        resp["auditAnnotations"]["custom-rule.audit-deletes"],
        "custom rule audit-deletes: keep must stay"
    );
    assert!(
        resp.get("warnings").is_none(),
        "warn-all applies to CREATE and UPDATE only"
    );
}

#[test]
fn namespace_object_carries_the_namespace_name_and_labels() {
    let (e, cluster) = engine_and_cluster(
        r#"
customRules:
  - name: prod-needs-digests
    expression: "namespaceObject == null || !has(namespaceObject.metadata.labels.env) || namespaceObject.metadata.labels.env != 'prod' || object.spec.template.spec.containers.all(c, c.image.contains('@sha256:'))"
    message: prod images are pinned by digest
    action: deny
    kinds: [Deployment]
cluster:
  namespaces:
    prod: {labels: {env: prod}}
    dev: {labels: {env: dev}}
"#,
    );
    assert!(
        e.watches().namespaces,
        "namespaceObject needs the namespaces watched"
    );
    let mut d = object();
    let (resp, _) = review(&e, &create(&d, "alice"), Endpoint::Validate, &cluster);
    assert_eq!(resp["allowed"], false, "{resp}");
    d["metadata"]["namespace"] = json!("dev");
    let (resp, _) = review(&e, &create(&d, "alice"), Endpoint::Validate, &cluster);
    assert_eq!(resp["allowed"], true, "{resp}");
    d["metadata"]["namespace"] = json!("unknown");
    let (resp, _) = review(&e, &create(&d, "alice"), Endpoint::Validate, &cluster);
    assert_eq!(resp["allowed"], true, "unknown namespace: null: {resp}");
    assert!(!engine(&rule("true")).watches().namespaces);
}

#[test]
fn variables_are_named_expressions_each_reading_the_ones_before() {
    let policy = r#"
customRules:
  - name: replicas-in-range
    expression: "variables.replicas <= params.max && variables.images.all(i, i.contains(':'))"
    message: out of range
    action: deny
    params: {max: 3}
    variables:
      - name: containers
        expression: "object.spec.template.spec.containers"
      - name: images
        expression: "variables.containers.map(c, c.image)"
      - name: replicas
        expression: "object.spec.replicas"
"#;
    let e = engine(policy);
    let c = StaticCluster::default();
    let (resp, r) = review(&e, &create(&object(), "alice"), Endpoint::Validate, &c);
    assert_eq!(resp["allowed"], true, "{resp}");
    assert_eq!(r.policy_errors, 0);
    let mut d = object();
    d["spec"]["replicas"] = json!(5);
    let (resp, _) = review(&e, &create(&d, "alice"), Endpoint::Validate, &c);
    assert_eq!(resp["allowed"], false, "{resp}");
    assert_eq!(
        resp["status"]["message"],
        "custom rule replicas-in-range: out of range"
    );
}

/// As on the API server, a variable that cannot be evaluated fails the
/// rule only when the rule reads it; the error names the variable.
#[test]
fn a_failing_variable_fails_only_the_rules_that_read_it() {
    let policy = r#"
customRules:
  - name: reads-it
    expression: "variables.paused == false"
    message: m
    action: deny
    variables:
      - {name: paused, expression: "object.spec.paused"}
  - name: short-circuits
    expression: "!has(object.spec.paused) || variables.paused"
    message: m
    action: deny
    variables:
      - {name: paused, expression: "object.spec.paused"}
  - name: unused
    expression: "true"
    message: m
    action: deny
    variables:
      - {name: broken, expression: "object.spec.missing.field"}
"#;
    let e = engine(policy);
    let c = StaticCluster::default();
    let (resp, r) = review(&e, &create(&object(), "alice"), Endpoint::Validate, &c);
    assert_eq!(r.policy_errors, 1, "{resp}");
    let msg = resp["status"]["message"].as_str().unwrap_or_default();
    assert!(
        msg.starts_with("policy error: custom rule reads-it: evaluation failed: variable paused:"),
        "{msg}"
    );
    assert!(
        !msg.contains("short-circuits") && !msg.contains("unused"),
        "{msg}"
    );
}

#[test]
fn optional_field_and_index_syntax() {
    for expr in [
        "object.spec.?paused.orValue(false) == false",
        "object.metadata.?labels.?team.hasValue()",
        "!object.metadata.?annotations.hasValue()",
        "object.spec.template.spec.containers[?5].orValue({'name': 'none'}).name == 'none'",
        "object.metadata.labels[?'team'].value() == ' core '",
        "[?optional.none(), 1] == [1]",
        "{?'a': optional.none(), 'b': 2} == {'b': 2}",
    ] {
        assert_holds(expr);
    }
}

#[test]
fn variables_see_params_and_namespace_object() {
    let (e, cluster) = engine_and_cluster(
        r#"
customRules:
  - name: env-limit
    expression: "variables.limit == 0 || object.spec.replicas <= variables.limit"
    message: too many replicas for this environment
    action: deny
    params: {limits: {prod: 10, dev: 1}}
    variables:
      - name: env
        expression: "namespaceObject == null ? 'none' : namespaceObject.metadata.?labels.?env.orValue('none')"
      - name: limit
        expression: "params.limits[?variables.env].orValue(0)"
cluster:
  namespaces:
    prod: {labels: {env: prod}}
    dev: {labels: {env: dev}}
"#,
    );
    assert!(e.watches().namespaces, "a variable reads namespaceObject");
    let mut d = object();
    let (resp, _) = review(&e, &create(&d, "alice"), Endpoint::Validate, &cluster);
    assert_eq!(resp["allowed"], true, "prod allows 10: {resp}");
    d["metadata"]["namespace"] = json!("dev");
    let (resp, _) = review(&e, &create(&d, "alice"), Endpoint::Validate, &cluster);
    assert_eq!(resp["allowed"], false, "dev allows 1: {resp}");
    d["metadata"]["namespace"] = json!("other");
    let (resp, r) = review(&e, &create(&d, "alice"), Endpoint::Validate, &cluster);
    assert_eq!(resp["allowed"], true, "no limit: {resp}");
    assert_eq!(r.policy_errors, 0);
}
