//! The Grafana dashboard of `deploy/audit/` queries only metrics that
//! `/metrics` exposes, and shows every one of them.

mod common;

use common::{Targets, free_port, scrape, serve};
use kubeguard_audit_serve::alertmanager::{self, RetryPolicy};
use kubeguard_audit_serve::client::HttpClient;
use std::collections::BTreeSet;

/// The series names `/metrics` exposes, from its `# TYPE` lines: a counter
/// `x` is sampled as `x_total`, a histogram as `x_bucket`, `x_sum`, `x_count`.
fn exposed(metrics: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in metrics.lines() {
        let Some(rest) = line.strip_prefix("# TYPE ") else {
            continue;
        };
        let (name, kind) = rest.split_once(' ').expect("# TYPE name kind");
        match kind {
            "counter" => {
                names.insert(format!("{name}_total"));
            }
            "histogram" => {
                for suffix in ["_bucket", "_sum", "_count"] {
                    names.insert(format!("{name}{suffix}"));
                }
            }
            _ => {
                names.insert(name.to_owned());
            }
        }
    }
    names
}

/// Every `kubeguard_*` identifier in a PromQL expression.
fn metric_names(expr: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(i) = rest.find("kubeguard_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        out.push(&tail[..end]);
        rest = &tail[end..];
    }
    out
}

fn exprs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("expr" | "definition", serde_json::Value::String(s)) => out.push(s.clone()),
                    ("query", serde_json::Value::String(s)) => out.push(s.clone()),
                    _ => exprs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| exprs(v, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_query_names_an_exposed_metric() {
    // With an Alertmanager configured (nothing listens there; no alert is sent).
    let endpoint =
        alertmanager::alerts_endpoint(&format!("http://127.0.0.1:{}", free_port())).unwrap();
    let client = HttpClient::new(rustls::RootCertStore::empty()).unwrap();
    let targets: Targets = Box::new(move |outputs, metrics| {
        let (sender, task) = alertmanager::start(endpoint, client, RetryPolicy::default(), metrics);
        (outputs.with_alertmanager(sender), vec![task])
    });
    let server = serve(100, targets).await;
    let metrics = scrape(&server.client, server.addr).await;
    let exposed = exposed(&metrics);
    assert!(
        exposed.contains("kubeguard_audit_events_received_total"),
        "{metrics}"
    );

    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/audit/grafana-dashboard.json"
    );
    let text = std::fs::read_to_string(path).expect("the dashboard");
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("dashboard JSON");
    assert_eq!(dashboard["uid"], "kubeguard-audit");
    let mut queries = Vec::new();
    exprs(&dashboard, &mut queries);
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 8);
    let mut used = BTreeSet::new();
    for query in &queries {
        let names = metric_names(query);
        for name in names {
            assert!(
                exposed.contains(name),
                "{name} (in {query}) is not exposed:\n{metrics}"
            );
            used.insert(name.to_owned());
        }
    }
    // Every metric is on the dashboard (a histogram through its buckets).
    for name in &exposed {
        let shown = used.contains(name)
            || ["_sum", "_count"].iter().any(|s| {
                name.strip_suffix(s)
                    .is_some_and(|base| used.contains(&format!("{base}_bucket")))
            });
        assert!(shown, "{name} is on no panel");
    }
    server.stop.send(()).unwrap();
    server.task.await.unwrap().unwrap();
}

#[test]
fn names_are_found_in_expressions() {
    assert_eq!(
        metric_names("sum(rate(kubeguard_audit_a_total{job=~\"x\"}[5m])) / kubeguard_audit_b"),
        ["kubeguard_audit_a_total", "kubeguard_audit_b"]
    );
}
