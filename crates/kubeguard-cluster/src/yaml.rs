//! Objects read as JSON, written as YAML in the layout `kubectl get -o
//! yaml` uses: block mappings, sequences at their key's indentation,
//! strings plain when YAML reads them back as the same string and
//! double-quoted otherwise. The output is deterministic (keys sorted), so
//! an object renders the same live and from a snapshot, and a line that is
//! exactly `---` never occurs inside a document.

use serde_json::{Map, Value};
use std::fmt::Write;

/// Renders `value` (a mapping) as a YAML document, without a `---` line.
#[must_use]
pub fn render(value: &Value) -> String {
    let mut out = String::with_capacity(1024);
    match value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0, false),
        other => {
            write_inline(&mut out, other);
            out.push('\n');
        }
    }
    out
}

const INDENT: &str = "                                                                ";

fn indent(out: &mut String, n: usize) {
    let mut n = n;
    while n > 0 {
        let step = n.min(INDENT.len());
        out.push_str(&INDENT[..step]);
        n -= step;
    }
}

/// Writes the entries of `map` at `level`; the first key goes on the
/// current line when `inline` (after a `- `).
fn write_map(out: &mut String, map: &Map<String, Value>, level: usize, inline: bool) {
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 || !inline {
            indent(out, level);
        }
        write_string(out, key);
        out.push(':');
        write_nested(out, value, level);
    }
}

/// Writes what follows `key:` or `-`: a scalar on the same line, or a
/// block on the lines below.
fn write_nested(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(out, map, level + 2, false);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_seq(out, items, level);
        }
        other => {
            out.push(' ');
            write_inline(out, other);
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                out.push(' ');
                write_map(out, map, level + 2, true);
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, level + 2);
            }
            other => {
                out.push(' ');
                write_inline(out, other);
                out.push('\n');
            }
        }
    }
}

/// Scalars and empty collections.
fn write_inline(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Plain scalars that YAML (1.1 and 1.2) reads as something else.
const RESERVED: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL",
];

/// Whether `s` reads back as the same string when written plain: it starts
/// with a letter or `/`, holds only letters, digits and `._/-:@+=` and
/// inner single spaces, never `: ` or a trailing `:`, and is no boolean or
/// null word.
fn is_plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '/')
        && !s.ends_with([':', ' '])
        && !s.contains(": ")
        && !s.contains("  ")
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '.' | '_' | '/' | '-' | ':' | '@' | '+' | '=' | ' ')
        })
        && !RESERVED.contains(&s)
}

fn write_string(out: &mut String, s: &str) {
    if is_plain(s) {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}') => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layout_is_kubectls() {
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}, "annotations": {}},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.25", "args": ["a", "1", "yes"],
                     "ports": [{"containerPort": 80}]}],
                     "hostNetwork": false, "nodeSelector": null, "tolerations": [[1, 2]]}
        });
        assert_eq!(
            render(&pod),
            "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations: {}\n  labels:\n    app.kubernetes.io/name: web\n  name: web\nspec:\n  containers:\n  - args:\n    - a\n    - \"1\"\n    - \"yes\"\n    image: nginx:1.25\n    name: c\n    ports:\n    - containerPort: 80\n  hostNetwork: false\n  nodeSelector: null\n  tolerations:\n  -\n    - 1\n    - 2\n"
        );
    }

    #[test]
    fn strings_read_back_unchanged() {
        for s in [
            "",
            "1",
            "0x1F",
            "on",
            "a: b",
            "a:",
            "#x",
            "- x",
            "x #y",
            "---",
            "line\nnext\n---\n",
            " lead",
            "trail ",
            "tab\there",
            "quote\"s",
            "back\\slash",
            "\u{7f}\u{85}\u{feff}",
            "{a}",
            "[a]",
            "*ref",
            "&anchor",
            "!tag",
            "%d",
            "@at",
            "`b`",
            "'q'",
            "|",
            ">",
            "~",
            ".inf",
            "-1",
            "1e3",
            "café",
            "a  b",
            "http://x:80/p",
        ] {
            let text = render(&json!({ "k": s }));
            let (docs, err) = kubeguard_load::parse_documents(&text);
            assert!(err.is_none(), "{s:?}: {text}");
            let root = docs.into_iter().next().flatten().expect("a document");
            let node = root.get("k").expect("key");
            assert_eq!(node.as_str(), Some(s), "{s:?} rendered as {text}");
            assert!(!text.lines().any(|l| l == "---"), "{text}");
        }
    }
}
