//! A small block-style YAML writer for JSON values, for the formats that
//! produce Kubernetes objects (`policyreport`). Every string is written
//! double-quoted with JSON escapes, which YAML reads the same way, so no
//! value can change type or meaning (`"yes"`, `"0755"`, `"null"` stay
//! strings); keys are written plain when they are plain identifiers.

use serde_json::Value;
use std::io::{self, Write};

/// Writes `value` as one YAML document, starting with `---`.
pub(crate) fn write_document(out: &mut dyn Write, value: &Value) -> io::Result<()> {
    writeln!(out, "---")?;
    match value {
        Value::Object(map) if !map.is_empty() => write_map(out, map, 0),
        other => {
            write_scalar(out, other)?;
            writeln!(out)
        }
    }
}

fn indent(out: &mut dyn Write, n: usize) -> io::Result<()> {
    write!(out, "{:n$}", "")
}

fn write_map(
    out: &mut dyn Write,
    map: &serde_json::Map<String, Value>,
    level: usize,
) -> io::Result<()> {
    for (key, value) in map {
        indent(out, level)?;
        write_key(out, key)?;
        write_nested(out, value, level)?;
    }
    Ok(())
}

/// Writes what follows `key:` or `-`: a scalar or empty collection on the
/// same line, a non-empty collection on the next lines.
fn write_nested(out: &mut dyn Write, value: &Value, level: usize) -> io::Result<()> {
    match value {
        Value::Object(m) if !m.is_empty() => {
            writeln!(out)?;
            write_map(out, m, level + 2)
        }
        Value::Array(items) if !items.is_empty() => {
            writeln!(out)?;
            write_seq(out, items, level)
        }
        scalar => {
            write!(out, " ")?;
            write_scalar(out, scalar)?;
            writeln!(out)
        }
    }
}

fn write_seq(out: &mut dyn Write, items: &[Value], level: usize) -> io::Result<()> {
    for item in items {
        indent(out, level)?;
        write!(out, "-")?;
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first key on the dash's line, the rest under it.
                for (i, (key, value)) in m.iter().enumerate() {
                    if i == 0 {
                        write!(out, " ")?;
                    } else {
                        indent(out, level + 2)?;
                    }
                    write_key(out, key)?;
                    write_nested(out, value, level + 2)?;
                }
            }
            other => write_nested(out, other, level)?,
        }
    }
    Ok(())
}

fn write_key(out: &mut dyn Write, key: &str) -> io::Result<()> {
    let plain = !key.is_empty()
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if plain {
        write!(out, "{key}:")
    } else {
        serde_json::to_writer(&mut *out, key)?;
        write!(out, ":")
    }
}

fn write_scalar(out: &mut dyn Write, value: &Value) -> io::Result<()> {
    match value {
        Value::Object(_) => write!(out, "{{}}"),
        Value::Array(_) => write!(out, "[]"),
        other => serde_json::to_writer(out, other).map_err(io::Error::from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn yaml(v: &Value) -> String {
        let mut out = Vec::new();
        write_document(&mut out, v).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn nested_maps_and_sequences() {
        // Keys in alphabetical order: the same with or without serde_json's
        // preserve_order feature.
        let v = json!({
            "empty": [],
            "kind": "PolicyReport",
            "metadata": {"labels": {"app.kubernetes.io/managed-by": "kubeguard"}, "name": "kubeguard"},
            "n": 3,
            "none": {},
            "null": null,
            "results": [{"policy": "a", "resources": [{"kind": "Pod"}], "scored": true}, "x"]
        });
        assert_eq!(
            yaml(&v),
            "---\nempty: []\nkind: \"PolicyReport\"\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: \"kubeguard\"\n  name: \"kubeguard\"\nn: 3\nnone: {}\nnull: null\nresults:\n- policy: \"a\"\n  resources:\n  - kind: \"Pod\"\n  scored: true\n- \"x\"\n"
        );
    }

    #[test]
    fn strings_keep_their_type() {
        let v = json!({"a": "yes", "b": "0755", "c": "line\nbreak \"q\"", "odd key": 1});
        let text = yaml(&v);
        assert!(text.contains("a: \"yes\"\n"));
        assert!(text.contains("b: \"0755\"\n"));
        assert!(text.contains("c: \"line\\nbreak \\\"q\\\"\"\n"));
        assert!(text.contains("\"odd key\": 1\n"));
    }
}
