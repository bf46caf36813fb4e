//! The `kubeguard` command: parses the command line, runs the subcommand,
//! and maps the outcome to an exit code (0 clean, 1 findings, 2 error).

mod audit_alerts_cmd;
mod audit_cmd;
mod audit_select;
mod audit_serve_cmd;
mod audit_worker_cmd;
mod cis_cmd;
mod cli;
mod cluster_cmd;
mod manual_cmd;
mod netpol_cmd;
mod progress;
mod pss_cmd;
mod rbac_cmd;
mod rules_cmd;
mod scan;
mod serving;
mod webhook_cmd;
mod webhook_serve_cmd;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc: a scan allocates and frees millions of small strings and
/// vectors (YAML scalars, tree nodes, findings) from two threads at once;
/// glibc's allocator spent about a fifth of a scan's CPU time on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match &cli.command {
        cli::Command::Scan(args) => scan::run(args),
        cli::Command::Rules(args) => rules_cmd::run(args, &mut std::io::stdout().lock()),
        cli::Command::Pss(args) => pss_cmd::run(args, &mut std::io::stdout().lock()),
        cli::Command::Rbac(args) => rbac_cmd::run(args, &mut std::io::stdout().lock()),
        cli::Command::Netpol(args) => netpol_cmd::run(args, &mut std::io::stdout().lock()),
        cli::Command::Webhook(args) => webhook_cmd::run(args, &mut std::io::stdout().lock()),
        cli::Command::Cis(args) => cis_cmd::run(args),
        cli::Command::Completions(args) => {
            manual_cmd::completions(args, &mut std::io::stdout().lock())
        }
        cli::Command::Man(args) => manual_cmd::man(args, &mut std::io::stdout().lock()),
        cli::Command::Audit(args) => audit_cmd::run(args, &mut std::io::stdout().lock()),
        cli::Command::Snapshot(args) => cluster_cmd::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kubeguard: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
