//! `kubeguard scan`: load inputs in parallel, run the rules on each file's
//! objects as soon as it is parsed (so parsed trees never pile up), then
//! the cluster-wide rules over the merged index, then suppressions.

use crate::cli::{ColorChoice, FailOn, OutputFormat, ScanArgs};
use crate::config::{self, Config};
use crate::scan_pss::PssScan;
use anyhow::{Context, Result};
use kubeguard_core::{Finding, Severity};
use kubeguard_load::{Input, LoadOptions, RenderOptions, WalkOptions, discover, load_input};
use kubeguard_report::{ErrorItem, Format, Report, Summary, Warning};
use kubeguard_rules::suppress::{self, InlineIgnore};
use kubeguard_rules::{Engine, Index, Selection, Settings, registry};
use rayon::prelude::*;
use std::io::{IsTerminal, Write};

/// What one input produced.
struct InputResult {
    findings: Vec<Finding>,
    index: Index,
    ignores: Vec<InlineIgnore>,
    errors: Vec<ErrorItem>,
    skipped: Vec<Warning>,
    objects: usize,
}

/// Runs a scan and returns the exit code.
pub fn run(args: &ScanArgs) -> Result<u8> {
    let config = load_config(args)?;
    let selection = Selection {
        select: if args.select.is_empty() {
            config.select.clone()
        } else {
            args.select.clone()
        },
        ignore: config.disable.iter().chain(&args.ignore).cloned().collect(),
        severity: config.severity.clone(),
    };
    let settings = Settings {
        allowed_registries: config
            .allowed_registries
            .iter()
            .chain(&args.allowed_registries)
            .cloned()
            .collect(),
    };
    let engine = Engine::new(&selection, settings)?;
    let fail_on = match (args.fail_on, config.fail_on.as_deref()) {
        (Some(f), _) => f.threshold(),
        (None, Some("none")) => None,
        (None, Some(level)) => Some(level.parse::<Severity>().map_err(anyhow::Error::msg)?),
        (None, None) => FailOn::Low.threshold(),
    };

    let options = LoadOptions {
        walk: WalkOptions {
            no_ignore: args.no_ignore,
        },
        render: RenderOptions {
            helm_bin: args.helm_bin.clone(),
            helm_values: args.helm_values.clone(),
            helm_set: args.helm_set.clone(),
            kustomize_bin: args.kustomize_bin.clone(),
        },
        max_file_size: args.max_file_size,
    };
    let (inputs, walk_errors) = discover(&args.paths, options.walk);
    if inputs.is_empty() && walk_errors.is_empty() {
        eprintln!(
            "warning: no *.yaml, *.yml or *.json files, Helm charts or kustomizations found{}",
            if args.no_ignore {
                ""
            } else {
                " (files excluded by .gitignore are skipped; --no-ignore reads them)"
            }
        );
    }
    let pss = args
        .pss
        .map(|policy| PssScan::prepare(policy, &inputs, &options));
    let results: Vec<InputResult> = inputs
        .par_iter()
        .map(|input| scan_input(input, &options, &engine, pss.as_ref()))
        .collect();

    let mut index = Index::default();
    let mut findings = Vec::new();
    let mut ignores = Vec::new();
    let mut errors: Vec<ErrorItem> = walk_errors.into_iter().map(error_item).collect();
    let mut skipped = Vec::new();
    let mut objects = 0;
    for r in results {
        index.merge(r.index);
        findings.extend(r.findings);
        ignores.extend(r.ignores);
        errors.extend(r.errors);
        skipped.extend(r.skipped);
        objects += r.objects;
    }
    engine.check_index(&index, &mut findings);

    let today = time::OffsetDateTime::now_utc().date();
    let kept = suppress::apply(
        findings,
        &ignores,
        &config.ignores,
        today,
        args.report_unused_ignores,
    );
    let mut findings = kept.findings;
    findings.sort_by(|a, b| {
        (&a.file, a.pos, a.rule, &a.message).cmp(&(&b.file, b.pos, b.rule, &b.message))
    });
    let warnings: Vec<Warning> = kept
        .notices
        .into_iter()
        .map(|n| Warning {
            file: n.file,
            pos: n.pos,
            message: n.message,
        })
        .collect();
    if args.verbose {
        for s in &skipped {
            eprintln!(
                "note: {}:{}:{}: {}",
                s.file, s.pos.line, s.pos.col, s.message
            );
        }
    }
    let mut rules: Vec<_> = registry::all().into_iter().map(|r| &r.meta).collect();
    if pss.is_some() {
        rules.push(&kubeguard_pss::POD_SECURITY_STANDARD);
    }
    let report = Report {
        findings: &findings,
        errors: &errors,
        warnings: &warnings,
        summary: Summary {
            files: inputs.len(),
            objects,
            skipped: skipped.len(),
            suppressed: kept.suppressed,
        },
        rules: &rules,
    };
    write_report(args, &report)?;
    if args.format != OutputFormat::Text || args.output.is_some() {
        for e in &errors {
            eprintln!(
                "error: {}:{}:{}: {}",
                e.file, e.pos.line, e.pos.col, e.message
            );
        }
    }
    Ok(exit_code(&findings, &errors, fail_on))
}

fn exit_code(findings: &[Finding], errors: &[ErrorItem], fail_on: Option<Severity>) -> u8 {
    if !errors.is_empty() {
        2
    } else if fail_on.is_some_and(|t| findings.iter().any(|f| f.severity >= t)) {
        1
    } else {
        0
    }
}

fn load_config(args: &ScanArgs) -> Result<Config> {
    if args.no_config {
        return Ok(Config::default());
    }
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => {
            config::discover(&std::env::current_dir().context("cannot read the current directory")?)
        }
    };
    match path {
        Some(p) => Ok(config::load(&p)?),
        None => Ok(Config::default()),
    }
}

fn scan_input(
    input: &Input,
    options: &LoadOptions,
    engine: &Engine,
    pss: Option<&PssScan>,
) -> InputResult {
    let loaded = load_input(input, options);
    let mut findings = Vec::new();
    let mut index = Index::default();
    let mut ignores = Vec::new();
    let mut errors: Vec<ErrorItem> = loaded.errors.into_iter().map(error_item).collect();
    for obj in &loaded.objects {
        ignores.extend(engine.check_object(obj, &mut index, &mut findings));
        if let Some(pss) = pss {
            pss.check(obj, &mut findings, &mut errors);
        }
    }
    InputResult {
        findings,
        index,
        ignores,
        errors,
        skipped: loaded
            .skipped
            .into_iter()
            .map(|s| Warning {
                file: s.file,
                pos: s.pos,
                message: s.reason.message().into(),
            })
            .collect(),
        objects: loaded.objects.len(),
    }
}

fn error_item(e: kubeguard_load::LoadError) -> ErrorItem {
    ErrorItem {
        file: e.file,
        pos: e.pos,
        message: e.message,
    }
}

fn write_report(args: &ScanArgs, report: &Report<'_>) -> Result<()> {
    let format = match args.format {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Junit => Format::Junit,
        OutputFormat::Github => Format::Github,
    };
    match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            kubeguard_report::write(format, report, &mut out, false)?;
            out.flush()?;
        }
        None => {
            let stdout = std::io::stdout();
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            let mut out = std::io::BufWriter::new(stdout.lock());
            kubeguard_report::write(format, report, &mut out, color)?;
            out.flush()?;
        }
    }
    Ok(())
}
