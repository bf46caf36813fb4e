//! `kubeguard audit scan` end to end: formats, exit codes, priorities,
//! rules files, standard input, and logs with garbage in them.

use crate::support::{json, kubeguard, write};
use predicates::prelude::*;

const SECRET_LIST: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/secrets","verb":"list","user":{"username":"eve","groups":["system:authenticated"]},"sourceIPs":["10.0.0.9"],"userAgent":"curl/8.5","objectRef":{"resource":"secrets","namespace":"prod","apiVersion":"v1"},"responseStatus":{"code":200},"stageTimestamp":"2026-12-05T04:00:01.000001Z"}"#;
const POD_GET: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-2","stage":"ResponseComplete","verb":"get","user":{"username":"system:kube-scheduler"},"objectRef":{"resource":"pods","namespace":"prod","name":"web"},"responseStatus":{"code":200},"stageTimestamp":"2026-12-05T04:00:02Z"}"#;

fn log(dir: &std::path::Path) -> String {
    write(
        dir,
        "audit.log",
        &format!("{SECRET_LIST}\n\n{{\"kind\":\"Event\",\"verb\":\n{POD_GET}\n"),
    )
}

#[test]
fn text_alerts_summary_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let log = log(dir.path());
    kubeguard()
        .args(["audit", "scan", &log])
        .assert()
        .code(1)
        .stdout(
            "2026-12-05T04:00:01.000001000Z: Warning Secret read by an unusual identity (user=eve verb=list \
             secret=prod/<NA> useragent=curl/8.5 sourceips=(10.0.0.9))\n\
             2 events, 1 alert (audit-secret-read: 1), 1 skipped\n",
        )
        .stderr(predicate::str::contains(format!("{log}:3:1: truncated JSON")));
}

#[test]
fn json_document_streams_alerts_with_summary_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let log = log(dir.path());
    let out = kubeguard()
        .args(["audit", "scan", "--format", "json", &log])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json(out);
    assert_eq!(
        v["alerts"][0],
        serde_json::json!({"rule": "audit-secret-read", "priority": "Warning",
            "output": "Secret read by an unusual identity (user=eve verb=list secret=prod/<NA> useragent=curl/8.5 sourceips=(10.0.0.9))",
            "time": "2026-12-05T04:00:01.000001000Z", "auditID": "a-1",
            "tags": ["k8s", "kubeguard", "mitre_credential_access", "T1552.007"], "source": "k8s_audit"})
    );
    assert_eq!(
        v["summary"],
        serde_json::json!({"events": 2, "alerts": 1, "by_rule": {"audit-secret-read": 1}, "skipped": 1})
    );
    assert_eq!(v["errors"][0]["line"], 3);
}

#[test]
fn stdin_jsonl_and_min_priority() {
    let input = format!("{SECRET_LIST}\n{POD_GET}\n");
    let out = kubeguard()
        .args(["audit", "scan", "--format", "jsonl", "-"])
        .write_stdin(input.clone())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("2 events, 1 alert"))
        .get_output()
        .stdout
        .clone();
    assert_eq!(json(out)["auditID"], "a-1");
    kubeguard()
        .args(["audit", "scan", "--min-priority", "error", "-"])
        .write_stdin(input)
        .assert()
        .code(0)
        .stdout("2 events, 0 alerts, 0 skipped\n");
    kubeguard()
        .args(["audit", "scan", "--min-priority", "loud", "-"])
        .assert()
        .code(2);
}

#[test]
fn falco_rules_files_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = log(dir.path());
    let base = write(
        dir.path(),
        "base.yaml",
        "- required_engine_version: 15\n- list: readers\n  items: [bob]\n\
         - rule: Secret Listed\n  desc: d\n  condition: ka.target.resource=secrets and not ka.user.name in (readers)\n  \
         output: \"%ka.user.name listed %ka.target.resource in %ka.target.namespace\"\n  priority: ERROR\n  source: k8s_audit\n  tags: [T1552]\n\
         - rule: Shell\n  desc: d\n  condition: proc.name=sh\n  output: o\n  priority: ERROR\n  source: syscall\n",
    );
    kubeguard()
        .args(["audit", "scan", "--rules", &base, &log])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with(
            "2026-12-05T04:00:01.000001000Z: Error eve listed secrets in prod\n",
        ))
        .stderr(predicate::str::contains(
            "rule \"Shell\" is for source syscall, not k8s_audit; not evaluated",
        ));
    let local = write(
        dir.path(),
        "local.yaml",
        "- list: readers\n  items: [eve]\n  append: true\n",
    );
    kubeguard()
        .args(["audit", "scan", "-r", &base, "-r", &local, &log])
        .assert()
        .code(0);
    let bad = write(
        dir.path(),
        "bad.yaml",
        "- list: nope\n  items: [x]\n  append: true\n",
    );
    kubeguard()
        .args(["audit", "scan", "-r", &bad, &log])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{bad}:1:3: list nope: append to a list that no file defined"
        )));
}

#[test]
fn unreadable_input_is_exit_2_but_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    let log = log(dir.path());
    kubeguard()
        .args(["audit", "scan", "/nonexistent/audit.log", &log])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("1 alert"))
        .stderr(predicate::str::contains(
            "error: /nonexistent/audit.log:1:1: cannot read",
        ));
}

#[test]
fn built_in_rules_are_printed_and_in_the_catalog() {
    kubeguard()
        .args(["audit", "rules"])
        .assert()
        .success()
        .stdout(predicate::str::contains("- rule: audit-pod-exec"));
    kubeguard()
        .args(["rules", "audit-cluster-admin-binding"])
        .assert()
        .success()
        .stdout(predicate::str::contains("cluster-admin"));
}

#[test]
fn learn_then_scan_against_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let normal = write(dir.path(), "normal.log", &format!("{POD_GET}\n{POD_GET}\n"));
    let baseline = dir.path().join("baseline.json").display().to_string();
    kubeguard()
        .args(["audit", "learn", &normal, "-o", &baseline])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "baseline of 1 identities from 2 events",
        ));
    let b = json(std::fs::read(&baseline).unwrap());
    assert_eq!(
        b["identities"]["system:kube-scheduler"]["activities"][0]["count"],
        2
    );
    // Nothing in the baseline alerts; the first new activity does, once.
    let delete = POD_GET.replace(r#""verb":"get""#, r#""verb":"delete""#);
    let today = write(
        dir.path(),
        "today.log",
        &format!("{POD_GET}\n{delete}\n{delete}\n"),
    );
    kubeguard()
        .args(["audit", "scan", "--min-priority", "notice", "--baseline", &baseline, &today])
        .assert()
        .code(1)
        .stdout(
            "2026-12-05T04:00:02.000000000Z: Notice First-seen activity (user=system:kube-scheduler verb=delete \
             resource=pods subresource=<NA> ns=prod rarity=0.60)\n\
             3 events, 1 alert (audit-baseline-first-seen: 1), 0 skipped\n",
        );
    kubeguard()
        .args(["audit", "scan", "--baseline", &baseline, &normal])
        .assert()
        .code(0);
    let broken = write(
        dir.path(),
        "broken.json",
        "{\"version\": 1,\n \"identities\": [}",
    );
    kubeguard()
        .args(["audit", "scan", "--baseline", &broken, &normal])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{broken}:2:")));
}

#[test]
fn unknown_event_fields_are_warnings_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let extra = SECRET_LIST.replace(r#""verb":"list""#, r#""verb":"list","clusterName":"c1""#);
    let beta = POD_GET
        .replace("audit.k8s.io/v1", "audit.k8s.io/v1beta1")
        .replace(
            r#""verb":"get""#,
            r#""verb":"get","timestamp":"2026-12-05T04:00:02Z""#,
        );
    let stray = POD_GET.replace(r#""verb":"get""#, r#""verb":"get","timestamp":"x","x-y":1"#);
    let log = write(
        dir.path(),
        "audit.log",
        &format!("{extra}\n{beta}\n{stray}\n"),
    );
    // Still evaluated (the secret list alerts), exit status as without them.
    kubeguard()
        .args(["audit", "scan", &log])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "3 events, 1 alert (audit-secret-read: 1), 0 skipped",
        ))
        .stderr(predicate::str::contains(format!(
            "kubeguard: warning: {log}:1:1: audit event with unknown field \"clusterName\""
        )))
        .stderr(predicate::str::contains(format!(
            "{log}:3:1: audit event with unknown fields \"timestamp\", \"x-y\""
        )))
        .stderr(predicate::str::contains(format!("{log}:2:1")).not());
    let out = kubeguard()
        .args(["audit", "scan", "--format", "json", &log])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json(out);
    let lines: Vec<u64> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 3]);
    assert_eq!(v["summary"]["events"], 3);
    // Without the secret list: no alert, exit 0 despite the warnings.
    let quiet = write(dir.path(), "quiet.log", &format!("{stray}\n"));
    kubeguard()
        .args(["audit", "scan", &quiet])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("unknown fields"));
}

#[test]
fn select_ignore_and_config_choose_built_in_rules_by_name_or_code() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        dir.path(),
        "audit.log",
        &format!("{SECRET_LIST}\n{POD_GET}\n"),
    );
    let scan = |extra: &[&str]| {
        let mut cmd = kubeguard();
        cmd.current_dir(dir.path())
            .args(["audit", "scan", "--format", "json"])
            .args(extra)
            .arg(&log);
        cmd
    };
    let by_rule = |cmd: &mut assert_cmd::Command, code: i32| {
        let out = cmd.assert().code(code).get_output().stdout.clone();
        json(out)["summary"]["by_rule"].clone()
    };
    assert_eq!(
        by_rule(&mut scan(&[]), 1),
        serde_json::json!({"audit-secret-read": 1})
    );
    assert_eq!(
        by_rule(&mut scan(&["--ignore", "KG802"]), 0),
        serde_json::json!({})
    );
    assert_eq!(
        by_rule(&mut scan(&["--select", "audit-pod-exec,KG805"]), 0),
        serde_json::json!({})
    );
    assert_eq!(
        by_rule(&mut scan(&["--select", "KG802"]), 1),
        serde_json::json!({"audit-secret-read": 1})
    );
    // .kubeguard.yaml, found from the current directory, as for every engine.
    write(
        dir.path(),
        ".kubeguard.yaml",
        "disable: [audit-secret-read]\n",
    );
    assert_eq!(by_rule(&mut scan(&[]), 0), serde_json::json!({}));
    assert_eq!(
        by_rule(&mut scan(&["--no-config"]), 1)["audit-secret-read"],
        1
    );
    let other = write(dir.path(), "other.yaml", "select: [KG802, KG001]\n");
    assert_eq!(
        by_rule(&mut scan(&["--config", &other]), 1)["audit-secret-read"],
        1
    );
    kubeguard()
        .args([
            "audit",
            "scan",
            "--no-config",
            "--ignore",
            "audit-secret-reed",
            &log,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown rule \"audit-secret-reed\" (did you mean \"audit-secret-read\"?)",
        ));
}

#[test]
fn select_and_ignore_take_falco_rule_names_of_loaded_files() {
    let dir = tempfile::tempdir().unwrap();
    let rules = write(
        dir.path(),
        "r.yaml",
        "- rule: Secret Listed\n  desc: d\n  condition: ka.target.resource=secrets\n  \
         output: secret by %ka.user.name\n  priority: WARNING\n  source: k8s_audit\n\
         - rule: Pod Read\n  desc: d\n  condition: ka.target.resource=pods\n  \
         output: pod by %ka.user.name\n  priority: NOTICE\n  source: k8s_audit\n",
    );
    let log = write(
        dir.path(),
        "audit.log",
        &format!("{SECRET_LIST}\n{POD_GET}\n"),
    );
    let by_rule = |extra: &[&str], code: i32| {
        let out = kubeguard()
            .args([
                "audit",
                "scan",
                "--no-config",
                "--format",
                "json",
                "--rules",
                &rules,
            ])
            .args(extra)
            .arg(&log)
            .assert()
            .code(code)
            .get_output()
            .stdout
            .clone();
        json(out)["summary"]["by_rule"].clone()
    };
    assert_eq!(
        by_rule(&[], 1),
        serde_json::json!({"Secret Listed": 1, "Pod Read": 1})
    );
    assert_eq!(
        by_rule(&["--select", "Pod Read"], 1),
        serde_json::json!({"Pod Read": 1})
    );
    assert_eq!(
        by_rule(&["--ignore", "Pod Read,Secret Listed"], 0),
        serde_json::json!({})
    );
    // Catalog names select catalog rules only: none of these files' rules.
    assert_eq!(by_rule(&["--select", "KG802"], 0), serde_json::json!({}));
    kubeguard()
        .args([
            "audit",
            "scan",
            "--no-config",
            "--rules",
            &rules,
            "--select",
            "Pod Reads",
            &log,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "nor a rule of the loaded rules files",
        ));
}
