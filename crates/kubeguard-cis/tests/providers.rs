//! The managed platforms' benchmarks on worker nodes laid out as each
//! provider lays them out: an EKS worker (kubelet configured by
//! `/etc/kubernetes/kubelet/kubelet-config.json`), a GKE node
//! (`/home/kubernetes/kubelet-config.yaml`) and an AKS node (kubelet flags
//! from `/etc/default/kubelet`, kubeconfig in `/var/lib/kubelet`). Every
//! automated check's verdict is asserted.

mod support;

use Status::{Fail, Pass, Warn};
use kubeguard_cis::{Benchmark, Options, Platform, Status, Target};
use support::*;

/// The kubelet configuration EKS AMIs write.
const EKS_KUBELET_CONFIG: &str = r#"{
  "kind": "KubeletConfiguration",
  "apiVersion": "kubelet.config.k8s.io/v1beta1",
  "address": "0.0.0.0",
  "authentication": {
    "anonymous": {
      "enabled": false
    },
    "webhook": {
      "cacheTTL": "2m0s",
      "enabled": true
    },
    "x509": {
      "clientCAFile": "/etc/kubernetes/pki/ca.crt"
    }
  },
  "authorization": {
    "mode": "Webhook",
    "webhook": {
      "cacheAuthorizedTTL": "5m0s",
      "cacheUnauthorizedTTL": "30s"
    }
  },
  "clusterDomain": "cluster.local",
  "hairpinMode": "hairpin-veth",
  "readOnlyPort": 0,
  "cgroupDriver": "systemd",
  "cgroupRoot": "/",
  "featureGates": {
    "RotateKubeletServerCertificate": true
  },
  "protectKernelDefaults": true,
  "serializeImagePulls": false,
  "serverTLSBootstrap": true,
  "clusterDNS": ["10.100.0.10"],
  "maxPods": 29
}
"#;

const EKS_KUBELET: &[&str] = &[
    "/usr/bin/kubelet",
    "--config",
    "/etc/kubernetes/kubelet/kubelet-config.json",
    "--kubeconfig",
    "/var/lib/kubelet/kubeconfig",
    "--container-runtime-endpoint",
    "unix:///run/containerd/containerd.sock",
    "--image-credential-provider-config",
    "/etc/eks/image-credential-provider/config.json",
    "--image-credential-provider-bin-dir",
    "/etc/eks/image-credential-provider",
    "--node-ip=192.168.12.34",
    "--pod-infra-container-image=602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/pause:3.5",
    "--v=2",
    "--hostname-override=ip-192-168-12-34.us-west-2.compute.internal",
    "--cloud-provider=external",
];

fn eks_worker() -> FakeNode {
    let node = FakeNode::new(false);
    node.file(
        "/etc/kubernetes/kubelet/kubelet-config.json",
        EKS_KUBELET_CONFIG,
        0o644,
    );
    node.file(
        "/var/lib/kubelet/kubeconfig",
        "apiVersion: v1\nkind: Config\nusers:\n- name: kubelet\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /usr/bin/aws-iam-authenticator\n",
        0o600,
    );
    node.file("/etc/kubernetes/pki/ca.crt", "ca", 0o644);
    node.file(
        "/etc/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet --config /etc/kubernetes/kubelet/kubelet-config.json --kubeconfig /var/lib/kubelet/kubeconfig $KUBELET_ARGS $KUBELET_EXTRA_ARGS\n",
        0o644,
    );
    node.file(
        "/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf",
        "[Service]\nEnvironment='KUBELET_ARGS=--node-ip=192.168.12.34 --v=2 --cloud-provider=external'\n",
        0o644,
    );
    node.process(1, &["/usr/lib/systemd/systemd"]);
    node.process(3120, EKS_KUBELET);
    node
}

#[test]
fn eks_worker_node() {
    let node = eks_worker();
    let report = node.run(&Options {
        platform: Some(Platform::Eks),
        ..Options::default()
    });
    assert_eq!(report.benchmark, Benchmark::Eks180);
    assert_eq!(
        report.benchmark_reason,
        "--platform eks: the Amazon EKS benchmark"
    );
    assert_eq!(report.targets, [Target::Node]);
    let ids = scored(&report).keys().copied().collect::<Vec<_>>();
    assert_eq!(
        ids,
        [
            "3.1.1", "3.1.2", "3.1.3", "3.1.4", "3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.2.5",
            "3.2.6", "3.2.7", "3.2.8", "3.2.9"
        ]
    );
    assert_eq!(
        statuses(&report),
        expect(
            &ids,
            Pass,
            // The file sets no rotateCertificates: the kubelet's default is false.
            &[("3.2.8", Fail)]
        )
    );
    let config = "/etc/kubernetes/kubelet/kubelet-config.json";
    assert_eq!(check(&report, "3.2.1").evidence, format!("{config}:7"));
    assert_eq!(check(&report, "3.2.2").evidence, format!("{config}:18"));
    assert_eq!(check(&report, "3.2.3").evidence, format!("{config}:14"));
    assert_eq!(check(&report, "3.2.4").evidence, format!("{config}:26"));
    assert_eq!(check(&report, "3.2.9").evidence, format!("{config}:29"));
    assert_eq!(
        check(&report, "3.2.5").evidence,
        "kubelet default (configuration file in use)"
    );
    assert_eq!(check(&report, "3.2.5").actual, "4h0m0s");
    let c = check(&report, "3.1.3");
    assert_eq!(
        (c.evidence.as_str(), c.actual.as_str()),
        (config, &*format!("{config} 644"))
    );
    assert_eq!(
        check(&report, "3.1.1").evidence,
        "/var/lib/kubelet/kubeconfig"
    );
    // A provider check is its own rule.
    let findings = kubeguard_cis::rules::findings(&report.checks, "ip-192-168-12-34");
    assert_eq!(findings.len(), 1);
    assert_eq!(
        (findings[0].rule, findings[0].code),
        ("cis-eks-3-2-8", "KG963208")
    );
    assert!(
        findings[0].message.starts_with("CIS eks-1.8.0 3.2.8 "),
        "{}",
        findings[0].message
    );

    // A flag overrides the file, as the kubelet does.
    let mut argv = EKS_KUBELET.to_vec();
    argv.extend(["--rotate-certificates=true", "--read-only-port=10255"]);
    node.process(3120, &argv);
    let report = node.run(&Options {
        benchmark: Some(Benchmark::Eks180),
        ..Options::default()
    });
    assert_eq!(check(&report, "3.2.8").status, Pass);
    let c = check(&report, "3.2.4");
    assert_eq!(
        (c.status, c.evidence.as_str()),
        (Fail, "kubelet (pid 3120) --read-only-port=10255")
    );
}

#[test]
fn eks_provider_sections_are_manual_never_failed() {
    let node = eks_worker();
    let report = node.run(&Options {
        platform: Some(Platform::Eks),
        targets: vec![
            Target::Master,
            Target::Etcd,
            Target::Controlplane,
            Target::Policies,
            Target::ManagedServices,
        ],
        ..Options::default()
    });
    assert_eq!(
        report.targets,
        [
            Target::Master,
            Target::Controlplane,
            Target::Policies,
            Target::ManagedServices
        ]
    );
    assert_eq!(
        report.notes,
        [
            "eks-1.8.0 has no etcd checks: Amazon EKS runs and configures it",
            "eks-1.8.0 defines no master checks: Amazon EKS runs and configures the control plane",
        ]
    );
    assert_eq!(report.checks.len(), 2 + 23 + 12);
    for c in &report.checks {
        assert_eq!(c.status, Warn, "{}", c.id);
        assert!(
            matches!(c.def.test, kubeguard_cis::check::Test::Manual),
            "{}",
            c.id
        );
    }
    assert_eq!(check(&report, "2.1.1").section, "2.1");
    assert_eq!(check(&report, "5.3.1").target, Target::ManagedServices);
    assert!(kubeguard_cis::rules::findings(&report.checks, "n").is_empty());
}

/// The kubelet configuration GKE writes on its nodes.
const GKE_KUBELET_CONFIG: &str = "apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/srv/kubernetes/pki/ca-certificates.crt
authorization:
  mode: Webhook
cgroupRoot: /
clusterDNS:
- 10.0.0.10
clusterDomain: cluster.local
enableDebuggingHandlers: true
featureGates:
  RotateKubeletServerCertificate: true
kind: KubeletConfiguration
readOnlyPort: 10255
serverTLSBootstrap: true
staticPodPath: /etc/kubernetes/manifests
";

fn gke_node() -> FakeNode {
    let node = FakeNode::new(false);
    node.file(
        "/home/kubernetes/kubelet-config.yaml",
        GKE_KUBELET_CONFIG,
        0o644,
    );
    node.file(
        "/var/lib/kubelet/kubeconfig",
        "apiVersion: v1\nkind: Config\n",
        0o644,
    );
    node.file(
        "/etc/kubernetes/manifests/kube-proxy.manifest",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-proxy\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-proxy\n    image: gke.gcr.io/kube-proxy-amd64:v1.30.5-gke.1014001\n",
        0o644,
    );
    node.process(
        1602,
        &[
            "/home/kubernetes/bin/kubelet",
            "--v=2",
            "--cloud-provider=external",
            "--experimental-mounter-path=/home/kubernetes/containerized_mounter/mounter",
            "--cert-dir=/var/lib/kubelet/pki/",
            "--kubeconfig=/var/lib/kubelet/kubeconfig",
            "--max-pods=110",
            "--volume-plugin-dir=/home/kubernetes/flexvolume",
            "--node-status-max-images=25",
            "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
            "--runtime-cgroups=/system.slice/containerd.service",
            "--registry-qps=10",
            "--registry-burst=20",
            "--config",
            "/home/kubernetes/kubelet-config.yaml",
        ],
    );
    node
}

#[test]
fn gke_node_checks() {
    let node = gke_node();
    let report = node.run(&Options {
        platform: Some(Platform::Gke),
        ..Options::default()
    });
    assert_eq!(report.benchmark, Benchmark::Gke190);
    let ids = scored(&report).keys().copied().collect::<Vec<_>>();
    // kube-bench's gke-1.9.0 has only the worker node file checks in section 3.
    assert_eq!(ids, ["3.1.1", "3.1.2", "3.1.3", "3.1.4"]);
    assert_eq!(statuses(&report), expect(&ids, Pass, &[]));
    assert_eq!(
        check(&report, "3.1.3").evidence,
        "/home/kubernetes/kubelet-config.yaml"
    );
    assert_eq!(
        check(&report, "3.1.1").actual,
        "/var/lib/kubelet/kubeconfig 644"
    );
    // Writable by its group: stricter than 644 is required.
    node.file(
        "/home/kubernetes/kubelet-config.yaml",
        GKE_KUBELET_CONFIG,
        0o664,
    );
    let report = node.run(&Options {
        benchmark: Some(Benchmark::Gke190),
        ..Options::default()
    });
    assert_eq!(statuses(&report), expect(&ids, Pass, &[("3.1.3", Fail)]));
    let f = kubeguard_cis::rules::findings(&report.checks, "gke-node");
    assert_eq!((f[0].rule, f[0].code), ("cis-gke-3-1-3", "KG973103"));
}

/// The kubelet flags AKS writes to `/etc/default/kubelet`.
const AKS_KUBELET_FLAGS: &[&str] = &[
    "--address=0.0.0.0",
    "--anonymous-auth=false",
    "--authentication-token-webhook=true",
    "--authorization-mode=Webhook",
    "--cgroups-per-qos=true",
    "--client-ca-file=/etc/kubernetes/certs/ca.crt",
    "--cloud-config=/etc/kubernetes/azure.json",
    "--cloud-provider=external",
    "--cluster-dns=10.0.0.10",
    "--cluster-domain=cluster.local",
    "--enforce-node-allocatable=pods",
    "--event-qps=0",
    "--eviction-hard=memory.available<750Mi,nodefs.available<10%,nodefs.inodesFree<5%",
    "--feature-gates=RotateKubeletServerCertificate=true",
    "--image-gc-high-threshold=85",
    "--image-gc-low-threshold=80",
    "--kube-reserved=cpu=100m,memory=1638Mi",
    "--kubeconfig=/var/lib/kubelet/kubeconfig",
    "--max-pods=110",
    "--node-status-update-frequency=10s",
    "--pod-infra-container-image=mcr.microsoft.com/oss/kubernetes/pause:3.6",
    "--pod-manifest-path=/etc/kubernetes/manifests",
    "--pod-max-pids=-1",
    "--protect-kernel-defaults=true",
    "--read-only-port=0",
    "--resolv-conf=/run/systemd/resolve/resolv.conf",
    "--rotate-certificates=true",
    "--streaming-connection-idle-timeout=4h",
    "--tls-cert-file=/etc/kubernetes/certs/kubeletserver.crt",
    "--tls-private-key-file=/etc/kubernetes/certs/kubeletserver.key",
];

fn aks_node(flags: &[&str]) -> FakeNode {
    let node = FakeNode::new(false);
    node.file(
        "/etc/default/kubelet",
        &format!(
            "KUBELET_FLAGS={}\nKUBELET_REGISTER_SCHEDULABLE=true\nKUBELET_NODE_LABELS=kubernetes.azure.com/role=agent,agentpool=nodepool1\n",
            flags.join(" ")
        ),
        0o644,
    );
    node.file(
        "/etc/kubernetes/azure.json",
        "{\"cloud\": \"AzurePublicCloud\"}",
        0o600,
    );
    node.file(
        "/var/lib/kubelet/kubeconfig",
        "apiVersion: v1\nkind: Config\n",
        0o600,
    );
    node.file("/etc/kubernetes/certs/ca.crt", "ca", 0o644);
    let mut argv = vec![
        "/usr/local/bin/kubelet",
        "--enable-server",
        "--node-labels=kubernetes.azure.com/role=agent,agentpool=nodepool1",
        "--v=2",
        "--volume-plugin-dir=/etc/kubernetes/volumeplugins",
    ];
    argv.extend(flags);
    node.process(2811, &argv);
    node
}

#[test]
fn aks_node_checks() {
    let node = aks_node(AKS_KUBELET_FLAGS);
    let report = node.run(&Options {
        platform: Some(Platform::Aks),
        ..Options::default()
    });
    assert_eq!(report.benchmark, Benchmark::Aks18);
    let ids = scored(&report).keys().copied().collect::<Vec<_>>();
    assert_eq!(ids.len(), 13);
    assert_eq!(statuses(&report), expect(&ids, Pass, &[]));
    assert_eq!(
        check(&report, "3.2.1").evidence,
        "kubelet (pid 2811) --anonymous-auth=false"
    );
    assert_eq!(
        check(&report, "3.2.7").evidence,
        "kubelet (pid 2811) --event-qps=0"
    );
    // No --make-iptables-util-chains: the flag's default is true.
    assert_eq!(check(&report, "3.2.6").evidence, "kubelet default");
    assert_eq!(
        check(&report, "3.1.3").actual,
        "/etc/kubernetes/azure.json 600"
    );

    // The kubelet without its hardening flags, azure.json readable by all
    // and writable by its group.
    let weak: Vec<&str> = AKS_KUBELET_FLAGS
        .iter()
        .copied()
        .filter(|f| {
            !f.starts_with("--anonymous-auth")
                && !f.starts_with("--authorization-mode")
                && !f.starts_with("--read-only-port")
                && !f.starts_with("--rotate-certificates")
        })
        .chain(["--streaming-connection-idle-timeout=0"])
        .collect();
    let node = aks_node(&weak);
    node.file("/etc/kubernetes/azure.json", "{}", 0o664);
    let report = node.run(&Options {
        benchmark: Some(Benchmark::Aks18),
        ..Options::default()
    });
    assert_eq!(
        statuses(&report),
        expect(
            &ids,
            Pass,
            &[
                ("3.1.3", Fail),
                ("3.2.1", Fail), // --anonymous-auth defaults to true without --config
                ("3.2.2", Fail), // --authorization-mode defaults to AlwaysAllow
                ("3.2.4", Fail), // --read-only-port defaults to 10255
                ("3.2.5", Fail),
                ("3.2.8", Fail),
            ]
        )
    );
    // Without azure.json there is nothing to stat: not checkable, not failed.
    std::fs::remove_file(node.root().join("etc/kubernetes/azure.json")).unwrap();
    let report = node.run(&Options {
        benchmark: Some(Benchmark::Aks18),
        ..Options::default()
    });
    assert_eq!(check(&report, "3.1.3").status, Warn);
    assert_eq!(check(&report, "3.1.4").status, Warn);
}
