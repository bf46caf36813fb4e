//! A bounded soak in the test suite: reviews through the router, checking
//! that the heap in use (counted by the allocator, so free of the RSS
//! noise of allocator arenas) does not grow after warm-up. The full run (1,000,000
//! reviews over TLS on loopback) is `scripts/soak.sh`.
#![cfg(target_os = "linux")]

mod common;

use axum::http::{Method, StatusCode};
use common::{review, send};
use std::time::{Duration, Instant};

/// Counts the heap bytes in use by this test process.
#[global_allocator]
static HEAP: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_do_not_grow_memory() {
    const WARM_UP: usize = 2_000;
    const REVIEWS: usize = 20_000;
    const BUDGET: Duration = Duration::from_secs(60);
    // Heap growth allowed after warm-up: a leak of even 4 bytes a review
    // exceeds it.
    const MAX_GROWTH_BYTES: usize = 64 * 1024;

    let app = common::app();
    let bodies: Vec<Vec<u8>> = [
        "pod-allowed.json",
        "pod-denied.json",
        "deployment-allowed.json",
        "deployment-denied.json",
    ]
    .iter()
    .map(|n| review(n))
    .collect();
    // Also keep bad requests in the mix: their path must not leak either.
    let bad = b"{\"apiVersion\":\"admission.k8s.io/v1\"}".to_vec();

    let started = Instant::now();
    let mut baseline = 0;
    for i in 0..REVIEWS {
        if i == WARM_UP {
            baseline = HEAP.allocated();
        }
        let body = if i % 10 == 9 {
            bad.clone()
        } else {
            bodies[i % bodies.len()].clone()
        };
        let path = if i % 5 == 4 { "/mutate" } else { "/validate" };
        let (status, _) = send(&app, Method::POST, path, body).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::BAD_REQUEST,
            "review {i}: {status}"
        );
        assert!(
            started.elapsed() < BUDGET,
            "soak exceeded {BUDGET:?} at review {i}"
        );
    }
    let end = HEAP.allocated();
    let growth = end.saturating_sub(baseline);
    eprintln!("heap in use after warm-up {baseline} bytes, after {REVIEWS} reviews {end} bytes");
    assert!(
        growth <= MAX_GROWTH_BYTES,
        "the heap grew {growth} bytes ({baseline} -> {end}) over {} reviews after warm-up",
        REVIEWS - WARM_UP
    );

    let (_, metrics) = send(&app, Method::GET, "/metrics", Vec::new()).await;
    let metrics = String::from_utf8(metrics).expect("utf-8");
    let answered: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("kubeguard_webhook_requests_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert_eq!(answered, (REVIEWS - REVIEWS / 10) as u64, "{metrics}");
}
