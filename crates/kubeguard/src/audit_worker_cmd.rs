//! `kubeguard audit worker`: evaluates the events `audit serve --publish`
//! stores in NATS JetStream.

use crate::audit_select::RuleChoiceArgs;
use crate::audit_serve_cmd::{
    AlertTargets, exit_status, load_rule_set, parse_alertmanager, run_beside_stdout,
};
use crate::serving::init_logging;
use anyhow::{Context, Result};
use clap::Args;
use kubeguard_audit::{DEFAULT_MAX_EVENT_SIZE, Priority};
use kubeguard_audit_serve::client::Uri;
use kubeguard_audit_serve::detect::Detector;
use kubeguard_audit_serve::metrics::Metrics;
use kubeguard_audit_serve::nats::{self, Streams, Worker};
use kubeguard_audit_serve::run::finish_deliveries;
use kubeguard_webhook::server::shutdown_signal;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

const WORKER_HELP: &str = "\
Workers share one durable JetStream consumer (kubeguard-audit-workers) on
the stream KUBEGUARD_AUDIT_EVENTS that `kubeguard audit serve --publish`
fills: each event goes to one worker; run as many as the load needs. A
worker acknowledges an event only after its alerts are stored in the
stream KUBEGUARD_AUDIT_ALERTS, so a worker that dies leaves its
unacknowledged events to the others after --ack-wait (at-least-once).
Alerts are stored with their key (AUDITID/STAGE/RULE) as Nats-Msg-Id, so an
event evaluated twice stores its alerts once; a worker writes an alert as a
JSON line and posts it to Alertmanager when it is stored as new, and posts
an already stored one to Alertmanager again (which keeps one alert per
alert_key label), so no alert is lost or doubled there. The alerts stream
holds every alert exactly once: print it with `kubeguard audit alerts`. A
worker's own JSON lines hold an alert at most once (a worker that dies
after storing an alert and before writing it leaves it to the stream).

Workers choose their rules (--rules, --select, --ignore, .kubeguard.yaml or
--config) as `kubeguard audit scan` does.

Both streams are created when missing (file storage; alerts kept 7 days).
The first worker creates the consumer with its --ack-wait.

Examples:
  kubeguard audit worker --nats nats://nats.nats:4222
  kubeguard audit worker --nats nats://nats.nats:4222 --rules k8s_audit_rules.yaml \\
      --alertmanager http://alertmanager.monitoring:9093 --metrics-listen 0.0.0.0:9090";

/// Arguments of `kubeguard audit worker`.
#[derive(Debug, Args)]
#[command(after_help = WORKER_HELP)]
pub struct WorkerArgs {
    /// The NATS server with JetStream.
    #[arg(long, value_name = "nats://HOST:PORT", value_parser = nats::parse_url)]
    pub nats: String,

    #[command(flatten)]
    pub rule_choice: RuleChoiceArgs,

    /// Only rules at or above this priority: emergency, alert, critical, error,
    /// warning, notice, informational (info), debug.
    #[arg(long, value_name = "PRIORITY", default_value = "debug", value_parser = crate::audit_cmd::parse_priority)]
    pub min_priority: Priority,

    /// Write the alerts (JSON lines) to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also post the alerts to this Alertmanager (v2 API); repeat for several.
    #[arg(long = "alertmanager", value_name = "URL", value_parser = parse_alertmanager)]
    pub alertmanagers: Vec<Uri>,

    /// How long an event may stay unacknowledged before another worker gets it.
    /// Under 10m, the window in which JetStream drops a repeated alert key.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_ack_wait)]
    pub ack_wait: Duration,

    /// Serve /metrics and /healthz over plain HTTP on this address.
    #[arg(long, value_name = "ADDR:PORT")]
    pub metrics_listen: Option<SocketAddr>,
}

/// A duration under the alerts stream's duplicate window: an event
/// redelivered later could store its alerts a second time.
fn parse_ack_wait(s: &str) -> Result<Duration, String> {
    let wait = crate::cli::parse_duration(s)?;
    let window = Streams::default().duplicate_window;
    if wait.is_zero() || wait >= window {
        return Err(format!(
            "must be over 0s and under {}s, the window in which JetStream drops a repeated alert key",
            window.as_secs()
        ));
    }
    Ok(wait)
}

/// Runs the worker until SIGTERM or Ctrl-C; 0 on a clean stop.
pub fn run(args: &WorkerArgs, stdout: &mut dyn Write) -> Result<u8> {
    init_logging();
    let Some(rules) = load_rule_set(&args.rule_choice) else {
        return Ok(2);
    };
    let (lines_tx, lines_rx) = mpsc::channel::<Vec<u8>>();
    let targets = AlertTargets::new(args.output.as_ref(), &args.alertmanagers, lines_tx)?;
    let url = args.nats.clone();
    let min_priority = args.min_priority;
    let streams = Streams {
        ack_wait: args.ack_wait,
        ..Streams::default()
    };
    let metrics_listen = args.metrics_listen;
    let outcome = run_beside_stdout(stdout, lines_rx, async move {
        let metrics = Arc::new(Metrics::new());
        if let Some(addr) = metrics_listen {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr}"))?;
            tracing::info!("metrics on http://{}/metrics", listener.local_addr()?);
            let router = kubeguard_audit_serve::metrics_router(Arc::clone(&metrics));
            tokio::spawn(kubeguard_audit_serve::serve_plain(
                listener,
                router,
                std::future::pending(),
            ));
        }
        let (outputs, deliveries) = targets.start(&metrics);
        let detector = Arc::new(Detector::new(rules, min_priority, outputs, metrics));
        let shutdown = shutdown_signal();
        let js = nats::connect(&url).await?;
        tracing::info!("evaluating events from {url}, stream {}", streams.events);
        Worker {
            js,
            streams,
            detector,
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
        }
        .run(shutdown)
        .await?;
        finish_deliveries(deliveries, Duration::from_secs(25)).await;
        tracing::info!("stopped");
        Ok(())
    });
    Ok(exit_status(outcome))
}
