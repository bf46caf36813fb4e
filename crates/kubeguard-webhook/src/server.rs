//! The HTTPS accept loop: TLS handshakes with tokio-rustls, HTTP/1.1 and
//! HTTP/2 with hyper-util, and graceful shutdown.
//!
//! On shutdown the listener is closed at once (no new connections), idle
//! keep-alive connections are closed, and connections with a request in
//! flight finish that request before closing, up to a grace period after
//! which what is left is dropped.

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

/// Timeouts of the accept loop.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// Longest TLS handshake.
    pub handshake: Duration,
    /// Longest wait for a request's headers (HTTP/1.1).
    pub headers: Duration,
    /// Longest wait for in-flight requests after shutdown starts.
    pub grace: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            handshake: Duration::from_secs(10),
            headers: Duration::from_secs(10),
            grace: Duration::from_secs(25),
        }
    }
}

/// Serves `router` over TLS on `listener` until `shutdown` resolves, then
/// drains in-flight requests (see the module docs) and returns.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    router: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, do not spin.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        connections.spawn(connection(
            stream,
            acceptor.clone(),
            router.clone(),
            timeouts,
            stop_rx.clone(),
        ));
    }
    drop(listener);
    stop_tx.send_replace(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(timeouts.grace, drain).await.is_err() {
        tracing::warn!(
            "{} connections still busy after {:?}; closing them",
            connections.len(),
            timeouts.grace
        );
        connections.abort_all();
    }
}

/// Logs a failed handshake: at debug level (scanners and dropped
/// connections are routine), except for a client that sends a server name
/// (SNI) that is not a host name, which is refused with `illegal_parameter`
/// and worth a warning because the client's own error names no cause.
fn log_handshake_error(e: &std::io::Error) {
    let bad_sni = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|inner| {
            matches!(
                inner,
                rustls::Error::PeerMisbehaved(
                    rustls::PeerMisbehaved::ServerNameMustContainOneHostName
                )
            )
        });
    if bad_sni {
        tracing::warn!(
            "TLS handshake refused: the client sent a server name (SNI) that is not a DNS host name, such as `host:port`; the API server never does (it sends the service's DNS name, or none for an IP address), but some load generators do (docs/webhook.md, \"TLS clients\")"
        );
    } else {
        tracing::debug!("TLS handshake failed: {e}");
    }
}

async fn connection(
    stream: TcpStream,
    acceptor: TlsAcceptor,
    router: Router,
    timeouts: Timeouts,
    mut stop: watch::Receiver<bool>,
) {
    // Nagle would hold back small responses.
    let _ = stream.set_nodelay(true);
    let tls = tokio::select! {
        handshake = tokio::time::timeout(timeouts.handshake, acceptor.accept(stream)) => {
            match handshake {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    log_handshake_error(&e);
                    return;
                }
                Err(_) => {
                    tracing::debug!("TLS handshake timed out");
                    return;
                }
            }
        }
        _ = stop.wait_for(|stopping| *stopping) => return,
    };
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.headers);
    builder.http2().timer(TokioTimer::new());
    let service = TowerToHyperService::new(router);
    let mut conn = pin!(builder.serve_connection(TokioIo::new(tls), service));
    tokio::select! {
        done = conn.as_mut() => {
            if let Err(e) = done {
                tracing::debug!("connection closed with an error: {e}");
            }
            return;
        }
        _ = stop.wait_for(|stopping| *stopping) => conn.as_mut().graceful_shutdown(),
    }
    if let Err(e) = conn.await {
        tracing::debug!("connection closed with an error while draining: {e}");
    }
}

/// Registers for SIGTERM (what the kubelet sends) and Ctrl-C at once, so a
/// signal that arrives while the server is still starting is not lost, and
/// returns a future that resolves when one arrives. Call it inside the
/// runtime, before announcing that the server listens.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        async fn received(signal: std::io::Result<Signal>) {
            match signal {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        }
        let terminate = received(signal(SignalKind::terminate()));
        let interrupt = received(signal(SignalKind::interrupt()));
        async move {
            tokio::select! {
                () = interrupt => tracing::info!("Ctrl-C received; shutting down"),
                () = terminate => tracing::info!("SIGTERM received; shutting down"),
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("Ctrl-C received; shutting down");
    }
}
