use super::{ROLE_KINDS, is_wildcard, policy_rules, text};
use crate::{Check, Ctx, declare_rule};
use kubeguard_core::{Object, Severity};
use kubeguard_rbac::matcher;

declare_rule! {
    /// ## What it does
    /// Flags Role and ClusterRole rules with `"*"` in `apiGroups`,
    /// `resources` or `verbs`, and says which. A rule with `"*"` in all
    /// three and no `resourceNames` grants everything and is reported as
    /// critical (as `kubeguard rbac risks` reports its subjects as
    /// cluster-admin equivalent). So are rules that are cluster-admin in all
    /// but name: `"*"` resources in `"*"` API groups with every read and
    /// write verb listed one by one (`get`, `list`, `watch`, `create`,
    /// `update`, `patch`, `delete`), and `"*"` verbs on `"*"` resources of
    /// the core group (`""`), which holds Secrets, `pods/exec`,
    /// `serviceaccounts/token` and `nodes/proxy`. The finding points at the
    /// first `"*"` of the rule.
    ///
    /// ## Why it matters
    /// A wildcard grants more than its author listed, including resources
    /// and verbs that are dangerous on their own (`secrets`, `pods/exec`,
    /// `escalate`, `bind`, `impersonate`) and anything an API or a CRD adds
    /// later. `"*"` everywhere is `cluster-admin` under another name.
    ///
    /// ## Example
    /// ```yaml
    /// rules:
    /// - apiGroups: ["*"]
    ///   resources: ["*"]
    ///   verbs: ["*"]
    /// ```
    ///
    /// ## How to fix
    /// List the API groups, resources and verbs the subject needs:
    /// ```yaml
    /// rules:
    /// - apiGroups: ["apps"]
    ///   resources: ["deployments"]
    ///   verbs: ["get", "list", "watch", "patch"]
    /// ```
    code: "KG100",
    name: "rbac-wildcard",
    severity: High,
    summary: "Role or ClusterRole rule uses a wildcard",
    remediation: "Replace \"*\" in apiGroups, resources and verbs with the exact API groups, resources and verbs the subject needs.",
    kinds: ROLE_KINDS,
    references: ["CIS-5.1.3", "NSA-CISA:authentication-authorization", "MITRE:T1078"],
    check: Check::Object(&check),
}

fn check(obj: &Object, cx: &mut Ctx<'_>) {
    for rule in policy_rules(obj) {
        let found: Vec<_> = [
            ("apiGroups", &rule.api_groups),
            ("resources", &rule.resources),
            ("verbs", &rule.verbs),
        ]
        .into_iter()
        .filter_map(|(field, items)| items.iter().find(|i| is_wildcard(i)).map(|i| (field, i)))
        .collect();
        let Some(at) = found
            .iter()
            .map(|(_, item)| *item)
            .min_by_key(|item| item.at)
        else {
            continue;
        };
        let everything = matcher::grants_everything(
            rule.verbs.iter().map(text),
            rule.api_groups.iter().map(text),
            rule.resources.iter().map(text),
            rule.resource_names.is_empty(),
        );
        if everything {
            cx.report_with_severity(
                at,
                Severity::Critical,
                "rule has \"*\" in apiGroups, resources and verbs: it grants every action on every resource, as cluster-admin does",
            );
        } else if let Some(why) = cluster_admin_in_all_but_name(&rule) {
            cx.report_with_severity(
                at,
                Severity::Critical,
                format!("rule {why}: it is cluster-admin in all but name"),
            );
        } else {
            let fields: Vec<&str> = found.iter().map(|(field, _)| *field).collect();
            cx.report(
                at,
                format!(
                    "rule has \"*\" in {}{}: it grants more than it lists, including resources and verbs added later",
                    fields.join(" and "),
                    rule.names_note()
                ),
            );
        }
    }
}

/// The verbs that, all listed on every resource, leave nothing out that
/// matters (`escalate`, `bind` and `impersonate` only add to them).
const READ_WRITE_VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];

/// How `rule` is cluster-admin without `"*"` in all three fields, if it is:
/// every read and write verb listed on `"*"` resources of every API group,
/// or `"*"` verbs on `"*"` resources of the core group.
fn cluster_admin_in_all_but_name(rule: &super::PolicyRule<'_>) -> Option<&'static str> {
    if !rule.resource_names.is_empty() || !rule.resources.iter().any(is_wildcard) {
        return None;
    }
    let every_group = rule.api_groups.iter().any(is_wildcard);
    let every_verb = rule.verbs.iter().any(is_wildcard);
    if every_group && READ_WRITE_VERBS.iter().all(|v| rule.verb(v).is_some()) {
        Some("lists every read and write verb on \"*\" resources in every API group")
    } else if every_verb && rule.api_group("").is_some() {
        Some(
            "grants \"*\" verbs on \"*\" resources of the core API group (Secrets, pods/exec, serviceaccounts/token, nodes/proxy)",
        )
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::{Engine, Policy, Selection, Settings};
    use kubeguard_core::{Severity, Source};

    fn severities(rules: &str) -> Vec<Severity> {
        let text = format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: r}}\nrules:\n{rules}"
        );
        let loaded = kubeguard_load::load_source(Source::new("r.yaml", text));
        let selection = Selection {
            select: vec!["rbac-wildcard".into()],
            ..Selection::default()
        };
        let engine = Engine::new(&Policy::new(&selection).unwrap(), Settings::default());
        let (findings, _) = engine.check_all(&loaded.objects);
        findings.iter().map(|f| f.severity).collect()
    }

    #[test]
    fn everything_is_critical_unless_names_narrow_it() {
        assert_eq!(
            severities("- {apiGroups: ['*'], resources: ['*'], verbs: ['*']}\n"),
            [Severity::Critical]
        );
        assert_eq!(
            severities(
                "- {apiGroups: ['*'], resources: ['*'], verbs: ['*'], resourceNames: [a]}\n"
            ),
            [Severity::High]
        );
        assert_eq!(
            severities(
                "- {apiGroups: ['*'], resources: ['*'], verbs: [get, list, watch, create, update, patch, delete]}\n"
            ),
            [Severity::Critical]
        );
        assert_eq!(
            severities("- {apiGroups: [''], resources: ['*'], verbs: ['*']}\n"),
            [Severity::Critical]
        );
        assert_eq!(
            severities("- {apiGroups: ['*'], resources: ['*'], verbs: [get, list, watch]}\n"),
            [Severity::High]
        );
    }
}
