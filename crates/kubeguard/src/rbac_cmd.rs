//! `kubeguard rbac`: can-i, who-can, risks and unused over the RBAC objects
//! of manifests, answered as the API server's RBAC authorizer would.

use crate::cli::{LoadArgs, OutputArgs, OutputFormat, PolicyArgs};
use anyhow::{Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use kubeguard_core::Diagnostic;
use kubeguard_rbac::query::{build_request, build_request_as_asked};
use kubeguard_rbac::risks;
use kubeguard_rbac::{UserInfo, unused};
use kubeguard_report::rbac as report;
use kubeguard_report::{Ending, JsonExtra, ReportWriter, Summary};
use kubeguard_rules::rbac_report::{self, RbacInput};
use kubeguard_rules::{Outcome, Pipeline};
use std::io::Write;
use std::path::{Path, PathBuf};

const RBAC_HELP: &str = "\
Answers are those of the API server's RBAC authorizer over the Roles,
ClusterRoles, RoleBindings and ClusterRoleBindings in the input: a
RoleBinding grants only in its namespace, aggregated ClusterRoles are
expanded, and members of system:masters may do anything. Add
--with-defaults to include the default roles and bindings of a cluster
(cluster-admin, admin, edit, view, system:discovery, ...).

Exit codes:
  can-i     0 allowed, 1 denied (as kubectl auth can-i)
  who-can   0
  risks     0, or 1 when a risk is at or above --fail-on
  unused    0, or 1 when something is unused or dangling
  any       2 when an input or flag is wrong, or a kind the cluster would
            not list (what was read is still used)

With --cluster (or --snapshot FILE) the roles and bindings are those of the
live cluster, and no FILES are given: `kubeguard rbac who-can get secrets
-n prod --cluster`.";

/// `kubeguard rbac`.
#[derive(Debug, Args)]
#[command(after_help = RBAC_HELP)]
pub struct RbacArgs {
    #[command(subcommand)]
    pub command: RbacCommand,
}

/// The questions `kubeguard rbac` answers.
#[derive(Debug, Subcommand)]
pub enum RbacCommand {
    /// Whether a user may do something, and which binding and rule allow it.
    #[command(
        after_help = "Examples:\n  kubeguard rbac can-i --as jane get pods -n dev deploy/rbac/\n  kubeguard rbac can-i --as system:serviceaccount:ci:deployer create deployments.apps -n prod rbac.yaml\n  kubeguard rbac can-i --as jane get secrets db-password -n dev rbac.yaml\n  kubeguard rbac can-i --as jane get /healthz rbac.yaml\n\nThe third positional argument is an object NAME when it is not an existing\nfile or directory and more arguments follow.\n\nAs with kubectl auth can-i, -n is kept for cluster-scoped resources (with\nkubectl's warning): a RoleBinding in that namespace may grant, say, bind on\na ClusterRole for RoleBindings there."
    )]
    CanI(CanIArgs),
    /// Every subject that may do something, with the binding and role of each.
    WhoCan(QueryArgs),
    /// Subjects with dangerous effective permissions, and escalation paths.
    Risks(ReportArgs),
    /// Roles bound to nobody, and bindings to missing roles or service accounts.
    Unused(ReportArgs),
}

/// Inputs and options every subcommand shares.
#[derive(Debug, Args)]
pub struct Common {
    /// Also include the default roles and bindings of a cluster.
    #[arg(long)]
    pub with_defaults: bool,

    #[command(flatten)]
    pub load: LoadArgs,

    #[command(flatten)]
    pub cluster: crate::cluster_cmd::ClusterSource,
}

#[derive(Debug, Args)]
pub struct CanIArgs {
    /// The user to ask for: a name, or system:serviceaccount:NS:NAME.
    #[arg(long = "as", value_name = "SUBJECT")]
    pub as_user: String,

    /// A group the user is in (repeatable).
    #[arg(long = "as-group", value_name = "GROUP")]
    pub as_groups: Vec<String>,

    #[command(flatten)]
    pub query: QueryArgs,
}

/// The request and inputs of `can-i` and `who-can`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The namespace of the request.
    #[arg(short, long, default_value = "default")]
    pub namespace: String,

    /// VERB RESOURCE[.GROUP][/SUB] or a /non-resource-url, then [NAME] and FILES...
    #[arg(required = true, value_name = "VERB RESOURCE [NAME] FILES")]
    pub args: Vec<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = QueryFormat::Text)]
    pub format: QueryFormat,

    #[command(flatten)]
    pub common: Common,
}

/// Output formats of `can-i` and `who-can`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// Human-readable.
    Text,
    /// Machine-readable JSON.
    Json,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Files or directories with RBAC manifests, or - for stdin.
    #[arg(required_unless_present_any = ["cluster", "snapshot"], conflicts_with_all = ["cluster", "snapshot"])]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub common: Common,

    /// Report only findings about objects in this namespace (repeatable).
    #[arg(long = "namespace", value_name = "NS", help_heading = "Triage")]
    pub namespaces: Vec<String>,

    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `kubeguard rbac` and returns the exit code.
pub fn run(args: &RbacArgs, out: &mut dyn Write) -> Result<u8> {
    match &args.command {
        RbacCommand::CanI(a) => can_i(a, out),
        RbacCommand::WhoCan(a) => who_can(a, out),
        RbacCommand::Risks(a) => risks_cmd(a),
        RbacCommand::Unused(a) => unused_cmd(a),
    }
}

fn load(paths: &[PathBuf], common: &Common) -> Result<RbacInput> {
    let options = common.load.options();
    let (found, errors) = common.cluster.inputs(&[], paths, options.walk)?;
    let input = rbac_report::load_found(&found, errors, &options, common.with_defaults);
    if !common.cluster.is_cluster() {
        let facts = &input.facts;
        common
            .load
            .warn_if_nothing(facts.summary.files, facts.errors.len());
    }
    Ok(input)
}

fn report_errors(errors: &[Diagnostic]) {
    crate::scan::print_all("error", errors);
}

/// Splits `VERB RESOURCE [NAME] FILES...`: the third argument is a name
/// when it is not an existing path and more arguments follow. With
/// `--cluster` or `--snapshot` there are no files: `VERB RESOURCE [NAME]`.
fn split_query(args: &[String], cluster: bool) -> Result<(&str, &str, Option<&str>, Vec<PathBuf>)> {
    if cluster {
        return match args {
            [verb, resource] => Ok((verb, resource, None, Vec::new())),
            [verb, resource, name] => Ok((verb, resource, Some(name), Vec::new())),
            _ => bail!(
                "expected VERB RESOURCE [NAME] with --cluster or --snapshot (no files), e.g. `get pods`"
            ),
        };
    }
    if args.len() < 3 {
        bail!("expected VERB RESOURCE [NAME] FILES..., e.g. `get pods rbac.yaml`");
    }
    let rest = &args[2..];
    let (name, files) = if rest.len() >= 2 && rest[0] != "-" && !Path::new(&rest[0]).exists() {
        (Some(rest[0].as_str()), &rest[1..])
    } else {
        (None, rest)
    };
    Ok((
        &args[0],
        &args[1],
        name,
        files.iter().map(PathBuf::from).collect(),
    ))
}

fn can_i(args: &CanIArgs, out: &mut dyn Write) -> Result<u8> {
    let query = &args.query;
    let (verb, resource, name, files) =
        split_query(&query.args, query.common.cluster.is_cluster())?;
    let loaded = load(&files, &query.common)?;
    // As `kubectl auth can-i`: the namespace is kept for cluster-scoped
    // resources too, with its warning.
    let (request, cluster_scoped) = build_request_as_asked(verb, resource, name, &query.namespace);
    if let Some(resource) = cluster_scoped {
        eprintln!("Warning: resource '{resource}' is not namespace scoped");
    }
    let user = UserInfo::new(&args.as_user, &args.as_groups);
    let grants = loaded.auth.can_i(&user, &request);
    let allowed = !grants.is_empty();
    if query.format == QueryFormat::Json {
        report::write_can_i_json(&loaded.auth, &grants, out)?;
    } else {
        report::write_can_i_text(&loaded.auth, &grants, out)?;
    }
    report_errors(&loaded.facts.errors);
    Ok(if !loaded.facts.errors.is_empty() {
        2
    } else {
        u8::from(!allowed)
    })
}

fn who_can(args: &QueryArgs, out: &mut dyn Write) -> Result<u8> {
    let (verb, resource, name, files) = split_query(&args.args, args.common.cluster.is_cluster())?;
    let loaded = load(&files, &args.common)?;
    let request = build_request(verb, resource, name, &args.namespace);
    let subjects = loaded.auth.who_can(&request);
    if args.format == QueryFormat::Json {
        report::write_who_can_json(&loaded.auth, &subjects, out)?;
    } else {
        report::write_who_can_text(&loaded.auth, &subjects, out)?;
    }
    report_errors(&loaded.facts.errors);
    Ok(if loaded.facts.errors.is_empty() { 0 } else { 2 })
}

/// Findings written a batch at a time: a large cluster has hundreds of
/// thousands of risks.
const RISK_BATCH: usize = 4096;

fn risks_cmd(args: &ReportArgs) -> Result<u8> {
    let policy = args
        .policy
        .policy(&args.policy.config()?, &args.namespaces)?;
    let input = load(&args.paths, &args.common)?;
    let mut pipeline = Pipeline::new(&policy);
    let hits = rbac_report::risks(&input, &mut pipeline);
    let outcome = pipeline.finish();
    args.policy.write_baseline(&outcome)?;
    let (mut out, color) = args.output.open()?;
    if args.output.format == OutputFormat::Text && !args.output.triage_view() {
        report::write_risks_text(&input.auth, &hits, &mut out)?;
        write_notes(&input, &outcome, &mut out)?;
        out.flush()?;
    } else {
        let risks = report::RisksJson::new(&input.auth, &hits);
        let rules = policy.enabled_of(&risks::metas());
        let mut writer = ReportWriter::begin(args.output.report_format(), &rules, color, &mut out)?;
        for batch in hits.chunks(RISK_BATCH) {
            writer.findings(&rbac_report::risk_findings(&input.auth, batch))?;
        }
        writer.finish(&ending(
            &input,
            &outcome,
            &[("rbac", &risks.tables()), ("risks", &risks)],
        ))?;
        if args.output.errors_to_stderr() {
            report_errors(&input.facts.errors);
        }
    }
    Ok(outcome.exit_code(!input.facts.errors.is_empty()))
}

fn ending<'a>(
    input: &'a RbacInput,
    outcome: &'a Outcome,
    extras: &'a [(&'static str, &'a dyn JsonExtra)],
) -> Ending<'a> {
    Ending {
        errors: &input.facts.errors,
        warnings: &outcome.warnings,
        summary: Summary {
            suppressed: outcome.suppressed,
            triage: outcome.triage.clone(),
            ..input.facts.summary.clone()
        },
        extras,
    }
}

/// After a text report: warnings, errors and what was suppressed.
fn write_notes(input: &RbacInput, outcome: &Outcome, out: &mut dyn Write) -> Result<()> {
    for w in &outcome.warnings {
        writeln!(out, "warning: {w}")?;
    }
    for e in &input.facts.errors {
        writeln!(out, "error: {e}")?;
    }
    if outcome.suppressed > 0 {
        writeln!(out, "{} suppressed by ignores", outcome.suppressed)?;
    }
    crate::cli::write_triage_notes(outcome, out)?;
    Ok(())
}

fn unused_cmd(args: &ReportArgs) -> Result<u8> {
    let policy = args
        .policy
        .policy(&args.policy.config()?, &args.namespaces)?;
    let input = load(&args.paths, &args.common)?;
    let mut pipeline = Pipeline::new(&policy);
    let findings = rbac_report::unused(&input, &mut pipeline);
    let outcome = pipeline.finish();
    args.policy.write_baseline(&outcome)?;
    let rules = policy.enabled_of(&unused::metas());
    args.output
        .write_report(&rules, findings, &ending(&input, &outcome, &[]))?;
    Ok(outcome.exit_code(!input.facts.errors.is_empty()))
}
