//! `kubeguard webhook serve` as a process: flag and config errors exit 2,
//! the self-signed mode prints a CA bundle and serves, SIGTERM exits 0.

use crate::support::{kubeguard, wait_for_line, webhook_policy as policy};
use std::io::{BufReader, Read};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Runs `kubeguard webhook serve --config POLICY EXTRA...` and returns its
/// exit code and stderr.
fn serve(policy: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let out = kubeguard()
        .args(["webhook", "serve", "--config"])
        .arg(policy)
        .args(extra)
        .output()
        .expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn missing_certificate_flags_exit_2() {
    let (code, err) = serve(&policy(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--tls-cert"), "{err}");
}

#[test]
fn self_signed_conflicts_with_certificate_files() {
    let (code, err) = serve(
        &policy(),
        &[
            "--self-signed",
            "localhost",
            "--tls-cert",
            "a",
            "--tls-key",
            "b",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
}

#[test]
fn bad_listen_address_and_dns_name_exit_2() {
    let (code, err) = serve(
        &policy(),
        &["--self-signed", "localhost", "--listen", "nowhere"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--listen"), "{err}");
    let (code, err) = serve(&policy(), &["--self-signed", "not a name"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a DNS name"), "{err}");
}

#[test]
fn invalid_policy_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("policy.yaml");
    std::fs::write(
        &bad,
        "apiVersion: kubeguard.io/v1alpha1\nkind: AdmissionPolicy\nfailureMode: sometimes\n",
    )
    .expect("write");
    let (code, err) = serve(
        &bad,
        &["--self-signed", "localhost", "--listen", "127.0.0.1:0"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("policy.yaml:3:"), "{err}");
}

#[test]
fn unreadable_certificate_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = dir.path().join("tls.crt");
    let key = dir.path().join("tls.key");
    std::fs::write(&cert, "not a certificate").expect("write");
    std::fs::write(&key, "not a key").expect("write");
    let (code, err) = serve(
        &policy(),
        &[
            "--tls-cert",
            cert.to_str().expect("utf-8"),
            "--tls-key",
            key.to_str().expect("utf-8"),
            "--listen",
            "127.0.0.1:0",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("tls.crt"), "{err}");
}

#[cfg(unix)]
#[test]
fn serves_with_a_self_signed_certificate_and_stops_on_sigterm() {
    let bin = assert_cmd::cargo::cargo_bin("kubeguard");
    let mut child = std::process::Command::new(bin)
        .args(["webhook", "serve", "--config"])
        .arg(policy())
        .args([
            "--self-signed",
            "localhost",
            "--listen",
            "127.0.0.1:0",
            "--no-cluster",
        ])
        .env("KUBEGUARD_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let line = wait_for_line(&mut stderr, "listening on https://", deadline);
    let addr = line
        .split("https://")
        .nth(1)
        .map(str::trim)
        .expect("address");
    // Accepting connections.
    std::net::TcpStream::connect(addr).expect("connect");

    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("stderr");
    assert_eq!(exit.code(), Some(0), "{rest}");
    assert!(rest.contains("SIGTERM received"), "{rest}");

    // The CA bundle: one line of base64 PEM ("-----BEGIN" encodes as "LS0tLS1CRUdJTi").
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut stdout)
        .expect("stdout");
    let bundle = stdout.trim();
    assert!(bundle.starts_with("LS0tLS1CRUdJTi"), "{stdout}");
    assert!(!bundle.contains(char::is_whitespace), "{stdout}");
    assert!(!Path::new(bundle).exists());
}
