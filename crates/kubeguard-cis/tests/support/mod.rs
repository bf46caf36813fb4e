//! Fake node roots: proc entries with only `cmdline`, `comm` and `status`,
//! files with modes, and `/etc/passwd` and `/etc/group` that name the real
//! owner of the files the test creates.

#![allow(dead_code)]

use kubeguard_cis::{Host, NodeRoot, Options, Report, Status};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// A node root in a temporary directory.
pub struct FakeNode {
    pub dir: tempfile::TempDir,
    uid: u32,
    gid: u32,
}

impl FakeNode {
    /// An empty node whose `root` user and group are the real owner of the
    /// files this test creates; `etcd_user` adds an `etcd` user and group
    /// with the same ids.
    pub fn new(etcd_user: bool) -> FakeNode {
        let dir = tempfile::tempdir().unwrap();
        let meta = fs::metadata(dir.path()).unwrap();
        let node = FakeNode {
            dir,
            uid: meta.uid(),
            gid: meta.gid(),
        };
        let (u, g) = (node.uid, node.gid);
        let mut passwd = format!(
            "root:x:{u}:{g}:root:/root:/bin/bash\ndaemon:x:4242:4242::/:/usr/sbin/nologin\n"
        );
        let mut group = format!("root:x:{g}:\n");
        if etcd_user {
            passwd.push_str(&format!(
                "etcd:x:{u}:{g}::/var/lib/etcd:/usr/sbin/nologin\n"
            ));
            group.push_str(&format!("etcd:x:{g}:\n"));
        }
        node.file("/etc/passwd", &passwd, 0o644);
        node.file("/etc/group", &group, 0o644);
        node
    }

    /// Writes a file with a mode.
    pub fn file(&self, path: &str, text: &str, mode: u32) {
        let p = self.local(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Makes a directory with a mode.
    pub fn dir(&self, path: &str, mode: u32) {
        let p = self.local(path);
        fs::create_dir_all(&p).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    }

    /// A running process: `/proc/<pid>/{cmdline,comm,status}`.
    pub fn process(&self, pid: u32, argv: &[&str]) {
        let mut cmdline = argv.join("\0");
        cmdline.push('\0');
        let comm: String = argv[0]
            .rsplit('/')
            .next()
            .unwrap()
            .chars()
            .take(15)
            .collect();
        self.file(&format!("/proc/{pid}/cmdline"), &cmdline, 0o444);
        self.file(&format!("/proc/{pid}/comm"), &format!("{comm}\n"), 0o644);
        self.file(
            &format!("/proc/{pid}/status"),
            &format!("Name:\t{comm}\nPid:\t{pid}\n"),
            0o444,
        );
    }

    fn local(&self, path: &str) -> std::path::PathBuf {
        self.dir.path().join(path.trim_start_matches('/'))
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Runs the benchmark on the node.
    pub fn run(&self, options: &Options) -> Report {
        let host = Host::load(NodeRoot::new(self.root()));
        kubeguard_cis::run(&host, options)
    }
}

/// The status of every check of a report, by id.
pub fn statuses(report: &Report) -> BTreeMap<&'static str, Status> {
    report.checks.iter().map(|c| (c.id, c.status)).collect()
}

/// The status of every scored (automated) check.
pub fn scored(report: &Report) -> BTreeMap<&'static str, Status> {
    report
        .checks
        .iter()
        .filter(|c| c.scored)
        .map(|c| (c.id, c.status))
        .collect()
}

/// Expected statuses: every id `ids` has `status` unless listed in `except`.
pub fn expect(
    ids: &[&'static str],
    default: Status,
    except: &[(&'static str, Status)],
) -> BTreeMap<&'static str, Status> {
    let mut m: BTreeMap<&'static str, Status> = ids.iter().map(|i| (*i, default)).collect();
    for (id, s) in except {
        m.insert(id, *s);
    }
    m
}

/// The result of one check.
pub fn check<'a>(report: &'a Report, id: &str) -> &'a kubeguard_cis::CheckResult {
    report
        .checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

/// A kubeadm control plane's manifests, kubeconfigs, PKI and etcd data.
pub fn kubeadm_files(node: &FakeNode, version: &str) {
    for name in [
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "etcd",
    ] {
        node.file(
            &format!("/etc/kubernetes/manifests/{name}.yaml"),
            &format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: kube-system\nspec:\n  containers:\n  - name: {name}\n    image: registry.k8s.io/{name}:{}\n", if name == "etcd" { "3.5.15-0" } else { version }),
            0o600,
        );
    }
    for conf in [
        "admin.conf",
        "super-admin.conf",
        "scheduler.conf",
        "controller-manager.conf",
        "kubelet.conf",
    ] {
        node.file(
            &format!("/etc/kubernetes/{conf}"),
            "apiVersion: v1\nkind: Config\n",
            0o600,
        );
    }
    node.dir("/etc/kubernetes/pki/etcd", 0o755);
    for crt in [
        "ca.crt",
        "apiserver.crt",
        "front-proxy-ca.crt",
        "etcd/ca.crt",
        "etcd/server.crt",
    ] {
        node.file(&format!("/etc/kubernetes/pki/{crt}"), "cert", 0o644);
    }
    for key in [
        "ca.key",
        "apiserver.key",
        "sa.key",
        "etcd/ca.key",
        "etcd/server.key",
    ] {
        node.file(&format!("/etc/kubernetes/pki/{key}"), "key", 0o600);
    }
    node.file("/etc/kubernetes/pki/sa.pub", "pub", 0o644);
    node.dir("/var/lib/etcd/member", 0o700);
    node.dir("/var/lib/etcd", 0o700);
}

/// kubeadm's kube-apiserver command line.
pub const KUBEADM_APISERVER: &[&str] = &[
    "kube-apiserver",
    "--advertise-address=10.0.0.10",
    "--allow-privileged=true",
    "--authorization-mode=Node,RBAC",
    "--client-ca-file=/etc/kubernetes/pki/ca.crt",
    "--enable-admission-plugins=NodeRestriction",
    "--enable-bootstrap-token-auth=true",
    "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
    "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
    "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
    "--etcd-servers=https://127.0.0.1:2379",
    "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
    "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
    "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
    "--secure-port=6443",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
    "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
    "--service-cluster-ip-range=10.96.0.0/12",
    "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
    "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
];

/// kubeadm's kube-controller-manager command line.
pub const KUBEADM_CONTROLLER_MANAGER: &[&str] = &[
    "kube-controller-manager",
    "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
    "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
    "--bind-address=127.0.0.1",
    "--client-ca-file=/etc/kubernetes/pki/ca.crt",
    "--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt",
    "--cluster-signing-key-file=/etc/kubernetes/pki/ca.key",
    "--controllers=*,bootstrapsigner,tokencleaner",
    "--kubeconfig=/etc/kubernetes/controller-manager.conf",
    "--leader-elect=true",
    "--root-ca-file=/etc/kubernetes/pki/ca.crt",
    "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
    "--use-service-account-credentials=true",
];

/// kubeadm's kube-scheduler command line.
pub const KUBEADM_SCHEDULER: &[&str] = &[
    "kube-scheduler",
    "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
    "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
    "--bind-address=127.0.0.1",
    "--kubeconfig=/etc/kubernetes/scheduler.conf",
    "--leader-elect=true",
];

/// kubeadm's etcd command line.
pub const KUBEADM_ETCD: &[&str] = &[
    "etcd",
    "--advertise-client-urls=https://10.0.0.10:2379",
    "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
    "--client-cert-auth=true",
    "--data-dir=/var/lib/etcd",
    "--key-file=/etc/kubernetes/pki/etcd/server.key",
    "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
    "--peer-client-cert-auth=true",
    "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
    "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
    "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
];

/// The kubelet as kubeadm runs it.
pub const KUBEADM_KUBELET: &[&str] = &[
    "/usr/bin/kubelet",
    "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
    "--kubeconfig=/etc/kubernetes/kubelet.conf",
    "--config=/var/lib/kubelet/config.yaml",
    "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock",
    "--pod-infra-container-image=registry.k8s.io/pause:3.10",
];

/// The KubeletConfiguration kubeadm writes.
pub const KUBEADM_KUBELET_CONFIG: &str = "apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
kind: KubeletConfiguration
rotateCertificates: true
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
";

/// kubeadm's kubelet drop-in.
pub const KUBEADM_DROPIN: &str = "[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS\n";
