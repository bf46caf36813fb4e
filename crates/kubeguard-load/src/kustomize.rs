//! Kustomize output traced back to the files that hold each object.
//!
//! The directory is built through a generated kustomization that includes
//! it and asks for `buildMetadata: [originAnnotations]`: Kustomize then
//! records in each object's `config.kubernetes.io/origin` annotation the
//! file it came from. Each object becomes a source of its own, named after
//! that file, whose lines map to the lines of the same fields there.
//! Fields a patch or transformer added have no line of their own in that
//! file and take the nearest mapped line above them (their parent).

use crate::parse::parse_documents;
use kubeguard_core::{Node, RenderedOrigin, Source};
use std::path::{Component, Path, PathBuf};

/// The annotation Kustomize writes with `buildMetadata: [originAnnotations]`.
const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin:";

/// A generated kustomization that includes `dir` and records origins.
pub(crate) struct Wrapper {
    dir: tempfile::TempDir,
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
        Ok(Wrapper { dir })
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
        documents(output)
            .map(|doc| {
                let (text, origin) = strip_origin(doc);
                let file = origin
                    .as_deref()
                    .map(|p| normalize(&self.dir.path().join(p)))
                    .filter(|p| p.is_file());
                match file {
                    Some(file) => traced(&file, cwd.as_deref(), text),
                    None => Source::new(fallback_name, text),
                }
            })
            .collect()
    }
}

/// The source for an object whose origin is `file`.
fn traced(file: &Path, cwd: Option<&Path>, text: String) -> Source {
    let name = cwd
        .and_then(|cwd| file.strip_prefix(cwd).ok())
        .unwrap_or(file)
        .display()
        .to_string();
    let Ok(origin_text) = std::fs::read_to_string(file) else {
        return Source::new(name, text);
    };
    let line_map = line_map(&text, &origin_text);
    Source::rendered(
        name,
        text,
        RenderedOrigin {
            line_map,
            template_text: origin_text,
        },
    )
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

/// Maps each line of `rendered` (one object) to the line of the same field
/// in `origin_text`, the file it came from: the object there with the same
/// kind and name (or, when renamed by a prefix or suffix, the one whose
/// name the rendered name contains).
fn line_map(rendered: &str, origin_text: &str) -> Vec<Option<u32>> {
    let mut map = vec![None; rendered.lines().count()];
    let (docs, _) = parse_documents(rendered);
    let Some(Some(object)) = docs.into_iter().next() else {
        return map;
    };
    let (origins, _) = parse_documents(origin_text);
    let candidates: Vec<Node> = origins.into_iter().flatten().collect();
    if let Some(origin) = matching_object(&object, &candidates) {
        map_node(&object, origin, origin.span.start.line, &mut map);
    }
    map
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

/// Records, for each key and sequence item of `rendered`, the line of the
/// same field in `origin`, which is written at `origin_line`. Sequence
/// items are paired by `name` when both sides have names (containers,
/// ports, volumes), else by position. A field `origin` lacks (added by a
/// patch or transformer) takes `origin_line`, its parent's line.
fn map_node(rendered: &Node, origin: &Node, origin_line: u32, map: &mut [Option<u32>]) {
    if let (Some(r), Some(o)) = (rendered.as_map(), origin.as_map()) {
        for (key, key_span, value) in &r.entries {
            match o.entry(key) {
                Some((_, origin_span, origin_value)) => {
                    let line = origin_span.start.line;
                    set(map, key_span.start.line, line);
                    map_node(value, origin_value, line, map);
                }
                None => set(map, key_span.start.line, origin_line),
            }
        }
    } else if let (Some(r), Some(o)) = (rendered.as_seq(), origin.as_seq()) {
        let item_name = |n: &Node| n.get("name").and_then(Node::as_str).map(str::to_owned);
        for (i, item) in r.iter().enumerate() {
            let paired = match item_name(item) {
                Some(name) => o.iter().find(|c| item_name(c).as_deref() == Some(&name)),
                None => o.get(i),
            };
            match paired {
                Some(origin_item) => {
                    let line = origin_item.span.start.line;
                    set(map, item.span.start.line, line);
                    map_node(item, origin_item, line, map);
                }
                None => set(map, item.span.start.line, origin_line),
            }
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
        let source = traced(&file, None, text.clone());
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
