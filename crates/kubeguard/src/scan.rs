//! `kubeguard scan`: flags to a scan, the scan to an exit code.

use crate::cli::ScanArgs;
use crate::progress::Progress;
use anyhow::Result;
use kubeguard_core::Diagnostic;
use kubeguard_report::ReportWriter;
use kubeguard_rules::{Engine, Settings, scan};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

/// Runs a scan and returns the exit code.
pub fn run(args: &ScanArgs) -> Result<u8> {
    let config = args.policy.config()?;
    let mut policy = args.policy.policy(&config, &args.cluster.namespaces)?;
    if args.pss.is_some() {
        policy.also_select(&kubeguard_pss::POD_SECURITY_STANDARD);
    }
    let settings = Settings {
        allowed_registries: config
            .allowed_registries
            .iter()
            .chain(&args.allowed_registries)
            .cloned()
            .collect(),
    };
    let mut engine = Engine::new(&policy, settings);
    if let Some(default) = args.pss {
        engine = engine.with_pss(&policy, default);
    }
    let options = args.load.options();
    let (inputs, walk_errors) = args.cluster.inputs(&args.paths, options.walk)?;
    if !args.cluster.is_cluster() {
        args.load.warn_if_nothing(inputs.len(), walk_errors.len());
    }
    let (mut out, color) = args.output.open()?;
    let writer = ReportWriter::begin(
        args.output.report_format(),
        &engine.rules(),
        color,
        &mut out,
    )?;
    let checked = Arc::new(AtomicUsize::new(0));
    let progress = Progress::start(inputs.len(), Arc::clone(&checked));
    let result = scan::run_counting(
        &inputs,
        walk_errors,
        &options,
        &engine,
        &policy,
        writer,
        &checked,
    );
    progress.finish();
    let result = result?;
    args.policy.write_baseline(&result.outcome)?;
    if args.load.verbose {
        print_all("note", &result.skipped);
    }
    if args.output.errors_to_stderr() {
        print_all("error", &result.errors);
    }
    Ok(result.outcome.exit_code(!result.errors.is_empty()))
}

/// Prints diagnostics to standard error, one a line.
pub fn print_all(label: &str, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!("{label}: {d}");
    }
}
