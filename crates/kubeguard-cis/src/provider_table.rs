//! The check tables of the managed platforms' benchmarks: CIS Amazon EKS
//! 1.8.0, CIS GKE 1.9.0 and CIS AKS 1.8. Their ids, sections and scored
//! flags are theirs (a test cross-checks them against kube-bench's
//! definitions); the wording is the project's own.
//!
//! Their worker node checks (section 3) are decided by the same resolvers
//! as the CIS Kubernetes Benchmark's section 4: a flag over the kubelet's
//! `--config` file over its real default, and the files the kubelet really
//! uses. Everything the provider runs or configures in its own API (the
//! control plane's logging, the policies answered from the cluster, the
//! managed services) is manual: reported for review, never failed.

use crate::benchmark::Benchmark::{self, Aks18, Eks180, Gke190};
use crate::benchmark::{Platform, Target};
use crate::check::{CheckDef, Cond, Files, Test, check};
use crate::process::Component;
use crate::settings::*;
use kubeguard_core::Severity::{self, Critical, High, Info, Low, Medium};

const KUBELET: Component = Component::Kubelet;
const C: Target = Target::Controlplane;
const N: Target = Target::Node;
const P: Target = Target::Policies;
const S: Target = Target::ManagedServices;

/// A check of one provider benchmark.
#[allow(clippy::too_many_arguments)]
const fn on(
    b: Benchmark,
    id: &'static str,
    target: Target,
    scored: bool,
    severity: Severity,
    text: &'static str,
    test: Test,
    remediation: &'static str,
) -> CheckDef {
    check(id, target, scored, severity, text, test, remediation).only(b, b)
}

/// A check that nothing on the node decides: `(text, remediation)`.
const fn manual(
    b: Benchmark,
    id: &'static str,
    target: Target,
    scored: bool,
    (text, remediation): (&'static str, &'static str),
) -> CheckDef {
    on(b, id, target, scored, Info, text, Test::Manual, remediation)
}

// Policy checks the three benchmarks share, numbered differently.
const CLUSTER_ADMIN: (&str, &str) = (
    "cluster-admin is bound only where needed",
    "Review ClusterRoleBindings to cluster-admin (kubeguard rbac risks) and bind narrower roles.",
);
const SECRETS_ACCESS: (&str, &str) = (
    "Access to secrets is minimal",
    "Review who can get, list or watch secrets (kubeguard rbac who-can get secrets).",
);
const WILDCARDS: (&str, &str) = (
    "Roles use few wildcards",
    "Replace * in roles' resources and verbs with the names needed.",
);
const CREATE_PODS: (&str, &str) = (
    "Access to create pods is minimal",
    "Review who can create pods (kubeguard rbac who-can create pods).",
);
const DEFAULT_SA: (&str, &str) = (
    "Default service accounts are not used",
    "Give workloads their own service accounts and set automountServiceAccountToken: false on default.",
);
const SA_TOKENS: (&str, &str) = (
    "Service account tokens are mounted only where needed",
    "Set automountServiceAccountToken: false where pods do not call the API.",
);
const ESCALATION_VERBS: (&str, &str) = (
    "bind, impersonate and escalate are granted sparingly",
    "Review roles granting bind, impersonate or escalate (kubeguard rbac risks).",
);
const CREATE_PV: (&str, &str) = (
    "Access to create persistent volumes is minimal",
    "Review who can create persistentvolumes.",
);
const NODES_PROXY: (&str, &str) = (
    "Access to nodes/proxy is minimal",
    "Review who can access the nodes/proxy subresource.",
);
const CSR_APPROVAL: (&str, &str) = (
    "Access to approve certificate signing requests is minimal",
    "Review who can update certificatesigningrequests/approval.",
);
const WEBHOOK_CONFIGS: (&str, &str) = (
    "Access to webhook configurations is minimal",
    "Review who can change validating and mutating webhook configurations.",
);
const TOKEN_CREATION: (&str, &str) = (
    "Access to create service account tokens is minimal",
    "Review who can create serviceaccounts/token.",
);
const PRIVILEGED: (&str, &str) = (
    "Privileged containers are rarely admitted",
    "Enforce the baseline Pod Security level in namespaces that do not need privilege.",
);
const HOST_PID: (&str, &str) = (
    "hostPID containers are rarely admitted",
    "Enforce the baseline Pod Security level in namespaces that do not need hostPID.",
);
const HOST_IPC: (&str, &str) = (
    "hostIPC containers are rarely admitted",
    "Enforce the baseline Pod Security level in namespaces that do not need hostIPC.",
);
const HOST_NETWORK: (&str, &str) = (
    "hostNetwork containers are rarely admitted",
    "Enforce the baseline Pod Security level in namespaces that do not need hostNetwork.",
);
const PRIV_ESCALATION: (&str, &str) = (
    "Containers allowing privilege escalation are rarely admitted",
    "Enforce the restricted Pod Security level where possible.",
);
const CNI_POLICIES: (&str, &str) = (
    "The CNI plugin enforces NetworkPolicies",
    "Use a CNI plugin or network policy engine that enforces NetworkPolicy.",
);
const NAMESPACE_POLICIES: (&str, &str) = (
    "Every namespace has NetworkPolicies",
    "Add a default-deny NetworkPolicy to each namespace (kubeguard netpol coverage).",
);
const SECRET_FILES: (&str, &str) = (
    "Secrets are mounted as files, not environment variables",
    "Mount secrets as volumes instead of env/envFrom.",
);
const EXTERNAL_SECRETS: (&str, &str) = (
    "External secret storage is considered",
    "Consider an external secrets manager with short-lived credentials.",
);
const NAMESPACES: (&str, &str) = (
    "Namespaces separate administrative boundaries",
    "Put separate teams and applications in their own namespaces.",
);
const SECURITY_CONTEXT: (&str, &str) = (
    "Pods and containers have security contexts",
    "Set pod and container securityContext (runAsNonRoot, readOnlyRootFilesystem, dropped capabilities).",
);
const DEFAULT_NAMESPACE: (&str, &str) = (
    "The default namespace is not used",
    "Deploy workloads to their own namespaces, not default.",
);
const REGISTRIES_APPROVED: (&str, &str) = (
    "Only approved container registries are used",
    "Admit images only from approved registries (an admission policy, kubeguard webhook).",
);
const ENDPOINT_ACCESS: (&str, &str) = (
    "Access to the control plane endpoint is restricted",
    "Limit the API endpoint to the networks that need it in the provider's cluster settings.",
);
const PRIVATE_ENDPOINT: (&str, &str) = (
    "The cluster has a private endpoint and no public access",
    "Create clusters with a private API endpoint and public access disabled.",
);
const PRIVATE_NODES: (&str, &str) = (
    "Nodes have private addresses only",
    "Create node pools without public IP addresses.",
);
const NETWORK_POLICY_ON: (&str, &str) = (
    "Network policy enforcement is enabled",
    "Enable the provider's network policy support for the cluster.",
);
const LB_TLS: (&str, &str) = (
    "HTTPS load balancers terminate TLS with certificates",
    "Configure TLS certificates on the load balancers that serve HTTPS.",
);

/// The kubelet checks of EKS and AKS (section 3.2): the same settings, the
/// same conditions.
const fn kubelet(b: Benchmark, fixes: &'static KubeletFixes) -> [CheckDef; 9] {
    [
        on(
            b,
            "3.2.1",
            N,
            true,
            High,
            "Kubelet does not accept anonymous requests",
            Test::Setting(KUBELET, &KUBELET_ANONYMOUS, Cond::Eq("false")),
            fixes.anonymous,
        ),
        on(
            b,
            "3.2.2",
            N,
            true,
            Critical,
            "Kubelet authorization is not AlwaysAllow",
            Test::Setting(KUBELET, &KUBELET_AUTHZ, Cond::NotHas("AlwaysAllow")),
            fixes.authorization,
        ),
        on(
            b,
            "3.2.3",
            N,
            true,
            High,
            "Kubelet verifies client certificates",
            Test::Setting(KUBELET, &KUBELET_CLIENT_CA, Cond::Set),
            fixes.client_ca,
        ),
        on(
            b,
            "3.2.4",
            N,
            true,
            Medium,
            "Kubelet read-only port is off",
            Test::Setting(KUBELET, &KUBELET_READ_ONLY_PORT, Cond::Eq("0")),
            fixes.read_only_port,
        ),
        on(
            b,
            "3.2.5",
            N,
            true,
            Low,
            "Kubelet streaming connections time out",
            Test::Setting(KUBELET, &KUBELET_STREAMING_TIMEOUT, Cond::NonZeroDuration),
            fixes.streaming,
        ),
        on(
            b,
            "3.2.6",
            N,
            true,
            Low,
            "Kubelet manages its iptables chains",
            Test::Setting(KUBELET, &KUBELET_IPTABLES_CHAINS, Cond::Eq("true")),
            fixes.iptables,
        ),
        on(
            b,
            "3.2.7",
            N,
            true,
            Info,
            "Kubelet event rate captures events appropriately",
            Test::Setting(KUBELET, &KUBELET_EVENT_QPS, Cond::AtLeast(0)),
            fixes.event_qps,
        ),
        on(
            b,
            "3.2.8",
            N,
            true,
            Medium,
            "Kubelet rotates its client certificate",
            Test::Setting(KUBELET, &KUBELET_ROTATE_CERTS, Cond::Eq("true")),
            fixes.rotate,
        ),
        on(
            b,
            "3.2.9",
            N,
            true,
            Medium,
            "Kubelet server certificate rotation is not turned off",
            Test::Setting(
                KUBELET,
                &KUBELET_FEATURE_GATES,
                Cond::GateNotFalse("RotateKubeletServerCertificate"),
            ),
            fixes.rotate_server,
        ),
    ]
}

/// How to fix each kubelet check where the provider configures the kubelet.
struct KubeletFixes {
    anonymous: &'static str,
    authorization: &'static str,
    client_ca: &'static str,
    read_only_port: &'static str,
    streaming: &'static str,
    iptables: &'static str,
    event_qps: &'static str,
    rotate: &'static str,
    rotate_server: &'static str,
}

/// EKS AMIs configure the kubelet with `/etc/kubernetes/kubelet/kubelet-config.json`
/// and add flags in `/etc/systemd/system/kubelet.service.d/10-kubelet-args.conf`.
const EKS_KUBELET_FIXES: KubeletFixes = KubeletFixes {
    anonymous: "Set \"authentication\": {\"anonymous\": {\"enabled\": false}} in the kubelet's --config file (/etc/kubernetes/kubelet/kubelet-config.json on EKS AMIs) and remove any --anonymous-auth=true flag.",
    authorization: "Set \"authorization\": {\"mode\": \"Webhook\"} (and webhook authentication) in the kubelet's --config file.",
    client_ca: "Set \"authentication\": {\"x509\": {\"clientCAFile\": \"/etc/kubernetes/pki/ca.crt\"}} in the kubelet's --config file.",
    read_only_port: "Set \"readOnlyPort\": 0 in the kubelet's --config file (or --read-only-port=0).",
    streaming: "Set \"streamingConnectionIdleTimeout\" to a non-zero duration such as \"4h0m0s\" in the kubelet's --config file, with no flag overriding it.",
    iptables: "Set \"makeIPTablesUtilChains\": true in the kubelet's --config file, with no flag overriding it.",
    event_qps: "Set \"eventRecordQPS\" in the kubelet's --config file to a level that keeps the events needed.",
    rotate: "Set \"rotateCertificates\": true in the kubelet's --config file (the kubelet's default is false).",
    rotate_server: "Remove RotateKubeletServerCertificate=false from the kubelet's featureGates and flags.",
};

/// AKS nodes start the kubelet with the flags in `KUBELET_FLAGS` of
/// `/etc/default/kubelet`.
const AKS_KUBELET_FIXES: KubeletFixes = KubeletFixes {
    anonymous: "Set --anonymous-auth=false in KUBELET_FLAGS of /etc/default/kubelet (or authentication.anonymous.enabled: false in the kubelet's --config file).",
    authorization: "Set --authorization-mode=Webhook in KUBELET_FLAGS of /etc/default/kubelet (or authorization.mode: Webhook in the kubelet's --config file).",
    client_ca: "Set --client-ca-file in KUBELET_FLAGS of /etc/default/kubelet (or authentication.x509.clientCAFile in the kubelet's --config file).",
    read_only_port: "Set --read-only-port=0 in KUBELET_FLAGS of /etc/default/kubelet (or readOnlyPort: 0 in the kubelet's --config file).",
    streaming: "Set --streaming-connection-idle-timeout to a non-zero duration such as 4h in KUBELET_FLAGS of /etc/default/kubelet.",
    iptables: "Remove --make-iptables-util-chains=false from KUBELET_FLAGS of /etc/default/kubelet.",
    event_qps: "Set --event-qps in KUBELET_FLAGS of /etc/default/kubelet to a level that keeps the events needed.",
    rotate: "Set --rotate-certificates=true in KUBELET_FLAGS of /etc/default/kubelet (the kubelet's default is false).",
    rotate_server: "Remove RotateKubeletServerCertificate=false from --feature-gates in KUBELET_FLAGS of /etc/default/kubelet.",
};

static EKS_KUBELET: [CheckDef; 9] = kubelet(Eks180, &EKS_KUBELET_FIXES);
static AKS_KUBELET: [CheckDef; 9] = kubelet(Aks18, &AKS_KUBELET_FIXES);

/// The worker node file checks (section 3.1) of EKS and GKE: the kubelet's
/// kubeconfig and configuration file, 644 or stricter, root:root.
const fn kubelet_files(b: Benchmark) -> [CheckDef; 4] {
    [
        on(
            b,
            "3.1.1",
            N,
            true,
            High,
            "Kubelet kubeconfig file permissions are 644 or stricter",
            Test::Mode(Files::Named(KUBELET, &KUBELET_KUBECONFIG), 0o644),
            "chmod 644 (or 600) the kubelet's --kubeconfig file.",
        ),
        on(
            b,
            "3.1.2",
            N,
            true,
            Medium,
            "Kubelet kubeconfig file is owned by root:root",
            Test::Owner(Files::Named(KUBELET, &KUBELET_KUBECONFIG), "root", "root"),
            "chown root:root the kubelet's --kubeconfig file.",
        ),
        on(
            b,
            "3.1.3",
            N,
            true,
            Medium,
            "Kubelet configuration file permissions are 644 or stricter",
            Test::Mode(Files::Named(KUBELET, &KUBELET_CONFIG), 0o644),
            "chmod 644 (or 600) the kubelet's --config file.",
        ),
        on(
            b,
            "3.1.4",
            N,
            true,
            Medium,
            "Kubelet configuration file is owned by root:root",
            Test::Owner(Files::Named(KUBELET, &KUBELET_CONFIG), "root", "root"),
            "chown root:root the kubelet's --config file.",
        ),
    ]
}

static EKS_FILES: [CheckDef; 4] = kubelet_files(Eks180);
static GKE_FILES: [CheckDef; 4] = kubelet_files(Gke190);

/// The cloud provider configuration AKS writes on every node: it holds the
/// node's Azure credentials.
const AZURE_JSON: &[&str] = &["/etc/kubernetes/azure.json"];

static AKS_FILES: [CheckDef; 4] = [
    on(
        Aks18,
        "3.1.1",
        N,
        true,
        High,
        "Kubelet kubeconfig file permissions are 644 or stricter",
        Test::Mode(Files::Named(KUBELET, &KUBELET_KUBECONFIG), 0o644),
        "chmod 644 (or 600) the kubelet's --kubeconfig file (/var/lib/kubelet/kubeconfig on AKS).",
    ),
    on(
        Aks18,
        "3.1.2",
        N,
        true,
        Medium,
        "Kubelet kubeconfig file is owned by root:root",
        Test::Owner(Files::Named(KUBELET, &KUBELET_KUBECONFIG), "root", "root"),
        "chown root:root the kubelet's --kubeconfig file (/var/lib/kubelet/kubeconfig on AKS).",
    ),
    on(
        Aks18,
        "3.1.3",
        N,
        true,
        Medium,
        "azure.json permissions are 644 or stricter",
        Test::Mode(Files::Candidates(AZURE_JSON), 0o644),
        "chmod 644 (or 600) /etc/kubernetes/azure.json.",
    ),
    on(
        Aks18,
        "3.1.4",
        N,
        true,
        Medium,
        "azure.json is owned by root:root",
        Test::Owner(Files::Candidates(AZURE_JSON), "root", "root"),
        "chown root:root /etc/kubernetes/azure.json.",
    ),
];

static EKS_OTHERS: &[CheckDef] = &[
    // 2 Control plane configuration (run by EKS; logging is enabled in its API)
    manual(
        Eks180,
        "2.1.1",
        C,
        false,
        (
            "Control plane audit logs are enabled",
            "Enable the audit log type of the cluster's control plane logging (aws eks update-cluster-config --logging).",
        ),
    ),
    manual(
        Eks180,
        "2.1.2",
        C,
        false,
        (
            "Audit logs are collected and managed",
            "Keep the control plane's audit logs in CloudWatch Logs (or forward them) with a retention that suits the organisation.",
        ),
    ),
    // 4 Policies
    manual(Eks180, "4.1.1", P, true, CLUSTER_ADMIN),
    manual(Eks180, "4.1.2", P, true, SECRETS_ACCESS),
    manual(Eks180, "4.1.3", P, true, WILDCARDS),
    manual(Eks180, "4.1.4", P, true, CREATE_PODS),
    manual(Eks180, "4.1.5", P, true, DEFAULT_SA),
    manual(Eks180, "4.1.6", P, true, SA_TOKENS),
    manual(
        Eks180,
        "4.1.7",
        P,
        false,
        (
            "Cluster access is managed with EKS access entries",
            "Grant cluster access with EKS access entries and access policies instead of the aws-auth ConfigMap.",
        ),
    ),
    manual(Eks180, "4.1.8", P, false, ESCALATION_VERBS),
    manual(Eks180, "4.1.9", P, false, CREATE_PV),
    manual(Eks180, "4.1.10", P, false, NODES_PROXY),
    manual(Eks180, "4.1.11", P, false, WEBHOOK_CONFIGS),
    manual(Eks180, "4.1.12", P, false, TOKEN_CREATION),
    manual(Eks180, "4.2.1", P, true, PRIVILEGED),
    manual(Eks180, "4.2.2", P, true, HOST_PID),
    manual(Eks180, "4.2.3", P, true, HOST_IPC),
    manual(Eks180, "4.2.4", P, true, HOST_NETWORK),
    manual(Eks180, "4.2.5", P, true, PRIV_ESCALATION),
    manual(Eks180, "4.3.1", P, false, CNI_POLICIES),
    manual(Eks180, "4.3.2", P, true, NAMESPACE_POLICIES),
    manual(Eks180, "4.4.1", P, true, SECRET_FILES),
    manual(Eks180, "4.4.2", P, false, EXTERNAL_SECRETS),
    manual(Eks180, "4.5.1", P, false, NAMESPACES),
    manual(Eks180, "4.5.2", P, true, DEFAULT_NAMESPACE),
    // 5 Managed services
    manual(
        Eks180,
        "5.1.1",
        S,
        false,
        (
            "Images are scanned for vulnerabilities",
            "Turn on Amazon ECR image scanning (or a third-party scanner) for the repositories the cluster pulls from.",
        ),
    ),
    manual(
        Eks180,
        "5.1.2",
        S,
        false,
        (
            "User access to Amazon ECR is minimal",
            "Grant ECR permissions in IAM only to the people and pipelines that need them.",
        ),
    ),
    manual(
        Eks180,
        "5.1.3",
        S,
        false,
        (
            "The cluster has read-only access to Amazon ECR",
            "Give the node role only the read-only ECR policy (AmazonEC2ContainerRegistryReadOnly).",
        ),
    ),
    manual(Eks180, "5.1.4", S, false, REGISTRIES_APPROVED),
    manual(
        Eks180,
        "5.2.1",
        S,
        false,
        (
            "Workloads use dedicated service accounts for AWS access",
            "Give workloads AWS access through IAM roles for service accounts or EKS Pod Identity, not the node role.",
        ),
    ),
    manual(
        Eks180,
        "5.3.1",
        S,
        false,
        (
            "Secrets are encrypted with a KMS key",
            "Turn on envelope encryption of secrets with an AWS KMS key for the cluster.",
        ),
    ),
    manual(Eks180, "5.4.1", S, false, ENDPOINT_ACCESS),
    manual(Eks180, "5.4.2", S, false, PRIVATE_ENDPOINT),
    manual(Eks180, "5.4.3", S, false, PRIVATE_NODES),
    manual(Eks180, "5.4.4", S, false, NETWORK_POLICY_ON),
    manual(Eks180, "5.4.5", S, false, LB_TLS),
    manual(
        Eks180,
        "5.5.1",
        S,
        false,
        (
            "Cluster users authenticate with AWS IAM",
            "Authenticate people to the cluster with their IAM identities (aws eks get-token), managed through access entries.",
        ),
    ),
];

static GKE_OTHERS: &[CheckDef] = &[
    // 4 Policies
    manual(Gke190, "4.1.1", P, true, CLUSTER_ADMIN),
    manual(Gke190, "4.1.2", P, true, SECRETS_ACCESS),
    manual(Gke190, "4.1.3", P, true, WILDCARDS),
    manual(Gke190, "4.1.4", P, true, DEFAULT_SA),
    manual(Gke190, "4.1.5", P, true, SA_TOKENS),
    manual(
        Gke190,
        "4.1.6",
        P,
        true,
        (
            "The system:masters group is not used",
            "Issue no credentials in system:masters.",
        ),
    ),
    manual(Gke190, "4.1.7", P, false, ESCALATION_VERBS),
    manual(
        Gke190,
        "4.1.8",
        P,
        true,
        (
            "Nothing is bound to system:anonymous",
            "Remove RoleBindings and ClusterRoleBindings to the user system:anonymous.",
        ),
    ),
    manual(
        Gke190,
        "4.1.9",
        P,
        true,
        (
            "Nothing beyond the defaults is bound to system:unauthenticated",
            "Remove non-default bindings to the group system:unauthenticated.",
        ),
    ),
    manual(
        Gke190,
        "4.1.10",
        P,
        true,
        (
            "Nothing beyond the defaults is bound to system:authenticated",
            "Remove non-default bindings to the group system:authenticated.",
        ),
    ),
    manual(
        Gke190,
        "4.2.1",
        P,
        false,
        (
            "Every namespace enforces the baseline Pod Security level or stricter",
            "Label each namespace pod-security.kubernetes.io/enforce: baseline (or restricted).",
        ),
    ),
    manual(Gke190, "4.3.1", P, false, CNI_POLICIES),
    manual(Gke190, "4.3.2", P, true, NAMESPACE_POLICIES),
    manual(Gke190, "4.4.1", P, true, SECRET_FILES),
    manual(Gke190, "4.4.2", P, false, EXTERNAL_SECRETS),
    manual(
        Gke190,
        "4.5.1",
        P,
        false,
        (
            "Image provenance is enforced at admission",
            "Verify image signatures or registries at admission (Binary Authorization or an admission policy).",
        ),
    ),
    manual(Gke190, "4.6.1", P, false, NAMESPACES),
    manual(
        Gke190,
        "4.6.2",
        P,
        false,
        (
            "Pods use the RuntimeDefault seccomp profile",
            "Set seccompProfile: RuntimeDefault in pod security contexts.",
        ),
    ),
    manual(Gke190, "4.6.3", P, false, SECURITY_CONTEXT),
    manual(Gke190, "4.6.4", P, false, DEFAULT_NAMESPACE),
    // 5 Managed services
    manual(
        Gke190,
        "5.1.1",
        S,
        true,
        (
            "Images are scanned for vulnerabilities",
            "Turn on vulnerability scanning for Artifact Registry.",
        ),
    ),
    manual(
        Gke190,
        "5.1.2",
        S,
        false,
        (
            "User access to image repositories is minimal",
            "Grant Artifact Registry roles only to the people and pipelines that need them.",
        ),
    ),
    manual(
        Gke190,
        "5.1.3",
        S,
        false,
        (
            "The cluster has read-only access to image repositories",
            "Give the nodes' service account only the Artifact Registry Reader role.",
        ),
    ),
    manual(
        Gke190,
        "5.1.4",
        S,
        false,
        (
            "Only trusted container images are used",
            "Enforce trusted images with Binary Authorization.",
        ),
    ),
    manual(
        Gke190,
        "5.2.1",
        S,
        true,
        (
            "Nodes do not run as the Compute Engine default service account",
            "Create node pools with a dedicated least-privilege service account.",
        ),
    ),
    manual(
        Gke190,
        "5.2.2",
        S,
        false,
        (
            "Workloads use dedicated service accounts and Workload Identity",
            "Give workloads Google Cloud access through Workload Identity Federation for GKE.",
        ),
    ),
    manual(
        Gke190,
        "5.3.1",
        S,
        false,
        (
            "Secrets are encrypted with a Cloud KMS key",
            "Turn on application-layer secrets encryption with a Cloud KMS key.",
        ),
    ),
    manual(
        Gke190,
        "5.4.1",
        S,
        false,
        (
            "The GKE metadata server is enabled",
            "Run node pools with the GKE metadata server (--workload-metadata=GKE_METADATA).",
        ),
    ),
    manual(
        Gke190,
        "5.5.1",
        S,
        false,
        (
            "Nodes run Container-Optimized OS with containerd",
            "Use the cos_containerd node image.",
        ),
    ),
    manual(
        Gke190,
        "5.5.2",
        S,
        false,
        (
            "Node auto-repair is enabled",
            "Turn on auto-repair for every node pool.",
        ),
    ),
    manual(
        Gke190,
        "5.5.3",
        S,
        false,
        (
            "Node auto-upgrade is enabled",
            "Turn on auto-upgrade for every node pool.",
        ),
    ),
    manual(
        Gke190,
        "5.5.4",
        S,
        false,
        (
            "Version management follows a release channel",
            "Enroll the cluster in a release channel.",
        ),
    ),
    manual(
        Gke190,
        "5.5.5",
        S,
        false,
        (
            "Shielded GKE nodes are enabled",
            "Create clusters with Shielded GKE Nodes.",
        ),
    ),
    manual(
        Gke190,
        "5.5.6",
        S,
        false,
        (
            "Integrity monitoring of shielded nodes is enabled",
            "Create node pools with integrity monitoring turned on.",
        ),
    ),
    manual(
        Gke190,
        "5.5.7",
        S,
        false,
        (
            "Secure boot of shielded nodes is enabled",
            "Create node pools with secure boot turned on.",
        ),
    ),
    manual(
        Gke190,
        "5.6.1",
        S,
        false,
        (
            "VPC flow logs and intranode visibility are enabled",
            "Turn on VPC flow logs on the subnet and intranode visibility on the cluster.",
        ),
    ),
    manual(
        Gke190,
        "5.6.2",
        S,
        false,
        (
            "The cluster is VPC-native",
            "Create VPC-native clusters (alias IP ranges).",
        ),
    ),
    manual(
        Gke190,
        "5.6.3",
        S,
        false,
        (
            "Control plane authorized networks are enabled",
            "Limit the control plane endpoint to authorized networks.",
        ),
    ),
    manual(Gke190, "5.6.4", S, false, PRIVATE_ENDPOINT),
    manual(Gke190, "5.6.5", S, false, PRIVATE_NODES),
    manual(
        Gke190,
        "5.6.6",
        S,
        false,
        (
            "Worker nodes are firewalled",
            "Restrict traffic to the nodes with VPC firewall rules.",
        ),
    ),
    manual(
        Gke190,
        "5.6.7",
        S,
        true,
        (
            "Load balancers use Google-managed certificates",
            "Serve HTTPS ingress with Google-managed SSL certificates.",
        ),
    ),
    manual(
        Gke190,
        "5.7.1",
        S,
        false,
        (
            "Cloud Logging and Cloud Monitoring are enabled",
            "Turn on Cloud Logging and Cloud Monitoring for the cluster.",
        ),
    ),
    manual(
        Gke190,
        "5.7.2",
        S,
        false,
        (
            "Linux auditd logging is enabled",
            "Deploy the auditd logging DaemonSet on the nodes that need it.",
        ),
    ),
    manual(
        Gke190,
        "5.8.1",
        S,
        false,
        (
            "Client certificate authentication is disabled",
            "Create clusters without issuing a client certificate.",
        ),
    ),
    manual(
        Gke190,
        "5.8.2",
        S,
        false,
        (
            "RBAC users are managed with Google Groups",
            "Bind roles to Google Groups for RBAC.",
        ),
    ),
    manual(
        Gke190,
        "5.8.3",
        S,
        false,
        (
            "Legacy authorization (ABAC) is disabled",
            "Turn off legacy authorization on the cluster.",
        ),
    ),
    manual(
        Gke190,
        "5.9.1",
        S,
        false,
        (
            "Persistent disks are encrypted with customer-managed keys",
            "Use a StorageClass with a Cloud KMS key (disk-encryption-kms-key).",
        ),
    ),
    manual(
        Gke190,
        "5.9.2",
        S,
        false,
        (
            "Boot disks are encrypted with customer-managed keys",
            "Create node pools with a boot disk KMS key.",
        ),
    ),
    manual(
        Gke190,
        "5.10.1",
        S,
        false,
        (
            "The Kubernetes web UI is disabled",
            "Turn off the Kubernetes Dashboard add-on.",
        ),
    ),
    manual(
        Gke190,
        "5.10.2",
        S,
        false,
        (
            "Alpha clusters do not run production workloads",
            "Run production workloads only on non-alpha clusters.",
        ),
    ),
    manual(
        Gke190,
        "5.10.3",
        S,
        false,
        (
            "GKE Sandbox is considered for untrusted workloads",
            "Run untrusted workloads in node pools with GKE Sandbox (gVisor).",
        ),
    ),
    manual(
        Gke190,
        "5.10.4",
        S,
        false,
        (
            "Security posture is enabled",
            "Turn on the security posture dashboard for the cluster.",
        ),
    ),
];

static AKS_OTHERS: &[CheckDef] = &[
    // 2 Control plane configuration (run by AKS; logging is enabled in its API)
    manual(
        Aks18,
        "2.1.1",
        C,
        false,
        (
            "Control plane audit logs are enabled",
            "Send the kube-audit log category of the cluster's diagnostic settings to a Log Analytics workspace or storage.",
        ),
    ),
    // 4 Policies
    manual(Aks18, "4.1.1", P, true, CLUSTER_ADMIN),
    manual(Aks18, "4.1.2", P, true, SECRETS_ACCESS),
    manual(Aks18, "4.1.3", P, true, WILDCARDS),
    manual(Aks18, "4.1.4", P, true, CREATE_PODS),
    manual(Aks18, "4.1.5", P, true, DEFAULT_SA),
    manual(Aks18, "4.1.6", P, true, SA_TOKENS),
    manual(Aks18, "4.1.7", P, false, ESCALATION_VERBS),
    manual(Aks18, "4.1.8", P, false, CREATE_PV),
    manual(Aks18, "4.1.9", P, false, NODES_PROXY),
    manual(Aks18, "4.1.10", P, false, CSR_APPROVAL),
    manual(Aks18, "4.1.11", P, false, WEBHOOK_CONFIGS),
    manual(Aks18, "4.1.12", P, false, TOKEN_CREATION),
    manual(Aks18, "4.2.1", P, false, PRIVILEGED),
    manual(Aks18, "4.2.2", P, false, HOST_PID),
    manual(Aks18, "4.2.3", P, false, HOST_IPC),
    manual(Aks18, "4.2.4", P, false, HOST_NETWORK),
    manual(Aks18, "4.2.5", P, false, PRIV_ESCALATION),
    manual(
        Aks18,
        "4.4.1",
        P,
        false,
        (
            "The latest CNI version is used",
            "Keep the cluster's CNI plugin at its latest supported version.",
        ),
    ),
    manual(Aks18, "4.4.2", P, true, NAMESPACE_POLICIES),
    manual(Aks18, "4.5.1", P, true, SECRET_FILES),
    manual(Aks18, "4.5.2", P, false, EXTERNAL_SECRETS),
    manual(Aks18, "4.6.1", P, false, NAMESPACES),
    manual(Aks18, "4.6.2", P, false, SECURITY_CONTEXT),
    manual(Aks18, "4.6.3", P, true, DEFAULT_NAMESPACE),
    // 5 Managed services
    manual(
        Aks18,
        "5.1.1",
        S,
        false,
        (
            "Images are scanned for vulnerabilities",
            "Turn on Microsoft Defender for Containers (or a third-party scanner) for the registries the cluster pulls from.",
        ),
    ),
    manual(
        Aks18,
        "5.1.2",
        S,
        false,
        (
            "User access to Azure Container Registry is minimal",
            "Grant ACR roles only to the people and pipelines that need them.",
        ),
    ),
    manual(
        Aks18,
        "5.1.3",
        S,
        false,
        (
            "The cluster has read-only access to Azure Container Registry",
            "Give the kubelet identity only the AcrPull role.",
        ),
    ),
    manual(Aks18, "5.1.4", S, false, REGISTRIES_APPROVED),
    manual(
        Aks18,
        "5.2.1",
        S,
        false,
        (
            "Workloads use dedicated identities for Azure access",
            "Give workloads Azure access through Microsoft Entra Workload ID, not the node's identity.",
        ),
    ),
    manual(
        Aks18,
        "5.3.1",
        S,
        false,
        (
            "Secrets are encrypted with a Key Vault key",
            "Turn on KMS etcd encryption with an Azure Key Vault key.",
        ),
    ),
    manual(Aks18, "5.4.1", S, false, ENDPOINT_ACCESS),
    manual(Aks18, "5.4.2", S, false, PRIVATE_ENDPOINT),
    manual(Aks18, "5.4.3", S, false, PRIVATE_NODES),
    manual(Aks18, "5.4.4", S, false, NETWORK_POLICY_ON),
    manual(Aks18, "5.4.5", S, false, LB_TLS),
    manual(
        Aks18,
        "5.5.1",
        S,
        false,
        (
            "Cluster users authenticate with Microsoft Entra ID",
            "Turn on the Microsoft Entra ID integration and disable local accounts.",
        ),
    ),
    manual(
        Aks18,
        "5.5.2",
        S,
        false,
        (
            "Authorization uses Azure RBAC for Kubernetes",
            "Turn on Azure RBAC for Kubernetes Authorization.",
        ),
    ),
];

/// Every check of the managed platforms' benchmarks, each benchmark in
/// its own order.
pub fn all() -> impl Iterator<Item = &'static CheckDef> {
    let eks = EKS_OTHERS[..2]
        .iter()
        .chain(&EKS_FILES)
        .chain(&EKS_KUBELET)
        .chain(&EKS_OTHERS[2..]);
    let gke = GKE_FILES.iter().chain(GKE_OTHERS);
    let aks = AKS_OTHERS[..1]
        .iter()
        .chain(&AKS_FILES)
        .chain(&AKS_KUBELET)
        .chain(&AKS_OTHERS[1..]);
    eks.chain(gke).chain(aks)
}

/// The title of a section of a provider benchmark.
#[must_use]
pub fn section_title(platform: Platform, section: &str) -> &'static str {
    match (platform, section) {
        (_, "2.1") | (Platform::Gke, "5.7") => "Logging",
        (_, "3.1") => "Worker Node Configuration Files",
        (_, "3.2") => "Kubelet",
        (_, "4.1") => "RBAC and Service Accounts",
        (Platform::Aks, "4.2") => "Pod Security Policies",
        (_, "4.2") => "Pod Security Standards",
        (Platform::Aks, "4.3") => "Azure Policy / OPA",
        (Platform::Eks, "4.3") | (Platform::Aks, "4.4") => "CNI Plugin",
        (Platform::Gke, "4.3") => "Network Policies and CNI",
        (Platform::Eks | Platform::Gke, "4.4") | (Platform::Aks, "4.5") => "Secrets Management",
        (Platform::Gke, "4.5") => "Extensible Admission Control",
        (_, "4.5" | "4.6") => "General Policies",
        (_, "5.1") => "Image Registry and Image Scanning",
        (Platform::Aks, "5.2") => "Access and identity options for AKS",
        (_, "5.2") => "Identity and Access Management (IAM)",
        (Platform::Eks, "5.3") => "AWS Key Management Service",
        (Platform::Gke, "5.3") => "Cloud Key Management Service (Cloud KMS)",
        (Platform::Aks, "5.3") => "Key Management Service (KMS)",
        (Platform::Gke, "5.4") => "Node Metadata",
        (Platform::Gke, "5.5") => "Node Configuration and Maintenance",
        (_, "5.4") | (Platform::Gke, "5.6") => "Cluster Networking",
        (_, "5.5") | (Platform::Gke, "5.8") => "Authentication and Authorization",
        (Platform::Gke, "5.9") => "Storage",
        _ => "Other Cluster Configurations",
    }
}
