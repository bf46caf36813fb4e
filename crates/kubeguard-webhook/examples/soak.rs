//! Soak test: many reviews over TLS on loopback, checking that memory does
//! not grow.
//!
//! Starts the webhook in this process (self-signed certificate, the test
//! policy), sends `--reviews` AdmissionReviews (Pods and Deployments,
//! allowed and denied, plus one malformed body in five) over `--connections`
//! HTTP/1.1 keep-alive connections, and samples the heap in use (counted by
//! the allocator) and the process's RSS (from /proc/self/status) after the
//! warm-up tenth and at every further tenth. Stops after `--max-seconds` at
//! the latest. Exits 1 when the heap in use grew by more than
//! `--max-growth-kib` after warm-up, when a review went unanswered, or when
//! the time bound cut the run short. RSS is reported, not judged: allocator
//! arenas make it move in steps that are not leaks.
//!
//! Run: `scripts/soak.sh` (release build, 1,000,000 reviews).

#[path = "../tests/common/loopback.rs"]
mod loopback;

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counts the heap bytes in use by this process.
#[global_allocator]
static HEAP: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

struct Options {
    reviews: u64,
    connections: u64,
    max_seconds: u64,
    max_growth_kib: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        reviews: 1_000_000,
        connections: 8,
        max_seconds: 900,
        max_growth_kib: 512,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair
            .get(1)
            .and_then(|v| v.replace('_', "").parse::<u64>().ok())
            .filter(|v| *v > 0)
            .ok_or_else(|| format!("{} needs a positive number", pair[0]))?;
        match pair[0].as_str() {
            "--reviews" => o.reviews = value,
            "--connections" => o.connections = value,
            "--max-seconds" => o.max_seconds = value,
            "--max-growth-kib" => o.max_growth_kib = value,
            other => {
                return Err(format!(
                    "unknown option {other}; use --reviews, --connections, --max-seconds, --max-growth-kib"
                ));
            }
        }
    }
    Ok(o)
}

/// A numeric field of /proc/self/status (`VmRSS` in KiB, `Threads`).
fn proc_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn bodies() -> Vec<Bytes> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reviews");
    let mut bodies: Vec<Bytes> = [
        "pod-allowed.json",
        "pod-denied.json",
        "deployment-allowed.json",
        "deployment-denied.json",
    ]
    .iter()
    .map(|n| Bytes::from(std::fs::read(dir.join(n)).expect("review fixture")))
    .collect();
    bodies.push(Bytes::from_static(
        b"{\"apiVersion\":\"admission.k8s.io/v1\"}",
    ));
    bodies
}

/// Sends one body; the HTTP status, or `None` when the connection failed.
async fn send(sender: &mut loopback::Http1, body: Bytes) -> Option<StatusCode> {
    let (status, _) = loopback::request(sender, Method::POST, "/validate", body)
        .await
        .ok()?;
    Some(status)
}

fn main() -> ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(kubeguard_webhook::BLOCKING_THREADS)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(soak(o))
}

async fn soak(o: Options) -> ExitCode {
    let (serve, ca_pem) = loopback::Serve::test_policy_self_signed();
    let server = serve.start().await;
    let addr = server.addr;

    let bodies = Arc::new(bodies());
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(o.max_seconds);
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..o.connections {
        let mut sender = loopback::http1(addr, &ca_pem).await.expect("connect");
        let (bodies, next, failed, done) = (
            Arc::clone(&bodies),
            Arc::clone(&next),
            Arc::clone(&failed),
            Arc::clone(&done),
        );
        let total = o.reviews;
        clients.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total || Instant::now() >= deadline {
                    break;
                }
                let body = bodies[(i % bodies.len() as u64) as usize].clone();
                match send(&mut sender, body).await {
                    Some(StatusCode::OK | StatusCode::BAD_REQUEST) => {}
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }

    let tenth = (o.reviews / 10).max(1);
    let mut baseline = None;
    let mut peak_after_warm_up = 0;
    let mut next_sample = tenth;
    let mut last_sample = 0;
    println!(
        "soak: {} reviews over {} TLS connections on {addr}, at most {} s",
        o.reviews, o.connections, o.max_seconds
    );
    while !clients.is_empty() {
        tokio::select! {
            _ = clients.join_next() => {}
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        let n = done.load(Ordering::Relaxed);
        if n != last_sample && (n >= next_sample || clients.is_empty()) {
            last_sample = n;
            let heap = HEAP.allocated() as u64;
            println!(
                "  {n:>9} reviews  {:>7.1} s  heap {:>9} B  RSS {:>7} KiB  threads {}",
                started.elapsed().as_secs_f64(),
                heap,
                proc_status("VmRSS").unwrap_or(0),
                proc_status("Threads").unwrap_or(0)
            );
            if baseline.is_none() {
                baseline = Some(heap);
            } else {
                peak_after_warm_up = peak_after_warm_up.max(heap);
            }
            next_sample = (n / tenth + 1) * tenth;
        }
    }
    let elapsed = started.elapsed();
    server.shut_down().await;

    let sent = done.load(Ordering::Relaxed);
    let failed = failed.load(Ordering::Relaxed);
    let baseline = baseline.unwrap_or(0);
    let growth = peak_after_warm_up.saturating_sub(baseline);
    println!(
        "soak: {sent} reviews in {:.1} s ({:.0}/s), {failed} failed; heap in use after warm-up {baseline} B, peak after {peak_after_warm_up} B, growth {growth} B",
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64()
    );
    let mut ok = true;
    if sent < o.reviews {
        println!(
            "soak: FAILED: stopped by the {} s bound after {sent} reviews",
            o.max_seconds
        );
        ok = false;
    }
    if failed > 0 {
        println!("soak: FAILED: {failed} reviews unanswered");
        ok = false;
    }
    if growth > o.max_growth_kib * 1024 {
        println!(
            "soak: FAILED: the heap in use grew more than {} KiB",
            o.max_growth_kib
        );
        ok = false;
    }
    if ok {
        println!("soak: passed");
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
