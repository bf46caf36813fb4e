//! Which objects a Kustomize patch applies to, decided as Kustomize decides.
//!
//! A patch with a `target` applies to the objects its selector selects:
//! `group`, `version` and `kind` match the object's, and `name` and
//! `namespace` its original name and namespace or its current ones (after
//! the name prefixes, suffixes and namespaces of the kustomizations
//! already applied), each a regular expression over the whole value;
//! `labelSelector` and `annotationSelector` match its current labels and
//! annotations. A strategic merge patch without a `target` applies to the
//! object with its own `apiVersion`, `kind`, name and namespace, the name
//! and namespace being the object's current ones or any it had before.

use crate::selector::LabelSelector;
use kubeguard_core::Node;
use regex::Regex;
use std::collections::BTreeMap;

/// An object as a patch sees it when it is applied.
#[derive(Debug, Clone, Default)]
pub(crate) struct Identity {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Its names and namespaces so far, the original first, the current last.
    pub ids: Vec<(String, String)>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

impl Identity {
    /// The identity of `object` as written in its file.
    pub(crate) fn of(object: &Node) -> Self {
        let (group, version) = api_version(object.get("apiVersion"));
        let text = |path: &[&str]| {
            object
                .get_path(path)
                .and_then(Node::scalar_text)
                .unwrap_or("")
                .to_owned()
        };
        Identity {
            group,
            version,
            kind: text(&["kind"]),
            ids: vec![(
                text(&["metadata", "name"]),
                text(&["metadata", "namespace"]),
            )],
            labels: string_map(object.get_path(&["metadata", "labels"])),
            annotations: string_map(object.get_path(&["metadata", "annotations"])),
        }
    }

    fn original(&self) -> (&str, &str) {
        self.ids.first().map_or(("", ""), |(n, ns)| (n, ns))
    }

    fn current(&self) -> (&str, &str) {
        self.ids.last().map_or(("", ""), |(n, ns)| (n, ns))
    }

    /// Records a new name and namespace, when they changed.
    pub(crate) fn rename(&mut self, name: String, namespace: String) {
        if self.current() != (name.as_str(), namespace.as_str()) {
            self.ids.push((name, namespace));
        }
    }

    /// The current name and namespace.
    pub(crate) fn name_and_namespace(&self) -> (String, String) {
        let (name, namespace) = self.current();
        (name.to_owned(), namespace.to_owned())
    }
}

/// The objects one patch applies to.
#[derive(Debug)]
pub(crate) enum Target {
    /// A `target` selector.
    Selector(Selector),
    /// A strategic merge patch's own `apiVersion`, `kind`, name and namespace.
    Own {
        group: String,
        version: String,
        kind: String,
        name: String,
        namespace: String,
    },
    /// A target that cannot select anything (an invalid expression).
    Nothing,
}

/// The fields of a `target`.
#[derive(Debug, Default)]
pub(crate) struct Selector {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

impl Target {
    /// The target a `target:` mapping describes.
    pub(crate) fn selector(target: &Node) -> Self {
        let text = |key: &str| {
            target
                .get(key)
                .and_then(Node::scalar_text)
                .filter(|t| !t.is_empty())
        };
        let mut valid = true;
        let mut regex = |key: &str| {
            let pattern = text(key)?;
            let anchored = Regex::new(&format!("^(?:{pattern})$"));
            valid &= anchored.is_ok();
            anchored.ok()
        };
        let mut selector = Selector {
            group: regex("group"),
            version: regex("version"),
            kind: regex("kind"),
            name: regex("name"),
            namespace: regex("namespace"),
            ..Selector::default()
        };
        for (key, slot) in [
            ("labelSelector", &mut selector.labels),
            ("annotationSelector", &mut selector.annotations),
        ] {
            if let Some(text) = text(key) {
                *slot = LabelSelector::parse(text);
                valid &= slot.is_some();
            }
        }
        if valid {
            Target::Selector(selector)
        } else {
            Target::Nothing
        }
    }

    /// The target of a strategic merge patch without `target`: the object
    /// `patch` names.
    pub(crate) fn own(patch: &Node) -> Self {
        let id = Identity::of(patch);
        let (name, namespace) = id.original();
        Target::Own {
            name: name.to_owned(),
            namespace: namespace.to_owned(),
            group: id.group,
            version: id.version,
            kind: id.kind,
        }
    }

    /// Whether the patch applies to the object `id`.
    pub(crate) fn matches(&self, id: &Identity) -> bool {
        match self {
            Target::Nothing => false,
            Target::Selector(s) => {
                let is =
                    |re: &Option<Regex>, value: &str| re.as_ref().is_none_or(|r| r.is_match(value));
                let (name, namespace) = id.original();
                let (cur_name, cur_namespace) = id.current();
                is(&s.group, &id.group)
                    && is(&s.version, &id.version)
                    && is(&s.kind, &id.kind)
                    && (is(&s.name, name) || is(&s.name, cur_name))
                    && (is(&s.namespace, effective(namespace))
                        || is(&s.namespace, effective(cur_namespace)))
                    && s.labels.as_ref().is_none_or(|l| l.matches(&id.labels))
                    && s.annotations
                        .as_ref()
                        .is_none_or(|a| a.matches(&id.annotations))
            }
            Target::Own {
                group,
                version,
                kind,
                name,
                namespace,
            } => {
                *group == id.group
                    && *version == id.version
                    && *kind == id.kind
                    && id
                        .ids
                        .iter()
                        .any(|(n, ns)| n == name && effective(ns) == effective(namespace))
            }
        }
    }
}

/// A namespace as Kustomize compares it: none is `default`.
fn effective(namespace: &str) -> &str {
    if namespace.is_empty() {
        "default"
    } else {
        namespace
    }
}

/// The group and version of an `apiVersion` (`v1` has no group).
fn api_version(node: Option<&Node>) -> (String, String) {
    let text = node.and_then(Node::scalar_text).unwrap_or("");
    match text.split_once('/') {
        Some((group, version)) => (group.to_owned(), version.to_owned()),
        None => (String::new(), text.to_owned()),
    }
}

/// A mapping of scalars (labels, annotations) as strings.
pub(crate) fn string_map(node: Option<&Node>) -> BTreeMap<String, String> {
    let Some(map) = node.and_then(Node::as_map) else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(k, v)| Some((k.to_owned(), v.scalar_text()?.to_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_documents;

    fn node(text: &str) -> Node {
        parse_documents(text)
            .0
            .into_iter()
            .flatten()
            .next()
            .unwrap()
    }

    const API: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels: {app: api, tier: back}\n  annotations: {team: pay}\n";

    #[test]
    fn selectors_match_every_target_field() {
        let mut id = Identity::of(&node(API));
        id.rename("prod-api".into(), "prod".into());
        let selects = |target: &str| Target::selector(&node(target)).matches(&id);
        assert!(selects("kind: Deployment"));
        assert!(selects(
            "{group: apps, version: v1, kind: Deployment, name: api}"
        ));
        // Names are whole-value expressions, original or current.
        assert!(selects("name: prod-api"));
        assert!(selects("name: 'a.i'"));
        assert!(selects("name: '.*-api'"));
        assert!(!selects("name: ap"));
        assert!(!selects("name: pi"));
        assert!(selects("namespace: default"));
        assert!(selects("namespace: prod"));
        assert!(!selects("namespace: staging"));
        assert!(!selects("kind: Deploy"));
        assert!(selects("kind: Deploy.*"));
        assert!(!selects("group: ''\nkind: StatefulSet"));
        assert!(!selects("version: v1beta1"));
        assert!(selects("labelSelector: app=api,tier in (back)"));
        assert!(!selects("labelSelector: '!tier'"));
        assert!(selects("annotationSelector: team"));
        assert!(!selects("annotationSelector: team=ops"));
        // An invalid expression selects nothing.
        assert!(!selects("name: '('"));
        assert!(!selects("labelSelector: 'app in web'"));
    }

    #[test]
    fn a_patch_without_target_names_its_object() {
        let mut id = Identity::of(&node(API));
        id.rename("prod-api".into(), "prod".into());
        let own = |patch: &str| Target::own(&node(patch)).matches(&id);
        assert!(own(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}"
        ));
        assert!(own(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: prod-api, namespace: prod}"
        ));
        // The namespace belongs with the name it was set with.
        assert!(!own(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: prod}"
        ));
        assert!(!own(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ap}"
        ));
        assert!(!own(
            "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: api}"
        ));
        assert!(!own(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: api}"
        ));
    }
}
