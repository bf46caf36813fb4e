//! Property tests of the loader: no input makes it panic, every error is
//! located inside the text, and well-formed Kubernetes documents come back
//! with exactly the identity they were written with.

use kubeguard_core::{Pos, Source};
use kubeguard_load::{Input, LoadOptions, LoadedFile, load_input, load_source};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};
use std::fmt::Write as _;
use std::io::Write as _;

/// Cases per property: enough to find shallow bugs, few enough for two cores.
fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Checks that every error and skipped document of `loaded` has a position
/// inside `text` (1-based, at most one line past the last).
fn assert_located(loaded: &LoadedFile, text: &[u8]) {
    let lines = text.iter().filter(|&&b| b == b'\n').count() + 1;
    let inside = |pos: Pos| pos.line >= 1 && pos.col >= 1 && pos.line as usize <= lines + 1;
    for e in &loaded.errors {
        assert!(inside(e.pos), "error outside the text ({lines} lines): {e}");
        assert!(!e.message.is_empty(), "error without a message: {e:?}");
    }
    for s in &loaded.skipped {
        assert!(inside(s.pos), "skipped document outside the text: {s:?}");
    }
    for o in &loaded.objects {
        assert!(
            inside(o.root.span.start),
            "object outside the text: {:?}",
            o.root.span
        );
    }
}

/// Bytes that are mostly YAML punctuation, so random input reaches deeper
/// into the parser than uniformly random bytes would.
fn yamlish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        3 => any::<u8>(),
        4 => prop::sample::select(b"-:?[]{},&*!|>'\"%@`#\\ \t\r\n0aZ.<~".to_vec()),
    ];
    prop::collection::vec(byte, 0..600)
}

// (a) Arbitrary bytes and strings.

proptest! {
    #![proptest_config(config(384))]

    #[test]
    fn arbitrary_bytes_from_a_file_never_panic(bytes in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1024),
        yamlish_bytes(),
    ]) {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&bytes).unwrap();
        file.flush().unwrap();
        let loaded = load_input(&Input::File(file.path().to_path_buf()), &LoadOptions::default());
        assert_located(&loaded, &bytes);
        for e in &loaded.errors {
            prop_assert_eq!(&e.file, &file.path().display().to_string());
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(text in prop_oneof![
        any::<String>(),
        "\\PC{0,300}",
        "[-:?\\[\\]{},&*!|>'\"%@#\\\\ \\t\\n0a<~.]{0,300}",
    ]) {
        let loaded = load_source(Source::new("x.yaml", text.as_str()));
        assert_located(&loaded, text.as_bytes());
        for e in &loaded.errors {
            prop_assert_eq!(e.file.as_str(), "x.yaml");
        }
    }
}

// (b) YAML-like text from a grammar.

/// A YAML value tree, rendered in block or flow style.
#[derive(Debug, Clone)]
enum Yaml {
    /// A scalar written exactly as given (plain, quoted, tagged, ...).
    Scalar(String),
    /// `*name`.
    Alias(&'static str),
    /// A sequence with its decoration and style.
    Seq(Vec<Yaml>, Deco),
    /// A mapping with its decoration and style.
    Map(Vec<(String, Yaml)>, Deco),
}

/// What may precede a collection: an anchor, a tag, and whether it is flow.
#[derive(Debug, Clone)]
struct Deco {
    anchor: Option<&'static str>,
    tag: Option<&'static str>,
    flow: bool,
}

const NAMES: &[&str] = &["a", "b", "c"];

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "x",
            "yes",
            "No",
            "on",
            "~",
            "null",
            "",
            "0x1F",
            "0o17",
            "1e3",
            ".inf",
            "-.nan",
            "12:30",
            "1_000",
            "'single ''quoted'''",
            "\"double \\\" \\u00e9 \\n\"",
            "\"\"",
            "''",
            "!!str 5",
            "!!int 7",
            "!!bool yes",
            "!!null ''",
            "!custom v",
            "! bare",
            "!<tag:yaml.org,2002:str> s",
            "&a anchored",
            "&b 3",
            "*a",
            "*c",
            "|\n  literal\n",
            ">-\n  folded\n  text\n",
            "|+\n",
            "- item",
            "key: v",
            "# c",
            "--- ",
            "...",
            "? complex",
            "<<",
            "\"unterminated",
            "'bad",
            "%TAG",
            "@at",
            "`tick",
        ])
        .prop_map(str::to_owned),
        "[a-zA-Z0-9 ._/-]{0,12}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z]{1,6}",
        1 => Just("<<".to_owned()),
        1 => prop::sample::select(vec!["\"q k\"", "'s'", "? x", "!!str k", "&a k", "*a", "1", "null", "[a, b]", "{a: 1}"])
            .prop_map(str::to_owned),
    ]
}

fn deco() -> impl Strategy<Value = Deco> {
    (
        prop::option::weighted(0.3, prop::sample::select(NAMES)),
        prop::option::weighted(
            0.15,
            prop::sample::select(vec!["!!map", "!!seq", "!!set", "!!omap", "!x"]),
        ),
        any::<bool>(),
    )
        .prop_map(|(anchor, tag, flow)| Deco { anchor, tag, flow })
}

fn yaml_tree() -> impl Strategy<Value = Yaml> {
    let leaf = prop_oneof![
        4 => scalar().prop_map(Yaml::Scalar),
        1 => prop::sample::select(NAMES).prop_map(Yaml::Alias),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..6), deco())
                .prop_map(|(items, d)| Yaml::Seq(items, d)),
            (prop::collection::vec((key(), inner), 0..6), deco())
                .prop_map(|(entries, d)| Yaml::Map(entries, d)),
        ]
    })
}

/// How a tree is written out.
#[derive(Debug, Clone)]
struct Layout {
    /// Spaces per nesting level.
    step: usize,
    /// Extra spaces added to (or removed from) some lines: `(line, delta)`.
    jitter: Vec<(usize, i8)>,
    /// Lines that get a trailing comment.
    comments: Vec<usize>,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        1..5usize,
        prop::collection::vec((0..40usize, -3..4i8), 0..4),
        prop::collection::vec(0..40usize, 0..4),
    )
        .prop_map(|(step, jitter, comments)| Layout {
            step,
            jitter,
            comments,
        })
}

fn prefix(d: &Deco) -> String {
    let mut s = String::new();
    if let Some(a) = d.anchor {
        write!(s, "&{a} ").unwrap();
    }
    if let Some(t) = d.tag {
        write!(s, "{t} ").unwrap();
    }
    s
}

/// Flow style: `[a, {k: v}]`.
fn flow(y: &Yaml, out: &mut String) {
    match y {
        Yaml::Scalar(s) => out.push_str(s),
        Yaml::Alias(a) => write!(out, "*{a}").unwrap(),
        Yaml::Seq(items, d) => {
            out.push_str(&prefix(d));
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(item, out);
            }
            out.push(']');
        }
        Yaml::Map(entries, d) => {
            out.push_str(&prefix(d));
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write!(out, "{k}: ").unwrap();
                flow(v, out);
            }
            out.push('}');
        }
    }
}

/// Block style, falling back to flow where the tree asks for it.
fn block(y: &Yaml, indent: usize, step: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match y {
        Yaml::Seq(items, d) if !d.flow && !items.is_empty() => {
            for item in items {
                write!(out, "{pad}-").unwrap();
                inline_or_nested(item, indent + step, step, out);
            }
        }
        Yaml::Map(entries, d) if !d.flow && !entries.is_empty() => {
            for (k, v) in entries {
                write!(out, "{pad}{k}:").unwrap();
                inline_or_nested(v, indent + step, step, out);
            }
        }
        _ => {
            out.push_str(&pad);
            flow(y, out);
            out.push('\n');
        }
    }
}

/// After `- ` or `key:`: a scalar or flow value on the same line, a block
/// collection on the following lines (with its anchor and tag on this one).
fn inline_or_nested(y: &Yaml, indent: usize, step: usize, out: &mut String) {
    match y {
        Yaml::Seq(items, d) if !d.flow && !items.is_empty() => {
            writeln!(out, " {}", prefix(d)).unwrap();
            block(y, indent, step, out);
        }
        Yaml::Map(entries, d) if !d.flow && !entries.is_empty() => {
            writeln!(out, " {}", prefix(d)).unwrap();
            block(y, indent, step, out);
        }
        _ => {
            out.push(' ');
            flow(y, out);
            out.push('\n');
        }
    }
}

fn render(docs: &[Yaml], layout: &Layout, explicit_end: bool) -> String {
    let mut text = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 || explicit_end {
            text.push_str("---\n");
        }
        block(doc, 0, layout.step, &mut text);
        if explicit_end {
            text.push_str("...\n");
        }
    }
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for &(line, delta) in &layout.jitter {
        if let Some(l) = lines.get_mut(line) {
            if delta >= 0 {
                l.insert_str(0, &" ".repeat(delta.unsigned_abs().into()));
            } else {
                let spaces = l.len() - l.trim_start_matches(' ').len();
                l.drain(..spaces.min(delta.unsigned_abs().into()));
            }
        }
    }
    for &line in &layout.comments {
        if let Some(l) = lines.get_mut(line) {
            l.push_str(" # comment: with [brackets] and &anchors");
        }
    }
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn generated_yaml_never_panics(
        docs in prop::collection::vec(yaml_tree(), 1..4),
        layout in layout(),
        explicit_end in any::<bool>(),
        directive in prop::option::weighted(0.1, prop::sample::select(vec!["%YAML 1.2\n", "%YAML 1.1\n", "%TAG !e! tag:example.com,2000:\n"])),
    ) {
        let mut text = render(&docs, &layout, explicit_end);
        if let Some(d) = directive {
            text = format!("{d}---\n{text}");
        }
        let loaded = load_source(Source::new("gen.yaml", text.as_str()));
        assert_located(&loaded, text.as_bytes());
    }

    #[test]
    fn generated_flow_yaml_never_panics(doc in yaml_tree()) {
        let mut text = String::new();
        flow(&doc, &mut text);
        let loaded = load_source(Source::new("gen.yaml", text.as_str()));
        assert_located(&loaded, text.as_bytes());
    }
}

// (c) Kubernetes-like documents written as JSON come back as written.

/// Identity of a generated object.
#[derive(Debug, Clone)]
struct Identity {
    api_version: String,
    kind: String,
    name: String,
    namespace: Option<String>,
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn identity() -> impl Strategy<Value = Identity> {
    (
        prop_oneof![
            Just("v1".to_owned()),
            Just("apps/v1".to_owned()),
            "[a-z]{1,10}\\.example\\.com/v[1-3](alpha1|beta2)?",
        ],
        // `...List` kinds with items are expanded; keep kinds that are not.
        "[A-Z][a-zA-Z0-9]{0,15}".prop_filter("not a List kind", |k| !k.ends_with("List")),
        "\\PC{1,40}",
        prop::option::of("\\PC{1,20}"),
    )
        .prop_map(|(api_version, kind, name, namespace)| Identity {
            api_version,
            kind,
            name,
            namespace,
        })
}

fn object(id: &Identity, spec: Value, labels: Map<String, Value>) -> Value {
    let mut metadata = json!({ "name": id.name, "labels": labels });
    if let Some(ns) = &id.namespace {
        metadata["namespace"] = json!(ns);
    }
    json!({ "apiVersion": id.api_version, "kind": id.kind, "metadata": metadata, "spec": spec })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn json_objects_keep_their_identity(
        objects in prop::collection::vec(
            (identity(), json_value(), prop::collection::btree_map("[a-z./-]{1,20}", "\\PC{0,10}".prop_map(Value::from), 0..4)),
            1..5,
        ),
        as_list in any::<bool>(),
        pretty in any::<bool>(),
    ) {
        let values: Vec<Value> = objects
            .iter()
            .map(|(id, spec, labels)| object(id, spec.clone(), labels.clone().into_iter().collect()))
            .collect();
        let emit = |v: &Value| if pretty { serde_json::to_string_pretty(v) } else { serde_json::to_string(v) }.unwrap();
        let text = if as_list {
            emit(&json!({ "apiVersion": "v1", "kind": "List", "items": values }))
        } else {
            values.iter().map(emit).collect::<Vec<_>>().join("\n---\n")
        };
        let loaded = load_source(Source::new("gen.json", text.as_str()));
        prop_assert!(loaded.errors.is_empty(), "{:?}\n{}", loaded.errors, text);
        prop_assert!(loaded.skipped.is_empty());
        prop_assert_eq!(loaded.objects.len(), objects.len());
        for (obj, (id, _, _)) in loaded.objects.iter().zip(&objects) {
            prop_assert_eq!(&obj.api_version, &id.api_version);
            prop_assert_eq!(&obj.kind, &id.kind);
            prop_assert_eq!(obj.name.as_deref(), Some(id.name.as_str()));
            prop_assert_eq!(&obj.namespace, &id.namespace);
        }
    }
}
