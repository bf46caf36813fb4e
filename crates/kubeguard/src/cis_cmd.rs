//! `kubeguard cis`: the CIS Kubernetes Benchmark's node and control-plane
//! checks, read natively under a root directory.

use crate::cli::{ColorChoice, OutputArgs, OutputFormat, PolicyArgs};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use kubeguard_cis::{Benchmark, Host, NodeRoot, Options, Platform, Target};
use kubeguard_report::cis::{self as report, CisJson, KubeBench};
use kubeguard_report::{Ending, JsonExtra, Summary};
use kubeguard_rules::Pipeline;
use std::io::Write;
use std::path::PathBuf;

const CIS_HELP: &str = "\
Reads the node as its components see it: running processes from
ROOT/proc/<pid>/cmdline (recognised by argv[0]), each setting resolved as
the component resolves it (flag, then its configuration file, then its
real default: the kubelet's --config file counts), and the mode and owner
of the files the components really use, with user and group names from
ROOT/etc/passwd and ROOT/etc/group. A path that exists only inside a
container is reported as not checkable (WARN), never as failed.

Benchmark: --benchmark, else the --platform's (eks-1.8.0, gke-1.9.0,
aks-1.8), else the one for the Kubernetes version found on the node: the
image tags of the control plane's static pods in the kubelet's
staticPodPath, then a kube-proxy static pod there, then the kubelet package
in ROOT/var/lib/dpkg/status (mapped as kube-bench maps them: 1.27 cis-1.9,
1.28 cis-1.10, 1.29-1.31 cis-1.11, 1.32+ cis-1.12); with none, cis-1.12.
The first line of the report says which and why.

Statuses: PASS, FAIL, WARN (manual, or not checkable from the root),
INFO (does not apply: component absent, provider-controlled).

Examples:
  sudo kubeguard cis                                 # this machine
  kubeguard cis --root /host --format json           # in a DaemonSet, host mounted at /host
  kubeguard cis --root /host --targets node --benchmark cis-1.11
  kubeguard cis --root /host --platform eks          # the CIS Amazon EKS Benchmark (eks-1.8.0)
  kubeguard cis --root /host --benchmark gke-1.9.0   # the same as --platform gke
  kubeguard cis --root /host --platform aks --benchmark cis-1.12   # CIS 1.12, control plane not applicable
  kubeguard cis --root /host --format kube-bench     # kube-bench's JSON shape
  kubeguard cis --ignore cis-1-2-15,KG91230          # rules are cis-<id> / KG9<id>
  kubeguard cis --platform eks --ignore cis-eks-3-2-8   # provider rules: cis-eks-<id> / KG96<id>

Exit codes: 0 no failed check at or above --fail-on, 1 failed checks,
2 a configuration file that does not parse or a bad flag.";

/// `kubeguard cis`.
#[derive(Debug, Args)]
#[command(after_help = CIS_HELP)]
pub struct CisArgs {
    /// The node's root directory (its `/`), e.g. /host in a pod.
    #[arg(long, default_value = "/", value_name = "DIR")]
    pub root: PathBuf,

    /// The benchmark: cis-1.9, cis-1.10, cis-1.11, cis-1.12, eks-1.8.0, gke-1.9.0 or aks-1.8 [default: the --platform's benchmark, else detected from the Kubernetes version on the node, else cis-1.12].
    #[arg(long, value_name = "NAME", value_parser = parse_benchmark)]
    pub benchmark: Option<Benchmark>,

    /// Parts to run, comma-separated: master, etcd, controlplane, node, policies, managedservices [default: detected from the running components].
    #[arg(long, value_delimiter = ',', value_parser = parse_target)]
    pub targets: Vec<Target>,

    /// A managed platform: runs its provider's benchmark (eks-1.8.0, gke-1.9.0, aks-1.8), whose control plane and managed services checks are manual. With --benchmark cis-1.N, runs that benchmark and reports what the provider controls as not applicable.
    #[arg(long, value_enum)]
    pub platform: Option<PlatformArg>,

    /// Run again after this long (`90s`, `30m`, `24h`, `7d`), forever: for a
    /// DaemonSet whose logs carry the reports. Each run's exit status is
    /// not kept.
    #[arg(long, value_name = "DURATION", value_parser = parse_every)]
    pub every: Option<std::time::Duration>,

    /// The node's name in findings [default: ROOT/etc/hostname].
    #[arg(long, env = "NODE_NAME")]
    pub node_name: Option<String>,

    #[command(flatten)]
    pub policy: PolicyArgs,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = CisFormat::Text)]
    pub format: CisFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Output formats of `kubeguard cis`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CisFormat {
    /// Every check with its status; what failed with evidence and fix.
    Text,
    /// Findings plus `checks` and `cis` (benchmark, summary).
    Json,
    /// SARIF 2.1.0 of the failed checks.
    Sarif,
    /// JUnit XML of the failed checks.
    Junit,
    /// GitHub Actions annotations of the failed checks.
    Github,
    /// kube-bench's JSON (`Controls`, `Totals`).
    KubeBench,
    /// A wgpolicyk8s.io ClusterPolicyReport of the node's failed checks.
    Policyreport,
    /// A self-contained HTML page of the failed checks.
    Html,
}

/// `--platform` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    /// Amazon EKS.
    Eks,
    /// Google GKE.
    Gke,
    /// Azure AKS.
    Aks,
}

fn parse_benchmark(s: &str) -> Result<Benchmark, String> {
    s.parse()
}

fn parse_target(s: &str) -> Result<Target, String> {
    s.parse()
}

/// A duration as a number and a unit: `s`, `m`, `h` or `d`.
fn parse_every(s: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("{s:?} is not a duration such as 90s, 30m, 24h or 7d");
    let split = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(bad()),
    };
    if secs == 0 {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs(secs))
}

impl CisArgs {
    fn output(&self, format: OutputFormat) -> OutputArgs {
        OutputArgs {
            format,
            output: self.output.clone(),
            color: self.color,
            group_by: None,
            compact: false,
        }
    }
}

/// Runs `kubeguard cis` (once, or every `--every`) and returns the exit code.
pub fn run(args: &CisArgs) -> Result<u8> {
    let Some(every) = args.every else {
        return run_once(args);
    };
    loop {
        run_once(args)?;
        std::thread::sleep(every);
    }
}

fn run_once(args: &CisArgs) -> Result<u8> {
    let policy = args.policy.policy(&args.policy.config()?, &[])?;
    if !args.root.is_dir() {
        anyhow::bail!("--root {}: not a directory", args.root.display());
    }
    let platform = args.platform.map(|p| match p {
        PlatformArg::Eks => Platform::Eks,
        PlatformArg::Gke => Platform::Gke,
        PlatformArg::Aks => Platform::Aks,
    });
    if let (Some(p), Some(b)) = (platform, args.benchmark)
        && b.platform().is_some_and(|bp| bp != p)
    {
        anyhow::bail!(
            "--platform {} and --benchmark {b} disagree: {b} is the {} benchmark",
            p.name(),
            b.platform().map_or("", |bp| bp.provider())
        );
    }
    let host = Host::load(NodeRoot::new(&args.root));
    let options = Options {
        benchmark: args.benchmark,
        targets: args.targets.clone(),
        platform,
    };
    let report = kubeguard_cis::run(&host, &options);
    let node = args.node_name.clone().unwrap_or_else(|| {
        host.root
            .read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "node".to_owned())
    });
    let mut pipeline = Pipeline::new(&policy);
    let findings: Vec<_> = kubeguard_cis::rules::findings(&report.checks, &node)
        .into_iter()
        .filter_map(|mut f| pipeline.admit(&mut f).then_some(f))
        .collect();
    let outcome = pipeline.finish();
    let has_errors = !report.errors.is_empty();
    let rules = policy.enabled_of(&kubeguard_cis::rules::metas());
    let ending = |extras| Ending {
        errors: &report.errors,
        warnings: &outcome.warnings,
        summary: Summary {
            files: 0,
            objects: 1,
            skipped: 0,
            suppressed: outcome.suppressed,
            triage: outcome.triage.clone(),
        },
        extras,
    };
    let format = match args.format {
        CisFormat::Text => {
            let (mut out, _) = args.output(OutputFormat::Text).open()?;
            report::write_text(&report, &node, &mut out)?;
            for w in &outcome.warnings {
                writeln!(out, "warning: {w}")?;
            }
            for e in &report.errors {
                writeln!(out, "error: {e}")?;
            }
            if outcome.suppressed > 0 {
                writeln!(
                    out,
                    "{} failed checks suppressed by ignores",
                    outcome.suppressed
                )?;
            }
            out.flush()?;
            if args.output.is_some() {
                crate::scan::print_all("error", &report.errors);
            }
            return Ok(outcome.exit_code(has_errors));
        }
        CisFormat::KubeBench => {
            let (mut out, _) = args.output(OutputFormat::Json).open()?;
            KubeBench::new(&report)
                .write_json(&mut out, 0)
                .context("cannot write the report")?;
            writeln!(out)?;
            out.flush()?;
            crate::scan::print_all("error", &report.errors);
            return Ok(outcome.exit_code(has_errors));
        }
        CisFormat::Json => OutputFormat::Json,
        CisFormat::Sarif => OutputFormat::Sarif,
        CisFormat::Junit => OutputFormat::Junit,
        CisFormat::Github => OutputFormat::Github,
        CisFormat::Policyreport => OutputFormat::Policyreport,
        CisFormat::Html => OutputFormat::Html,
    };
    let cis = CisJson::new(&report, &node);
    let extras: [(&'static str, &dyn JsonExtra); 2] = [("checks", &report.checks), ("cis", &cis)];
    args.output(format)
        .write_report(&rules, findings, &ending(&extras))?;
    Ok(outcome.exit_code(has_errors))
}

#[cfg(test)]
mod tests {
    use super::parse_every;
    use std::time::Duration;

    #[test]
    fn every_takes_a_number_and_a_unit() {
        assert_eq!(parse_every("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_every("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_every("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_every("7d"), Ok(Duration::from_secs(604_800)));
        for bad in ["", "24", "h", "0h", "1w", "1.5h", "-1h"] {
            assert!(parse_every(bad).is_err(), "{bad}");
        }
    }
}
