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
//! - a strategic merge patch writes a field when the same path exists in
//!   it, list items paired by `name` (else by position);
//! - a JSON 6902 patch's `add` and `replace` operations write the field at
//!   their `path` and the fields inside their `value`.
//!
//! A patch applies only to the objects its kustomization builds (those of
//! its resources and of the kustomizations it includes) that its target
//! selects, as Kustomize selects them ([`crate::targets`]); the object is
//! followed from its file up through every kustomization that includes it,
//! its name, namespace, labels and annotations updated by each one's
//! transformers. An `images` entry writes the image it renamed, retagged
//! or pinned: its `newName`, `newTag` or `digest` field. When several
//! patches write a field, the last one applied that writes the rendered
//! value wins: an overlay's patches come after its bases' and components',
//! and a kustomization's `patchesJson6902` and `images` after its other
//! patches.

use crate::parse::parse_documents;
use crate::targets::{Identity, Target, string_map};
use kubeguard_core::{Node, Pos, Scalar, ScalarKind, Span};
use std::collections::{BTreeMap, HashMap};
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
    target: Target,
    body: Body,
}

/// An `images` entry that changes an image: the name it applies to and the
/// values it writes, each with the position of its key.
#[derive(Debug)]
struct ImageEntry {
    /// Index into [`Patches::files`] (the kustomization).
    file: usize,
    name: String,
    new_name: Option<(String, Pos)>,
    new_tag: Option<(String, Pos)>,
    digest: Option<(String, Pos)>,
}

/// The transformers of a kustomization that change how patches see an
/// object: its name, namespace, labels and annotations.
#[derive(Debug, Default)]
struct Renames {
    prefix: String,
    suffix: String,
    namespace: Option<String>,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

/// One kustomization (or component) of the tree.
#[derive(Debug, Default)]
struct Level {
    /// The resource files it lists.
    files: Vec<PathBuf>,
    /// The kustomizations it lists as resources or bases (indices into
    /// [`Patches::levels`]).
    bases: Vec<usize>,
    /// The components it lists.
    components: Vec<usize>,
    renames: Renames,
    /// Its patches applied before its renames (`patchesStrategicMerge`,
    /// `patches`) and after them (`patchesJson6902`): indices into
    /// [`Patches::patches`].
    before: Vec<usize>,
    after: Vec<usize>,
    images: Vec<ImageEntry>,
}

/// A change applied to an object, in the order Kustomize applies it.
#[derive(Debug, Clone, Copy)]
enum Step<'a> {
    Patch(&'a Patch),
    Image(&'a ImageEntry),
}

/// The patches and `images` entries that apply to one object, in order.
#[derive(Debug, Default)]
pub(crate) struct Applied<'a>(Vec<Step<'a>>);

/// A field a patch writes: the file (index into [`Patches::files`]), the
/// position, and the node to follow for the fields inside it.
pub(crate) struct Hit<'a> {
    pub file: usize,
    pub pos: Pos,
    pub node: Option<&'a Node>,
    shift: Shift,
}

/// The patches of a Kustomize tree and the kustomizations they belong to.
#[derive(Debug, Default)]
pub(crate) struct Patches {
    /// The files patches are written in: path and text.
    pub files: Vec<(PathBuf, String)>,
    patches: Vec<Patch>,
    levels: Vec<Level>,
    /// The level of each kustomization directory read.
    dirs: HashMap<PathBuf, usize>,
    /// The kustomization the tree is built from.
    root: Option<usize>,
}

/// How deep kustomizations may include each other before the chain is cut.
const MAX_NESTING: usize = 64;

impl Patches {
    /// Reads the patches of the kustomization in `dir` and of every local
    /// kustomization it builds on.
    pub(crate) fn of_tree(dir: &Path) -> Self {
        let mut patches = Patches::default();
        patches.root = patches.read_dir(dir);
        patches
    }

    /// Reads the kustomization in `dir` as a level; its index.
    fn read_dir(&mut self, dir: &Path) -> Option<usize> {
        let dir = crate::kustomize::normalize(&std::path::absolute(dir).ok()?);
        if let Some(&level) = self.dirs.get(&dir) {
            return Some(level);
        }
        let file = KUSTOMIZATION_FILES
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())?;
        let text = std::fs::read_to_string(&file).ok()?;
        let (docs, _) = parse_documents(&text);
        let Some(Some(root)) = docs.into_iter().next() else {
            return None;
        };
        let index = self.levels.len();
        self.levels.push(Level::default());
        self.dirs.insert(dir.clone(), index);
        let mut level = Level {
            renames: renames(&root),
            ..Level::default()
        };
        for key in ["resources", "bases", "components"] {
            for name in root.get(key).into_iter().flat_map(Node::items) {
                let Some(name) = name.as_str() else { continue };
                let path = crate::kustomize::normalize(&dir.join(name));
                if path.is_dir() {
                    let list = if key == "components" {
                        &mut level.components
                    } else {
                        &mut level.bases
                    };
                    list.extend(self.read_dir(&path));
                } else {
                    level.files.push(canonical(&path));
                }
            }
        }
        let own = self.add_file(file, text.clone());
        for item in root
            .get("patchesStrategicMerge")
            .into_iter()
            .flat_map(Node::items)
        {
            level
                .before
                .extend(self.add_content(&dir, own, &text, item, None, false));
        }
        for item in root.get("patches").into_iter().flat_map(Node::items) {
            level
                .before
                .extend(self.add_item(&dir, own, &text, item, false));
        }
        for item in root
            .get("patchesJson6902")
            .into_iter()
            .flat_map(Node::items)
        {
            level
                .after
                .extend(self.add_item(&dir, own, &text, item, true));
        }
        level.images = root
            .get("images")
            .into_iter()
            .flat_map(Node::items)
            .filter_map(|entry| image_entry(own, entry))
            .collect();
        self.levels[index] = level;
        Some(index)
    }

    fn add_file(&mut self, path: PathBuf, text: String) -> usize {
        if let Some(i) = self.files.iter().position(|(p, _)| *p == path) {
            return i;
        }
        self.files.push((path, text));
        self.files.len() - 1
    }

    /// A `patches` or `patchesJson6902` item: `path` or `patch`, and an
    /// optional `target`. The indices of the patches read.
    fn add_item(
        &mut self,
        dir: &Path,
        own: usize,
        text: &str,
        item: &Node,
        json: bool,
    ) -> Vec<usize> {
        let target = item.get("target");
        match item.get("path").or_else(|| item.get("patch")) {
            Some(content) => self.add_content(dir, own, text, content, target, json),
            None => Vec::new(),
        }
    }

    /// Reads a patch given as a file name or inline text (`node`, written
    /// in kustomization file `own` whose text is `text`). The indices of
    /// the patches read.
    fn add_content(
        &mut self,
        dir: &Path,
        own: usize,
        text: &str,
        node: &Node,
        target: Option<&Node>,
        json: bool,
    ) -> Vec<usize> {
        let Some(value) = node.as_str() else {
            return Vec::new();
        };
        let path = dir.join(value);
        let (file, body_text, shift) = if !value.contains('\n') && path.is_file() {
            let Ok(body) = std::fs::read_to_string(&path) else {
                return Vec::new();
            };
            let file = crate::kustomize::normalize(&path);
            (self.add_file(file, body.clone()), body, Shift::default())
        } else {
            match flow_lines(text, node, value) {
                Some(body) => (own, body, Shift::default()),
                None => (own, value.to_owned(), inline_shift(text, node)),
            }
        };
        let (docs, _) = parse_documents(&body_text);
        let mut read = Vec::new();
        for doc in docs.into_iter().flatten() {
            let body = if doc.as_seq().is_some() {
                Body::Json6902(ops(&doc))
            } else if json {
                continue;
            } else {
                Body::Strategic(doc)
            };
            let target = match (&body, target) {
                (_, Some(target)) => Target::selector(target),
                (Body::Strategic(doc), None) => Target::own(doc),
                // A JSON 6902 patch without a target applies to nothing.
                (Body::Json6902(_), None) => Target::Nothing,
            };
            read.push(self.patches.len());
            self.patches.push(Patch {
                file,
                shift,
                target,
                body,
            });
        }
        read
    }

    /// The patches and `images` entries that apply to `object`, an object
    /// of the resource file `file`, in the order Kustomize applies them.
    pub(crate) fn applying_to(&self, file: &Path, object: &Node) -> Applied<'_> {
        let file = canonical(file);
        let Some(chain) = self.root.and_then(|root| self.chain(root, &file, 0)) else {
            return Applied::default();
        };
        let mut id = Identity::of(object);
        let mut steps = Vec::new();
        for level in chain.into_iter().map(|i| &self.levels[i]) {
            let matching = |list: &[usize], id: &Identity| -> Vec<Step<'_>> {
                list.iter()
                    .map(|&p| &self.patches[p])
                    .filter(|p| p.target.matches(id))
                    .map(Step::Patch)
                    .collect()
            };
            steps.extend(matching(&level.before, &id));
            level.renames.apply(&mut id);
            steps.extend(matching(&level.after, &id));
            steps.extend(level.images.iter().map(Step::Image));
        }
        Applied(steps)
    }

    /// The levels whose patches and transformers apply to the objects of
    /// `file` when `level` is built, in order, ending with `level`; `None`
    /// when `level` does not build `file`. A kustomization applies its
    /// components to everything it has gathered before them, and its own
    /// transformers last.
    fn chain(&self, level: usize, file: &Path, depth: usize) -> Option<Vec<usize>> {
        if depth > MAX_NESTING {
            return None;
        }
        let this = &self.levels[level];
        let components = &this.components;
        let (mut chain, first_component) = if this.files.iter().any(|f| f == file) {
            (Vec::new(), 0)
        } else if let Some(chain) = this
            .bases
            .iter()
            .find_map(|&base| self.chain(base, file, depth + 1))
        {
            (chain, 0)
        } else {
            components
                .iter()
                .enumerate()
                .find_map(|(i, &c)| Some((self.chain(c, file, depth + 1)?, i + 1)))?
        };
        for &component in &components[first_component..] {
            chain.extend(self.component_chain(component, depth + 1));
        }
        chain.push(level);
        Some(chain)
    }

    /// The levels a component applies to what it is given: its own
    /// components, then itself.
    fn component_chain(&self, level: usize, depth: usize) -> Vec<usize> {
        if depth > MAX_NESTING {
            return Vec::new();
        }
        let mut chain: Vec<usize> = self.levels[level]
            .components
            .iter()
            .flat_map(|&c| self.component_chain(c, depth + 1))
            .collect();
        chain.push(level);
        chain
    }

    /// The last patch or `images` entry of `applied` that writes the field
    /// at `path` whose rendered value is `rendered` (a patch that writes
    /// another scalar there was overridden).
    pub(crate) fn find<'a>(
        &'a self,
        applied: &Applied<'a>,
        path: &[Seg],
        rendered: &Node,
    ) -> Option<Hit<'a>> {
        let agrees = |&(_, node): &(Pos, Option<&Node>)| match (rendered.as_scalar(), node) {
            (Some(r), Some(n)) => n.as_scalar().is_some_and(|n| same_scalar(r, n)),
            _ => true,
        };
        applied.0.iter().rev().find_map(|step| match step {
            Step::Image(entry) => Some(Hit {
                file: entry.file,
                pos: entry.writes(path, rendered)?,
                node: None,
                shift: Shift::default(),
            }),
            Step::Patch(p) => {
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
            }
        })
    }
}

impl Renames {
    /// Applies the prefix, suffix, namespace, labels and annotations to `id`.
    fn apply(&self, id: &mut Identity) {
        let (name, namespace) = id.name_and_namespace();
        let name = format!("{}{name}{}", self.prefix, self.suffix);
        id.rename(name, self.namespace.clone().unwrap_or(namespace));
        id.labels
            .extend(self.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        id.annotations
            .extend(self.annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

/// `path` with symbolic links resolved, so that a resource file and an
/// object's origin compare equal however each was reached.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

/// The renaming transformers of a kustomization.
fn renames(root: &Node) -> Renames {
    let text = |key: &str| {
        root.get(key)
            .and_then(Node::scalar_text)
            .unwrap_or("")
            .to_owned()
    };
    let mut labels = string_map(root.get("commonLabels"));
    for entry in root.get("labels").into_iter().flat_map(Node::items) {
        labels.extend(string_map(entry.get("pairs")));
    }
    Renames {
        prefix: text("namePrefix"),
        suffix: text("nameSuffix"),
        namespace: Some(text("namespace")).filter(|n| !n.is_empty()),
        labels,
        annotations: string_map(root.get("commonAnnotations")),
    }
}

/// An `images` entry that writes something.
fn image_entry(file: usize, entry: &Node) -> Option<ImageEntry> {
    let field = |key: &str| {
        let (_, span, value) = entry.as_map()?.entry(key)?;
        Some((value.scalar_text()?.to_owned(), span.start))
    };
    let image = ImageEntry {
        file,
        name: entry.get("name").and_then(Node::scalar_text)?.to_owned(),
        new_name: field("newName"),
        new_tag: field("newTag"),
        digest: field("digest"),
    };
    (image.new_name.is_some() || image.new_tag.is_some() || image.digest.is_some()).then_some(image)
}

impl ImageEntry {
    /// Where the entry writes the container image at `path` when its
    /// rendered value is `rendered`: the key of the field the value shows
    /// (`digest`, else `newTag`, else `newName`).
    fn writes(&self, path: &[Seg], rendered: &Node) -> Option<Pos> {
        let container_image = matches!(
            path,
            [.., Seg::Key(list), Seg::Item(..), Seg::Key(image)]
                if image == "image" && CONTAINER_LISTS.contains(&list.as_str())
        );
        if !container_image {
            return None;
        }
        let (repo, tag, digest) = split_image(rendered.as_str()?);
        let name = self
            .new_name
            .as_ref()
            .map_or(self.name.as_str(), |(n, _)| n);
        let tag_agrees = match (&self.new_tag, &self.digest) {
            (_, Some(_)) => true,
            (Some((new_tag, _)), None) => tag == Some(new_tag.as_str()),
            (None, None) => true,
        };
        let digest_agrees = self
            .digest
            .as_ref()
            .is_none_or(|(d, _)| digest == Some(d.as_str()));
        if repo != name || !tag_agrees || !digest_agrees {
            return None;
        }
        self.digest
            .as_ref()
            .or(self.new_tag.as_ref())
            .or(self.new_name.as_ref())
            .map(|(_, pos)| *pos)
    }
}

/// The lists of a pod spec whose items have an `image`.
const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// An image reference's repository, tag and digest.
fn split_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (image, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..]), digest),
        None => (rest, None, digest),
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

/// An inline patch written as a plain or quoted scalar `node` over several
/// lines of the kustomization `text`, with each line of its content where
/// the kustomization has it (the rest blanked), so that what it writes is
/// located on its own line. YAML folds those lines into `value`, the
/// content parsed; `None` when the scalar is on one line, or its content
/// is not the same text as `value` but for the folding (escapes).
fn flow_lines(text: &str, node: &Node, value: &str) -> Option<String> {
    let Span { start, end } = node.span;
    if start.line >= end.line {
        return None;
    }
    let first = usize::try_from(start.line).ok()?.checked_sub(1)?;
    let last = usize::try_from(end.line).ok()?.checked_sub(1)?;
    let lines: Vec<&str> = text.lines().collect();
    let source = lines.get(first..=last)?;
    let quote = source[0]
        .chars()
        .nth(usize::try_from(start.col).ok()?.checked_sub(1)?)
        .filter(|c| matches!(c, '\'' | '"'));
    let quoted = usize::from(quote.is_some());
    let from = usize::try_from(start.col).ok()?.saturating_sub(1) + quoted;
    // `end` is just past the scalar, past the closing quote if any.
    let to = usize::try_from(end.col)
        .ok()?
        .saturating_sub(1)
        .saturating_sub(quoted);
    let mut out = String::new();
    for (i, line) in source.iter().enumerate() {
        for (col, c) in line.chars().enumerate() {
            let inside = (i > 0 || col >= from) && (i + 1 < source.len() || col < to);
            out.push(if inside { c } else { ' ' });
        }
        out.push('\n');
    }
    let squeeze = |t: &str| t.split_whitespace().collect::<String>();
    if squeeze(&out) != squeeze(value) {
        return None;
    }
    Some("\n".repeat(first) + &out)
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

    /// Writes `files` (path, text) under `dir`.
    fn write_tree(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    /// The file name and position where a patch applying to the object of
    /// `kind` named `name` in resource `file` writes `path` as `rendered`.
    fn found(
        patches: &Patches,
        file: &Path,
        (kind, name): (&str, &str),
        path: &[Seg],
        rendered: &str,
    ) -> Option<(String, Pos)> {
        let text = std::fs::read_to_string(file).unwrap();
        let object = parse_documents(&text)
            .0
            .into_iter()
            .flatten()
            .find(|o| {
                o.get("kind").and_then(Node::as_str) == Some(kind)
                    && o.get_path(&["metadata", "name"]).and_then(Node::as_str) == Some(name)
            })
            .unwrap();
        let applied = patches.applying_to(file, &object);
        let hit = patches.find(&applied, path, &value(rendered))?;
        let file_name = patches.files[hit.file].0.file_name()?.to_str()?.to_owned();
        Some((file_name, hit.pos))
    }

    const APPS: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels: {app: api}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\n  namespace: jobs\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: api\n";

    #[test]
    fn inline_patches_are_located_in_the_kustomization() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &[
                (
                    "kustomization.yaml",
                    "patchesStrategicMerge:\n- |-\n  apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: api\n  spec:\n    replicas: 3\npatches:\n- target: {kind: Deployment}\n  patch: '[{\"op\": \"add\", \"path\": \"/spec/template/spec/hostPID\", \"value\": true}]'\nresources: [apps.yaml]\n",
                ),
                ("apps.yaml", APPS),
            ],
        );
        let apps = dir.path().join("apps.yaml");
        let patches = Patches::of_tree(dir.path());
        let replicas = [key("spec"), key("replicas")];
        assert_eq!(
            found(&patches, &apps, ("Deployment", "api"), &replicas, "3"),
            Some(("kustomization.yaml".into(), Pos { line: 8, col: 5 }))
        );
        // A target without a name applies to every object of its kind; the
        // operation is located at its `path` key, inside the quotes.
        let path = [key("spec"), key("template"), key("spec"), key("hostPID")];
        assert_eq!(
            found(&patches, &apps, ("Deployment", "worker"), &path, "true"),
            Some(("kustomization.yaml".into(), Pos { line: 11, col: 26 }))
        );
        // The strategic merge patch names `api`; other kinds are not patched.
        assert_eq!(
            found(&patches, &apps, ("Deployment", "worker"), &replicas, "3"),
            None
        );
        assert_eq!(
            found(&patches, &apps, ("StatefulSet", "api"), &path, "true"),
            None
        );
    }

    #[test]
    fn an_inline_patch_over_several_lines_is_located_on_each() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &[
                (
                    "kustomization.yaml",
                    "resources: [apps.yaml]\npatches:\n- target: {kind: Deployment, name: api}\n  patch: '[{\"op\": \"add\", \"path\": \"/spec/hostPID\", \"value\": true},\n    {\"op\": \"add\", \"path\": \"/spec/hostIPC\", \"value\": true}]'\n- target: {kind: Deployment, name: worker}\n  patch: \"[{op: add, path: /spec/hostPID, value: true},\n\n    {op: add, path: /spec/hostIPC, value: true}]\"\n- target: {kind: Deployment, name: worker}\n  patch: \"[{op: add, path: /spec/paused,\n    value: \\\"slow\\\"}]\"\n",
                ),
                ("apps.yaml", APPS),
            ],
        );
        let apps = dir.path().join("apps.yaml");
        let patches = Patches::of_tree(dir.path());
        let at = |name: &str, field: &str, rendered: &str| {
            found(
                &patches,
                &apps,
                ("Deployment", name),
                &[key("spec"), key(field)],
                rendered,
            )
            .map(|(_, pos)| pos)
        };
        assert_eq!(at("api", "hostPID", "true"), Some(Pos { line: 4, col: 26 }));
        assert_eq!(at("api", "hostIPC", "true"), Some(Pos { line: 5, col: 19 }));
        // A blank line folds into a line break, kept apart.
        assert_eq!(
            at("worker", "hostPID", "true"),
            Some(Pos { line: 7, col: 22 })
        );
        assert_eq!(
            at("worker", "hostIPC", "true"),
            Some(Pos { line: 9, col: 15 })
        );
        // Escapes keep the folded text, located from the first line.
        assert_eq!(
            at("worker", "paused", "slow"),
            Some(Pos { line: 11, col: 22 })
        );
    }

    #[test]
    fn targets_select_as_kustomize_selects() {
        let dir = tempfile::tempdir().unwrap();
        let op = |field: &str| {
            format!("[{{\"op\": \"add\", \"path\": \"/spec/{field}\", \"value\": true}}]")
        };
        let kustomization = format!(
            "resources: [apps.yaml]\nnamespace: prod\npatches:\n- target: {{name: ap}}\n  patch: '{}'\n- target: {{name: 'a.*', kind: Deployment}}\n  patch: '{}'\n- target: {{labelSelector: 'app in (api, web)'}}\n  patch: '{}'\n- target: {{namespace: jobs}}\n  patch: '{}'\n- target: {{namespace: prod}}\n  patch: '{}'\n- target: {{annotationSelector: team}}\n  patch: '{}'\n- patch: '{}'\npatchesJson6902:\n- target: {{namespace: prod, name: api}}\n  patch: '{}'\n",
            op("prefix"),
            op("regex"),
            op("labels"),
            op("namespace"),
            op("laterNamespace"),
            op("annotations"),
            op("noTarget"),
            op("json6902"),
        );
        write_tree(
            dir.path(),
            &[("kustomization.yaml", &kustomization), ("apps.yaml", APPS)],
        );
        let apps = dir.path().join("apps.yaml");
        let patches = Patches::of_tree(dir.path());
        let written = |object: (&str, &str), field: &str| {
            found(&patches, &apps, object, &[key("spec"), key(field)], "true").is_some()
        };
        let api = ("Deployment", "api");
        let worker = ("Deployment", "worker");
        // A name is a whole-value expression, not a part of the name.
        assert!(!written(api, "prefix"));
        assert!(written(api, "regex"));
        assert!(!written(worker, "regex"));
        assert!(!written(("StatefulSet", "api"), "regex"));
        assert!(written(api, "labels"));
        assert!(!written(worker, "labels"));
        assert!(written(worker, "namespace"));
        assert!(!written(api, "namespace"));
        // The kustomization's own namespace is set after its patches.
        assert!(!written(api, "laterNamespace"));
        assert!(!written(api, "annotations"));
        // A JSON 6902 patch without a target applies to nothing.
        assert!(!written(api, "noTarget"));
        // `patchesJson6902` is applied after the namespace is set.
        assert!(written(api, "json6902"));
        assert!(!written(worker, "json6902"));
    }

    #[test]
    fn patches_see_the_names_their_bases_gave() {
        let dir = tempfile::tempdir().unwrap();
        let patch = |name: &str, field: &str| {
            format!(
                "- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: {name}\n    spec:\n      {field}: 1\n"
            )
        };
        write_tree(
            dir.path(),
            &[
                ("base/apps.yaml", APPS),
                (
                    "base/kustomization.yaml",
                    "resources: [apps.yaml]\nnamePrefix: base-\ncommonLabels: {tier: back}\n",
                ),
                ("other/apps.yaml", APPS),
                (
                    "other/kustomization.yaml",
                    "resources: [apps.yaml]\nnameSuffix: -b\n",
                ),
                (
                    "prod/kustomization.yaml",
                    &format!(
                        "resources: [../base, ../other]\nnamePrefix: prod-\npatches:\n{}{}{}{}- target: {{labelSelector: tier=back}}\n  patch: '[{{\"op\": \"add\", \"path\": \"/spec/paused\", \"value\": true}}]'\n",
                        patch("base-api", "current"),
                        patch("api", "original"),
                        patch("prod-base-api", "own"),
                        patch("api-b", "other"),
                    ),
                ),
            ],
        );
        let patches = Patches::of_tree(&dir.path().join("prod"));
        let written = |file: &str, field: &str, rendered: &str| {
            found(
                &patches,
                &dir.path().join(file),
                ("Deployment", "api"),
                &[key("spec"), key(field)],
                rendered,
            )
            .is_some()
        };
        // The base's prefix is applied before the overlay's patches, the
        // overlay's own after them; the original name still matches.
        assert!(written("base/apps.yaml", "current", "1"));
        assert!(written("base/apps.yaml", "original", "1"));
        assert!(!written("base/apps.yaml", "own", "1"));
        assert!(!written("base/apps.yaml", "other", "1"));
        assert!(written("other/apps.yaml", "other", "1"));
        assert!(written("other/apps.yaml", "original", "1"));
        // Labels a base added are selected; the other base's object lacks them.
        assert!(written("base/apps.yaml", "paused", "true"));
        assert!(!written("other/apps.yaml", "paused", "true"));
    }

    #[cfg(unix)]
    #[test]
    fn resource_files_reached_through_a_link_are_the_same_files() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &[
                ("real/apps.yaml", APPS),
                (
                    "real/kustomization.yaml",
                    "resources: [apps.yaml]\npatches:\n- target: {name: api}\n  patch: '[{\"op\": \"add\", \"path\": \"/spec/paused\", \"value\": true}]'\n",
                ),
            ],
        );
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        let patches = Patches::of_tree(&dir.path().join("link"));
        let paused = [key("spec"), key("paused")];
        let apps = dir.path().join("real/apps.yaml");
        assert!(found(&patches, &apps, ("Deployment", "api"), &paused, "true").is_some());
    }

    #[test]
    fn a_patch_of_one_base_never_applies_to_another() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &[
                ("a/apps.yaml", APPS),
                (
                    "a/kustomization.yaml",
                    "resources: [apps.yaml]\npatches:\n- target: {kind: Deployment}\n  patch: '[{\"op\": \"add\", \"path\": \"/spec/paused\", \"value\": true}]'\n",
                ),
                (
                    "b/apps.yaml",
                    &APPS
                        .replace("name: api", "name: api2")
                        .replace("name: worker", "name: worker2"),
                ),
                ("b/kustomization.yaml", "resources: [apps.yaml]\n"),
                ("kustomization.yaml", "resources: [a, b]\n"),
            ],
        );
        let patches = Patches::of_tree(dir.path());
        let paused = [key("spec"), key("paused")];
        let a = dir.path().join("a/apps.yaml");
        let b = dir.path().join("b/apps.yaml");
        assert!(found(&patches, &a, ("Deployment", "api"), &paused, "true").is_some());
        assert_eq!(
            found(&patches, &b, ("Deployment", "api2"), &paused, "true"),
            None
        );
    }

    #[test]
    fn images_entries_write_the_images_they_change() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &[
                ("apps.yaml", APPS),
                (
                    "kustomization.yaml",
                    "resources: [apps.yaml]\nimages:\n- name: api\n  newTag: \"2.0\"\n- name: worker\n  newName: registry.example.com/worker\n- name: db\n  newName: registry.example.com/db\n  digest: sha256:abc\n- name: cache\n",
                ),
            ],
        );
        let apps = dir.path().join("apps.yaml");
        let patches = Patches::of_tree(dir.path());
        let image = |rendered: &str| {
            let path = [
                key("spec"),
                key("template"),
                key("spec"),
                key("containers"),
                Seg::Item(0, Some("main".into())),
                key("image"),
            ];
            found(&patches, &apps, ("Deployment", "api"), &path, rendered).map(|(_, pos)| pos)
        };
        assert_eq!(image("api:2.0"), Some(Pos { line: 4, col: 3 }));
        assert_eq!(
            image("registry.example.com/worker"),
            Some(Pos { line: 6, col: 3 })
        );
        assert_eq!(
            image("registry.example.com/worker:1.2"),
            Some(Pos { line: 6, col: 3 })
        );
        assert_eq!(
            image("registry.example.com/db@sha256:abc"),
            Some(Pos { line: 9, col: 3 })
        );
        assert_eq!(image("api:1.0"), None);
        assert_eq!(image("cache:1"), None);
        assert_eq!(image("registry.example.com/db@sha256:def"), None);
        // Only an image field is written.
        let other = [key("spec"), key("image")];
        assert_eq!(
            found(&patches, &apps, ("Deployment", "api"), &other, "api:2.0"),
            None
        );
    }

    #[test]
    fn image_references_split_into_repository_tag_and_digest() {
        assert_eq!(split_image("nginx"), ("nginx", None, None));
        assert_eq!(
            split_image("localhost:5000/app:1.0"),
            ("localhost:5000/app", Some("1.0"), None)
        );
        assert_eq!(
            split_image("localhost:5000/app@sha256:ab"),
            ("localhost:5000/app", None, Some("sha256:ab"))
        );
        assert_eq!(
            split_image("app:1@sha256:ab"),
            ("app", Some("1"), Some("sha256:ab"))
        );
    }

    #[test]
    fn the_last_patch_writing_the_rendered_value_is_found() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &[
                (
                    "kustomization.yaml",
                    "patches:\n- path: three.yaml\n- path: ops.yaml\n  target:\n    kind: Deployment\n    name: api\nresources: [apps.yaml]\n",
                ),
                ("apps.yaml", APPS),
                (
                    "three.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: proxy\n        args: [--verbose]\n",
                ),
                (
                    "ops.yaml",
                    "- op: replace\n  path: /spec/replicas\n  value: 5\n- op: remove\n  path: /spec/paused\n- op: add\n  path: /spec/template/spec/containers/-\n  value:\n    name: sidecar\n    securityContext:\n      privileged: true\n",
                ),
            ],
        );
        let apps = dir.path().join("apps.yaml");
        let api = ("Deployment", "api");
        let patches = Patches::of_tree(dir.path());
        let replicas = [key("spec"), key("replicas")];
        let at = |rendered: &str| found(&patches, &apps, api, &replicas, rendered);
        assert_eq!(at("5"), Some(("ops.yaml".into(), Pos { line: 2, col: 3 })));
        assert_eq!(
            at("3"),
            Some(("three.yaml".into(), Pos { line: 6, col: 3 }))
        );
        assert_eq!(at("4"), None);
        // `remove` writes nothing.
        let paused = [key("spec"), key("paused")];
        assert_eq!(found(&patches, &apps, api, &paused, "true"), None);
        // A field inside an added value is located inside the value; list
        // items of a strategic merge patch pair by name.
        let containers = [key("spec"), key("template"), key("spec"), key("containers")];
        let mut privileged = containers.to_vec();
        privileged.extend([
            Seg::Item(2, Some("sidecar".into())),
            key("securityContext"),
            key("privileged"),
        ]);
        assert_eq!(
            found(&patches, &apps, api, &privileged, "true"),
            Some(("ops.yaml".into(), Pos { line: 11, col: 7 }))
        );
        let mut args = containers.to_vec();
        args.extend([Seg::Item(1, Some("proxy".into())), key("args")]);
        assert_eq!(
            found(&patches, &apps, api, &args, "[--verbose]"),
            Some(("three.yaml".into(), Pos { line: 11, col: 9 }))
        );
    }

    #[test]
    fn components_and_legacy_json_patch_files_are_read_in_order() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &[
                (
                    "comp/kustomization.yaml",
                    "kind: Component\npatches:\n- patch: |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: web\n    spec:\n      replicas: 2\n      paused: true\n",
                ),
                (
                    "app/kustomization.yaml",
                    "components:\n- ../comp\npatchesJson6902:\n- target: {kind: Deployment, name: web}\n  path: ops.json\nresources: [web.yaml]\n",
                ),
                (
                    "app/web.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
                ),
                (
                    "app/ops.json",
                    "[\n  {\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 4}\n]\n",
                ),
            ],
        );
        let patches = Patches::of_tree(&dir.path().join("app"));
        let web = dir.path().join("app/web.yaml");
        let find = |field: &str, rendered: &str| {
            found(
                &patches,
                &web,
                ("Deployment", "web"),
                &[key("spec"), key(field)],
                rendered,
            )
        };
        assert_eq!(
            find("replicas", "4"),
            Some(("ops.json".into(), Pos { line: 2, col: 21 }))
        );
        assert_eq!(
            find("replicas", "2"),
            Some(("kustomization.yaml".into(), Pos { line: 9, col: 7 }))
        );
        assert_eq!(
            find("paused", "true"),
            Some(("kustomization.yaml".into(), Pos { line: 10, col: 7 }))
        );
    }
}
