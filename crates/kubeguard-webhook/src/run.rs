//! Putting the server together: cluster view, readiness, certificate
//! reloads, the router and the accept loop.

use crate::api::state::{AppState, Readiness};
use crate::cluster::ClusterWatch;
use crate::server::{Timeouts, serve};
use crate::tls::{self, ReloadingCert, TlsError};
use kubeguard_admission::{ClusterView, Engine};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// Where namespace labels and pods come from.
pub enum ClusterSource {
    /// Fixed state, e.g. the policy file's namespaces; ready at once.
    Static(Arc<dyn ClusterView>),
    /// A live API server, watched with reflectors; ready once they have synced.
    Live(kube::Client),
}

impl std::fmt::Debug for ClusterSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClusterSource::Static(_) => "ClusterSource::Static",
            ClusterSource::Live(_) => "ClusterSource::Live",
        })
    }
}

/// A webhook ready to run.
#[derive(Debug)]
pub struct Webhook {
    /// The bound listening socket.
    pub listener: TcpListener,
    /// The compiled policy.
    pub engine: Engine,
    /// The source of cluster state.
    pub cluster: ClusterSource,
    /// The serving certificate.
    pub cert: Arc<ReloadingCert>,
    /// How often the certificate files are checked for changes.
    pub reload_every: Duration,
    /// Accept-loop timeouts.
    pub timeouts: Timeouts,
}

impl Webhook {
    /// Serves until `shutdown` resolves, then drains in-flight reviews.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), TlsError> {
        let tls_config = tls::server_config(Arc::clone(&self.cert))?;
        let engine = Arc::new(self.engine);
        let mut background = JoinSet::new();
        let (view, readiness, watch) = match self.cluster {
            ClusterSource::Static(view) => (view, Arc::new(Readiness::ready()), None),
            ClusterSource::Live(client) => {
                let watch = Arc::new(ClusterWatch::start(client, engine.watches()));
                (watch.view(), Arc::new(Readiness::pending()), Some(watch))
            }
        };
        if let Some(watch) = &watch {
            let watch = Arc::clone(watch);
            let readiness = Arc::clone(&readiness);
            background.spawn(async move {
                watch.synced().await;
                readiness.set_ready();
                tracing::info!("cluster caches synced; ready");
            });
        }
        let state = AppState::new(engine, view, readiness);
        let metrics = Arc::clone(&state.metrics);
        background.spawn(tls::watch_files(
            Arc::clone(&self.cert),
            self.reload_every,
            move |ok| metrics.certificate_reload(ok),
        ));
        serve(
            self.listener,
            tls_config,
            crate::router(state),
            self.timeouts,
            shutdown,
        )
        .await;
        background.abort_all();
        drop(watch);
        Ok(())
    }
}

impl ClusterSource {
    /// A live API server when a kubeconfig or the in-cluster service
    /// account is found (`kube::Config::infer`), otherwise `fallback`.
    /// Returns the reason when falling back.
    pub async fn infer_or(fallback: Arc<dyn ClusterView>) -> (Self, Option<String>) {
        match kube::Config::infer().await {
            Ok(config) => match kube::Client::try_from(config) {
                Ok(client) => (ClusterSource::Live(client), None),
                Err(e) => (ClusterSource::Static(fallback), Some(e.to_string())),
            },
            Err(e) => (ClusterSource::Static(fallback), Some(e.to_string())),
        }
    }
}
