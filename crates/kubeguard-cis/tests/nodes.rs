//! Whole nodes built by the tests: a kubeadm control plane, a worker, a
//! hardened node that passes every automated check, and a node that
//! passes only because of its kubelet configuration file. Every automated
//! check's verdict is asserted.

mod support;

use Status::{Fail, Info, Pass, Warn};
use kubeguard_cis::{Benchmark, Options, Platform, Status, Target};
use support::*;

fn kubeadm_control_plane() -> FakeNode {
    let node = FakeNode::new(false);
    kubeadm_files(&node, "v1.31.2");
    node.file(
        "/var/lib/kubelet/config.yaml",
        KUBEADM_KUBELET_CONFIG,
        0o644,
    );
    node.file(
        "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
        KUBEADM_DROPIN,
        0o644,
    );
    node.file(
        "/usr/lib/systemd/system/kubelet.service",
        "[Service]\nExecStart=/usr/bin/kubelet\n",
        0o600,
    );
    node.file("/etc/cni/net.d/10-calico.conflist", "{}", 0o644);
    node.process(1, &["/sbin/init"]);
    node.process(812, KUBEADM_KUBELET);
    node.process(1201, KUBEADM_APISERVER);
    node.process(1202, KUBEADM_CONTROLLER_MANAGER);
    node.process(1203, KUBEADM_SCHEDULER);
    node.process(1204, KUBEADM_ETCD);
    // kube-proxy runs in a pod: its --config exists only in the container.
    node.process(
        1500,
        &[
            "/usr/local/bin/kube-proxy",
            "--config=/var/lib/kube-proxy/config.conf",
            "--hostname-override=cp-1",
        ],
    );
    node
}

#[test]
fn kubeadm_control_plane_node() {
    let node = kubeadm_control_plane();
    let report = node.run(&Options::default());
    assert_eq!(
        report.benchmark,
        Benchmark::Cis111,
        "{}",
        report.benchmark_reason
    );
    assert!(report.benchmark_reason.contains("1.31"));
    assert_eq!(
        report.targets,
        [
            Target::Master,
            Target::Etcd,
            Target::Controlplane,
            Target::Node
        ]
    );
    let ids = scored(&report).keys().copied().collect::<Vec<_>>();
    assert_eq!(
        scored(&report),
        expect(
            &ids,
            Pass,
            &[
                ("1.1.12", Fail), // /var/lib/etcd is root-owned and the node has no etcd user
                ("1.2.5", Fail),  // no --kubelet-certificate-authority
                ("1.2.15", Fail), // profiling defaults to on
                ("1.2.16", Fail),
                ("1.2.17", Fail),
                ("1.2.18", Fail),
                ("1.2.19", Fail),
                ("1.2.30", Fail), // extended token expiration defaults to on
                ("1.3.2", Fail),
                ("1.4.1", Fail),
                ("4.1.1", Fail), // 10-kubeadm.conf is 644
                ("4.1.9", Fail), // config.yaml is 644
                ("4.3.1", Warn), // kube-proxy's config is inside its container
            ]
        )
    );
    assert_eq!(ids.len(), 65);
    // Manual checks with a test carry their verdict.
    let s = statuses(&report);
    assert_eq!(s["4.2.4"], Pass); // readOnlyPort defaults to 0 with --config
    assert_eq!(s["4.2.5"], Fail); // streamingConnectionIdleTimeout: 0s
    assert_eq!(s["4.1.3"], Warn);
    assert_eq!(s["4.2.7"], Pass); // the kubelet has no --hostname-override
    assert_eq!(s["1.1.9"], Fail);
    assert_eq!(s["2.7"], Pass);
    assert_eq!(s["1.2.1"], Fail);
    assert_eq!(s["3.1.1"], Warn);

    let c = check(&report, "4.2.5");
    assert_eq!(c.evidence, format!("/var/lib/kubelet/config.yaml:{}", 19));
    assert_eq!(c.actual, "0s");
    let c = check(&report, "1.2.15");
    assert_eq!(c.evidence, "kube-apiserver default");
    assert_eq!(c.actual, "true");
    let c = check(&report, "1.1.12");
    assert!(c.actual.contains("/var/lib/etcd root:root"), "{}", c.actual);
    let c = check(&report, "4.3.1");
    assert!(
        c.actual.contains("only inside the component's container"),
        "{}",
        c.actual
    );
    let c = check(&report, "1.2.6");
    assert_eq!(
        c.evidence,
        "kube-apiserver (pid 1201) --authorization-mode=Node,RBAC"
    );
    assert!(report.errors.is_empty());
}

#[test]
fn worker_node() {
    let node = FakeNode::new(false);
    node.file("/etc/kubernetes/kubelet.conf", "kind: Config\n", 0o600);
    node.file("/etc/kubernetes/pki/ca.crt", "ca", 0o644);
    node.file("/var/lib/kubelet/config.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n", 0o600);
    node.file(
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        KUBEADM_DROPIN,
        0o600,
    );
    node.file("/lib/systemd/system/kubelet.service", "[Service]\n", 0o600);
    node.file("/var/lib/kube-proxy/kubeconfig", "kind: Config\n", 0o600);
    // Not a drop-in (systemd reads only *.conf), so its mode does not count.
    node.file(
        "/etc/systemd/system/kubelet.service.d/README",
        "notes",
        0o666,
    );
    node.process(812, KUBEADM_KUBELET);
    node.process(
        900,
        &[
            "/usr/bin/kube-proxy",
            "--kubeconfig",
            "/var/lib/kube-proxy/kubeconfig",
            "--proxy-mode=iptables",
        ],
    );
    // Processes that mention components without being one.
    node.process(950, &["journalctl", "-u", "kubelet", "-f"]);
    node.process(951, &["vim", "/etc/systemd/system/kube-apiserver.service"]);
    node.process(952, &["/usr/bin/etcdctl", "get", "/"]);
    let report = node.run(&Options {
        benchmark: Some(Benchmark::Cis112),
        ..Options::default()
    });
    assert_eq!(report.targets, [Target::Node]);
    let ids = scored(&report).keys().copied().collect::<Vec<_>>();
    assert_eq!(ids.len(), 12);
    assert_eq!(
        scored(&report),
        expect(
            &ids,
            Pass,
            &[
                ("4.2.10", Fail), // rotateCertificates defaults to false
            ]
        )
    );
    let c = check(&report, "4.2.1");
    assert_eq!(c.evidence, "kubelet default (configuration file in use)");
    assert_eq!(c.actual, "false");
    let c = check(&report, "4.3.1");
    assert_eq!(c.actual, "127.0.0.1:10249");
    assert_eq!(check(&report, "4.1.3").status, Pass);
    // A static pod directory the kubelet does not have is not applicable.
    let r = node.run(&Options {
        targets: vec![Target::Master],
        ..Options::default()
    });
    assert_eq!(check(&r, "1.1.1").status, Info);
    assert_eq!(check(&r, "1.2.6").status, Warn);
    assert!(
        check(&r, "1.2.6")
            .actual
            .contains("kube-apiserver is not running")
    );
}

fn hardened() -> FakeNode {
    let node = FakeNode::new(true);
    kubeadm_files(&node, "v1.33.1");
    node.file("/var/lib/kubelet/config.yaml", &format!("{KUBEADM_KUBELET_CONFIG}readOnlyPort: 0\nprotectKernelDefaults: true\nseccompDefault: true\npodPidsLimit: 4096\ntlsCertFile: /var/lib/kubelet/pki/kubelet.crt\ntlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key\n").replace("streamingConnectionIdleTimeout: 0s", "streamingConnectionIdleTimeout: 5m"), 0o600);
    node.file(
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        KUBEADM_DROPIN,
        0o600,
    );
    node.file("/etc/kubernetes/scheduler-config.yaml", "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nenableProfiling: false\nclientConnection:\n  kubeconfig: /etc/kubernetes/scheduler.conf\n", 0o600);
    node.file("/etc/kubernetes/encryption.yaml", "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k1, secret: c2VjcmV0}]\n  - identity: {}\n", 0o600);
    node.file(
        "/etc/kubernetes/audit-policy.yaml",
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n",
        0o600,
    );
    node.file("/var/lib/kube-proxy/kubeconfig", "kind: Config\n", 0o600);
    node.file("/etc/cni/net.d/10-calico.conflist", "{}", 0o600);
    node.process(812, KUBEADM_KUBELET);
    let mut api: Vec<&str> = KUBEADM_APISERVER
        .iter()
        .copied()
        .filter(|a| !a.starts_with("--enable-admission-plugins"))
        .collect();
    api.extend([
        "--anonymous-auth=false",
        "--enable-admission-plugins=NodeRestriction,EventRateLimit,AlwaysPullImages,DenyServiceExternalIPs",
        "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt",
        "--profiling=false",
        "--audit-log-path=/var/log/kubernetes/audit.log",
        "--audit-log-maxage", "30",
        "--audit-log-maxbackup", "10",
        "--audit-log-maxsize", "100",
        "--audit-policy-file=/etc/kubernetes/audit-policy.yaml",
        "--encryption-provider-config=/etc/kubernetes/encryption.yaml",
        "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "--service-account-extend-token-expiration=false",
    ]);
    node.process(1201, &api);
    let mut cm = KUBEADM_CONTROLLER_MANAGER.to_vec();
    cm.push("--profiling=false");
    node.process(1202, &cm);
    // The scheduler's --config wins over its deprecated --profiling flag.
    node.process(
        1203,
        &[
            "kube-scheduler",
            "--config=/etc/kubernetes/scheduler-config.yaml",
            "--profiling=true",
            "--bind-address=127.0.0.1",
        ],
    );
    node.process(1204, KUBEADM_ETCD);
    node.process(
        1500,
        &[
            "kube-proxy",
            "--kubeconfig=/var/lib/kube-proxy/kubeconfig",
            "--metrics-bind-address=127.0.0.1:10249",
        ],
    );
    node
}

#[test]
fn hardened_node_passes_every_automated_check() {
    let node = hardened();
    let report = node.run(&Options::default());
    assert_eq!(report.benchmark, Benchmark::Cis112);
    let ids = scored(&report).keys().copied().collect::<Vec<_>>();
    assert_eq!(ids.len(), 65);
    assert_eq!(scored(&report), expect(&ids, Pass, &[]));
    // Manual checks with a test pass too.
    for id in [
        "1.1.9", "1.1.10", "1.1.20", "1.1.21", "1.2.1", "1.2.3", "1.2.9", "1.2.11", "1.2.27",
        "1.2.28", "1.2.29", "2.7", "3.2.1", "4.1.3", "4.1.4", "4.1.7", "4.1.8", "4.2.4", "4.2.5",
        "4.2.9", "4.2.13", "4.2.14",
    ] {
        assert_eq!(
            check(&report, id).status,
            Pass,
            "{id}: {:?}",
            check(&report, id)
        );
    }
    let c = check(&report, "1.4.1");
    assert_eq!(c.evidence, "/etc/kubernetes/scheduler-config.yaml:3");
    let c = check(&report, "1.1.12");
    assert!(
        c.actual.contains("etcd:etcd") || c.actual.contains("root:root"),
        "{}",
        c.actual
    );
    assert_eq!(
        report.checks.iter().filter(|c| c.id == "1.2.6").count(),
        1,
        "one id appears once"
    );
}

#[test]
fn kubelet_config_file_decides() {
    let node = FakeNode::new(false);
    node.file("/etc/kubernetes/kubelet.conf", "kind: Config\n", 0o600);
    node.file("/etc/kubernetes/pki/ca.crt", "ca", 0o644);
    node.file("/etc/systemd/system/kubelet.service", "[Service]\n", 0o600);
    node.file(
        "/etc/kubernetes/kubelet/config.json",
        r#"{"kind":"KubeletConfiguration","apiVersion":"kubelet.config.k8s.io/v1beta1",
"authentication":{"anonymous":{"enabled":false},"webhook":{"enabled":true},"x509":{"clientCAFile":"/etc/kubernetes/pki/ca.crt"}},
"authorization":{"mode":"Webhook"},
"rotateCertificates":true}
"#,
        0o600,
    );
    node.process(
        700,
        &[
            "/usr/bin/kubelet",
            "--config",
            "/etc/kubernetes/kubelet/config.json",
            "--kubeconfig",
            "/etc/kubernetes/kubelet.conf",
        ],
    );
    let report = node.run(&Options {
        benchmark: Some(Benchmark::Cis110),
        ..Options::default()
    });
    let ids = scored(&report).keys().copied().collect::<Vec<_>>();
    assert_eq!(
        ids,
        [
            "4.1.1", "4.1.10", "4.1.2", "4.1.5", "4.1.6", "4.1.9", "4.2.1", "4.2.10", "4.2.2",
            "4.2.3", "4.2.6", "4.3.1"
        ]
    );
    assert_eq!(scored(&report), expect(&ids, Pass, &[("4.3.1", Warn)]));
    assert!(
        check(&report, "4.3.1")
            .actual
            .contains("kube-proxy is not running")
    );
    assert_eq!(
        check(&report, "4.2.1").evidence,
        "/etc/kubernetes/kubelet/config.json:2"
    );
    assert_eq!(
        check(&report, "4.2.10").evidence,
        "/etc/kubernetes/kubelet/config.json:4"
    );

    // The same kubelet without its file: the flags' legacy defaults fail.
    node.process(
        700,
        &[
            "/usr/bin/kubelet",
            "--kubeconfig=/etc/kubernetes/kubelet.conf",
        ],
    );
    let report = node.run(&Options {
        benchmark: Some(Benchmark::Cis110),
        ..Options::default()
    });
    assert_eq!(
        scored(&report),
        expect(
            &ids,
            Pass,
            &[
                ("4.1.9", Info),
                ("4.1.10", Info),
                ("4.2.1", Fail),
                ("4.2.2", Fail),
                ("4.2.3", Fail),
                ("4.2.10", Fail),
                ("4.3.1", Warn),
            ]
        )
    );
    assert_eq!(check(&report, "4.2.1").evidence, "kubelet default");
    assert_eq!(check(&report, "4.2.4").actual, "10255");

    // A flag overrides the file.
    node.process(
        700,
        &[
            "/usr/bin/kubelet",
            "--config=/etc/kubernetes/kubelet/config.json",
            "--anonymous-auth",
            "true",
            "--kubeconfig=/etc/kubernetes/kubelet.conf",
        ],
    );
    let report = node.run(&Options {
        benchmark: Some(Benchmark::Cis110),
        ..Options::default()
    });
    let c = check(&report, "4.2.1");
    assert_eq!(
        (c.status, c.evidence.as_str()),
        (Fail, "kubelet (pid 700) --anonymous-auth=true")
    );
}

#[test]
fn unreadable_or_broken_kubelet_config() {
    let node = FakeNode::new(false);
    node.process(700, &["kubelet", "--config=/var/lib/kubelet/config.yaml"]);
    let report = node.run(&Options::default());
    assert_eq!(check(&report, "4.2.1").status, Warn);
    assert_eq!(check(&report, "4.1.9").status, Warn);
    assert!(report.errors.is_empty());
    node.file("/var/lib/kubelet/config.yaml", "authentication: [\n", 0o600);
    let report = node.run(&Options::default());
    assert_eq!(check(&report, "4.2.1").status, Warn);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].file, "/var/lib/kubelet/config.yaml");
    // A relative --config is relative to a working directory the root does not show.
    node.process(700, &["kubelet", "--config=kubelet_conf.json"]);
    let report = node.run(&Options::default());
    let c = check(&report, "4.2.1");
    assert_eq!(c.status, Warn);
    assert!(
        c.actual
            .contains("relative to the process's working directory"),
        "{}",
        c.actual
    );
}

#[test]
fn managed_platform_marks_the_control_plane_not_applicable() {
    // --platform with a CIS Kubernetes Benchmark chosen explicitly runs
    // that benchmark; what the provider controls does not apply.
    let node = kubeadm_control_plane();
    let report = node.run(&Options {
        benchmark: Some(Benchmark::Cis111),
        platform: Some(Platform::Eks),
        ..Options::default()
    });
    for c in &report.checks {
        if c.target == Target::Node {
            continue;
        }
        assert_eq!(c.status, Info, "{}", c.id);
        assert!(c.actual.contains("Amazon EKS"));
    }
    assert_eq!(check(&report, "4.1.9").status, Fail);
}

#[test]
fn apiserver_authorization_config_file() {
    let node = FakeNode::new(false);
    node.file("/etc/kubernetes/authz.yaml", "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n- type: Node\n  name: node\n- type: RBAC\n  name: rbac\n", 0o600);
    node.process(
        10,
        &[
            "kube-apiserver",
            "--authorization-config=/etc/kubernetes/authz.yaml",
        ],
    );
    let report = node.run(&Options {
        benchmark: Some(Benchmark::Cis112),
        ..Options::default()
    });
    for id in ["1.2.6", "1.2.7", "1.2.8"] {
        let c = check(&report, id);
        assert_eq!(c.status, Pass, "{id}");
        assert_eq!(c.evidence, "/etc/kubernetes/authz.yaml:4");
    }
    let c = check(&report, "1.3.7");
    assert_eq!(c.status, Warn);
}

#[test]
fn absent_bind_address_is_all_interfaces() {
    let node = FakeNode::new(false);
    node.process(
        10,
        &[
            "kube-scheduler",
            "--kubeconfig=/etc/kubernetes/scheduler.conf",
        ],
    );
    let report = node.run(&Options::default());
    let c = check(&report, "1.4.2");
    assert_eq!((c.status, c.actual.as_str()), (Fail, "0.0.0.0"));
    assert_eq!(check(&report, "1.4.1").status, Fail);
}

#[test]
fn kubelet_drop_in_directory_overrides_the_config_file() {
    let node = FakeNode::new(false);
    node.file(
        "/var/lib/kubelet/config.yaml",
        KUBEADM_KUBELET_CONFIG,
        0o600,
    );
    node.file("/etc/kubernetes/kubelet.conf.d/10-anonymous.conf", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n", 0o600);
    node.file("/etc/kubernetes/kubelet.conf.d/20-timeout.conf", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstreamingConnectionIdleTimeout: 5m\n", 0o600);
    node.file(
        "/etc/kubernetes/kubelet.conf.d/README",
        "not a drop-in",
        0o600,
    );
    node.process(
        700,
        &[
            "kubelet",
            "--config=/var/lib/kubelet/config.yaml",
            "--config-dir=/etc/kubernetes/kubelet.conf.d",
        ],
    );
    let report = node.run(&Options::default());
    let c = check(&report, "4.2.1");
    assert_eq!(
        (c.status, c.evidence.as_str()),
        (Fail, "/etc/kubernetes/kubelet.conf.d/10-anonymous.conf:5")
    );
    let c = check(&report, "4.2.5");
    assert_eq!(
        (c.status, c.evidence.as_str()),
        (Pass, "/etc/kubernetes/kubelet.conf.d/20-timeout.conf:3")
    );
    // Settings no drop-in holds come from the file.
    assert_eq!(
        check(&report, "4.2.2").evidence,
        "/var/lib/kubelet/config.yaml:11"
    );
    // A flag still wins.
    node.process(
        700,
        &[
            "kubelet",
            "--config=/var/lib/kubelet/config.yaml",
            "--config-dir=/etc/kubernetes/kubelet.conf.d",
            "--anonymous-auth=false",
        ],
    );
    assert_eq!(check(&node.run(&Options::default()), "4.2.1").status, Pass);
    // An unreadable drop-in directory leaves what the flags do not set undecided.
    node.process(
        700,
        &[
            "kubelet",
            "--config=/var/lib/kubelet/config.yaml",
            "--config-dir=/etc/kubelet.d",
        ],
    );
    let report = node.run(&Options::default());
    assert_eq!(check(&report, "4.2.2").status, Warn);
    assert!(
        check(&report, "4.2.2")
            .actual
            .contains("--config-dir /etc/kubelet.d")
    );
}

#[test]
fn etcd_settings_from_its_environment() {
    let node = FakeNode::new(false);
    node.process(
        40,
        &[
            "/usr/local/bin/etcd",
            "--data-dir=/var/lib/etcd",
            "--auto-tls=false",
        ],
    );
    node.file(
        "/proc/40/environ",
        "PATH=/usr/bin\0ETCD_CERT_FILE=/etc/etcd/server.crt\0ETCD_KEY_FILE=/etc/etcd/server.key\0ETCD_CLIENT_CERT_AUTH=true\0ETCD_AUTO_TLS=true\0",
        0o400,
    );
    let report = node.run(&Options {
        targets: vec![Target::Etcd],
        ..Options::default()
    });
    let c = check(&report, "2.2");
    assert_eq!(
        (c.status, c.evidence.as_str()),
        (Pass, "etcd (pid 40) environment ETCD_CLIENT_CERT_AUTH=true")
    );
    assert_eq!(check(&report, "2.1").status, Pass);
    // A flag wins over the environment.
    let c = check(&report, "2.3");
    assert_eq!(
        (c.status, c.evidence.as_str()),
        (Pass, "etcd (pid 40) --auto-tls=false")
    );
    assert_eq!(check(&report, "2.5").status, Fail);
    // Without a readable environ, only the flags count.
    std::fs::remove_file(node.root().join("proc/40/environ")).unwrap();
    let report = node.run(&Options {
        targets: vec![Target::Etcd],
        ..Options::default()
    });
    assert_eq!(check(&report, "2.2").status, Fail);
}

#[test]
fn kubelet_serving_certificate_from_the_cluster() {
    let node = FakeNode::new(false);
    node.file(
        "/var/lib/kubelet/config.yaml",
        "kind: KubeletConfiguration\nserverTLSBootstrap: true\n",
        0o600,
    );
    node.process(700, &["kubelet", "--config=/var/lib/kubelet/config.yaml"]);
    let c = check(&node.run(&Options::default()), "4.2.9").clone();
    assert_eq!(
        (c.status, c.evidence.as_str()),
        (Pass, "/var/lib/kubelet/config.yaml:2")
    );
    node.process(
        700,
        &[
            "kubelet",
            "--config=/var/lib/kubelet/config.yaml",
            "--rotate-server-certificates=false",
        ],
    );
    let c = check(&node.run(&Options::default()), "4.2.9").clone();
    assert_eq!(c.status, Fail);
    assert!(c.expected.contains("serverTLSBootstrap"), "{}", c.expected);
}
