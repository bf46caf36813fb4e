//! TLS handshakes with the webhook from Go clients: the API server is a Go
//! program, and each Kubernetes release is built with the Go of its day
//! (1.26 with Go 1.19). Every Go toolchain installed here builds
//! `tests/go-tls-client` from the webhook crate and handshakes as the API
//! server does.

use crate::support::{repo, webhook_policy};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The service name the webhook's certificate is for.
const SERVICE: &str = "kubeguard.kubeguard.svc";

/// Go toolchains: Debian's versioned ones and the one on `PATH`.
fn go_toolchains() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("go-"))
        .map(|e| e.path().join("bin/go"))
        .filter(|go| go.is_file())
        .collect();
    found.sort();
    if found.is_empty() && Command::new("go").arg("version").output().is_ok() {
        found.push(PathBuf::from("go"));
    }
    found
}

/// Builds the client with `go`; its binary's path.
fn build_client(go: &Path, out: &Path) -> PathBuf {
    let source = repo().join("crates/kubeguard-webhook/tests/go-tls-client/main.go");
    let bin = out.join("go-tls-client");
    let status = Command::new(go)
        .args(["build", "-o"])
        .arg(&bin)
        .arg(&source)
        .env("GOCACHE", out.join("cache"))
        .env("GOPATH", out.join("gopath"))
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .env("GOTOOLCHAIN", "local")
        .status()
        .expect("run go build");
    assert!(status.success(), "{} build failed", go.display());
    bin
}

fn handshake(client: &Path, addr: &str, server_name: &str) -> (bool, String) {
    let out = Command::new(client)
        .args([addr, server_name])
        .output()
        .expect("run the Go client");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[cfg(unix)]
#[test]
#[cfg_attr(
    not(has_go_1_19),
    ignore = "needs Go 1.19 (golang-1.19-go): run scripts/install-tools.sh"
)]
fn go_clients_of_api_server_releases_complete_the_handshake() {
    let toolchains = go_toolchains();
    let bin = assert_cmd::cargo::cargo_bin("kubeguard");
    let mut child = Command::new(bin)
        .args(["webhook", "serve", "--config"])
        .arg(webhook_policy())
        .args([
            "--self-signed",
            SERVICE,
            "--listen",
            "127.0.0.1:0",
            "--no-cluster",
        ])
        .env("KUBEGUARD_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let deadline = Instant::now() + Duration::from_secs(20);
    let addr = loop {
        assert!(Instant::now() < deadline, "the server did not start");
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).expect("stderr") > 0,
            "server exited"
        );
        if let Some(addr) = line.split("listening on https://").nth(1) {
            break addr.trim().to_owned();
        }
    };
    let work = tempfile::tempdir().expect("tempdir");
    for go in &toolchains {
        let client = build_client(go, work.path());
        // As the API server calls a service: SNI is the service's name.
        let (ok, out) = handshake(&client, &addr, SERVICE);
        assert!(ok && out.contains("alpn=h2"), "{}: {out}", go.display());
        // As it calls a URL naming an IP address: no SNI.
        let (ok, out) = handshake(&client, &addr, "-");
        assert!(ok, "{}: {out}", go.display());
        // A client that sends `host:port` as its server name (the `hey`
        // load generator does) is refused: rustls rejects a server name
        // that is not a DNS name.
        let (ok, out) = handshake(&client, &addr, &addr);
        assert!(
            !ok && out.contains("illegal parameter"),
            "{}: {out}",
            go.display()
        );
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).expect("stderr");
    child.wait().expect("wait");
    // The server says why it refused that one.
    assert!(rest.contains("not a DNS host name"), "{rest}");
}
