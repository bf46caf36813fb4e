//! kube-controller-manager flags: CIS Kubernetes Benchmark v1.12 section 1.3.

use super::check::Require;
use super::flags::{Component, File};

/// kube-controller-manager reads its flags with pflag.
static KUBE_CONTROLLER_MANAGER: Component = Component {
    binary: "kube-controller-manager",
    bool_flags: &[
        "allocate-node-cidrs",
        "enable-dynamic-provisioning",
        "enable-garbage-collector",
        "enable-hostpath-provisioner",
        "leader-elect",
        "profiling",
        "use-service-account-credentials",
    ],
    env_prefix: None,
    single_dash: false,
    file: File::None,
};

flag_rules! {
    component: KUBE_CONTROLLER_MANAGER = "kube-controller-manager";
    note: "Flags are read from `command` and `args` as kube-controller-manager reads them: `--flag=value` or `--flag value`, the last occurrence winning, and repeated `--feature-gates` merging.";

    /// Terminated pods are garbage-collected only beyond this many. The
    /// default of 12500 can keep enough dead pods, and their objects in
    /// etcd, to slow down the API server and the controllers; a threshold
    /// sized for the cluster keeps them in check. A threshold of 0 or less
    /// turns the terminated pod collector off: dead pods pile up without
    /// bound.
    TERMINATED_POD_GC_THRESHOLD {
        code: "KG340",
        name: "kube-controller-manager-terminated-pod-gc-threshold",
        severity: Low,
        cis: "1.3.1",
        summary: "kube-controller-manager keeps up to 12500 terminated pods (no --terminated-pod-gc-threshold)",
        flag: "terminated-pod-gc-threshold",
        require: Require::SetPositive("the terminated pod garbage collector"),
        default: "12500",
        fails: "is not set, or is 0 or less",
        example: "--kubeconfig=/etc/kubernetes/controller-manager.conf  # no --terminated-pod-gc-threshold",
        fix: "--terminated-pod-gc-threshold=1000",
        remediation: "Set --terminated-pod-gc-threshold to a number of terminated pods the cluster can hold, such as 1000.",
    }

    /// The `/debug/pprof` endpoints expose detailed runtime data and let a
    /// client with access make the controller manager do expensive
    /// profiling work; they are a debugging aid with no place in production.
    PROFILING {
        code: "KG341",
        name: "kube-controller-manager-profiling",
        severity: Low,
        cis: "1.3.2",
        summary: "kube-controller-manager exposes profiling endpoints",
        flag: "profiling",
        require: Require::Bool(false),
        default: "true",
        fails: "is not `false`",
        example: "--profiling=true",
        fix: "--profiling=false",
        remediation: "Run kube-controller-manager with --profiling=false.",
    }

    /// Without it every controller runs with the controller manager's own
    /// credentials, which must hold the permissions of all controllers
    /// together: a flaw in any controller can use all of them. With it each
    /// controller uses its own service account and narrow RBAC role.
    USE_SERVICE_ACCOUNT_CREDENTIALS {
        code: "KG342",
        name: "kube-controller-manager-use-service-account-credentials",
        severity: Medium,
        cis: "1.3.3",
        refs: ["NSA-CISA:authorization"],
        summary: "kube-controller-manager runs all controllers with one shared credential",
        flag: "use-service-account-credentials",
        require: Require::Bool(true),
        default: "false",
        fails: "is not `true`",
        example: "--use-service-account-credentials=false",
        fix: "--use-service-account-credentials=true",
        remediation: "Run kube-controller-manager with --use-service-account-credentials=true.",
    }

    /// This key signs the tokens of legacy service account token Secrets.
    /// Without it the controller manager does not issue them (pods get
    /// short-lived tokens from the API server since Kubernetes 1.22 anyway),
    /// so a missing flag is a deviation from the benchmark, not a risk; the
    /// benchmark asks for it so that the key is managed and rotated
    /// alongside the API server's `--service-account-key-file`.
    SERVICE_ACCOUNT_PRIVATE_KEY_FILE {
        code: "KG343",
        name: "kube-controller-manager-service-account-private-key-file",
        severity: Low,
        cis: "1.3.4",
        summary: "kube-controller-manager sets no key for legacy service account token Secrets (CIS deviation)",
        flag: "service-account-private-key-file",
        require: Require::Explicit("without it the controller manager only stops issuing legacy token Secrets"),
        fails: "is not set",
        example: "--root-ca-file=/etc/kubernetes/pki/ca.crt  # no --service-account-private-key-file",
        fix: "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
        remediation: "Set --service-account-private-key-file to the private key whose public key the API server's --service-account-key-file holds.",
    }

    /// The root CA bundle is published to every namespace
    /// (`kube-root-ca.crt`) and mounted with service account tokens so that
    /// pods can verify the API server's certificate. Without the flag the
    /// controller manager publishes the CA of its own kubeconfig, which
    /// verifies the same API server: a missing flag is a deviation from the
    /// benchmark, which asks for the bundle to be named explicitly, not a
    /// way for an impostor in.
    ROOT_CA_FILE {
        code: "KG344",
        name: "kube-controller-manager-root-ca-file",
        severity: Low,
        cis: "1.3.5",
        summary: "kube-controller-manager names no root CA bundle explicitly (CIS deviation)",
        flag: "root-ca-file",
        require: Require::Explicit("without it the controller manager publishes the CA of its kubeconfig to pods"),
        fails: "is not set",
        example: "--service-account-private-key-file=/etc/kubernetes/pki/sa.key  # no --root-ca-file",
        fix: "--root-ca-file=/etc/kubernetes/pki/ca.crt",
        remediation: "Set --root-ca-file to the CA bundle that signs the API server's serving certificate.",
    }

    /// The `RotateKubeletServerCertificate` feature gate (on by default) lets
    /// kubelet serving certificates be requested and renewed through
    /// CertificateSigningRequests. Turned off, they are not rotated: they
    /// expire, or stay valid for their whole life after a compromise.
    ROTATE_KUBELET_SERVER_CERTIFICATE {
        code: "KG345",
        name: "kube-controller-manager-rotate-kubelet-server-certificate",
        severity: Medium,
        cis: "1.3.6",
        summary: "kube-controller-manager turns off kubelet serving certificate rotation",
        flag: "feature-gates",
        require: Require::GateNotFalse("RotateKubeletServerCertificate"),
        fails: "sets `RotateKubeletServerCertificate=false`",
        example: "--feature-gates=RotateKubeletServerCertificate=false",
        fix: "--feature-gates=RotateKubeletServerCertificate=true",
        remediation: "Remove RotateKubeletServerCertificate=false from --feature-gates (the gate is on by default).",
    }

    /// The controller manager serves `/metrics`, `/healthz` and, with
    /// profiling, `/debug/pprof` on its secure port (10257). Bound to all
    /// interfaces (the default, `0.0.0.0`), and with the host's network as
    /// static pods have, the port is reachable from the network; bound to
    /// loopback only local clients reach it.
    BIND_ADDRESS {
        code: "KG346",
        name: "kube-controller-manager-bind-address",
        severity: Medium,
        cis: "1.3.7",
        refs: ["MITRE:T1046"],
        summary: "kube-controller-manager serves on all interfaces",
        flag: "bind-address",
        require: Require::Loopback,
        default: "0.0.0.0",
        fails: "is not a loopback address",
        example: "--bind-address=0.0.0.0",
        fix: "--bind-address=127.0.0.1",
        remediation: "Run kube-controller-manager with --bind-address=127.0.0.1.",
    }
}
