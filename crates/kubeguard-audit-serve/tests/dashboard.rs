//! The Grafana dashboard of `deploy/audit/` queries only metrics that
//! `/metrics` exposes, and shows every one of them; the series its
//! scale-out panels select by label (`reason="publish_failed"`,
//! `target="nats"`) are exposed by a publishing receiver and a worker
//! running on a real `nats-server`.

mod common;

use axum::http::StatusCode;
use common::{Targets, event, event_list, free_port, post, scrape, serve};
use kubeguard_audit::{Priority, builtin};
use kubeguard_audit_serve::alertmanager::{self, RetryPolicy};
use kubeguard_audit_serve::client::HttpClient;
use kubeguard_audit_serve::detect::Detector;
use kubeguard_audit_serve::metrics::Metrics;
use kubeguard_audit_serve::nats::{Publisher, Streams, Worker};
use kubeguard_audit_serve::outputs::Outputs;
use kubeguard_audit_serve::run::Backend;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

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

/// A series selector of a PromQL expression: a `kubeguard_*` metric and
/// the labels it requires with `label="value"` (matchers on template
/// variables such as `job=~"$job"` are left out).
#[derive(Debug, PartialEq)]
struct Selector<'a> {
    name: &'a str,
    labels: Vec<(&'a str, &'a str)>,
}

/// Every `kubeguard_*` series selector in a PromQL expression.
fn selectors(expr: &str) -> Vec<Selector<'_>> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(i) = rest.find("kubeguard_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let name = &tail[..end];
        let mut labels = Vec::new();
        rest = &tail[end..];
        if let Some(inner) = rest.strip_prefix('{') {
            let close = inner.find('}').expect("a closing brace");
            for matcher in inner[..close].split(',') {
                let (label, value) = matcher.split_once('=').expect("label=value");
                let fixed = !label.ends_with('!') && !value.starts_with('~');
                let value = value.trim_matches('"');
                if fixed && !value.contains('$') {
                    labels.push((label.trim(), value));
                }
            }
            rest = &inner[close..];
        }
        out.push(Selector { name, labels });
    }
    out
}

/// Whether `metrics` (the text format) has a sample of `selector`'s metric
/// with all its labels.
fn has_series(metrics: &str, selector: &Selector<'_>) -> bool {
    metrics.lines().any(|line| {
        let Some(rest) = line.strip_prefix(selector.name) else {
            return false;
        };
        if rest.starts_with(' ') {
            return selector.labels.is_empty();
        }
        rest.strip_prefix('{')
            .and_then(|rest| rest.split_once('}'))
            .is_some_and(|(labels, _)| {
                let labels: Vec<&str> = labels.split(',').collect();
                selector
                    .labels
                    .iter()
                    .all(|(k, v)| labels.contains(&format!("{k}=\"{v}\"").as_str()))
            })
    })
}

/// The dashboard and every query in it.
fn dashboard() -> (serde_json::Value, Vec<String>) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/audit/grafana-dashboard.json"
    );
    let text = std::fs::read_to_string(path).expect("the dashboard");
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("dashboard JSON");
    let mut queries = Vec::new();
    exprs(&dashboard, &mut queries);
    (dashboard, queries)
}

/// `/metrics` of a detecting `audit serve` with an Alertmanager configured
/// (nothing listens there; no alert is sent).
async fn detecting_server_metrics() -> String {
    let endpoint =
        alertmanager::alerts_endpoint(&format!("http://127.0.0.1:{}", free_port())).unwrap();
    let client = HttpClient::new(rustls::RootCertStore::empty()).unwrap();
    let targets: Targets = Box::new(move |outputs, metrics| {
        let (sender, task) = alertmanager::start(endpoint, client, RetryPolicy::default(), metrics);
        (outputs.with_alertmanager(sender), vec![task])
    });
    let server = serve(100, targets).await;
    let metrics = scrape(&server.client, server.addr).await;
    server.stop.send(()).unwrap();
    server.task.await.unwrap().unwrap();
    metrics
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
    let metrics = detecting_server_metrics().await;
    let exposed = exposed(&metrics);
    assert!(
        exposed.contains("kubeguard_audit_events_received_total"),
        "{metrics}"
    );
    let (dashboard, queries) = dashboard();
    assert_eq!(dashboard["uid"], "kubeguard-audit");
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 8);
    let mut used = BTreeSet::new();
    for query in &queries {
        for Selector { name, .. } in selectors(query) {
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
}

/// A publishing receiver and a worker on a real `nats-server`, one event
/// through them: together with a detecting receiver they expose every
/// series the dashboard selects, its label values included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(has_nats_server),
    ignore = "needs nats-server (Debian package): run scripts/install-tools.sh"
)]
async fn every_series_the_dashboard_selects_is_exposed_by_a_receiver_or_a_worker() {
    let streams = Streams::default();
    let (_nats, _, js) = common::jetstream(&streams).await;

    // The receiver publishes one event.
    let publishing = Arc::new(Metrics::new());
    let common::Started {
        addr,
        client,
        stop,
        task: receiver,
    } = common::start(
        Backend::Publish(Publisher::new(js.clone(), &streams, 100)),
        Arc::clone(&publishing),
    )
    .await;
    let batch = event_list(vec![event("e-1", "eve", "prod", true)]);
    let (status, body) = post(&client, addr, "/audit", batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A worker evaluates it and stores its alert.
    let working = Arc::new(Metrics::new());
    let detector = Arc::new(Detector::new(
        builtin::rules().expect("rules"),
        Priority::Debug,
        Outputs::new(None, Arc::clone(&working)),
        Arc::clone(&working),
    ));
    let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(
        Worker {
            js,
            streams,
            detector,
            max_event_size: kubeguard_audit::DEFAULT_MAX_EVENT_SIZE,
        }
        .run(async move {
            let _ = worker_stopped.await;
        }),
    );
    let stored = Selector {
        name: "kubeguard_audit_alert_deliveries_total",
        labels: vec![("target", "nats"), ("result", "ok")],
    };
    let alert_stored = common::wait_for(Duration::from_secs(20), || {
        let metrics = working.encode();
        metrics
            .lines()
            .any(|l| l.starts_with(stored.name) && has_series(l, &stored) && !l.ends_with(" 0"))
    })
    .await;
    assert!(alert_stored, "{}", working.encode());

    let metrics = [
        detecting_server_metrics().await,
        publishing.encode(),
        working.encode(),
    ]
    .join("\n");
    let exposed = exposed(&metrics);
    let (_, queries) = dashboard();
    let mut labelled = BTreeSet::new();
    for query in &queries {
        for selector in selectors(query) {
            assert!(
                exposed.contains(selector.name) && has_series(&metrics, &selector),
                "{selector:?} (in {query}) is not exposed:\n{metrics}"
            );
            for (label, value) in &selector.labels {
                labelled.insert(format!("{label}={value}"));
            }
        }
    }
    // The scale-out panels are there.
    for label in ["reason=publish_failed", "target=nats"] {
        assert!(labelled.contains(label), "no panel selects {label}");
    }

    stop_worker.send(()).unwrap();
    worker.await.unwrap().unwrap();
    stop.send(()).unwrap();
    receiver.await.unwrap().unwrap();
}

#[test]
fn selectors_are_found_in_expressions() {
    assert_eq!(
        selectors(
            "sum(rate(kubeguard_audit_a_total{job=~\"$job\",reason=\"x\"}[5m])) / kubeguard_audit_b"
        ),
        [
            Selector {
                name: "kubeguard_audit_a_total",
                labels: vec![("reason", "x")],
            },
            Selector {
                name: "kubeguard_audit_b",
                labels: vec![],
            },
        ]
    );
    let metrics = "kubeguard_audit_a_total{target=\"nats\",result=\"ok\"} 1\n";
    let select = |labels| Selector {
        name: "kubeguard_audit_a_total",
        labels,
    };
    assert!(has_series(metrics, &select(vec![("target", "nats")])));
    assert!(!has_series(
        metrics,
        &select(vec![("target", "alertmanager")])
    ));
    assert!(!has_series(metrics, &select(vec![("reason", "nats")])));
    assert!(has_series("kubeguard_audit_a_total 0\n", &select(vec![])));
    assert!(!has_series(
        "kubeguard_audit_a_total 0\n",
        &select(vec![("target", "nats")])
    ));
}
