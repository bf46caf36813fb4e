//! etcd flags: CIS Kubernetes Benchmark v1.12 section 2.

use super::check::Require;
use super::flags::{Component, File};

/// etcd reads its flags with Go's `flag` package (one or two dashes), and
/// each flag also from `ETCD_<FLAG>`; with `--config-file` it ignores both.
static ETCD: Component = Component {
    binary: "etcd",
    bool_flags: &[
        "auto-tls",
        "client-cert-auth",
        "enable-pprof",
        "peer-auto-tls",
        "peer-client-cert-auth",
        "strict-reconfig-check",
    ],
    env_prefix: Some("ETCD_"),
    single_dash: true,
    file: File::Replaces(&["config-file"]),
};

flag_rules! {
    component: ETCD = "etcd";
    note: "Flags are read from `command` and `args` as etcd reads them: `-flag` or `--flag`, with `=value` or a separate value, the last occurrence winning. etcd also reads each flag from the environment variable `ETCD_<FLAG>` (`ETCD_CLIENT_CERT_AUTH` for `--client-cert-auth`), which kubeguard reads too; a flag on the command line wins. With `--config-file`, etcd ignores its flags and environment and kubeguard does not report.";

    /// Without a serving certificate etcd serves clients over plain HTTP:
    /// Secrets and every other object cross the network unencrypted, and
    /// clients cannot authenticate with certificates.
    CERT_FILE {
        code: "KG360",
        name: "etcd-cert-file",
        severity: High,
        cis: "2.1",
        refs: ["MITRE:T1040"],
        summary: "etcd serves clients without TLS (--cert-file unset)",
        flag: "cert-file",
        require: Require::Set,
        fails: "is not set",
        example: "--listen-client-urls=http://0.0.0.0:2379  # no --cert-file",
        fix: "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
        remediation: "Set --cert-file and --key-file to a serving certificate and serve clients on https:// URLs only.",
    }

    /// The key of etcd's serving certificate: without it etcd cannot serve
    /// clients over TLS.
    KEY_FILE {
        code: "KG361",
        name: "etcd-key-file",
        severity: High,
        cis: "2.1",
        refs: ["MITRE:T1040"],
        summary: "etcd serves clients without TLS (--key-file unset)",
        flag: "key-file",
        require: Require::Set,
        fails: "is not set",
        example: "--cert-file=/etc/kubernetes/pki/etcd/server.crt  # no --key-file",
        fix: "--key-file=/etc/kubernetes/pki/etcd/server.key",
        remediation: "Set --key-file together with --cert-file.",
    }

    /// etcd holds all cluster state, Secrets included, and authorizes nothing
    /// by default: any client that reaches its port reads and writes
    /// everything, and can make itself cluster-admin by writing RBAC objects.
    /// Client certificate authentication admits only clients with a
    /// certificate from etcd's trusted CA, such as the API server.
    CLIENT_CERT_AUTH {
        code: "KG362",
        name: "etcd-client-cert-auth",
        severity: Critical,
        cis: "2.2",
        refs: ["MITRE:T1552"],
        summary: "etcd accepts clients without a client certificate",
        flag: "client-cert-auth",
        require: Require::Bool(true),
        default: "false",
        fails: "is not `true`",
        example: "--client-cert-auth=false",
        fix: "--client-cert-auth=true",
        remediation: "Run etcd with --client-cert-auth=true and --trusted-ca-file set to the CA of its clients' certificates.",
    }

    /// With `--auto-tls` etcd serves clients with a self-signed certificate
    /// that clients cannot verify, so their connections are open to
    /// impersonation and interception.
    AUTO_TLS {
        code: "KG363",
        name: "etcd-auto-tls",
        severity: Medium,
        cis: "2.3",
        refs: ["MITRE:T1557"],
        summary: "etcd serves clients with a self-signed certificate (--auto-tls)",
        flag: "auto-tls",
        require: Require::Bool(false),
        default: "false",
        fails: "is `true`",
        example: "--auto-tls=true",
        fix: "--auto-tls=false",
        remediation: "Remove --auto-tls (or set it to false) and give etcd a serving certificate with --cert-file and --key-file.",
    }

    /// Without a peer certificate the members of an etcd cluster replicate
    /// all its data to each other unencrypted. Single-member clusters have
    /// no peer traffic, but the flag is still needed to add members safely.
    PEER_CERT_FILE {
        code: "KG364",
        name: "etcd-peer-cert-file",
        severity: Medium,
        cis: "2.4",
        refs: ["MITRE:T1040"],
        summary: "etcd peers communicate without TLS (--peer-cert-file unset)",
        flag: "peer-cert-file",
        require: Require::Set,
        fails: "is not set",
        example: "--listen-peer-urls=http://0.0.0.0:2380  # no --peer-cert-file",
        fix: "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
        remediation: "Set --peer-cert-file and --peer-key-file and use https:// peer URLs.",
    }

    /// The key of etcd's peer certificate: without it peers replicate data
    /// unencrypted.
    PEER_KEY_FILE {
        code: "KG365",
        name: "etcd-peer-key-file",
        severity: Medium,
        cis: "2.4",
        refs: ["MITRE:T1040"],
        summary: "etcd peers communicate without TLS (--peer-key-file unset)",
        flag: "peer-key-file",
        require: Require::Set,
        fails: "is not set",
        example: "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt  # no --peer-key-file",
        fix: "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
        remediation: "Set --peer-key-file together with --peer-cert-file.",
    }

    /// Without peer certificate authentication any host that reaches the
    /// peer port (2380) can talk to the members as one of them and receive
    /// the cluster's data.
    PEER_CLIENT_CERT_AUTH {
        code: "KG366",
        name: "etcd-peer-client-cert-auth",
        severity: High,
        cis: "2.5",
        refs: ["MITRE:T1552"],
        summary: "etcd accepts peers without a client certificate",
        flag: "peer-client-cert-auth",
        require: Require::Bool(true),
        default: "false",
        fails: "is not `true`",
        example: "--peer-client-cert-auth=false",
        fix: "--peer-client-cert-auth=true",
        remediation: "Run etcd with --peer-client-cert-auth=true and --peer-trusted-ca-file set to the CA of the peer certificates.",
    }

    /// With `--peer-auto-tls` the members use self-signed certificates that
    /// cannot be verified, so peer connections are open to impersonation and
    /// interception.
    PEER_AUTO_TLS {
        code: "KG367",
        name: "etcd-peer-auto-tls",
        severity: Medium,
        cis: "2.6",
        refs: ["MITRE:T1557"],
        summary: "etcd peers use self-signed certificates (--peer-auto-tls)",
        flag: "peer-auto-tls",
        require: Require::Bool(false),
        default: "false",
        fails: "is `true`",
        example: "--peer-auto-tls=true",
        fix: "--peer-auto-tls=false",
        remediation: "Remove --peer-auto-tls (or set it to false) and give the members peer certificates with --peer-cert-file and --peer-key-file.",
    }

    /// etcd verifies client certificates against this CA. Without it client
    /// certificate authentication cannot work; and it should be a CA for
    /// etcd alone, so that certificates issued to the rest of the cluster
    /// (kubelets, users) do not open etcd.
    TRUSTED_CA_FILE {
        code: "KG368",
        name: "etcd-trusted-ca-file",
        severity: Medium,
        cis: "2.7",
        summary: "etcd has no CA to verify client certificates (--trusted-ca-file unset)",
        flag: "trusted-ca-file",
        require: Require::Set,
        fails: "is not set",
        note: "Whether the CA is used by etcd alone, as CIS 2.7 asks, cannot be seen from the manifest.",
        example: "--client-cert-auth=true  # no --trusted-ca-file",
        fix: "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
        remediation: "Set --trusted-ca-file to a CA dedicated to etcd that signs only the API server's etcd client certificate (and etcd's own).",
    }
}
