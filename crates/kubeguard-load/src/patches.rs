//! The patches of a Kustomize tree, so that a field a patch adds is traced
//! to the patch that writes it.
//!
//! Kustomize's origin annotation names only the file that holds an object.
//! A field of the rendered object that file does not have, or has with
//! another value, was written by a patch or a transformer; this module
//! reads the patches of every kustomization of the tree and of the
//! components it uses (`patches`, `patchesStrategicMerge` and
//! `patchesJson6902`, in files or inline) and finds the one that writes the
//! field:
//!
//! - a strategic merge patch applies to the object of its kind and name (or
//!   of its `target`'s kind and name); it writes a field when the same
//!   path exists in it, list items paired by `name` (else by position);
//! - a JSON 6902 patch applies to its `target`'s kind and name; its `add`
//!   and `replace` operations write the field at their `path` and the
//!   fields inside their `value`.
//!
//! Targets are matched on kind and name (the rendered name may carry a
//! prefix or suffix); a target that names no object (a label selector)
//! matches every object of its kind. When several patches write a field,
//! the last one applied that writes the rendered value wins: an overlay's
//! patches come after its bases' and components'.

use crate::parse::parse_documents;
use kubeguard_core::{Node, Pos, Scalar, ScalarKind};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The names Kustomize looks for in a kustomization directory.
const KUSTOMIZATION_FILES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// One step of a field path of the rendered object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence item: its index and its `name`, when it has one.
    Item(usize, Option<String>),
}

/// Where a patch's text lies in its file: the positions of the parsed
/// text, shifted (an inline patch is parsed on its own).
#[derive(Debug, Clone, Copy, Default)]
struct Shift {
    lines: u32,
    cols: u32,
}

impl Shift {
    fn apply(self, pos: Pos) -> Pos {
        Pos {
            line: pos.line.saturating_add(self.lines),
            col: pos.col.saturating_add(self.cols),
        }
    }
}

/// What a patch does.
#[derive(Debug)]
enum Body {
    /// A strategic merge patch: the document itself.
    Strategic(Node),
    /// JSON 6902 operations that write a value (`add`, `replace`).
    Json6902(Vec<Op>),
}

/// An `add` or `replace` operation.
#[derive(Debug)]
struct Op {
    /// The steps of its `path`.
    path: Vec<String>,
    /// Where its `path` key is written.
    at: Pos,
    /// Its `value`.
    value: Option<Node>,
}

/// One patch, with the objects it applies to.
#[derive(Debug)]
struct Patch {
    /// Index into [`Patches::files`].
    file: usize,
    shift: Shift,
    kind: Option<String>,
    name: Option<String>,
    body: Body,
}

/// A field a patch writes: the file (index into [`Patches::files`]), the
/// position, and the node to follow for the fields inside it.
pub(crate) struct Hit<'a> {
    pub file: usize,
    pub pos: Pos,
    pub node: Option<&'a Node>,
    shift: Shift,
}

/// The patches of a Kustomize tree, in the order Kustomize applies them.
#[derive(Debug, Default)]
pub(crate) struct Patches {
    /// The files patches are written in: path and text.
    pub files: Vec<(PathBuf, String)>,
    patches: Vec<Patch>,
}

impl Patches {
    /// Reads the patches of the kustomization in `dir` and of every local
    /// kustomization it builds on.
    pub(crate) fn of_tree(dir: &Path) -> Self {
        let mut patches = Patches::default();
        let mut seen = HashSet::new();
        patches.read_dir(dir, &mut seen);
        patches
    }

    fn read_dir(&mut self, dir: &Path, seen: &mut HashSet<PathBuf>) {
        let dir = crate::kustomize::normalize(&std::path::absolute(dir).unwrap_or_default());
        if !seen.insert(dir.clone()) {
            return;
        }
        let Some(file) = KUSTOMIZATION_FILES
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
        else {
            return;
        };
        let Ok(text) = std::fs::read_to_string(&file) else {
            return;
        };
        let (docs, _) = parse_documents(&text);
        let Some(Some(root)) = docs.into_iter().next() else {
            return;
        };
        // Bases first: their patches are applied before this one's.
        for key in ["resources", "bases", "components"] {
            for name in root.get(key).into_iter().flat_map(Node::items) {
                if let Some(name) = name.as_str() {
                    let path = dir.join(name);
                    if path.is_dir() {
                        self.read_dir(&path, seen);
                    }
                }
            }
        }
        let own = self.add_file(file, text.clone());
        for item in root
            .get("patchesStrategicMerge")
            .into_iter()
            .flat_map(Node::items)
        {
            self.add_content(&dir, own, &text, item, None, false);
        }
        for item in root.get("patches").into_iter().flat_map(Node::items) {
            self.add_item(&dir, own, &text, item, false);
        }
        for item in root
            .get("patchesJson6902")
            .into_iter()
            .flat_map(Node::items)
        {
            self.add_item(&dir, own, &text, item, true);
        }
    }

    fn add_file(&mut self, path: PathBuf, text: String) -> usize {
        if let Some(i) = self.files.iter().position(|(p, _)| *p == path) {
            return i;
        }
        self.files.push((path, text));
        self.files.len() - 1
    }

    /// A `patches` or `patchesJson6902` item: `path` or `patch`, and an
    /// optional `target`.
    fn add_item(&mut self, dir: &Path, own: usize, text: &str, item: &Node, json: bool) {
        let target = item.get("target");
        let content = item.get("path").or_else(|| item.get("patch"));
        if let Some(content) = content {
            self.add_content(dir, own, text, content, target, json);
        }
    }

    /// Reads a patch given as a file name or inline text (`node`, written
    /// in kustomization file `own` whose text is `text`).
    fn add_content(
        &mut self,
        dir: &Path,
        own: usize,
        text: &str,
        node: &Node,
        target: Option<&Node>,
        json: bool,
    ) {
        let Some(value) = node.as_str() else { return };
        let path = dir.join(value);
        let (file, body_text, shift) = if !value.contains('\n') && path.is_file() {
            let Ok(body) = std::fs::read_to_string(&path) else {
                return;
            };
            let file = crate::kustomize::normalize(&path);
            (self.add_file(file, body.clone()), body, Shift::default())
        } else {
            (own, value.to_owned(), inline_shift(text, node))
        };
        let (docs, _) = parse_documents(&body_text);
        let target_of = |key: &str| {
            target
                .and_then(|t| t.get(key))
                .and_then(Node::as_str)
                .map(str::to_owned)
        };
        for doc in docs.into_iter().flatten() {
            let body = if doc.as_seq().is_some() {
                Body::Json6902(ops(&doc))
            } else if json {
                continue;
            } else {
                Body::Strategic(doc)
            };
            let (kind, name) = match &body {
                Body::Strategic(doc) if target.is_none() => (
                    doc.get("kind").and_then(Node::as_str).map(str::to_owned),
                    doc.get_path(&["metadata", "name"])
                        .and_then(Node::as_str)
                        .map(str::to_owned),
                ),
                _ => (target_of("kind"), target_of("name")),
            };
            self.patches.push(Patch {
                file,
                shift,
                kind,
                name,
                body,
            });
        }
    }

    /// The last patch that applies to the object of `kind` named `name`
    /// and writes the field at `path` whose rendered value is `rendered`
    /// (a patch that writes another scalar there was overridden).
    pub(crate) fn find(
        &self,
        kind: &str,
        name: &str,
        path: &[Seg],
        rendered: &Node,
    ) -> Option<Hit<'_>> {
        let agrees = |&(_, node): &(Pos, Option<&Node>)| match (rendered.as_scalar(), node) {
            (Some(r), Some(n)) => n.as_scalar().is_some_and(|n| same_scalar(r, n)),
            _ => true,
        };
        self.patches.iter().rev().find_map(|p| {
            let applies = p.kind.as_deref().is_none_or(|k| k == kind)
                && p.name.as_deref().is_none_or(|n| name.contains(n));
            if !applies {
                return None;
            }
            let (pos, node) = match &p.body {
                Body::Strategic(doc) => walk(doc, path).filter(agrees)?,
                Body::Json6902(ops) => ops
                    .iter()
                    .rev()
                    .find_map(|op| op.find(path).filter(agrees))?,
            };
            Some(Hit {
                file: p.file,
                pos: p.shift.apply(pos),
                node,
                shift: p.shift,
            })
        })
    }
}

/// Whether two scalars have the same value: the same text for strings,
/// the same resolved value otherwise.
pub(crate) fn same_scalar(a: &Scalar, b: &Scalar) -> bool {
    match (a.kind, b.kind) {
        (ScalarKind::Str, ScalarKind::Str) => a.text == b.text,
        (a, b) => a == b,
    }
}

impl Hit<'_> {
    /// The position of `pos`, a position inside [`Hit::node`], in the file.
    pub(crate) fn shifted(&self, pos: Pos) -> Pos {
        self.shift.apply(pos)
    }
}

impl Op {
    /// Where the operation writes the field at `path`: its `path` key for
    /// the field itself, the key inside its `value` for a field below.
    fn find(&self, path: &[Seg]) -> Option<(Pos, Option<&Node>)> {
        if self.path.len() > path.len() {
            return None;
        }
        let same = self.path.iter().zip(path).all(|(step, seg)| match seg {
            Seg::Key(k) => step == k,
            Seg::Item(i, _) => step == "-" || step.parse::<usize>().is_ok_and(|n| n == *i),
        });
        // An added list item is the rendered item of the same name.
        let last = self.path.len().checked_sub(1).and_then(|i| path.get(i));
        let other_item = match (last, &self.value) {
            (Some(Seg::Item(_, Some(name))), Some(value)) => {
                item_name(value).is_some_and(|n| n != name)
            }
            _ => false,
        };
        if !same || other_item {
            return None;
        }
        let rest = &path[self.path.len()..];
        if rest.is_empty() {
            return Some((self.at, self.value.as_ref()));
        }
        walk(self.value.as_ref()?, rest)
    }
}

/// The `name` of a sequence item (a container, port, volume).
pub(crate) fn item_name(item: &Node) -> Option<&str> {
    item.get("name").and_then(Node::as_str)
}

/// The item of `items` that pairs with the item at index `i` named `name`
/// of another list: the one of the same name, or, for an item without a
/// name, the one at the same index.
pub(crate) fn paired_item<'a>(items: &'a [Node], i: usize, name: Option<&str>) -> Option<&'a Node> {
    match name {
        Some(name) => items.iter().find(|n| item_name(n) == Some(name)),
        None => items.get(i),
    }
}

/// The `add` and `replace` operations of a JSON 6902 patch.
fn ops(doc: &Node) -> Vec<Op> {
    doc.items()
        .filter(|op| matches!(op.get("op").and_then(Node::as_str), Some("add" | "replace")))
        .filter_map(|op| {
            let (_, at, path) = op.as_map()?.entry("path")?;
            let path = path.as_str()?.strip_prefix('/')?;
            Some(Op {
                path: path
                    .split('/')
                    .map(|s| s.replace("~1", "/").replace("~0", "~"))
                    .collect(),
                at: at.start,
                value: op.get("value").cloned(),
            })
        })
        .collect()
}

/// Follows `path` in a patch document: where the last step is written
/// (the key of a mapping entry, the start of a list item) and its node.
fn walk<'a>(doc: &'a Node, path: &[Seg]) -> Option<(Pos, Option<&'a Node>)> {
    let mut node = doc;
    let mut at = doc.span.start;
    for seg in path {
        match seg {
            Seg::Key(k) => {
                let (_, span, value) = node.as_map()?.entry(k)?;
                at = span.start;
                node = value;
            }
            Seg::Item(i, name) => {
                let item = paired_item(node.as_seq()?, *i, name.as_deref())?;
                at = item.span.start;
                node = item;
            }
        }
    }
    Some((at, Some(node)))
}

/// The shift of an inline patch written as the scalar `node` of the
/// kustomization `text`: a block scalar's content starts on the next line,
/// indented; a flow scalar's on its own line, after its quote.
fn inline_shift(text: &str, node: &Node) -> Shift {
    let start = node.span.start;
    let line = text
        .lines()
        .nth(usize::try_from(start.line).unwrap_or(0).saturating_sub(1))
        .unwrap_or("");
    let col = usize::try_from(start.col).unwrap_or(1).saturating_sub(1);
    let indicator = line.get(col..).unwrap_or("").trim_start();
    if indicator.starts_with('|') || indicator.starts_with('>') {
        let content = text
            .lines()
            .skip(usize::try_from(start.line).unwrap_or(0))
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let indent = content.len() - content.trim_start().len();
        Shift {
            lines: start.line,
            cols: u32::try_from(indent).unwrap_or(0),
        }
    } else {
        let quoted = u32::from(indicator.starts_with(['"', '\'']));
        Shift {
            lines: start.line.saturating_sub(1),
            cols: start.col.saturating_sub(1) + quoted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of a one-line YAML document.
    fn value(text: &str) -> Node {
        parse_documents(text)
            .0
            .into_iter()
            .flatten()
            .next()
            .unwrap()
    }

    fn key(k: &str) -> Seg {
        Seg::Key(k.to_owned())
    }

    /// The file name and position `hit` points at.
    fn place(patches: &Patches, hit: Option<Hit<'_>>) -> Option<(String, Pos)> {
        let hit = hit?;
        let name = patches.files[hit.file].0.file_name()?.to_str()?.to_owned();
        Some((name, hit.pos))
    }

    #[test]
    fn inline_patches_are_located_in_the_kustomization() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("kustomization.yaml"),
            "patchesStrategicMerge:\n- |-\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: api\n  spec:\n    replicas: 3\npatches:\n- target: {kind: Deployment}\n  patch: '[{\"op\": \"add\", \"path\": \"/spec/template/spec/hostPID\", \"value\": true}]'\n",
        )
        .unwrap();
        let patches = Patches::of_tree(dir.path());
        let replicas = patches.find(
            "Deployment",
            "prod-api",
            &[key("spec"), key("replicas")],
            &value("3"),
        );
        assert_eq!(
            place(&patches, replicas),
            Some(("kustomization.yaml".into(), Pos { line: 8, col: 5 }))
        );
        // A target without a name applies to every object of its kind; the
        // operation is located at its `path` key, inside the quotes.
        let path = [key("spec"), key("template"), key("spec"), key("hostPID")];
        let host_pid = patches.find("Deployment", "worker", &path, &value("true"));
        assert_eq!(
            place(&patches, host_pid),
            Some(("kustomization.yaml".into(), Pos { line: 11, col: 26 }))
        );
        // The strategic merge patch names `api`; other kinds are not patched.
        let replicas = [key("spec"), key("replicas")];
        assert!(
            patches
                .find("Deployment", "worker", &replicas, &value("3"))
                .is_none()
        );
        assert!(
            patches
                .find("StatefulSet", "api", &path, &value("true"))
                .is_none()
        );
    }

    #[test]
    fn the_last_patch_writing_the_rendered_value_is_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("kustomization.yaml"),
            "patches:\n- path: three.yaml\n- path: ops.yaml\n  target:\n    kind: Deployment\n    name: api\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("three.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: proxy\n        args: [--verbose]\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("ops.yaml"),
            "- op: replace\n  path: /spec/replicas\n  value: 5\n- op: remove\n  path: /spec/paused\n- op: add\n  path: /spec/template/spec/containers/-\n  value:\n    name: sidecar\n    securityContext:\n      privileged: true\n",
        )
        .unwrap();
        let patches = Patches::of_tree(dir.path());
        let replicas = [key("spec"), key("replicas")];
        let at = |rendered: &str| {
            place(
                &patches,
                patches.find("Deployment", "api", &replicas, &value(rendered)),
            )
        };
        assert_eq!(at("5"), Some(("ops.yaml".into(), Pos { line: 2, col: 3 })));
        assert_eq!(
            at("3"),
            Some(("three.yaml".into(), Pos { line: 6, col: 3 }))
        );
        assert_eq!(at("4"), None);
        // `remove` writes nothing.
        let paused = [key("spec"), key("paused")];
        assert!(
            patches
                .find("Deployment", "api", &paused, &value("true"))
                .is_none()
        );
        // A field inside an added value is located inside the value; list
        // items of a strategic merge patch pair by name.
        let containers = [key("spec"), key("template"), key("spec"), key("containers")];
        let inside = |item: Seg, rest: &[&str]| {
            let mut path = containers.to_vec();
            path.push(item);
            path.extend(rest.iter().copied().map(key));
            place(
                &patches,
                patches.find("Deployment", "api", &path, &value("true")),
            )
        };
        assert_eq!(
            inside(
                Seg::Item(2, Some("sidecar".into())),
                &["securityContext", "privileged"]
            ),
            Some(("ops.yaml".into(), Pos { line: 11, col: 7 }))
        );
        let args = place(&patches, {
            let mut path = containers.to_vec();
            path.extend([Seg::Item(1, Some("proxy".into())), key("args")]);
            patches.find("Deployment", "api", &path, &value("[--verbose]"))
        });
        assert_eq!(args, Some(("three.yaml".into(), Pos { line: 11, col: 9 })));
    }

    #[test]
    fn components_and_legacy_json_patch_files_are_read_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            (
                "comp/kustomization.yaml",
                "kind: Component\npatches:\n- patch: |-\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      replicas: 2\n      paused: true\n",
            ),
            (
                "app/kustomization.yaml",
                "components:\n- ../comp\npatchesJson6902:\n- target: {kind: Deployment, name: web}\n  path: ops.json\n",
            ),
            (
                "app/ops.json",
                "[\n  {\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 4}\n]\n",
            ),
        ] {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let patches = Patches::of_tree(&dir.path().join("app"));
        let find = |field: &str, rendered: &str| {
            place(
                &patches,
                patches.find(
                    "Deployment",
                    "web",
                    &[key("spec"), key(field)],
                    &value(rendered),
                ),
            )
        };
        assert_eq!(
            find("replicas", "4"),
            Some(("ops.json".into(), Pos { line: 2, col: 21 }))
        );
        assert_eq!(
            find("replicas", "2"),
            Some(("kustomization.yaml".into(), Pos { line: 8, col: 7 }))
        );
        assert_eq!(
            find("paused", "true"),
            Some(("kustomization.yaml".into(), Pos { line: 9, col: 7 }))
        );
    }
}
