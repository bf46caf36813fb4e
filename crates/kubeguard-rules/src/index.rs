//! The cross-object index: light summaries of every object, built once per
//! scan, from which cluster-wide rules work.

use crate::context::ObjectInfo;
use kubeguard_core::{Located, Node, ObjectRef, Pos};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Namespaces that cluster-wide namespace rules leave alone: they belong to
/// the control plane and are managed by it.
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// A place recorded for a later finding.
#[derive(Debug, Clone)]
pub struct Anchor {
    /// The file reported.
    pub file: Arc<str>,
    /// Resolved position.
    pub pos: Pos,
    /// Field path.
    pub path: String,
    /// The object.
    pub object: Arc<ObjectRef>,
    /// The source line, for snippets.
    pub snippet: Option<Box<str>>,
}

impl Anchor {
    pub(crate) fn new(info: &ObjectInfo<'_>, at: &Located<'_>) -> Self {
        let source = &info.obj.source;
        let pos = source.resolve(at.at);
        Anchor {
            file: Arc::clone(&info.file),
            pos,
            path: at.path(),
            object: Arc::clone(&info.object_ref),
            snippet: info.snippet(at, pos),
        }
    }
}

/// What the input says about one namespace.
#[derive(Debug, Default)]
pub struct NamespaceInfo {
    /// The Namespace object, pointing at its `metadata.labels` (or
    /// `metadata` when it has no labels), when the input declares it.
    pub declared: Option<Anchor>,
    /// The Namespace object's labels.
    pub labels: BTreeMap<String, String>,
    /// The first object placed in the namespace by `metadata.namespace`.
    pub first_use: Option<Anchor>,
    /// A policy selects every pod for ingress and allows nothing.
    pub deny_ingress: bool,
    /// A policy selects every pod for egress and allows nothing.
    pub deny_egress: bool,
    /// A ResourceQuota exists in it.
    pub has_quota: bool,
    /// A LimitRange exists in it.
    pub has_limit_range: bool,
}

impl NamespaceInfo {
    /// Where namespace findings point: the Namespace object if declared,
    /// else the first object placed in the namespace.
    #[must_use]
    pub fn anchor(&self) -> Option<&Anchor> {
        self.declared.as_ref().or(self.first_use.as_ref())
    }

    fn merge(&mut self, other: NamespaceInfo) {
        if self.declared.is_none() {
            self.declared = other.declared;
            self.labels = other.labels;
        }
        if self.first_use.is_none() {
            self.first_use = other.first_use;
        }
        self.deny_ingress |= other.deny_ingress;
        self.deny_egress |= other.deny_egress;
        self.has_quota |= other.has_quota;
        self.has_limit_range |= other.has_limit_range;
    }
}

/// Summaries of all objects of a scan.
#[derive(Debug, Default)]
pub struct Index {
    namespaces: BTreeMap<String, NamespaceInfo>,
}

impl Index {
    /// Records what `info`'s object says about its namespace.
    pub(crate) fn add(&mut self, info: &ObjectInfo<'_>) {
        let obj = info.obj;
        let root = obj.located();
        if obj.kind == "Namespace" && obj.api_version == "v1" {
            let Some(name) = &obj.name else { return };
            let Ok(meta) = root.lookup(&["metadata"]) else {
                return;
            };
            let at = meta.get("labels").unwrap_or(meta);
            let labels = at
                .node
                .as_map()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.to_owned(), v.scalar_text()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            let ns = self.namespaces.entry(name.clone()).or_default();
            if ns.declared.is_none() {
                ns.declared = Some(Anchor::new(info, &at));
                ns.labels = labels;
            }
            return;
        }
        if obj.is_cluster_scoped() {
            return;
        }
        let Some(name) = &obj.namespace else { return };
        let ns = self.namespaces.entry(name.clone()).or_default();
        if ns.first_use.is_none()
            && let Ok(at) = root.lookup(&["metadata", "namespace"])
        {
            ns.first_use = Some(Anchor::new(info, &at));
        }
        match obj.kind.as_str() {
            "ResourceQuota" => ns.has_quota = true,
            "LimitRange" => ns.has_limit_range = true,
            "NetworkPolicy" if obj.group() == "networking.k8s.io" => {
                let (ingress, egress) = default_deny(&obj.root);
                ns.deny_ingress |= ingress;
                ns.deny_egress |= egress;
            }
            _ => {}
        }
    }

    /// What the input says about the namespace `name`.
    #[must_use]
    pub fn namespace(&self, name: &str) -> Option<&NamespaceInfo> {
        self.namespaces.get(name)
    }

    /// Merges an index built over later files into this one.
    pub fn merge(&mut self, other: Index) {
        for (name, info) in other.namespaces {
            self.namespaces.entry(name).or_default().merge(info);
        }
    }

    /// Whether a finding of the cross-object rules may be about the object
    /// `object` of `file`: whether a place recorded here belongs to it.
    #[must_use]
    pub fn anchors(&self, file: &str, object: &ObjectRef) -> bool {
        // A Namespace object anchors its own name; any other object, the
        // namespace it is placed in.
        [object.namespace.as_deref(), object.name.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|ns| self.namespaces.get(ns))
            .flat_map(|info| [info.declared.as_ref(), info.first_use.as_ref()])
            .flatten()
            .any(|a| &*a.file == file && *a.object == *object)
    }

    /// Namespaces the input declares or places objects in, system ones excluded.
    pub fn namespaces(&self) -> impl Iterator<Item = (&str, &NamespaceInfo)> {
        self.namespaces
            .iter()
            .filter(|(name, _)| !SYSTEM_NAMESPACES.contains(&name.as_str()))
            .map(|(name, info)| (name.as_str(), info))
    }
}

/// Whether a NetworkPolicy denies all ingress and/or all egress of every pod
/// in its namespace: it selects all pods (`podSelector: {}`), the direction
/// is in its effective `policyTypes`, and it has no rule for it. As the API
/// server defaults an empty `policyTypes`, it holds Ingress, and Egress
/// when the policy has at least one egress rule.
fn default_deny(policy: &Node) -> (bool, bool) {
    let Some(spec) = policy.get("spec") else {
        return (false, false);
    };
    let selects_all = spec.get("podSelector").is_some_and(|sel| {
        sel.is_null()
            || sel.as_map().is_some_and(|m| {
                m.iter().all(|(_, v)| {
                    v.is_null()
                        || v.as_map().is_some_and(kubeguard_core::Map::is_empty)
                        || v.as_seq().is_some_and(<[Node]>::is_empty)
                })
            })
    });
    if !selects_all {
        return (false, false);
    }
    let no_rules = |key| {
        spec.get(key)
            .is_none_or(|r| r.is_null() || r.as_seq().is_some_and(<[Node]>::is_empty))
    };
    let (has_ingress_type, has_egress_type) = match spec.get("policyTypes") {
        Some(types) if types.as_seq().is_some_and(|t| !t.is_empty()) => (
            types.items().any(|t| t.as_str() == Some("Ingress")),
            types.items().any(|t| t.as_str() == Some("Egress")),
        ),
        _ => (
            true,
            spec.get("egress")
                .is_some_and(|e| !e.as_seq().unwrap_or_default().is_empty()),
        ),
    };
    (
        has_ingress_type && no_rules("ingress"),
        has_egress_type && no_rules("egress"),
    )
}

#[cfg(test)]
mod tests {
    use super::default_deny;

    fn policy(spec: &str) -> (bool, bool) {
        let text = format!("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nspec:\n{spec}");
        let (docs, err) = kubeguard_load::parse_documents(&text);
        assert!(err.is_none());
        default_deny(docs[0].as_ref().unwrap())
    }

    #[test]
    fn default_deny_shapes() {
        assert_eq!(policy("  podSelector: {}\n"), (true, false));
        assert_eq!(
            policy("  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"),
            (true, true)
        );
        assert_eq!(
            policy("  podSelector: {}\n  policyTypes: [Egress]\n"),
            (false, true)
        );
        assert_eq!(
            policy("  podSelector: {}\n  ingress: [{}]\n"),
            (false, false)
        );
        assert_eq!(policy("  podSelector: {}\n  egress: []\n"), (true, false));
        assert_eq!(
            policy("  podSelector: {matchLabels: {app: a}}\n"),
            (false, false)
        );
        assert_eq!(
            policy(
                "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  egress:\n  - to: [{podSelector: {}}]\n"
            ),
            (true, false)
        );
    }
}
