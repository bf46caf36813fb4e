//! What every handler shares: the engine, the cluster view, the metrics,
//! the readiness flag, and the semaphore that bounds concurrent evaluations.

use crate::metrics::Metrics;
use kubeguard_admission::{ClusterView, Engine};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Whether the server is ready to answer reviews (`/readyz`).
#[derive(Debug, Default)]
pub struct Readiness(AtomicBool);

impl Readiness {
    /// Ready from the start (running from the policy file).
    pub fn ready() -> Self {
        Self(AtomicBool::new(true))
    }

    /// Not ready until [`Readiness::set_ready`] (waiting for the reflectors).
    pub fn pending() -> Self {
        Self(AtomicBool::new(false))
    }

    /// Marks the server ready.
    pub fn set_ready(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether the server is ready.
    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// The state behind every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The compiled policy.
    pub engine: Arc<Engine>,
    /// Namespaces and pods of the cluster (or of the policy file).
    pub cluster: Arc<dyn ClusterView>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// Set once the cluster view is synced.
    pub readiness: Arc<Readiness>,
    /// Bounds the evaluations running at once on the blocking pool.
    pub evaluations: Arc<Semaphore>,
    /// How long a request body may take to arrive.
    pub body_timeout: Duration,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("ready", &self.readiness.is_ready())
            .field("free_permits", &self.evaluations.available_permits())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State with the default concurrency (twice the available cores), a
    /// 10 s body timeout and fresh metrics.
    pub fn new(
        engine: Arc<Engine>,
        cluster: Arc<dyn ClusterView>,
        readiness: Arc<Readiness>,
    ) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            engine,
            cluster,
            metrics: Arc::new(Metrics::new()),
            readiness,
            evaluations: Arc::new(Semaphore::new(cores * 2)),
            body_timeout: Duration::from_secs(10),
        }
    }
}
