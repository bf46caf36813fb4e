//! kube-apiserver flags: CIS Kubernetes Benchmark v1.12 section 1.2, and
//! the audit policy of 3.2.1.

use super::check::Require;
use super::flags::{Component, File};

/// kube-apiserver reads its flags with pflag.
static KUBE_APISERVER: Component = Component {
    binary: "kube-apiserver",
    bool_flags: &[
        "allow-privileged",
        "anonymous-auth",
        "enable-aggregator-routing",
        "enable-bootstrap-token-auth",
        "enable-garbage-collector",
        "enable-priority-and-fairness",
        "kubelet-https",
        "profiling",
        "service-account-extend-token-expiration",
        "service-account-lookup",
    ],
    env_prefix: None,
    single_dash: false,
    file: File::None,
};

/// `--authorization-config` replaces `--authorization-mode` (the two are
/// mutually exclusive).
const AUTHORIZATION_CONFIG: File = File::Replaces(&["authorization-config"]);

flag_rules! {
    component: KUBE_APISERVER = "kube-apiserver";
    note: "Flags are read from `command` and `args` as kube-apiserver reads them: `--flag=value` or `--flag value`, the last occurrence winning, and repeated list flags (`--authorization-mode`, `--enable-admission-plugins`, ...) adding up.";

    /// Requests without credentials are served as `system:anonymous` in the
    /// group `system:unauthenticated`. Every RBAC binding to those subjects,
    /// made by mistake or shipped by an add-on, then opens the API to anyone
    /// who can reach it, and anonymous discovery and version endpoints help
    /// attackers map the cluster.
    ANONYMOUS_AUTH {
        code: "KG300",
        name: "kube-apiserver-anonymous-auth",
        severity: High,
        cis: "1.2.1",
        refs: ["NSA-CISA:authentication", "MITRE:T1078"],
        summary: "kube-apiserver accepts anonymous requests",
        flag: "anonymous-auth",
        require: Require::Bool(false),
        default: "true",
        file: File::FillsAbsent(&["authentication-config"]),
        fails: "is not `false`",
        note: "With `--authentication-config` and no `--anonymous-auth`, the configuration file decides and kubeguard does not report.",
        example: "--anonymous-auth=true",
        fix: "--anonymous-auth=false",
        remediation: "Run kube-apiserver with --anonymous-auth=false; on Kubernetes 1.32 and later, if probes need it, allow anonymous access only to /livez, /readyz and /healthz in the anonymous section of --authentication-config.",
    }

    /// Static tokens sit in clear text on the control-plane node, never
    /// expire, and can only be changed or revoked by editing the file and
    /// restarting the API server: a leaked token stays valid indefinitely.
    TOKEN_AUTH_FILE {
        code: "KG301",
        name: "kube-apiserver-token-auth-file",
        severity: High,
        cis: "1.2.2",
        refs: ["NSA-CISA:authentication"],
        summary: "kube-apiserver authenticates with a static token file",
        flag: "token-auth-file",
        require: Require::Unset,
        fails: "is set",
        example: "--token-auth-file=/etc/kubernetes/known-tokens.csv",
        remediation: "Remove --token-auth-file; authenticate users with client certificates or an OIDC provider and workloads with service account tokens.",
    }

    /// Anyone allowed to create or update a Service can set
    /// `spec.externalIPs` to any address and intercept the traffic the
    /// cluster sends to it (CVE-2020-8554, which has no fix other than
    /// blocking the field). The `DenyServiceExternalIPs` admission plugin
    /// rejects new external IPs; it is off by default.
    DENY_SERVICE_EXTERNAL_IPS {
        code: "KG302",
        name: "kube-apiserver-admission-plugin-deny-service-external-ips",
        severity: Medium,
        cis: "1.2.3",
        refs: ["CVE-2020-8554", "MITRE:T1557"],
        summary: "kube-apiserver does not enable the DenyServiceExternalIPs admission plugin",
        flag: "enable-admission-plugins",
        require: Require::Plugin { name: "DenyServiceExternalIPs", on_by_default: false, enabled: true },
        fails: "does not include `DenyServiceExternalIPs`",
        example: "--enable-admission-plugins=NodeRestriction",
        fix: "--enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs",
        remediation: "Add DenyServiceExternalIPs to --enable-admission-plugins, or block spec.externalIPs with a policy if some Services legitimately need it.",
    }

    /// Without a client certificate, the API server calls the kubelet API
    /// (logs, exec, attach, port-forward) without authenticating: kubelets
    /// that require authentication refuse it, so the kubelets must accept
    /// anonymous requests for it to work.
    KUBELET_CLIENT_CERTIFICATE {
        code: "KG303",
        name: "kube-apiserver-kubelet-client-certificate",
        severity: High,
        cis: "1.2.4",
        summary: "kube-apiserver has no client certificate for kubelets",
        flag: "kubelet-client-certificate",
        require: Require::Set,
        fails: "is not set",
        example: "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key  # no --kubelet-client-certificate",
        fix: "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
        remediation: "Set --kubelet-client-certificate and --kubelet-client-key to a client certificate the kubelets trust.",
    }

    /// The key of the API server's kubelet client certificate: without it
    /// the certificate cannot be used and the API server calls kubelets
    /// without authenticating.
    KUBELET_CLIENT_KEY {
        code: "KG304",
        name: "kube-apiserver-kubelet-client-key",
        severity: High,
        cis: "1.2.4",
        summary: "kube-apiserver has no client key for kubelets",
        flag: "kubelet-client-key",
        require: Require::Set,
        fails: "is not set",
        example: "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt  # no --kubelet-client-key",
        fix: "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
        remediation: "Set --kubelet-client-key together with --kubelet-client-certificate.",
    }

    /// Without a CA, the API server does not verify the kubelets it connects
    /// to: anyone on the network path can pose as a node, read the exec and
    /// log streams sent through it and inject output.
    KUBELET_CERTIFICATE_AUTHORITY {
        code: "KG305",
        name: "kube-apiserver-kubelet-certificate-authority",
        severity: High,
        cis: "1.2.5",
        refs: ["MITRE:T1557"],
        summary: "kube-apiserver does not verify kubelet serving certificates",
        flag: "kubelet-certificate-authority",
        require: Require::Set,
        fails: "is not set",
        example: "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt  # no --kubelet-certificate-authority",
        fix: "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt",
        remediation: "Set --kubelet-certificate-authority to the CA that signs kubelet serving certificates, and give kubelets serving certificates from it (serverTLSBootstrap with approved CSRs).",
    }

    /// With `AlwaysAllow` every authenticated request is allowed and the
    /// authorizers after it are never asked: every user and service account
    /// (and, with anonymous auth, everyone) is effectively cluster-admin.
    /// `--authorization-mode` defaults to `AlwaysAllow` when
    /// `--authorization-config` is not used.
    AUTHORIZATION_MODE {
        code: "KG306",
        name: "kube-apiserver-authorization-mode",
        severity: Critical,
        cis: "1.2.6",
        refs: ["NSA-CISA:authorization", "MITRE:T1078"],
        summary: "kube-apiserver authorizes every request (AlwaysAllow)",
        flag: "authorization-mode",
        require: Require::Excludes("AlwaysAllow"),
        default: "AlwaysAllow",
        file: AUTHORIZATION_CONFIG,
        fails: "includes `AlwaysAllow`",
        note: "With `--authorization-config` the configuration file decides and kubeguard does not report.",
        example: "--authorization-mode=AlwaysAllow",
        fix: "--authorization-mode=Node,RBAC",
        remediation: "Set --authorization-mode=Node,RBAC (without AlwaysAllow), or configure the authorizers with --authorization-config.",
    }

    /// The Node authorizer limits each kubelet to the objects its own pods
    /// need. Without it, kubelets are authorized by RBAC alone, which has to
    /// let every node read all secrets, config maps and pods: one compromised
    /// node then exposes the whole cluster's secrets.
    AUTHORIZATION_MODE_NODE {
        code: "KG307",
        name: "kube-apiserver-authorization-mode-node",
        severity: Medium,
        cis: "1.2.7",
        summary: "kube-apiserver does not use the Node authorizer",
        flag: "authorization-mode",
        require: Require::Includes("Node"),
        default: "AlwaysAllow",
        file: AUTHORIZATION_CONFIG,
        fails: "does not include `Node`",
        note: "With `--authorization-config` the configuration file decides and kubeguard does not report.",
        example: "--authorization-mode=RBAC",
        fix: "--authorization-mode=Node,RBAC",
        remediation: "Add Node to --authorization-mode (--authorization-mode=Node,RBAC) and enable the NodeRestriction admission plugin.",
    }

    /// RBAC is the authorizer that Roles, ClusterRoles and their bindings
    /// feed. Without it those objects have no effect, and access is decided
    /// by ABAC policy files, webhooks or `AlwaysAllow`, which are harder to
    /// review and to keep least-privilege.
    AUTHORIZATION_MODE_RBAC {
        code: "KG308",
        name: "kube-apiserver-authorization-mode-rbac",
        severity: High,
        cis: "1.2.8",
        refs: ["NSA-CISA:authorization"],
        summary: "kube-apiserver does not use RBAC authorization",
        flag: "authorization-mode",
        require: Require::Includes("RBAC"),
        default: "AlwaysAllow",
        file: AUTHORIZATION_CONFIG,
        fails: "does not include `RBAC`",
        note: "With `--authorization-config` the configuration file decides and kubeguard does not report.",
        example: "--authorization-mode=Node,ABAC",
        fix: "--authorization-mode=Node,RBAC",
        remediation: "Add RBAC to --authorization-mode (--authorization-mode=Node,RBAC) and grant access through Roles and RoleBindings.",
    }

    /// A misbehaving or hostile client can flood the API server with Event
    /// objects, filling etcd and starving other requests. `EventRateLimit`
    /// caps event creation per server, namespace, user or object; it is off
    /// by default.
    EVENT_RATE_LIMIT {
        code: "KG309",
        name: "kube-apiserver-admission-plugin-event-rate-limit",
        severity: Low,
        cis: "1.2.9",
        refs: ["MITRE:T1499"],
        summary: "kube-apiserver does not enable the EventRateLimit admission plugin",
        flag: "enable-admission-plugins",
        require: Require::Plugin { name: "EventRateLimit", on_by_default: false, enabled: true },
        fails: "does not include `EventRateLimit`",
        example: "--enable-admission-plugins=NodeRestriction",
        fix: "--enable-admission-plugins=NodeRestriction,EventRateLimit",
        remediation: "Add EventRateLimit to --enable-admission-plugins and set its limits in the file named by --admission-control-config-file.",
    }

    /// `AlwaysAdmit` is deprecated and checks nothing: it is a leftover of
    /// setups that meant to let every request through admission, and it
    /// usually stands where a plugin that filters requests belongs.
    ALWAYS_ADMIT {
        code: "KG310",
        name: "kube-apiserver-admission-plugin-always-admit",
        severity: Medium,
        cis: "1.2.10",
        summary: "kube-apiserver enables the AlwaysAdmit admission plugin",
        flag: "enable-admission-plugins",
        require: Require::Plugin { name: "AlwaysAdmit", on_by_default: false, enabled: false },
        fails: "includes `AlwaysAdmit`",
        example: "--enable-admission-plugins=AlwaysAdmit,NodeRestriction",
        fix: "--enable-admission-plugins=NodeRestriction",
        remediation: "Remove AlwaysAdmit from --enable-admission-plugins (and from --admission-control).",
    }

    /// Without `AlwaysPullImages`, a pod scheduled where a private image is
    /// already cached can run it with `imagePullPolicy: IfNotPresent` or
    /// `Never` without the credentials to pull it. The plugin forces a pull,
    /// so registry credentials are checked for every pod; it is off by
    /// default.
    ALWAYS_PULL_IMAGES {
        code: "KG311",
        name: "kube-apiserver-admission-plugin-always-pull-images",
        severity: Medium,
        cis: "1.2.11",
        summary: "kube-apiserver does not enable the AlwaysPullImages admission plugin",
        flag: "enable-admission-plugins",
        require: Require::Plugin { name: "AlwaysPullImages", on_by_default: false, enabled: true },
        fails: "does not include `AlwaysPullImages`",
        example: "--enable-admission-plugins=NodeRestriction",
        fix: "--enable-admission-plugins=NodeRestriction,AlwaysPullImages",
        remediation: "Add AlwaysPullImages to --enable-admission-plugins, after making sure the registries can serve a pull for every pod start.",
    }

    /// The `ServiceAccount` plugin gives every pod a service account, checks
    /// that it exists and mounts its token as the pod asks. Without it pods
    /// can name service accounts that do not exist and token mounting is no
    /// longer controlled by the API server. It is on by default, so only
    /// `--disable-admission-plugins` (or a `--admission-control` list
    /// without it) turns it off.
    SERVICE_ACCOUNT {
        code: "KG312",
        name: "kube-apiserver-admission-plugin-service-account",
        severity: Medium,
        cis: "1.2.12",
        summary: "kube-apiserver disables the ServiceAccount admission plugin",
        flag: "disable-admission-plugins",
        require: Require::Plugin { name: "ServiceAccount", on_by_default: true, enabled: true },
        fails: "includes `ServiceAccount`",
        example: "--disable-admission-plugins=ServiceAccount",
        remediation: "Remove ServiceAccount from --disable-admission-plugins (it is enabled by default), or add it to the deprecated --admission-control list if that is used.",
    }

    /// `NamespaceLifecycle` refuses new objects in namespaces that do not
    /// exist or are being deleted, and keeps `default`, `kube-system` and
    /// `kube-public` from being deleted. Without it objects can be created in
    /// a terminating namespace and outlive the cleanup meant to remove them.
    /// It is on by default.
    NAMESPACE_LIFECYCLE {
        code: "KG313",
        name: "kube-apiserver-admission-plugin-namespace-lifecycle",
        severity: Medium,
        cis: "1.2.13",
        summary: "kube-apiserver disables the NamespaceLifecycle admission plugin",
        flag: "disable-admission-plugins",
        require: Require::Plugin { name: "NamespaceLifecycle", on_by_default: true, enabled: true },
        fails: "includes `NamespaceLifecycle`",
        example: "--disable-admission-plugins=NamespaceLifecycle",
        remediation: "Remove NamespaceLifecycle from --disable-admission-plugins (it is enabled by default), or add it to the deprecated --admission-control list if that is used.",
    }

    /// `NodeRestriction` limits a kubelet to changing its own Node and the
    /// pods bound to it, and keeps it from setting
    /// `node-restriction.kubernetes.io/` labels. Without it a compromised
    /// node can modify other nodes and their pods, or relabel itself to
    /// attract sensitive workloads. It is off by default.
    NODE_RESTRICTION {
        code: "KG314",
        name: "kube-apiserver-admission-plugin-node-restriction",
        severity: High,
        cis: "1.2.14",
        refs: ["MITRE:T1611"],
        summary: "kube-apiserver does not enable the NodeRestriction admission plugin",
        flag: "enable-admission-plugins",
        require: Require::Plugin { name: "NodeRestriction", on_by_default: false, enabled: true },
        fails: "does not include `NodeRestriction`",
        example: "--enable-admission-plugins=PodSecurity",
        fix: "--enable-admission-plugins=NodeRestriction",
        remediation: "Add NodeRestriction to --enable-admission-plugins and keep Node in --authorization-mode.",
    }

    /// The `/debug/pprof` endpoints expose detailed runtime data and let a
    /// client with access make the server do expensive profiling work; they
    /// are a debugging aid with no place in production.
    PROFILING {
        code: "KG315",
        name: "kube-apiserver-profiling",
        severity: Low,
        cis: "1.2.15",
        summary: "kube-apiserver exposes profiling endpoints",
        flag: "profiling",
        require: Require::Bool(false),
        default: "true",
        fails: "is not `false`",
        example: "--profiling=true",
        fix: "--profiling=false",
        remediation: "Run kube-apiserver with --profiling=false.",
    }

    /// Without an audit log there is no record of who did what through the
    /// API: intrusions, privilege escalation and secret reads can be neither
    /// detected nor investigated. The log also needs an audit policy
    /// (`kube-apiserver-audit-policy-file`) to record anything.
    AUDIT_LOG_PATH {
        code: "KG316",
        name: "kube-apiserver-audit-log-path",
        severity: Medium,
        cis: "1.2.16",
        refs: ["NSA-CISA:logging", "MITRE:T1562"],
        summary: "kube-apiserver writes no audit log",
        flag: "audit-log-path",
        require: Require::Set,
        fails: "is not set",
        example: "--audit-policy-file=/etc/kubernetes/audit-policy.yaml  # no --audit-log-path",
        fix: "--audit-log-path=/var/log/kubernetes/audit/audit.log",
        remediation: "Set --audit-log-path to a file on persistent storage, together with --audit-policy-file.",
    }

    /// Audit logs are what an investigation goes back to, often weeks after
    /// the fact. A maximum age under 30 days deletes rotated files before
    /// then. The default, 0, removes no file for its age, which meets the
    /// requirement.
    AUDIT_LOG_MAXAGE {
        code: "KG317",
        name: "kube-apiserver-audit-log-maxage",
        severity: Low,
        cis: "1.2.17",
        refs: ["NSA-CISA:logging"],
        summary: "kube-apiserver deletes audit log files after fewer than 30 days",
        flag: "audit-log-maxage",
        require: Require::ZeroOrAtLeast(30),
        default: "0",
        fails: "is between 1 and 29 days",
        example: "--audit-log-maxage=7",
        fix: "--audit-log-maxage=30",
        remediation: "Set --audit-log-maxage to 30 days or more (0 keeps files regardless of age).",
    }

    /// Rotated audit log files beyond this count are deleted; fewer than 10
    /// of them keep little history for an investigation. The default, 0,
    /// deletes none for their count, which meets the requirement.
    AUDIT_LOG_MAXBACKUP {
        code: "KG318",
        name: "kube-apiserver-audit-log-maxbackup",
        severity: Low,
        cis: "1.2.18",
        refs: ["NSA-CISA:logging"],
        summary: "kube-apiserver keeps fewer than 10 rotated audit log files",
        flag: "audit-log-maxbackup",
        require: Require::ZeroOrAtLeast(10),
        default: "0",
        fails: "is between 1 and 9",
        example: "--audit-log-maxbackup=3",
        fix: "--audit-log-maxbackup=10",
        remediation: "Set --audit-log-maxbackup to 10 or more (0 keeps every rotated file).",
    }

    /// The audit log is rotated when it reaches this size in megabytes;
    /// with a limited number of backups, small files keep little history.
    /// The default, 0, rotates at 100 MB, which meets the requirement.
    AUDIT_LOG_MAXSIZE {
        code: "KG319",
        name: "kube-apiserver-audit-log-maxsize",
        severity: Low,
        cis: "1.2.19",
        refs: ["NSA-CISA:logging"],
        summary: "kube-apiserver rotates audit log files below 100 MB",
        flag: "audit-log-maxsize",
        require: Require::ZeroOrAtLeast(100),
        default: "0",
        fails: "is between 1 and 99 megabytes",
        example: "--audit-log-maxsize=10",
        fix: "--audit-log-maxsize=100",
        remediation: "Set --audit-log-maxsize to 100 (megabytes) or more.",
    }

    /// With lookup turned off, the API server only checks a service account
    /// token's signature, so tokens stay valid after their ServiceAccount
    /// or token Secret is deleted, until the signing key changes.
    SERVICE_ACCOUNT_LOOKUP {
        code: "KG320",
        name: "kube-apiserver-service-account-lookup",
        severity: Medium,
        cis: "1.2.21",
        summary: "kube-apiserver accepts tokens of deleted service accounts",
        flag: "service-account-lookup",
        require: Require::Bool(true),
        default: "true",
        fails: "is not `true`",
        example: "--service-account-lookup=false",
        fix: "--service-account-lookup=true",
        remediation: "Remove --service-account-lookup=false (the default is true) or set it to true.",
    }

    /// Without it the API server verifies service account tokens with its
    /// TLS serving key: the token keys cannot be rotated on their own, and
    /// rotating the serving certificate invalidates every token.
    SERVICE_ACCOUNT_KEY_FILE {
        code: "KG321",
        name: "kube-apiserver-service-account-key-file",
        severity: Medium,
        cis: "1.2.22",
        summary: "kube-apiserver has no explicit key to verify service account tokens",
        flag: "service-account-key-file",
        require: Require::Set,
        fails: "is not set",
        example: "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key  # no --service-account-key-file",
        fix: "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
        remediation: "Set --service-account-key-file to the public key matching the controller manager's --service-account-private-key-file.",
    }

    /// etcd holds every object of the cluster, Secrets included. Without a
    /// client certificate the API server cannot authenticate to etcd, which
    /// then has to accept any client that reaches it.
    ETCD_CERTFILE {
        code: "KG322",
        name: "kube-apiserver-etcd-certfile",
        severity: High,
        cis: "1.2.23",
        summary: "kube-apiserver has no client certificate for etcd",
        flag: "etcd-certfile",
        require: Require::Set,
        fails: "is not set",
        example: "--etcd-servers=https://127.0.0.1:2379  # no --etcd-certfile",
        fix: "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
        remediation: "Set --etcd-certfile and --etcd-keyfile to a client certificate signed by etcd's trusted CA.",
    }

    /// The key of the API server's etcd client certificate: without it the
    /// certificate cannot be used and etcd has to accept unauthenticated
    /// clients.
    ETCD_KEYFILE {
        code: "KG323",
        name: "kube-apiserver-etcd-keyfile",
        severity: High,
        cis: "1.2.23",
        summary: "kube-apiserver has no client key for etcd",
        flag: "etcd-keyfile",
        require: Require::Set,
        fails: "is not set",
        example: "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt  # no --etcd-keyfile",
        fix: "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
        remediation: "Set --etcd-keyfile together with --etcd-certfile.",
    }

    /// Without a serving certificate the API server makes a self-signed one
    /// at start. Clients cannot verify it, so they fail or are told to skip
    /// verification, which lets anyone in the path impersonate the API
    /// server.
    TLS_CERT_FILE {
        code: "KG324",
        name: "kube-apiserver-tls-cert-file",
        severity: Medium,
        cis: "1.2.24",
        refs: ["MITRE:T1557"],
        summary: "kube-apiserver has no serving certificate (--tls-cert-file unset)",
        flag: "tls-cert-file",
        require: Require::Set,
        fails: "is not set",
        example: "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key  # no --tls-cert-file",
        fix: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
        remediation: "Set --tls-cert-file and --tls-private-key-file to a serving certificate issued by the cluster CA.",
    }

    /// The key of the API server's serving certificate: without it the API
    /// server falls back to a self-signed certificate clients cannot verify.
    TLS_PRIVATE_KEY_FILE {
        code: "KG325",
        name: "kube-apiserver-tls-private-key-file",
        severity: Medium,
        cis: "1.2.24",
        refs: ["MITRE:T1557"],
        summary: "kube-apiserver has no serving key (--tls-private-key-file unset)",
        flag: "tls-private-key-file",
        require: Require::Set,
        fails: "is not set",
        example: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt  # no --tls-private-key-file",
        fix: "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
        remediation: "Set --tls-private-key-file together with --tls-cert-file.",
    }

    /// Without a client CA the API server cannot authenticate clients by
    /// certificate: kubelets, the controller manager, the scheduler and
    /// administrators then need weaker credentials such as static tokens.
    CLIENT_CA_FILE {
        code: "KG326",
        name: "kube-apiserver-client-ca-file",
        severity: High,
        cis: "1.2.25",
        refs: ["NSA-CISA:authentication"],
        summary: "kube-apiserver does not authenticate client certificates (--client-ca-file unset)",
        flag: "client-ca-file",
        require: Require::Set,
        fails: "is not set",
        example: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt  # no --client-ca-file",
        fix: "--client-ca-file=/etc/kubernetes/pki/ca.crt",
        remediation: "Set --client-ca-file to the CA that signs the client certificates of components and administrators.",
    }

    /// Without a CA for etcd the API server does not verify the etcd servers
    /// it writes to: whoever can intercept the connection can pose as etcd
    /// and read or alter all cluster data.
    ETCD_CAFILE {
        code: "KG327",
        name: "kube-apiserver-etcd-cafile",
        severity: High,
        cis: "1.2.26",
        refs: ["MITRE:T1557"],
        summary: "kube-apiserver does not verify etcd's certificate (--etcd-cafile unset)",
        flag: "etcd-cafile",
        require: Require::Set,
        fails: "is not set",
        example: "--etcd-servers=https://127.0.0.1:2379  # no --etcd-cafile",
        fix: "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
        remediation: "Set --etcd-cafile to the CA that signs etcd's serving certificates.",
    }

    /// Without an encryption configuration, Secrets and every other resource
    /// are stored in etcd in plain text: anyone who reads etcd, its data
    /// directory or a backup reads every credential of the cluster. The
    /// configuration should use `aescbc`, `aesgcm`, `secretbox` or `kms`
    /// (CIS 1.2.28); kubeguard checks the flag, not the file.
    ENCRYPTION_PROVIDER_CONFIG {
        code: "KG328",
        name: "kube-apiserver-encryption-provider-config",
        severity: High,
        cis: "1.2.27",
        refs: ["NSA-CISA:secrets-encryption", "MITRE:T1552"],
        summary: "kube-apiserver stores Secrets unencrypted in etcd",
        flag: "encryption-provider-config",
        require: Require::Set,
        fails: "is not set",
        example: "--etcd-servers=https://127.0.0.1:2379  # no --encryption-provider-config",
        fix: "--encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml",
        remediation: "Write an EncryptionConfiguration that encrypts secrets with kms, aescbc, aesgcm or secretbox, and point --encryption-provider-config at it.",
    }

    /// Suites without forward secrecy or with CBC mode leave recorded
    /// traffic decryptable after a key leak, or open to padding-oracle
    /// attacks. Without the flag, Go's default suites apply, and they
    /// include CBC-mode suites.
    TLS_CIPHER_SUITES {
        code: "KG329",
        name: "kube-apiserver-tls-cipher-suites",
        severity: Low,
        cis: "1.2.29",
        summary: "kube-apiserver accepts weak TLS cipher suites",
        flag: "tls-cipher-suites",
        require: Require::StrongCiphers,
        fails: "is not set or lists a suite outside the strong list (ECDHE with AES-GCM or ChaCha20-Poly1305, or TLS 1.3 suites)",
        example: "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA",
        fix: "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        remediation: "Set --tls-cipher-suites to ECDHE suites with AES-GCM or ChaCha20-Poly1305 only.",
    }

    /// With extension on, projected service account tokens are issued valid
    /// for a year instead of their requested lifetime (an hour by default),
    /// so a stolen token stays usable far longer than the pod it came from.
    /// The flag only eases migration from legacy tokens and defaults to
    /// `true`.
    SERVICE_ACCOUNT_EXTEND_TOKEN_EXPIRATION {
        code: "KG330",
        name: "kube-apiserver-service-account-extend-token-expiration",
        severity: Low,
        cis: "1.2.30",
        refs: ["MITRE:T1528"],
        summary: "kube-apiserver extends service account token lifetimes to a year",
        flag: "service-account-extend-token-expiration",
        require: Require::Bool(false),
        default: "true",
        fails: "is not `false`",
        example: "--service-account-extend-token-expiration=true",
        fix: "--service-account-extend-token-expiration=false",
        remediation: "Run kube-apiserver with --service-account-extend-token-expiration=false once no client relies on long-lived projected tokens.",
    }

    /// The API server records audit events only for the requests an audit
    /// policy selects: without `--audit-policy-file` nothing is logged, even
    /// with `--audit-log-path` or an audit webhook configured.
    AUDIT_POLICY_FILE {
        code: "KG331",
        name: "kube-apiserver-audit-policy-file",
        severity: Medium,
        cis: "3.2.1",
        refs: ["NSA-CISA:logging", "MITRE:T1562"],
        summary: "kube-apiserver has no audit policy and records no audit events",
        flag: "audit-policy-file",
        require: Require::Set,
        fails: "is not set",
        example: "--audit-log-path=/var/log/kubernetes/audit/audit.log  # no --audit-policy-file",
        fix: "--audit-policy-file=/etc/kubernetes/audit-policy.yaml",
        remediation: "Write an audit Policy that records at least metadata for all requests (and never request bodies of Secrets), and point --audit-policy-file at it.",
    }

    /// HTTP basic authentication reads user names and passwords in clear
    /// text from a file on the control-plane node; they never expire and
    /// can only be revoked by editing the file and restarting the API
    /// server. The flag was removed in Kubernetes 1.19; clusters that old
    /// still run it.
    BASIC_AUTH_FILE {
        code: "KG332",
        name: "kube-apiserver-basic-auth-file",
        severity: High,
        refs: ["NSA-CISA:authentication"],
        summary: "kube-apiserver authenticates with a basic-auth password file",
        flag: "basic-auth-file",
        require: Require::Unset,
        fails: "is set",
        note: "The flag was removed in Kubernetes 1.19 and is reported for the clusters that still run it.",
        example: "--basic-auth-file=/etc/kubernetes/basic-auth.csv",
        remediation: "Remove --basic-auth-file; authenticate users with client certificates or an OIDC provider.",
    }

    /// With `--kubelet-https=false` the API server talks to kubelets over
    /// plain HTTP: `kubectl exec`, `logs` and `port-forward` traffic, and
    /// the credentials it carries, cross the network unencrypted. The flag
    /// was removed in Kubernetes 1.22.
    KUBELET_HTTPS {
        code: "KG333",
        name: "kube-apiserver-kubelet-https",
        severity: High,
        refs: ["MITRE:T1557"],
        summary: "kube-apiserver talks to kubelets over plain HTTP",
        flag: "kubelet-https",
        require: Require::Bool(true),
        default: "true",
        fails: "is `false`",
        note: "The flag was removed in Kubernetes 1.22 and is reported for the clusters that still run it.",
        example: "--kubelet-https=false",
        remediation: "Remove --kubelet-https=false (the default is true).",
    }

    /// The insecure port serves the whole API without authentication or
    /// authorization. Bound to an address other than loopback, anyone who
    /// reaches the node has cluster-admin. Removed in Kubernetes 1.24.
    INSECURE_BIND_ADDRESS {
        code: "KG334",
        name: "kube-apiserver-insecure-bind-address",
        severity: Critical,
        refs: ["MITRE:T1078"],
        summary: "kube-apiserver serves its unauthenticated insecure port beyond loopback",
        flag: "insecure-bind-address",
        require: Require::Loopback,
        default: "127.0.0.1",
        fails: "is not a loopback address",
        note: "The flag was removed in Kubernetes 1.24 and is reported for the clusters that still run it.",
        example: "--insecure-bind-address=0.0.0.0",
        remediation: "Remove --insecure-bind-address and set --insecure-port=0.",
    }

    /// A non-zero insecure port serves the whole API over plain HTTP
    /// without authentication or authorization: any process that reaches
    /// it is cluster-admin. Removed in Kubernetes 1.24 (which refuses a
    /// non-zero value from 1.20).
    INSECURE_PORT {
        code: "KG335",
        name: "kube-apiserver-insecure-port",
        severity: Critical,
        refs: ["MITRE:T1078"],
        summary: "kube-apiserver serves the API without authentication on an insecure port",
        flag: "insecure-port",
        require: Require::Int(0),
        default: "0",
        fails: "is not 0",
        note: "The flag was removed in Kubernetes 1.24 and is reported for the clusters that still run it; the default is taken as 0, as from Kubernetes 1.20.",
        example: "--insecure-port=8080",
        fix: "--insecure-port=0",
        remediation: "Set --insecure-port=0, or remove the flag on Kubernetes 1.20 and later.",
    }

    /// `--secure-port=0` turns off the API server's TLS port: what remains
    /// is the insecure port, which serves the API without authentication.
    SECURE_PORT {
        code: "KG336",
        name: "kube-apiserver-secure-port",
        severity: High,
        refs: ["MITRE:T1557"],
        summary: "kube-apiserver turns off its secure port",
        flag: "secure-port",
        require: Require::NotEqual("0"),
        default: "6443",
        fails: "is 0",
        example: "--secure-port=0",
        fix: "--secure-port=6443",
        remediation: "Remove --secure-port=0; serve the API on its TLS port (6443 by default).",
    }

    /// kube-apiserver refuses to start when one admission plugin is both
    /// enabled and disabled: the manifest does not say which plugins run,
    /// and a restart of the control plane fails.
    ADMISSION_PLUGIN_CONFLICT {
        code: "KG337",
        name: "kube-apiserver-admission-plugin-conflict",
        severity: Low,
        summary: "kube-apiserver both enables and disables an admission plugin",
        flag: "disable-admission-plugins",
        require: Require::PluginConflict,
        fails: "names a plugin that `--enable-admission-plugins` also names",
        example: "--disable-admission-plugins=NodeRestriction",
        remediation: "Remove the plugin from one of --enable-admission-plugins and --disable-admission-plugins.",
    }
}
