//! `kubeguard audit serve`: the HTTPS audit webhook backend.

use crate::webhook_serve_cmd::{init_logging, parse_dns_name};
use anyhow::{Context, Result, anyhow};
use clap::Args;
use kubeguard_audit::{DEFAULT_MAX_EVENT_SIZE, Priority, RuleSet};
use kubeguard_audit_serve::alertmanager::{self, RetryPolicy};
use kubeguard_audit_serve::client::{HttpClient, Uri, system_roots};
use kubeguard_audit_serve::detect::Detector;
use kubeguard_audit_serve::metrics::Metrics;
use kubeguard_audit_serve::outputs::Outputs;
use kubeguard_audit_serve::run::AuditServer;
use kubeguard_webhook::server::{Timeouts, shutdown_signal};
use kubeguard_webhook::tls::{CertificateFiles, ReloadingCert, SelfSigned};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

const SERVE_HELP: &str = "\
Point the API server at it with --audit-webhook-config-file, a kubeconfig
whose cluster server is https://SERVICE:PORT/audit (deploy/audit/ has one,
with the Deployment, Service and a sample audit policy; docs/audit.md
explains every step).

Endpoints (HTTPS):
  POST /audit      audit.k8s.io/v1 EventList batches (or one Event); also /k8s-audit
  GET  /healthz    liveness
  GET  /metrics    Prometheus metrics (kubeguard_audit_*)

Queue and back-pressure:
  Parsed batches wait in a queue of --queue-capacity events for the
  --workers detection threads. When a batch does not fit, it is refused at
  once with 429 Too Many Requests (Retry-After: 1) and its events are
  counted in kubeguard_audit_events_dropped_total{reason=\"queue_full\"}: the
  API server's batching webhook backend retries a refused batch with
  back-off, so a slow detector costs delay, not memory. Events without a
  valid stageTimestamp or over 262,144 bytes are dropped as Falco's k8saudit
  plugin drops them, and counted.

Alerts:
  Written as JSON lines (the keys of `audit scan --format jsonl`, plus
  namespace, user and key) to standard output or --output. The key,
  AUDITID/STAGE/RULE, makes an alert idempotent: a batch the API server
  sends twice raises each alert once (kubeguard_audit_alerts_deduplicated_total).
  --alertmanager URL posts them to Alertmanager's v2 API too, with labels
  alertname (the rule), priority, severity, source, namespace, user and
  alert_key (so Alertmanager keeps one alert per key), annotations output,
  description and auditID; failed posts are retried with exponential
  back-off and counted in kubeguard_audit_alert_deliveries_total.

Shutdown:
  SIGTERM or Ctrl-C stops accepting connections, finishes the requests in
  flight, evaluates every queued event, and exits 0.

Logs go to standard error; KUBEGUARD_LOG=error|warn|info|debug|trace sets
the level (default info).

Examples:
  kubeguard audit serve --tls-cert /certs/tls.crt --tls-key /certs/tls.key
  kubeguard audit serve --rules k8s_audit_rules.yaml --min-priority warning --tls-cert tls.crt --tls-key tls.key
  kubeguard audit serve --self-signed localhost --listen 127.0.0.1:9443 -o alerts.jsonl
  kubeguard audit serve --tls-cert tls.crt --tls-key tls.key --alertmanager http://alertmanager.monitoring:9093";

/// Arguments of `kubeguard audit serve`.
#[derive(Debug, Args)]
#[command(after_help = SERVE_HELP)]
pub struct ServeArgs {
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

    /// Serve a generated certificate for DNS_NAME (development only); its CA bundle
    /// (base64 PEM) is the first line of standard output.
    #[arg(long, value_name = "DNS_NAME", value_parser = parse_dns_name)]
    pub self_signed: Option<String>,

    /// The address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:8443")]
    pub listen: SocketAddr,

    /// How often the certificate files are checked for changes, e.g. 10s, 500ms.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::cli::parse_duration)]
    pub reload_interval: Duration,

    /// A Falco rules file; repeat to load several, in order (default: the built-in rules).
    #[arg(short, long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,

    /// Only rules at or above this priority: emergency, alert, critical, error,
    /// warning, notice, informational (info), debug.
    #[arg(long, value_name = "PRIORITY", default_value = "debug", value_parser = crate::audit_cmd::parse_priority)]
    pub min_priority: Priority,

    /// Events the queue holds before batches are refused with 429.
    #[arg(long, value_name = "EVENTS", default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    pub queue_capacity: u32,

    /// Detection worker threads (default: the number of CPUs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub workers: Option<u16>,

    /// Write the alerts (JSON lines) to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also post the alerts to this Alertmanager (v2 API, e.g. http://alertmanager:9093);
    /// repeat for several. Failed posts are retried with back-off for about two minutes.
    #[arg(long = "alertmanager", value_name = "URL", value_parser = parse_alertmanager)]
    pub alertmanagers: Vec<Uri>,
}

fn parse_alertmanager(s: &str) -> Result<Uri, String> {
    alertmanager::alerts_endpoint(s)
}

/// A writer that hands each write to the thread that owns standard output.
struct ToMain(mpsc::Sender<Vec<u8>>);

impl Write for ToMain {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .send(buf.to_vec())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The serving certificate from the flags; with --self-signed, its CA bundle.
fn certificate(
    self_signed: Option<&str>,
    cert: Option<&PathBuf>,
    key: Option<&PathBuf>,
) -> Result<(ReloadingCert, Option<String>)> {
    match (self_signed, cert, key) {
        (Some(name), _, _) => {
            let pair = SelfSigned::generate(name)?;
            Ok((
                ReloadingCert::fixed(pair.certified_key()),
                Some(pair.ca_bundle()),
            ))
        }
        (None, Some(cert), Some(key)) => Ok((
            ReloadingCert::from_files(CertificateFiles {
                cert: cert.clone(),
                key: key.clone(),
            })?,
            None,
        )),
        _ => Err(anyhow!(
            "--tls-cert and --tls-key are required (or --self-signed DNS_NAME for development)"
        )),
    }
}

/// Loads the rules, printing errors (exit 2) and notes.
pub(crate) fn load_rule_set(files: &[PathBuf]) -> Option<RuleSet> {
    match crate::audit_cmd::rule_set(files) {
        Ok(set) => {
            for note in &set.notes {
                tracing::info!("note: {note}");
            }
            Some(set)
        }
        Err(errors) => {
            for e in errors {
                eprintln!("kubeguard: error: {e}");
            }
            None
        }
    }
}

/// Runs the server until SIGTERM or Ctrl-C; 0 on a clean stop.
pub fn run(args: &ServeArgs, stdout: &mut dyn Write) -> Result<u8> {
    init_logging();
    let Some(rules) = load_rule_set(&args.rules) else {
        return Ok(2);
    };
    let (cert, ca_bundle) = certificate(
        args.self_signed.as_deref(),
        args.tls_cert.as_ref(),
        args.tls_key.as_ref(),
    )?;
    if let Some(bundle) = ca_bundle {
        writeln!(stdout, "{bundle}")?;
        stdout.flush()?;
    }
    let (lines_tx, lines_rx) = mpsc::channel::<Vec<u8>>();
    let alert_lines: Box<dyn Write + Send> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write the alerts to {}", path.display()))?,
        ),
        None => Box::new(ToMain(lines_tx.clone())),
    };
    // Only the alert output holds a sender now: the loop below ends when it is dropped.
    drop(lines_tx);
    let client = if args.alertmanagers.is_empty() {
        None
    } else {
        Some(HttpClient::new(system_roots()).context("the HTTPS client for Alertmanager")?)
    };
    let alertmanagers = args.alertmanagers.clone();
    let min_priority = args.min_priority;
    let workers = args.workers.map_or_else(
        || std::thread::available_parallelism().map_or(2, usize::from),
        usize::from,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let listen = args.listen;
    let queue_capacity = args.queue_capacity as usize;
    let reload_every = args.reload_interval;
    // The server runs on its own thread; this one owns standard output and
    // writes the alert lines it is handed until the server is done.
    let server = std::thread::Builder::new()
        .name("audit-serve".into())
        .spawn(move || -> Result<()> {
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                let bound = listener.local_addr().context("reading the bound address")?;
                let shutdown = shutdown_signal();
                let metrics = Arc::new(Metrics::new());
                let mut outputs = Outputs::new(Some(alert_lines), Arc::clone(&metrics));
                let mut deliveries = Vec::new();
                for endpoint in alertmanagers {
                    let client = client.clone().context("no HTTP client")?;
                    tracing::info!("alerts go to {endpoint}");
                    let (sender, task) = alertmanager::start(
                        endpoint,
                        client,
                        RetryPolicy::default(),
                        Arc::clone(&metrics),
                    );
                    outputs = outputs.with_alertmanager(sender);
                    deliveries.push(task);
                }
                let detector = Detector::new(rules, min_priority, outputs, metrics);
                tracing::info!("listening on https://{bound}/audit");
                AuditServer {
                    listener,
                    cert: Arc::new(cert),
                    reload_every,
                    timeouts: Timeouts::default(),
                    detector,
                    queue_capacity,
                    workers,
                    max_event_size: DEFAULT_MAX_EVENT_SIZE,
                    deliveries,
                }
                .run(shutdown)
                .await?;
                tracing::info!("stopped");
                Ok(())
            })
        })
        .context("cannot start the server thread")?;
    let mut write_failed = None;
    for line in lines_rx {
        if write_failed.is_none()
            && let Err(e) = stdout.write_all(&line).and_then(|()| stdout.flush())
        {
            write_failed = Some(e);
        }
    }
    server
        .join()
        .map_err(|_| anyhow!("the server thread panicked"))??;
    if let Some(e) = write_failed {
        return Err(e).context("cannot write the alerts to standard output");
    }
    Ok(0)
}
