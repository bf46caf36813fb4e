//! Benchmarks, targets and platforms, and choosing a benchmark from the
//! component versions found on the node. The CIS Kubernetes Benchmarks
//! (`cis-1.9` to `cis-1.12`) number their checks alike; the managed
//! platforms' benchmarks (`eks-1.8.0`, `gke-1.9.0`, `aks-1.8`) have ids,
//! sections and targets of their own.

use crate::host::Host;
use crate::process::Component;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// A CIS Kubernetes Benchmark version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Benchmark {
    /// CIS 1.9 (Kubernetes 1.27).
    Cis19,
    /// CIS 1.10 (Kubernetes 1.28).
    Cis110,
    /// CIS 1.11 (Kubernetes 1.29 to 1.31).
    Cis111,
    /// CIS 1.12 (Kubernetes 1.32 and later).
    Cis112,
    /// CIS Amazon EKS Benchmark 1.8.0.
    Eks180,
    /// CIS Google Kubernetes Engine (GKE) Benchmark 1.9.0.
    Gke190,
    /// CIS Azure Kubernetes Service (AKS) Benchmark 1.8.
    Aks18,
}

impl Benchmark {
    /// Every benchmark: the CIS Kubernetes Benchmarks oldest first, then
    /// the managed platforms'.
    pub const ALL: [Benchmark; 7] = [
        Benchmark::Cis19,
        Benchmark::Cis110,
        Benchmark::Cis111,
        Benchmark::Cis112,
        Benchmark::Eks180,
        Benchmark::Gke190,
        Benchmark::Aks18,
    ];

    /// The CIS Kubernetes Benchmarks, oldest first.
    pub const GENERIC: [Benchmark; 4] = [
        Benchmark::Cis19,
        Benchmark::Cis110,
        Benchmark::Cis111,
        Benchmark::Cis112,
    ];

    /// The name, `cis-1.9` to `cis-1.12`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Benchmark::Cis19 => "cis-1.9",
            Benchmark::Cis110 => "cis-1.10",
            Benchmark::Cis111 => "cis-1.11",
            Benchmark::Cis112 => "cis-1.12",
            Benchmark::Eks180 => "eks-1.8.0",
            Benchmark::Gke190 => "gke-1.9.0",
            Benchmark::Aks18 => "aks-1.8",
        }
    }

    /// The managed platform a provider benchmark is written for; `None`
    /// for the CIS Kubernetes Benchmarks.
    #[must_use]
    pub fn platform(self) -> Option<Platform> {
        match self {
            Benchmark::Eks180 => Some(Platform::Eks),
            Benchmark::Gke190 => Some(Platform::Gke),
            Benchmark::Aks18 => Some(Platform::Aks),
            _ => None,
        }
    }

    /// The targets the benchmark defines, in its order (kube-bench's
    /// `target_mapping`): the provider benchmarks have no `etcd` and add
    /// `managedservices`.
    #[must_use]
    pub fn targets(self) -> &'static [Target] {
        const GENERIC: &[Target] = &[
            Target::Master,
            Target::Etcd,
            Target::Controlplane,
            Target::Node,
            Target::Policies,
        ];
        const MANAGED: &[Target] = &[
            Target::Master,
            Target::Controlplane,
            Target::Node,
            Target::Policies,
            Target::ManagedServices,
        ];
        if self.platform().is_some() {
            MANAGED
        } else {
            GENERIC
        }
    }

    /// The number of a target in the benchmark (kube-bench's control id):
    /// `1` master, `2` etcd, `3` controlplane, `4` node, `5` policies in
    /// the CIS Kubernetes Benchmarks; `1` master, `2` controlplane, `3`
    /// node, `4` policies, `5` managedservices in the provider ones.
    #[must_use]
    pub fn target_id(self, target: Target) -> &'static str {
        const IDS: [&str; 5] = ["1", "2", "3", "4", "5"];
        let i = self.targets().iter().position(|t| *t == target);
        i.map_or("", |i| IDS[i])
    }

    /// The benchmark's title for one of its targets.
    #[must_use]
    pub fn target_title(self, target: Target) -> &'static str {
        match (self.platform(), target) {
            (None, t) => t.title(),
            (Some(_), Target::Master) => "Control Plane Components",
            (Some(Platform::Aks), Target::Node) => "Worker Node Security Configuration",
            (Some(_), Target::Node) => "Worker Nodes",
            (Some(Platform::Gke), Target::Policies) => "Kubernetes Policies",
            (Some(_), Target::Policies) => "Policies",
            (Some(_), t) => t.title(),
        }
    }

    /// The benchmark written for a Kubernetes minor version (as kube-bench
    /// maps them): 1.27 and older get cis-1.9, 1.32 and newer cis-1.12.
    #[must_use]
    pub fn for_minor(minor: u32) -> Benchmark {
        match minor {
            0..=27 => Benchmark::Cis19,
            28 => Benchmark::Cis110,
            29..=31 => Benchmark::Cis111,
            _ => Benchmark::Cis112,
        }
    }
}

impl fmt::Display for Benchmark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Benchmark {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Benchmark::ALL
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown benchmark {s:?}; expected one of cis-1.9, cis-1.10, cis-1.11, cis-1.12, eks-1.8.0, gke-1.9.0, aks-1.8"
                )
            })
    }
}

/// A part of the benchmark, named as kube-bench names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Section 1: control plane components and their files.
    Master,
    /// Section 2: etcd.
    Etcd,
    /// Section 3: control plane configuration (authentication, logging).
    Controlplane,
    /// Section 4: worker node (kubelet, kube-proxy).
    Node,
    /// Section 5: policies, answered from the cluster's API.
    Policies,
    /// The provider benchmarks' managed services (registry, IAM, KMS,
    /// cluster networking), configured in the provider's API.
    #[serde(rename = "managedservices")]
    ManagedServices,
}

impl Target {
    /// Every target in benchmark order.
    pub const ALL: [Target; 6] = [
        Target::Master,
        Target::Etcd,
        Target::Controlplane,
        Target::Node,
        Target::Policies,
        Target::ManagedServices,
    ];

    /// The lowercase name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Target::Master => "master",
            Target::Etcd => "etcd",
            Target::Controlplane => "controlplane",
            Target::Node => "node",
            Target::Policies => "policies",
            Target::ManagedServices => "managedservices",
        }
    }

    /// The benchmark's title for the target.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Target::Master => "Control Plane Security Configuration",
            Target::Etcd => "Etcd Node Configuration",
            Target::Controlplane => "Control Plane Configuration",
            Target::Node => "Worker Node Security Configuration",
            Target::Policies => "Kubernetes Policies",
            Target::ManagedServices => "Managed Services",
        }
    }

    /// The targets whose components run on the node: `master` and
    /// `controlplane` with an API server (`master` also with a controller
    /// manager or scheduler), `etcd` with etcd, `node` with a kubelet.
    /// `policies` and `managedservices` are never detected: they need the
    /// cluster's or the provider's API.
    #[must_use]
    pub fn detect(host: &Host) -> Vec<Target> {
        let run = |c| host.running(c);
        let mut out = Vec::new();
        if run(Component::ApiServer)
            || run(Component::ControllerManager)
            || run(Component::Scheduler)
        {
            out.push(Target::Master);
        }
        if run(Component::Etcd) {
            out.push(Target::Etcd);
        }
        if run(Component::ApiServer) {
            out.push(Target::Controlplane);
        }
        if run(Component::Kubelet) || run(Component::Proxy) {
            out.push(Target::Node);
        }
        out
    }
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Target::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown target {s:?}; expected master, etcd, controlplane, node, policies or managedservices"
                )
            })
    }
}

/// A managed Kubernetes platform: its provider runs the control plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Amazon EKS.
    Eks,
    /// Google GKE.
    Gke,
    /// Azure AKS.
    Aks,
}

impl Platform {
    /// The provider's benchmark.
    #[must_use]
    pub fn benchmark(self) -> Benchmark {
        match self {
            Platform::Eks => Benchmark::Eks180,
            Platform::Gke => Benchmark::Gke190,
            Platform::Aks => Benchmark::Aks18,
        }
    }

    /// The short name (`eks`), as `--platform` takes it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Platform::Eks => "eks",
            Platform::Gke => "gke",
            Platform::Aks => "aks",
        }
    }

    /// The provider's name.
    #[must_use]
    pub fn provider(self) -> &'static str {
        match self {
            Platform::Eks => "Amazon EKS",
            Platform::Gke => "Google GKE",
            Platform::Aks => "Azure AKS",
        }
    }

    /// Whether the provider controls a target (the control plane and etcd
    /// run where the cluster's owner cannot configure them).
    #[must_use]
    pub fn controls(self, target: Target) -> bool {
        matches!(target, Target::Master | Target::Etcd | Target::Controlplane)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_map_to_benchmarks() {
        assert_eq!(Benchmark::for_minor(26), Benchmark::Cis19);
        assert_eq!(Benchmark::for_minor(28), Benchmark::Cis110);
        assert_eq!(Benchmark::for_minor(31), Benchmark::Cis111);
        assert_eq!(Benchmark::for_minor(34), Benchmark::Cis112);
        assert_eq!("cis-1.10".parse::<Benchmark>(), Ok(Benchmark::Cis110));
        assert!("cis-2.0".parse::<Benchmark>().is_err());
        assert_eq!("eks-1.8.0".parse::<Benchmark>(), Ok(Benchmark::Eks180));
        assert_eq!(Benchmark::Gke190.platform(), Some(Platform::Gke));
        assert_eq!(Platform::Aks.benchmark(), Benchmark::Aks18);
        assert_eq!(Benchmark::Eks180.target_id(Target::Node), "3");
        assert_eq!(Benchmark::Cis112.target_id(Target::Node), "4");
        assert_eq!(Benchmark::Eks180.target_id(Target::Etcd), "");
        assert_eq!("node".parse::<Target>(), Ok(Target::Node));
    }
}
