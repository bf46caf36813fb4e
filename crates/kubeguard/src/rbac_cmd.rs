//! `kubeguard rbac`: can-i, who-can, risks and unused over the RBAC objects
//! of manifests, answered as the API server's RBAC authorizer would.

use crate::cli::{LoadArgs, OutputArgs, OutputFormat, PolicyArgs};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use kubeguard_core::{Diagnostic, Finding, RuleMeta};
use kubeguard_load::load_all;
use kubeguard_rbac::query::build_request;
use kubeguard_rbac::risks;
use kubeguard_rbac::{Authorizer, Model, UserInfo, defaults, unused};
use kubeguard_report::rbac as report;
use kubeguard_report::{Ending, JsonExtra, Summary};
use kubeguard_rules::suppress::InlineIgnore;
use kubeguard_rules::{Outcome, Pipeline, inline_ignore_of};
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
  any       2 when an input or flag is wrong (what parsed is still used)";

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
        after_help = "Examples:\n  kubeguard rbac can-i --as jane get pods -n dev deploy/rbac/\n  kubeguard rbac can-i --as system:serviceaccount:ci:deployer create deployments.apps -n prod rbac.yaml\n  kubeguard rbac can-i --as jane get secrets db-password -n dev rbac.yaml\n  kubeguard rbac can-i --as jane get /healthz rbac.yaml\n\nThe third positional argument is an object NAME when it is not an existing\nfile or directory and more arguments follow."
    )]
    CanI(CanIArgs),
    /// Every subject that may do something, with the binding and role of each.
    WhoCan(WhoCanArgs),
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
}

#[derive(Debug, Args)]
pub struct CanIArgs {
    /// The user to ask for: a name, or system:serviceaccount:NS:NAME.
    #[arg(long = "as", value_name = "SUBJECT")]
    pub as_user: String,

    /// A group the user is in (repeatable).
    #[arg(long = "as-group", value_name = "GROUP")]
    pub as_groups: Vec<String>,

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

#[derive(Debug, Args)]
pub struct WhoCanArgs {
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
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub common: Common,

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
        RbacCommand::Risks(a) => risks_cmd(a, out),
        RbacCommand::Unused(a) => unused_cmd(a, out),
    }
}

/// What was loaded: the authorizer, the errors and counts.
struct Loaded {
    auth: Authorizer,
    errors: Vec<Diagnostic>,
    ignores: Vec<InlineIgnore>,
    files: usize,
    objects: usize,
    skipped: usize,
}

fn load(paths: &[PathBuf], common: &Common) -> Loaded {
    let loaded = load_all(paths, &common.load.options());
    let mut model = if common.with_defaults {
        defaults::model()
    } else {
        Model::default()
    };
    let mut errors = loaded.errors;
    let (m, model_errors) = Model::from_objects(&loaded.objects);
    model.extend(m);
    errors.extend(
        model_errors
            .into_iter()
            .map(|e| Diagnostic::new(&*e.origin.file, e.origin.pos, e.message)),
    );
    Loaded {
        auth: Authorizer::new(model),
        errors,
        ignores: loaded.objects.iter().filter_map(inline_ignore_of).collect(),
        files: loaded.inputs,
        objects: loaded.objects.len(),
        skipped: loaded.skipped.len(),
    }
}

fn report_errors(errors: &[Diagnostic]) {
    crate::scan::print_all("error", errors);
}

/// Splits `VERB RESOURCE [NAME] FILES...`: the third argument is a name
/// when it is not an existing path and more arguments follow.
fn split_query(args: &[String]) -> Result<(&str, &str, Option<&str>, Vec<PathBuf>)> {
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
    let (verb, resource, name, files) = split_query(&args.args)?;
    let loaded = load(&files, &args.common);
    let request = build_request(verb, resource, name, &args.namespace);
    let user = UserInfo::new(&args.as_user, &args.as_groups);
    let grants = loaded.auth.can_i(&user, &request);
    let allowed = !grants.is_empty();
    if args.format == QueryFormat::Json {
        report::write_can_i_json(&loaded.auth, &grants, out)?;
    } else {
        report::write_can_i_text(&loaded.auth, &grants, out)?;
    }
    report_errors(&loaded.errors);
    Ok(if !loaded.errors.is_empty() {
        2
    } else {
        u8::from(!allowed)
    })
}

fn who_can(args: &WhoCanArgs, out: &mut dyn Write) -> Result<u8> {
    let (verb, resource, name, files) = split_query(&args.args)?;
    let loaded = load(&files, &args.common);
    let request = build_request(verb, resource, name, &args.namespace);
    let subjects = loaded.auth.who_can(&request);
    if args.format == QueryFormat::Json {
        report::write_who_can_json(&loaded.auth, &subjects, out)?;
    } else {
        report::write_who_can_text(&loaded.auth, &subjects, out)?;
    }
    report_errors(&loaded.errors);
    Ok(if loaded.errors.is_empty() { 0 } else { 2 })
}

/// Runs findings through the pipeline, keeping the data items (`items`,
/// one per finding) whose findings it keeps.
fn admit<T>(
    pipeline: &mut Pipeline<'_>,
    findings: Vec<Finding>,
    items: Vec<T>,
) -> (Vec<Finding>, Vec<T>) {
    let mut kept = (Vec::new(), Vec::new());
    for (mut f, item) in findings.into_iter().zip(items) {
        if pipeline.admit(&mut f) {
            kept.0.push(f);
            kept.1.push(item);
        }
    }
    kept
}

/// Writes a report of `findings` with the common contract and returns the
/// exit code.
fn write_report(
    args: &ReportArgs,
    loaded: &Loaded,
    mut findings: Vec<Finding>,
    outcome: &Outcome,
    rules: &[&'static RuleMeta],
    extras: &[(&'static str, &dyn JsonExtra)],
) -> Result<()> {
    kubeguard_rules::pipeline::sort(&mut findings);
    let (mut out, color) = args.output.open()?;
    kubeguard_report::write(
        args.output.report_format(),
        rules,
        &findings,
        &Ending {
            errors: &loaded.errors,
            warnings: &outcome.warnings,
            summary: Summary {
                files: loaded.files,
                objects: loaded.objects,
                skipped: loaded.skipped,
                suppressed: outcome.suppressed,
            },
            extras,
        },
        color,
        &mut out,
    )
    .context("cannot write the report")
}

fn risks_cmd(args: &ReportArgs, out: &mut dyn Write) -> Result<u8> {
    let config = args.policy.config()?;
    let policy = args.policy.policy(&config)?;
    let loaded = load(&args.paths, &args.common);
    let mut hits = risks::analyze(&loaded.auth);
    hits.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| {
            (&a.subject, a.risk.meta.code, a.chain.len()).cmp(&(
                &b.subject,
                b.risk.meta.code,
                b.chain.len(),
            ))
        })
    });
    let mut pipeline = Pipeline::new(&policy);
    pipeline.add_inline(loaded.ignores.iter().cloned());
    let findings = report::risk_findings(&loaded.auth, &hits);
    let (findings, hits) = admit(&mut pipeline, findings, hits);
    let outcome = pipeline.finish();
    if args.output.format == OutputFormat::Text {
        let (mut dest, _) = args.output.open()?;
        report::write_risks_text(&loaded.auth, &hits, &mut dest)?;
        write_notes(&loaded, &outcome, &mut dest)?;
        dest.flush()?;
    } else {
        let risks = report::RisksJson::new(&loaded.auth, &hits);
        let rules = policy.enabled_of(&risks::metas());
        write_report(
            args,
            &loaded,
            findings,
            &outcome,
            &rules,
            &[("risks", &risks)],
        )?;
    }
    let _ = out;
    if args.output.errors_to_stderr() {
        report_errors(&loaded.errors);
    }
    Ok(outcome.exit_code(!loaded.errors.is_empty()))
}

/// After a text report: warnings, errors and what was suppressed.
fn write_notes(loaded: &Loaded, outcome: &Outcome, out: &mut dyn Write) -> Result<()> {
    for w in &outcome.warnings {
        writeln!(out, "warning: {w}")?;
    }
    for e in &loaded.errors {
        writeln!(out, "error: {e}")?;
    }
    if outcome.suppressed > 0 {
        writeln!(out, "{} suppressed by ignores", outcome.suppressed)?;
    }
    Ok(())
}

fn unused_cmd(args: &ReportArgs, out: &mut dyn Write) -> Result<u8> {
    let config = args.policy.config()?;
    let policy = args.policy.policy(&config)?;
    let loaded = load(&args.paths, &args.common);
    let items = unused::find(&loaded.auth);
    let mut pipeline = Pipeline::new(&policy);
    pipeline.add_inline(loaded.ignores.iter().cloned());
    let findings = unused::to_findings(&items);
    let (findings, _) = admit(&mut pipeline, findings, items);
    let outcome = pipeline.finish();
    let rules = policy.enabled_of(&unused::metas());
    write_report(args, &loaded, findings, &outcome, &rules, &[])?;
    let _ = out;
    if args.output.errors_to_stderr() {
        report_errors(&loaded.errors);
    }
    Ok(outcome.exit_code(!loaded.errors.is_empty()))
}
