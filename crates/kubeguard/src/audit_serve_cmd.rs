//! `kubeguard audit serve`: the HTTPS audit webhook backend.

use crate::audit_select::RuleChoiceArgs;
use crate::serving::{ServingArgs, init_logging};
use anyhow::{Context, Result, anyhow};
use clap::Args;
use kubeguard_audit::{DEFAULT_MAX_EVENT_SIZE, Priority, RuleSet};
use kubeguard_audit_serve::alertmanager::{self, RetryPolicy};
use kubeguard_audit_serve::client::{HttpClient, Uri, system_roots};
use kubeguard_audit_serve::detect::Detector;
use kubeguard_audit_serve::metrics::Metrics;
use kubeguard_audit_serve::nats::{self, Publisher, Streams};
use kubeguard_audit_serve::outputs::Outputs;
use kubeguard_audit_serve::run::{AuditServer, Backend};
use kubeguard_webhook::server::{Timeouts, shutdown_signal};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use tokio::task::JoinHandle;

const SERVE_HELP: &str = "\
Point the API server at it with --audit-webhook-config-file, a kubeconfig
whose cluster server is https://SERVICE:PORT/audit (deploy/audit/ has one,
with the Deployment, Service and a sample audit policy; docs/audit.md
explains every step).

Rules: the built-in rules, or --rules files, chosen with --select, --ignore
and .kubeguard.yaml (or --config) as for `kubeguard audit scan`.

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

Scale-out:
  --publish nats://HOST:PORT stores each event in the JetStream stream
  KUBEGUARD_AUDIT_EVENTS (created if missing) and answers the API server
  once it is stored; `kubeguard audit worker` processes evaluate them.

Shutdown:
  SIGTERM or Ctrl-C stops accepting connections, finishes the requests in
  flight, evaluates every queued event, and exits 0.

Logs go to standard error; KUBEGUARD_LOG=error|warn|info|debug|trace sets
the level (default info).

Examples:
  kubeguard audit serve --tls-cert /certs/tls.crt --tls-key /certs/tls.key
  kubeguard audit serve --rules k8s_audit_rules.yaml --min-priority warning --tls-cert tls.crt --tls-key tls.key
  kubeguard audit serve --self-signed localhost --listen 127.0.0.1:9443 -o alerts.jsonl
  kubeguard audit serve --tls-cert tls.crt --tls-key tls.key --alertmanager http://alertmanager.monitoring:9093
  kubeguard audit serve --tls-cert tls.crt --tls-key tls.key --publish nats://nats.nats:4222";

/// Arguments of `kubeguard audit serve`.
#[derive(Debug, Args)]
#[command(after_help = SERVE_HELP)]
pub struct ServeArgs {
    #[command(flatten)]
    pub serving: ServingArgs,

    #[command(flatten)]
    pub rule_choice: RuleChoiceArgs,

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

    /// Publish the events to NATS JetStream (stream KUBEGUARD_AUDIT_EVENTS, created if
    /// missing) for `kubeguard audit worker` processes, instead of evaluating them here.
    #[arg(
        long,
        value_name = "nats://HOST:PORT",
        value_parser = nats::parse_url,
        conflicts_with_all = ["rules", "select", "ignore", "config", "alertmanagers", "output", "workers"]
    )]
    pub publish: Option<String>,
}

pub(crate) fn parse_alertmanager(s: &str) -> Result<Uri, String> {
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

/// Loads the chosen rules (see [`RuleChoiceArgs::load`]), logging the
/// notes; errors are printed (exit 2).
pub(crate) fn load_rule_set(choice: &RuleChoiceArgs) -> Option<RuleSet> {
    match choice.load() {
        Ok((set, _)) => {
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

/// Where alerts go, prepared before the runtime starts: JSON lines (a file,
/// or standard output through the main thread) and Alertmanagers.
pub(crate) struct AlertTargets {
    lines: Box<dyn Write + Send>,
    alertmanagers: Vec<Uri>,
    client: Option<HttpClient>,
}

impl AlertTargets {
    /// Lines to `output`, or to `stdout_lines` (written by the main thread).
    pub(crate) fn new(
        output: Option<&PathBuf>,
        alertmanagers: &[Uri],
        stdout_lines: mpsc::Sender<Vec<u8>>,
    ) -> Result<Self> {
        let lines: Box<dyn Write + Send> = match output {
            Some(path) => Box::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write the alerts to {}", path.display()))?,
            ),
            None => Box::new(ToMain(stdout_lines)),
        };
        let client = if alertmanagers.is_empty() {
            None
        } else {
            Some(HttpClient::new(system_roots()).context("the HTTPS client for Alertmanager")?)
        };
        Ok(AlertTargets {
            lines,
            alertmanagers: alertmanagers.to_vec(),
            client,
        })
    }

    /// The outputs and their delivery tasks; call inside the runtime.
    pub(crate) fn start(self, metrics: &Arc<Metrics>) -> (Outputs, Vec<JoinHandle<()>>) {
        let mut outputs = Outputs::new(Some(self.lines), Arc::clone(metrics));
        let mut deliveries = Vec::new();
        if let Some(client) = self.client {
            for endpoint in self.alertmanagers {
                tracing::info!("alerts go to {endpoint}");
                let (sender, task) = alertmanager::start(
                    endpoint,
                    client.clone(),
                    RetryPolicy::default(),
                    Arc::clone(metrics),
                );
                outputs = outputs.with_alertmanager(sender);
                deliveries.push(task);
            }
        }
        (outputs, deliveries)
    }
}

/// The exit status of a server that has stopped: 0, or 2 with the error
/// reported.
pub(crate) fn exit_status(outcome: Result<()>) -> u8 {
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("kubeguard: error: {e:#}");
            2
        }
    }
}

/// Runs `body` on a new tokio runtime in its own thread while this thread,
/// which owns standard output, writes the alert lines it is handed (until
/// every sender is dropped).
pub(crate) fn run_beside_stdout<F>(
    stdout: &mut dyn Write,
    lines: mpsc::Receiver<Vec<u8>>,
    body: F,
) -> Result<()>
where
    F: std::future::Future<Output = Result<()>> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let thread = std::thread::Builder::new()
        .name("audit".into())
        .spawn(move || runtime.block_on(body))
        .context("cannot start the runtime thread")?;
    let mut write_failed = None;
    for line in lines {
        if write_failed.is_none()
            && let Err(e) = stdout.write_all(&line).and_then(|()| stdout.flush())
        {
            write_failed = Some(e);
        }
    }
    thread
        .join()
        .map_err(|_| anyhow!("the runtime thread panicked"))??;
    if let Some(e) = write_failed {
        return Err(e).context("cannot write the alerts to standard output");
    }
    Ok(())
}

/// Runs the server until SIGTERM or Ctrl-C; 0 on a clean stop.
pub fn run(args: &ServeArgs, stdout: &mut dyn Write) -> Result<u8> {
    init_logging();
    let rules = if args.publish.is_some() {
        None
    } else {
        let Some(rules) = load_rule_set(&args.rule_choice) else {
            return Ok(2);
        };
        Some(rules)
    };
    let (cert, ca_bundle) = args.serving.certificate()?;
    if let Some(bundle) = ca_bundle {
        writeln!(stdout, "{bundle}")?;
        stdout.flush()?;
    }
    let (lines_tx, lines_rx) = mpsc::channel::<Vec<u8>>();
    let targets = AlertTargets::new(args.output.as_ref(), &args.alertmanagers, lines_tx)?;
    let min_priority = args.min_priority;
    let workers = args.workers.map_or_else(
        || std::thread::available_parallelism().map_or(2, usize::from),
        usize::from,
    );
    let listen = args.serving.listen;
    let queue_capacity = args.queue_capacity as usize;
    let reload_every = args.serving.reload_interval;
    let publish = args.publish.clone();
    let outcome = run_beside_stdout(stdout, lines_rx, async move {
        let metrics = Arc::new(Metrics::new());
        let backend = match (publish, rules) {
            (Some(url), _) => {
                drop(targets);
                let js = nats::connect(&url).await?;
                let streams = Streams::default();
                nats::ensure_streams(&js, &streams).await?;
                tracing::info!("publishing events to {url}, stream {}", streams.events);
                Backend::Publish(Publisher::new(js, &streams, queue_capacity))
            }
            (None, Some(rules)) => {
                let (outputs, deliveries) = targets.start(&metrics);
                Backend::Detect {
                    detector: Detector::new(rules, min_priority, outputs, Arc::clone(&metrics)),
                    workers,
                    queue_capacity,
                    deliveries,
                }
            }
            (None, None) => return Err(anyhow!("no rules loaded")),
        };
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let bound = listener.local_addr().context("reading the bound address")?;
        let shutdown = shutdown_signal();
        tracing::info!("listening on https://{bound}/audit");
        AuditServer {
            listener,
            cert: Arc::new(cert),
            reload_every,
            timeouts: Timeouts::default(),
            metrics,
            backend,
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
        }
        .run(shutdown)
        .await?;
        tracing::info!("stopped");
        Ok(())
    });
    Ok(exit_status(outcome))
}
