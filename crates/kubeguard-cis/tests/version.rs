//! Choosing the benchmark on a worker, where no kube-apiserver runs: the
//! Kubernetes version from a kube-proxy static pod or the kubelet package,
//! else the newest benchmark with a note; and what the report says.

mod support;

use kubeguard_cis::{Benchmark, Options, Target};
use support::*;

const DPKG_STATUS: &str = "Package: kubeadm
Status: install ok installed
Priority: optional
Version: 1.29.9-1.1

Package: kubelet
Status: deinstall ok config-files
Version: 1.27.1-1.1

Package: kubelet
Status: install ok installed
Priority: optional
Section: misc
Maintainer: Kubernetes Authors <dev@kubernetes.io>
Architecture: amd64
Version: 1.30.4-1.1
Depends: iptables (>= 1.4.21), kubernetes-cni (>= 1.1.1), iproute2, socat, util-linux, mount, ebtables, ethtool
Description: Node agent for Kubernetes clusters
";

fn kubeadm_worker() -> FakeNode {
    let node = FakeNode::new(false);
    node.file(
        "/var/lib/kubelet/config.yaml",
        KUBEADM_KUBELET_CONFIG,
        0o600,
    );
    node.file("/etc/kubernetes/kubelet.conf", "kind: Config\n", 0o600);
    node.dir("/etc/kubernetes/manifests", 0o700);
    node.process(812, KUBEADM_KUBELET);
    node
}

#[test]
fn worker_version_from_the_kubelet_package() {
    let node = kubeadm_worker();
    node.file("/var/lib/dpkg/status", DPKG_STATUS, 0o644);
    let report = node.run(&Options::default());
    assert_eq!(report.targets, [Target::Node]);
    assert_eq!(report.benchmark, Benchmark::Cis111);
    assert_eq!(
        report.benchmark_reason,
        "Kubernetes 1.30 from /var/lib/dpkg/status:16 (kubelet package 1.30.4-1.1); kube-bench maps 1.30 to cis-1.11"
    );
    assert!(report.notes.is_empty(), "{:?}", report.notes);

    // An epoch and an older minor: the oldest benchmark, with a note.
    node.file(
        "/var/lib/dpkg/status",
        "Package: kubelet\nStatus: install ok installed\nVersion: 1:1.26.15-1.1\n",
        0o644,
    );
    let report = node.run(&Options::default());
    assert_eq!(report.benchmark, Benchmark::Cis19);
    assert_eq!(
        report.benchmark_reason,
        "Kubernetes 1.26 from /var/lib/dpkg/status:3 (kubelet package 1:1.26.15-1.1); 1.26 is older than the benchmarks kubeguard has, so cis-1.9, written for 1.27, is used"
    );
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

#[test]
fn static_pods_come_before_the_package() {
    let node = kubeadm_worker();
    node.file("/var/lib/dpkg/status", DPKG_STATUS, 0o644);
    // A kube-proxy static pod in the kubelet's staticPodPath, named as GKE names it.
    node.file(
        "/etc/kubernetes/manifests/kube-proxy.manifest",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-proxy\nspec:\n  containers:\n  - name: kube-proxy\n    image: gke.gcr.io/kube-proxy-amd64:v1.28.15-gke.1020000\n",
        0o644,
    );
    let report = node.run(&Options::default());
    assert_eq!(report.benchmark, Benchmark::Cis110);
    assert_eq!(
        report.benchmark_reason,
        "Kubernetes 1.28 from /etc/kubernetes/manifests/kube-proxy.manifest:8 (image gke.gcr.io/kube-proxy-amd64:v1.28.15-gke.1020000); kube-bench maps 1.28 to cis-1.10"
    );
    // The control plane's images come first of all (a JSON manifest too).
    node.file(
        "/etc/kubernetes/manifests/kube-scheduler.json",
        r#"{"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "kube-scheduler", "image": "registry.k8s.io/kube-scheduler:v1.33.1"}]}}"#,
        0o600,
    );
    let report = node.run(&Options::default());
    assert_eq!(report.benchmark, Benchmark::Cis112);
    assert!(
        report
            .benchmark_reason
            .starts_with("Kubernetes 1.33 from /etc/kubernetes/manifests/kube-scheduler.json:1"),
        "{}",
        report.benchmark_reason
    );
    // A manifest outside the kubelet's real staticPodPath does not count.
    let node = kubeadm_worker();
    node.file(
        "/etc/kubernetes/other/kube-proxy.yaml",
        "spec:\n  containers:\n  - image: registry.k8s.io/kube-proxy:v1.28.0\n",
        0o644,
    );
    let report = node.run(&Options::default());
    assert_eq!(report.benchmark, Benchmark::Cis112);
}

#[test]
fn no_version_found_falls_back_to_the_newest_with_a_reason() {
    let node = kubeadm_worker();
    // Not installed: a kubelet package that was removed.
    node.file(
        "/var/lib/dpkg/status",
        "Package: kubelet\nStatus: deinstall ok config-files\nVersion: 1.29.0-1.1\n",
        0o644,
    );
    let report = node.run(&Options::default());
    assert_eq!(report.benchmark, Benchmark::Cis112);
    assert_eq!(
        report.benchmark_reason,
        "no Kubernetes version found on the node (no control plane or kube-proxy static pod in the kubelet's staticPodPath, no kubelet package in /var/lib/dpkg/status); the newest benchmark cis-1.12 is used (choose one with --benchmark)"
    );
    // --benchmark wins over everything found.
    node.file("/var/lib/dpkg/status", DPKG_STATUS, 0o644);
    let report = node.run(&Options {
        benchmark: Some(Benchmark::Cis19),
        ..Options::default()
    });
    assert_eq!(report.benchmark, Benchmark::Cis19);
    assert_eq!(report.benchmark_reason, "chosen with --benchmark");
}

#[test]
fn a_managed_node_is_named_not_switched() {
    let node = FakeNode::new(false);
    node.file(
        "/home/kubernetes/kubelet-config.yaml",
        "kind: KubeletConfiguration\n",
        0o644,
    );
    node.process(
        10,
        &[
            "/home/kubernetes/bin/kubelet",
            "--config",
            "/home/kubernetes/kubelet-config.yaml",
        ],
    );
    let report = node.run(&Options::default());
    assert_eq!(report.benchmark, Benchmark::Cis112);
    assert_eq!(
        report.notes,
        [
            "this node looks like a Google GKE node (its kubelet reads /home/kubernetes/kubelet-config.yaml): --platform gke runs the gke-1.9.0 benchmark"
        ]
    );
    let node = FakeNode::new(false);
    node.file("/etc/kubernetes/azure.json", "{}", 0o600);
    node.file("/etc/default/kubelet", "KUBELET_FLAGS=\n", 0o644);
    node.process(10, &["/usr/local/bin/kubelet", "--read-only-port=0"]);
    let report = node.run(&Options::default());
    assert!(
        report.notes[0].contains("--platform aks"),
        "{:?}",
        report.notes
    );
    let node = FakeNode::new(false);
    node.dir("/etc/eks", 0o755);
    node.file(
        "/etc/kubernetes/kubelet/kubelet-config.json",
        "{\"kind\": \"KubeletConfiguration\"}",
        0o644,
    );
    node.process(
        10,
        &[
            "/usr/bin/kubelet",
            "--config",
            "/etc/kubernetes/kubelet/kubelet-config.json",
        ],
    );
    let report = node.run(&Options::default());
    assert!(
        report.notes[0].contains("--platform eks runs the eks-1.8.0 benchmark"),
        "{:?}",
        report.notes
    );
    // With --platform there is nothing to hint.
    let report = node.run(&Options {
        platform: Some(kubeguard_cis::Platform::Eks),
        ..Options::default()
    });
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}
