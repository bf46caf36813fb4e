//! `kubeguard webhook serve`: the HTTPS admission webhook.

use crate::serving::{ServingArgs, init_logging};
use anyhow::{Context, Result, anyhow};
use clap::Args;
use kubeguard_admission::{ClusterView, Engine, Policy};
use kubeguard_webhook::run::{ClusterSource, Webhook};
use kubeguard_webhook::server::{Timeouts, shutdown_signal};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

const SERVE_HELP: &str = "\
Endpoints (HTTPS):
  POST /validate   ValidatingWebhookConfiguration target
  POST /mutate     MutatingWebhookConfiguration target (policy mutation: enabled)
  GET  /healthz    liveness
  GET  /readyz     ready once the namespace (and pod) caches have synced
  GET  /metrics    Prometheus metrics

Cluster state:
  Inside a cluster (or with a kubeconfig) namespaces, and pods when the exec
  guard is on, are watched through the API server. Without one, or with
  --no-cluster, namespace labels come from the policy file's cluster section.

Certificates:
  --tls-cert/--tls-key are checked for changes every --reload-interval and
  swapped in without dropping connections (cert-manager rotation); a broken
  new pair is logged and the current one kept. --self-signed generates a
  development CA and serving certificate in memory and prints the CA bundle
  (base64 PEM, for the webhook configuration's caBundle) on standard output.

Shutdown:
  SIGTERM or Ctrl-C stops accepting connections, finishes the reviews in
  flight and exits 0.

Logs go to standard error; KUBEGUARD_LOG=error|warn|info|debug|trace sets
the level (default info).

Examples:
  kubeguard webhook serve --config policy.yaml --tls-cert /certs/tls.crt --tls-key /certs/tls.key
  kubeguard webhook serve --config policy.yaml --self-signed localhost --listen 127.0.0.1:8443 --no-cluster";

/// Arguments of `kubeguard webhook serve`.
#[derive(Debug, Args)]
#[command(after_help = SERVE_HELP)]
pub struct ServeArgs {
    /// The admission policy file (kind: AdmissionPolicy).
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,

    #[command(flatten)]
    pub serving: ServingArgs,

    /// Take namespace labels from the policy file, even when a cluster is reachable.
    #[arg(long)]
    pub no_cluster: bool,
}

/// Runs the server until SIGTERM or Ctrl-C; 0 on a clean stop.
pub fn run(args: &ServeArgs) -> Result<u8> {
    init_logging();
    let policy = Policy::from_file(&args.config).map_err(|e| anyhow!("{e}"))?;
    let fallback: Arc<dyn ClusterView> = Arc::new(policy.static_cluster());
    let engine = Engine::new(policy).map_err(|e| anyhow!("{e}"))?;
    let (cert, ca_bundle) = args.serving.certificate()?;
    if let Some(bundle) = ca_bundle {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{bundle}")?;
        out.flush()?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(kubeguard_webhook::BLOCKING_THREADS)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.serving.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.serving.listen))?;
        let bound = listener.local_addr().context("reading the bound address")?;
        let watches = engine.watches();
        let cluster = if args.no_cluster || !(watches.namespaces || watches.pods) {
            ClusterSource::Static(fallback)
        } else {
            let (source, fallback_reason) = ClusterSource::infer_or(fallback).await;
            if let Some(reason) = fallback_reason {
                tracing::info!(
                    "no cluster configuration ({reason}); namespace labels come from the policy file"
                );
            }
            source
        };
        let shutdown = shutdown_signal();
        tracing::info!("listening on https://{bound}");
        Webhook {
            listener,
            engine,
            cluster,
            cert: Arc::new(cert),
            reload_every: args.serving.reload_interval,
            timeouts: Timeouts::default(),
        }
        .run(shutdown)
        .await?;
        tracing::info!("stopped");
        Ok(0)
    })
}
