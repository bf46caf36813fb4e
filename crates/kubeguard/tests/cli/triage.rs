//! Triage in the terminal and baselines: the text report leads with a
//! summary and the most severe findings; `--severity`, `--namespace`,
//! `--group-by`, `--compact`, `--baseline` and `--write-baseline` go
//! through the shared pipeline, so they work on every command that reports
//! findings.

use crate::support::{OTHER_FINDINGS_COMMANDS, json, kubeguard_in_repo, repo, write};
use serde_json::Value;
use std::path::Path;

const EXAMPLE: &str = "examples/insecure-app";

fn run(args: &[&str]) -> (i32, String, String) {
    let out = kubeguard_in_repo()
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn findings(args: &[&str]) -> Vec<Value> {
    let mut with = args.to_vec();
    with.extend(["-f", "json"]);
    let (_, out, _) = run(&with);
    json(out)["findings"].as_array().unwrap().clone()
}

const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// The severity word of each finding line (`file:l:c: SEVERITY [rule] ...`).
fn line_severities(text: &str) -> Vec<usize> {
    text.lines()
        .filter_map(|l| {
            let (_, rest) = l.split_once(": ")?;
            let (word, rest) = rest.split_once(' ')?;
            rest.starts_with('[')
                .then(|| SEVERITIES.iter().position(|s| *s == word))?
        })
        .collect()
}

#[test]
fn text_leads_with_a_summary_and_the_most_severe_findings() {
    let (code, text, _) = run(&["scan", EXAMPLE]);
    assert_eq!(code, 1);
    let all = findings(&["scan", EXAMPLE]);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("{} findings in ", all.len())),
        "{first}"
    );
    let head: String = text.lines().take(25).collect::<Vec<_>>().join("\n");
    for part in [
        "severity   critical ",
        "top rules",
        "top files",
        "top namespaces",
    ] {
        assert!(head.contains(part), "{part} missing from\n{head}");
    }
    // The file with most findings leads its list.
    let mut per_file = std::collections::HashMap::<&str, usize>::new();
    for f in &all {
        *per_file.entry(f["file"].as_str().unwrap()).or_default() += 1;
    }
    let (top, n) = per_file.iter().max_by_key(|(_, n)| **n).unwrap();
    let files_at = head.find("top files").unwrap();
    assert!(
        head[files_at..]
            .lines()
            .nth(1)
            .unwrap()
            .ends_with(&format!("{n}  {top}")),
        "{head}"
    );
    // Critical first, then descending.
    let order = line_severities(&text);
    assert_eq!(order.len(), all.len());
    assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "not most severe first"
    );
    assert_eq!(order[0], 0);
}

#[test]
fn severity_shows_only_at_or_above_and_hidden_ones_do_not_fail() {
    let high = findings(&["scan", EXAMPLE, "--severity", "high"]);
    assert!(!high.is_empty());
    assert!(
        high.iter()
            .all(|f| f["severity"] == "critical" || f["severity"] == "high")
    );
    let all = findings(&["scan", EXAMPLE]);
    let expected = all
        .iter()
        .filter(|f| f["severity"] == "critical" || f["severity"] == "high")
        .count();
    assert_eq!(high.len(), expected);
    let (_, out, _) = run(&["scan", EXAMPLE, "--severity", "high", "-f", "json"]);
    assert_eq!(json(out)["summary"]["filtered"], all.len() - expected);

    // Only medium findings: hidden, so the run passes.
    let dir = tempfile::tempdir().unwrap();
    let pod = write(
        dir.path(),
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n",
    );
    let (code, _, _) = run(&["scan", &pod, "--severity", "critical"]);
    assert_eq!(code, 0);
    let (code, _, _) = run(&["scan", &pod]);
    assert_eq!(code, 1);
    let (code, _, err) = run(&["scan", &pod, "--severity", "severe"]);
    assert_eq!(code, 2);
    assert!(err.contains("critical"), "{err}");
}

#[test]
fn namespace_filters_findings_and_repeats() {
    let ks = findings(&["scan", EXAMPLE, "--namespace", "kube-system"]);
    assert!(!ks.is_empty());
    assert!(ks.iter().all(|f| f["object"]["namespace"] == "kube-system"));
    let two = findings(&[
        "scan",
        EXAMPLE,
        "--namespace",
        "kube-system",
        "--namespace",
        "legacy-tools",
    ]);
    let lt = findings(&["scan", EXAMPLE, "--namespace", "legacy-tools"]);
    assert!(!lt.is_empty());
    assert_eq!(two.len(), ks.len() + lt.len());
}

#[test]
fn group_by_rule_lists_each_rule_once_with_its_objects() {
    let (_, text, _) = run(&["scan", EXAMPLE, "--group-by", "rule"]);
    let all = findings(&["scan", EXAMPLE]);
    let mut rules: Vec<&str> = all.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    rules.sort_unstable();
    rules.dedup();
    for rule in &rules {
        let heading = format!("[{rule}] ");
        let n = text
            .lines()
            .filter(|l| !l.starts_with(' ') && l.contains(&heading))
            .count();
        assert_eq!(n, 1, "{rule} heads {n} groups");
        let count = all.iter().filter(|f| f["rule"] == *rule).count();
        let line = text
            .lines()
            .find(|l| !l.starts_with(' ') && l.contains(&heading))
            .unwrap();
        assert!(line.contains(&format!("── {count} finding")), "{line}");
    }
    // Every finding is listed under its rule, with its object.
    let listed = text
        .lines()
        .filter(|l| l.starts_with("  examples/"))
        .count();
    assert_eq!(listed, all.len());
}

#[test]
fn group_by_object_and_file() {
    let all = findings(&["scan", EXAMPLE]);
    for by in ["object", "file"] {
        let (_, text, _) = run(&["scan", EXAMPLE, "--group-by", by]);
        let listed = text
            .lines()
            .filter(|l| l.starts_with("  examples/"))
            .count();
        assert_eq!(listed, all.len(), "--group-by {by}");
    }
    let (_, text, _) = run(&["scan", EXAMPLE, "--group-by", "object"]);
    let on_apiserver = all
        .iter()
        .filter(|f| f["object"]["name"] == "kube-apiserver")
        .count();
    let header = format!(
        "── Pod kube-system/kube-apiserver (examples/insecure-app/kube-apiserver.yaml) ── {on_apiserver} findings: "
    );
    assert!(text.contains(&header), "{text}");
}

#[test]
fn compact_is_one_line_per_finding_on_every_command() {
    for args in std::iter::once(&["scan", EXAMPLE][..]).chain(OTHER_FINDINGS_COMMANDS) {
        let mut compact = args.to_vec();
        compact.push("--compact");
        let (_, text, _) = run(&compact);
        let all = findings(args);
        assert!(!all.is_empty(), "{args:?}");
        let order = line_severities(&text);
        assert_eq!(order.len(), all.len(), "{args:?}:\n{text}");
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{args:?}");
        assert!(!text.contains("= fix:"), "no snippets with --compact");
        // And the filters apply there too.
        let mut high = args.to_vec();
        high.extend(["--severity", "high"]);
        let kept = findings(&high);
        assert!(
            kept.iter()
                .all(|f| f["severity"] == "critical" || f["severity"] == "high"),
            "{args:?}"
        );
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn baseline_reports_only_new_findings_whatever_moves() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    copy_dir(&repo().join(EXAMPLE), &app);
    let app_s = app.display().to_string();
    let baseline = dir.path().join("baseline.json").display().to_string();

    let (code, _, err) = run(&["scan", &app_s, "--write-baseline", &baseline]);
    assert_eq!(code, 1, "writing a baseline still reports");
    let all = findings(&["scan", &app_s]);
    assert!(
        err.contains(&format!("wrote {} findings to the baseline", all.len())),
        "{err}"
    );
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(
        !text.contains("\"line\""),
        "no line numbers in the baseline"
    );

    let (code, out, _) = run(&["scan", &app_s, "--baseline", &baseline, "-f", "json"]);
    assert_eq!(code, 0, "nothing new");
    let out = json(out);
    assert_eq!(out["findings"].as_array().unwrap().len(), 0);
    assert_eq!(out["summary"]["baselined"], all.len());
    assert_eq!(out["summary"]["fixed"], 0);

    // Lines move and a file is renamed: still nothing new.
    let deployment = std::fs::read_to_string(app.join("deployment.yaml")).unwrap();
    std::fs::remove_file(app.join("deployment.yaml")).unwrap();
    std::fs::write(
        app.join("workloads.yaml"),
        format!("# moved\n# down\n{deployment}"),
    )
    .unwrap();
    let (code, _, _) = run(&["scan", &app_s, "--baseline", &baseline]);
    assert_eq!(code, 0);

    // A new problem is reported; one fixed is counted.
    let etcd = app.join("etcd.yaml");
    std::fs::remove_file(&etcd).unwrap();
    write(
        &app,
        "new.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: fresh, namespace: shop}\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000\n    securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}\n    resources: {limits: {cpu: 100m, memory: 64Mi}, requests: {cpu: 100m, memory: 64Mi}}\n",
    );
    let (code, out, _) = run(&["scan", &app_s, "--baseline", &baseline, "-f", "json"]);
    assert_eq!(code, 1);
    let out = json(out);
    let new = out["findings"].as_array().unwrap();
    assert!(
        new.iter()
            .any(|f| f["rule"] == "host-pid" && f["object"]["name"] == "fresh"),
        "{new:#?}"
    );
    assert!(
        new.iter().all(|f| f["object"]["name"] == "fresh"),
        "{new:#?}"
    );
    let etcd_findings = all
        .iter()
        .filter(|f| f["file"].as_str().unwrap().ends_with("etcd.yaml"))
        .count();
    assert!(etcd_findings > 0);
    // Cross-object findings about the namespaces may change with the new
    // pod's namespace; etcd's own findings are all fixed.
    assert!(
        out["summary"]["fixed"].as_u64().unwrap() >= etcd_findings as u64,
        "{}",
        out["summary"]
    );
    let (_, text, _) = run(&["scan", &app_s, "--baseline", &baseline]);
    assert!(
        text.contains(" in the baseline, ") && text.contains(" fixed since the baseline"),
        "{text}"
    );
}

#[test]
fn baselines_work_on_every_findings_command() {
    let dir = tempfile::tempdir().unwrap();
    for (i, args) in OTHER_FINDINGS_COMMANDS.into_iter().enumerate() {
        let baseline = dir.path().join(format!("b{i}.json")).display().to_string();
        let mut write = args.to_vec();
        write.extend(["--write-baseline", &baseline, "-f", "json"]);
        let (code, _, _) = run(&write);
        assert_eq!(code, 1, "{args:?}");
        let mut with = args.to_vec();
        with.extend(["--baseline", &baseline]);
        let (code, out, _) = run(&[&with[..], &["-f", "json"]].concat());
        assert_eq!(code, 0, "{args:?}: {out}");
        let out = json(out);
        assert_eq!(out["findings"].as_array().unwrap().len(), 0, "{args:?}");
        assert!(out["summary"]["baselined"].as_u64().unwrap() > 0);
    }
}

#[test]
fn a_bad_baseline_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "b.json",
        "{\n  \"kubeguard_baseline\": 1,\n  \"findings\": [ nope ]\n}\n",
    );
    let (code, _, err) = run(&["scan", EXAMPLE, "--baseline", &bad]);
    assert_eq!(code, 2);
    assert!(err.contains(&format!("{bad}:3:")), "{err}");
    let missing = dir.path().join("missing.json").display().to_string();
    let (code, _, err) = run(&["scan", EXAMPLE, "--baseline", &missing]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read the baseline"), "{err}");
}

/// Many small inputs: long enough a scan for progress to show.
fn many_pods(dir: &Path, n: usize) {
    for i in 0..n {
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: a}}\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
        );
        std::fs::write(dir.join(format!("p{i}.yaml")), pod).unwrap();
    }
}

#[test]
fn no_progress_on_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    many_pods(dir.path(), 3000);
    let (_, _, err) = run(&["scan", &dir.path().display().to_string(), "--compact"]);
    assert!(!err.contains("inputs loaded"), "{err}");
}

#[test]
#[cfg_attr(
    not(has_script),
    ignore = "needs script(1) (util-linux) for a pseudo-terminal"
)]
fn progress_shows_on_a_terminal_and_not_in_the_report() {
    // script(1) gives the run a pty: the progress line is drawn on standard
    // error and erased, and the report has none of it.
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    many_pods(&inputs, 3000);
    let inputs = inputs.display().to_string();
    let report = dir.path().join("report.txt");
    let command = format!(
        "{} scan {inputs} --compact -o {}",
        assert_cmd::cargo::cargo_bin("kubeguard").display(),
        report.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .unwrap();
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(
        terminal.contains("/3000 inputs loaded and checked"),
        "{terminal}"
    );
    assert!(
        terminal.ends_with("\r\x1b[2K"),
        "the line is erased: {terminal:?}"
    );
    let report = std::fs::read_to_string(report).unwrap();
    assert!(!report.contains("inputs loaded"));
    assert!(
        report
            .lines()
            .next()
            .unwrap()
            .ends_with(" findings in 3000 objects and 3000 files"),
        "{}",
        &report[..200]
    );
}

#[test]
fn commands_with_their_own_text_view_say_what_was_held_back() {
    for args in [
        &["rbac", "risks", "examples/rbac/cluster.yaml"][..],
        &["netpol", "coverage", EXAMPLE],
    ] {
        let mut with = args.to_vec();
        with.extend(["--severity", "critical"]);
        let hidden = findings(args).len() - findings(&with).len();
        assert!(hidden > 0, "{args:?}");
        let (_, text, _) = run(&with);
        assert!(
            text.contains(&format!("{hidden} hidden by --severity/--namespace")),
            "{args:?}: {text}"
        );
    }
}
