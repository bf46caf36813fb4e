//! Putting `audit serve` together: the queue, the detection workers,
//! certificate reloads, the router and the accept loop, and the shutdown
//! that drains the queue.

use crate::detect::{Detector, start_workers};
use crate::intake::IntakeState;
use crate::queue::Queue;
use kubeguard_webhook::server::{Timeouts, serve};
use kubeguard_webhook::tls::{self, ReloadingCert, TlsError};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The TLS configuration could not be built.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// A worker thread could not be started.
    #[error("cannot start the detection workers: {0}")]
    Workers(std::io::Error),
}

/// `audit serve`, ready to run.
#[derive(Debug)]
pub struct AuditServer {
    /// The bound listening socket.
    pub listener: TcpListener,
    /// The serving certificate.
    pub cert: Arc<ReloadingCert>,
    /// How often the certificate files are checked for changes.
    pub reload_every: Duration,
    /// Accept-loop timeouts.
    pub timeouts: Timeouts,
    /// The rules and alert outputs.
    pub detector: Detector,
    /// The queue's capacity in events.
    pub queue_capacity: usize,
    /// Detection worker threads.
    pub workers: usize,
    /// The largest event evaluated.
    pub max_event_size: usize,
    /// Alert delivery tasks (Alertmanager) to finish after the workers,
    /// within `timeouts.grace`.
    pub deliveries: Vec<JoinHandle<()>>,
}

impl AuditServer {
    /// Serves until `shutdown` resolves; then stops accepting connections,
    /// finishes the requests in flight, and evaluates every queued event
    /// before returning.
    ///
    /// # Errors
    /// The TLS configuration or the worker threads could not be set up.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let tls_config = tls::server_config(Arc::clone(&self.cert))?;
        let metrics = Arc::clone(&self.detector.metrics);
        let (queue, receiver) = Queue::new(self.queue_capacity);
        let queue = Arc::new(queue);
        metrics.queue_capacity(queue.capacity());
        let detector = Arc::new(self.detector);
        let workers = start_workers(self.workers, &detector, &queue, receiver)
            .map_err(ServeError::Workers)?;
        let reload_metrics = Arc::clone(&metrics);
        let reloads = tokio::spawn(tls::watch_files(
            Arc::clone(&self.cert),
            self.reload_every,
            move |ok| reload_metrics.certificate_reload(ok),
        ));
        let state = IntakeState {
            queue: Arc::clone(&queue),
            metrics,
            max_event_size: self.max_event_size,
        };
        serve(
            self.listener,
            tls_config,
            crate::router(state),
            self.timeouts,
            shutdown,
        )
        .await;
        queue.close();
        tracing::info!("evaluating the {} queued events", queue.depth());
        let joined = tokio::task::spawn_blocking(move || {
            for worker in workers {
                if worker.join().is_err() {
                    tracing::error!("a detection worker panicked");
                }
            }
        })
        .await;
        if let Err(e) = joined {
            tracing::error!("waiting for the detection workers: {e}");
        }
        // The outputs, and with them the delivery queues' senders, go now:
        // each delivery task sends what is left and ends.
        drop(detector);
        finish_deliveries(self.deliveries, self.timeouts.grace).await;
        reloads.abort();
        Ok(())
    }
}

/// Waits for the delivery tasks to send what is queued, at most `grace`;
/// what is still undelivered then is given up, with an error logged.
pub async fn finish_deliveries(deliveries: Vec<JoinHandle<()>>, grace: Duration) {
    let mut pending = deliveries;
    let all = async {
        for task in &mut pending {
            let _ = task.await;
        }
    };
    if tokio::time::timeout(grace, all).await.is_err() {
        tracing::error!("alert deliveries still retrying after {grace:?}; giving them up");
        for task in &pending {
            task.abort();
        }
    }
}
