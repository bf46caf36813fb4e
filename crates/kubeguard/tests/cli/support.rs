//! Helpers shared by every module of the CLI tests: the command for the
//! `kubeguard` binary, paths into the repository and its fixtures, JSON
//! parsing of output, temporary input files, and the `../shared` locator.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[path = "../../../../tests/shared_data.rs"]
pub mod shared_data;

pub use shared_data::shared;

/// Every command besides `scan` that reports findings, on the bundled
/// examples: each output format is checked on all of them.
pub const OTHER_FINDINGS_COMMANDS: [&[&str]; 4] = [
    &[
        "pss",
        "check",
        "--level",
        "restricted",
        "examples/insecure-app",
    ],
    &["rbac", "risks", "examples/rbac/cluster.yaml"],
    &["rbac", "unused", "examples/rbac/cluster.yaml"],
    &["netpol", "coverage", "examples/insecure-app"],
];

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fixtures of the `kubeguard netpol` tests.
pub fn netpol_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/netpol")
}

/// The admission policy the webhook crate's tests use.
pub fn webhook_policy() -> PathBuf {
    repo().join("crates/kubeguard-webhook/tests/fixtures/policy.yaml")
}

/// The `kubeguard` binary built for these tests, in the test's working
/// directory and environment.
pub fn kubeguard() -> Command {
    Command::cargo_bin("kubeguard").expect("the kubeguard binary")
}

/// `kubeguard()` run from the repository root, so paths such as
/// `examples/insecure-app` are relative to it.
pub fn kubeguard_in_repo() -> Command {
    let mut cmd = kubeguard();
    cmd.current_dir(repo());
    cmd
}

/// Parses output (stdout bytes or text) as JSON, failing the test otherwise.
pub fn json(out: impl AsRef<[u8]>) -> Value {
    serde_json::from_slice(out.as_ref()).expect("valid JSON output")
}

/// Writes `text` to `dir/name` and returns the file's path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Reads a server's lines until one contains `needle`, failing at
/// `deadline` or when the server exits first.
pub fn wait_for_line(
    reader: &mut impl std::io::BufRead,
    needle: &str,
    deadline: std::time::Instant,
) -> String {
    let mut seen = String::new();
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "no {needle:?} in: {seen}"
        );
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
