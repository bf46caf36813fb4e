//! kubelet flags: CIS Kubernetes Benchmark v1.12 section 4.2, as
//! command-line flags of a kubelet run from a manifest.

use super::check::Require;
use super::flags::{Component, File};

/// The kubelet reads its flags with pflag; with `--config` (or
/// `--config-dir`) a KubeletConfiguration file supplies what the command
/// line leaves out, with other defaults than the flags'.
static KUBELET: Component = Component {
    binary: "kubelet",
    bool_flags: &[
        "anonymous-auth",
        "authentication-token-webhook",
        "fail-swap-on",
        "make-iptables-util-chains",
        "protect-kernel-defaults",
        "rotate-certificates",
        "rotate-server-certificates",
        "seccomp-default",
    ],
    env_prefix: None,
    single_dash: false,
    file: File::FillsAbsent(&["config", "config-dir"]),
};

flag_rules! {
    component: KUBELET = "kubelet";
    note: "Flags are read from `command` and `args` as the kubelet reads them: `--flag=value` or `--flag value`, the last occurrence winning, repeated list flags adding up and repeated `--feature-gates` merging. Only command-line flags are checked: when the kubelet runs with `--config` (or `--config-dir`) and the flag is absent, the KubeletConfiguration file supplies the value; checking that file is out of scope for this rule, and kubeguard does not report.";

    /// The kubelet API (port 10250) lists pods, streams logs and runs
    /// commands in containers. Anonymous requests are served as
    /// `system:anonymous`; with the flag default `AlwaysAllow` authorization
    /// that is command execution in every pod of the node for anyone who can
    /// reach it.
    ANONYMOUS_AUTH {
        code: "KG380",
        name: "kubelet-anonymous-auth",
        severity: High,
        cis: "4.2.1",
        refs: ["NSA-CISA:authentication", "MITRE:T1609"],
        summary: "kubelet accepts anonymous requests",
        flag: "anonymous-auth",
        require: Require::Bool(false),
        default: "true",
        fails: "is not `false`",
        example: "--anonymous-auth=true",
        fix: "--anonymous-auth=false",
        remediation: "Run the kubelet with --anonymous-auth=false (or authentication.anonymous.enabled: false in its config file).",
    }

    /// With `AlwaysAllow` (the flag default) every request that authenticates,
    /// and every anonymous one if anonymous auth is on, may use the whole
    /// kubelet API: exec into any container of the node, read its logs and
    /// secrets mounted in pods. `Webhook` asks the API server through
    /// SubjectAccessReviews instead.
    AUTHORIZATION_MODE {
        code: "KG381",
        name: "kubelet-authorization-mode",
        severity: Critical,
        cis: "4.2.2",
        refs: ["NSA-CISA:authorization", "MITRE:T1609"],
        summary: "kubelet authorizes every request (AlwaysAllow)",
        flag: "authorization-mode",
        require: Require::NotEqual("AlwaysAllow"),
        default: "AlwaysAllow",
        fails: "is `AlwaysAllow`",
        example: "--authorization-mode=AlwaysAllow",
        fix: "--authorization-mode=Webhook",
        remediation: "Run the kubelet with --authorization-mode=Webhook (or authorization.mode: Webhook in its config file).",
    }

    /// Without a client CA the kubelet cannot authenticate the API server or
    /// any other client by certificate; requests to its API are then
    /// anonymous or rely on bearer tokens alone.
    CLIENT_CA_FILE {
        code: "KG382",
        name: "kubelet-client-ca-file",
        severity: High,
        cis: "4.2.3",
        refs: ["NSA-CISA:authentication"],
        summary: "kubelet does not authenticate client certificates (--client-ca-file unset)",
        flag: "client-ca-file",
        require: Require::Set,
        fails: "is not set",
        example: "--anonymous-auth=false  # no --client-ca-file",
        fix: "--client-ca-file=/etc/kubernetes/pki/ca.crt",
        remediation: "Set --client-ca-file to the CA that signs the API server's kubelet client certificate.",
    }

    /// The read-only port (10255 when the flag is absent) serves pod specs,
    /// including environment variable values, node details and metrics with
    /// no authentication or authorization: anything that reaches the node
    /// learns what runs there and how.
    READ_ONLY_PORT {
        code: "KG383",
        name: "kubelet-read-only-port",
        severity: High,
        cis: "4.2.4",
        refs: ["MITRE:T1613"],
        summary: "kubelet serves its unauthenticated read-only port",
        flag: "read-only-port",
        require: Require::Int(0),
        default: "10255",
        fails: "is not `0`",
        example: "--read-only-port=10255",
        fix: "--read-only-port=0",
        remediation: "Run the kubelet with --read-only-port=0 and read metrics from the authenticated port 10250.",
    }

    /// With a timeout of 0, exec, attach and port-forward sessions are never
    /// closed for inactivity: forgotten sessions stay open for whoever can
    /// take them over, and idle connections pile up on the node.
    STREAMING_CONNECTION_IDLE_TIMEOUT {
        code: "KG384",
        name: "kubelet-streaming-connection-idle-timeout",
        severity: Low,
        cis: "4.2.5",
        summary: "kubelet never closes idle streaming connections",
        flag: "streaming-connection-idle-timeout",
        require: Require::PositiveDuration,
        default: "4h0m0s",
        fails: "is not a positive duration",
        example: "--streaming-connection-idle-timeout=0",
        fix: "--streaming-connection-idle-timeout=5m",
        remediation: "Set --streaming-connection-idle-timeout to a positive duration such as 5m, or remove it (the default is 4h).",
    }

    /// The kubelet keeps the iptables utility chains that pod networking
    /// relies on in step with the node. With management off they must be
    /// kept by hand and drift, which can leave traffic allowed that should
    /// be dropped.
    MAKE_IPTABLES_UTIL_CHAINS {
        code: "KG385",
        name: "kubelet-make-iptables-util-chains",
        severity: Low,
        cis: "4.2.6",
        summary: "kubelet does not manage its iptables utility chains",
        flag: "make-iptables-util-chains",
        require: Require::Bool(true),
        default: "true",
        fails: "is not `true`",
        example: "--make-iptables-util-chains=false",
        fix: "--make-iptables-util-chains=true",
        remediation: "Remove --make-iptables-util-chains=false (the default is true).",
    }

    /// A node name that differs from the host's name breaks the TLS
    /// verification between the API server and the kubelet (serving
    /// certificates name the host), which tempts operators into turning
    /// verification off.
    HOSTNAME_OVERRIDE {
        code: "KG386",
        name: "kubelet-hostname-override",
        severity: Low,
        cis: "4.2.7",
        summary: "kubelet overrides its hostname",
        flag: "hostname-override",
        require: Require::Unset,
        fails: "is set",
        example: "--hostname-override=worker-1",
        remediation: "Remove --hostname-override and let the kubelet use the host's name.",
    }

    /// Without a serving certificate, and without serving certificate
    /// rotation, the kubelet makes a self-signed certificate the API server
    /// cannot verify: its connections to the kubelet (logs, exec) can be
    /// intercepted.
    TLS_CERT_FILE {
        code: "KG387",
        name: "kubelet-tls-cert-file",
        severity: Medium,
        cis: "4.2.9",
        refs: ["MITRE:T1557"],
        summary: "kubelet has no serving certificate (--tls-cert-file unset)",
        flag: "tls-cert-file",
        require: Require::SetUnless("rotate-server-certificates"),
        fails: "is not set",
        note: "With `--rotate-server-certificates=true` the kubelet gets its serving certificate from the API server and kubeguard does not report.",
        example: "--tls-private-key-file=/var/lib/kubelet/pki/kubelet.key  # no --tls-cert-file",
        fix: "--tls-cert-file=/var/lib/kubelet/pki/kubelet.crt",
        remediation: "Set --tls-cert-file and --tls-private-key-file to a serving certificate from the cluster CA, or run with --rotate-server-certificates=true.",
    }

    /// The key of the kubelet's serving certificate: without it the kubelet
    /// falls back to a self-signed certificate the API server cannot verify.
    TLS_PRIVATE_KEY_FILE {
        code: "KG388",
        name: "kubelet-tls-private-key-file",
        severity: Medium,
        cis: "4.2.9",
        refs: ["MITRE:T1557"],
        summary: "kubelet has no serving key (--tls-private-key-file unset)",
        flag: "tls-private-key-file",
        require: Require::SetUnless("rotate-server-certificates"),
        fails: "is not set",
        note: "With `--rotate-server-certificates=true` the kubelet gets its serving certificate from the API server and kubeguard does not report.",
        example: "--tls-cert-file=/var/lib/kubelet/pki/kubelet.crt  # no --tls-private-key-file",
        fix: "--tls-private-key-file=/var/lib/kubelet/pki/kubelet.key",
        remediation: "Set --tls-private-key-file together with --tls-cert-file, or run with --rotate-server-certificates=true.",
    }

    /// Without rotation (the flag default is off) the kubelet's client
    /// certificate is never renewed: it expires and takes the node offline,
    /// or is issued for so long that a stolen copy stays useful.
    ROTATE_CERTIFICATES {
        code: "KG389",
        name: "kubelet-rotate-certificates",
        severity: Medium,
        cis: "4.2.10",
        summary: "kubelet does not rotate its client certificate",
        flag: "rotate-certificates",
        require: Require::Bool(true),
        default: "false",
        fails: "is not `true`",
        example: "--rotate-certificates=false",
        fix: "--rotate-certificates=true",
        remediation: "Run the kubelet with --rotate-certificates=true (or rotateCertificates: true in its config file).",
    }

    /// The `RotateKubeletServerCertificate` feature gate (on by default) lets
    /// the kubelet request and renew its serving certificate through
    /// CertificateSigningRequests. Turned off, serving certificates are not
    /// rotated: they expire, or stay valid for their whole life after a
    /// compromise.
    ROTATE_KUBELET_SERVER_CERTIFICATE {
        code: "KG390",
        name: "kubelet-rotate-kubelet-server-certificate",
        severity: Low,
        cis: "4.2.11",
        summary: "kubelet turns off serving certificate rotation",
        flag: "feature-gates",
        require: Require::GateNotFalse("RotateKubeletServerCertificate"),
        fails: "sets `RotateKubeletServerCertificate=false`",
        example: "--feature-gates=RotateKubeletServerCertificate=false",
        fix: "--feature-gates=RotateKubeletServerCertificate=true",
        remediation: "Remove RotateKubeletServerCertificate=false from --feature-gates (the gate is on by default).",
    }

    /// Suites without forward secrecy or with CBC mode leave recorded
    /// traffic decryptable after a key leak, or open to padding-oracle
    /// attacks. Without the flag, Go's default suites apply, and they
    /// include CBC-mode suites.
    TLS_CIPHER_SUITES {
        code: "KG391",
        name: "kubelet-tls-cipher-suites",
        severity: Low,
        cis: "4.2.12",
        summary: "kubelet accepts weak TLS cipher suites",
        flag: "tls-cipher-suites",
        require: Require::StrongCiphers,
        fails: "is not set or lists a suite outside the strong list (ECDHE with AES-GCM or ChaCha20-Poly1305, or TLS 1.3 suites)",
        example: "--tls-cipher-suites=TLS_RSA_WITH_AES_128_GCM_SHA256",
        fix: "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        remediation: "Set --tls-cipher-suites to ECDHE suites with AES-GCM or ChaCha20-Poly1305 only.",
    }

    /// Without a limit (the default, -1) one pod can fork until the node
    /// runs out of process IDs, starving the kubelet, the container runtime
    /// and every other pod on the node.
    POD_MAX_PIDS {
        code: "KG392",
        name: "kubelet-pod-max-pids",
        severity: Low,
        cis: "4.2.13",
        refs: ["MITRE:T1499"],
        summary: "kubelet sets no limit on processes per pod",
        flag: "pod-max-pids",
        require: Require::AtLeast(1),
        default: "-1",
        fails: "is not a positive number",
        example: "--pod-max-pids=-1",
        fix: "--pod-max-pids=4096",
        remediation: "Set --pod-max-pids (or podPidsLimit in the config file) to a limit the node can sustain for each pod, such as 4096.",
    }

    /// Containers that set no seccomp profile run `Unconfined`, with every
    /// system call open to an attacker who gets code execution. With
    /// `--seccomp-default` the container runtime's default profile applies
    /// to them.
    SECCOMP_DEFAULT {
        code: "KG393",
        name: "kubelet-seccomp-default",
        severity: Low,
        cis: "4.2.14",
        refs: ["MITRE:T1611"],
        summary: "kubelet runs containers without a seccomp profile unconfined",
        flag: "seccomp-default",
        require: Require::Bool(true),
        default: "false",
        fails: "is not `true`",
        example: "--seccomp-default=false",
        fix: "--seccomp-default=true",
        remediation: "Run the kubelet with --seccomp-default=true (or seccompDefault: true in its config file), after checking workloads run under RuntimeDefault.",
    }

    /// With `--protect-kernel-defaults` the kubelet refuses to start when
    /// the node's kernel tunables (overcommit, panic on OOM, ...) differ
    /// from what it needs, instead of changing them: a node whose kernel
    /// settings were tampered with or drifted is not silently run. The
    /// flag defaults to false.
    PROTECT_KERNEL_DEFAULTS {
        code: "KG394",
        name: "kubelet-protect-kernel-defaults",
        severity: Low,
        summary: "kubelet changes kernel tunables instead of refusing ones that differ",
        flag: "protect-kernel-defaults",
        require: Require::Bool(true),
        default: "false",
        fails: "is not `true`",
        example: "--protect-kernel-defaults=false",
        fix: "--protect-kernel-defaults=true",
        remediation: "Run the kubelet with --protect-kernel-defaults=true (or protectKernelDefaults: true in its config file), after setting the kernel tunables the kubelet expects on the node.",
    }
}
