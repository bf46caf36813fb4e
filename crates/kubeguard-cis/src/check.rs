//! What a check of the table is: its CIS id, target, the benchmarks it is
//! part of, whether it is scored, and the test that decides it.

use crate::benchmark::{Benchmark, Target};
use crate::host::Host;
use crate::process::Component;
use crate::setting::Setting;
use kubeguard_core::Severity;

/// One check of the benchmark.
#[derive(Debug)]
pub struct CheckDef {
    /// The CIS id (`1.2.6`).
    pub id: &'static str,
    /// The part of the benchmark it belongs to.
    pub target: Target,
    /// The first benchmark that has it.
    pub since: Benchmark,
    /// The last benchmark that has it.
    pub until: Benchmark,
    /// Whether the benchmark scores it (Automated); manual checks are not.
    pub scored: bool,
    /// The severity of a failure, by the project's severity policy.
    pub severity: Severity,
    /// What it asks, in short.
    pub text: &'static str,
    /// How it is decided.
    pub test: Test,
    /// How to fix a failure.
    pub remediation: &'static str,
}

impl CheckDef {
    /// Whether the benchmark `b` has this check.
    #[must_use]
    pub fn in_benchmark(&self, b: Benchmark) -> bool {
        self.since <= b && b <= self.until
    }

    /// The id of its section (`1.2` for `1.2.6`, `2` for `2.1`).
    #[must_use]
    pub fn section(&self) -> &'static str {
        self.id.rsplit_once('.').map_or(self.id, |(s, _)| s)
    }

    /// Limits the check to the benchmarks `since..=until`.
    #[must_use]
    pub const fn only(mut self, since: Benchmark, until: Benchmark) -> CheckDef {
        self.since = since;
        self.until = until;
        self
    }
}

/// Builds a check present in every benchmark.
#[must_use]
pub const fn check(
    id: &'static str,
    target: Target,
    scored: bool,
    severity: Severity,
    text: &'static str,
    test: Test,
    remediation: &'static str,
) -> CheckDef {
    CheckDef {
        id,
        target,
        since: Benchmark::Cis19,
        until: Benchmark::Cis112,
        scored,
        severity,
        text,
        test,
        remediation,
    }
}

/// How a check is decided.
#[derive(Debug, Clone, Copy)]
pub enum Test {
    /// Nothing on the node decides it: reported for review.
    Manual,
    /// A component's setting meets a condition.
    Setting(Component, &'static Setting, Cond),
    /// Every one of a component's settings is set.
    AllSet(Component, &'static [&'static Setting]),
    /// Files are no more permissive than a mode.
    Mode(Files, u32),
    /// Files are owned by a user and group.
    Owner(Files, &'static str, &'static str),
    /// A test of its own.
    Custom(fn(&Host) -> crate::evaluate::Outcome),
}

/// Which files a file check stats: always the real files the components
/// use, found from their flags and configuration.
#[derive(Debug, Clone, Copy)]
pub enum Files {
    /// A static pod manifest (`kube-apiserver`) in the kubelet's real
    /// `staticPodPath`.
    StaticPod(&'static str),
    /// The file a component's setting names.
    Named(Component, &'static Setting),
    /// Whichever of these host paths exist.
    Candidates(&'static [&'static str]),
    /// The kubelet's systemd unit and drop-in files.
    KubeletUnits,
    /// The PKI directory of the API server (the directory of its
    /// `--client-ca-file`, else `/etc/kubernetes/pki`) and everything in
    /// it, or only the files ending in the suffix.
    Pki(Option<&'static str>),
    /// The CNI configuration files in `/etc/cni/net.d`.
    CniConf,
}

/// A condition on a setting's effective value.
#[derive(Debug, Clone, Copy)]
pub enum Cond {
    /// Equal (booleans compared case-insensitively).
    Eq(&'static str),
    /// Not equal (an unset value passes).
    NotEq(&'static str),
    /// Set to a non-empty value.
    Set,
    /// Not set.
    NotSet,
    /// A comma-separated list that includes the item.
    Has(&'static str),
    /// A comma-separated list that does not include the item (unset passes).
    NotHas(&'static str),
    /// A number at least this large.
    AtLeast(i64),
    /// A duration that is not zero.
    NonZeroDuration,
    /// A feature gate list that does not turn the gate off (gates default on).
    GateNotFalse(&'static str),
    /// An address on the loopback interface.
    Loopback,
    /// A list of which every item is one of these.
    OnlyFrom(&'static [&'static str]),
}
