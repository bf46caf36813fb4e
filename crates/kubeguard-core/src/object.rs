//! Kubernetes objects as the loader produces them.

use crate::finding::ObjectRef;
use crate::located::Located;
use crate::node::{Node, Pos};
use crate::snippet::Snippet;
use std::sync::{Arc, OnceLock};

/// Where a document came from: the file name to report and its text.
#[derive(Debug)]
pub struct Source {
    /// The file name as reported (`<stdin>` for stdin, a path otherwise).
    pub name: String,
    /// The full text.
    pub text: String,
    /// For rendered input (Helm), maps lines of `text` back to template files.
    pub origin: Option<RenderedOrigin>,
    /// How many lines above and below the reported one a snippet shows.
    context_lines: u8,
    /// Byte offsets of the starts of the lines snippets are taken from,
    /// computed on first use.
    line_starts: OnceLock<Vec<usize>>,
}

/// Rendered text (Helm output) remembers the template it came from.
#[derive(Debug, Default)]
pub struct RenderedOrigin {
    /// For each rendered line (index = line - 1): the template line with the
    /// same text, when exactly one template line has it.
    pub line_map: Vec<Option<u32>>,
    /// The template file's text.
    pub template_text: String,
    /// Rendered lines written in another file than the template (a field a
    /// Kustomize patch adds): by rendered line, the index of the file in
    /// [`RenderedOrigin::other_files`] and the position there.
    pub elsewhere: std::collections::BTreeMap<u32, (usize, Pos)>,
    /// The other files [`RenderedOrigin::elsewhere`] points into: the name
    /// to report and the text, for snippets.
    pub other_files: Vec<(String, String)>,
}

/// Where a rendered position is written: in another file than the
/// source's own (`file`), or in its own file (`file: None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written<'a> {
    /// The other file's name, when not the source's own.
    pub file: Option<&'a str>,
    /// Line and column in that file.
    pub pos: Pos,
}

impl Source {
    /// Creates a source for plain (not rendered) text.
    #[must_use]
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
            origin: None,
            context_lines: 0,
            line_starts: OnceLock::new(),
        }
    }

    /// Creates a source for a live object (read from a cluster or a
    /// snapshot): there is no file to open, so snippets show the object's
    /// YAML around the reported line.
    #[must_use]
    pub fn live(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source {
            context_lines: LIVE_CONTEXT_LINES,
            ..Source::new(name, text)
        }
    }

    /// Creates a source for rendered text that maps back to a template.
    #[must_use]
    pub fn rendered(
        name: impl Into<String>,
        text: impl Into<String>,
        origin: RenderedOrigin,
    ) -> Self {
        Source {
            origin: Some(origin),
            ..Source::new(name, text)
        }
    }

    /// The position to report for `pos`: itself for plain text; for rendered
    /// text, the matching template line, else the nearest matched line above.
    #[must_use]
    pub fn resolve(&self, pos: Pos) -> Pos {
        let Some(origin) = &self.origin else {
            return pos;
        };
        let idx = (pos.line as usize).saturating_sub(1);
        if let Some(Some(line)) = origin.line_map.get(idx) {
            // Where a line's content starts: after its indentation and any
            // sequence dashes, which the other side may not share.
            let indent =
                |t: Option<&str>| t.map_or(0, |t| t.len() - t.trim_start_matches([' ', '-']).len());
            let rendered = indent(self.text.lines().nth(idx));
            let template = indent(origin.template_text.lines().nth(*line as usize - 1));
            let col = (pos.col as usize + template)
                .saturating_sub(rendered)
                .max(1);
            return Pos {
                line: *line,
                col: u32::try_from(col).unwrap_or(1),
            };
        }
        let above = origin.line_map[..idx.min(origin.line_map.len())]
            .iter()
            .rev()
            .find_map(|l| *l);
        Pos {
            line: above.unwrap_or(1),
            col: 1,
        }
    }

    /// The snippet for reported line `line`: the line, and for live objects
    /// the lines around it. A line for which `hidden` holds (one showing a
    /// secret value) is never shown: the reported line being hidden gives
    /// no snippet, a hidden line around it ends the context on that side.
    #[must_use]
    pub fn snippet(&self, line: u32, hidden: impl Fn(u32) -> bool) -> Option<Snippet> {
        if hidden(line) {
            return None;
        }
        let reported = self.line_text(line)?;
        let span = u32::from(self.context_lines);
        let above: Vec<&str> = (line.saturating_sub(span).max(1)..line)
            .rev()
            .map_while(|l| self.line_text(l).filter(|_| !hidden(l)))
            .collect();
        let below =
            (line + 1..=line + span).map_while(|l| self.line_text(l).filter(|_| !hidden(l)));
        let lines: Vec<&str> = above
            .iter()
            .rev()
            .copied()
            .chain(std::iter::once(reported))
            .chain(below)
            .collect();
        Some(Snippet::new(&lines, u8::try_from(above.len()).unwrap_or(0)))
    }

    /// Where `pos` is written: for a rendered line written in another file
    /// (a field a Kustomize patch adds), that file and the position there;
    /// otherwise the source's own file at [`Source::resolve`].
    #[must_use]
    pub fn locate(&self, pos: Pos) -> Written<'_> {
        let other = self.origin.as_ref().and_then(|o| {
            let (file, at) = o.elsewhere.get(&pos.line)?;
            Some((o.other_files.get(*file)?, *at))
        });
        match other {
            Some(((name, _), at)) => Written {
                file: Some(name),
                pos: at,
            },
            None => Written {
                file: None,
                pos: self.resolve(pos),
            },
        }
    }

    /// The text of line `written.pos.line` of the file `written` names, for
    /// code snippets.
    #[must_use]
    pub fn written_line(&self, written: Written<'_>) -> Option<&str> {
        let Some(name) = written.file else {
            return self.line_text(written.pos.line);
        };
        let (_, text) = self
            .origin
            .as_ref()?
            .other_files
            .iter()
            .find(|(n, _)| n == name)?;
        let idx = usize::try_from(written.pos.line).ok()?.checked_sub(1)?;
        text.lines().nth(idx).map(|l| l.trim_end_matches('\r'))
    }

    /// The text of reported line `line` (1-based), for code snippets: a
    /// template line for rendered text.
    #[must_use]
    pub fn line_text(&self, line: u32) -> Option<&str> {
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        let text = self
            .origin
            .as_ref()
            .map_or(&self.text, |o| &o.template_text);
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
                .collect()
        });
        let start = *starts.get(idx)?;
        let end = starts.get(idx + 1).map_or(text.len(), |next| next - 1);
        if start >= text.len() {
            return None;
        }
        Some(text[start..end].trim_end_matches('\r'))
    }
}

/// Lines shown above and below the reported one for a live object.
const LIVE_CONTEXT_LINES: u8 = 3;

/// Kinds that are not namespaced; everything else lands in a namespace.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "PodSecurityPolicy",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "CertificateSigningRequest",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "ClusterIssuer",
    "AdminNetworkPolicy",
    "BaselineAdminNetworkPolicy",
    "CiliumClusterwideNetworkPolicy",
    "GlobalNetworkPolicy",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "TokenReview",
    "SubjectAccessReview",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "SelfSubjectReview",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "VolumeAttributesClass",
    "ServiceCIDR",
    "IPAddress",
    "DeviceClass",
    "ClusterTrustBundle",
    "ComponentStatus",
];

/// One Kubernetes object (one YAML document, or one item of a `List`).
#[derive(Debug)]
pub struct Object {
    /// The file it was read from.
    pub source: Arc<Source>,
    /// The object's root mapping.
    pub root: Node,
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name` (or `metadata.generateName`).
    pub name: Option<String>,
    /// `metadata.namespace` as written.
    pub namespace: Option<String>,
}

impl Object {
    /// Builds an object from a root mapping; `None` if it has no string
    /// `apiVersion` and `kind` (not a Kubernetes object).
    #[must_use]
    pub fn from_root(source: Arc<Source>, root: Node) -> Option<Self> {
        Self::with_type(source, root, None)
    }

    /// Builds an object from an item of a typed list (`PodList`,
    /// `DeploymentList`, ...). As the API server's decoder does, an item
    /// without `apiVersion` or `kind` (as `kubectl get pods -o yaml` prints
    /// them) takes the list's `apiVersion` and its element kind.
    #[must_use]
    pub fn from_list_item(
        source: Arc<Source>,
        root: Node,
        list_api_version: &str,
        element_kind: &str,
    ) -> Option<Self> {
        Self::with_type(source, root, Some((list_api_version, element_kind)))
    }

    fn with_type(source: Arc<Source>, root: Node, default: Option<(&str, &str)>) -> Option<Self> {
        let field = |key: &str, fallback: Option<&str>| {
            match root.get(key) {
                Some(node) => node.as_str(),
                None => fallback,
            }
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
        };
        let api_version = field("apiVersion", default.map(|d| d.0))?;
        let kind = field("kind", default.map(|d| d.1))?;
        let meta = root.get("metadata");
        let text = |k| {
            meta.and_then(|m| m.get(k))
                .and_then(Node::scalar_text)
                .map(str::to_owned)
        };
        let name = text("name").or_else(|| text("generateName"));
        let namespace = text("namespace");
        Some(Object {
            source,
            root,
            api_version,
            kind,
            name,
            namespace,
        })
    }

    /// The root as a [`Located`] with an empty path.
    #[must_use]
    pub fn located(&self) -> Located<'_> {
        Located::root(&self.root)
    }

    /// The API group (`apps` for `apps/v1`, empty for the core group).
    #[must_use]
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }

    /// Whether the kind is cluster-scoped (has no namespace).
    #[must_use]
    pub fn is_cluster_scoped(&self) -> bool {
        CLUSTER_SCOPED.contains(&self.kind.as_str())
    }

    /// The namespace the object lands in: `None` for cluster-scoped kinds,
    /// `default` when a namespaced object names none.
    #[must_use]
    pub fn effective_namespace(&self) -> Option<&str> {
        if self.is_cluster_scoped() {
            None
        } else {
            Some(self.namespace.as_deref().unwrap_or("default"))
        }
    }

    /// A label value from `metadata.labels`.
    #[must_use]
    pub fn label(&self, key: &str) -> Option<&str> {
        self.root
            .get_path(&["metadata", "labels", key])
            .and_then(Node::scalar_text)
    }

    /// Whether this is a control-plane static pod as kubeadm writes them
    /// (a Pod in `kube-system` labelled `tier: control-plane`). Static pods
    /// cannot use service accounts, so rules about those skip them.
    #[must_use]
    pub fn is_control_plane_static_pod(&self) -> bool {
        self.kind == "Pod"
            && self.namespace.as_deref() == Some("kube-system")
            && self.label("tier") == Some("control-plane")
    }

    /// An annotation value from `metadata.annotations`.
    #[must_use]
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.root
            .get_path(&["metadata", "annotations", key])
            .and_then(Node::scalar_text)
    }

    /// The identity reported with findings.
    #[must_use]
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.effective_namespace().map(str::to_owned),
            name: self.name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Source;

    #[test]
    fn live_snippets_show_the_lines_around_and_never_hidden_ones() {
        let text = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\nh: 8\n";
        let live = Source::live("cluster://ctx/ConfigMap/x", text);
        let all: Vec<_> = live
            .snippet(5, |_| false)
            .unwrap()
            .numbered(5)
            .map(|(n, _)| n)
            .collect();
        assert_eq!(all, [2, 3, 4, 5, 6, 7, 8]);
        let near_top: Vec<_> = live
            .snippet(1, |_| false)
            .unwrap()
            .numbered(1)
            .map(|(n, _)| n)
            .collect();
        assert_eq!(near_top, [1, 2, 3, 4]);
        let cut = live.snippet(5, |l| l == 3 || l == 7).unwrap();
        assert_eq!(
            cut.numbered(5).collect::<Vec<_>>(),
            [(4, "d: 4"), (5, "e: 5"), (6, "f: 6")]
        );
        assert!(live.snippet(5, |l| l == 5).is_none());
        let file = Source::new("a.yaml", text);
        assert_eq!(
            file.snippet(5, |_| false).unwrap(),
            crate::Snippet::from("e: 5")
        );
    }

    #[test]
    fn line_text_matches_lines() {
        for text in ["a\nb\r\n\nd", "a\nb\n", "", "single"] {
            let source = Source::new("x", text);
            for (i, expected) in text.lines().enumerate() {
                assert_eq!(
                    source.line_text(u32::try_from(i + 1).unwrap()),
                    Some(expected),
                    "{text:?} line {}",
                    i + 1
                );
            }
            assert_eq!(
                source.line_text(u32::try_from(text.lines().count() + 1).unwrap()),
                None,
                "{text:?}"
            );
            assert_eq!(source.line_text(0), None);
        }
    }
}
