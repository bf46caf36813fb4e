//! Live clusters and snapshots as input: `--cluster` and `--snapshot` on
//! every command that reads manifests, and `kubeguard snapshot save`.

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use kubeguard_cluster::{ClusterOptions, ClusterRead, Progress, RequestPolicy, snapshot};
use kubeguard_core::Diagnostic;
use kubeguard_load::{Input, WalkOptions, discover};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How to reach a cluster and what to read from it.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Cluster")]
pub struct Connection {
    /// The kubeconfig file [default: $KUBECONFIG or ~/.kube/config; in a pod, its service account].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context [default: the current context].
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Also read Secrets: their keys only, never their values.
    #[arg(long)]
    pub include_secrets: bool,

    /// Objects asked for per list request (pages follow with `continue`).
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_size: u32,

    /// How long one API request may take before it is retried (3 retries, with backoff), e.g. 30s or 500ms.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = crate::cli::parse_duration)]
    pub request_timeout: Duration,
}

impl Connection {
    /// Whether a flag that only matters for a live cluster was given.
    fn is_set(&self) -> bool {
        self.kubeconfig.is_some() || self.context.is_some() || self.include_secrets
    }

    fn options(&self, namespaces: &[String]) -> ClusterOptions {
        ClusterOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespaces: namespaces.to_vec(),
            include_secrets: self.include_secrets,
            requests: RequestPolicy {
                page_size: self.chunk_size,
                timeout: self.request_timeout,
                ..RequestPolicy::default()
            },
            parallel: 0,
            progress: progress(),
        }
    }

    /// Reads the cluster, with a progress line on standard error when it
    /// is a terminal.
    fn read(&self, namespaces: &[String]) -> Result<ClusterRead> {
        let read = kubeguard_cluster::read(&self.options(namespaces));
        if std::io::stderr().is_terminal() {
            eprint!("\r\x1b[2K");
        }
        Ok(read?)
    }
}

/// Progress on standard error, only when it is a terminal.
fn progress() -> Option<kubeguard_cluster::ProgressFn> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    Some(Arc::new(|p: Progress| {
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2Kreading the cluster: {}/{} lists, {} objects",
            p.lists_done, p.lists_total, p.objects
        );
        let _ = err.flush();
    }))
}

/// Where a command's objects come from instead of its path arguments.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Cluster")]
pub struct ClusterSource {
    /// Read the objects of the live cluster (kubeconfig context, or the pod's service account) instead of files.
    #[arg(long, conflicts_with = "snapshot")]
    pub cluster: bool,

    /// Read the objects of a snapshot saved by `kubeguard snapshot save` instead of files.
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,

    #[command(flatten)]
    pub connection: Connection,
}

impl ClusterSource {
    /// The cluster's (or snapshot's) objects, or `None` when reading files.
    pub fn read(&self, namespaces: &[String]) -> Result<Option<ClusterRead>> {
        if let Some(path) = &self.snapshot {
            if self.connection.is_set() {
                bail!(
                    "--kubeconfig, --context and --include-secrets apply to --cluster, not to --snapshot (a snapshot holds what was read when it was saved)"
                );
            }
            return Ok(Some(snapshot::load(path)?));
        }
        if self.cluster {
            return self.connection.read(namespaces).map(Some);
        }
        if self.connection.is_set() {
            bail!("--kubeconfig, --context and --include-secrets need --cluster");
        }
        Ok(None)
    }

    /// Whether objects come from a cluster or snapshot.
    pub fn is_cluster(&self) -> bool {
        self.cluster || self.snapshot.is_some()
    }

    /// The inputs to load: the cluster's objects, or what `paths` hold;
    /// with the errors met finding them.
    pub fn inputs(
        &self,
        namespaces: &[String],
        paths: &[PathBuf],
        walk: WalkOptions,
    ) -> Result<(Vec<Input>, Vec<Diagnostic>)> {
        Ok(match self.read(namespaces)? {
            Some(read) => (read.inputs(), read.errors),
            None => discover(paths, walk),
        })
    }
}

/// [`ClusterSource`] with `--namespace` to limit what is read.
#[derive(Debug, Clone, Args)]
pub struct ClusterArgs {
    #[command(flatten)]
    pub source: ClusterSource,

    /// Only objects in NS (repeatable): findings about objects elsewhere are not reported, and with
    /// --cluster namespaced objects are read only there (cluster-scoped kinds are read whole).
    #[arg(long = "namespace", value_name = "NS", help_heading = "Triage")]
    pub namespaces: Vec<String>,
}

impl ClusterArgs {
    /// The inputs to load, from the cluster or from `paths`.
    pub fn inputs(
        &self,
        paths: &[PathBuf],
        walk: WalkOptions,
    ) -> Result<(Vec<Input>, Vec<Diagnostic>)> {
        self.source.inputs(&self.namespaces, paths, walk)
    }

    /// Whether objects come from a cluster or snapshot.
    pub fn is_cluster(&self) -> bool {
        self.source.is_cluster()
    }

    /// For commands that report no findings, `--namespace` only limits
    /// what `--cluster` reads: refused without it rather than ignored.
    pub fn namespaces_need_cluster(&self) -> Result<()> {
        if !self.namespaces.is_empty() && !self.source.cluster {
            bail!("--namespace limits what --cluster reads; this command needs --cluster for it");
        }
        Ok(())
    }
}

/// `kubeguard snapshot`.
#[derive(Debug, Args)]
pub struct SnapshotArgs {
    #[command(subcommand)]
    pub command: SnapshotCommand,
}

/// The `snapshot` subcommands.
#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Save everything a --cluster run reads to FILE (gzip-compressed YAML), for --snapshot FILE.
    #[command(
        after_help = "The first document records the context, server version, time and the kinds\nthat could not be read; every command given --snapshot FILE then reports\nexactly the findings, errors and exit status it reported live.\n\nExit codes:\n  0  every kind was read\n  2  some kinds could not be read (the snapshot is still written and records\n     them), or the cluster could not be reached"
    )]
    Save(SaveArgs),
}

/// `kubeguard snapshot save`.
#[derive(Debug, Args)]
pub struct SaveArgs {
    /// The snapshot file to write (conventionally *.yaml.gz).
    pub file: PathBuf,

    #[command(flatten)]
    pub connection: Connection,

    /// Read namespaced objects only in NS (repeatable); cluster-scoped kinds are still read whole.
    #[arg(long = "namespace", value_name = "NS", help_heading = "Cluster")]
    pub namespaces: Vec<String>,
}

/// Runs `kubeguard snapshot`; returns the exit code.
pub fn run(args: &SnapshotArgs) -> Result<u8> {
    match &args.command {
        SnapshotCommand::Save(a) => {
            let read = a.connection.read(&a.namespaces)?;
            snapshot::save(&read, &a.file)?;
            crate::scan::print_all("error", &read.errors);
            eprintln!(
                "saved {} objects of context {:?} to {}",
                read.objects.len(),
                read.info.context,
                a.file.display()
            );
            Ok(if read.errors.is_empty() { 0 } else { 2 })
        }
    }
}
