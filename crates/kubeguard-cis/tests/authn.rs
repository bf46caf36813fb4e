//! The API server's `--authentication-config` on a fake control plane
//! node: 1.2.1 reads its `anonymous` section (health endpoints only is
//! compliant), falls back to `--anonymous-auth` without one, and a file
//! that cannot be read or parsed is a located error, never a panic.

mod support;

use Status::{Fail, Pass, Warn};
use kubeguard_cis::{Benchmark, Options, Status, Target};
use support::*;

const AUTHN: &str = "/etc/kubernetes/authn.yaml";

fn control_plane(authn: Option<&str>, extra: &[&str]) -> FakeNode {
    let node = FakeNode::new(false);
    kubeadm_files(&node, "v1.33.1");
    if let Some(text) = authn {
        node.file(AUTHN, text, 0o600);
    }
    let mut api = KUBEADM_APISERVER.to_vec();
    api.push("--authentication-config=/etc/kubernetes/authn.yaml");
    api.extend(extra);
    node.process(1201, &api);
    node
}

fn run(node: &FakeNode) -> kubeguard_cis::Report {
    node.run(&Options {
        benchmark: Some(Benchmark::Cis112),
        targets: vec![Target::Master],
        ..Options::default()
    })
}

const HEALTH_ONLY: &str = "apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
anonymous:
  enabled: true
  conditions:
  - path: /livez
  - path: /readyz
  - path: /healthz
jwt:
- issuer:
    url: https://issuer.example.com
    audiences: [kubernetes]
  claimMappings:
    username:
      claim: sub
      prefix: \"oidc:\"
";

#[test]
fn anonymous_only_to_health_endpoints_is_compliant() {
    let node = control_plane(Some(HEALTH_ONLY), &[]);
    let report = run(&node);
    let c = check(&report, "1.2.1");
    assert_eq!(c.status, Pass, "{c:?}");
    assert_eq!(c.evidence, format!("{AUTHN}:6"));
    assert_eq!(
        c.actual,
        "anonymous requests only to /livez, /readyz, /healthz"
    );
    assert!(report.errors.is_empty());

    // Another endpoint in the allowlist fails, pointing at the conditions.
    let node = control_plane(
        Some(&HEALTH_ONLY.replace(
            "  - path: /healthz\n",
            "  - path: /healthz\n  - path: /api\n",
        )),
        &[],
    );
    let report = run(&node);
    let c = check(&report, "1.2.1");
    assert_eq!(
        (c.status, c.actual.as_str(), c.evidence.as_str()),
        (
            Fail,
            "anonymous requests also to /api",
            &*format!("{AUTHN}:6")
        )
    );
    let f = kubeguard_cis::rules::findings(&report.checks, "cp-1");
    let f = f.iter().find(|f| f.rule == "cis-1-2-1").unwrap();
    assert_eq!((&*f.file, f.pos.line), (AUTHN, 6));

    // Enabled with no conditions: every endpoint.
    let node = control_plane(
        Some(
            "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: true\n",
        ),
        &[],
    );
    let c = check(&run(&node), "1.2.1").clone();
    assert_eq!(
        (c.status, c.evidence.as_str()),
        (Fail, &*format!("{AUTHN}:4"))
    );
    assert!(c.actual.contains("reach every endpoint"), "{}", c.actual);

    // Disabled in the file: compliant, whatever the default of the flag.
    let node = control_plane(
        Some(
            "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: false\n",
        ),
        &[],
    );
    let c = check(&run(&node), "1.2.1").clone();
    assert_eq!(
        (c.status, c.evidence.as_str(), c.actual.as_str()),
        (Pass, &*format!("{AUTHN}:4"), "anonymous.enabled: false")
    );
}

#[test]
fn without_an_anonymous_section_the_flag_decides() {
    let jwt_only = "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\njwt:\n- issuer:\n    url: https://issuer.example.com\n    audiences: [kubernetes]\n  claimMappings:\n    username:\n      claim: sub\n";
    let node = control_plane(Some(jwt_only), &[]);
    let c = check(&run(&node), "1.2.1").clone();
    assert_eq!(
        (c.status, c.evidence.as_str(), c.actual.as_str()),
        (Fail, "kube-apiserver default", "true")
    );
    let node = control_plane(Some(jwt_only), &["--anonymous-auth=false"]);
    let c = check(&run(&node), "1.2.1").clone();
    assert_eq!(
        (c.status, c.evidence.as_str()),
        (Pass, "kube-apiserver (pid 1201) --anonymous-auth=false")
    );
    // Both the flag and an anonymous section: the file decides, and the
    // conflict kube-apiserver refuses is named.
    let node = control_plane(Some(HEALTH_ONLY), &["--anonymous-auth=true"]);
    let c = check(&run(&node), "1.2.1").clone();
    assert_eq!(c.status, Pass);
    assert!(
        c.actual.contains("--anonymous-auth is also set"),
        "{}",
        c.actual
    );
}

#[test]
fn broken_or_missing_files_are_located_never_guessed() {
    // Does not parse: file:line:col, and 1.2.1 is not checkable.
    let node = control_plane(
        Some(
            "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: [true\n",
        ),
        &[],
    );
    let report = run(&node);
    assert_eq!(report.errors.len(), 1);
    let e = &report.errors[0];
    assert_eq!(e.file, AUTHN);
    assert!(e.pos.line >= 4, "{e}");
    let c = check(&report, "1.2.1");
    assert_eq!(c.status, Warn);
    assert!(
        c.actual
            .contains(&format!("{AUTHN}:{}:{}", e.pos.line, e.pos.col)),
        "{}",
        c.actual
    );
    // Other checks still run.
    assert_eq!(check(&report, "1.2.6").status, Pass);

    // Not a boolean, another kind, an unknown version: where kube-apiserver would refuse it.
    for (text, line, col, says) in [
        (
            "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: sometimes\n",
            4,
            3,
            "anonymous.enabled must be true or false",
        ),
        (
            "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\n",
            2,
            1,
            "not AuthenticationConfiguration",
        ),
        (
            "kind: AuthenticationConfiguration\napiVersion: apiserver.config.k8s.io/v2\n",
            2,
            1,
            "is not one kube-apiserver reads",
        ),
    ] {
        let report = run(&control_plane(Some(text), &[]));
        let e = &report.errors[0];
        assert_eq!((e.pos.line, e.pos.col), (line, col), "{e}");
        assert!(e.message.contains(says), "{e}");
        assert_eq!(check(&report, "1.2.1").status, Warn);
    }

    // Missing under the root: not checkable, unless the flag decides
    // (kube-apiserver refuses the flag beside an anonymous section).
    let node = control_plane(None, &[]);
    let report = run(&node);
    let c = check(&report, "1.2.1");
    assert_eq!(c.status, Warn);
    assert!(
        c.actual.contains("not readable under the root"),
        "{}",
        c.actual
    );
    assert!(report.errors.is_empty());
    let node = control_plane(None, &["--anonymous-auth=false"]);
    assert_eq!(check(&run(&node), "1.2.1").status, Pass);
}
