//! Which Kubernetes version a node runs, read from what the root shows
//! (a binary's `--version` cannot be run there), and the benchmark
//! written for it, as kube-bench's `version_mapping` maps them.
//!
//! The sources, in order:
//!
//! 1. the image tags of the control plane's static pods in the kubelet's
//!    real `staticPodPath` (`kube-apiserver`, `kube-controller-manager`,
//!    `kube-scheduler`);
//! 2. the image tag of a `kube-proxy` static pod there (GKE nodes and
//!    other installers run kube-proxy as a static pod);
//! 3. the `kubelet` package the node's package manager installed
//!    (`/var/lib/dpkg/status`: kubeadm's packages on Debian and Ubuntu).
//!
//! A worker whose kubelet came from none of these (an RPM database, a
//! binary copied by a node image) has no readable version: the newest
//! benchmark is used and the report says so.

use crate::benchmark::{Benchmark, Platform};
use crate::config_file::ConfigFile;
use crate::evaluate;
use crate::host::Host;
use crate::process::Component;

/// A Kubernetes version found on the node, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The minor version (`31` for 1.31).
    pub minor: u32,
    /// Where it was read: `file:line` and what it says.
    pub source: String,
}

/// The static pods whose image tag is the cluster's version.
const CONTROL_PLANE: [&str; 3] = [
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
];

/// The dpkg database.
const DPKG_STATUS: &str = "/var/lib/dpkg/status";

/// The node's Kubernetes version, from the first source that has one.
#[must_use]
pub fn detect(host: &Host) -> Option<Detected> {
    let static_pods = evaluate::static_pod_path(host);
    let dir = static_pods.as_deref();
    CONTROL_PLANE
        .iter()
        .chain(&["kube-proxy"])
        .find_map(|name| dir.and_then(|d| static_pod_version(host, d, name)))
        .or_else(|| dpkg_kubelet(host))
}

/// The image tag of the static pod `name` in `dir` (`.yaml`, `.yml`,
/// `.json` or `.manifest`, as the kubelet reads them).
fn static_pod_version(host: &Host, dir: &str, name: &str) -> Option<Detected> {
    let dir = dir.trim_end_matches('/');
    [".yaml", ".yml", ".manifest", ".json"]
        .iter()
        .find_map(|ext| {
            let path = format!("{dir}/{name}{ext}");
            let text = host.root.read_to_string(&path).ok()?;
            let file = ConfigFile::parse(&path, &text).ok()?;
            let images = file.get("spec.containers.image")?;
            let image = images
                .text
                .split(',')
                .find(|i| {
                    let repo = image_name(i).rsplit('/').next().unwrap_or("");
                    repo == name || repo.starts_with(&format!("{name}-"))
                })?
                .to_owned();
            let tag = image.rsplit_once(':')?.1;
            let minor = minor_of(tag.strip_prefix('v')?)?;
            Some(Detected {
                minor,
                source: format!("{path}:{} (image {image})", images.line),
            })
        })
}

/// An image reference without its tag or digest.
fn image_name(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => name,
        _ => image,
    }
}

/// The minor of a `1.31.2...` version.
fn minor_of(version: &str) -> Option<u32> {
    let mut parts = version.split('.');
    (parts.next()? == "1").then_some(())?;
    let minor = parts.next()?;
    let digits: String = minor.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The `kubelet` package in the dpkg database, if it is installed.
fn dpkg_kubelet(host: &Host) -> Option<Detected> {
    let text = host.root.read_to_string(DPKG_STATUS).ok()?;
    let mut line_no = 0u32;
    let mut stanza: Vec<(u32, &str)> = Vec::new();
    let mut found = None;
    for line in text.lines().chain([""]) {
        line_no += 1;
        if !line.is_empty() {
            stanza.push((line_no, line));
            continue;
        }
        let field = |name: &str| {
            stanza.iter().find_map(|(n, l)| {
                l.strip_prefix(name)
                    .and_then(|v| v.strip_prefix(':'))
                    .map(|v| (*n, v.trim()))
            })
        };
        let is_kubelet = field("Package").is_some_and(|(_, p)| p == "kubelet");
        let installed = field("Status").is_some_and(|(_, s)| s.ends_with(" installed"));
        if is_kubelet && installed {
            found = field("Version");
            break;
        }
        stanza.clear();
    }
    let (line, version) = found?;
    // Debian versions may carry an epoch: `1:1.31.2-1.1`.
    let upstream = version.rsplit_once(':').map_or(version, |(_, v)| v);
    Some(Detected {
        minor: minor_of(upstream)?,
        source: format!("{DPKG_STATUS}:{line} (kubelet package {version})"),
    })
}

/// The benchmark for a minor version as kube-bench maps versions to its
/// definitions, and why: the mapping, or that kubeguard has no benchmark
/// that close and uses the nearest.
#[must_use]
pub fn benchmark_for(minor: u32) -> (Benchmark, String) {
    let b = Benchmark::for_minor(minor);
    let why = match minor {
        0..=26 => format!(
            "1.{minor} is older than the benchmarks kubeguard has, so {b}, written for 1.27, is used"
        ),
        35.. => format!(
            "1.{minor} is newer than the benchmarks kubeguard has, so {b}, the newest, is used"
        ),
        _ => format!("kube-bench maps 1.{minor} to {b}"),
    };
    (b, why)
}

/// A managed platform the node looks like, and what shows it: a hint,
/// never a choice (the provider's benchmark numbers its checks
/// differently, so it runs only with `--platform`).
#[must_use]
pub fn platform_hint(host: &Host) -> Option<(Platform, String)> {
    let kubelet_config = host
        .process(Component::Kubelet)
        .and_then(|p| p.flag("config"))
        .unwrap_or("");
    let exists = |p: &str| host.root.stat(p).is_ok();
    if kubelet_config.starts_with("/etc/kubernetes/kubelet/") && exists("/etc/eks") {
        return Some((
            Platform::Eks,
            format!("its kubelet reads {kubelet_config} and /etc/eks exists"),
        ));
    }
    if kubelet_config == "/home/kubernetes/kubelet-config.yaml" {
        return Some((Platform::Gke, format!("its kubelet reads {kubelet_config}")));
    }
    if exists("/etc/kubernetes/azure.json") && exists("/etc/default/kubelet") {
        return Some((
            Platform::Aks,
            "/etc/kubernetes/azure.json and /etc/default/kubelet exist".to_owned(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_images() {
        assert_eq!(minor_of("1.31.2"), Some(31));
        assert_eq!(minor_of("1.30.5-gke.1014001"), Some(30));
        assert_eq!(minor_of("1.29"), Some(29));
        assert_eq!(minor_of("2.0.1"), None);
        assert_eq!(minor_of("1.x"), None);
        assert_eq!(
            image_name("registry.k8s.io/kube-proxy:v1.31.2"),
            "registry.k8s.io/kube-proxy"
        );
        assert_eq!(
            image_name("localhost:5000/kube-apiserver@sha256:abc"),
            "localhost:5000/kube-apiserver"
        );
        assert_eq!(
            benchmark_for(30),
            (
                Benchmark::Cis111,
                "kube-bench maps 1.30 to cis-1.11".to_owned()
            )
        );
        assert_eq!(benchmark_for(28).0, Benchmark::Cis110);
        assert!(benchmark_for(25).1.contains("older"));
        assert_eq!(benchmark_for(36).0, Benchmark::Cis112);
        assert!(benchmark_for(36).1.contains("newer"));
    }
}
