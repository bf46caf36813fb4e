//! `kubeguard pss`: Pod Security Standards verdicts per object (`check`),
//! per namespace and admission mode (`namespaces`), and a migration plan
//! (`plan`).

use crate::cli::{LoadArgs, OutputArgs, OutputFormat, PolicyArgs};
use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use kubeguard_core::Diagnostic;
use kubeguard_load::{Loaded, load_inputs};
use kubeguard_pss::config::{self, AdmissionConfig};
use kubeguard_pss::input;
use kubeguard_pss::namespace::Request;
use kubeguard_pss::{Level, POD_SECURITY_STANDARD, Version};
use kubeguard_report::pss::{self as report, CheckReport};
use kubeguard_report::{Ending, Summary};
use kubeguard_rules::pss_check;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `kubeguard pss`.
#[derive(Debug, Args)]
pub struct PssArgs {
    #[command(subcommand)]
    pub command: PssCommand,
}

/// The `pss` subcommands.
#[derive(Debug, Subcommand)]
// Parsed once per run: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum PssCommand {
    /// Evaluate every Pod and workload pod template against a level and version.
    Check(CheckArgs),
    /// Show what each namespace's enforce, audit and warn labels do to the pods placed in it.
    Namespaces(NamespacesArgs),
    /// Per namespace: the strictest level all pods satisfy, what breaks next, labels to apply.
    Plan(PlanArgs),
}

/// Output formats of `kubeguard pss`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PssFormat {
    /// Human-readable.
    Text,
    /// Machine-readable JSON.
    Json,
}

/// Inputs and options every `pss` subcommand shares.
#[derive(Debug, Args)]
pub struct Common {
    /// Files, directories, chart or kustomize directories, or - for stdin.
    #[arg(required_unless_present_any = ["cluster", "snapshot"], conflicts_with_all = ["cluster", "snapshot"])]
    pub paths: Vec<PathBuf>,

    /// The admission plugin's PodSecurityConfiguration (or an AdmissionConfiguration holding it): defaults and exemptions.
    #[arg(long, value_name = "FILE")]
    pub admission_config: Option<PathBuf>,

    #[command(flatten)]
    pub load: LoadArgs,

    #[command(flatten)]
    pub cluster: crate::cluster_cmd::ClusterArgs,
}

/// `kubeguard pss check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,

    /// Level to evaluate [default: restricted, or the admission config's enforce default].
    #[arg(long, value_parser = parse_level)]
    pub level: Option<Level>,

    /// Policy version: latest or v1.N [default: latest, or the admission config's enforce-version].
    #[arg(long, value_parser = parse_version)]
    pub version: Option<Version>,

    /// Requesting user, matched against the admission config's exempt usernames.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `kubeguard pss namespaces`.
#[derive(Debug, Args)]
pub struct NamespacesArgs {
    #[command(flatten)]
    pub common: Common,

    /// Requesting user, matched against the admission config's exempt usernames.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = PssFormat::Text)]
    pub format: PssFormat,
}

/// `kubeguard pss plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub common: Common,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = PssFormat::Text)]
    pub format: PssFormat,
}

fn parse_level(s: &str) -> Result<Level, String> {
    s.parse()
        .map_err(|e: kubeguard_pss::PssError| e.to_string())
}

fn parse_version(s: &str) -> Result<Version, String> {
    s.parse()
        .map_err(|e: kubeguard_pss::PssError| e.to_string())
}

fn load(common: &Common) -> Result<Loaded> {
    let options = common.load.options();
    let (inputs, errors) = common.cluster.inputs(&common.paths, options.walk)?;
    let loaded = load_inputs(&inputs, errors, &options);
    if !common.cluster.is_cluster() {
        common
            .load
            .warn_if_nothing(loaded.inputs, loaded.errors.len());
    }
    Ok(loaded)
}

fn admission_config(path: Option<&Path>) -> Result<AdmissionConfig> {
    Ok(path.map(config::load_file).transpose()?.unwrap_or_default())
}

/// Runs `kubeguard pss`; returns the exit code.
pub fn run(args: &PssArgs, out: &mut dyn Write) -> Result<u8> {
    match &args.command {
        PssCommand::Check(a) => check(a),
        PssCommand::Namespaces(a) => namespaces(a, out),
        PssCommand::Plan(a) => plan(a, out),
    }
}

fn check(args: &CheckArgs) -> Result<u8> {
    let admission_path = args.common.admission_config.as_deref();
    let admission = admission_config(admission_path)?;
    let level = input::check_policy(args.level, args.version, admission_path.map(|_| &admission));
    let config = args.policy.config()?;
    let policy = args
        .policy
        .policy(&config, &args.common.cluster.namespaces)?;
    let loaded = load(&args.common)?;
    let request = Request {
        username: args.user.as_deref(),
    };
    let run = pss_check::run(
        &loaded.objects,
        level,
        &admission.exemptions,
        request,
        &policy,
    );
    let mut errors = loaded.errors;
    errors.extend(run.errors);
    let rules = policy.enabled_of(&[&POD_SECURITY_STANDARD]);
    let summary = Summary {
        files: loaded.inputs,
        objects: loaded.objects.len(),
        skipped: loaded.skipped.len(),
        suppressed: run.outcome.suppressed,
        triage: run.outcome.triage.clone(),
    };
    args.policy.write_baseline(&run.outcome)?;
    if args.output.format == OutputFormat::Text && args.output.triage_view() {
        args.output.write_report(
            &rules,
            run.findings.clone(),
            &Ending {
                errors: &errors,
                warnings: &run.outcome.warnings,
                summary,
                extras: &[],
            },
        )?;
        return Ok(run.outcome.exit_code(!errors.is_empty()));
    }
    let (mut dest, style) = args.output.open()?;
    report::write_check(
        args.output.report_format(),
        &rules,
        &CheckReport {
            policy: level,
            rows: &run.rows,
            findings: &run.findings,
            errors: &errors,
            warnings: &run.outcome.warnings,
            summary: &summary,
        },
        style,
        &mut dest,
    )?;
    if args.output.format != OutputFormat::Text && args.output.errors_to_stderr() {
        crate::scan::print_all("error", &errors);
    }
    Ok(run.outcome.exit_code(!errors.is_empty()))
}

fn exit(errors: &[Diagnostic], failed: bool) -> u8 {
    if !errors.is_empty() {
        2
    } else {
        u8::from(failed)
    }
}

fn namespaces(args: &NamespacesArgs, out: &mut dyn Write) -> Result<u8> {
    args.common.cluster.namespaces_need_cluster()?;
    let config = admission_config(args.common.admission_config.as_deref())?;
    let loaded = load(&args.common)?;
    let request = Request {
        username: args.user.as_deref(),
    };
    let mut table = input::admissions(&loaded.objects, &config, request);
    let mut errors = loaded.errors;
    errors.append(&mut table.errors);
    match args.format {
        PssFormat::Text => report::write_namespaces_text(&table.namespaces, &errors, out)?,
        PssFormat::Json => {
            crate::scan::print_all("error", &errors);
            report::write_namespaces_json(&table.namespaces, &errors, out)?;
        }
    }
    Ok(exit(&errors, table.enforce_denies()))
}

fn plan(args: &PlanArgs, out: &mut dyn Write) -> Result<u8> {
    args.common.cluster.namespaces_need_cluster()?;
    let config = admission_config(args.common.admission_config.as_deref())?;
    let loaded = load(&args.common)?;
    let mut plans = input::plans(&loaded.objects, &config);
    let mut errors = loaded.errors;
    errors.append(&mut plans.errors);
    match args.format {
        PssFormat::Text => report::write_plan_text(&plans.namespaces, &errors, out)?,
        PssFormat::Json => {
            crate::scan::print_all("error", &errors);
            report::write_plan_json(&plans.namespaces, &errors, out)?;
        }
    }
    Ok(exit(&errors, false))
}
