//! `kubeguard netpol`: reachability matrix, explanations, coverage and
//! diffs of NetworkPolicies over the pods and namespaces of the input.

use crate::cli::{LoadArgs, OutputArgs, OutputFormat, PolicyArgs};
use crate::cluster_cmd::ClusterArgs;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use kubeguard_netpol::{Analysis, Classes, Endpoint, Model, Protocol, coverage, diff, explain};
use kubeguard_report::netpol as report;
use kubeguard_report::{Ending, Summary};
use kubeguard_rules::{Pipeline, netpol_coverage};
use std::io::Write;
use std::path::PathBuf;

/// `kubeguard netpol` and its subcommands.
#[derive(Debug, Args)]
#[command(after_help = NETPOL_HELP)]
pub struct NetpolArgs {
    #[command(subcommand)]
    pub command: NetpolCommand,
}

const NETPOL_HELP: &str = "\
Pods come from Pods and from workload templates (each workload stands for
its pods). Namespaces carry the automatic kubernetes.io/metadata.name label.
hostNetwork pods are outside policy control.

Exit codes:
  matrix    0, or 2 when an input could not be read
  explain   0 allowed, 1 denied, 2 error
  coverage  0 no gaps, 1 gaps found, 2 error
  diff      0 no change, 1 connections opened or closed, 2 error";

#[derive(Debug, Subcommand)]
pub enum NetpolCommand {
    /// The reachability matrix between workloads.
    Matrix(MatrixArgs),
    /// Whether one connection is allowed, and which policy and rule decide it.
    Explain(ExplainArgs),
    /// Namespaces without default deny, unselected pods, dead and broad rules.
    Coverage(CoverageArgs),
    /// Connections a change opens or closes: OLD and NEW are files or directories.
    Diff(DiffArgs),
}

/// Formats of `netpol matrix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    /// A grid.
    Text,
    /// JSON.
    Json,
    /// CSV, one line per pair.
    Csv,
    /// Graphviz dot.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
}

/// Formats of the other netpol commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Text.
    Text,
    /// JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Files or directories, or - for stdin.
    #[arg(required_unless_present_any = ["cluster", "snapshot"], conflicts_with_all = ["cluster", "snapshot"])]
    pub paths: Vec<PathBuf>,
    /// Only this port, e.g. 80/TCP (the protocol defaults to TCP).
    #[arg(long, value_name = "PORT[/PROTO]", value_parser = parse_port)]
    pub port: Option<(Protocol, u16)>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = MatrixFormat::Text)]
    pub format: MatrixFormat,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The sender: NAMESPACE/NAME of a pod or workload, or an IP address.
    #[arg(long, value_name = "NS/NAME")]
    pub from: String,
    /// The receiver: NAMESPACE/NAME or an IP address, optionally with :PORT/PROTO.
    #[arg(long, value_name = "NS/NAME[:PORT/PROTO]")]
    pub to: String,
    /// Files or directories, or - for stdin.
    #[arg(required_unless_present_any = ["cluster", "snapshot"], conflicts_with_all = ["cluster", "snapshot"])]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, Args)]
pub struct CoverageArgs {
    /// Files or directories, or - for stdin.
    #[arg(required_unless_present_any = ["cluster", "snapshot"], conflicts_with_all = ["cluster", "snapshot"])]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub policy: PolicyArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The input before the change.
    pub old: PathBuf,
    /// The input after the change.
    pub new: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// A port and its protocol.
type Port = (Protocol, u16);

/// Parses `80`, `80/TCP`, `53/udp`.
fn parse_port(s: &str) -> Result<(Protocol, u16), String> {
    let (num, proto) = s.split_once('/').unwrap_or((s, "TCP"));
    let port: u16 = num
        .parse()
        .ok()
        .filter(|&p| p > 0)
        .ok_or_else(|| format!("{num:?} is not a port between 1 and 65535"))?;
    let proto =
        Protocol::parse(proto).ok_or_else(|| format!("{proto:?} is not TCP, UDP or SCTP"))?;
    Ok((proto, port))
}

/// Runs a netpol subcommand and returns the exit code.
pub fn run(args: &NetpolArgs, out: &mut dyn Write) -> Result<u8> {
    match &args.command {
        NetpolCommand::Matrix(a) => {
            a.cluster.namespaces_need_cluster()?;
            let input = Input::load(&a.paths, &a.load, Some(&a.cluster))?;
            let analysis = Analysis::new(&input.model);
            let classes = Classes::new(&analysis);
            let format = match a.format {
                MatrixFormat::Text => report::MatrixFormat::Text,
                MatrixFormat::Json => report::MatrixFormat::Json,
                MatrixFormat::Csv => report::MatrixFormat::Csv,
                MatrixFormat::Dot => report::MatrixFormat::Dot,
                MatrixFormat::Mermaid => report::MatrixFormat::Mermaid,
            };
            report::write_matrix(&input.model, &classes, a.port, format, out)?;
            Ok(input.exit_or(0))
        }
        NetpolCommand::Explain(a) => {
            a.cluster.namespaces_need_cluster()?;
            let input = Input::load(&a.paths, &a.load, Some(&a.cluster))?;
            let analysis = Analysis::new(&input.model);
            let src = endpoint(&input.model, &a.from)?;
            let (to, port) = split_port(&a.to).map_err(anyhow::Error::msg)?;
            let dst = endpoint(&input.model, to)?;
            let e = explain::explain(&analysis, src, dst, port);
            match a.format {
                ReportFormat::Text => report::write_explain_text(&analysis, &e, out)?,
                ReportFormat::Json => report::write_explain_json(&analysis, &e, out)?,
            }
            Ok(input.exit_or(u8::from(!e.allowed)))
        }
        NetpolCommand::Coverage(a) => coverage_cmd(a),
        NetpolCommand::Diff(a) => {
            let old = Input::load(std::slice::from_ref(&a.old), &a.load, None)?;
            let new = Input::load(std::slice::from_ref(&a.new), &a.load, None)?;
            let (old_a, new_a) = (Analysis::new(&old.model), Analysis::new(&new.model));
            let (old_c, new_c) = (Classes::new(&old_a), Classes::new(&new_a));
            let d = diff::diff(&old.model, &old_c, &new.model, &new_c);
            match a.format {
                ReportFormat::Text => report::write_diff_text(&d, out)?,
                ReportFormat::Json => report::write_diff_json(&d, out)?,
            }
            let code = u8::from(!d.is_empty());
            Ok(if old.failed || new.failed { 2 } else { code })
        }
    }
}

/// `netpol coverage` through the findings pipeline: the common report,
/// with the coverage lists under `coverage` in JSON.
fn coverage_cmd(a: &CoverageArgs) -> Result<u8> {
    let policy = a
        .policy
        .policy(&a.policy.config()?, &a.cluster.namespaces)?;
    let input = load(&a.paths, &a.load, Some(&a.cluster))?;
    let gaps = coverage::coverage(&Analysis::new(&input.model));
    let mut pipeline = Pipeline::new(&policy);
    let (findings, kept) = netpol_coverage::admit(&input, gaps, &mut pipeline);
    let outcome = pipeline.finish();
    a.policy.write_baseline(&outcome)?;
    if a.output.format == OutputFormat::Text && !a.output.triage_view() {
        let (mut out, _) = a.output.open()?;
        report::write_coverage_text(&kept, &mut out)?;
        for w in &outcome.warnings {
            writeln!(out, "warning: {w}")?;
        }
        for e in &input.facts.errors {
            writeln!(out, "error: {e}")?;
        }
        crate::cli::write_triage_notes(&outcome, &mut out)?;
        out.flush()?;
    } else {
        let rules = policy.enabled_of(&netpol_coverage::rules());
        a.output.write_report(
            &rules,
            findings,
            &Ending {
                errors: &input.facts.errors,
                warnings: &outcome.warnings,
                summary: Summary {
                    suppressed: outcome.suppressed,
                    triage: outcome.triage.clone(),
                    ..input.facts.summary.clone()
                },
                extras: &[("coverage", &report::CoverageJson(&kept))],
            },
        )?;
    }
    Ok(outcome.exit_code(!input.facts.errors.is_empty()))
}

/// Loads the model from the cluster, or from `paths`.
fn load(
    paths: &[PathBuf],
    load_args: &LoadArgs,
    cluster: Option<&ClusterArgs>,
) -> Result<netpol_coverage::NetpolInput> {
    let options = load_args.options();
    let (found, errors) = match cluster {
        Some(cluster) => cluster.inputs(paths, options.walk)?,
        None => kubeguard_load::discover(paths, options.walk),
    };
    let input = netpol_coverage::load_found(&found, errors, &options);
    if !cluster.is_some_and(ClusterArgs::is_cluster) {
        load_args.warn_if_nothing(input.facts.summary.files, input.facts.errors.len());
    }
    Ok(input)
}

/// The model of a query's inputs; errors go to standard error.
struct Input {
    model: Model,
    failed: bool,
}

impl Input {
    /// Loads the inputs for a query, reporting errors on stderr; fails
    /// when no input could be read at all.
    fn load(
        paths: &[PathBuf],
        load_args: &LoadArgs,
        cluster: Option<&ClusterArgs>,
    ) -> Result<Input> {
        let input = load(paths, load_args, cluster)?;
        crate::scan::print_all("error", &input.facts.errors);
        if input.facts.summary.files == 0
            && !input.facts.errors.is_empty()
            && !cluster.is_some_and(ClusterArgs::is_cluster)
        {
            bail!("no input could be read");
        }
        Ok(Input {
            model: input.model,
            failed: !input.facts.errors.is_empty(),
        })
    }

    fn exit_or(&self, code: u8) -> u8 {
        if self.failed { 2 } else { code }
    }
}

/// Splits `NS/NAME:PORT/PROTO`, `IP:PORT`, `[IPv6]:PORT` into the endpoint
/// and the port, if any.
fn split_port(s: &str) -> Result<(&str, Option<Port>), String> {
    if s.parse::<std::net::IpAddr>().is_ok() {
        return Ok((s, None));
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (ip, tail) = rest
            .split_once(']')
            .ok_or_else(|| format!("{s:?}: missing ]"))?;
        return match tail.strip_prefix(':') {
            Some(port) => Ok((ip, Some(parse_port(port)?))),
            None if tail.is_empty() => Ok((ip, None)),
            None => Err(format!("{s:?}: expected :PORT after ]")),
        };
    }
    match s.rsplit_once(':') {
        Some((to, port)) => Ok((to, Some(parse_port(port)?))),
        None => Ok((s, None)),
    }
}

/// A pod or workload given as `NS/NAME`, or an IP address.
fn endpoint(model: &Model, s: &str) -> Result<Endpoint> {
    if let Ok(ip) = s.parse() {
        return Ok(Endpoint::Ip(ip));
    }
    let (ns, name) = s
        .split_once('/')
        .with_context(|| format!("{s:?} is neither NAMESPACE/NAME nor an IP address"))?;
    match model.find_pod(ns, name) {
        Some(i) => Ok(Endpoint::Pod(i)),
        None => bail!("no pod or workload {ns}/{name} in the input"),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_port, split_port};
    use kubeguard_netpol::Protocol;

    #[test]
    fn ports() {
        assert_eq!(parse_port("80"), Ok((Protocol::Tcp, 80)));
        assert_eq!(parse_port("53/udp"), Ok((Protocol::Udp, 53)));
        assert_eq!(parse_port("9/SCTP"), Ok((Protocol::Sctp, 9)));
        assert!(parse_port("0/TCP").is_err());
        assert!(parse_port("80/ICMP").is_err());
        assert!(parse_port("http").is_err());
    }

    #[test]
    fn endpoints_with_ports() {
        assert_eq!(split_port("shop/db"), Ok(("shop/db", None)));
        assert_eq!(
            split_port("shop/db:5432"),
            Ok(("shop/db", Some((Protocol::Tcp, 5432))))
        );
        assert_eq!(split_port("fd00::1"), Ok(("fd00::1", None)));
        assert_eq!(
            split_port("[fd00::1]:53/UDP"),
            Ok(("fd00::1", Some((Protocol::Udp, 53))))
        );
        assert_eq!(
            split_port("10.0.0.1:443"),
            Ok(("10.0.0.1", Some((Protocol::Tcp, 443))))
        );
        assert!(split_port("shop/db:http").is_err());
    }
}
