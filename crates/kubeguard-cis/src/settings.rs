//! The settings the benchmark reads, per component, with each component's
//! real defaults (`KubeletConfiguration` v1beta1 defaults for a kubelet run
//! with `--config`, the flags' legacy defaults without it).

use crate::setting::Setting;

// kube-apiserver
pub(crate) const ANONYMOUS_AUTH: Setting = Setting::flag("anonymous-auth", Some("true"));
pub(crate) const TOKEN_AUTH_FILE: Setting = Setting::flag("token-auth-file", None);
pub(crate) const ENABLE_ADMISSION: Setting = Setting::flag("enable-admission-plugins", None);
pub(crate) const DISABLE_ADMISSION: Setting = Setting::flag("disable-admission-plugins", None);
pub(crate) const KUBELET_CLIENT_CERT: Setting = Setting::flag("kubelet-client-certificate", None);
pub(crate) const KUBELET_CLIENT_KEY: Setting = Setting::flag("kubelet-client-key", None);
pub(crate) const KUBELET_CA: Setting = Setting::flag("kubelet-certificate-authority", None);
/// `--authorization-mode`, or the authorizer types of `--authorization-config`.
pub(crate) const AUTHORIZATION_MODE: Setting = Setting::both(
    "authorization-mode",
    "authorizers.type",
    Some("AlwaysAllow"),
);
pub(crate) const PROFILING: Setting = Setting::flag("profiling", Some("true"));
pub(crate) const AUDIT_LOG_PATH: Setting = Setting::flag("audit-log-path", None);
pub(crate) const AUDIT_LOG_MAXAGE: Setting = Setting::flag("audit-log-maxage", Some("0"));
pub(crate) const AUDIT_LOG_MAXBACKUP: Setting = Setting::flag("audit-log-maxbackup", Some("0"));
pub(crate) const AUDIT_LOG_MAXSIZE: Setting = Setting::flag("audit-log-maxsize", Some("0"));
pub(crate) const REQUEST_TIMEOUT: Setting = Setting::flag("request-timeout", Some("1m0s"));
pub(crate) const SA_LOOKUP: Setting = Setting::flag("service-account-lookup", Some("true"));
pub(crate) const SA_KEY_FILE: Setting = Setting::flag("service-account-key-file", None);
pub(crate) const ETCD_CERTFILE: Setting = Setting::flag("etcd-certfile", None);
pub(crate) const ETCD_KEYFILE: Setting = Setting::flag("etcd-keyfile", None);
pub(crate) const TLS_CERT_FILE: Setting = Setting::flag("tls-cert-file", None);
pub(crate) const TLS_KEY_FILE: Setting = Setting::flag("tls-private-key-file", None);
pub(crate) const CLIENT_CA_FILE: Setting = Setting::flag("client-ca-file", None);
pub(crate) const ETCD_CAFILE: Setting = Setting::flag("etcd-cafile", None);
pub(crate) const ENCRYPTION_CONFIG: Setting = Setting::flag("encryption-provider-config", None);
pub(crate) const TLS_CIPHERS: Setting = Setting::flag("tls-cipher-suites", None);
pub(crate) const SA_EXTEND_EXPIRATION: Setting =
    Setting::flag("service-account-extend-token-expiration", Some("true"));
pub(crate) const AUDIT_POLICY_FILE: Setting = Setting::flag("audit-policy-file", None);

// kube-controller-manager
pub(crate) const TERMINATED_POD_GC: Setting =
    Setting::flag("terminated-pod-gc-threshold", Some("12500"));
pub(crate) const SA_CREDENTIALS: Setting =
    Setting::flag("use-service-account-credentials", Some("false"));
pub(crate) const SA_PRIVATE_KEY: Setting = Setting::flag("service-account-private-key-file", None);
pub(crate) const ROOT_CA_FILE: Setting = Setting::flag("root-ca-file", None);
pub(crate) const FEATURE_GATES: Setting = Setting::flag("feature-gates", None);
pub(crate) const BIND_ADDRESS: Setting = Setting::flag("bind-address", Some("0.0.0.0"));
pub(crate) const KUBECONFIG: Setting = Setting::flag("kubeconfig", None);

// kube-scheduler (`--config` wins over its deprecated flags)
pub(crate) const SCHEDULER_PROFILING: Setting =
    Setting::both("profiling", "enableProfiling", Some("true"));
pub(crate) const SCHEDULER_KUBECONFIG: Setting =
    Setting::both("kubeconfig", "clientConnection.kubeconfig", None);

// etcd (`--config-file` replaces every flag)
pub(crate) const ETCD_CERT: Setting =
    Setting::both("cert-file", "client-transport-security.cert-file", None);
pub(crate) const ETCD_KEY: Setting =
    Setting::both("key-file", "client-transport-security.key-file", None);
pub(crate) const ETCD_CLIENT_CERT_AUTH: Setting = Setting::both(
    "client-cert-auth",
    "client-transport-security.client-cert-auth",
    Some("false"),
);
pub(crate) const ETCD_AUTO_TLS: Setting = Setting::both(
    "auto-tls",
    "client-transport-security.auto-tls",
    Some("false"),
);
pub(crate) const ETCD_PEER_CERT: Setting =
    Setting::both("peer-cert-file", "peer-transport-security.cert-file", None);
pub(crate) const ETCD_PEER_KEY: Setting =
    Setting::both("peer-key-file", "peer-transport-security.key-file", None);
pub(crate) const ETCD_PEER_CLIENT_CERT_AUTH: Setting = Setting::both(
    "peer-client-cert-auth",
    "peer-transport-security.client-cert-auth",
    Some("false"),
);
pub(crate) const ETCD_PEER_AUTO_TLS: Setting = Setting::both(
    "peer-auto-tls",
    "peer-transport-security.auto-tls",
    Some("false"),
);
pub(crate) const ETCD_TRUSTED_CA: Setting = Setting::both(
    "trusted-ca-file",
    "client-transport-security.trusted-ca-file",
    None,
);
pub(crate) const ETCD_DATA_DIR: Setting =
    Setting::both("data-dir", "data-dir", Some("default.etcd"));

// kubelet (flag over `--config` file over default)
pub(crate) const KUBELET_ANONYMOUS: Setting = Setting::split(
    "anonymous-auth",
    "authentication.anonymous.enabled",
    Some("true"),
    Some("false"),
);
pub(crate) const KUBELET_AUTHZ: Setting = Setting::split(
    "authorization-mode",
    "authorization.mode",
    Some("AlwaysAllow"),
    Some("Webhook"),
);
pub(crate) const KUBELET_CLIENT_CA: Setting =
    Setting::both("client-ca-file", "authentication.x509.clientCAFile", None);
pub(crate) const KUBELET_READ_ONLY_PORT: Setting =
    Setting::split("read-only-port", "readOnlyPort", Some("10255"), Some("0"));
pub(crate) const KUBELET_STREAMING_TIMEOUT: Setting = Setting::both(
    "streaming-connection-idle-timeout",
    "streamingConnectionIdleTimeout",
    Some("4h0m0s"),
);
pub(crate) const KUBELET_IPTABLES_CHAINS: Setting = Setting::both(
    "make-iptables-util-chains",
    "makeIPTablesUtilChains",
    Some("true"),
);
pub(crate) const KUBELET_HOSTNAME_OVERRIDE: Setting = Setting::flag("hostname-override", None);
pub(crate) const KUBELET_EVENT_QPS: Setting =
    Setting::both("event-qps", "eventRecordQPS", Some("50"));
pub(crate) const KUBELET_TLS_CERT: Setting = Setting::both("tls-cert-file", "tlsCertFile", None);
pub(crate) const KUBELET_TLS_KEY: Setting =
    Setting::both("tls-private-key-file", "tlsPrivateKeyFile", None);
/// The kubelet asks the cluster for its serving certificate (CSR API).
pub(crate) const KUBELET_SERVER_TLS_BOOTSTRAP: Setting = Setting::both(
    "rotate-server-certificates",
    "serverTLSBootstrap",
    Some("false"),
);
pub(crate) const KUBELET_ROTATE_CERTS: Setting =
    Setting::both("rotate-certificates", "rotateCertificates", Some("false"));
pub(crate) const KUBELET_FEATURE_GATES: Setting =
    Setting::both("feature-gates", "featureGates", None);
pub(crate) const KUBELET_TLS_CIPHERS: Setting =
    Setting::both("tls-cipher-suites", "tlsCipherSuites", None);
pub(crate) const KUBELET_POD_PIDS: Setting =
    Setting::both("pod-max-pids", "podPidsLimit", Some("-1"));
pub(crate) const KUBELET_SECCOMP_DEFAULT: Setting =
    Setting::both("seccomp-default", "seccompDefault", Some("false"));
pub(crate) const KUBELET_KUBECONFIG: Setting = Setting::flag("kubeconfig", None);
pub(crate) const KUBELET_CONFIG: Setting = Setting::flag("config", None);
/// Where the kubelet reads static pod manifests; unset means none.
pub(crate) const KUBELET_STATIC_POD_PATH: Setting =
    Setting::both("pod-manifest-path", "staticPodPath", None);

// kube-proxy (`--config` wins)
pub(crate) const PROXY_METRICS_BIND: Setting = Setting::both(
    "metrics-bind-address",
    "metricsBindAddress",
    Some("127.0.0.1:10249"),
);
pub(crate) const PROXY_KUBECONFIG: Setting =
    Setting::both("kubeconfig", "clientConnection.kubeconfig", None);

/// TLS cipher suites the benchmark accepts for the API server (CIS 1.2.29:
/// forward secrecy and AEAD, TLS 1.3 suites included).
pub const STRONG_CIPHERS_APISERVER: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

/// TLS cipher suites the benchmark accepts for the kubelet.
pub(crate) const STRONG_CIPHERS_KUBELET: &[&str] = &[
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
];
