//! `kubeguard scan`: flags to a scan, the scan to an exit code.

use crate::cli::ScanArgs;
use anyhow::Result;
use kubeguard_core::Diagnostic;
use kubeguard_report::ReportWriter;
use kubeguard_rules::{Engine, Settings, scan};

/// Runs a scan and returns the exit code.
pub fn run(args: &ScanArgs) -> Result<u8> {
    let config = args.policy.config()?;
    let mut policy = args.policy.policy(&config)?;
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
    let result = scan::run(&inputs, walk_errors, &options, &engine, &policy, writer)?;
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
