//! `kubeguard completions` and `kubeguard man`: generated from the CLI
//! definition, so every command and flag is in them.

use crate::support::{kubeguard, repo};

#[test]
fn bash_completions_are_valid_bash_and_know_every_command() {
    let out = kubeguard().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    let script = String::from_utf8(out.stdout).unwrap();
    for word in [
        "scan",
        "pss",
        "rbac",
        "netpol",
        "webhook",
        "--format",
        "--fail-on",
    ] {
        assert!(
            script.contains(word),
            "{word} missing from the bash completions"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeguard.bash");
    std::fs::write(&path, &script).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("zsh", "#compdef kubeguard"),
        ("fish", "complete -c kubeguard"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[kubeguard]"),
    ] {
        let out = kubeguard().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: no {marker:?}");
    }
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let out = kubeguard().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bash"));
}

#[test]
fn man_page_describes_the_commands() {
    let out = kubeguard().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.starts_with(".ie"),
        "roff: {}",
        &page[..40.min(page.len())]
    );
    assert!(page.contains(".TH kubeguard 1"));
    for word in ["scan", "completions", "man"] {
        assert!(page.contains(word), "{word} missing from the man page");
    }
}

/// `docs/man/` holds the pages `kubeguard man --dir` writes; this fails when
/// they are stale (`KUBEGUARD_UPDATE_DOCS=1` rewrites them).
#[test]
fn man_pages_in_docs_are_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let out = kubeguard()
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let docs = repo().join("docs/man");
    let pages = |d: &std::path::Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let generated = pages(dir.path());
    assert!(generated.iter().any(|(n, _)| n == "kubeguard-scan.1"));
    if std::env::var_os("KUBEGUARD_UPDATE_DOCS").is_some() {
        let _ = std::fs::remove_dir_all(&docs);
        std::fs::create_dir_all(&docs).unwrap();
        for (name, text) in &generated {
            std::fs::write(docs.join(name), text).unwrap();
        }
        return;
    }
    let stale: Vec<&str> = generated
        .iter()
        .filter(|page| !pages(&docs).contains(page))
        .map(|(n, _)| n.as_str())
        .collect();
    assert!(
        stale.is_empty() && pages(&docs).len() == generated.len(),
        "docs/man is stale ({stale:?}); run KUBEGUARD_UPDATE_DOCS=1 cargo test -p kubeguard --test cli manual::"
    );
}
