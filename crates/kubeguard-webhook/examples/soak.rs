//! Soak test: many reviews over TLS on loopback, checking that resident
//! memory does not grow.
//!
//! Starts the webhook in this process (self-signed certificate, the test
//! policy), sends `--reviews` AdmissionReviews (Pods and Deployments,
//! allowed and denied, plus one malformed body in five) over `--connections`
//! HTTP/1.1 keep-alive connections, and samples the process's RSS from
//! /proc/self/status after the warm-up tenth and at every further tenth.
//! Stops after `--max-seconds` at the latest. Exits 1 when RSS grew by more
//! than `--max-growth-mib` after warm-up, when a review went unanswered, or
//! when the time bound cut the run short.
//!
//! Run: `scripts/soak.sh` (release build, 1,000,000 reviews).

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use kubeguard_admission::{ClusterView, Engine, Policy};
use kubeguard_webhook::run::{ClusterSource, Webhook};
use kubeguard_webhook::server::Timeouts;
use kubeguard_webhook::tls::{ReloadingCert, SelfSigned};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

struct Options {
    reviews: u64,
    connections: u64,
    max_seconds: u64,
    max_growth_mib: u64,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        reviews: 1_000_000,
        connections: 8,
        max_seconds: 900,
        max_growth_mib: 16,
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
            "--max-growth-mib" => o.max_growth_mib = value,
            other => {
                return Err(format!(
                    "unknown option {other}; use --reviews, --connections, --max-seconds, --max-growth-mib"
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

async fn connect(addr: std::net::SocketAddr, ca_pem: &str) -> SendRequest<Full<Bytes>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.expect("CA")).expect("CA");
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("handshake");
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .expect("http handshake");
    tokio::spawn(conn);
    sender
}

/// Sends one body; the HTTP status, or `None` when the connection failed.
async fn send(sender: &mut SendRequest<Full<Bytes>>, body: Bytes) -> Option<u16> {
    sender.ready().await.ok()?;
    let request = hyper::Request::post("/validate")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(Full::new(body))
        .expect("request");
    let response = sender.send_request(request).await.ok()?;
    let status = response.status().as_u16();
    response.into_body().collect().await.ok()?;
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
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let policy = Policy::from_file(&fixtures.join("policy.yaml")).expect("policy");
    let cluster: Arc<dyn ClusterView> = Arc::new(policy.static_cluster());
    let engine = Engine::new(policy).expect("engine");
    let pair = SelfSigned::generate("localhost").expect("certificate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        Webhook {
            listener,
            engine,
            cluster: ClusterSource::Static(cluster),
            cert: Arc::new(ReloadingCert::fixed(pair.certified_key())),
            reload_every: Duration::from_secs(3600),
            timeouts: Timeouts::default(),
        }
        .run(async {
            let _ = stopped.await;
        }),
    );

    let bodies = Arc::new(bodies());
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(o.max_seconds);
    let mut clients = tokio::task::JoinSet::new();
    for _ in 0..o.connections {
        let mut sender = connect(addr, &pair.ca_pem).await;
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
                    Some(200 | 400) => {}
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
            let rss = proc_status("VmRSS").unwrap_or(0);
            println!(
                "  {n:>9} reviews  {:>7.1} s  RSS {:>7} KiB  threads {}",
                started.elapsed().as_secs_f64(),
                rss,
                proc_status("Threads").unwrap_or(0)
            );
            if baseline.is_none() {
                baseline = Some(rss);
            } else {
                peak_after_warm_up = peak_after_warm_up.max(rss);
            }
            next_sample = (n / tenth + 1) * tenth;
        }
    }
    let elapsed = started.elapsed();
    let _ = stop.send(());
    let _ = server.await;

    let sent = done.load(Ordering::Relaxed);
    let failed = failed.load(Ordering::Relaxed);
    let baseline = baseline.unwrap_or(0);
    let growth = peak_after_warm_up.saturating_sub(baseline);
    println!(
        "soak: {sent} reviews in {:.1} s ({:.0}/s), {failed} failed; RSS after warm-up {baseline} KiB, peak after {peak_after_warm_up} KiB, growth {growth} KiB",
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
    if growth > o.max_growth_mib * 1024 {
        println!("soak: FAILED: RSS grew more than {} MiB", o.max_growth_mib);
        ok = false;
    }
    if ok {
        println!("soak: passed");
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
