//! `kubeguard rbac`: can-i, who-can, risks and unused over the RBAC objects
//! of manifests, answered as the API server's RBAC authorizer would.

use crate::cli::{ColorChoice, FailOn, OutputFormat};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use kubeguard_core::{Finding, RuleMeta, Severity};
use kubeguard_load::{LoadOptions, discover, load_input};
use kubeguard_rbac::query::build_request;
use kubeguard_rbac::risks;
use kubeguard_rbac::{Authorizer, Model, UserInfo, defaults, unused};
use kubeguard_report::rbac as report;
use kubeguard_report::{ErrorItem, Format, Report, Summary};
use rayon::prelude::*;
use std::io::{IsTerminal, Write};
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

    /// Output format (can-i and who-can: text or json).
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,

    /// When to use colour (risks and unused text).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
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

    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Files or directories with RBAC manifests, or - for stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// Exit 1 when a result is at or above this severity.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Low)]
    pub fail_on: FailOn,

    #[command(flatten)]
    pub common: Common,
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
    errors: Vec<ErrorItem>,
    files: usize,
    objects: usize,
}

fn load(paths: &[PathBuf], with_defaults: bool) -> Loaded {
    let options = LoadOptions::default();
    let (inputs, walk_errors) = discover(paths, options.walk);
    let loaded: Vec<_> = inputs.par_iter().map(|i| load_input(i, &options)).collect();
    let mut errors: Vec<ErrorItem> = walk_errors.into_iter().map(error_item).collect();
    let mut model = if with_defaults {
        defaults::model()
    } else {
        Model::default()
    };
    let mut objects = 0;
    for file in loaded {
        objects += file.objects.len();
        errors.extend(file.errors.into_iter().map(error_item));
        let (m, model_errors) = Model::from_objects(&file.objects);
        model.extend(m);
        errors.extend(model_errors.into_iter().map(|e| ErrorItem {
            file: e.origin.file.to_string(),
            pos: e.origin.pos,
            message: e.message,
        }));
    }
    Loaded {
        auth: Authorizer::new(model),
        errors,
        files: inputs.len(),
        objects,
    }
}

fn error_item(e: kubeguard_load::LoadError) -> ErrorItem {
    ErrorItem {
        file: e.file,
        pos: e.pos,
        message: e.message,
    }
}

fn report_errors(errors: &[ErrorItem]) {
    for e in errors {
        eprintln!(
            "error: {}:{}:{}: {}",
            e.file, e.pos.line, e.pos.col, e.message
        );
    }
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

fn check_query_format(format: OutputFormat) -> Result<()> {
    if !matches!(format, OutputFormat::Text | OutputFormat::Json) {
        bail!("can-i and who-can write text or json; use --format text or --format json");
    }
    Ok(())
}

fn can_i(args: &CanIArgs, out: &mut dyn Write) -> Result<u8> {
    check_query_format(args.common.format)?;
    let (verb, resource, name, files) = split_query(&args.args)?;
    let loaded = load(&files, args.common.with_defaults);
    let request = build_request(verb, resource, name, &args.namespace);
    let user = UserInfo::new(&args.as_user, &args.as_groups);
    let grants = loaded.auth.can_i(&user, &request);
    let allowed = !grants.is_empty();
    if args.common.format == OutputFormat::Json {
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
    check_query_format(args.common.format)?;
    let (verb, resource, name, files) = split_query(&args.args)?;
    let loaded = load(&files, args.common.with_defaults);
    let request = build_request(verb, resource, name, &args.namespace);
    let subjects = loaded.auth.who_can(&request);
    if args.common.format == OutputFormat::Json {
        report::write_who_can_json(&loaded.auth, &subjects, out)?;
    } else {
        report::write_who_can_text(&loaded.auth, &subjects, out)?;
    }
    report_errors(&loaded.errors);
    Ok(if loaded.errors.is_empty() { 0 } else { 2 })
}

fn report_format(format: OutputFormat) -> Format {
    match format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Junit => Format::Junit,
        OutputFormat::Github => Format::Github,
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

fn write_findings(
    args: &ReportArgs,
    loaded: &Loaded,
    findings: &mut [Finding],
    rules: &[&'static RuleMeta],
    out: &mut dyn Write,
) -> Result<()> {
    findings.sort_by(|a, b| {
        (&a.file, a.pos, a.rule, &a.message).cmp(&(&b.file, b.pos, b.rule, &b.message))
    });
    let report = Report {
        findings,
        errors: &loaded.errors,
        warnings: &[],
        summary: Summary {
            files: loaded.files,
            objects: loaded.objects,
            skipped: 0,
            suppressed: 0,
        },
        rules,
    };
    kubeguard_report::write(
        report_format(args.common.format),
        &report,
        out,
        use_color(args.common.color),
    )
    .context("cannot write the report")
}

fn exit_code(loaded: &Loaded, severities: impl Iterator<Item = Severity>, fail_on: FailOn) -> u8 {
    let mut severities = severities;
    if !loaded.errors.is_empty() {
        2
    } else if fail_on
        .threshold()
        .is_some_and(|t| severities.any(|s| s >= t))
    {
        1
    } else {
        0
    }
}

fn risks_cmd(args: &ReportArgs, out: &mut dyn Write) -> Result<u8> {
    let loaded = load(&args.paths, args.common.with_defaults);
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
    match args.common.format {
        OutputFormat::Json => report::write_risks_json(&loaded.auth, &hits, &loaded.errors, out)?,
        OutputFormat::Text => report::write_risks_text(&loaded.auth, &hits, out)?,
        _ => {
            let mut findings = report::risk_findings(&loaded.auth, &hits);
            write_findings(args, &loaded, &mut findings, &risks::metas(), out)?;
        }
    }
    report_errors(&loaded.errors);
    Ok(exit_code(
        &loaded,
        hits.iter().map(|h| h.severity),
        args.fail_on,
    ))
}

fn unused_cmd(args: &ReportArgs, out: &mut dyn Write) -> Result<u8> {
    let loaded = load(&args.paths, args.common.with_defaults);
    let items = unused::find(&loaded.auth);
    let mut findings = unused::to_findings(&items);
    write_findings(args, &loaded, &mut findings, &unused::metas(), out)?;
    if args.common.format != OutputFormat::Text {
        report_errors(&loaded.errors);
    }
    Ok(exit_code(
        &loaded,
        findings.iter().map(|f| f.severity),
        args.fail_on,
    ))
}
