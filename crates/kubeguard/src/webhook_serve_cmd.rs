//! `kubeguard webhook serve`: the HTTPS admission webhook.

use anyhow::{Context, Result, anyhow};
use clap::Args;
use kubeguard_admission::{ClusterView, Engine, Policy};
use kubeguard_webhook::run::{ClusterSource, Webhook};
use kubeguard_webhook::server::{Timeouts, shutdown_signal};
use kubeguard_webhook::tls::{CertificateFiles, ReloadingCert, SelfSigned};
use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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

    /// The serving certificate chain, PEM; reloaded when the file changes.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        required_unless_present = "self_signed",
        conflicts_with = "self_signed"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The serving certificate's private key, PEM; reloaded when the file changes.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_cert",
        required_unless_present = "self_signed",
        conflicts_with = "self_signed"
    )]
    pub tls_key: Option<PathBuf>,

    /// The address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:8443")]
    pub listen: SocketAddr,

    /// Serve a generated certificate for DNS_NAME (development only) and print its CA bundle.
    #[arg(long, value_name = "DNS_NAME", value_parser = parse_dns_name)]
    pub self_signed: Option<String>,

    /// Take namespace labels from the policy file, even when a cluster is reachable.
    #[arg(long)]
    pub no_cluster: bool,

    /// How often the certificate files are checked for changes, e.g. 10s, 500ms.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::cli::parse_duration)]
    pub reload_interval: Duration,
}

/// Runs the server until SIGTERM or Ctrl-C; 0 on a clean stop.
pub fn run(args: &ServeArgs) -> Result<u8> {
    init_logging();
    let policy = Policy::from_file(&args.config).map_err(|e| anyhow!("{e}"))?;
    let fallback: Arc<dyn ClusterView> = Arc::new(policy.static_cluster());
    let engine = Engine::new(policy).map_err(|e| anyhow!("{e}"))?;
    let cert = match (&args.self_signed, &args.tls_cert, &args.tls_key) {
        (Some(name), _, _) => {
            let pair = SelfSigned::generate(name)?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", pair.ca_bundle())?;
            out.flush()?;
            ReloadingCert::fixed(pair.certified_key())
        }
        (None, Some(cert), Some(key)) => ReloadingCert::from_files(CertificateFiles {
            cert: cert.clone(),
            key: key.clone(),
        })?,
        _ => {
            return Err(anyhow!(
                "--tls-cert and --tls-key are required (or --self-signed DNS_NAME for development)"
            ));
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(kubeguard_webhook::BLOCKING_THREADS)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
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
            reload_every: args.reload_interval,
            timeouts: Timeouts::default(),
        }
        .run(shutdown)
        .await?;
        tracing::info!("stopped");
        Ok(0)
    })
}

pub(crate) fn init_logging() {
    let level = std::env::var("KUBEGUARD_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    // Fails only when a subscriber is already set, which is then kept.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(level)
        .with_target(false)
        .try_init();
}

pub(crate) fn parse_dns_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!(
            "{s:?} is not a DNS name (e.g. kubeguard-webhook.kubeguard.svc)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        assert_eq!(
            parse_dns_name("Webhook.kubeguard.svc"),
            Ok("webhook.kubeguard.svc".into())
        );
        assert!(parse_dns_name("localhost").is_ok());
        assert!(parse_dns_name("").is_err());
        assert!(parse_dns_name("bad name").is_err());
        assert!(parse_dns_name("-x.example").is_err());
        assert!(parse_dns_name("a..b").is_err());
    }
}
