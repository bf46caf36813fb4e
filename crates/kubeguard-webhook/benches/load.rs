//! Load benchmark of the webhook over TLS on loopback.
//!
//! Starts the server (self-signed certificate, the test policy) and drives
//! it with HTTP/1.1 keep-alive connections over rustls, sending recorded
//! AdmissionReviews in turn: Pods and Deployments, allowed and denied.
//!
//! 1. Fixed rate: `--rate` requests/s spread evenly over `--connections`
//!    connections for `--seconds`, after a one-second warm-up. Latency is
//!    measured from the send, or from the scheduled start when the
//!    connection was still busy with the previous request at that moment,
//!    so a stalled server shows up as queueing instead of being hidden (no
//!    coordinated omission), while the timer's 1 ms granularity is not
//!    counted as latency.
//! 2. Maximum sustained throughput: the same connections send back to back
//!    for `--seconds`; the completed requests per second is the maximum.
//!
//! Run: `cargo bench -p kubeguard-webhook --bench load`
//! (options: `-- --rate 2000 --connections 50 --seconds 10`).

#[path = "../tests/common/loopback.rs"]
mod loopback;

use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use loopback::Http1;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const REVIEWS: [&str; 4] = [
    "pod-allowed.json",
    "pod-denied.json",
    "deployment-allowed.json",
    "deployment-denied.json",
];

struct Options {
    rate: u32,
    connections: usize,
    seconds: u64,
}

fn options() -> Options {
    let mut o = Options {
        rate: 2000,
        connections: 50,
        seconds: 10,
    };
    let args: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match (args[i].as_str(), value) {
            ("--rate", Some(v)) => o.rate = u32::try_from(v).unwrap_or(u32::MAX).max(1),
            ("--connections", Some(v)) => o.connections = usize::try_from(v).unwrap_or(1).max(1),
            ("--seconds", Some(v)) => o.seconds = v.max(1),
            // `cargo bench` passes `--bench`; other flags are ignored.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

fn bodies() -> Vec<Bytes> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reviews");
    REVIEWS
        .iter()
        .map(|name| Bytes::from(std::fs::read(dir.join(name)).expect("review fixture")))
        .collect()
}

/// One connection's results.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
}

impl Tally {
    /// Sends one review; when it is answered 200 with a response, records
    /// the latency counted from `from`, otherwise an error.
    async fn send(&mut self, sender: &mut Http1, body: Bytes, from: Instant) {
        match loopback::request(sender, Method::POST, "/validate", body).await {
            Ok((StatusCode::OK, answer)) if answer.starts_with(b"{") => {
                self.latencies.push(from.elapsed());
            }
            _ => self.errors += 1,
        }
    }
}

struct Run {
    latencies: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

impl Run {
    fn report(&mut self, title: &str) {
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        let at = |q: f64| {
            let i = ((n as f64 * q).ceil() as usize).clamp(1, n.max(1)) - 1;
            self.latencies.get(i).copied().unwrap_or_default()
        };
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!("{title}");
        println!(
            "  requests {n}, errors {}, throughput {:.0} req/s",
            self.errors,
            n as f64 / self.elapsed.as_secs_f64()
        );
        println!(
            "  latency ms: p50 {:.3}  p95 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
            ms(at(0.50)),
            ms(at(0.95)),
            ms(at(0.99)),
            ms(at(0.999)),
            ms(self.latencies.last().copied().unwrap_or_default())
        );
    }
}

/// Open loop: request `k` of connection `c` is due at `start + (k * connections + c) / rate`.
async fn fixed_rate(senders: Vec<Http1>, bodies: &[Bytes], rate: u32, seconds: u64) -> Run {
    let connections = senders.len();
    let total = u64::from(rate) * seconds;
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let start = tokio::time::Instant::now() + Duration::from_millis(50);
    let mut tasks = tokio::task::JoinSet::new();
    for (c, mut sender) in senders.into_iter().enumerate() {
        let bodies = bodies.to_vec();
        tasks.spawn(async move {
            let mut tally = Tally::default();
            let mut i = c as u64;
            let mut previous_done = start;
            while i < total {
                let due = start + interval.mul_f64(i as f64);
                tokio::time::sleep_until(due).await;
                // Queued behind the previous request: count from when it was due.
                // Otherwise count from the send (the timer wakes up to 1 ms late).
                let from = if previous_done > due {
                    due
                } else {
                    tokio::time::Instant::now()
                };
                let body = bodies[(i as usize) % bodies.len()].clone();
                tally.send(&mut sender, body, from.into_std()).await;
                previous_done = tokio::time::Instant::now();
                i += connections as u64;
            }
            (tally, sender)
        });
    }
    collect(tasks, start.into_std()).await
}

/// Closed loop: every connection sends its next request as soon as the previous is answered.
async fn saturate(senders: Vec<Http1>, bodies: &[Bytes], seconds: u64) -> Run {
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for (c, mut sender) in senders.into_iter().enumerate() {
        let bodies = bodies.to_vec();
        tasks.spawn(async move {
            let mut tally = Tally::default();
            let mut i = c;
            while Instant::now() < end {
                let body = bodies[i % bodies.len()].clone();
                tally.send(&mut sender, body, Instant::now()).await;
                i += 1;
            }
            (tally, sender)
        });
    }
    collect(tasks, start).await
}

async fn collect(mut tasks: tokio::task::JoinSet<(Tally, Http1)>, start: Instant) -> Run {
    let mut run = Run {
        latencies: Vec::new(),
        errors: 0,
        elapsed: Duration::ZERO,
    };
    while let Some(done) = tasks.join_next().await {
        let (tally, _sender) = done.expect("client task");
        run.latencies.extend(tally.latencies);
        run.errors += tally.errors;
    }
    run.elapsed = start.elapsed();
    run
}

fn main() {
    let o = options();
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(kubeguard_webhook::BLOCKING_THREADS)
        .enable_all()
        .build()
        .expect("server runtime");
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let (serve, ca) = loopback::Serve::test_policy_self_signed();
    // Kept alive (serving) until the end of main.
    let server = server_rt.block_on(serve.start());
    let addr = server.addr;
    let bodies = bodies();
    let open = |n: usize| {
        client_rt.block_on(async {
            let mut senders = Vec::with_capacity(n);
            for _ in 0..n {
                senders.push(loopback::http1(addr, &ca).await.expect("connect"));
            }
            senders
        })
    };
    println!(
        "kubeguard webhook load test: 127.0.0.1 over TLS 1.3, HTTP/1.1 keep-alive, {} connections, {} cores",
        o.connections,
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    );

    // Warm-up: one second at the target rate, not reported.
    client_rt.block_on(fixed_rate(open(o.connections), &bodies, o.rate, 1));

    let mut run = client_rt.block_on(fixed_rate(open(o.connections), &bodies, o.rate, o.seconds));
    run.report(&format!("fixed rate: {} req/s for {} s", o.rate, o.seconds));

    let mut run = client_rt.block_on(saturate(open(o.connections), &bodies, o.seconds));
    run.report(&format!(
        "maximum sustained throughput: {} connections back to back for {} s",
        o.connections, o.seconds
    ));
}
