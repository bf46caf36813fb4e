//! `kubeguard rbac`: can-i, who-can, risks and unused over the RBAC objects
//! of manifests, answered as the API server's RBAC authorizer would.

use crate::cli::{LoadArgs, OutputArgs, OutputFormat, PolicyArgs};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use kubeguard_core::{Diagnostic, Finding, RuleMeta};
use kubeguard_load::load_all;
use kubeguard_rbac::model::{Binding, PolicyRule, Role, Subject};
use kubeguard_rbac::query::build_request;
use kubeguard_rbac::risks::{self, Hit, Step};
use kubeguard_rbac::{Authorizer, Grant, Model, UserInfo, defaults, unused};
use kubeguard_report::{Ending, JsonExtra, Summary};
use kubeguard_rules::suppress::InlineIgnore;
use kubeguard_rules::{Outcome, Pipeline, inline_ignore_of};
use serde_json::{Value, json};
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
        let doc = json!({
            "allowed": allowed,
            "grants": grants.iter().map(|g| grant_json(&loaded.auth, g)).collect::<Vec<_>>(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        writeln!(out, "{}", if allowed { "yes" } else { "no" })?;
        for g in &grants {
            writeln!(out, "  {}", grant_text(&loaded.auth, g))?;
        }
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
        let doc = json!({
            "subjects": subjects.iter().map(|s| {
                let mut v = subject_json(&s.subject);
                v["via"] = s.via.iter().map(|g| grant_json(&loaded.auth, g)).collect();
                v
            }).collect::<Vec<_>>(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        for s in &subjects {
            writeln!(out, "{}", s.subject)?;
            for g in &s.via {
                writeln!(out, "  {}", grant_text(&loaded.auth, g))?;
            }
        }
    }
    report_errors(&loaded.errors);
    Ok(if loaded.errors.is_empty() { 0 } else { 2 })
}

fn subject_json(s: &Subject) -> Value {
    json!({ "kind": s.kind.as_str(), "name": s.name, "namespace": s.namespace })
}

fn binding_json(b: &Binding) -> Value {
    json!({
        "kind": b.kind.as_str(), "name": b.name, "namespace": b.namespace,
        "file": &*b.origin.file, "line": b.origin.pos.line, "column": b.origin.pos.col,
    })
}

fn role_json(r: &Role) -> Value {
    json!({
        "kind": r.kind.as_str(), "name": r.name, "namespace": r.namespace,
        "file": &*r.origin.file, "line": r.origin.pos.line, "column": r.origin.pos.col,
    })
}

fn rule_json(index: usize, rule: &PolicyRule) -> Value {
    let mut v = json!({
        "index": index,
        "verbs": rule.verbs,
        "apiGroups": rule.api_groups,
        "resources": rule.resources,
        "resourceNames": rule.resource_names,
        "nonResourceURLs": rule.non_resource_urls,
    });
    if let Some(o) = &rule.origin {
        v["file"] = json!(&*o.file);
        v["line"] = json!(o.pos.line);
        v["column"] = json!(o.pos.col);
    }
    v
}

fn grant_json(auth: &Authorizer, grant: &Grant) -> Value {
    match (grant, auth.explain(grant)) {
        (Grant::Rule { subject, rule, .. }, Some((b, r, pr))) => json!({
            "subject": subject_json(subject),
            "binding": binding_json(b),
            "role": role_json(r),
            "rule": rule_json(*rule, pr),
        }),
        _ => json!({
            "subject": { "kind": "Group", "name": "system:masters", "namespace": null },
            "reason": "members of system:masters bypass authorization",
        }),
    }
}

fn grant_text(auth: &Authorizer, grant: &Grant) -> String {
    match (grant, auth.explain(grant)) {
        (Grant::Rule { subject, rule, .. }, Some((b, r, pr))) => {
            let at = pr
                .origin
                .as_ref()
                .map_or_else(|| r.origin.to_string(), ToString::to_string);
            format!(
                "{b} ({}) binds {subject} to {} {} rule {rule} ({at}): {pr}",
                b.origin,
                r.kind.as_str(),
                r.name
            )
        }
        _ => "Group system:masters: members bypass authorization".to_owned(),
    }
}

fn step_json(auth: &Authorizer, step: &Step) -> Value {
    let b = &auth.model.bindings[step.binding];
    let r = &auth.model.roles[step.role];
    json!({
        "subject": subject_json(&step.subject),
        "binding": binding_json(b),
        "role": role_json(r),
        "rule": rule_json(step.rule, &r.rules[step.rule]),
        "grants": step.grants,
    })
}

fn hit_json(auth: &Authorizer, h: &Hit) -> Value {
    json!({
        "subject": subject_json(&h.subject),
        "severity": h.severity.as_str(),
        "risk": h.risk.meta.name,
        "code": h.risk.meta.code,
        "message": h.risk.meta.summary,
        "namespace": h.namespace,
        "escalation": h.is_escalation(),
        "chain": h.chain.iter().map(|s| step_json(auth, s)).collect::<Vec<_>>(),
    })
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
    let findings = risks::to_findings(&loaded.auth, &hits);
    let (findings, hits) = admit(&mut pipeline, findings, hits);
    let outcome = pipeline.finish();
    if args.output.format == OutputFormat::Text {
        let (mut dest, _) = args.output.open()?;
        write_risks_text(&loaded, &hits, &outcome, &mut dest)?;
        dest.flush()?;
    } else {
        let risks: Vec<Value> = hits.iter().map(|h| hit_json(&loaded.auth, h)).collect();
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

fn write_risks_text(
    loaded: &Loaded,
    hits: &[Hit],
    outcome: &Outcome,
    out: &mut dyn Write,
) -> Result<()> {
    for h in hits {
        let scope = h
            .namespace
            .as_ref()
            .map_or_else(|| "cluster-wide".to_owned(), |ns| format!("in {ns}"));
        writeln!(
            out,
            "{:<8} {} [{} {}] {}, {scope}{}",
            h.severity.as_str(),
            h.subject,
            h.risk.meta.code,
            h.risk.meta.name,
            h.risk.meta.summary,
            if h.is_escalation() {
                " (escalation)"
            } else {
                ""
            }
        )?;
        for step in &h.chain {
            writeln!(out, "    {}", risks::step_text(&loaded.auth, step))?;
        }
    }
    for w in &outcome.warnings {
        writeln!(out, "warning: {w}")?;
    }
    for e in &loaded.errors {
        writeln!(out, "error: {e}")?;
    }
    let subjects = hits
        .iter()
        .map(|h| &h.subject)
        .collect::<std::collections::BTreeSet<&Subject>>()
        .len();
    let suppressed = if outcome.suppressed > 0 {
        format!(", {} suppressed", outcome.suppressed)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{} risk(s) for {subjects} subject(s){suppressed}",
        hits.len()
    )?;
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
