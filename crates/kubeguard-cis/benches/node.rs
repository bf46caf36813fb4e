//! `kubeguard cis` on a busy control plane node built in a temporary
//! directory: a kubeadm control plane (its components, manifests, PKI and
//! kubelet config) among 2,000 other processes, every check of cis-1.12.

#![allow(missing_docs)]

use kubeguard_cis::{Host, NodeRoot, Options};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::OnceLock;

/// Processes that are not components, as on a node running many pods.
const OTHER_PROCESSES: u32 = 2_000;

fn main() {
    divan::main();
}

fn file(root: &Path, path: &str, text: &str, mode: u32) {
    let p = root.join(path.trim_start_matches('/'));
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, text).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
}

fn process(root: &Path, pid: u32, argv: &[&str]) {
    file(
        root,
        &format!("/proc/{pid}/cmdline"),
        &(argv.join("\0") + "\0"),
        0o444,
    );
}

/// The node, built once.
fn node() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        file(r, "/etc/passwd", "root:x:0:0::/root:/bin/sh\netcd:x:998:998::/:/bin/false\n", 0o644);
        file(r, "/etc/group", "root:x:0:\netcd:x:998:\n", 0o644);
        for name in ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"] {
            file(r, &format!("/etc/kubernetes/manifests/{name}.yaml"), &format!("spec:\n  containers:\n  - image: registry.k8s.io/{name}:v1.33.1\n"), 0o600);
        }
        for conf in ["admin.conf", "super-admin.conf", "scheduler.conf", "controller-manager.conf", "kubelet.conf"] {
            file(r, &format!("/etc/kubernetes/{conf}"), "kind: Config\n", 0o600);
        }
        for i in 0..40 {
            file(r, &format!("/etc/kubernetes/pki/cert{i}.crt"), "c", 0o644);
            file(r, &format!("/etc/kubernetes/pki/cert{i}.key"), "k", 0o600);
        }
        file(r, "/var/lib/kubelet/config.yaml", "kind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n  x509:\n    clientCAFile: /etc/kubernetes/pki/cert0.crt\nauthorization:\n  mode: Webhook\nrotateCertificates: true\nstaticPodPath: /etc/kubernetes/manifests\n", 0o600);
        file(r, "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "[Service]\n", 0o600);
        fs::create_dir_all(r.join("var/lib/etcd")).unwrap();
        for pid in 0..OTHER_PROCESSES {
            process(r, 10_000 + pid, &["/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", "0123456789abcdef"]);
        }
        process(r, 100, &["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml", "--kubeconfig=/etc/kubernetes/kubelet.conf"]);
        process(r, 101, &["kube-apiserver", "--authorization-mode=Node,RBAC", "--client-ca-file=/etc/kubernetes/pki/cert0.crt", "--enable-admission-plugins=NodeRestriction"]);
        process(r, 102, &["kube-controller-manager", "--kubeconfig=/etc/kubernetes/controller-manager.conf", "--bind-address=127.0.0.1"]);
        process(r, 103, &["kube-scheduler", "--kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1"]);
        process(r, 104, &["etcd", "--data-dir=/var/lib/etcd", "--client-cert-auth=true"]);
        dir
    })
    .path()
}

/// Reading the node: every process's command line, accounts, config files.
#[divan::bench]
fn load() -> Host {
    Host::load(NodeRoot::new(node()))
}

/// Reading the node and deciding every check.
#[divan::bench]
fn load_and_run() -> usize {
    let host = Host::load(NodeRoot::new(node()));
    kubeguard_cis::run(&host, &Options::default()).checks.len()
}
