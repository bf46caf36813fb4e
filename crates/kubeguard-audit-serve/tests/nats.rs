//! Scale-out with a real `nats-server` (the Debian package) started with
//! JetStream on 127.0.0.1: `audit serve` publishes EventList batches to the
//! events stream (a resent batch is stored once), two workers share the
//! durable consumer, one dies mid-stream holding unacknowledged events, and
//! every event is still evaluated: each alert is in the alerts stream
//! exactly once, and in the workers' outputs at most once.

mod common;

use axum::http::StatusCode;
use common::{Shared, event, event_list, post, sample};
use kubeguard_audit::{Priority, builtin};
use kubeguard_audit_serve::detect::Detector;
use kubeguard_audit_serve::metrics::Metrics;
use kubeguard_audit_serve::nats::{self, Publisher, Streams, Worker};
use kubeguard_audit_serve::outputs::Outputs;
use kubeguard_audit_serve::run::Backend;
use std::collections::BTreeSet;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A writer that takes `n` writes, then blocks for ever: a worker stuck
/// mid-event, after storing an alert and before acknowledging the event.
struct StallAfter(usize, Shared);

impl Write for StallAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            loop {
                std::thread::park();
            }
        }
        self.0 -= 1;
        self.1.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn detector(lines: Box<dyn Write + Send>) -> Arc<Detector> {
    let metrics = Arc::new(Metrics::new());
    Arc::new(Detector::new(
        builtin::rules().expect("rules"),
        Priority::Debug,
        Outputs::new(Some(lines), Arc::clone(&metrics)),
        metrics,
    ))
}

/// The alerts stored in the alerts stream.
async fn stored(js: &async_nats::jetstream::Context, streams: &Streams) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let count = nats::stored_alerts(js, streams, |line| {
        out.push(serde_json::from_slice(line).expect("JSON"));
    })
    .await
    .expect("alerts");
    assert_eq!(count, out.len() as u64);
    out
}

async fn messages_in(js: &async_nats::jetstream::Context, stream: &str) -> u64 {
    js.get_stream(stream)
        .await
        .expect("stream")
        .get_info()
        .await
        .expect("info")
        .state
        .messages
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(has_nats_server),
    ignore = "needs nats-server (Debian package): run scripts/install-tools.sh"
)]
async fn every_event_is_evaluated_once_when_a_worker_dies() {
    let streams = Streams {
        ack_wait: Duration::from_secs(1),
        ..Streams::default()
    };
    let (_server, url, js) = common::jetstream(&streams).await;

    // The receiver publishes what the API server posts.
    let serve_metrics = Arc::new(Metrics::new());
    let common::Started {
        addr,
        client,
        stop,
        task: receiver,
    } = common::start(
        Backend::Publish(Publisher::new(js.clone(), &streams, 10_000)),
        Arc::clone(&serve_metrics),
    )
    .await;
    let batches: Vec<Vec<u8>> = (0..10)
        .map(|b| {
            event_list(
                (0..100)
                    .map(|i| {
                        let n = b * 100 + i;
                        event(&format!("e-{n}"), "eve", "prod", n % 2 == 0)
                    })
                    .collect(),
            )
        })
        .collect();
    for batch in &batches {
        let (status, body) = post(&client, addr, "/audit", batch.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // The API server resends a batch: JetStream stores its events once.
    let (status, _) = post(&client, addr, "/audit", batches[3].clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(messages_in(&js, &streams.events).await, 1000);
    assert_eq!(
        sample(
            &serve_metrics.encode(),
            "kubeguard_audit_events_published_total"
        ),
        1100.0
    );

    // Worker A stalls after 20 alerts; it runs on its own runtime, which
    // is then torn down: its connection closes with events unacknowledged.
    let lines_a = Shared::default();
    let detector_a = detector(Box::new(StallAfter(20, lines_a.clone())));
    let runtime_a = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (url_a, streams_a, det_a) = (url.clone(), streams.clone(), Arc::clone(&detector_a));
    runtime_a.spawn(async move {
        let js = nats::connect(&url_a).await.expect("connect");
        let worker = Worker {
            js,
            streams: streams_a,
            detector: det_a,
            max_event_size: kubeguard_audit::DEFAULT_MAX_EVENT_SIZE,
        };
        worker.run(std::future::pending()).await
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    while lines_a.lines().len() < 20 {
        assert!(Instant::now() < deadline, "worker A made no progress");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Worker B joins; then A dies.
    let lines_b = Shared::default();
    let detector_b = detector(Box::new(lines_b.clone()));
    let (stop_b, stopped_b) = tokio::sync::oneshot::channel::<()>();
    let worker_b = tokio::spawn(
        Worker {
            js: nats::connect(&url).await.expect("connect"),
            streams: streams.clone(),
            detector: Arc::clone(&detector_b),
            max_event_size: kubeguard_audit::DEFAULT_MAX_EVENT_SIZE,
        }
        .run(async move {
            let _ = stopped_b.await;
        }),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    runtime_a.shutdown_background();

    // B finishes the stream, A's unacknowledged events included.
    let deadline = Instant::now() + Duration::from_secs(30);
    while messages_in(&js, &streams.events).await > 0 {
        assert!(Instant::now() < deadline, "events left in the stream");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let info = js
        .get_stream(&streams.events)
        .await
        .unwrap()
        .get_consumer::<async_nats::jetstream::consumer::pull::Config>(&streams.consumer)
        .await
        .unwrap()
        .get_info()
        .await
        .unwrap();
    // More deliveries than events: A died holding events, which went to B.
    assert!(
        info.delivered.consumer_sequence > info.delivered.stream_sequence,
        "A died holding events: {info:?}"
    );
    assert_eq!((info.num_pending, info.num_ack_pending), (0, 0), "{info:?}");

    let alerts = stored(&js, &streams).await;
    let keys: Vec<String> = alerts
        .iter()
        .map(|a| a["key"].as_str().expect("key").to_owned())
        .collect();
    let unique: BTreeSet<&String> = keys.iter().collect();
    let expected: BTreeSet<String> = (0..1000)
        .filter(|n| n % 2 == 0)
        .map(|n| format!("e-{n}/ResponseComplete/audit-pod-exec"))
        .collect();
    assert_eq!(keys.len(), 500, "each alert stored once");
    assert_eq!(
        unique.into_iter().cloned().collect::<BTreeSet<_>>(),
        expected
    );

    // Together the workers evaluated every event, some of A's twice; their
    // outputs hold no alert twice.
    let evaluated = |d: &Detector| {
        sample(
            &d.metrics.encode(),
            "kubeguard_audit_events_evaluated_total",
        )
    };
    assert!(evaluated(&detector_a) + evaluated(&detector_b) > 1000.0);
    let mut written: Vec<String> = lines_a
        .lines()
        .into_iter()
        .chain(lines_b.lines())
        .map(|a| a["key"].as_str().unwrap().to_owned())
        .collect();
    let total = written.len();
    written.sort();
    written.dedup();
    assert_eq!(written.len(), total, "an alert written twice");
    assert!(written.iter().all(|k| expected.contains(k)));
    // Only the alert A stalled on (stored, then never written) is missing.
    assert_eq!(total, 499);
    assert!(
        sample(
            &detector_b.metrics.encode(),
            "kubeguard_audit_alerts_deduplicated_total"
        ) >= 1.0
    );

    stop_b.send(()).unwrap();
    worker_b.await.unwrap().unwrap();
    stop.send(()).unwrap();
    receiver.await.unwrap().unwrap();
}
