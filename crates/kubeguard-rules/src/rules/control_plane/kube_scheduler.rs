//! kube-scheduler flags: CIS Kubernetes Benchmark v1.12 section 1.4.

use super::check::Require;
use super::flags::{Component, File};

/// kube-scheduler reads its flags with pflag.
static KUBE_SCHEDULER: Component = Component {
    binary: "kube-scheduler",
    bool_flags: &["leader-elect", "profiling", "contention-profiling"],
    env_prefix: None,
    single_dash: false,
    file: File::None,
};

flag_rules! {
    component: KUBE_SCHEDULER = "kube-scheduler";
    note: "Flags are read from `command` and `args` as kube-scheduler reads them: `--flag=value` or `--flag value`, the last occurrence winning.";

    /// The `/debug/pprof` endpoints expose detailed runtime data and let a
    /// client with access make the scheduler do expensive profiling work;
    /// they are a debugging aid with no place in production.
    PROFILING {
        code: "KG350",
        name: "kube-scheduler-profiling",
        severity: Low,
        cis: "1.4.1",
        summary: "kube-scheduler exposes profiling endpoints",
        flag: "profiling",
        require: Require::Bool(false),
        default: "true",
        file: File::Replaces(&["config"]),
        fails: "is not `false`",
        note: "With `--config`, kube-scheduler ignores `--profiling` (the file's `enableProfiling` decides) and kubeguard does not report.",
        example: "--profiling=true",
        fix: "--profiling=false",
        remediation: "Run kube-scheduler with --profiling=false, or set enableProfiling: false in the file given to --config.",
    }

    /// The scheduler serves `/metrics`, `/healthz` and, with profiling,
    /// `/debug/pprof` on its secure port (10259). Bound to all interfaces
    /// (the default, `0.0.0.0`), and with the host's network as static pods
    /// have, the port is reachable from the network; bound to loopback only
    /// local clients reach it.
    BIND_ADDRESS {
        code: "KG351",
        name: "kube-scheduler-bind-address",
        severity: Medium,
        cis: "1.4.2",
        refs: ["MITRE:T1046"],
        summary: "kube-scheduler serves on all interfaces",
        flag: "bind-address",
        require: Require::Loopback,
        default: "0.0.0.0",
        fails: "is not a loopback address",
        example: "--bind-address=0.0.0.0",
        fix: "--bind-address=127.0.0.1",
        remediation: "Run kube-scheduler with --bind-address=127.0.0.1.",
    }
}
