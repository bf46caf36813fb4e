//! The HTTPS server on loopback: reviews over TLS, certificate rotation
//! without dropping connections, and graceful shutdown.

mod common;

use axum::http::{Method, StatusCode};
use common::loopback::{Http1, Running, Serve, http1, request, tls_connect};
use common::{json, review};
use kubeguard_webhook::run::ClusterSource;
use kubeguard_webhook::server::Timeouts;
use kubeguard_webhook::tls::{CertificateFiles, ReloadingCert, SelfSigned};
use std::path::Path;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn write_pair(dir: &Path, pair: &SelfSigned, mtime_offset: u64) -> CertificateFiles {
    let files = CertificateFiles {
        cert: dir.join("tls.crt"),
        key: dir.join("tls.key"),
    };
    std::fs::write(&files.key, &pair.key_pem).expect("write key");
    std::fs::write(&files.cert, &pair.cert_pem).expect("write cert");
    for path in [&files.cert, &files.key] {
        std::fs::File::options()
            .write(true)
            .open(path)
            .expect("open")
            .set_modified(SystemTime::now() + Duration::from_secs(mtime_offset))
            .expect("mtime");
    }
    files
}

async fn metrics(conn: &mut Http1) -> String {
    let (status, body) = request(conn, Method::GET, "/metrics", Vec::new())
        .await
        .expect("metrics");
    assert_eq!(status, StatusCode::OK);
    String::from_utf8(body.to_vec()).expect("utf-8")
}

fn reload_errors(metrics: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix(r#"kubeguard_webhook_certificate_reloads_total{result="error"} "#)
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// Serves the test policy with certificates from `files`, polled every 20 ms.
async fn start(files: CertificateFiles) -> Running {
    let (engine, cluster) = common::engine();
    let cert = ReloadingCert::from_files(files).expect("certificate");
    let mut serve = Serve::new(engine, ClusterSource::Static(cluster), cert);
    serve.reload_every = Duration::from_millis(20);
    serve.timeouts = Timeouts {
        grace: Duration::from_secs(5),
        ..Timeouts::default()
    };
    serve.start().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_over_tls_and_rotation_keeps_open_connections() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = SelfSigned::generate("localhost").expect("generate");
    let server = start(write_pair(dir.path(), &first, 0)).await;

    let mut old = http1(server.addr, &first.ca_pem).await.expect("connect");
    let (status, body) = request(
        &mut old,
        Method::POST,
        "/validate",
        review("pod-denied.json"),
    )
    .await
    .expect("review");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["response"]["allowed"], false);

    // Rotate to a certificate from another CA.
    let second = SelfSigned::generate("localhost").expect("generate");
    write_pair(dir.path(), &second, 10);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut new = loop {
        if let Ok(conn) = http1(server.addr, &second.ca_pem).await {
            break conn;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "new certificate never served"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let (status, _) = request(
        &mut new,
        Method::POST,
        "/validate",
        review("pod-allowed.json"),
    )
    .await
    .expect("review on the new certificate");
    assert_eq!(status, StatusCode::OK);

    // The connection made with the old certificate is still served.
    let (status, body) = request(
        &mut old,
        Method::POST,
        "/validate",
        review("pod-allowed.json"),
    )
    .await
    .expect("old connection still open");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json(&body)["response"]["allowed"], true);

    // New handshakes no longer present the old certificate.
    assert!(tls_connect(server.addr, &first.ca_pem).await.is_err());

    // A broken rotation is refused and counted; the current certificate
    // stays in service. (A poll between the two file writes of the
    // rotation above may already have refused a half-written pair, so
    // the error count is compared, not assumed.)
    let text = metrics(&mut new).await;
    assert!(
        text.contains(r#"kubeguard_webhook_certificate_reloads_total{result="ok"} 1"#),
        "{text}"
    );
    let errors_before = reload_errors(&text);
    std::fs::write(dir.path().join("tls.crt"), "garbage").expect("write");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while reload_errors(&metrics(&mut new).await) <= errors_before {
        assert!(
            std::time::Instant::now() < deadline,
            "broken pair never reported"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut again = http1(server.addr, &second.ca_pem)
        .await
        .expect("still serving the good certificate");
    let (status, _) = request(&mut again, Method::GET, "/healthz", Vec::new())
        .await
        .expect("healthz");
    assert_eq!(status, StatusCode::OK);

    server.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_review_in_flight() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pair = SelfSigned::generate("localhost").expect("generate");
    let server = start(write_pair(dir.path(), &pair, 0)).await;
    let addr = server.addr;

    // A review whose body is only half sent: in flight on the server.
    let body = review("pod-allowed.json");
    let (head, tail) = body.split_at(body.len() / 2);
    let mut tls = tls_connect(addr, &pair.ca_pem).await.expect("connect");
    let headers = format!(
        "POST /validate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    tls.write_all(headers.as_bytes()).await.expect("write");
    tls.write_all(head).await.expect("write");
    tls.flush().await.expect("flush");
    tokio::time::sleep(Duration::from_millis(100)).await;

    let stop = server.stop;
    let task = server.task;
    let _ = stop.send(());
    tokio::time::sleep(Duration::from_millis(100)).await;
    // No new connections once shutdown has begun.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    assert!(
        !task.is_finished(),
        "the server waits for the review in flight"
    );

    tls.write_all(tail).await.expect("write the rest");
    tls.flush().await.expect("flush");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut answer))
        .await
        .expect("answered in time")
        .ok();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("11111111-1111-1111-1111-111111111111"),
        "{answer}"
    );

    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("server stops after the review")
        .expect("server task")
        .expect("server runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_idle_connections_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pair = SelfSigned::generate("localhost").expect("generate");
    let server = start(write_pair(dir.path(), &pair, 0)).await;
    let mut idle = http1(server.addr, &pair.ca_pem).await.expect("connect");
    let (status, _) = request(&mut idle, Method::GET, "/healthz", Vec::new())
        .await
        .expect("healthz");
    assert_eq!(status, StatusCode::OK);
    // The grace period is 5 s; an idle keep-alive connection must not hold shutdown.
    let took = server.shut_down().await;
    assert!(took < Duration::from_secs(3), "shutdown took {took:?}");
}

/// The API server calls webhooks over HTTP/2 (ALPN h2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_over_http2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pair = SelfSigned::generate("localhost").expect("generate");
    let server = start(write_pair(dir.path(), &pair, 0)).await;

    let tcp = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    let name = rustls_pki_types::ServerName::try_from("localhost").expect("name");
    let tls =
        tokio_rustls::TlsConnector::from(common::loopback::client_config_alpn(&pair.ca_pem, b"h2"))
            .connect(name, tcp)
            .await
            .expect("handshake");
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tls),
    )
    .await
    .expect("h2 handshake");
    tokio::spawn(conn);

    // Several reviews multiplexed on the one connection.
    let mut answers = Vec::new();
    for name in [
        "pod-allowed.json",
        "pod-denied.json",
        "deployment-denied.json",
    ] {
        let request = axum::http::Request::post("https://localhost/validate")
            .header("content-type", "application/json")
            .body(http_body_util::Full::new(axum::body::Bytes::from(review(
                name,
            ))))
            .expect("request");
        answers.push(sender.send_request(request));
    }
    let mut allowed = Vec::new();
    for answer in answers {
        let response = answer.await.expect("response");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.version(), axum::http::Version::HTTP_2);
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .expect("body")
            .to_bytes();
        allowed.push(json(&body)["response"]["allowed"].clone());
    }
    assert_eq!(allowed, [true, false, false]);
    server.shut_down().await;
}
