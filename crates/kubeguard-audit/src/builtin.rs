//! kubeguard's built-in audit rules: a Falco-format rules file embedded in
//! the binary (`rules/builtin.yaml`), and each rule's entry in the one
//! catalog of rules, with its MITRE ATT&CK technique.

use crate::engine::{RuleSet, load_rules};
use kubeguard_core::{Diagnostic, RuleMeta, Severity};

/// The built-in rules file, as `kubeguard audit scan` loads it without `--rules`.
pub const RULES_YAML: &str = include_str!("../rules/builtin.yaml");

/// The name the built-in file is reported under.
pub const RULES_NAME: &str = "<built-in audit rules>";

/// Compiles the built-in rules.
pub fn rules() -> Result<RuleSet, Vec<Diagnostic>> {
    load_rules(&[(RULES_NAME.to_owned(), RULES_YAML.to_owned())])
}

const fn meta(
    code: &'static str,
    name: &'static str,
    severity: Severity,
    summary: &'static str,
    docs: &'static str,
    remediation: &'static str,
    references: &'static [&'static str],
) -> RuleMeta {
    RuleMeta {
        code,
        name,
        group: "audit",
        severity,
        summary,
        docs,
        remediation,
        kinds: &[],
        references,
    }
}

/// The catalog entries of the built-in audit rules, in file order, and of
/// the baseline's first-seen alerts.
#[must_use]
pub fn metas() -> Vec<&'static RuleMeta> {
    META.iter().chain(std::iter::once(&BASELINE)).collect()
}

/// The alerts of `audit scan --baseline`.
static BASELINE: RuleMeta = meta(
    "KG813",
    crate::baseline::RULE_NAME,
    Severity::Low,
    "An identity did something its learned baseline does not hold",
    "## What it does\n`kubeguard audit scan --baseline baseline.json` alerts the first time an identity uses a (verb, resource, subresource, namespace) combination that `kubeguard audit learn` did not see it use, with a rarity score from 0.2 (only the combination is new) to 1.0 (an identity never seen).\n\n## Why it matters\nStolen credentials are used for things their owner never does: listing secrets, touching other namespaces.\n\n## How to fix\nConfirm the activity; learn the baseline again from a period that includes it when it is expected.",
    "Confirm the activity with the identity's owner; relearn the baseline when it is expected.",
    &["MITRE:T1078"],
);

static META: [RuleMeta; 12] = [
    meta(
        "KG801",
        "audit-pod-exec",
        Severity::Medium,
        "A command was run in a pod (exec, attach or an ephemeral container)",
        "## What it does\nAlerts on `pods/exec`, `pods/attach` and `pods/ephemeralcontainers` requests in the audit log.\n\n## Why it matters\nRunning commands inside a workload is how an intruder who holds credentials reaches the data and tokens mounted in it.\n\n## How to fix\nList the accounts that may do this in `kg_known_exec_users`; remove `pods/exec` from everyone else's roles.",
        "Investigate who ran the command; restrict pods/exec and pods/attach to break-glass accounts.",
        &["MITRE:T1609"],
    ),
    meta(
        "KG802",
        "audit-secret-read",
        Severity::Medium,
        "Secrets were read or listed by an identity that is not a Kubernetes component",
        "## What it does\nAlerts on successful get, list and watch of secrets by identities outside `system:` and outside `kg_known_secret_readers`.\n\n## Why it matters\nListing secrets is the quickest way to harvest credentials after an initial compromise.\n\n## How to fix\nAdd expected readers (CI deployers, operators) to `kg_known_secret_readers`; remove secret access from the others.",
        "Confirm the read was expected; rotate the secrets if not, and narrow the identity's RBAC.",
        &["MITRE:T1552.007"],
    ),
    meta(
        "KG803",
        "audit-cluster-admin-binding",
        Severity::Critical,
        "A binding to cluster-admin was created or changed",
        "## What it does\nAlerts when a RoleBinding or ClusterRoleBinding whose roleRef is `cluster-admin` is created, updated or patched.\n\n## Why it matters\nIts subjects can do anything: a classic persistence and escalation step.\n\n## How to fix\nDelete the binding unless it was planned; list planned RBAC administrators in `kg_known_rbac_admins`.",
        "Delete the binding unless it was planned, and find out how the creator could create it.",
        &["MITRE:T1098.006"],
    ),
    meta(
        "KG804",
        "audit-wildcard-role",
        Severity::Medium,
        "A Role or ClusterRole granting `*` verbs or resources was created or changed",
        "## What it does\nAlerts when a role's rules grant every verb or every resource.\n\n## Why it matters\nWildcards grant today's and tomorrow's permissions, including escalate, bind and impersonate.\n\n## How to fix\nList the verbs and resources the role needs.",
        "Replace the wildcard with the verbs and resources the role needs.",
        &["MITRE:T1098.006"],
    ),
    meta(
        "KG805",
        "audit-privileged-pod",
        Severity::Critical,
        "A pod with a privileged container was created",
        "## What it does\nAlerts when a pod whose regular, init or ephemeral container is privileged is created, unless its images are in `kg_trusted_host_images`.\n\n## Why it matters\nA privileged container has the node's devices and capabilities: a direct escape to the host.\n\n## How to fix\nDelete the pod unless expected; enforce the Pod Security baseline level on the namespace.",
        "Delete the pod unless it is an expected node agent; enforce Pod Security baseline on its namespace.",
        &["MITRE:T1611", "MITRE:T1610"],
    ),
    meta(
        "KG806",
        "audit-host-namespace-pod",
        Severity::High,
        "A pod sharing the node's network, PID or IPC namespace was created",
        "## What it does\nAlerts when a pod with hostNetwork, hostPID or hostIPC is created, unless its images are trusted.\n\n## Why it matters\nHost namespaces expose the node's processes, traffic and services to the pod.\n\n## How to fix\nDelete the pod unless expected; enforce the Pod Security baseline level.",
        "Delete the pod unless it is an expected node agent; enforce Pod Security baseline on its namespace.",
        &["MITRE:T1611"],
    ),
    meta(
        "KG807",
        "audit-sensitive-hostpath-pod",
        Severity::High,
        "A pod mounting a sensitive host path was created",
        "## What it does\nAlerts when a pod mounts `/`, `/etc`, `/proc`, a container runtime socket, the kubelet directory or another path of `kg_sensitive_host_paths`.\n\n## Why it matters\nThese mounts give the pod the node's credentials or control of its container runtime.\n\n## How to fix\nDelete the pod unless expected; enforce the Pod Security baseline level.",
        "Delete the pod unless it is an expected node agent; use volumes that do not expose the node.",
        &["MITRE:T1611"],
    ),
    meta(
        "KG808",
        "audit-anonymous-access",
        Severity::Medium,
        "A request by an anonymous or unauthenticated identity was allowed",
        "## What it does\nAlerts when the authorizer allowed a request by `system:anonymous` or the `system:unauthenticated` group, other than health checks.\n\n## Why it matters\nAnything allowed to anonymous users is open to anyone who can reach the API server.\n\n## How to fix\nRemove the bindings that grant `system:anonymous` or `system:unauthenticated`, or run the API server with `--anonymous-auth=false`.",
        "Remove RBAC bindings to system:anonymous and system:unauthenticated.",
        &["MITRE:T1078.001", "CIS:1.2.1"],
    ),
    meta(
        "KG809",
        "audit-serviceaccount-token-request",
        Severity::Medium,
        "A service account token was requested by an identity other than the kubelet or control plane",
        "## What it does\nAlerts on `serviceaccounts/token` create requests (TokenRequest) by identities other than nodes and the control plane.\n\n## Why it matters\nMinting a token for another service account takes over its permissions.\n\n## How to fix\nRemove `create` on `serviceaccounts/token` from identities that do not need it.",
        "Check why the identity minted a token; remove create on serviceaccounts/token from its roles.",
        &["MITRE:T1528"],
    ),
    meta(
        "KG810",
        "audit-admission-webhook-change",
        Severity::Medium,
        "An admission webhook configuration or admission policy was changed",
        "## What it does\nAlerts when mutating or validating webhook configurations, or validating or mutating admission policies and their bindings, are created, changed or deleted by a non-system identity.\n\n## Why it matters\nAdmission control decides what may run; removing it disables policy, and a new mutating webhook can inject code into every pod.\n\n## How to fix\nReview the change; restrict write access to admission configuration.",
        "Review the change and restrict write access to admissionregistration.k8s.io resources.",
        &["MITRE:T1562.001"],
    ),
    meta(
        "KG811",
        "audit-pod-security-label-lifted",
        Severity::Medium,
        "A namespace's Pod Security enforce label was set to privileged or removed",
        "## What it does\nAlerts when a namespace is created, updated or patched with `pod-security.kubernetes.io/enforce: privileged`, or a patch removes the label.\n\n## Why it matters\nThe namespace then admits privileged and host-namespace pods.\n\n## How to fix\nRestore the label (`baseline` or `restricted`); restrict who may update namespaces.",
        "Restore the enforce label to baseline or restricted.",
        &["MITRE:T1562.001", "PSS:labels"],
    ),
    meta(
        "KG812",
        "audit-policy-tampering",
        Severity::High,
        "What the API server audits was changed or deleted",
        "## What it does\nAlerts when an AuditSink, a kube-system ConfigMap named like an audit policy, or the kube-apiserver mirror pod is changed or deleted.\n\n## Why it matters\nChanging the audit configuration hides what an intruder does next.\n\n## How to fix\nRestore the audit configuration and investigate the identity that changed it.",
        "Restore the audit configuration and investigate the identity that changed it.",
        &["MITRE:T1562.008"],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_rule_has_a_catalog_entry_and_a_technique() {
        let set = rules().unwrap();
        let names: Vec<&str> = set.rules().iter().map(|r| r.name.as_str()).collect();
        let catalog: Vec<&str> = META.iter().map(|m| m.name).collect();
        assert_eq!(names, catalog);
        for rule in set.rules() {
            let technique = rule
                .tags
                .iter()
                .find(|t| t.starts_with('T') && t[1..].starts_with(|c: char| c.is_ascii_digit()));
            let technique =
                technique.unwrap_or_else(|| panic!("{} has no technique tag", rule.name));
            let meta = META.iter().find(|m| m.name == rule.name).unwrap();
            assert!(
                meta.references
                    .contains(&format!("MITRE:{technique}").as_str()),
                "{}",
                rule.name
            );
        }
    }
}
