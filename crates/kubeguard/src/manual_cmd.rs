//! `kubeguard completions SHELL` and `kubeguard man`: shell completion
//! scripts and manual pages, generated from the command-line definition so
//! they always match the flags of this binary.

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::io::Write;

/// Writes the completion script for one shell; returns the exit code.
pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<u8> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "kubeguard", out);
    out.flush()?;
    Ok(0)
}

/// Writes the manual page of `kubeguard` to `out`, or with `--dir` one page
/// per command (`kubeguard.1`, `kubeguard-scan.1`, ...) into a directory.
pub fn man(args: &ManArgs, out: &mut dyn Write) -> Result<u8> {
    let cmd = Cli::command();
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, dir)
                .with_context(|| format!("cannot write manual pages to {}", dir.display()))?;
        }
        None => {
            clap_mangen::Man::new(cmd).render(out)?;
            out.flush()?;
        }
    }
    Ok(0)
}
