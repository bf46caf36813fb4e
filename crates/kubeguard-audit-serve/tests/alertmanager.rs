//! Alert delivery to a real Alertmanager (`prometheus-alertmanager`, the
//! Debian package) started on 127.0.0.1: alerts posted before it is up
//! arrive once it is, through retries; a repeated batch and a second
//! receiver posting the same events leave one alert per key.

mod common;

use axum::http::{Method, StatusCode};
use common::{Daemon, Targets, event, event_list, free_port, post, sample, serve, wait_for};
use kubeguard_audit_serve::alertmanager::{self, RetryPolicy};
use kubeguard_audit_serve::client::{HttpClient, Uri};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const BINARY: &str = "prometheus-alertmanager";

/// Starts Alertmanager on 127.0.0.1:`port` with a temporary config and storage.
fn start_alertmanager(port: u16) -> Daemon {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("alertmanager.yml");
    std::fs::write(
        &config,
        "route:\n  receiver: 'null'\n  group_wait: 1h\nreceivers:\n  - name: 'null'\n",
    )
    .expect("config");
    let child = Command::new(BINARY)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start alertmanager");
    Daemon { child, dir }
}

async fn get_json(client: &HttpClient, url: &str) -> Option<Value> {
    let (status, body) = client
        .send(
            Method::GET,
            &url.parse().ok()?,
            Vec::new(),
            Duration::from_secs(2),
        )
        .await
        .ok()?;
    (status == StatusCode::OK).then(|| serde_json::from_slice(&body).ok())?
}

/// Alerts delivered to `endpoint` too.
fn to_alertmanager(endpoint: &Uri, client: &HttpClient, retry: RetryPolicy) -> Targets {
    let (endpoint, client) = (endpoint.clone(), client.clone());
    Box::new(move |outputs, metrics| {
        let (sender, task) = alertmanager::start(endpoint, client, retry, metrics);
        (outputs.with_alertmanager(sender), vec![task])
    })
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        min_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(400),
        retries: 100,
        timeout: Duration::from_secs(2),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(has_prometheus_alertmanager),
    ignore = "needs prometheus-alertmanager (Debian package): run scripts/install-tools.sh"
)]
async fn alerts_arrive_once_through_retries_and_repeats() {
    let port = free_port();
    let endpoint = alertmanager::alerts_endpoint(&format!("http://127.0.0.1:{port}")).unwrap();
    let plain = HttpClient::new(rustls::RootCertStore::empty()).unwrap();
    // Two receivers (two replicas behind one Service), both delivering to it.
    let mut servers = Vec::new();
    for _ in 0..2 {
        servers.push(serve(1000, to_alertmanager(&endpoint, &plain, policy())).await);
    }
    let batch = event_list(vec![
        event("a-1", "eve", "prod", true),
        event("a-2", "eve", "dev", true),
        event("r-1", "bob", "prod", false),
        event("a-3", "mallory", "prod", true),
    ]);
    // Alertmanager is not up yet: the first server's posts fail and are retried.
    let first = &servers[0];
    let (status, _) = post(&first.client, first.addr, "/audit", batch.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(&first.client, first.addr, "/audit", batch.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let first_metrics = Arc::clone(&first.metrics);
    let retry = "kubeguard_audit_alert_deliveries_total{target=\"alertmanager\",result=\"retry\"}";
    assert!(
        wait_for(Duration::from_secs(10), || sample(
            &first_metrics.encode(),
            retry
        ) >= 3.0)
        .await,
        "{}",
        first_metrics.encode()
    );

    let _alertmanager = start_alertmanager(port);
    let ready = format!("http://127.0.0.1:{port}/api/v2/status");
    let mut up = false;
    for _ in 0..100 {
        if get_json(&plain, &ready).await.is_some() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "alertmanager did not start on port {port}");
    let ok = "kubeguard_audit_alert_deliveries_total{target=\"alertmanager\",result=\"ok\"}";
    assert!(
        wait_for(Duration::from_secs(15), || sample(
            &first_metrics.encode(),
            ok
        ) == 3.0)
        .await,
        "{}",
        first_metrics.encode()
    );
    // The second receiver gets the same batch (the API server retried it
    // elsewhere): it posts the same keys, and Alertmanager keeps one of each.
    let second = &servers[1];
    let (status, _) = post(&second.client, second.addr, "/audit", batch).await;
    assert_eq!(status, StatusCode::OK);
    let second_metrics = Arc::clone(&second.metrics);
    assert!(
        wait_for(Duration::from_secs(15), || sample(
            &second_metrics.encode(),
            ok
        ) == 3.0)
        .await,
        "{}",
        second_metrics.encode()
    );

    let alerts = get_json(&plain, &format!("http://127.0.0.1:{port}/api/v2/alerts"))
        .await
        .expect("alerts");
    let alerts = alerts.as_array().expect("an array");
    let mut keys: Vec<&str> = alerts
        .iter()
        .map(|a| a["labels"]["alert_key"].as_str().expect("alert_key"))
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "a-1/ResponseComplete/audit-pod-exec",
            "a-2/ResponseComplete/audit-pod-exec",
            "a-3/ResponseComplete/audit-pod-exec"
        ],
        "{alerts:#?}"
    );
    let a1 = alerts
        .iter()
        .find(|a| a["annotations"]["auditID"] == "a-1")
        .expect("a-1");
    let labels = &a1["labels"];
    assert_eq!(labels["alertname"], "audit-pod-exec");
    assert_eq!(labels["priority"], "Notice");
    assert_eq!(labels["severity"], "info");
    assert_eq!(labels["namespace"], "prod");
    assert_eq!(labels["user"], "eve");
    assert_eq!(labels["source"], "k8s_audit");
    assert!(
        a1["annotations"]["output"]
            .as_str()
            .unwrap()
            .contains("user=eve")
    );
    assert_eq!(a1["status"]["state"], "active");
    // Locally, the repeated batch raised nothing twice.
    assert_eq!(
        sample(
            &first.metrics.encode(),
            "kubeguard_audit_alerts_deduplicated_total"
        ),
        3.0
    );
    for server in servers {
        server.stop.send(()).unwrap();
        server.task.await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_deliveries_are_counted_after_the_retries() {
    // Nothing listens on this port: every attempt fails.
    let endpoint =
        alertmanager::alerts_endpoint(&format!("http://127.0.0.1:{}", free_port())).unwrap();
    let client = HttpClient::new(rustls::RootCertStore::empty()).unwrap();
    let retry = RetryPolicy {
        retries: 2,
        ..policy()
    };
    let server = serve(1000, to_alertmanager(&endpoint, &client, retry)).await;
    let metrics = Arc::clone(&server.metrics);
    let (status, _) = post(
        &server.client,
        server.addr,
        "/audit",
        event_list(vec![
            event("a-1", "eve", "prod", true),
            event("a-2", "eve", "prod", true),
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let failed =
        "kubeguard_audit_alert_deliveries_total{target=\"alertmanager\",result=\"failed\"}";
    assert!(
        wait_for(Duration::from_secs(10), || sample(
            &metrics.encode(),
            failed
        ) == 2.0)
        .await,
        "{}",
        metrics.encode()
    );
    let text = metrics.encode();
    assert_eq!(
        sample(
            &text,
            "kubeguard_audit_alert_deliveries_total{target=\"alertmanager\",result=\"retry\"}"
        ),
        4.0,
        "two retries of the one post of two alerts"
    );
    server.stop.send(()).unwrap();
    server.task.await.unwrap().unwrap();
}
