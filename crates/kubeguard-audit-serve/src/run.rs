//! Putting `audit serve` together: the queue and the detection workers (or
//! the JetStream publisher), certificate reloads, the router and the accept
//! loop, and the shutdown that drains the queue.

use crate::detect::{Detector, start_workers};
use crate::intake::{IntakeState, Sink};
use crate::metrics::Metrics;
use crate::nats::Publisher;
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

/// What is done with received events.
#[derive(Debug)]
pub enum Backend {
    /// Evaluated here, by `workers` threads draining a queue of `queue_capacity` events.
    Detect {
        /// The rules and alert outputs.
        detector: Detector,
        /// Detection worker threads.
        workers: usize,
        /// The queue's capacity in events.
        queue_capacity: usize,
        /// Alert delivery tasks (Alertmanager) to finish after the workers,
        /// within `timeouts.grace`.
        deliveries: Vec<JoinHandle<()>>,
    },
    /// Published to JetStream for `audit worker` processes.
    Publish(Publisher),
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
    /// The metrics (the detector's, when detecting here).
    pub metrics: Arc<Metrics>,
    /// What is done with the events.
    pub backend: Backend,
    /// The largest event evaluated.
    pub max_event_size: usize,
}

impl AuditServer {
    /// Serves until `shutdown` resolves; then stops accepting connections,
    /// finishes the requests in flight, and evaluates every queued event
    /// and delivers its alerts before returning.
    ///
    /// # Errors
    /// The TLS configuration or the worker threads could not be set up.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let tls_config = tls::server_config(Arc::clone(&self.cert))?;
        let metrics = self.metrics;
        let reload_metrics = Arc::clone(&metrics);
        let reloads = tokio::spawn(tls::watch_files(
            Arc::clone(&self.cert),
            self.reload_every,
            move |ok| reload_metrics.certificate_reload(ok),
        ));
        let mut local = None;
        let sink = match self.backend {
            Backend::Detect {
                detector,
                workers,
                queue_capacity,
                deliveries,
            } => {
                let (queue, receiver) = Queue::new(queue_capacity);
                let queue = Arc::new(queue);
                let detector = Arc::new(detector);
                let threads = start_workers(workers, &detector, &queue, receiver)
                    .map_err(ServeError::Workers)?;
                local = Some((Arc::clone(&queue), detector, threads, deliveries));
                Sink::Queue(queue)
            }
            Backend::Publish(publisher) => Sink::Publish(Arc::new(publisher)),
        };
        metrics.queue_capacity(match &sink {
            Sink::Queue(q) => q.capacity(),
            Sink::Publish(p) => p.capacity(),
        });
        let state = IntakeState {
            sink,
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
        if let Some((queue, detector, threads, deliveries)) = local {
            queue.close();
            tracing::info!("evaluating the {} queued events", queue.depth());
            let joined = tokio::task::spawn_blocking(move || {
                for thread in threads {
                    if thread.join().is_err() {
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
            finish_deliveries(deliveries, self.timeouts.grace).await;
        }
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
