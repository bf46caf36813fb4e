//! `kubeguard pss`: Pod Security Standards verdicts per object (`check`),
//! per namespace and admission mode (`namespaces`), and a migration plan
//! (`plan`).

use crate::cli::{LoadArgs, OutputArgs, OutputFormat, PolicyArgs};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use kubeguard_core::{Diagnostic, Object};
use kubeguard_load::load_all;
use kubeguard_pss::POD_SECURITY_STANDARD;
use kubeguard_pss::config::{AdmissionConfig, ConfigDocument};
use kubeguard_pss::namespace::{
    Admission, Exemption, NamespacePolicy, Request, admit, resolve_labels,
};
use kubeguard_pss::plan::plan;
use kubeguard_pss::{Level, LevelVersion, Pod, Verdict, Version};
use kubeguard_report::{Ending, Summary};
use kubeguard_rules::pss_scan::verdict_findings;
use kubeguard_rules::{Pipeline, inline_ignore_of};
use serde_json::{Value, json};
use std::collections::BTreeMap;
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
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// The admission plugin's PodSecurityConfiguration (or an AdmissionConfiguration holding it): defaults and exemptions.
    #[arg(long, value_name = "FILE")]
    pub admission_config: Option<PathBuf>,

    #[command(flatten)]
    pub load: LoadArgs,
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

/// What the inputs held.
struct Inputs {
    objects: Vec<Object>,
    problems: Vec<Diagnostic>,
    files: usize,
    skipped: usize,
}

fn load(common: &Common) -> Inputs {
    let loaded = load_all(&common.paths, &common.load.options());
    Inputs {
        objects: loaded.objects,
        problems: loaded.errors,
        files: loaded.inputs,
        skipped: loaded.skipped.len(),
    }
}

fn admission_config(path: Option<&Path>) -> Result<AdmissionConfig> {
    let Some(path) = path else {
        return Ok(AdmissionConfig::default());
    };
    let mut path = path.to_path_buf();
    for _ in 0..2 {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read admission config {}", path.display()))?;
        let name = path.display().to_string();
        let loaded = kubeguard_load::load_source(kubeguard_core::Source::new(name.clone(), text));
        if let Some(e) = loaded.errors.first() {
            bail!("{}:{}:{}: {}", e.file, e.pos.line, e.pos.col, e.message);
        }
        let [obj] = loaded.objects.as_slice() else {
            bail!(
                "{name}: expected exactly one PodSecurityConfiguration or AdmissionConfiguration document"
            );
        };
        match kubeguard_pss::config::parse(obj).map_err(|e| located(&name, &e))? {
            ConfigDocument::Config(c) => return Ok(c),
            ConfigDocument::External(p) => {
                path = path.parent().unwrap_or(Path::new(".")).join(p);
            }
        }
    }
    bail!(
        "{}: the PodSecurity plugin's path points at another AdmissionConfiguration",
        path.display()
    )
}

fn located(file: &str, e: &kubeguard_pss::PssError) -> anyhow::Error {
    match e.pos() {
        Some(pos) => anyhow::anyhow!("{file}:{}:{}: {e}", pos.line, pos.col),
        None => anyhow::anyhow!("{file}: {e}"),
    }
}

/// Runs `kubeguard pss`; returns the exit code.
pub fn run(args: &PssArgs, out: &mut dyn Write) -> Result<u8> {
    match &args.command {
        PssCommand::Check(a) => check(a, out),
        PssCommand::Namespaces(a) => namespaces(a, out),
        PssCommand::Plan(a) => plan_cmd(a, out),
    }
}

fn is_workload(obj: &Object) -> bool {
    kubeguard_core::workload::WORKLOAD_KINDS.contains(&obj.kind.as_str())
}

fn object_json(obj: &Object) -> Value {
    serde_json::to_value(obj.object_ref()).unwrap_or(Value::Null)
}

fn obj_line(obj: &Object) -> u32 {
    obj.root.span.start.line
}

fn verdict_json(v: &Verdict, file: &str) -> Value {
    json!({
        "level": v.policy.level.as_str(),
        "version": v.policy.version.to_string(),
        "allowed": v.allowed(),
        "violations": v.violations.iter().map(|x| json!({
            "check": x.check, "reason": x.reason, "detail": x.detail,
            "path": x.path, "file": file, "line": x.pos.line, "column": x.pos.col,
        })).collect::<Vec<_>>(),
    })
}

fn write_verdict(out: &mut dyn Write, v: &Verdict, file: &str, indent: &str) -> Result<()> {
    for x in &v.violations {
        writeln!(out, "{indent}- {} ({}): {}", x.reason, x.check, x.detail)?;
        writeln!(
            out,
            "{indent}  at {} ({file}:{}:{})",
            x.path, x.pos.line, x.pos.col
        )?;
    }
    Ok(())
}

fn report_problems(
    problems: &[Diagnostic],
    out: &mut dyn Write,
    format: PssFormat,
) -> Result<Vec<Value>> {
    let mut json_errors = Vec::new();
    for p in problems {
        match format {
            PssFormat::Text => writeln!(
                out,
                "error: {}:{}:{}: {}",
                p.file, p.pos.line, p.pos.col, p.message
            )?,
            PssFormat::Json => {
                eprintln!(
                    "error: {}:{}:{}: {}",
                    p.file, p.pos.line, p.pos.col, p.message
                );
                json_errors.push(json!({"file": p.file, "line": p.pos.line, "column": p.pos.col, "message": p.message}));
            }
        }
    }
    Ok(json_errors)
}

fn decode<'a>(obj: &'a Object, problems: &mut Vec<Diagnostic>) -> Option<Pod<'a>> {
    match Pod::of(obj) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(Diagnostic::new(
                &obj.source.name,
                e.pos().unwrap_or(obj.root.span.start),
                format!("{}: {e}", obj.object_ref()),
            ));
            None
        }
    }
}

fn exemption_text(e: &Exemption) -> String {
    match e {
        Exemption::Namespace(n) => format!("exempt (namespace {n:?})"),
        Exemption::Username(u) => format!("exempt (user {u:?})"),
        Exemption::RuntimeClass(r) => format!("exempt (runtimeClassName {r:?})"),
    }
}

/// One object's verdict as `pss check` shows it: only the violations the
/// findings pipeline kept, and how many it suppressed.
struct Row<'a> {
    obj: &'a Object,
    exempt: Option<Exemption>,
    verdict: Option<Verdict>,
    suppressed: usize,
}

fn check(args: &CheckArgs, out: &mut dyn Write) -> Result<u8> {
    let admission = admission_config(args.common.admission_config.as_deref())?;
    let level_version = LevelVersion::new(
        args.level
            .unwrap_or(if args.common.admission_config.is_some() {
                admission.defaults.enforce.level
            } else {
                Level::Restricted
            }),
        args.version.unwrap_or(admission.defaults.enforce.version),
    );
    let config = args.policy.config()?;
    let policy = args.policy.policy(&config)?;
    let inputs = load(&args.common);
    let mut problems = inputs.problems;
    let mut pipeline = Pipeline::new(&policy);
    let mut findings = Vec::new();
    let mut rows = Vec::new();
    for obj in inputs.objects.iter().filter(|o| is_workload(o)) {
        let Some(pod) = decode(obj, &mut problems) else {
            continue;
        };
        pipeline.add_inline(inline_ignore_of(obj));
        let namespace = obj.effective_namespace().unwrap_or("default");
        let exempt = admit(
            &pod,
            true,
            namespace,
            &NamespacePolicy {
                policy: kubeguard_pss::namespace::Policy::default(),
                errors: vec![],
                future_versions: vec![],
            },
            &admission.exemptions,
            Request {
                username: args.user.as_deref(),
            },
        )
        .exempt;
        if exempt.is_some() {
            rows.push(Row {
                obj,
                exempt,
                verdict: None,
                suppressed: 0,
            });
            continue;
        }
        let mut verdict = kubeguard_pss::evaluate(&pod, level_version);
        let mut kept = Vec::new();
        let mut suppressed = 0;
        for (mut f, v) in verdict_findings(obj, &verdict)
            .into_iter()
            .zip(std::mem::take(&mut verdict.violations))
        {
            if pipeline.admit(&mut f) {
                findings.push(f);
                kept.push(v);
            } else {
                suppressed += 1;
            }
        }
        verdict.violations = kept;
        rows.push(Row {
            obj,
            exempt: None,
            verdict: Some(verdict),
            suppressed,
        });
    }
    let outcome = pipeline.finish();
    if args.output.format == OutputFormat::Text {
        let (mut dest, _) = args.output.open()?;
        write_check_text(
            &rows,
            level_version,
            &problems,
            &outcome.warnings,
            &mut dest,
        )?;
        dest.flush()?;
    } else {
        kubeguard_rules::pipeline::sort(&mut findings);
        let results: Vec<Value> = rows.iter().map(|r| row_json(r, level_version)).collect();
        let level = level_version.level.as_str();
        let version = level_version.version.to_string();
        let rules = policy.enabled_of(&[&POD_SECURITY_STANDARD]);
        let (mut dest, color) = args.output.open()?;
        kubeguard_report::write(
            args.output.report_format(),
            &rules,
            &findings,
            &Ending {
                errors: &problems,
                warnings: &outcome.warnings,
                summary: Summary {
                    files: inputs.files,
                    objects: inputs.objects.len(),
                    skipped: inputs.skipped,
                    suppressed: outcome.suppressed,
                },
                extras: &[
                    ("level", &level),
                    ("version", &version),
                    ("results", &results),
                ],
            },
            color,
            &mut dest,
        )?;
        if args.output.errors_to_stderr() {
            crate::scan::print_all("error", &problems);
        }
    }
    let _ = out;
    Ok(outcome.exit_code(!problems.is_empty()))
}

fn row_json(row: &Row<'_>, policy: LevelVersion) -> Value {
    let file = row.obj.source.name.as_str();
    match (&row.exempt, &row.verdict) {
        (None, Some(v)) => {
            let mut j = verdict_json(v, file);
            j["object"] = object_json(row.obj);
            j["file"] = json!(file);
            j["line"] = json!(obj_line(row.obj));
            j["suppressed"] = json!(row.suppressed);
            j
        }
        (exempt, _) => json!({
            "object": object_json(row.obj), "file": file, "line": obj_line(row.obj),
            "level": policy.level.as_str(), "version": policy.version.to_string(),
            "allowed": true, "exempt": exempt.as_ref().map(exemption_text), "violations": [],
        }),
    }
}

fn write_check_text(
    rows: &[Row<'_>],
    policy: LevelVersion,
    problems: &[Diagnostic],
    warnings: &[Diagnostic],
    out: &mut dyn Write,
) -> Result<()> {
    let (mut allowed, mut denied, mut exempt) = (0, 0, 0);
    for row in rows {
        let file = row.obj.source.name.as_str();
        if let Some(e) = &row.exempt {
            exempt += 1;
            writeln!(
                out,
                "{file}:{} {}: {}",
                obj_line(row.obj),
                row.obj.object_ref(),
                exemption_text(e)
            )?;
            continue;
        }
        let Some(verdict) = &row.verdict else {
            continue;
        };
        let what = if !verdict.allowed() {
            denied += 1;
            "denied".to_owned()
        } else if row.suppressed > 0 {
            allowed += 1;
            format!(
                "allowed ({} violation{} suppressed)",
                row.suppressed,
                if row.suppressed == 1 { "" } else { "s" }
            )
        } else {
            allowed += 1;
            "allowed".to_owned()
        };
        writeln!(
            out,
            "{file}:{} {}: {what} by {policy}",
            obj_line(row.obj),
            row.obj.object_ref()
        )?;
        write_verdict(out, verdict, file, "  ")?;
    }
    report_problems(problems, out, PssFormat::Text)?;
    for w in warnings {
        writeln!(out, "warning: {w}")?;
    }
    writeln!(
        out,
        "{} objects: {allowed} allowed, {denied} denied{} at {policy}",
        allowed + denied + exempt,
        if exempt > 0 {
            format!(", {exempt} exempt")
        } else {
            String::new()
        }
    )?;
    if policy.version.is_future() {
        writeln!(
            out,
            "note: {} is newer than v1.{}; evaluated with the latest checks",
            policy.version,
            kubeguard_pss::LATEST_MINOR
        )?;
    }
    Ok(())
}

fn exit(problems: &[Diagnostic], failed: bool) -> u8 {
    if !problems.is_empty() {
        2
    } else {
        u8::from(failed)
    }
}

/// Namespace objects of the input by name, with their resolved policy.
fn namespace_policies(
    objects: &[Object],
    config: &AdmissionConfig,
) -> BTreeMap<String, (NamespacePolicy, bool)> {
    let mut out = BTreeMap::new();
    for obj in objects
        .iter()
        .filter(|o| o.kind == "Namespace" && o.group().is_empty())
    {
        let Some(name) = &obj.name else { continue };
        let ns = resolve_labels(|k| obj.label(k), &config.defaults);
        out.insert(name.clone(), (ns, true));
    }
    out
}

fn policy_text(ns: &NamespacePolicy) -> String {
    let p = &ns.policy;
    format!("enforce={} audit={} warn={}", p.enforce, p.audit, p.warn)
}

fn namespaces(args: &NamespacesArgs, out: &mut dyn Write) -> Result<u8> {
    let config = admission_config(args.common.admission_config.as_deref())?;
    let inputs = load(&args.common);
    let mut problems = inputs.problems;
    let mut by_ns = namespace_policies(&inputs.objects, &config);
    let mut members: BTreeMap<String, Vec<(&Object, Admission)>> = BTreeMap::new();
    for obj in inputs.objects.iter().filter(|o| is_workload(o)) {
        let Some(pod) = decode(obj, &mut problems) else {
            continue;
        };
        let namespace = obj.effective_namespace().unwrap_or("default").to_owned();
        let (ns, _) = by_ns
            .entry(namespace.clone())
            .or_insert_with(|| (resolve_labels(|_| None, &config.defaults), false));
        let admission = admit(
            &pod,
            obj.kind == "Pod",
            &namespace,
            ns,
            &config.exemptions,
            Request {
                username: args.user.as_deref(),
            },
        );
        members.entry(namespace).or_default().push((obj, admission));
    }
    let mut failed = false;
    let mut json_namespaces = Vec::new();
    for (name, (ns, declared)) in &by_ns {
        let objects = members.get(name).map(Vec::as_slice).unwrap_or_default();
        let mut json_objects = Vec::new();
        if args.format == PssFormat::Text {
            let origin = if *declared {
                ""
            } else {
                " (no Namespace object in the input; defaults apply)"
            };
            writeln!(out, "namespace {name}: {}{origin}", policy_text(ns))?;
            for e in &ns.errors {
                writeln!(
                    out,
                    "  invalid label {}={:?}: {}",
                    e.label,
                    e.value,
                    e.message()
                )?;
            }
            for (label, v) in &ns.future_versions {
                writeln!(
                    out,
                    "  note: {label}={v} is newer than v1.{}; evaluated with the latest checks",
                    kubeguard_pss::LATEST_MINOR
                )?;
            }
        }
        for (obj, a) in objects {
            let file = obj.source.name.as_str();
            failed |= a.denied() || a.pods_would_be_denied();
            let outcome = if let Some(e) = &a.exempt {
                exemption_text(e)
            } else if a.denied() {
                "denied by enforce".to_owned()
            } else if a.pods_would_be_denied() {
                "admitted; warning: the pods it creates would be denied by enforce".to_owned()
            } else {
                "admitted".to_owned()
            };
            match args.format {
                PssFormat::Text => {
                    writeln!(
                        out,
                        "  {file}:{} {}: {outcome}",
                        obj_line(obj),
                        obj.object_ref()
                    )?;
                    for (mode, v, shown) in [
                        (
                            "enforce",
                            &a.enforce,
                            a.denied() || a.pods_would_be_denied(),
                        ),
                        ("audit", &a.audit, a.audited()),
                        ("warn", &a.warn, a.warned()),
                    ] {
                        if let (Some(v), true) = (v, shown) {
                            let effect = match mode {
                                "enforce" if a.is_pod => "rejected",
                                "enforce" => "pods would be rejected",
                                "audit" => "audit annotation",
                                _ => "warning",
                            };
                            writeln!(
                                out,
                                "    {mode} ({effect}): would violate PodSecurity \"{}\"",
                                v.policy
                            )?;
                            write_verdict(out, v, file, "      ")?;
                        }
                    }
                }
                PssFormat::Json => {
                    let mode = |v: &Option<Verdict>| {
                        v.as_ref().map_or(Value::Null, |v| verdict_json(v, file))
                    };
                    json_objects.push(json!({
                        "object": object_json(obj), "file": file, "line": obj_line(obj),
                        "exempt": a.exempt.as_ref().map(exemption_text),
                        "denied": a.denied(), "pods_would_be_denied": a.pods_would_be_denied(),
                        "audited": a.audited(), "warned": a.warned(),
                        "enforce": mode(&a.enforce), "audit": mode(&a.audit), "warn": mode(&a.warn),
                    }));
                }
            }
        }
        if args.format == PssFormat::Json {
            let p = &ns.policy;
            json_namespaces.push(json!({
                "name": name, "in_input": declared,
                "enforce": p.enforce.to_string(), "audit": p.audit.to_string(), "warn": p.warn.to_string(),
                "label_errors": ns.errors.iter().map(|e| json!({"label": e.label, "value": e.value, "message": e.message()})).collect::<Vec<_>>(),
                "objects": json_objects,
            }));
        }
    }
    let errors = report_problems(&problems, out, args.format)?;
    if args.format == PssFormat::Json {
        serde_json::to_writer_pretty(
            &mut *out,
            &json!({"namespaces": json_namespaces, "errors": errors}),
        )?;
        writeln!(out)?;
    }
    Ok(exit(&problems, failed))
}

fn plan_cmd(args: &PlanArgs, out: &mut dyn Write) -> Result<u8> {
    let config = admission_config(args.common.admission_config.as_deref())?;
    let inputs = load(&args.common);
    let mut problems = inputs.problems;
    let by_ns = namespace_policies(&inputs.objects, &config);
    let mut members: BTreeMap<String, Vec<(&Object, Pod<'_>)>> =
        by_ns.keys().map(|k| (k.clone(), Vec::new())).collect();
    for obj in inputs.objects.iter().filter(|o| is_workload(o)) {
        let Some(pod) = decode(obj, &mut problems) else {
            continue;
        };
        let namespace = obj.effective_namespace().unwrap_or("default").to_owned();
        if config.exemptions.namespaces.contains(&namespace) {
            continue;
        }
        members.entry(namespace).or_default().push((obj, pod));
    }
    let mut json_namespaces = Vec::new();
    for (name, list) in &members {
        let pods: Vec<Pod<'_>> = list.iter().map(|(_, p)| p.clone()).collect();
        let p = plan(&pods);
        let current = by_ns.get(name).map(|(ns, _)| ns.policy.enforce);
        match args.format {
            PssFormat::Text => {
                writeln!(out, "namespace {name} ({} pods and workloads)", list.len())?;
                if let Some(c) = current {
                    writeln!(out, "  currently enforced: {c}")?;
                }
                writeln!(out, "  satisfies: {}", p.strictest)?;
                if let Some(next) = &p.next {
                    match next.satisfied_up_to {
                        Some(v) => writeln!(out, "  next: {} breaks {} (satisfied up to {}:{v})", next.policy, next.breaking.len(), next.policy.level)?,
                        None => writeln!(out, "  next: {} breaks {}", next.policy, next.breaking.len())?,
                    }
                    for (i, v) in &next.breaking {
                        let (obj, _) = &list[*i];
                        writeln!(out, "    {}:{} {}", obj.source.name, obj_line(obj), obj.object_ref())?;
                        write_verdict(out, v, &obj.source.name, "      ")?;
                    }
                }
                let labels: Vec<String> = p.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                writeln!(out, "  apply: kubectl label --overwrite namespace {name} {}", labels.join(" "))?;
            }
            PssFormat::Json => json_namespaces.push(json!({
                "name": name,
                "current_enforce": current.map(|c| c.to_string()),
                "satisfies": p.strictest.to_string(),
                "next": p.next.as_ref().map(|n| json!({
                    "policy": n.policy.to_string(),
                    "satisfied_up_to": n.satisfied_up_to.map(|v| v.to_string()),
                    "breaking": n.breaking.iter().map(|(i, v)| {
                        let (obj, _) = &list[*i];
                        let mut j = verdict_json(v, &obj.source.name);
                        j["object"] = object_json(obj);
                        j["file"] = json!(obj.source.name);
                        j["line"] = json!(obj_line(obj));
                        j
                    }).collect::<Vec<_>>(),
                })),
                "labels": p.labels.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            })),
        }
    }
    let errors = report_problems(&problems, out, args.format)?;
    if args.format == PssFormat::Json {
        serde_json::to_writer_pretty(
            &mut *out,
            &json!({"namespaces": json_namespaces, "errors": errors}),
        )?;
        writeln!(out)?;
    }
    Ok(exit(&problems, false))
}
