use super::{By, ROLE_KINDS, grants, policy_rules};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::Object;
use kubeguard_rbac::risks::{APPROVE_SIGNERS as SIGNERS, CSR_APPROVAL as APPROVAL};

declare_rule! {
    /// ## What it does
    /// Flags Roles and ClusterRoles that can approve certificate signing
    /// requests: they grant `update` or `patch` on
    /// `certificatesigningrequests/approval` and `approve` on `signers`
    /// (`certificates.k8s.io`), in the same or in different rules, directly
    /// or through `"*"`. Approval needs both, so a role holding only one
    /// of them is left alone. The finding points at the `resources` item
    /// granting the approval; the message names the signers
    /// (`resourceNames` of the `signers` rule) or says any signer.
    ///
    /// ## Why it matters
    /// An approved request for the `kubernetes.io/kube-apiserver-client`
    /// signer becomes a client certificate for whatever user and groups
    /// the requester wrote in it, `system:masters` included: approving is
    /// minting credentials, and certificates cannot be revoked.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: ["certificates.k8s.io"]
    ///   resources: ["certificatesigningrequests/approval"]
    ///   verbs: ["update"]
    /// - apiGroups: ["certificates.k8s.io"]
    ///   resources: ["signers"]
    ///   verbs: ["approve"]
    /// ```
    ///
    /// ## How to fix
    /// Leave approval to the controller manager and cluster
    /// administrators; an approver for a custom signer should name that
    /// signer alone in `resourceNames`.
    code: "KG108",
    name: "rbac-csr-approve",
    severity: High,
    summary: "Role or ClusterRole can approve certificate signing requests",
    remediation: "Remove update and patch on certificatesigningrequests/approval or approve on signers; an approver for a custom signer should name only that signer in resourceNames.",
    kinds: ROLE_KINDS,
    references: ["CIS-5.1.11", "NSA-CISA:authentication-authorization", "MITRE:T1649"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    let rules = policy_rules(obj);
    let signers = grants(&rules, SIGNERS, By::Resource);
    if signers.is_empty() {
        return;
    }
    let which = if signers.iter().any(|g| g.rule.resource_names.is_empty()) {
        "any signer".to_owned()
    } else {
        let mut names: Vec<&str> = Vec::new();
        for name in signers
            .iter()
            .flat_map(|g| g.rule.resource_names.iter().copied())
        {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        format!("signers {}", names.join(", "))
    };
    for grant in grants(&rules, APPROVAL, By::Resource) {
        cx.report(
            grant.at,
            format!(
                "role grants {} and approve on {which}: it can approve certificate requests, minting client certificates for any identity",
                grant.describe()
            ),
        );
    }
}
