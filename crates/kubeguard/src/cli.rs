//! The command line.

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use kubeguard_core::{Diagnostic, Finding, RuleMeta, Severity};
use kubeguard_load::{LoadOptions, RenderOptions, WalkOptions};
use kubeguard_report::{Ending, Format, GroupBy, TextStyle};
use kubeguard_rules::baseline::Baseline;
use kubeguard_rules::config::{self, Config};
use kubeguard_rules::{CliPolicy, Outcome, Policy};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// kubeguard checks Kubernetes manifests for security problems: privileged
/// or root containers, host namespaces and mounts, missing limits and
/// probes, unpinned images, secrets in the environment, risky RBAC, missing
/// default-deny NetworkPolicies and Pod Security labels, and control-plane
/// flags against the CIS Benchmark.
#[derive(Debug, Parser)]
#[command(name = "kubeguard", version, about, long_about = None)]
#[command(
    after_help = "Examples:\n  kubeguard scan deploy/                 scan every *.yaml, *.yml, *.json below deploy/\n  kubeguard scan --cluster               scan the live cluster of the current kubeconfig context\n  helm template ./chart | kubeguard scan -\n  kubeguard scan . --format sarif -o kubeguard.sarif\n  kubeguard rules                        list the rules\n  kubeguard rules privileged-container   explain one rule\n  kubeguard pss check --level restricted deploy/\n  kubeguard rbac who-can get secrets -n prod rbac/\n  kubeguard netpol explain --from shop/web --to shop/db:5432/TCP deploy/\n  kubeguard webhook review --config policy.yaml pod.yaml\n  kubeguard webhook serve --config policy.yaml --tls-cert tls.crt --tls-key tls.key\n  kubeguard audit scan /var/log/kubernetes/audit/"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan manifests (files, directories, Helm charts, Kustomize dirs, or - for stdin).
    #[command(after_help = SCAN_HELP)]
    Scan(Box<ScanArgs>),
    /// List the rules, or explain one.
    Rules(RulesArgs),
    /// Pod Security Standards: verdicts per object, namespace labels and modes, migration plan.
    Pss(crate::pss_cmd::PssArgs),
    /// RBAC analysis: can-i, who-can, risky subjects, unused roles and bindings.
    Rbac(crate::rbac_cmd::RbacArgs),
    /// NetworkPolicy analysis: reachability matrix, explain, coverage, diff.
    Netpol(crate::netpol_cmd::NetpolArgs),
    /// Admission webhook: serve it over HTTPS, or review AdmissionReviews against a policy offline.
    Webhook(crate::webhook_cmd::WebhookArgs),
    /// CIS Kubernetes Benchmark node and control-plane checks, read under a root.
    Cis(crate::cis_cmd::CisArgs),
    /// Audit-log detection: Falco-format rules over Kubernetes audit events.
    Audit(crate::audit_cmd::AuditArgs),
    /// Save what a --cluster run reads to a file, for --snapshot FILE.
    Snapshot(crate::cluster_cmd::SnapshotArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print the manual page, or write one page per command into a directory.
    Man(ManArgs),
}

const COMPLETIONS_HELP: &str = "\
Install:
  bash  kubeguard completions bash > ~/.local/share/bash-completion/completions/kubeguard
  zsh   kubeguard completions zsh > ~/.zfunc/_kubeguard   (with fpath+=~/.zfunc before compinit)
  fish  kubeguard completions fish > ~/.config/fish/completions/kubeguard.fish";

/// Arguments of `kubeguard completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `kubeguard man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write kubeguard.1 and one page per subcommand (kubeguard-scan.1, ...) into DIR.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

const SCAN_HELP: &str = "\
Inputs:
  Directories are walked recursively for *.yaml, *.yml and *.json, skipping
  what .gitignore excludes (use --no-ignore to read everything). A directory
  with Chart.yaml is rendered with `helm template`; one with
  kustomization.yaml with `kustomize build` (or `kubectl kustomize`).
  Documents without apiVersion and kind are skipped and counted.
  --cluster reads the live cluster instead (every kind the rules use, paged,
  Secrets only with --include-secrets and then only their keys); findings
  name cluster://CONTEXT/NAMESPACE/KIND/NAME and a line in the object's YAML.
  --snapshot FILE reads a file saved by `kubeguard snapshot save`.

Configuration:
  .kubeguard.yaml is looked up from the current directory upwards (or given
  with --config). Objects can opt out of rules with the annotation
  kubeguard.io/ignore: \"rule-a,rule-b\".

Exit codes:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on
  2  an input could not be read or parsed, a kind the cluster would not
     list (403), or a flag or config is wrong (everything that did parse
     is still scanned and reported)";

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Findings with code snippets and fixes.
    Text,
    /// Machine-readable JSON.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning, IDEs).
    Sarif,
    /// JUnit XML (CI test reports).
    Junit,
    /// GitHub Actions annotations.
    Github,
    /// wgpolicyk8s.io/v1alpha2 PolicyReport per namespace and ClusterPolicyReport (YAML stream).
    Policyreport,
    /// kubesec-compatible JSON: a score per object, with kubesec's point values.
    Kubesec,
    /// One self-contained HTML page: charts, a sortable and filterable table, dark and light themes.
    Html,
}

/// When to colour text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The lowest severity that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Any finding.
    Info,
    /// Low and above.
    Low,
    /// Medium and above.
    Medium,
    /// High and above.
    High,
    /// Critical only.
    Critical,
    /// Never fail because of findings.
    None,
}

impl FailOn {
    /// The threshold severity, `None` for never.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::None => None,
        }
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files, directories, chart or kustomize directories, or - for stdin.
    #[arg(default_value = ".", conflicts_with_all = ["cluster", "snapshot"])]
    pub paths: Vec<PathBuf>,

    /// Also evaluate Pod Security Standards at LEVEL[:VERSION] (e.g. restricted, baseline:v1.30);
    /// a namespace's enforce label in the input takes precedence for its objects.
    #[arg(long, value_name = "LEVEL[:VERSION]", value_parser = parse_pss)]
    pub pss: Option<kubeguard_pss::LevelVersion>,

    /// Allow images only from this registry or repository prefix (repeatable; enables untrusted-registry).
    #[arg(long = "allowed-registry", value_name = "PREFIX")]
    pub allowed_registries: Vec<String>,

    #[command(flatten)]
    pub load: LoadArgs,

    #[command(flatten)]
    pub cluster: crate::cluster_cmd::ClusterArgs,

    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// How inputs are found and read: the same flags for every command that
/// reads manifests.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input")]
pub struct LoadArgs {
    /// Also read files excluded by .gitignore, .ignore and hidden-file rules.
    #[arg(long)]
    pub no_ignore: bool,

    /// The helm program used to render charts (any `helm template`-compatible command).
    #[arg(long, value_name = "PATH", env = "KUBEGUARD_HELM")]
    pub helm_bin: Option<PathBuf>,

    /// Values file passed to `helm template` (repeatable).
    #[arg(long = "values", value_name = "FILE")]
    pub helm_values: Vec<PathBuf>,

    /// Value passed to `helm template --set` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub helm_set: Vec<String>,

    /// The kustomize program [default: kustomize if on PATH, else kubectl kustomize].
    #[arg(long, value_name = "PATH", env = "KUBEGUARD_KUSTOMIZE")]
    pub kustomize_bin: Option<PathBuf>,

    /// Largest file read, e.g. 64MiB (larger files are refused with an error).
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_file_size: u64,

    /// Also list documents skipped because they are not Kubernetes objects.
    #[arg(short, long)]
    pub verbose: bool,
}

impl LoadArgs {
    /// Warns on standard error when the paths named held no input at all
    /// (and none failed), so an empty or mistyped directory never passes
    /// silently.
    pub fn warn_if_nothing(&self, inputs: usize, errors: usize) {
        if inputs == 0 && errors == 0 {
            eprintln!(
                "warning: no *.yaml, *.yml or *.json files, Helm charts or kustomizations found{}",
                if self.no_ignore {
                    ""
                } else {
                    " (files excluded by .gitignore are skipped; --no-ignore reads them)"
                }
            );
        }
    }

    /// The loader's options.
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            walk: WalkOptions {
                no_ignore: self.no_ignore,
            },
            render: RenderOptions {
                helm_bin: self.helm_bin.clone(),
                helm_values: self.helm_values.clone(),
                helm_set: self.helm_set.clone(),
                kustomize_bin: self.kustomize_bin.clone(),
            },
            max_file_size: self.max_file_size,
        }
    }
}

/// Which rules report, what is suppressed, and when the run fails: the same
/// flags for every command that reports problems.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Policy")]
pub struct PolicyArgs {
    /// Exit 1 when a finding is at or above this severity [default: low, or the config's fail-on].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,

    /// Rules to run when --select names none: security (every rule about a weakness), or
    /// best-practice (adds hygiene, reliability and efficiency rules) [default: security, or
    /// the config's profile]. See docs/profiles.md.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["security", "best-practice"]), value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Report only these rules (names or codes, comma-separated), whatever the profile.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Do not report these rules (names or codes, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Configuration file [default: .kubeguard.yaml found from the current directory upwards].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Do not read any configuration file.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// Report ignores (config entries and annotations) that matched no finding.
    #[arg(long)]
    pub report_unused_ignores: bool,

    /// Report only findings at or above this severity (the others neither show nor fail the run).
    #[arg(long, value_name = "LEVEL", value_parser = parse_severity, help_heading = "Triage")]
    pub severity: Option<Severity>,

    /// Report only findings not recorded in this baseline (see --write-baseline).
    #[arg(long, value_name = "FILE", help_heading = "Triage")]
    pub baseline: Option<PathBuf>,

    /// Record the findings of this run in FILE by rule, object and field path (not line numbers).
    #[arg(long, value_name = "FILE", help_heading = "Triage")]
    pub write_baseline: Option<PathBuf>,
}

impl PolicyArgs {
    /// The configuration file this run uses.
    pub fn config(&self) -> Result<Config, Diagnostic> {
        config::resolve(self.config.as_deref(), self.no_config)
    }

    /// The policy of `config` with these flags on top; fails on an
    /// unknown rule or an unreadable `--baseline`.
    /// The policy of the config and these flags; findings about objects
    /// outside `namespaces` (when any are given, by the command's
    /// `--namespace`) are not reported.
    pub fn policy(&self, config: &Config, namespaces: &[String]) -> anyhow::Result<Policy> {
        let baseline = match &self.baseline {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the baseline {}", path.display()))?;
                Some(Arc::new(Baseline::parse(
                    &path.display().to_string(),
                    &text,
                )?))
            }
            None => None,
        };
        Ok(Policy::from_config(
            config,
            &CliPolicy {
                select: self.select.clone(),
                ignore: self.ignore.clone(),
                fail_on: self.fail_on.map(FailOn::threshold),
                report_unused_ignores: self.report_unused_ignores,
                min_severity: self.severity,
                namespaces: namespaces.to_vec(),
                baseline,
                record_baseline: self.write_baseline.is_some(),
                profile: self.profile.as_deref().and_then(|p| p.parse().ok()),
            },
        )?)
    }

    /// Writes `--write-baseline` from the run's outcome, saying so on
    /// standard error.
    pub fn write_baseline(&self, outcome: &Outcome) -> anyhow::Result<()> {
        let (Some(path), Some(recorded)) = (&self.write_baseline, &outcome.recorded) else {
            return Ok(());
        };
        let write = || -> std::io::Result<()> {
            let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
            recorded.write(&mut file)?;
            file.flush()
        };
        write().with_context(|| format!("cannot write the baseline {}", path.display()))?;
        eprintln!(
            "kubeguard: wrote {} finding{} to the baseline {}",
            recorded.len(),
            if recorded.len() == 1 { "" } else { "s" },
            path.display()
        );
        Ok(())
    }
}

/// The triage counts as the closing lines of a command's own text view
/// (`rbac risks`, `netpol coverage`): what `--severity`, `--namespace`
/// and `--baseline` held back.
pub fn write_triage_notes(outcome: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    let t = &outcome.triage;
    if let Some(n) = t.filtered {
        writeln!(out, "{n} hidden by --severity/--namespace")?;
    }
    if let (Some(baselined), Some(fixed)) = (t.baselined, t.fixed) {
        writeln!(
            out,
            "{baselined} in the baseline, {fixed} fixed since the baseline"
        )?;
    }
    Ok(())
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// Where and how the report is written: the same flags for every command
/// that reports problems.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Text: gather findings by rule (listing the objects), by object or by file.
    #[arg(long, value_enum, value_name = "BY", help_heading = "Triage")]
    pub group_by: Option<GroupByArg>,

    /// Text: one line per finding, no snippets.
    #[arg(long, help_heading = "Triage")]
    pub compact: bool,
}

/// `--group-by` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupByArg {
    /// One group per rule, listing the objects it was found in.
    Rule,
    /// One group per object.
    Object,
    /// One group per file.
    File,
}

impl OutputArgs {
    /// The report format.
    pub fn report_format(&self) -> Format {
        match self.format {
            OutputFormat::Text => Format::Text,
            OutputFormat::Json => Format::Json,
            OutputFormat::Sarif => Format::Sarif,
            OutputFormat::Junit => Format::Junit,
            OutputFormat::Github => Format::Github,
            OutputFormat::Policyreport => Format::PolicyReport,
            OutputFormat::Kubesec => Format::Kubesec,
            OutputFormat::Html => Format::Html,
        }
    }

    /// Opens the destination: `--output FILE` or standard output, and
    /// how text is shown there (colour, grouping, compact).
    pub fn open(&self) -> anyhow::Result<(Box<dyn Write>, TextStyle)> {
        let (out, color): (Box<dyn Write>, bool) = match &self.output {
            Some(path) => {
                let file = std::fs::File::create(path)
                    .with_context(|| format!("cannot write the report to {}", path.display()))?;
                (
                    Box::new(std::io::BufWriter::new(file)),
                    self.color == ColorChoice::Always,
                )
            }
            None => {
                let stdout = std::io::stdout();
                let color = match self.color {
                    ColorChoice::Always => true,
                    ColorChoice::Never => false,
                    ColorChoice::Auto => {
                        stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none()
                    }
                };
                (Box::new(std::io::BufWriter::new(stdout.lock())), color)
            }
        };
        let group_by = self.group_by.map(|g| match g {
            GroupByArg::Rule => GroupBy::Rule,
            GroupByArg::Object => GroupBy::Object,
            GroupByArg::File => GroupBy::File,
        });
        Ok((
            out,
            TextStyle {
                color,
                group_by,
                compact: self.compact,
            },
        ))
    }

    /// Whether text output should be the common findings view even where
    /// a command has a view of its own (`pss check` verdicts, `rbac risks`
    /// chains, `netpol coverage` lists): `--group-by` or `--compact` ask
    /// for it.
    pub fn triage_view(&self) -> bool {
        self.group_by.is_some() || self.compact
    }

    /// Writes a whole report of `findings` (sorted first) to the
    /// destination, in the format asked for.
    pub fn write_report(
        &self,
        rules: &[&'static RuleMeta],
        mut findings: Vec<Finding>,
        ending: &Ending<'_>,
    ) -> anyhow::Result<()> {
        kubeguard_rules::pipeline::sort(&mut findings);
        let (mut out, color) = self.open()?;
        kubeguard_report::write(
            self.report_format(),
            rules,
            &findings,
            ending,
            color,
            &mut out,
        )
        .context("cannot write the report")?;
        if self.errors_to_stderr() {
            crate::scan::print_all("error", ending.errors);
        }
        Ok(())
    }

    /// Whether errors must also go to standard error: the report does not
    /// show them to a person reading the terminal.
    pub fn errors_to_stderr(&self) -> bool {
        self.format != OutputFormat::Text || self.output.is_some()
    }
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule name or code to explain.
    pub name: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

/// Formats of `kubeguard rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A table, or one rule's docs.
    Text,
    /// JSON.
    Json,
    /// Markdown (the docs pages).
    Markdown,
}

fn parse_pss(s: &str) -> Result<kubeguard_pss::LevelVersion, String> {
    kubeguard_pss::LevelVersion::parse(s).map_err(|e| e.to_string())
}

/// Parses sizes such as `64MiB`, `500k`, `1G` or a plain number of bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a size like 64MiB"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit {other:?}; use B, KiB, MiB or GiB"
            ));
        }
    };
    n.checked_mul(factor)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// Parses durations such as `500ms`, `10s`, `2m` or a plain number of
/// seconds; zero is refused.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    use std::time::Duration;
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 10s or 500ms"))?;
    let duration = match unit {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        other => return Err(format!("unknown duration unit {other:?}; use ms, s or m")),
    };
    if duration.is_zero() {
        return Err("the duration must be greater than zero".into());
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn durations() {
        use std::time::Duration;
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5h").is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("10"), Ok(10));
        assert_eq!(parse_size("2k"), Ok(2048));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5xb").is_err());
    }
}
