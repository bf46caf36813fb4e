//! `kubeguard audit`: detection over Kubernetes audit logs with rules in
//! Falco's format.

use crate::audit_select::{RuleChoiceArgs, builtin_meta};
use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use kubeguard_audit::baseline::{self, Baseline, Detector, Learner};
use kubeguard_audit::reader::{self, ReadOptions, ReadStats};
use kubeguard_audit::{Alert, Priority, builtin};
use kubeguard_core::Diagnostic;
use kubeguard_report::audit::{AuditFormat, AuditSummary, AuditWriter, summary_line};
use std::io::{BufWriter, Write};
use std::path::PathBuf;

const AUDIT_HELP: &str = "\
Events are audit.k8s.io/v1 (or v1beta1) Event objects: JSON lines as the API
server's log backend writes them (plain or .gz; rotated files such as
audit.log.1 or audit-2026-01-02T03-04-05.000.log are read oldest first),
EventList documents, or - for standard input (tail -F friendly). Events
without a valid stageTimestamp or larger than 262,144 bytes are dropped, as
Falco's k8saudit plugin drops them; lines that are not JSON are counted and
listed with their file and line. Events with top-level fields an audit
Event does not have are evaluated and listed as warnings too (the first
100 problems are listed, the rest counted).

Rules are Falco rules files (source: k8s_audit), loaded in order as Falco
loads them: a later list or macro replaces an earlier one, append: true and
override: extend them, and rules of other sources are ignored with a note.
Without --rules the built-in rules apply (`kubeguard rules` lists them as
audit-*, KG801-KG813; `kubeguard audit rules` prints their file, to copy and
extend). --select, --ignore and the select, disable and profile keys of
.kubeguard.yaml choose among them by name or code, as for every engine.
Rules of --rules files are chosen by Falco's own means (enabled: false in a
later file, --min-priority) or by their Falco name with --select/--ignore.

Exit codes:
  0  no alert
  1  alerts
  2  an input could not be opened, or a rules file does not load
     (lines that are not events never change the exit code)";

/// `kubeguard audit`.
#[derive(Debug, Args)]
#[command(after_help = AUDIT_HELP)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// What `kubeguard audit` does.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Evaluate rules on audit events and report alerts.
    #[command(
        after_help = "Examples:\n  kubeguard audit scan /var/log/kubernetes/audit/\n  kubeguard audit scan --rules k8s_audit_rules.yaml --rules local.yaml audit.log\n  tail -F /var/log/kube-apiserver/audit.log | kubeguard audit scan --format jsonl -\n  kubeguard audit scan --min-priority warning --format json -o alerts.json audit.log.*"
    )]
    Scan(ScanArgs),
    /// Learn what each identity normally does, for `audit scan --baseline`.
    #[command(
        after_help = "Records per user the (verb, resource, subresource, namespace) combinations of its\ncompleted requests, with counts. Learn from a period without incidents:\n  kubeguard audit learn /var/log/kubernetes/audit/ -o baseline.json\n  kubeguard audit scan --baseline baseline.json audit.log"
    )]
    Learn(LearnArgs),
    /// Print the built-in rules file (Falco format) to copy or extend.
    Rules,
    /// Serve the HTTPS audit webhook backend: detect on the API server's events live.
    Serve(crate::audit_serve_cmd::ServeArgs),
    /// Evaluate the events `audit serve --publish` stores in NATS JetStream (scale-out).
    Worker(crate::audit_worker_cmd::WorkerArgs),
    /// Print the alerts `audit worker` processes stored in NATS JetStream, each once.
    Alerts(crate::audit_alerts_cmd::AlertsArgs),
}

/// Output formats of `audit scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per alert: TIME: Priority output; then a summary.
    Text,
    /// One JSON document: {"alerts": [...], "summary": {...}, "errors": [...]}.
    Json,
    /// One JSON object per alert per line (summary and errors on stderr).
    Jsonl,
}

/// `kubeguard audit scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Audit logs: files, directories, or - for standard input.
    #[arg(value_name = "EVENTS", required = true)]
    pub events: Vec<String>,

    #[command(flatten)]
    pub rule_choice: RuleChoiceArgs,

    /// Only rules at or above this priority: emergency, alert, critical, error,
    /// warning, notice, informational (info), debug.
    #[arg(long, value_name = "PRIORITY", default_value = "debug", value_parser = parse_priority)]
    pub min_priority: Priority,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the alerts to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Also alert (audit-baseline-first-seen) the first time an identity does something
    /// this baseline (from `audit learn`) does not hold, with a rarity score.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// `kubeguard audit learn`.
#[derive(Debug, Args)]
pub struct LearnArgs {
    /// Audit logs: files, directories, or - for standard input.
    #[arg(value_name = "EVENTS", required = true)]
    pub events: Vec<String>,

    /// Write the baseline to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub(crate) fn parse_priority(s: &str) -> Result<Priority, String> {
    Priority::parse(s).ok_or_else(|| {
        format!("unknown priority {s:?}: emergency, alert, critical, error, warning, notice, informational, debug")
    })
}

/// Runs `kubeguard audit`; returns the exit code.
pub fn run(args: &AuditArgs, out: &mut dyn Write) -> Result<u8> {
    match &args.command {
        AuditCommand::Scan(scan_args) => scan(scan_args, out),
        AuditCommand::Learn(learn_args) => learn(learn_args, out),
        AuditCommand::Rules => {
            out.write_all(builtin::RULES_YAML.as_bytes())?;
            Ok(0)
        }
        AuditCommand::Serve(serve_args) => crate::audit_serve_cmd::run(serve_args, out),
        AuditCommand::Worker(worker_args) => crate::audit_worker_cmd::run(worker_args, out),
        AuditCommand::Alerts(alerts_args) => crate::audit_alerts_cmd::run(alerts_args, out),
    }
}

fn scan(args: &ScanArgs, stdout: &mut dyn Write) -> Result<u8> {
    let (set, selection) = match args.rule_choice.load() {
        Ok(loaded) => loaded,
        Err(errors) => {
            for e in errors {
                eprintln!("kubeguard: error: {e}");
            }
            return Ok(2);
        }
    };
    for note in &set.notes {
        eprintln!("kubeguard: note: {note}");
    }
    let inputs = match reader::inputs(&args.events) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("kubeguard: error: {e}");
            return Ok(2);
        }
    };
    let first_seen = builtin_meta(baseline::RULE_NAME).is_none_or(|m| selection.enabled_meta(m));
    let mut detector = match &args.baseline {
        None => None,
        Some(_) if !first_seen => None,
        Some(path) => match read_baseline(path) {
            Ok(b) => Some(Detector::new(&b)),
            Err(e) => {
                eprintln!("kubeguard: error: {e}");
                return Ok(2);
            }
        },
    };
    let live = inputs.contains(&reader::Input::Stdin);
    let out: Box<dyn Write + '_> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write the alerts to {}", path.display()))?,
        ),
        None => Box::new(stdout),
    };
    let format = match args.format {
        Format::Text => AuditFormat::Text,
        Format::Json => AuditFormat::Json,
        Format::Jsonl => AuditFormat::Jsonl,
    };
    let mut writer = AuditWriter::begin(BufWriter::new(out), format)?;
    let mut summary = AuditSummary::default();
    let mut stats = ReadStats::default();
    let mut open_errors = Vec::new();
    let mut write_error = None;
    let opts = ReadOptions::default();
    // Each line is parsed keeping only what the rules (and the baseline) read.
    let mut projection = set.projection().clone();
    if detector.is_some() {
        projection.merge(&baseline::projection());
    }
    for input in &inputs {
        let result =
            reader::read_input_projected(input, &opts, &projection, &mut stats, &mut |event| {
                summary.events += 1;
                if write_error.is_some() {
                    return;
                }
                let mut report = |alert: &Alert<'_>| {
                    summary.alerts += 1;
                    *summary.by_rule.entry(alert.rule.name.clone()).or_default() += 1;
                    if write_error.is_none() {
                        let written = writer
                            .alert(alert)
                            .and_then(|()| if live { writer.flush() } else { Ok(()) });
                        write_error = written.err();
                    }
                };
                set.evaluate(event, args.min_priority, &mut |alert| report(&alert));
                if let Some(d) = detector.as_mut()
                    && let Some(alert) = d.check(&event)
                    && alert.rule.priority.at_least(args.min_priority)
                {
                    report(&alert);
                }
            });
        if let Some(e) = write_error.take() {
            return Err(e.into());
        }
        if let Err(e) = result {
            open_errors.push(e);
        }
    }
    summary.skipped = stats.skipped();
    let mut errors = open_errors.clone();
    errors.extend(stats.issues.iter().cloned());
    if stats.unlisted() > 0 {
        errors.push(Diagnostic::whole_file(
            "<audit events>",
            format!(
                "{} more problems not listed ({} lines or events skipped and {} events \
                 with unknown fields in all)",
                stats.unlisted(),
                stats.skipped(),
                stats.unknown_fields
            ),
        ));
    }
    writer.finish(&summary, &errors)?;
    if format != AuditFormat::Json {
        for e in &errors[open_errors.len()..] {
            eprintln!("kubeguard: warning: {e}");
        }
        if format == AuditFormat::Jsonl {
            eprintln!("kubeguard: {}", summary_line(&summary));
        }
    }
    for e in &open_errors {
        eprintln!("kubeguard: error: {e}");
    }
    Ok(if !open_errors.is_empty() {
        2
    } else if summary.alerts > 0 {
        1
    } else {
        0
    })
}

fn read_baseline(path: &std::path::Path) -> Result<Baseline, Diagnostic> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Diagnostic::whole_file(&name, format!("cannot read baseline: {e}")))?;
    Baseline::parse(&name, &text)
}

fn learn(args: &LearnArgs, stdout: &mut dyn Write) -> Result<u8> {
    let inputs = match reader::inputs(&args.events) {
        Ok(inputs) => inputs,
        Err(e) => {
            eprintln!("kubeguard: error: {e}");
            return Ok(2);
        }
    };
    let mut learner = Learner::default();
    let mut stats = ReadStats::default();
    let mut failed = false;
    let projection = baseline::projection();
    for input in &inputs {
        let opts = ReadOptions::default();
        if let Err(e) =
            reader::read_input_projected(input, &opts, &projection, &mut stats, &mut |ev| {
                learner.learn(&ev)
            })
        {
            eprintln!("kubeguard: error: {e}");
            failed = true;
        }
    }
    for e in &stats.issues {
        eprintln!("kubeguard: warning: {e}");
    }
    let baseline = learner.finish();
    let mut out: Box<dyn Write + '_> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write the baseline to {}", path.display()))?,
        )),
        None => Box::new(stdout),
    };
    baseline.write(&mut out)?;
    out.flush()?;
    eprintln!(
        "kubeguard: baseline of {} identities from {} events ({} skipped)",
        baseline.identities.len(),
        baseline.events,
        stats.skipped()
    );
    Ok(if failed { 2 } else { 0 })
}
