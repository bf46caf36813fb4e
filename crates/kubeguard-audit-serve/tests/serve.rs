//! `audit serve` over HTTPS on loopback: EventList batches evaluated,
//! alerts written once, bad bodies refused with a clear message, queue
//! overflow refused and counted, the queue drained on shutdown, and the
//! metrics scraped.

mod common;

use axum::http::{Method, StatusCode};
use common::{event, event_list, lines_only, post, sample, scrape, serve, tls_pair, url, wait_for};
use kubeguard_audit_serve::intake::{IntakeState, Sink};
use kubeguard_audit_serve::metrics::Metrics;
use kubeguard_audit_serve::queue::Queue;
use kubeguard_webhook::server::Timeouts;
use kubeguard_webhook::tls;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_evaluated_once_and_the_queue_drains_on_shutdown() {
    let server = serve(10_000, lines_only()).await;
    let (client, addr) = (&server.client, server.addr);
    let batch = event_list(vec![
        event("a-1", "eve", "prod", true),
        event("a-2", "eve", "dev", true),
        event("r-1", "bob", "prod", false),
        event("r-2", "bob", "prod", false),
        event("r-3", "bob", "prod", false),
    ]);
    let (status, body) = post(client, addr, "/audit", batch.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["events"], 5);
    // A single Event, on Falco's path; then the first batch again, as the
    // API server resends it after a timeout: no second alert.
    let single = serde_json::to_vec(&event("a-3", "mallory", "prod", true)).unwrap();
    let (status, body) = post(client, addr, "/k8s-audit", single).await;
    assert_eq!((status, body["events"].clone()), (StatusCode::OK, json!(1)));
    let (status, _) = post(client, addr, "/audit", batch).await;
    assert_eq!(status, StatusCode::OK);
    let mut stale = event("x-1", "eve", "prod", true);
    stale.as_object_mut().unwrap().remove("stageTimestamp");
    let (status, body) = post(client, addr, "/audit", event_list(vec![stale])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"events": 0, "dropped": 1, "dropped_by_reason": {"no_timestamp": 1}})
    );

    let metrics = Arc::clone(&server.metrics);
    assert!(
        wait_for(Duration::from_secs(10), || {
            sample(&metrics.encode(), "kubeguard_audit_events_evaluated_total") == 11.0
        })
        .await
    );
    let text = scrape(client, addr).await;
    for (name, value) in [
        ("kubeguard_audit_events_received_total", 12.0),
        ("kubeguard_audit_events_evaluated_total", 11.0),
        (
            "kubeguard_audit_events_dropped_total{reason=\"no_timestamp\"}",
            1.0,
        ),
        (
            "kubeguard_audit_alerts_total{rule=\"audit-pod-exec\",priority=\"Notice\"}",
            3.0,
        ),
        ("kubeguard_audit_alerts_deduplicated_total", 2.0),
        ("kubeguard_audit_queue_depth", 0.0),
        ("kubeguard_audit_queue_capacity", 10_000.0),
        ("kubeguard_audit_batch_duration_seconds_count", 3.0),
    ] {
        assert_eq!(sample(&text, name), value, "{name} in\n{text}");
    }
    let (status, _) = client
        .send(
            Method::GET,
            &url(addr, "/healthz"),
            Vec::new(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);

    // Shutdown right after a batch: every queued event is still evaluated.
    let many: Vec<_> = (0..300)
        .map(|i| event(&format!("b-{i}"), "eve", "prod", i % 3 == 0))
        .collect();
    let (status, _) = post(client, addr, "/audit", event_list(many)).await;
    assert_eq!(status, StatusCode::OK);
    server.stop.send(()).unwrap();
    server.task.await.unwrap().unwrap();
    assert_eq!(
        sample(
            &server.metrics.encode(),
            "kubeguard_audit_events_evaluated_total"
        ),
        311.0
    );
    let alerts = server.alerts.lines();
    assert_eq!(alerts.len(), 3 + 100);
    let first = alerts.iter().find(|a| a["auditID"] == "a-1").unwrap();
    assert_eq!(first["rule"], "audit-pod-exec");
    assert_eq!(first["priority"], "Notice");
    assert_eq!(first["namespace"], "prod");
    assert_eq!(first["user"], "eve");
    assert_eq!(first["auditID"], "a-1");
    assert_eq!(first["key"], "a-1/ResponseComplete/audit-pod-exec");
    assert_eq!(first["time"], "2026-12-05T04:00:01.000001000Z");
    assert!(
        first["output"].as_str().unwrap().contains("command=sh"),
        "{first}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_are_refused_with_a_clear_message() {
    let server = serve(100, lines_only()).await;
    let (client, addr) = (&server.client, server.addr);
    let (status, body) = post(
        client,
        addr,
        "/audit",
        b"{\"kind\": \"EventList\", \"items\": [".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = body["error"].as_str().unwrap();
    assert!(
        message
            .starts_with("the request body is not JSON: EOF while parsing a list at line 1 column"),
        "{message}"
    );
    let (status, body) = post(client, addr, "/audit", br#"{"kind": "Pod"}"#.to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("expected kind Event or EventList"),
        "{body}"
    );
    let (status, body) = client
        .send(
            Method::GET,
            &url(addr, "/audit"),
            Vec::new(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body:?}");
    let text = scrape(client, addr).await;
    assert_eq!(
        sample(
            &text,
            "kubeguard_audit_bad_requests_total{reason=\"invalid\"}"
        ),
        2.0
    );
    assert_eq!(sample(&text, "kubeguard_audit_events_received_total"), 0.0);
    server.stop.send(()).unwrap();
    server.task.await.unwrap().unwrap();
}

/// The intake with no worker draining its queue: what does not fit is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_refuses_batches_at_once_and_counts_them() {
    let (cert, client) = tls_pair();
    let metrics = Arc::new(Metrics::new());
    let (queue, _receiver) = Queue::new(4);
    let state = IntakeState {
        sink: Sink::Queue(Arc::new(queue)),
        metrics: Arc::clone(&metrics),
        max_event_size: kubeguard_audit::DEFAULT_MAX_EVENT_SIZE,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = tls::server_config(Arc::new(cert)).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(kubeguard_webhook::server::serve(
        listener,
        config,
        kubeguard_audit_serve::router(state),
        Timeouts::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    let three = || {
        event_list(
            (0..3)
                .map(|i| event(&format!("e-{i}"), "eve", "prod", true))
                .collect(),
        )
    };
    let (status, _) = post(&client, addr, "/audit", three()).await;
    assert_eq!(status, StatusCode::OK);
    let started = std::time::Instant::now();
    let (status, body) = post(&client, addr, "/audit", three()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "refused at once"
    );
    assert_eq!(
        body["error"],
        "the queue is full (3 of 4 events waiting); the batch of 3 events was not accepted, send it again later"
    );
    let five = event_list(
        (0..5)
            .map(|i| event(&format!("f-{i}"), "eve", "prod", true))
            .collect(),
    );
    let (status, body) = post(&client, addr, "/audit", five).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let text = scrape(&client, addr).await;
    assert_eq!(
        sample(
            &text,
            "kubeguard_audit_events_dropped_total{reason=\"queue_full\"}"
        ),
        8.0
    );
    assert_eq!(sample(&text, "kubeguard_audit_queue_depth"), 3.0);
    assert_eq!(sample(&text, "kubeguard_audit_events_received_total"), 11.0);
    stop.send(()).unwrap();
    task.await.unwrap();
}
