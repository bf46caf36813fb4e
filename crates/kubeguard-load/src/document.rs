//! Text of one file to objects: documents, `List` kinds, non-objects.

use crate::parse::parse_documents;
use kubeguard_core::Diagnostic;
use kubeguard_core::{Node, Object, Pos, Source, Value};
use std::sync::Arc;

/// A YAML document that is not a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub file: String,
    /// Where the document starts.
    pub pos: Pos,
    /// Why it is not an object.
    pub reason: SkipReason,
}

/// Why a document is not a Kubernetes object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// It has no `apiVersion` and `kind`.
    NotAnObject,
    /// It is one of kubeguard's own configuration files (`kubeguard.io/*`,
    /// such as a webhook `AdmissionPolicy`), which never reaches a cluster.
    KubeguardConfig,
}

impl SkipReason {
    /// A one-line explanation for reports.
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            SkipReason::NotAnObject => "not a Kubernetes object (no apiVersion and kind); skipped",
            SkipReason::KubeguardConfig => {
                "kubeguard configuration (apiVersion kubeguard.io/...), not a cluster object; skipped"
            }
        }
    }
}

/// The API group of kubeguard's own configuration files.
const KUBEGUARD_GROUP: &str = "kubeguard.io/";

/// Everything read from one source.
#[derive(Debug, Default)]
pub struct LoadedFile {
    /// The Kubernetes objects, `List` items expanded.
    pub objects: Vec<Object>,
    /// Documents that are not Kubernetes objects.
    pub skipped: Vec<Skipped>,
    /// Errors, each located.
    pub errors: Vec<Diagnostic>,
}

/// Parses `source.text` and collects its objects.
#[must_use]
pub fn load_source(source: Source) -> LoadedFile {
    let source = Arc::new(source);
    let (docs, error) = parse_documents(&source.text);
    let mut out = LoadedFile::default();
    for root in docs.into_iter().flatten() {
        add_document(&source, root, None, &mut out);
    }
    if let Some(e) = error {
        out.errors.push(Diagnostic {
            file: source.name.clone(),
            pos: e.pos,
            message: e.message,
        });
    }
    out
}

/// The element kind of a list kind: `Pod` for `PodList`, empty for the
/// generic `List` (whose items carry their own kind); `None` when `root` is
/// not a list.
fn list_element_kind(root: &Node) -> Option<&str> {
    let kind = root.get("kind").and_then(Node::as_str)?;
    let element = kind.strip_suffix("List")?;
    root.get("items")
        .is_some_and(|i| i.as_seq().is_some() || i.is_null())
        .then_some(element)
}

/// The type an item of a list takes when it names none itself.
struct ListType {
    api_version: String,
    element_kind: String,
}

fn add_document(source: &Arc<Source>, root: Node, list: Option<&ListType>, out: &mut LoadedFile) {
    if root.is_null() {
        return;
    }
    if let Some(element_kind) = list_element_kind(&root) {
        let item_type = ListType {
            api_version: root
                .get("apiVersion")
                .and_then(Node::as_str)
                .unwrap_or_default()
                .to_owned(),
            element_kind: element_kind.to_owned(),
        };
        let Value::Map(mut map) = root.value else {
            return;
        };
        let idx = map.entries.iter().position(|(k, _, _)| &**k == "items");
        if let Some(idx) = idx {
            let (_, _, items) = map.entries.swap_remove(idx);
            if let Value::Seq(items) = items.value {
                let typed = !item_type.element_kind.is_empty();
                for item in items {
                    add_document(source, item, typed.then_some(&item_type), out);
                }
            }
        }
        return;
    }
    let start = root.span.start;
    let skip = |reason| Skipped {
        file: source.name.clone(),
        pos: start,
        reason,
    };
    if root.as_map().is_none() {
        out.skipped.push(skip(SkipReason::NotAnObject));
        return;
    }
    let object = match list {
        Some(t) => {
            Object::from_list_item(Arc::clone(source), root, &t.api_version, &t.element_kind)
        }
        None => Object::from_root(Arc::clone(source), root),
    };
    match object {
        Some(obj) if obj.api_version.starts_with(KUBEGUARD_GROUP) => {
            out.skipped.push(skip(SkipReason::KubeguardConfig));
        }
        Some(obj) => out.objects.push(obj),
        None => out.skipped.push(skip(SkipReason::NotAnObject)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeguard_configuration_is_skipped_with_its_reason() {
        let text = "apiVersion: kubeguard.io/v1alpha1\nkind: AdmissionPolicy\nfailureMode: deny\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";
        let out = load_source(Source::new("policy.yaml", text));
        assert_eq!(out.objects.len(), 1);
        assert_eq!(out.skipped.len(), 1);
        assert_eq!(out.skipped[0].reason, SkipReason::KubeguardConfig);
    }

    #[test]
    fn lists_are_expanded() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: b}\n";
        let out = load_source(Source::new("x.yaml", text));
        assert_eq!(out.objects.len(), 2);
        assert_eq!(out.objects[1].kind, "Service");
        let deployments = "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a}\n";
        assert_eq!(
            load_source(Source::new("x.yaml", deployments))
                .objects
                .len(),
            1
        );
    }

    #[test]
    fn typed_list_items_take_the_element_kind() {
        // As `kubectl get pods -o yaml` prints a PodList: items carry no kind.
        let text = "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a, namespace: shop}\n  spec: {containers: [{name: c, image: nginx}]}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\nmetadata: {resourceVersion: \"1\"}\n";
        let out = load_source(Source::new("pods.yaml", text));
        assert_eq!(out.objects.len(), 2, "{:?}", out.skipped);
        assert_eq!(out.objects[0].kind, "Pod");
        assert_eq!(out.objects[0].api_version, "v1");
        assert_eq!(out.objects[0].namespace.as_deref(), Some("shop"));
        let deployments =
            "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata: {name: web}\n";
        let out = load_source(Source::new("d.yaml", deployments));
        assert_eq!(out.objects[0].kind, "Deployment");
        assert_eq!(out.objects[0].api_version, "apps/v1");
    }

    #[test]
    fn generic_list_items_need_their_own_kind() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- metadata: {name: a}\n";
        let out = load_source(Source::new("x.yaml", text));
        assert!(out.objects.is_empty());
        assert_eq!(out.skipped.len(), 1);
    }

    #[test]
    fn non_objects_are_skipped_and_counted() {
        let out = load_source(Source::new(
            "x.yaml",
            "foo: bar\n---\n- 1\n---\n# only a comment\n",
        ));
        assert_eq!(out.objects.len(), 0);
        assert_eq!(out.skipped.len(), 2);
        assert!(out.errors.is_empty());
    }
}
