//! Snapshots of every output format for the insecure example, so any
//! change to a message, position, field path or format shows up in review.
//! Update with `INSTA_UPDATE=always cargo test -p kubeguard --test cli snapshots::`
//! (or `cargo insta review`).

use crate::support::kubeguard_in_repo;

fn scan(format: &str) -> String {
    let out = kubeguard_in_repo()
        .args([
            "scan",
            "examples/insecure-app",
            "--no-config",
            "--color",
            "never",
            "--format",
            format,
        ])
        .assert()
        .code(1);
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn text() {
    insta::assert_snapshot!(scan("text"));
}

#[test]
fn json() {
    insta::assert_snapshot!(scan("json"));
}

#[test]
fn github() {
    insta::assert_snapshot!(scan("github"));
}

#[test]
fn junit() {
    insta::assert_snapshot!(scan("junit"));
}

#[test]
fn sarif() {
    insta::assert_snapshot!(scan("sarif"));
}
