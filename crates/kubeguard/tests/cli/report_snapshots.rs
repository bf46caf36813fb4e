//! Snapshots of every output of `kubeguard rbac` and `kubeguard netpol`, so
//! any change to a writer (a key, its order, a line of text) shows up in
//! review. Update with
//! `INSTA_UPDATE=always cargo test -p kubeguard --test cli report_snapshots::`
//! (or `cargo insta review`).

use crate::support::{kubeguard, repo};

/// Runs kubeguard in `dir` (relative to the repository) and returns the exit
/// code and standard output.
fn run(dir: &str, args: &[&str]) -> String {
    let out = kubeguard()
        .current_dir(repo().join(dir))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    format!(
        "exit {}\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap()
    )
}

fn rbac(args: &[&str]) -> String {
    let mut all = vec!["rbac"];
    all.extend_from_slice(args);
    run(".", &all)
}

fn netpol(args: &[&str]) -> String {
    let mut all = vec!["netpol"];
    all.extend_from_slice(args);
    run("crates/kubeguard/tests/netpol", &all)
}

const RBAC: &str = "examples/rbac/cluster.yaml";

#[test]
fn rbac_can_i() {
    let args = [
        "can-i",
        "--as",
        "jane",
        "create",
        "deployments",
        "-n",
        "infra",
        RBAC,
    ];
    insta::assert_snapshot!("rbac_can_i_text", rbac(&args));
    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    insta::assert_snapshot!("rbac_can_i_json", rbac(&json));
    let masters = [
        "can-i",
        "--as",
        "root",
        "--as-group",
        "system:masters",
        "delete",
        "nodes",
        RBAC,
        "--format",
        "json",
    ];
    insta::assert_snapshot!("rbac_can_i_masters_json", rbac(&masters));
    insta::assert_snapshot!("rbac_can_i_masters_text", rbac(&masters[..8]));
}

#[test]
fn rbac_who_can() {
    let args = ["who-can", "get", "secrets", "-n", "infra", RBAC];
    insta::assert_snapshot!("rbac_who_can_text", rbac(&args));
    let mut json = args.to_vec();
    json.extend(["--format", "json"]);
    insta::assert_snapshot!("rbac_who_can_json", rbac(&json));
}

#[test]
fn rbac_risks() {
    for format in ["text", "json", "sarif", "junit", "github"] {
        insta::assert_snapshot!(
            format!("rbac_risks_{format}"),
            rbac(&["risks", RBAC, "--format", format])
        );
    }
}

#[test]
fn rbac_unused() {
    for format in ["text", "json"] {
        insta::assert_snapshot!(
            format!("rbac_unused_{format}"),
            rbac(&["unused", RBAC, "--format", format])
        );
    }
}

#[test]
fn netpol_matrix() {
    for file in ["shop.yaml", "calico.yaml", "admin.yaml"] {
        let name = file.trim_end_matches(".yaml");
        for format in ["text", "json", "csv", "dot", "mermaid"] {
            insta::assert_snapshot!(
                format!("netpol_matrix_{name}_{format}"),
                netpol(&["matrix", file, "--format", format])
            );
        }
    }
    for format in ["text", "json", "csv", "dot", "mermaid"] {
        insta::assert_snapshot!(
            format!("netpol_matrix_shop_port_{format}"),
            netpol(&["matrix", "shop.yaml", "--port", "9000", "--format", format])
        );
    }
}

#[test]
fn netpol_explain() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("shop_allowed", "shop/web", "shop/api:9000/TCP", "shop.yaml"),
        ("shop_denied", "shop/web", "shop/db:5432", "shop.yaml"),
        ("shop_any_port", "shop/web", "shop/api", "shop.yaml"),
        ("shop_address", "shop/api", "10.1.2.3:443", "shop.yaml"),
        (
            "calico_allowed",
            "shop/web",
            "shop/db:5432/TCP",
            "calico.yaml",
        ),
        (
            "calico_denied",
            "shop/web",
            "shop/db:5433/TCP",
            "calico.yaml",
        ),
        ("admin_denied", "y/b", "x/a:81", "admin.yaml"),
        ("admin_baseline", "y/b", "x/a:80", "admin.yaml"),
        ("admin_any_port", "y/b", "x/a", "admin.yaml"),
        ("admin_host_network", "y/node-agent", "x/a:80", "admin.yaml"),
    ];
    for (name, from, to, file) in cases {
        for format in ["text", "json"] {
            insta::assert_snapshot!(
                format!("netpol_explain_{name}_{format}"),
                netpol(&[
                    "explain", "--from", from, "--to", to, file, "--format", format
                ])
            );
        }
    }
}

#[test]
fn netpol_coverage() {
    for file in ["shop.yaml", "calico.yaml", "admin.yaml"] {
        let name = file.trim_end_matches(".yaml");
        for format in ["text", "json"] {
            insta::assert_snapshot!(
                format!("netpol_coverage_{name}_{format}"),
                netpol(&["coverage", file, "--format", format])
            );
        }
    }
}

#[test]
fn netpol_diff() {
    for (name, old, new) in [
        ("changed", "shop.yaml", "shop-new.yaml"),
        ("reverse", "shop-new.yaml", "shop.yaml"),
        ("same", "shop.yaml", "shop.yaml"),
        ("workloads", "shop.yaml", "calico.yaml"),
    ] {
        for format in ["text", "json"] {
            insta::assert_snapshot!(
                format!("netpol_diff_{name}_{format}"),
                netpol(&["diff", old, new, "--format", format])
            );
        }
    }
}

fn pss(args: &[&str]) -> String {
    let mut all = vec!["pss"];
    all.extend_from_slice(args);
    all.push("--no-config");
    run(".", &all)
}

#[test]
fn pss_check() {
    for format in ["text", "json", "sarif", "junit", "github"] {
        insta::assert_snapshot!(
            format!("pss_check_{format}"),
            pss(&[
                "check",
                "examples/insecure-app",
                "--level",
                "baseline",
                "--format",
                format
            ])
        );
    }
}

#[test]
fn pss_namespaces_and_plan() {
    for format in ["text", "json"] {
        for command in ["namespaces", "plan"] {
            let mut args = vec![command, "examples/insecure-app", "examples/hardened-app"];
            args.extend(["--format", format]);
            // `--no-config` belongs to the commands that report findings.
            let mut all = vec!["pss"];
            all.extend(args);
            insta::assert_snapshot!(format!("pss_{command}_{format}"), run(".", &all));
        }
    }
}

#[test]
fn scan_with_pod_security() {
    insta::assert_snapshot!(run(
        ".",
        &[
            "scan",
            "examples/insecure-app",
            "--no-config",
            "--pss",
            "restricted",
            "--select",
            "pod-security-standard",
            "--format",
            "json",
        ]
    ));
}

#[test]
fn netpol_coverage_reports() {
    for format in ["sarif", "junit", "github"] {
        insta::assert_snapshot!(
            format!("netpol_coverage_shop_{format}"),
            netpol(&["coverage", "shop.yaml", "--format", format])
        );
    }
}

#[test]
fn rules_listing() {
    for format in ["text", "json"] {
        insta::assert_snapshot!(
            format!("rules_{format}"),
            run(".", &["rules", "--format", format])
        );
    }
}
