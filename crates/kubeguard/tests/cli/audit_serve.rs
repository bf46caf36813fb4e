//! `kubeguard audit serve` as a process: flag and rules errors exit 2; a
//! batch posted over HTTPS and then SIGTERM: every queued event is
//! evaluated, its alerts are on standard output, and it exits 0.

use crate::support::kubeguard;
use base64::Engine as _;
use kubeguard_audit_serve::client::{HttpClient, Method};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

#[test]
fn certificate_flags_and_rules_are_checked() {
    let out = kubeguard().args(["audit", "serve"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-cert"));
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = dir.path().join("bad.yaml");
    std::fs::write(&rules, "- rule: r\n  desc: d\n  condition: ka.verbb=get\n  output: o\n  priority: INFO\n  source: k8s_audit\n").expect("write");
    let out = kubeguard()
        .args([
            "audit",
            "serve",
            "--self-signed",
            "localhost",
            "--listen",
            "127.0.0.1:0",
            "--rules",
        ])
        .arg(&rules)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml:1:3") && err.contains("ka.verbb"),
        "{err}"
    );
    let out = kubeguard()
        .args([
            "audit",
            "serve",
            "--self-signed",
            "localhost",
            "--queue-capacity",
            "0",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

/// Reads lines until one contains `needle` (bounded in time).
fn wait_for_line(reader: &mut impl BufRead, needle: &str, deadline: Instant) -> String {
    let mut seen = String::new();
    loop {
        assert!(Instant::now() < deadline, "no {needle:?} in: {seen}");
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read") == 0 {
            panic!("server exited early: {seen}");
        }
        seen.push_str(&line);
        if line.contains(needle) {
            return line;
        }
    }
}

fn exec_event(i: usize) -> serde_json::Value {
    serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": format!("id-{i}"),
        "stage": "ResponseComplete", "verb": "create",
        "requestURI": "/api/v1/namespaces/prod/pods/web/exec?command=sh",
        "user": {"username": "eve"}, "sourceIPs": ["10.0.0.9"],
        "objectRef": {"resource": "pods", "namespace": "prod", "name": "web", "subresource": "exec"},
        "responseStatus": {"code": 101},
        "stageTimestamp": "2026-12-05T04:00:01Z"
    })
}

fn wait_exit(child: &mut Child, deadline: Instant) -> std::process::ExitStatus {
    loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            return exit;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn serves_batches_and_drains_the_queue_on_sigterm() {
    let bin = assert_cmd::cargo::cargo_bin("kubeguard");
    let mut child = std::process::Command::new(bin)
        .args([
            "audit",
            "serve",
            "--self-signed",
            "localhost",
            "--listen",
            "127.0.0.1:0",
            "--workers",
            "1",
        ])
        .env("KUBEGUARD_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut bundle = String::new();
    stdout.read_line(&mut bundle).expect("CA bundle");
    let ca_pem = base64::engine::general_purpose::STANDARD
        .decode(bundle.trim())
        .expect("base64");
    // Read standard output as it comes: the alerts must not fill the pipe.
    let alerts = std::thread::spawn(move || {
        let mut alerts = String::new();
        stdout.read_to_string(&mut alerts).expect("stdout");
        alerts
    });
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let line = wait_for_line(&mut stderr, "listening on https://", deadline);
    let port = line
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().trim_end_matches("/audit").parse::<u16>().ok())
        .expect("port");

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = runtime.block_on(async {
        HttpClient::trusting_pem(std::str::from_utf8(&ca_pem).expect("PEM")).expect("client")
    });
    let items: Vec<_> = (0..200).map(exec_event).collect();
    let body = serde_json::to_vec(&serde_json::json!({"kind": "EventList", "items": items}))
        .expect("json");
    let uri = format!("https://localhost:{port}/audit")
        .parse()
        .expect("uri");
    let (status, answer) = runtime
        .block_on(client.send(Method::POST, &uri, body, Duration::from_secs(10)))
        .expect("answer");
    assert_eq!(status.as_u16(), 200, "{answer:?}");

    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = wait_exit(&mut child, deadline);
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("stderr");
    assert_eq!(exit.code(), Some(0), "{rest}");
    assert!(rest.contains("SIGTERM received"), "{rest}");
    let alerts = alerts.join().expect("stdout reader");
    let lines: Vec<serde_json::Value> = alerts
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 200, "{rest}");
    assert_eq!(lines[0]["rule"], "audit-pod-exec");
    assert_eq!(lines[0]["key"], "id-0/ResponseComplete/audit-pod-exec");
}
