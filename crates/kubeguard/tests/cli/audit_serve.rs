//! `kubeguard audit serve` as a process: flag and rules errors exit 2; a
//! batch posted over HTTPS and then SIGTERM: every queued event is
//! evaluated, its alerts are on standard output, and it exits 0. With a
//! real nats-server: `--publish`, `audit worker` processes (one killed
//! mid-stream) and `audit alerts`.

use crate::support::kubeguard;
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
/// unacknowledged events, and every event's alert is stored exactly once.
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
    let line = wait_for_line(&mut stderr, "listening on https://", deadline);
    let https_port = line
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().trim_end_matches("/audit").parse::<u16>().ok())
        .expect("port");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = runtime.block_on(async {
        HttpClient::trusting_pem(std::str::from_utf8(&ca_pem).expect("PEM")).expect("client")
    });
    let uri = format!("https://localhost:{https_port}/audit")
        .parse()
        .expect("uri");
    for batch in 0..EVENTS / 500 {
        let items: Vec<_> = (0..500).map(|i| exec_event(batch * 500 + i)).collect();
        let body = serde_json::to_vec(&serde_json::json!({"kind": "EventList", "items": items}))
            .expect("json");
        let (status, answer) = runtime
            .block_on(client.send(Method::POST, &uri, body, Duration::from_secs(30)))
            .expect("answer");
        assert_eq!(status.as_u16(), 200, "{answer:?}");
    }

    // Worker A starts on the stored events and is killed after its first alert.
    let worker = ["audit", "worker", "--nats", &url, "--ack-wait", "2s"];
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
