//! End-to-end tests of the `kubeguard` binary: exit codes, output formats,
//! configuration, suppressions, stdin, Helm and Kustomize inputs.

use crate::support::{json, kubeguard_in_repo, repo, shared};
use assert_cmd::Command;
use serde_json::Value;

/// The binary from the repository root, with `NO_COLOR` removed from its
/// environment.
fn kubeguard() -> Command {
    let mut cmd = kubeguard_in_repo();
    cmd.env_remove("NO_COLOR");
    cmd
}

const POD_HOST_PID: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: team\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: nginx\n";

#[test]
fn hardened_example_has_no_finding() {
    let out = kubeguard()
        .args(["scan", "examples/hardened-app"])
        .assert()
        .code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.starts_with("No findings"), "{text}");
}

#[test]
fn insecure_example_fails_with_located_findings() {
    let out = kubeguard()
        .args(["scan", "examples/insecure-app", "--format", "json"])
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    assert_eq!(report["tool"], "kubeguard");
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() > 20, "{} findings", findings.len());
    for f in findings {
        for key in [
            "rule",
            "code",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "path",
            "object",
            "remediation",
            "references",
        ] {
            assert!(
                !f[key].is_null() || key == "path",
                "finding lacks {key}: {f}"
            );
        }
        assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
        assert!(f["object"]["kind"].is_string() && f["object"]["apiVersion"].is_string());
    }
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for expected in [
        "privileged-container",
        "host-pid",
        "host-network",
        "runs-as-root",
    ] {
        assert!(rules.contains(&expected), "missing {expected}");
    }
    assert_eq!(
        report["summary"]["findings"].as_u64().unwrap() as usize,
        findings.len()
    );
}

#[test]
fn fail_on_threshold_and_none() {
    kubeguard()
        .args(["scan", "-", "--fail-on", "none"])
        .write_stdin(POD_HOST_PID)
        .assert()
        .code(0);
    kubeguard()
        .args(["scan", "-", "--select", "host-pid", "--fail-on", "critical"])
        .write_stdin(POD_HOST_PID)
        .assert()
        .code(0);
    kubeguard()
        .args(["scan", "-", "--select", "host-pid", "--fail-on", "high"])
        .write_stdin(POD_HOST_PID)
        .assert()
        .code(1);
}

#[test]
fn stdin_findings_name_stdin() {
    let out = kubeguard()
        .args(["scan", "-", "--select", "host-pid", "--format", "json"])
        .write_stdin(POD_HOST_PID)
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    let f = &report["findings"][0];
    assert_eq!(f["file"], "<stdin>");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(7), Some(3))
    );
    assert_eq!(f["path"], "spec.hostPID");
    assert_eq!(f["object"]["namespace"], "team");
}

#[test]
fn select_and_ignore_rules() {
    let out = kubeguard()
        .args([
            "scan",
            "examples/insecure-app",
            "--format",
            "json",
            "--select",
            "host-pid,KG020",
        ])
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    for f in report["findings"].as_array().unwrap() {
        assert!(["host-pid", "host-network"].contains(&f["rule"].as_str().unwrap()));
    }
    let out = kubeguard()
        .args([
            "scan",
            "examples/insecure-app",
            "--format",
            "json",
            "--ignore",
            "host-pid",
        ])
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "host-pid")
    );
}

#[test]
fn unknown_rule_is_a_usage_error_with_a_suggestion() {
    let out = kubeguard()
        .args(["scan", "examples/", "--select", "host-pids"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("unknown rule \"host-pids\"") && err.contains("did you mean \"host-pid\""),
        "{err}"
    );
    kubeguard()
        .args(["scan", "--format", "yaml"])
        .assert()
        .code(2);
}

#[test]
#[cfg_attr(not(shared_data), ignore = "needs ../shared; runs in CI")]
fn sarif_output_is_valid_sarif_2_1_0() {
    let schema_path = shared("schemas/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let out = kubeguard()
        .args(["scan", "examples/insecure-app", "--format", "sarif"])
        .assert()
        .code(1);
    let sarif = json(&out.get_output().stdout);
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(rules[idx]["helpUri"].as_str().unwrap().ends_with(".md"));
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(
            region["startLine"].as_u64().unwrap() >= 1
                && region["startColumn"].as_u64().unwrap() >= 1
        );
    }
}

#[test]
fn junit_and_github_formats() {
    let out = kubeguard()
        .args(["scan", "-", "--select", "host-pid", "--format", "junit"])
        .write_stdin(POD_HOST_PID)
        .assert()
        .code(1);
    let xml = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        xml.contains("<testsuites") && xml.contains("<failure") && xml.contains("host-pid"),
        "{xml}"
    );
    let out = kubeguard()
        .args(["scan", "-", "--select", "host-pid", "--format", "github"])
        .write_stdin(POD_HOST_PID)
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.starts_with("::error file=<stdin>,line=7,col=3,title=host-pid (KG021%2C high)::"),
        "{text}"
    );
}

#[test]
fn text_output_shows_snippet_and_fix() {
    let out = kubeguard()
        .args(["scan", "-", "--select", "host-pid", "--color", "never"])
        .write_stdin(POD_HOST_PID)
        .assert()
        .code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let expected = "── <stdin> (1 finding)\n\n<stdin>:7:3: high [host-pid] Pod team/p: pod sees every process on the node (hostPID: true)\n  |\n7 |   hostPID: true\n  |   ^^^^^^^\n  = path: spec.hostPID\n  = fix: ";
    assert!(
        text.starts_with("1 finding in 1 object and 1 file\n"),
        "{text}"
    );
    assert!(text.contains(expected), "{text}");
    assert!(
        text.contains("1 finding (1 high): 1 object in 1 file checked"),
        "{text}"
    );
}

#[test]
fn output_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    kubeguard()
        .args(["scan", "-", "--format", "json", "--output"])
        .arg(&path)
        .write_stdin(POD_HOST_PID)
        .assert()
        .code(1)
        .stdout("");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(!report["findings"].as_array().unwrap().is_empty());
}

#[test]
fn config_file_is_discovered_and_applied() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), POD_HOST_PID).unwrap();
    std::fs::write(
        dir.path().join(".kubeguard.yaml"),
        "select: [host-pid, runs-as-root]\nseverity:\n  host-pid: low\nignores:\n- rule: runs-as-root\n  name: p\n  reason: test image runs as root\n- rule: host-pid\n  kind: Deployment\n  reason: matches nothing\n- rule: host-pid\n  namespace: team\n  reason: expired\n  expires: 2020-01-01\n",
    )
    .unwrap();
    let out = crate::support::kubeguard()
        .current_dir(dir.path())
        .args(["scan", ".", "--format", "json", "--report-unused-ignores"])
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "host-pid");
    assert_eq!(findings[0]["severity"], "low");
    assert_eq!(report["summary"]["suppressed"], 1);
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["message"].as_str().unwrap())
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("expired on 2020-01-01")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("matched no finding")),
        "{warnings:?}"
    );
}

#[test]
fn bad_config_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".kubeguard.yaml"),
        "select: [all]\nignores:\n- rule: host-pid\n",
    )
    .unwrap();
    let out = crate::support::kubeguard()
        .current_dir(dir.path())
        .args(["scan", "."])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains(".kubeguard.yaml:3:3: an ignore entry needs a reason"),
        "{err}"
    );
}

#[test]
fn inline_ignore_annotation() {
    let pod = POD_HOST_PID.replace(
        "  namespace: team\n",
        "  namespace: team\n  annotations:\n    kubeguard.io/ignore: \"host-pid, host-ipc\"\n",
    );
    let out = kubeguard()
        .args([
            "scan",
            "-",
            "--select",
            "host-pid",
            "--format",
            "json",
            "--report-unused-ignores",
        ])
        .write_stdin(pod)
        .assert()
        .code(0);
    let report = json(&out.get_output().stdout);
    assert!(report["findings"].as_array().unwrap().is_empty());
    assert_eq!(report["summary"]["suppressed"], 1);
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("host-ipc")
    );
}

#[test]
#[cfg_attr(
    not(has_helm_renderer),
    ignore = "needs the Helm renderer: run scripts/install-tools.sh"
)]
fn helm_chart_is_rendered_and_findings_point_into_templates() {
    let helper = repo().join("scripts/helm-template");
    let out = kubeguard()
        .args([
            "scan",
            "examples/helm/webapp",
            "--format",
            "json",
            "--helm-bin",
        ])
        .arg(&helper)
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    let template = "examples/helm/webapp/templates/deployment.yaml";
    let text = std::fs::read_to_string(repo().join(template)).unwrap();
    for f in findings.iter().filter(|f| f["file"] == template) {
        let line = text
            .lines()
            .nth(f["line"].as_u64().unwrap() as usize - 1)
            .unwrap();
        // The line shows the offending key, or (for a line the template
        // computes, such as `namespace: {{ .Release.Namespace }}`) one of its parents.
        let path = f["path"].as_str().unwrap();
        let keys: Vec<&str> = path
            .split(['.', '['])
            .filter(|k| !k.is_empty() && !k.ends_with(']'))
            .collect();
        assert!(
            keys.iter().any(|k| line.contains(k)),
            "finding {} at line {line:?} shows no key of {path}",
            f["rule"]
        );
    }
    // --set is passed through to the renderer.
    let out = kubeguard()
        .args([
            "scan",
            "examples/helm/webapp",
            "--format",
            "json",
            "--select",
            "host-network",
            "--set",
            "hostNetwork=true",
            "--helm-bin",
        ])
        .arg(&helper)
        .assert();
    let report = json(&out.get_output().stdout);
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
}

#[test]
fn helm_missing_is_a_clear_error() {
    let out = kubeguard()
        .args([
            "scan",
            "examples/helm/webapp",
            "--helm-bin",
            "/nonexistent/helm",
        ])
        .assert()
        .code(2);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("examples/helm/webapp:1:1: error: cannot run helm template")
            && text.contains("--helm-bin"),
        "{text}"
    );
}

/// A repository with a base, an overlay that patches it, a manifest the
/// base leaves out of `resources:`, and a patch file.
const KUSTOMIZE_TREE: &[(&str, &str)] = &[
    ("base/kustomization.yaml", "resources:\n- deployment.yaml\n"),
    (
        "base/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        image: registry.example.com/api:1.0\n        securityContext:\n          privileged: true\n",
    ),
    (
        "base/loadgenerator.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: loadgen\nspec:\n  template:\n    spec:\n      containers:\n      - name: load\n        image: registry.example.com/load:1.0\n        securityContext:\n          privileged: true\n",
    ),
    (
        "overlays/prod/kustomization.yaml",
        "resources:\n- ../../base\nnamePrefix: prod-\nnamespace: prod\npatches:\n- path: host-network.yaml\n",
    ),
    (
        "overlays/prod/host-network.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      hostNetwork: true\n",
    ),
];

#[test]
#[cfg_attr(
    not(has_kubectl),
    ignore = "needs kubectl: run scripts/install-tools.sh"
)]
fn kustomize_findings_name_the_source_file_and_files_beside_it_are_scanned() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in KUSTOMIZE_TREE {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = kubeguard()
        .current_dir(dir.path())
        .args([
            "scan",
            ".",
            "--format",
            "json",
            "--select",
            "host-network,privileged-container",
        ])
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    let found: Vec<(String, String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("./")
                    .to_owned(),
                f["line"].as_u64().unwrap(),
                f["object"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        // The overlay's object, traced to the base file and the line the
        // field is written on; the base is not rendered again on its own.
        (
            "privileged-container",
            "base/deployment.yaml",
            12,
            "prod-api",
        ),
        // Added by the overlay's patch: the line of the patch that writes it.
        (
            "host-network",
            "overlays/prod/host-network.yaml",
            8,
            "prod-api",
        ),
        // Left out of `resources:`, scanned as a plain manifest.
        (
            "privileged-container",
            "base/loadgenerator.yaml",
            12,
            "loadgen",
        ),
    ];
    for (rule, file, line, name) in expected {
        assert!(
            found.contains(&(rule.into(), file.into(), line, name.into())),
            "missing {rule} {file}:{line} {name} in {found:?}"
        );
    }
    // The patch file is not a manifest of its own.
    assert_eq!(found.len(), expected.len(), "{found:?}");
}

/// An overlay chain in the shape real ones take: the base's legacy
/// `patchesStrategicMerge` adds `hostIPC`; the overlay's strategic merge
/// patch makes a sidecar privileged, its JSON 6902 patch file adds
/// `hostNetwork`, and its inline JSON 6902 patch adds `hostPID` and
/// replaces the image of the first container (`proxy`, which the strategic
/// merge patch moved first).
const PATCHED_TREE: &[(&str, &str)] = &[
    (
        "base/kustomization.yaml",
        "resources:\n- deployment.yaml\npatchesStrategicMerge:\n- host-ipc.yaml\n",
    ),
    (
        "base/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n      - name: api\n        image: registry.example.com/api:1.0\n      - name: proxy\n        image: registry.example.com/proxy:1.0\n",
    ),
    (
        "base/host-ipc.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      hostIPC: true\n",
    ),
    (
        "overlays/prod/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- ../../base\nnamePrefix: prod-\npatches:\n- path: privileged.yaml\n- path: host-network.yaml\n  target:\n    kind: Deployment\n    name: api\n- target:\n    kind: Deployment\n    name: api\n  patch: |-\n    - op: add\n      path: /spec/template/spec/hostPID\n      value: true\n    - op: replace\n      path: /spec/template/spec/containers/0/image\n      value: registry.example.com/api:latest\n",
    ),
    (
        "overlays/prod/privileged.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n      - name: proxy\n        securityContext:\n          privileged: true\n",
    ),
    (
        "overlays/prod/host-network.yaml",
        "- op: add\n  path: /spec/template/spec/hostNetwork\n  value: true\n",
    ),
];

#[test]
#[cfg_attr(
    not(has_kubectl),
    ignore = "needs kubectl: run scripts/install-tools.sh"
)]
fn kustomize_patch_fields_point_at_the_patch_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in PATCHED_TREE {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let scan = |format: &str| {
        let out = kubeguard()
            .current_dir(dir.path())
            .args([
                "scan",
                "overlays/prod",
                "--format",
                format,
                "--color",
                "never",
            ])
            .args([
                "--select",
                "host-ipc,host-network,host-pid,image-tag-not-pinned,privileged-container",
            ])
            .assert()
            .code(1);
        String::from_utf8_lossy(&out.get_output().stdout).into_owned()
    };
    let report = json(scan("json"));
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    let mut found: Vec<(String, String, u64, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    let expected = [
        // The key in the base's strategic merge patch.
        ("host-ipc", "base/host-ipc.yaml", 8, 7),
        // The `path:` of the operation in the JSON 6902 patch file.
        ("host-network", "overlays/prod/host-network.yaml", 2, 3),
        // The `path:` of the inline operations, in the kustomization.
        ("host-pid", "overlays/prod/kustomization.yaml", 17, 7),
        (
            "image-tag-not-pinned",
            "overlays/prod/kustomization.yaml",
            20,
            7,
        ),
        // The key in the overlay's strategic merge patch.
        (
            "privileged-container",
            "overlays/prod/privileged.yaml",
            11,
            11,
        ),
    ];
    let expected: Vec<(String, String, u64, u64)> = expected
        .iter()
        .map(|(r, f, l, c)| ((*r).to_owned(), (*f).to_owned(), *l, *c))
        .collect();
    assert_eq!(found, expected);
    let text = scan("text");
    assert!(
        text.contains("overlays/prod/privileged.yaml:11:11: critical [privileged-container]")
            && text.contains("|           privileged: true"),
        "{text}"
    );
    // One object, though its findings point into four files.
    assert!(
        text.starts_with("5 findings in 1 object and 4 files"),
        "{text}"
    );
    let grouped = kubeguard()
        .current_dir(dir.path())
        .args([
            "scan",
            "overlays/prod",
            "--group-by",
            "object",
            "--color",
            "never",
        ])
        .args([
            "--select",
            "host-ipc,host-network,host-pid,image-tag-not-pinned,privileged-container",
        ])
        .assert()
        .code(1);
    let grouped = String::from_utf8_lossy(&grouped.get_output().stdout).into_owned();
    assert_eq!(
        grouped
            .matches("── Deployment default/prod-api (base/deployment.yaml) ── 5 findings")
            .count(),
        1,
        "{grouped}"
    );
    let github = scan("github");
    assert!(
        github.contains("file=overlays/prod/host-network.yaml,line=2,col=3"),
        "{github}"
    );
    let sarif = json(scan("sarif"));
    let locations: Vec<(String, u64)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                loc["artifactLocation"]["uri"].as_str().unwrap().to_owned(),
                loc["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    for (file, line) in [
        ("base/host-ipc.yaml", 8),
        ("overlays/prod/host-network.yaml", 2),
        ("overlays/prod/kustomization.yaml", 17),
        ("overlays/prod/privileged.yaml", 11),
    ] {
        assert!(
            locations.contains(&(file.to_owned(), line)),
            "{file}:{line} in {locations:?}"
        );
    }
    let html = scan("html");
    for file in [
        "base/host-ipc.yaml",
        "overlays/prod/host-network.yaml",
        "overlays/prod/kustomization.yaml",
        "overlays/prod/privileged.yaml",
    ] {
        assert!(html.contains(file), "html names {file}");
    }
    assert!(
        !html.contains("base/deployment.yaml"),
        "html names the base"
    );
    // Pod Security findings point at the patches too.
    let out = kubeguard()
        .current_dir(dir.path())
        .args([
            "scan",
            "overlays/prod",
            "--pss",
            "baseline",
            "--format",
            "json",
        ])
        .args(["--select", "pod-security-standard"])
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    let places: Vec<(&str, u64, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            ("overlays/prod/host-network.yaml", 2, 3),
            ("overlays/prod/privileged.yaml", 11, 11),
        ]
    );
}

#[test]
#[cfg_attr(
    not(has_kubectl),
    ignore = "needs kubectl: run scripts/install-tools.sh"
)]
fn kustomize_patch_findings_are_suppressed_through_their_object() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in PATCHED_TREE {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // The base's object opts out of host-network, which a patch adds.
        let text = if *name == "base/deployment.yaml" {
            text.replacen(
                "  name: api\n",
                "  name: api\n  annotations:\n    kubeguard.io/ignore: host-network\n",
                1,
            )
        } else {
            (*text).to_owned()
        };
        std::fs::write(path, text).unwrap();
    }
    // An ignore by the path of the file that holds the object.
    std::fs::write(
        dir.path().join("kg.yaml"),
        "ignores:\n- rule: host-pid\n  path: base/deployment.yaml\n  reason: the base owns it\n",
    )
    .unwrap();
    let out = kubeguard()
        .current_dir(dir.path())
        .args([
            "scan",
            "overlays/prod",
            "--config",
            "kg.yaml",
            "--format",
            "json",
        ])
        .args(["--select", "host-ipc,host-network,host-pid"])
        .args(["--report-unused-ignores"])
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["host-ipc"], "{report}");
    assert_eq!(report["summary"]["suppressed"], 2, "{report}");
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
}

#[test]
#[cfg_attr(
    not(has_kubectl),
    ignore = "needs kubectl: run scripts/install-tools.sh"
)]
fn kustomize_patch_lines_that_hold_a_secret_are_not_shown() {
    let dir = tempfile::tempdir().unwrap();
    let tree = [
        ("base/kustomization.yaml", "resources:\n- deployment.yaml\n"),
        (PATCHED_TREE[1].0, PATCHED_TREE[1].1),
        (
            "overlay/kustomization.yaml",
            "resources:\n- ../base\npatches:\n- path: debug.json\n  target: {kind: Deployment, name: api}\n",
        ),
        // One line adds a container and writes a credential.
        (
            "overlay/debug.json",
            "[{\"op\": \"add\", \"path\": \"/spec/template/spec/containers/-\", \"value\": {\"name\": \"debug\", \"image\": \"busybox\", \"env\": [{\"name\": \"DB_PASSWORD\", \"value\": \"Zq8vLw3Xr1\"}]}}]\n",
        ),
    ];
    for (name, text) in tree {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    for format in ["text", "json", "sarif", "html"] {
        let out = kubeguard()
            .current_dir(dir.path())
            .args(["scan", "overlay", "--format", format, "--color", "never"])
            .assert()
            .code(1);
        let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(stdout.contains("overlay/debug.json"), "{format}: {stdout}");
        assert!(
            !stdout.contains("Zq8vLw3Xr1"),
            "{format} shows the secret: {stdout}"
        );
    }
}

/// Two objects whose names share `api`: each patch applies only to the
/// object its target selects (a label selector, a whole-name match), and
/// the `images` entry retags the image of one.
const TARGETED_TREE: &[(&str, &str)] = &[
    (
        "base/kustomization.yaml",
        "resources:\n- deployments.yaml\n",
    ),
    (
        "base/deployments.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels: {app: api}\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n      - name: api\n        image: registry.example.com/api:1.0\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: internal-api\n  labels: {app: internal}\nspec:\n  selector:\n    matchLabels: {app: internal}\n  template:\n    metadata:\n      labels: {app: internal}\n    spec:\n      containers:\n      - name: api\n        image: registry.example.com/internal:1.0\n",
    ),
    (
        "overlays/prod/kustomization.yaml",
        "resources:\n- ../../base\nnamePrefix: prod-\npatches:\n- target: {labelSelector: app=internal}\n  patch: |-\n    - op: add\n      path: /spec/template/spec/hostPID\n      value: true\n- target: {kind: Deployment, name: api}\n  patch: |-\n    - op: add\n      path: /spec/template/spec/hostPID\n      value: true\nimages:\n- name: registry.example.com/api\n  newTag: latest\n",
    ),
];

#[test]
#[cfg_attr(
    not(has_kubectl),
    ignore = "needs kubectl: run scripts/install-tools.sh"
)]
fn kustomize_findings_point_at_the_patch_that_targets_the_object() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in TARGETED_TREE {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = kubeguard()
        .current_dir(dir.path())
        .args(["scan", "overlays/prod", "--format", "json"])
        .args(["--select", "host-pid,image-tag-not-pinned"])
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    let mut found: Vec<(String, String, String, u64, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["object"]["name"].as_str().unwrap().to_owned(),
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort();
    let kustomization = "overlays/prod/kustomization.yaml";
    let expected = [
        // The second patch names `api` only; the first selects by label.
        ("host-pid", "prod-api", kustomization, 13, 7),
        ("host-pid", "prod-internal-api", kustomization, 8, 7),
        // The `newTag` of the `images` entry that set `latest`.
        ("image-tag-not-pinned", "prod-api", kustomization, 17, 3),
    ];
    let expected: Vec<(String, String, String, u64, u64)> = expected
        .iter()
        .map(|(r, o, f, l, c)| ((*r).into(), (*o).into(), (*f).into(), *l, *c))
        .collect();
    assert_eq!(found, expected);
}

#[test]
#[cfg_attr(
    not(has_kubectl),
    ignore = "needs kubectl: run scripts/install-tools.sh"
)]
fn kustomize_inline_patch_over_several_lines_is_located_on_each() {
    let dir = tempfile::tempdir().unwrap();
    let tree = [
        TARGETED_TREE[0],
        TARGETED_TREE[1],
        (
            "overlay/kustomization.yaml",
            "resources:\n- ../base\npatches:\n- target: {name: api}\n  patch: '[{\"op\": \"add\", \"path\": \"/spec/template/spec/hostPID\", \"value\": true},\n    {\"op\": \"add\", \"path\": \"/spec/template/spec/hostIPC\", \"value\": true}]'\n",
        ),
    ];
    for (name, text) in tree {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = kubeguard()
        .current_dir(dir.path())
        .args(["scan", "overlay", "--format", "json"])
        .args(["--select", "host-ipc,host-pid"])
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    let mut found: Vec<(&str, &str, u64, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    found.sort_unstable();
    assert_eq!(
        found,
        [
            ("host-ipc", "overlay/kustomization.yaml", 6, 19),
            ("host-pid", "overlay/kustomization.yaml", 5, 26),
        ]
    );
}

#[test]
fn rules_command_lists_and_explains() {
    let out = kubeguard().args(["rules"]).assert().code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("KG001  privileged-container"));
    let profile_of = |name: &str| {
        let line = text
            .lines()
            .find(|l| l.contains(&format!(" {name} ")))
            .unwrap();
        line.split_whitespace().nth(3).unwrap().to_owned()
    };
    assert_eq!(profile_of("privileged-container"), "security");
    assert_eq!(profile_of("low-user-id"), "best-practice");
    let out = kubeguard().args(["rules", "low-user-id"]).assert().code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("| Profile | [`best-practice`](../profiles.md) |"));
    let out = kubeguard().args(["rules", "host-pid"]).assert().code(0);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("## Why it matters") && text.contains("## How to fix"));
    kubeguard().args(["rules", "KG021"]).assert().code(0);
    let out = kubeguard().args(["rules", "nope"]).assert().code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("unknown rule"));
    let out = kubeguard()
        .args(["rules", "--format", "json"])
        .assert()
        .code(0);
    let rules = json(&out.get_output().stdout);
    assert!(rules.as_array().unwrap().len() >= 5);
    let profile_of = |name: &str| {
        rules
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["profile"]
            .clone()
    };
    assert_eq!(profile_of("host-pid"), "security");
    assert_eq!(profile_of("default-namespace"), "best-practice");
}

#[test]
fn secret_values_never_appear_in_any_format() {
    let input = "apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: default}\nstringData: {password: xyzzy-stringdata}\ndata:\n  token: aHVudGVyMi1kYXRh\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  containers:\n  - name: c\n    image: nginx:latest\n    env:\n    - {name: DB_PASSWORD, value: xyzzy-env}\n    - name: API_TOKEN\n      value: xyzzy-block\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: default}\ndata:\n  api.key: xyzzy7vK2m0c9ZB4nT8rW3sLd6Fh5Jg\n  DATABASE_URL: postgres://app:xyzzy-url@db:5432/app\n";
    for format in ["text", "json", "sarif", "junit", "github"] {
        let out = kubeguard()
            .args(["scan", "-", "--format", format, "--color", "never"])
            .write_stdin(input)
            .assert()
            .code(1);
        let output = out.get_output();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(all.contains("hardcoded-secret-in-env"), "{format}: {all}");
        assert!(
            all.contains("hardcoded-secret-in-configmap"),
            "{format}: {all}"
        );
        for secret in ["xyzzy", "aHVudGVyMi1kYXRh"] {
            assert!(
                !all.contains(secret),
                "{format} output shows a secret value:\n{all}"
            );
        }
    }
}

#[test]
fn empty_directory_warns_and_passes() {
    let dir = tempfile::tempdir().unwrap();
    let out = kubeguard().args(["scan"]).arg(dir.path()).assert().code(0);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("warning: no *.yaml, *.yml or *.json files"),
        "{err}"
    );
}

#[test]
fn scan_pss_reports_violations_and_honours_namespace_enforce_labels() {
    let dir = tempfile::tempdir().unwrap();
    // "strict" enforces baseline, which the pod meets; "open" has no label,
    // so --pss restricted applies there.
    std::fs::write(
        dir.path().join("namespaces.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: strict\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: open\n",
    )
    .unwrap();
    let pod = |ns: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: {ns}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      runAsUser: 0\n"
        )
    };
    std::fs::write(dir.path().join("strict.yaml"), pod("strict")).unwrap();
    std::fs::write(dir.path().join("open.yaml"), pod("open")).unwrap();
    let out = kubeguard()
        .args([
            "scan",
            "--no-config",
            "--select",
            "host-pid",
            "--format",
            "json",
            "--pss",
            "restricted:v1.30",
        ])
        .arg(dir.path())
        .assert()
        .code(1);
    let report = json(&out.get_output().stdout);
    let pss: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "pod-security-standard")
        .collect();
    assert!(!pss.is_empty());
    assert!(
        pss.iter()
            .all(|f| f["file"].as_str().unwrap().ends_with("open.yaml")),
        "{pss:?}"
    );
    let run_as_user = pss
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("runAsUser=0"))
        .expect("a runAsUser finding");
    assert_eq!(
        run_as_user["path"],
        "spec.containers[0].securityContext.runAsUser"
    );
    assert_eq!(
        (run_as_user["line"].as_u64(), run_as_user["column"].as_u64()),
        (Some(11), Some(7))
    );
    assert!(
        run_as_user["message"]
            .as_str()
            .unwrap()
            .starts_with("violates PodSecurity \"restricted:v1.30\"")
    );

    kubeguard()
        .args(["scan", "-", "--pss", "strictest"])
        .write_stdin(POD_HOST_PID)
        .assert()
        .code(2);
    let out = kubeguard()
        .args(["rules", "pod-security-standard"])
        .assert()
        .code(0);
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("## What it does"));
}
