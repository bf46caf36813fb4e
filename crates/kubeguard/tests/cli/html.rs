//! `--format html`: one self-contained page, checked in headless Chromium
//! (installed by scripts/install-tools.sh): it loads with no console error
//! and no network request, its table holds exactly the findings of the
//! JSON output, the filters work, and screenshots of both themes are
//! written for review.

use crate::support::{OTHER_FINDINGS_COMMANDS, json, kubeguard_in_repo};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const EXAMPLE: &str = "examples/insecure-app";

fn html_report(dir: &Path, args: &[&str]) -> PathBuf {
    let path = dir.join("report.html");
    let out = kubeguard_in_repo()
        .args(args)
        .args(["-f", "html", "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    path
}

fn json_findings(args: &[&str]) -> Vec<Value> {
    let out = kubeguard_in_repo()
        .args(args)
        .args(["-f", "json"])
        .output()
        .unwrap();
    json(out.stdout)["findings"].as_array().unwrap().clone()
}

/// `(rule, file, line, column)` of a JSON finding.
fn key(f: &Value) -> (String, String, String, String) {
    (
        f["rule"].as_str().unwrap().to_owned(),
        f["file"].as_str().unwrap().to_owned(),
        f["line"].to_string(),
        f["column"].to_string(),
    )
}

/// A row of the table as Chromium left it: its key and whether it is hidden.
fn rows(dom: &str) -> Vec<((String, String, String, String), bool)> {
    dom.split("<tr class=\"finding\"")
        .skip(1)
        .map(|row| {
            let tag = &row[..row.find('>').unwrap()];
            let attr = |name: &str| -> String {
                let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                let len = tag[start..].find('"').unwrap();
                tag[start..start + len]
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&")
            };
            (
                (
                    attr("data-rule"),
                    attr("data-file"),
                    attr("data-line"),
                    attr("data-column"),
                ),
                tag.contains(" hidden"),
            )
        })
        .collect()
}

struct Loaded {
    dom: String,
    console: Vec<String>,
    page_requests: Vec<String>,
}

/// Loads `url` in headless Chromium with no name resolution, and returns
/// the DOM after scripts ran, console messages, and the network requests
/// the page made (the browser's own background requests, which have no
/// initiating origin, are left out).
fn chromium(url: &str, extra: &[String]) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    let netlog = dir.path().join("netlog.json");
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--log-net-log={}", netlog.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE"))
        .map(str::to_owned)
        .collect();
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&netlog).unwrap()).unwrap();
    let page_requests = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let p = &e["params"];
            let initiator = p["initiator"].as_str()?;
            (initiator != "not an origin").then(|| p["url"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    Loaded {
        dom: String::from_utf8(out.stdout).unwrap(),
        console,
        page_requests,
    }
}

#[test]
fn the_page_is_self_contained() {
    let dir = tempfile::tempdir().unwrap();
    let page = std::fs::read_to_string(html_report(dir.path(), &["scan", EXAMPLE])).unwrap();
    assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    // (Rule docs may mention addresses as text; no attribute holds one.)
    for loads in [
        "src=",
        "<link",
        "url(",
        "@import",
        "=\"http",
        "=\"//",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(
            !page.contains(loads),
            "the page must not load anything: {loads}"
        );
    }
    // Text is escaped: a message's quotes never break out of the markup.
    assert!(page.contains("container &quot;api&quot; runs privileged"));
}

#[test]
#[cfg_attr(
    not(has_chromium),
    ignore = "needs chromium: run scripts/install-tools.sh"
)]
fn chromium_shows_exactly_the_json_findings_with_no_errors_or_requests() {
    let dir = tempfile::tempdir().unwrap();
    let page = html_report(dir.path(), &["scan", EXAMPLE]);
    let url = format!("file://{}", page.display());
    let loaded = chromium(&url, &["--dump-dom".to_owned()]);
    assert!(loaded.console.is_empty(), "console: {:#?}", loaded.console);
    assert!(
        loaded.page_requests.is_empty(),
        "requests: {:#?}",
        loaded.page_requests
    );
    let mut shown: Vec<_> = rows(&loaded.dom)
        .into_iter()
        .map(|(k, hidden)| {
            assert!(!hidden);
            k
        })
        .collect();
    let mut expected: Vec<_> = json_findings(&["scan", EXAMPLE]).iter().map(key).collect();
    shown.sort();
    expected.sort();
    assert!(!expected.is_empty());
    assert_eq!(shown, expected);
    assert!(
        loaded
            .dom
            .contains(&format!("{0} of {0} findings", expected.len()))
    );
}

/// Which JSON findings a filter keeps.
type Keep = Box<dyn Fn(&Value) -> bool>;

#[test]
#[cfg_attr(
    not(has_chromium),
    ignore = "needs chromium: run scripts/install-tools.sh"
)]
fn filters_hide_what_does_not_match() {
    let dir = tempfile::tempdir().unwrap();
    let page = html_report(dir.path(), &["scan", EXAMPLE]);
    let all = json_findings(&["scan", EXAMPLE]);
    let cases: [(&str, Keep); 3] = [
        (
            "severity=high",
            Box::new(|f| f["severity"] == "critical" || f["severity"] == "high"),
        ),
        (
            "namespace=kube-system",
            Box::new(|f| f["object"]["namespace"] == "kube-system"),
        ),
        (
            "rule=privileged-container&q=log-agent",
            Box::new(|f| f["rule"] == "privileged-container" && f["object"]["name"] == "log-agent"),
        ),
    ];
    for (fragment, keep) in cases {
        let url = format!("file://{}#{fragment}", page.display());
        let loaded = chromium(&url, &["--dump-dom".to_owned()]);
        assert!(
            loaded.console.is_empty(),
            "{fragment}: {:#?}",
            loaded.console
        );
        let mut visible: Vec<_> = rows(&loaded.dom)
            .into_iter()
            .filter(|(_, h)| !h)
            .map(|(k, _)| k)
            .collect();
        let mut expected: Vec<_> = all.iter().filter(|f| keep(f)).map(key).collect();
        visible.sort();
        expected.sort();
        assert!(!expected.is_empty(), "{fragment}");
        assert_eq!(visible, expected, "{fragment}");
        assert!(
            loaded
                .dom
                .contains(&format!("{} of {} findings", expected.len(), all.len())),
            "{fragment}"
        );
    }
}

#[test]
#[cfg_attr(
    not(has_chromium),
    ignore = "needs chromium: run scripts/install-tools.sh"
)]
fn columns_sort_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let page = html_report(dir.path(), &["scan", EXAMPLE]);
    let position = |k: &(String, String, String, String)| {
        (
            k.1.clone(),
            k.2.parse::<u32>().unwrap(),
            k.3.parse::<u32>().unwrap(),
        )
    };
    for (fragment, descending) in [("sort=file", false), ("sort=-file", true)] {
        let url = format!("file://{}#{fragment}", page.display());
        let loaded = chromium(&url, &["--dump-dom".to_owned()]);
        assert!(
            loaded.console.is_empty(),
            "{fragment}: {:#?}",
            loaded.console
        );
        let order: Vec<_> = rows(&loaded.dom).iter().map(|(k, _)| position(k)).collect();
        let mut sorted = order.clone();
        sorted.sort();
        if descending {
            sorted.reverse();
        }
        assert!(order.len() > 100);
        assert_eq!(order, sorted, "{fragment}");
    }
}

#[test]
#[cfg_attr(
    not(has_chromium),
    ignore = "needs chromium: run scripts/install-tools.sh"
)]
fn screenshots_of_both_themes_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let page = html_report(dir.path(), &["scan", EXAMPLE]);
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    for theme in ["light", "dark"] {
        let shot = target.join(format!("kubeguard-report-{theme}.png"));
        let _ = std::fs::remove_file(&shot);
        let url = format!("file://{}#theme={theme}", page.display());
        let loaded = chromium(
            &url,
            &[
                "--window-size=1400,1800".to_owned(),
                format!("--screenshot={}", shot.display()),
            ],
        );
        assert!(loaded.console.is_empty(), "{theme}: {:#?}", loaded.console);
        let png = std::fs::read(&shot).expect("a screenshot");
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
            "{theme}"
        );
        eprintln!("screenshot for review: {}", shot.display());
    }
}

#[test]
fn every_findings_command_writes_html() {
    let dir = tempfile::tempdir().unwrap();
    for args in OTHER_FINDINGS_COMMANDS {
        let page = std::fs::read_to_string(html_report(dir.path(), args)).unwrap();
        let expected = json_findings(args).len();
        assert!(expected > 0, "{args:?}");
        assert_eq!(
            page.matches("<tr class=\"finding\"").count(),
            expected,
            "{args:?}"
        );
    }
}
