//! `kubeguard audit serve` as a process: flag and rules errors exit 2; a
//! batch posted over HTTPS and then SIGTERM: every queued event is
//! evaluated, its alerts are on standard output, and it exits 0. With a
//! real nats-server: `--publish`, `audit worker` processes (one killed
//! mid-stream) and `audit alerts`.

use crate::support::{kubeguard, wait_for_line};
use base64::Engine as _;
use kubeguard_audit_serve::client::{HttpClient, Method};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::mpsc;
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

fn secret_list_event(i: usize) -> serde_json::Value {
    serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": format!("list-{i}"),
        "stage": "ResponseComplete", "verb": "list",
        "requestURI": "/api/v1/namespaces/prod/secrets",
        "user": {"username": "eve"}, "sourceIPs": ["10.0.0.9"],
        "objectRef": {"resource": "secrets", "namespace": "prod"},
        "responseStatus": {"code": 200},
        "stageTimestamp": "2026-12-05T04:00:01Z"
    })
}

/// Runs `kubeguard audit serve` (self-signed, one worker) with `args`,
/// posts `items` as one EventList, stops it with SIGTERM (which must exit 0
/// after the queue is drained) and returns its alerts.
#[cfg(unix)]
fn serve_alerts(args: &[&str], items: Vec<serde_json::Value>) -> Vec<serde_json::Value> {
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
        .args(args)
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
    let port = listening_port(&mut stderr, deadline);

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = runtime.block_on(async {
        HttpClient::trusting_pem(std::str::from_utf8(&ca_pem).expect("PEM")).expect("client")
    });
    let body = serde_json::to_vec(&serde_json::json!({"kind": "EventList", "items": items}))
        .expect("json");
    let uri = format!("https://localhost:{port}/audit")
        .parse()
        .expect("uri");
    let (status, answer) = runtime
        .block_on(client.send(Method::POST, &uri, body, Duration::from_secs(10)))
        .expect("answer");
    assert_eq!(status.as_u16(), 200, "{answer:?}");

    sigterm(&child);
    let exit = wait_exit(&mut child, deadline);
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("stderr");
    assert_eq!(exit.code(), Some(0), "{rest}");
    assert!(rest.contains("SIGTERM received"), "{rest}");
    let alerts = alerts.join().expect("stdout reader");
    alerts
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// How many alerts each rule raised.
fn count_by_rule(alerts: &[serde_json::Value]) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for alert in alerts {
        let rule = alert["rule"].as_str().expect("rule").to_owned();
        *counts.entry(rule).or_default() += 1;
    }
    counts
}

#[cfg(unix)]
#[test]
fn serves_batches_and_drains_the_queue_on_sigterm() {
    let lines = serve_alerts(&[], (0..200).map(exec_event).collect());
    assert_eq!(lines.len(), 200);
    assert_eq!(lines[0]["rule"], "audit-pod-exec");
    assert_eq!(lines[0]["key"], "id-0/ResponseComplete/audit-pod-exec");
}

/// `--select`, `--ignore` and the configuration file choose the rules
/// `audit serve` evaluates as they do for `audit scan`.
#[cfg(unix)]
#[test]
fn select_ignore_and_config_choose_the_rules_serve_evaluates() {
    let events = || -> Vec<serde_json::Value> {
        (0..3)
            .map(exec_event)
            .chain((0..2).map(secret_list_event))
            .collect()
    };
    let counts = |args: &[&str]| {
        count_by_rule(&serve_alerts(args, events()))
            .into_iter()
            .collect::<Vec<_>>()
    };
    let both = vec![
        ("audit-pod-exec".to_owned(), 3),
        ("audit-secret-read".to_owned(), 2),
    ];
    assert_eq!(counts(&["--no-config"]), both);
    assert_eq!(
        counts(&["--no-config", "--ignore", "audit-pod-exec"]),
        vec![("audit-secret-read".to_owned(), 2)]
    );
    assert_eq!(
        counts(&["--no-config", "--select", "KG801"]),
        vec![("audit-pod-exec".to_owned(), 3)]
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("kubeguard.yaml");
    std::fs::write(&config, "disable: [KG802]\n").expect("write");
    let config = config.to_str().expect("UTF-8 path");
    assert_eq!(
        counts(&["--config", config]),
        vec![("audit-pod-exec".to_owned(), 3)]
    );
    // Unknown names and a bad configuration are errors before serving.
    let out = kubeguard()
        .args([
            "audit",
            "serve",
            "--self-signed",
            "localhost",
            "--select",
            "audit-pod-exek",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("audit-pod-exec"), "{err}");
    std::fs::write(dir.path().join("bad.yaml"), "disable: [KG9999]\n").expect("write");
    let out = kubeguard()
        .args(["audit", "serve", "--self-signed", "localhost", "--config"])
        .arg(dir.path().join("bad.yaml"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml"), "{err}");
    // A publishing receiver evaluates nothing: the workers choose the rules.
    let out = kubeguard()
        .args(["audit", "serve", "--self-signed", "localhost"])
        .args(["--publish", "nats://127.0.0.1:4222", "--ignore", "KG801"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot be used with '--ignore"), "{err}");
}

/// A process with piped output, killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The Debian package's server.
const NATS_SERVER: &str = "/usr/sbin/nats-server";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

/// `kubeguard ARGS` with piped output and info logs.
fn spawn_kubeguard(args: &[&str]) -> Process {
    Process(
        std::process::Command::new(assert_cmd::cargo::cargo_bin("kubeguard"))
            .args(args)
            .env("KUBEGUARD_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kubeguard"),
    )
}

/// Sends each line `process` writes to standard output into a channel.
fn stdout_lines(process: &mut Process) -> mpsc::Receiver<String> {
    let stdout = process.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The keys of the alerts `kubeguard audit alerts` prints.
fn stored_keys(url: &str) -> Vec<String> {
    let out = kubeguard()
        .args(["audit", "alerts", "--nats", url])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| {
            let alert: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            alert["key"].as_str().expect("key").to_owned()
        })
        .collect()
}

#[test]
fn an_unreachable_nats_server_is_an_error() {
    let url = format!("nats://127.0.0.1:{}", free_port());
    for args in [
        vec!["audit", "worker", "--nats", &url],
        vec!["audit", "alerts", "--nats", &url],
        vec![
            "audit",
            "serve",
            "--self-signed",
            "localhost",
            "--listen",
            "127.0.0.1:0",
            "--publish",
            &url,
        ],
    ] {
        let out = kubeguard().args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("cannot connect to {url}")), "{err}");
    }
    let out = kubeguard()
        .args(["audit", "worker", "--nats", "nats://a b"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a NATS server address"));
    let out = kubeguard()
        .args(["audit", "worker", "--nats", &url, "--ack-wait", "15m"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("under 600s"));
}

/// `audit serve --publish` and `audit worker` processes over a real
/// nats-server: worker A is killed mid-stream, worker B takes over its
/// unacknowledged events, and every event's alert is stored exactly once;
/// the rule the workers `--ignore` raises none.
#[cfg(unix)]
#[test]
#[cfg_attr(
    not(has_nats_server),
    ignore = "needs nats-server (Debian package): run scripts/install-tools.sh"
)]
fn a_killed_workers_events_are_evaluated_by_another_once() {
    const EVENTS: usize = 4000;
    let port = free_port();
    let store = tempfile::tempdir().expect("tempdir");
    let _nats = Process(
        std::process::Command::new(NATS_SERVER)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server"),
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nats-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let url = format!("nats://127.0.0.1:{port}");
    let mut serve = spawn_kubeguard(&[
        "audit",
        "serve",
        "--self-signed",
        "localhost",
        "--listen",
        "127.0.0.1:0",
        "--publish",
        &url,
    ]);
    let mut stdout = BufReader::new(serve.0.stdout.take().expect("stdout"));
    let mut bundle = String::new();
    stdout.read_line(&mut bundle).expect("CA bundle");
    let ca_pem = base64::engine::general_purpose::STANDARD
        .decode(bundle.trim())
        .expect("base64");
    let mut stderr = BufReader::new(serve.0.stderr.take().expect("stderr"));
    let https_port = listening_port(&mut stderr, deadline);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = runtime.block_on(async {
        HttpClient::trusting_pem(std::str::from_utf8(&ca_pem).expect("PEM")).expect("client")
    });
    let uri = format!("https://localhost:{https_port}/audit")
        .parse()
        .expect("uri");
    // Secret reads come first: the workers ignore their rule, so none of
    // them may ever be stored.
    for batch in 0..EVENTS / 500 {
        let secret_reads = if batch == 0 { 100 } else { 0 };
        let items: Vec<_> = (0..secret_reads)
            .map(secret_list_event)
            .chain((0..500).map(|i| exec_event(batch * 500 + i)))
            .collect();
        let body = serde_json::to_vec(&serde_json::json!({"kind": "EventList", "items": items}))
            .expect("json");
        let (status, answer) = runtime
            .block_on(client.send(Method::POST, &uri, body, Duration::from_secs(30)))
            .expect("answer");
        assert_eq!(status.as_u16(), 200, "{answer:?}");
    }

    // Worker A starts on the stored events and is killed after its first alert.
    let worker = [
        "audit",
        "worker",
        "--nats",
        &url,
        "--ack-wait",
        "2s",
        "--ignore",
        "audit-secret-read",
    ];
    let mut a = spawn_kubeguard(&worker);
    let a_lines = stdout_lines(&mut a);
    let first = a_lines
        .recv_timeout(Duration::from_secs(30))
        .expect("worker A raised no alert");
    a.0.kill().expect("kill worker A");
    a.0.wait().expect("wait for worker A");
    let a_keys: Vec<String> = std::iter::once(first)
        .chain(a_lines.iter())
        .map(|l| {
            let alert: serde_json::Value = serde_json::from_str(&l).expect("a JSON line");
            alert["key"].as_str().expect("key").to_owned()
        })
        .collect();
    assert!(
        a_keys.len() < EVENTS,
        "worker A finished before it was killed"
    );

    // Worker B evaluates the rest, A's unacknowledged events included.
    let mut b = spawn_kubeguard(&worker);
    let b_lines = stdout_lines(&mut b);
    let mut stored = stored_keys(&url);
    while stored.len() < EVENTS {
        assert!(
            Instant::now() < deadline,
            "{} of {EVENTS} alerts stored",
            stored.len()
        );
        std::thread::sleep(Duration::from_millis(500));
        stored = stored_keys(&url);
    }
    sigterm(&b.0);
    assert_eq!(wait_exit(&mut b.0, deadline).code(), Some(0));
    let b_keys: Vec<String> = b_lines
        .iter()
        .map(|l| {
            let alert: serde_json::Value = serde_json::from_str(&l).expect("a JSON line");
            alert["key"].as_str().expect("key").to_owned()
        })
        .collect();
    assert!(!b_keys.is_empty());

    // Every event's alert is stored once; no worker wrote an alert twice.
    let expected: BTreeSet<String> = (0..EVENTS)
        .map(|i| format!("id-{i}/ResponseComplete/audit-pod-exec"))
        .collect();
    assert_eq!(stored.len(), EVENTS);
    assert_eq!(stored.iter().cloned().collect::<BTreeSet<_>>(), expected);
    let written: Vec<&String> = a_keys.iter().chain(&b_keys).collect();
    let unique: BTreeSet<&String> = written.iter().copied().collect();
    assert_eq!(unique.len(), written.len(), "an alert written twice");
    assert!(unique.iter().all(|k| expected.contains(*k)));

    sigterm(&serve.0);
    assert_eq!(wait_exit(&mut serve.0, deadline).code(), Some(0));
}

fn sigterm(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// The port `audit serve` logs it listens on.
fn listening_port(stderr: &mut impl BufRead, deadline: Instant) -> u16 {
    let line = wait_for_line(stderr, "listening on https://", deadline);
    line.rsplit(':')
        .next()
        .and_then(|p| p.trim().trim_end_matches("/audit").parse::<u16>().ok())
        .expect("port")
}
