//! Decodes `policy.yaml` from the position-keeping node tree, by hand, so
//! every error points at the key or value at fault.

use super::error::PolicyError;
use super::{
    API_VERSION, Action, CelVariable, CustomRule, Exempt, FailureMode, ImagePolicy, KIND, Mutation,
    PodSecurity, Policy, RuleSelection, RuleSelector,
};
use crate::cluster::StaticCluster;
use kubeguard_core::{Map, Node, Pos, ScalarKind, Severity, Value};
use kubeguard_pss::config::{AdmissionConfig, Exemptions};
use kubeguard_pss::{Level, Version};
use std::collections::BTreeMap;
use std::path::Path;

const TOP: &[&str] = &[
    "apiVersion",
    "kind",
    "failureMode",
    "exempt",
    "podSecurity",
    "rules",
    "images",
    "execGuard",
    "customRules",
    "mutation",
    "cluster",
];

/// Parses and validates the text of a policy file.
pub(super) fn decode(name: &str, text: &str, base: Option<&Path>) -> Result<Policy, PolicyError> {
    let (docs, syntax) = kubeguard_load::parse_documents(text);
    if let Some(e) = syntax {
        return Err(PolicyError::at(name, e.pos, e.message));
    }
    let mut docs = docs.into_iter().flatten();
    let Some(root) = docs.next() else {
        return Err(PolicyError::file(name, "the policy file is empty"));
    };
    if let Some(extra) = docs.next() {
        return Err(PolicyError::at(
            name,
            extra.span.start,
            "a policy file holds one YAML document",
        ));
    }
    let d = Decoder { file: name };
    let top = d.fields(&root, "the policy", TOP)?;
    if let Some(v) = top.get("apiVersion") {
        d.fixed(v, "apiVersion", API_VERSION)?;
    }
    if let Some(v) = top.get("kind") {
        d.fixed(v, "kind", KIND)?;
    }
    let mut policy = Policy {
        file: name.to_owned(),
        failure_mode: FailureMode::Deny,
        exempt: Exempt::default(),
        pod_security: None,
        rules: Vec::new(),
        images: None,
        exec_guard: false,
        custom_rules: Vec::new(),
        mutation: Mutation::default(),
        cluster: StaticCluster::default(),
    };
    if let Some(v) = top.get("failureMode") {
        policy.failure_mode = match d.choice(v, "failureMode", &["deny", "allow"])? {
            "allow" => FailureMode::Allow,
            _ => FailureMode::Deny,
        };
    }
    if let Some(v) = top.get("exempt") {
        policy.exempt = d.exempt(v)?;
    }
    if let Some(v) = top.get("podSecurity") {
        policy.pod_security = d.pod_security(v, base)?;
    }
    if let Some(v) = top.get("rules") {
        policy.rules = d.rules(v)?;
    }
    if let Some(v) = top.get("images") {
        policy.images = d.images(v)?;
    }
    if let Some(v) = top.get("execGuard") {
        let m = d.fields(v, "execGuard", &["enabled"])?;
        policy.exec_guard = m
            .get("enabled")
            .map_or(Ok(true), |b| d.bool(b, "enabled"))?;
    }
    if let Some(v) = top.get("customRules") {
        policy.custom_rules = d.custom_rules(v)?;
    }
    if let Some(v) = top.get("mutation") {
        policy.mutation = d.mutation(v)?;
    }
    if let Some(v) = top.get("cluster") {
        policy.cluster = d.cluster(v)?;
    }
    Ok(policy)
}

/// Decoding helpers that know the file name.
pub(super) struct Decoder<'f> {
    pub(super) file: &'f str,
}

impl Decoder<'_> {
    fn err(&self, pos: Pos, message: impl Into<String>) -> PolicyError {
        PolicyError::at(self.file, pos, message)
    }

    /// The mapping at `node`; every key must be one of `known`.
    fn fields<'n>(
        &self,
        node: &'n Node,
        what: &str,
        known: &[&str],
    ) -> Result<&'n Map, PolicyError> {
        let Some(map) = node.as_map() else {
            return Err(self.err(node.span.start, format!("{what} must be a mapping")));
        };
        for (key, span, _) in &map.entries {
            if !known.contains(&&**key) {
                let hint = known
                    .iter()
                    .map(|k| (strsim::jaro_winkler(key, k), *k))
                    .filter(|(score, _)| *score > 0.8)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, k)| format!(" (did you mean {k:?}?)"))
                    .unwrap_or_default();
                return Err(self.err(
                    span.start,
                    format!(
                        "unknown key {key:?} in {what}{hint}; expected one of: {}",
                        known.join(", ")
                    ),
                ));
            }
        }
        Ok(map)
    }

    fn string<'n>(&self, node: &'n Node, what: &str) -> Result<&'n str, PolicyError> {
        node.as_scalar()
            .filter(|s| !matches!(s.kind, ScalarKind::Null))
            .map(|s| &*s.text)
            .ok_or_else(|| self.err(node.span.start, format!("{what} must be a string")))
    }

    fn nonempty_string<'n>(&self, node: &'n Node, what: &str) -> Result<&'n str, PolicyError> {
        let s = self.string(node, what)?;
        if s.trim().is_empty() {
            return Err(self.err(node.span.start, format!("{what} must not be empty")));
        }
        Ok(s)
    }

    fn bool(&self, node: &Node, what: &str) -> Result<bool, PolicyError> {
        match node.as_scalar().map(|s| s.kind) {
            Some(ScalarKind::Bool(b)) => Ok(b),
            _ => Err(self.err(node.span.start, format!("{what} must be true or false"))),
        }
    }

    fn fixed(&self, node: &Node, what: &str, expected: &str) -> Result<(), PolicyError> {
        let s = self.string(node, what)?;
        if s == expected {
            Ok(())
        } else {
            Err(self.err(
                node.span.start,
                format!("{what} must be {expected:?}, found {s:?}"),
            ))
        }
    }

    fn choice<'c>(
        &self,
        node: &Node,
        what: &str,
        choices: &[&'c str],
    ) -> Result<&'c str, PolicyError> {
        let s = self.string(node, what)?;
        choices.iter().copied().find(|c| *c == s).ok_or_else(|| {
            self.err(
                node.span.start,
                format!("{what} must be one of {}, found {s:?}", choices.join(", ")),
            )
        })
    }

    fn action(&self, map: &Map, at: Pos) -> Result<Action, PolicyError> {
        let Some(node) = map.get("action") else {
            return Err(self.err(at, "missing action (deny, warn or audit)"));
        };
        Ok(
            match self.choice(node, "action", &["deny", "warn", "audit"])? {
                "warn" => Action::Warn,
                "audit" => Action::Audit,
                _ => Action::Deny,
            },
        )
    }

    fn string_list(&self, node: &Node, what: &str) -> Result<Vec<String>, PolicyError> {
        let Some(items) = node.as_seq() else {
            return Err(self.err(node.span.start, format!("{what} must be a list of strings")));
        };
        items
            .iter()
            .map(|i| self.nonempty_string(i, what).map(str::to_owned))
            .collect()
    }

    fn exempt(&self, node: &Node) -> Result<Exempt, PolicyError> {
        let m = self.fields(node, "exempt", &["namespaces", "users"])?;
        Ok(Exempt {
            namespaces: m
                .get("namespaces")
                .map_or(Ok(Vec::new()), |n| self.string_list(n, "exempt.namespaces"))?,
            users: m
                .get("users")
                .map_or(Ok(Vec::new()), |n| self.string_list(n, "exempt.users"))?,
        })
    }

    fn pod_security(
        &self,
        node: &Node,
        base: Option<&Path>,
    ) -> Result<Option<PodSecurity>, PolicyError> {
        let m = self.fields(
            node,
            "podSecurity",
            &["enabled", "defaults", "exemptions", "configFile"],
        )?;
        if let Some(e) = m.get("enabled")
            && !self.bool(e, "podSecurity.enabled")?
        {
            return Ok(None);
        }
        if let Some(file) = m.get("configFile") {
            if let Some((_, span, _)) = m
                .entries
                .iter()
                .find(|(k, _, _)| &**k == "defaults" || &**k == "exemptions")
            {
                return Err(self.err(
                    span.start,
                    "podSecurity.configFile and podSecurity.defaults/exemptions exclude each other",
                ));
            }
            let rel = self.nonempty_string(file, "podSecurity.configFile")?;
            let path = base.unwrap_or(Path::new(".")).join(rel);
            let config = super::pss_file::read(&path)?;
            return Ok(Some(PodSecurity { config }));
        }
        let mut config = AdmissionConfig::default();
        if let Some(defaults) = m.get("defaults") {
            self.pss_defaults(defaults, &mut config)?;
        }
        if let Some(ex) = m.get("exemptions") {
            let e = self.fields(
                ex,
                "podSecurity.exemptions",
                &["usernames", "runtimeClasses", "namespaces"],
            )?;
            let list = |key: &str| {
                e.get(key).map_or(Ok(Vec::new()), |n| {
                    self.string_list(n, &format!("podSecurity.exemptions.{key}"))
                })
            };
            config.exemptions = Exemptions {
                usernames: list("usernames")?,
                runtime_classes: list("runtimeClasses")?,
                namespaces: list("namespaces")?,
            };
        }
        Ok(Some(PodSecurity { config }))
    }

    fn pss_defaults(&self, node: &Node, config: &mut AdmissionConfig) -> Result<(), PolicyError> {
        let m = self.fields(
            node,
            "podSecurity.defaults",
            &[
                "enforce",
                "enforce-version",
                "audit",
                "audit-version",
                "warn",
                "warn-version",
            ],
        )?;
        let d = &mut config.defaults;
        for (key, slot) in [
            ("enforce", &mut d.enforce),
            ("audit", &mut d.audit),
            ("warn", &mut d.warn),
        ] {
            if let Some(v) = m.get(key) {
                let s = self.string(v, key)?;
                slot.level = s.parse::<Level>().map_err(|_| {
                    self.err(
                        v.span.start,
                        format!("{key} must be privileged, baseline or restricted, found {s:?}"),
                    )
                })?;
            }
            let vkey = format!("{key}-version");
            if let Some(v) = m.get(&vkey) {
                let s = self.string(v, &vkey)?;
                slot.version = s.parse::<Version>().map_err(|_| {
                    self.err(
                        v.span.start,
                        format!("{vkey} must be \"latest\" or \"v1.N\", found {s:?}"),
                    )
                })?;
            }
        }
        Ok(())
    }

    fn rules(&self, node: &Node) -> Result<Vec<RuleSelection>, PolicyError> {
        let Some(items) = node.as_seq() else {
            return Err(self.err(node.span.start, "rules must be a list of selections"));
        };
        items.iter().map(|item| self.rule_selection(item)).collect()
    }

    fn rule_selection(&self, node: &Node) -> Result<RuleSelection, PolicyError> {
        let m = self.fields(node, "a rules entry", &["select", "minSeverity", "action"])?;
        let selector = match (m.get("select"), m.get("minSeverity")) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(self.err(
                    node.span.start,
                    "a rules entry needs exactly one of select (rule names or codes) and minSeverity",
                ));
            }
            (Some(sel), None) => {
                let names = self.string_list(sel, "select")?;
                for (name, item) in names.iter().zip(sel.items()) {
                    if kubeguard_rules::registry::find(name).is_none() {
                        let hint = kubeguard_rules::registry::closest(name)
                            .map(|s| format!(" (did you mean {s:?}?)"))
                            .unwrap_or_default();
                        return Err(self.err(
                            item.span.start,
                            format!("unknown rule {name:?}{hint}; `kubeguard rules` lists them"),
                        ));
                    }
                }
                RuleSelector::Names(names)
            }
            (None, Some(sev)) => {
                let s = self.string(sev, "minSeverity")?;
                RuleSelector::MinSeverity(
                    s.parse::<Severity>()
                        .map_err(|e| self.err(sev.span.start, e))?,
                )
            }
        };
        Ok(RuleSelection {
            selector,
            action: self.action(m, node.span.start)?,
        })
    }

    fn images(&self, node: &Node) -> Result<Option<ImagePolicy>, PolicyError> {
        let m = self.fields(
            node,
            "images",
            &[
                "enabled",
                "allowedRegistries",
                "requireDigest",
                "forbidLatest",
                "action",
            ],
        )?;
        if let Some(e) = m.get("enabled")
            && !self.bool(e, "images.enabled")?
        {
            return Ok(None);
        }
        let flag = |key: &str| {
            m.get(key)
                .map_or(Ok(false), |b| self.bool(b, &format!("images.{key}")))
        };
        Ok(Some(ImagePolicy {
            allowed_registries: m.get("allowedRegistries").map_or(Ok(Vec::new()), |n| {
                self.string_list(n, "images.allowedRegistries")
            })?,
            require_digest: flag("requireDigest")?,
            forbid_latest: flag("forbidLatest")?,
            action: self.action(m, node.span.start)?,
        }))
    }

    fn custom_rules(&self, node: &Node) -> Result<Vec<CustomRule>, PolicyError> {
        let Some(items) = node.as_seq() else {
            return Err(self.err(node.span.start, "customRules must be a list of rules"));
        };
        let mut out: Vec<CustomRule> = Vec::new();
        for item in items {
            let rule = self.custom_rule(item)?;
            if out.iter().any(|r| r.name == rule.name) {
                return Err(self.err(
                    item.span.start,
                    format!("duplicate custom rule name {:?}", rule.name),
                ));
            }
            out.push(rule);
        }
        Ok(out)
    }

    fn custom_rule(&self, node: &Node) -> Result<CustomRule, PolicyError> {
        let m = self.fields(
            node,
            "a customRules entry",
            &[
                "name",
                "expression",
                "message",
                "action",
                "params",
                "variables",
                "kinds",
                "operations",
            ],
        )?;
        let required = |key: &str| {
            m.get(key)
                .ok_or_else(|| self.err(node.span.start, format!("a custom rule needs {key}")))
        };
        let name_node = required("name")?;
        let name = self.nonempty_string(name_node, "name")?;
        if !is_rule_name(name) {
            return Err(self.err(
                name_node.span.start,
                format!(
                    "custom rule name {name:?} must be lowercase letters, digits and '-', \
                     starting and ending with a letter or digit, at most 50 characters"
                ),
            ));
        }
        let expr = required("expression")?;
        let expression = self.nonempty_string(expr, "expression")?;
        let message = self.nonempty_string(required("message")?, "message")?;
        let operations = m
            .get("operations")
            .map_or(Ok(Vec::new()), |n| self.string_list(n, "operations"))?;
        for (op, item) in operations
            .iter()
            .zip(m.get("operations").into_iter().flat_map(Node::items))
        {
            if !["CREATE", "UPDATE", "DELETE", "CONNECT"].contains(&op.as_str()) {
                return Err(self.err(
                    item.span.start,
                    format!("operation must be CREATE, UPDATE, DELETE or CONNECT, found {op:?}"),
                ));
            }
        }
        Ok(CustomRule {
            name: name.to_owned(),
            expression: expression.to_owned(),
            expression_at: expr.span.start,
            message: message.to_owned(),
            action: self.action(m, node.span.start)?,
            params: m.get("params").map_or(serde_json::Value::Null, to_json),
            variables: m
                .get("variables")
                .map_or(Ok(Vec::new()), |n| self.cel_variables(n))?,
            kinds: m
                .get("kinds")
                .map_or(Ok(Vec::new()), |n| self.string_list(n, "kinds"))?,
            operations,
        })
    }

    fn cel_variables(&self, node: &Node) -> Result<Vec<CelVariable>, PolicyError> {
        let Some(items) = node.as_seq() else {
            return Err(self.err(
                node.span.start,
                "variables must be a list of {name, expression}",
            ));
        };
        let mut out: Vec<CelVariable> = Vec::new();
        for item in items {
            let m = self.fields(item, "a variables entry", &["name", "expression"])?;
            let required = |key: &str| {
                m.get(key)
                    .ok_or_else(|| self.err(item.span.start, format!("a variable needs {key}")))
            };
            let name_node = required("name")?;
            let name = self.nonempty_string(name_node, "variable name")?;
            if !is_cel_identifier(name) {
                return Err(self.err(
                    name_node.span.start,
                    format!(
                        "variable name {name:?} must be a CEL identifier: a letter or '_', \
                         then letters, digits or '_'"
                    ),
                ));
            }
            if out.iter().any(|v| v.name == name) {
                return Err(self.err(
                    name_node.span.start,
                    format!("duplicate variable name {name:?}"),
                ));
            }
            let expr = required("expression")?;
            out.push(CelVariable {
                name: name.to_owned(),
                expression: self.nonempty_string(expr, "expression")?.to_owned(),
                expression_at: expr.span.start,
            });
        }
        Ok(out)
    }

    fn mutation(&self, node: &Node) -> Result<Mutation, PolicyError> {
        let m = self.fields(
            node,
            "mutation",
            &[
                "enabled",
                "seccompProfile",
                "allowPrivilegeEscalation",
                "dropAllCapabilities",
                "runAsNonRoot",
            ],
        )?;
        let flag = |key: &str, default: bool| {
            m.get(key)
                .map_or(Ok(default), |b| self.bool(b, &format!("mutation.{key}")))
        };
        Ok(Mutation {
            enabled: flag("enabled", false)?,
            seccomp_profile: flag("seccompProfile", true)?,
            allow_privilege_escalation: flag("allowPrivilegeEscalation", true)?,
            drop_all_capabilities: flag("dropAllCapabilities", true)?,
            run_as_non_root: flag("runAsNonRoot", true)?,
        })
    }

    fn cluster(&self, node: &Node) -> Result<StaticCluster, PolicyError> {
        let m = self.fields(node, "cluster", &["namespaces"])?;
        let mut out = StaticCluster::default();
        let Some(ns) = m.get("namespaces") else {
            return Ok(out);
        };
        let Some(map) = ns.as_map() else {
            return Err(self.err(
                ns.span.start,
                "cluster.namespaces must map namespace names to {labels: {...}}",
            ));
        };
        for (name, _, value) in &map.entries {
            let labels = match value.value {
                Value::Scalar(ref s) if matches!(s.kind, ScalarKind::Null) => BTreeMap::new(),
                _ => {
                    let entry = self.fields(value, &format!("namespace {name:?}"), &["labels"])?;
                    match entry.get("labels") {
                        Some(l) => self.labels(l)?,
                        None => BTreeMap::new(),
                    }
                }
            };
            out.add_namespace(name.to_string(), labels);
        }
        Ok(out)
    }

    fn labels(&self, node: &Node) -> Result<BTreeMap<String, String>, PolicyError> {
        let Some(map) = node.as_map() else {
            return Err(self.err(node.span.start, "labels must be a mapping of strings"));
        };
        map.entries
            .iter()
            .map(|(k, _, v)| {
                v.scalar_text()
                    .map(|t| (k.to_string(), t.to_owned()))
                    .ok_or_else(|| self.err(v.span.start, format!("label {k:?} must be a string")))
            })
            .collect()
    }
}

/// Whether `name` can be a rule name and part of an annotation key.
fn is_rule_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 50
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// Whether `name` is a CEL identifier (`[a-zA-Z_][a-zA-Z0-9_]*`).
fn is_cel_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A node as JSON (for `params`).
pub(super) fn to_json(node: &Node) -> serde_json::Value {
    crate::offline::node_to_json(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_fit_annotation_keys() {
        for ok in ["a", "team-label", "r2d2"] {
            assert!(is_rule_name(ok), "{ok}");
        }
        let long = "a".repeat(51);
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", long.as_str()] {
            assert!(!is_rule_name(bad), "{bad}");
        }
    }

    #[test]
    fn params_keep_their_types() {
        let p = decode(
            "p.yaml",
            "customRules:\n  - {name: r, expression: 'true', message: m, action: audit, params: {n: 3, f: 1.5, b: true, s: x, l: [1], z: null}}\n",
            None,
        )
        .expect("valid");
        assert_eq!(
            p.custom_rules[0].params,
            serde_json::json!({"n": 3, "f": 1.5, "b": true, "s": "x", "l": [1], "z": null})
        );
        assert_eq!(p.custom_rules[0].action, Action::Audit);
    }
}
