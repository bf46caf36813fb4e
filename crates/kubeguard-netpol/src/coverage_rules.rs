//! The result codes of `kubeguard netpol coverage`, in the one catalog of
//! rules. Namespaces without a default deny are reported under the manifest
//! rule `namespace-without-default-deny`, which asks the same question.

use kubeguard_core::{RuleMeta, Severity};

const KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "NetworkPolicy",
];

const fn meta(
    code: &'static str,
    name: &'static str,
    severity: Severity,
    summary: &'static str,
    remediation: &'static str,
) -> RuleMeta {
    RuleMeta {
        code,
        name,
        group: "netpol-analysis",
        severity,
        summary,
        docs: summary,
        remediation,
        kinds: KINDS,
        references: &["NSA-CISA:network-separation"],
    }
}

/// A pod or workload that no NetworkPolicy (or Calico policy) selects: all
/// its traffic is allowed unless a default deny covers its namespace.
pub static UNSELECTED_POD: RuleMeta = meta(
    "KG730",
    "netpol-pod-not-selected",
    Severity::Medium,
    "Pod or workload is selected by no NetworkPolicy",
    "Select the pods with a NetworkPolicy that allows only the traffic they need, or add a default-deny policy to the namespace.",
);

/// A `hostNetwork` pod: no NetworkPolicy can restrict its traffic.
pub static HOST_NETWORK_POD: RuleMeta = meta(
    "KG731",
    "netpol-host-network-pod",
    Severity::Low,
    "hostNetwork pod is outside NetworkPolicy control",
    "Run the pod in its own network namespace (remove hostNetwork) so that NetworkPolicies apply to it.",
);

/// A policy whose selector matches no pod of the input.
pub static POLICY_SELECTS_NOTHING: RuleMeta = meta(
    "KG732",
    "netpol-policy-selects-nothing",
    Severity::Low,
    "NetworkPolicy selects no pod",
    "Fix the podSelector (a typo in a label leaves the pods it meant to protect open), or remove the policy.",
);

/// A rule whose peers can never match.
pub static RULE_NEVER_MATCHES: RuleMeta = meta(
    "KG733",
    "netpol-rule-never-matches",
    Severity::Low,
    "NetworkPolicy rule can never match",
    "Fix the rule's namespaceSelector so that it matches the namespaces meant, or remove the rule.",
);

/// A rule open to every pod, namespace or address.
pub static BROAD_RULE: RuleMeta = meta(
    "KG734",
    "netpol-broad-rule",
    Severity::Medium,
    "NetworkPolicy rule allows every pod, namespace or address",
    "Name the peers the traffic needs (podSelector, namespaceSelector with labels, or narrow ipBlock CIDRs).",
);

/// The codes of `netpol coverage` (besides `namespace-without-default-deny`).
#[must_use]
pub fn metas() -> Vec<&'static RuleMeta> {
    vec![
        &UNSELECTED_POD,
        &HOST_NETWORK_POD,
        &POLICY_SELECTS_NOTHING,
        &RULE_NEVER_MATCHES,
        &BROAD_RULE,
    ]
}
