//! Kustomize output traced back to the files that hold each object.
//!
//! The directory is built through a generated kustomization that includes
//! it and asks for `buildMetadata: [originAnnotations]`: Kustomize then
//! records in each object's `config.kubernetes.io/origin` annotation the
//! file it came from. Each object becomes a source of its own, named after
//! that file, whose lines map to the lines of the same fields there.
//! A field that file does not have, or has with another value, is traced
//! to the patch of the tree that wrote it: the patch file (or the
//! kustomization holding an inline patch), line and column
//! ([`crate::patches`]). Fields a transformer added (labels, namespaces)
//! take the nearest mapped line above them (their parent).

use crate::parse::parse_documents;
use crate::patches::{Hit, Patches, Seg, item_name, paired_item, same_scalar};
use kubeguard_core::{Node, Pos, RenderedOrigin, Source};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// The annotation Kustomize writes with `buildMetadata: [originAnnotations]`.
const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin:";

/// A generated kustomization that includes `dir` and records origins.
pub(crate) struct Wrapper {
    dir: tempfile::TempDir,
    /// The kustomization directory it includes.
    target: PathBuf,
}

impl Wrapper {
    /// Writes the wrapper for `target` (a kustomization directory).
    pub(crate) fn new(target: &Path) -> std::io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("kubeguard-kustomize")
            .tempdir()?;
        let target = normalize(&std::path::absolute(target)?);
        let base = normalize(&std::path::absolute(dir.path())?);
        let relative = relative_path(&target, &base);
        let text = format!(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- {}\nbuildMetadata: [originAnnotations]\n",
            relative.display()
        );
        std::fs::write(dir.path().join("kustomization.yaml"), text)?;
        Ok(Wrapper { dir, target })
    }

    /// The directory to build.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Splits the wrapper's build output into one source per object, named
    /// after the file the object came from. Objects whose origin is not a
    /// local file (remote bases) keep `fallback_name`.
    pub(crate) fn split(&self, output: &str, fallback_name: &str) -> Vec<Source> {
        let cwd = std::env::current_dir().ok();
        let patches = Patches::of_tree(&self.target);
        documents(output)
            .map(|doc| {
                let (text, origin) = strip_origin(doc);
                let file = origin
                    .as_deref()
                    .map(|p| normalize(&self.dir.path().join(p)))
                    .filter(|p| p.is_file());
                match file {
                    Some(file) => traced(&file, cwd.as_deref(), text, &patches),
                    None => Source::new(fallback_name, text),
                }
            })
            .collect()
    }
}

/// The name findings give `file`: relative to `cwd` when under it.
fn report_name(file: &Path, cwd: Option<&Path>) -> String {
    cwd.and_then(|cwd| file.strip_prefix(cwd).ok())
        .unwrap_or(file)
        .display()
        .to_string()
}

/// The source for an object whose origin is `file`; fields the file does
/// not have are traced to the patch that writes them.
fn traced(file: &Path, cwd: Option<&Path>, text: String, patches: &Patches) -> Source {
    let name = report_name(file, cwd);
    let Ok(origin_text) = std::fs::read_to_string(file) else {
        return Source::new(name, text);
    };
    let mut origin = RenderedOrigin {
        template_text: origin_text,
        ..RenderedOrigin::default()
    };
    let mut used: BTreeMap<usize, usize> = BTreeMap::new();
    let (line_map, elsewhere) = line_map(&text, file, &origin.template_text, patches);
    origin.line_map = line_map;
    for (line, (file, pos)) in elsewhere {
        let next = used.len();
        let index = *used.entry(file).or_insert(next);
        if index == origin.other_files.len() {
            let (path, text) = &patches.files[file];
            origin
                .other_files
                .push((report_name(path, cwd), text.clone()));
        }
        origin.elsewhere.insert(line, (index, pos));
    }
    Source::rendered(name, text, origin)
}

/// The documents of Kustomize output (separated by `---` lines).
fn documents(output: &str) -> impl Iterator<Item = &str> {
    let mut rest = output;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let (doc, tail) = match rest.find("\n---\n") {
                Some(i) => (&rest[..=i], &rest[i + 5..]),
                None => (rest, ""),
            };
            rest = tail;
            let doc = doc.strip_prefix("---\n").unwrap_or(doc);
            if !doc.trim().is_empty() {
                return Some(doc);
            }
        }
        None
    })
}

/// Removes the origin annotation (and an `annotations:` key it leaves
/// empty) from one document, returning the text and the origin's `path`
/// (or, for generated objects, `configuredIn`).
fn strip_origin(doc: &str) -> (String, Option<String>) {
    let lines: Vec<&str> = doc.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let Some(start) = lines
        .iter()
        .position(|l| l.trim_start().starts_with(ORIGIN_ANNOTATION))
    else {
        return (doc.to_owned(), None);
    };
    let own = indent(lines[start]);
    let end = start
        + 1
        + lines[start + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || indent(l) > own)
            .count();
    let mut path = None;
    for line in &lines[start + 1..end] {
        let line = line.trim();
        if let Some(p) = line.strip_prefix("path: ") {
            path = Some(p.trim().to_owned());
        } else if let Some(p) = line.strip_prefix("configuredIn: ") {
            path.get_or_insert_with(|| p.trim().to_owned());
        } else if line.starts_with("repo: ") {
            return (remove(&lines, start, end, own), None);
        }
    }
    (remove(&lines, start, end, own), path)
}

/// `lines` without `start..end`, and without the `annotations:` line above
/// them when nothing else is under it.
fn remove(lines: &[&str], start: usize, end: usize, own: usize) -> String {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let parent_empty = start > 0
        && lines[start - 1].trim() == "annotations:"
        && lines.get(end).is_none_or(|l| indent(l) < own);
    let from = if parent_empty { start - 1 } else { start };
    let mut out = String::new();
    for line in lines[..from].iter().chain(&lines[end..]) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Rendered lines written in a patch: by rendered line, the patch file
/// (an index into [`Patches::files`]) and the position there.
type Elsewhere = BTreeMap<u32, (usize, Pos)>;

/// Maps each line of `rendered` (one object) to the line of the same field
/// in `origin_text`, the text of `file` it came from: the object there with
/// the same kind and name (or, when renamed by a prefix or suffix, the one
/// whose name the rendered name contains). Fields that file lacks, or
/// writes with another value, and a patch of `patches` applying to the
/// object writes are mapped to the patch instead.
fn line_map(
    rendered: &str,
    file: &Path,
    origin_text: &str,
    patches: &Patches,
) -> (Vec<Option<u32>>, Elsewhere) {
    let mut map = vec![None; rendered.lines().count()];
    let mut elsewhere = Elsewhere::new();
    let (docs, _) = parse_documents(rendered);
    let Some(Some(object)) = docs.into_iter().next() else {
        return (map, elsewhere);
    };
    let (origins, _) = parse_documents(origin_text);
    let candidates: Vec<Node> = origins.into_iter().flatten().collect();
    if let Some(origin) = matching_object(&object, &candidates) {
        let mut differing = Vec::new();
        map_node(
            &object,
            origin,
            origin.span.start.line,
            &mut map,
            &mut Vec::new(),
            &mut differing,
        );
        let applied = patches.applying_to(file, origin);
        for (path, line, node) in differing {
            if let Some(hit) = patches.find(&applied, &path, node) {
                elsewhere.insert(line, (hit.file, hit.pos));
                if let Some(patch_node) = hit.node {
                    map_patched(node, patch_node, &hit, &mut elsewhere);
                }
            }
        }
    }
    (map, elsewhere)
}

/// Records, for each key and item under `rendered` (a field a patch
/// wrote), the position of the same field in the patch (`patch`, inside
/// `hit`), or of its parent. Items are paired as [`map_node`] pairs them.
fn map_patched(rendered: &Node, patch: &Node, hit: &Hit<'_>, out: &mut Elsewhere) {
    let record = |out: &mut Elsewhere, line: u32, at: Pos| {
        out.insert(line, (hit.file, hit.shifted(at)));
    };
    if let (Some(r), Some(p)) = (rendered.as_map(), patch.as_map()) {
        for (key, key_span, value) in &r.entries {
            match p.entry(key) {
                Some((_, span, patch_value)) => {
                    record(out, key_span.start.line, span.start);
                    map_patched(value, patch_value, hit, out);
                }
                None => record(out, key_span.start.line, patch.span.start),
            }
        }
    } else if let (Some(r), Some(p)) = (rendered.as_seq(), patch.as_seq()) {
        for (i, item) in r.iter().enumerate() {
            match paired_item(p, i, item_name(item)) {
                Some(patch_item) => {
                    record(out, item.span.start.line, patch_item.span.start);
                    map_patched(item, patch_item, hit, out);
                }
                None => record(out, item.span.start.line, patch.span.start),
            }
        }
    }
}

fn matching_object<'a>(object: &Node, candidates: &'a [Node]) -> Option<&'a Node> {
    let kind = |n: &Node| n.get("kind").and_then(Node::as_str).map(str::to_owned);
    let name = |n: &Node| {
        n.get_path(&["metadata", "name"])
            .and_then(Node::as_str)
            .map(str::to_owned)
    };
    let same_kind: Vec<&Node> = candidates
        .iter()
        .filter(|c| kind(c) == kind(object))
        .collect();
    let rendered_name = name(object).unwrap_or_default();
    same_kind
        .iter()
        .find(|c| name(c).as_deref() == Some(rendered_name.as_str()))
        .or_else(|| {
            same_kind
                .iter()
                .filter(|c| name(c).is_some_and(|n| rendered_name.contains(n.as_str())))
                .max_by_key(|c| name(c).map_or(0, |n| n.len()))
        })
        .or_else(|| (same_kind.len() == 1).then(|| &same_kind[0]))
        .copied()
}

/// Fields of the rendered object that its origin file lacks or writes with
/// another value: each one's path, the rendered line of its key (or item)
/// and its value.
type Differing<'a> = Vec<(Vec<Seg>, u32, &'a Node)>;

/// Records, for each key and sequence item of `rendered`, the line of the
/// same field in `origin`, which is written at `origin_line`. Sequence
/// items are paired by `name` when both sides have names (containers,
/// ports, volumes), else by position. A field `origin` lacks (added by a
/// patch or transformer) takes `origin_line`, its parent's line. Those
/// fields, and scalars whose value `origin` does not have (changed by a
/// patch or transformer), are listed in `differing` with their path
/// (`path` is the path of `rendered`).
fn map_node<'a>(
    rendered: &'a Node,
    origin: &Node,
    origin_line: u32,
    map: &mut [Option<u32>],
    path: &mut Vec<Seg>,
    differing: &mut Differing<'a>,
) {
    let changed = |r: &Node, o: &Node| match (r.as_scalar(), o.as_scalar()) {
        (Some(r), Some(o)) => !same_scalar(r, o),
        _ => false,
    };
    if let (Some(r), Some(o)) = (rendered.as_map(), origin.as_map()) {
        for (key, key_span, value) in &r.entries {
            path.push(Seg::Key(key.to_string()));
            match o.entry(key) {
                Some((_, origin_span, origin_value)) => {
                    let line = origin_span.start.line;
                    set(map, key_span.start.line, line);
                    if changed(value, origin_value) {
                        differing.push((path.clone(), key_span.start.line, value));
                    }
                    map_node(value, origin_value, line, map, path, differing);
                }
                None => {
                    set(map, key_span.start.line, origin_line);
                    differing.push((path.clone(), key_span.start.line, value));
                }
            }
            path.pop();
        }
    } else if let (Some(r), Some(o)) = (rendered.as_seq(), origin.as_seq()) {
        for (i, item) in r.iter().enumerate() {
            let name = item_name(item);
            path.push(Seg::Item(i, name.map(str::to_owned)));
            match paired_item(o, i, name) {
                Some(origin_item) => {
                    let line = origin_item.span.start.line;
                    set(map, item.span.start.line, line);
                    if changed(item, origin_item) {
                        differing.push((path.clone(), item.span.start.line, item));
                    }
                    map_node(item, origin_item, line, map, path, differing);
                }
                None => {
                    set(map, item.span.start.line, origin_line);
                    differing.push((path.clone(), item.span.start.line, item));
                }
            }
            path.pop();
        }
    }
}

/// Maps rendered line `line` to origin line `to`; a later, more specific
/// field on the same line (the first key of a sequence item) wins.
fn set(map: &mut [Option<u32>], line: u32, to: u32) {
    if let Some(slot) = usize::try_from(line)
        .ok()
        .and_then(|l| l.checked_sub(1))
        .and_then(|i| map.get_mut(i))
    {
        *slot = Some(to);
    }
}

/// `path` with `.` and `..` components resolved lexically.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `target` relative to `base` (both absolute and normalized).
fn relative_path(target: &Path, base: &Path) -> PathBuf {
    let target: Vec<Component> = target.components().collect();
    let base: Vec<Component> = base.components().collect();
    let common = target.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out: PathBuf = base[common..].iter().map(|_| "..").collect();
    out.extend(&target[common..]);
    out
}

/// Keys of a kustomization whose values name files or directories it
/// uses, as a string or a list of strings.
const PATH_LISTS: &[&str] = &[
    "resources",
    "bases",
    "components",
    "patchesStrategicMerge",
    "crds",
    "configurations",
    "generators",
    "transformers",
    "validators",
];

/// Keys whose list items are mappings naming a file under `path`.
const PATH_ITEMS: &[&str] = &["patches", "patchesJson6902", "replacements"];

/// Generator keys whose items list files under `files`, `envs` or `env`.
const GENERATORS: &[&str] = &["configMapGenerator", "secretGenerator"];

/// The local files and directories the kustomization in `dir` (its file
/// named `file`) uses: resources, bases, components, patches, generator
/// inputs and configurations, resolved against `dir` and normalized.
/// Remote references (URLs, `github.com/...`) and inline patches are left
/// out.
pub(crate) fn references(dir: &Path, file: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let (docs, _) = parse_documents(&text);
    let Some(Some(root)) = docs.into_iter().next() else {
        return Vec::new();
    };
    let mut names: Vec<&str> = Vec::new();
    for key in PATH_LISTS {
        match root.get(key) {
            Some(n) if n.as_str().is_some() => names.extend(n.as_str()),
            Some(n) => names.extend(n.items().filter_map(Node::as_str)),
            None => {}
        }
    }
    for key in PATH_ITEMS {
        let items = root.get(key).into_iter().flat_map(Node::items);
        names.extend(items.filter_map(|i| i.get("path").and_then(Node::as_str)));
    }
    for key in GENERATORS {
        for generator in root.get(key).into_iter().flat_map(Node::items) {
            for field in ["files", "envs"] {
                let files = generator.get(field).into_iter().flat_map(Node::items);
                // `files` entries may be `key=path`.
                names.extend(
                    files
                        .filter_map(Node::as_str)
                        .map(|f| f.split_once('=').map_or(f, |(_, p)| p)),
                );
            }
            names.extend(generator.get("env").and_then(Node::as_str));
        }
    }
    let charts = root.get("helmCharts").into_iter().flat_map(Node::items);
    names.extend(charts.filter_map(|c| c.get("valuesFile").and_then(Node::as_str)));
    names
        .into_iter()
        .filter(|n| !is_remote(n))
        .map(|n| normalize(&dir.join(n)))
        .collect()
}

/// Whether a kustomization reference points outside the file system.
fn is_remote(name: &str) -> bool {
    name.contains("://")
        || name.starts_with("github.com/")
        || name.starts_with("gitlab.com/")
        || name.starts_with("git@")
        || name.contains('\n')
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeguard_core::Pos;

    const BASE: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
---
# The API.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
      - name: api
        image: registry.example.com/api:1.0
";

    const RENDERED: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    config.kubernetes.io/origin: |
      path: ../base/app.yaml
  labels:
    team: payments
  name: prod-api
  namespace: prod
spec:
  template:
    spec:
      containers:
      - image: registry.example.com/api:1.0
        name: api
      hostNetwork: true
";

    #[test]
    fn the_origin_annotation_is_read_and_removed() {
        let (text, path) = strip_origin(RENDERED);
        assert_eq!(path.as_deref(), Some("../base/app.yaml"));
        assert!(!text.contains("origin") && !text.contains("annotations:"));
        assert!(text.contains("  labels:\n    team: payments\n"));
        let (text, _) = strip_origin(
            "metadata:\n  annotations:\n    a: b\n    config.kubernetes.io/origin: |\n      path: x.yaml\n  name: n\n",
        );
        assert_eq!(text, "metadata:\n  annotations:\n    a: b\n  name: n\n");
    }

    #[test]
    fn fields_map_to_their_lines_in_the_origin_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("app.yaml");
        std::fs::write(&file, BASE).unwrap();
        let (text, _) = strip_origin(RENDERED);
        let source = traced(&file, None, text.clone(), &Patches::default());
        let line_of = |needle: &str| {
            let i = text.lines().position(|l| l.contains(needle)).unwrap();
            Pos {
                line: u32::try_from(i + 1).unwrap(),
                col: 1,
            }
        };
        // The image line is line 16 of the base file, though the container's
        // keys were reordered and the object renamed.
        assert_eq!(source.resolve(line_of("image:")).line, 16);
        assert_eq!(source.resolve(line_of("kind: Deployment")).line, 8);
        // A field an overlay added takes its parent's line (`spec:` of the
        // pod template).
        assert_eq!(source.resolve(line_of("hostNetwork")).line, 13);
        assert_eq!(source.name, file.display().to_string());
    }

    #[test]
    fn fields_a_patch_adds_map_to_the_patch() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base");
        let overlay = dir.path().join("overlays/prod");
        std::fs::create_dir_all(&base).unwrap();
        std::fs::create_dir_all(&overlay).unwrap();
        std::fs::write(base.join("app.yaml"), BASE).unwrap();
        std::fs::write(base.join("kustomization.yaml"), "resources: [app.yaml]\n").unwrap();
        std::fs::write(
            overlay.join("kustomization.yaml"),
            "resources:\n- ../../base\nnamePrefix: prod-\npatchesStrategicMerge:\n- privileged.yaml\npatchesJson6902:\n- target: {kind: Deployment, name: api}\n  patch: |\n    - op: add\n      path: /spec/template/spec/hostNetwork\n      value: true\n",
        )
        .unwrap();
        std::fs::write(
            overlay.join("privileged.yaml"),
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        securityContext:\n          privileged: true\n",
        )
        .unwrap();
        let rendered = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prod-api\nspec:\n  template:\n    spec:\n      containers:\n      - image: registry.example.com/api:1.0\n        name: api\n        securityContext:\n          privileged: true\n      hostNetwork: true\n";
        let patches = Patches::of_tree(&overlay);
        let source = traced(
            &base.join("app.yaml"),
            Some(dir.path()),
            rendered.into(),
            &patches,
        );
        let at = |line: u32, col: u32| source.locate(Pos { line, col });
        // The image stays in the base file.
        let image = at(9, 9);
        assert_eq!((image.file, image.pos.line), (None, 16));
        // The strategic merge patch writes securityContext and privileged.
        let privileged = at(12, 11);
        assert_eq!(privileged.file, Some("overlays/prod/privileged.yaml"));
        assert_eq!(privileged.pos, Pos { line: 11, col: 11 });
        assert_eq!(
            source.written_line(privileged),
            Some("          privileged: true")
        );
        assert_eq!(at(11, 9).pos, Pos { line: 10, col: 9 });
        // The inline JSON 6902 operation writes hostNetwork: its `path:`
        // key, in the kustomization.
        let host = at(13, 7);
        assert_eq!(host.file, Some("overlays/prod/kustomization.yaml"));
        assert_eq!(host.pos, Pos { line: 10, col: 7 });
        assert_eq!(
            source.written_line(host),
            Some("      path: /spec/template/spec/hostNetwork")
        );
    }

    /// Writes `files` (path, text) under `dir`.
    fn write_tree(dir: &Path, files: &[(&str, &str)]) {
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    #[test]
    fn values_a_patch_changes_map_to_the_patch() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &[
                (
                    "base/app.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        image: registry.example.com/api:1.0\n        securityContext:\n          privileged: false\n",
                ),
                ("base/kustomization.yaml", "resources: [app.yaml]\n"),
                (
                    "overlays/prod/kustomization.yaml",
                    "resources:\n- ../../base\nnamePrefix: prod-\npatches:\n- path: privileged.yaml\n- target:\n    kind: Deployment\n    name: api\n  patch: |-\n    - op: replace\n      path: /spec/template/spec/containers/0/image\n      value: registry.example.com/api:2.0\n",
                ),
                (
                    "overlays/prod/privileged.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n      - name: api\n        securityContext:\n          privileged: true\n",
                ),
            ],
        );
        let rendered = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prod-api\nspec:\n  template:\n    spec:\n      containers:\n      - image: registry.example.com/api:2.0\n        name: api\n        securityContext:\n          privileged: true\n";
        let patches = Patches::of_tree(&dir.path().join("overlays/prod"));
        let source = traced(
            &dir.path().join("base/app.yaml"),
            Some(dir.path()),
            rendered.into(),
            &patches,
        );
        let at = |line: u32, col: u32| source.locate(Pos { line, col });
        // The strategic merge patch turns `privileged` on.
        let privileged = at(12, 11);
        assert_eq!(privileged.file, Some("overlays/prod/privileged.yaml"));
        assert_eq!(privileged.pos, Pos { line: 11, col: 11 });
        // The inline `replace` operation sets the image: its `path:` key.
        let image = at(9, 9);
        assert_eq!(image.file, Some("overlays/prod/kustomization.yaml"));
        assert_eq!(image.pos, Pos { line: 11, col: 7 });
        // Fields the patches name without changing them, and the name the
        // prefix changed, stay in the base.
        for (line, base_line) in [(4, 4), (10, 9), (11, 11)] {
            let written = at(line, 9);
            assert_eq!(
                (written.file, written.pos.line),
                (None, base_line),
                "line {line}"
            );
        }
    }

    #[test]
    fn an_overlay_chain_maps_each_field_to_the_patch_of_its_level() {
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &[
                ("base/app.yaml", BASE),
                (
                    "base/kustomization.yaml",
                    "resources:\n- app.yaml\npatches:\n- path: host-ipc.yaml\n",
                ),
                (
                    "base/host-ipc.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      hostIPC: true\n      hostNetwork: false\n",
                ),
                (
                    "overlays/prod/kustomization.yaml",
                    "resources:\n- ../../base\nnamePrefix: prod-\npatchesStrategicMerge:\n- host-network.yaml\n",
                ),
                (
                    "overlays/prod/host-network.yaml",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      hostNetwork: true\n",
                ),
            ],
        );
        let rendered = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prod-api\nspec:\n  template:\n    spec:\n      containers:\n      - image: registry.example.com/api:1.0\n        name: api\n      hostIPC: true\n      hostNetwork: true\n";
        let patches = Patches::of_tree(&dir.path().join("overlays/prod"));
        let source = traced(
            &dir.path().join("base/app.yaml"),
            Some(dir.path()),
            rendered.into(),
            &patches,
        );
        let at = |line: u32| source.locate(Pos { line, col: 7 });
        // The base's own patch adds hostIPC.
        assert_eq!(at(11).file, Some("base/host-ipc.yaml"));
        assert_eq!(at(11).pos, Pos { line: 8, col: 7 });
        // The base's patch turns hostNetwork off, the overlay's on: the
        // overlay's, applied last, wrote the rendered value.
        assert_eq!(at(12).file, Some("overlays/prod/host-network.yaml"));
        assert_eq!(at(12).pos, Pos { line: 8, col: 7 });
        // The image comes from the base file.
        assert_eq!((at(9).file, at(9).pos.line), (None, 16));
    }

    #[test]
    fn documents_are_split_at_separators() {
        let docs: Vec<&str> = documents("a: 1\n---\nb: 2\n---\n\n").collect();
        assert_eq!(docs, ["a: 1\n", "b: 2\n"]);
    }

    #[test]
    fn relative_paths_climb_to_the_common_ancestor() {
        let rel = relative_path(Path::new("/work/repo/overlays/prod"), Path::new("/tmp/x"));
        assert_eq!(rel, Path::new("../../work/repo/overlays/prod"));
        assert_eq!(
            normalize(Path::new("/tmp/x/../../work/./a")),
            Path::new("/work/a")
        );
    }
}
