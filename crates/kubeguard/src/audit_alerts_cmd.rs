//! `kubeguard audit alerts`: prints the alerts `audit worker` processes
//! stored in NATS JetStream, each once.

use anyhow::{Context, Result};
use clap::Args;
use kubeguard_audit_serve::nats::{self, Streams};
use std::io::Write;
use std::path::PathBuf;

const ALERTS_HELP: &str = "\
The stream KUBEGUARD_AUDIT_ALERTS holds every alert the workers raised
exactly once: a worker stores each alert with its key (AUDITID/STAGE/RULE)
as the message id, and JetStream drops a key it already holds, so an event
evaluated again after a worker died adds nothing. This prints the stored
alerts as JSON lines, oldest first, and exits; alerts are kept 7 days.

Examples:
  kubeguard audit alerts --nats nats://nats.nats:4222
  kubeguard audit alerts --nats nats://nats.nats:4222 -o alerts.jsonl";

/// Arguments of `kubeguard audit alerts`.
#[derive(Debug, Args)]
#[command(after_help = ALERTS_HELP)]
pub struct AlertsArgs {
    /// The NATS server with JetStream.
    #[arg(long, value_name = "nats://HOST:PORT", value_parser = nats::parse_url)]
    pub nats: String,

    /// Write the alerts (JSON lines) to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Prints the stored alerts; 0 when read, 2 when the server or stream is not there.
pub fn run(args: &AlertsArgs, stdout: &mut dyn Write) -> Result<u8> {
    let mut file;
    let out: &mut dyn Write = match &args.output {
        Some(path) => {
            file = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write the alerts to {}", path.display()))?,
            );
            &mut file
        }
        None => stdout,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut written = Ok(());
    let read = runtime.block_on(async {
        let js = nats::connect(&args.nats).await?;
        nats::stored_alerts(&js, &Streams::default(), |line| {
            if written.is_ok() {
                written = out.write_all(line);
            }
        })
        .await
    });
    if let Err(e) = read {
        eprintln!("kubeguard: error: {e}");
        return Ok(2);
    }
    written.context("cannot write the alerts")?;
    out.flush().context("cannot write the alerts")?;
    Ok(0)
}
