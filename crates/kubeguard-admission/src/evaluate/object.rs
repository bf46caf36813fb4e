//! The request's object as a `kubeguard_core::Object`, so the scan rules
//! and the Pod Security checks read it as `kubeguard scan` and
//! `kubeguard pss` read a manifest. The node tree is built straight from
//! the JSON (no text round trip): JSON strings are strings, numbers are
//! integers or floats, as the loader resolves them in a JSON file. Each
//! node gets a line of its own; the source text is empty, so findings
//! carry no snippet.

use kubeguard_core::{Map, Node, Object, Pos, Scalar, ScalarKind, Source, Span, Value};
use std::sync::Arc;

/// The source name findings about the request's object carry.
pub(crate) const SOURCE_NAME: &str = "request.object";

/// Builds an [`Object`] from the request's object JSON.
pub(crate) fn to_object(json: &serde_json::Value) -> Result<Object, String> {
    let mut line = 0;
    let root = node(json, &mut line);
    Object::from_root(Arc::new(Source::new(SOURCE_NAME, String::new())), root)
        .ok_or_else(|| "the object has no apiVersion or kind".to_owned())
}

fn node(json: &serde_json::Value, line: &mut u32) -> Node {
    *line += 1;
    let start = Pos {
        line: *line,
        col: 1,
    };
    let scalar = |text: String, kind| {
        Value::Scalar(Scalar {
            text: text.into_boxed_str(),
            kind,
        })
    };
    let value = match json {
        serde_json::Value::Null => scalar("null".to_owned(), ScalarKind::Null),
        serde_json::Value::Bool(b) => scalar(b.to_string(), ScalarKind::Bool(*b)),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => scalar(i.to_string(), ScalarKind::Int(i)),
            None => scalar(
                n.to_string(),
                ScalarKind::Float(n.as_f64().unwrap_or(f64::NAN)),
            ),
        },
        serde_json::Value::String(s) => scalar(s.clone(), ScalarKind::Str),
        serde_json::Value::Array(items) => {
            Value::Seq(items.iter().map(|i| node(i, line)).collect())
        }
        serde_json::Value::Object(map) => Value::Map(Map {
            entries: map
                .iter()
                .map(|(k, v)| {
                    let key_span = Span {
                        start: Pos {
                            line: *line + 1,
                            col: 1,
                        },
                        end: Pos {
                            line: *line + 1,
                            col: 1,
                        },
                    };
                    (k.as_str().into(), key_span, node(v, line))
                })
                .collect(),
        }),
    };
    Node {
        value,
        span: Span {
            start,
            end: Pos {
                line: *line,
                col: 1,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pods_convert_and_kindless_objects_are_refused() {
        let o = to_object(&json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "n"}, "spec": {"containers": []}}));
        let o = o.expect("a pod converts");
        assert_eq!((o.kind.as_str(), o.name.as_deref()), ("Pod", Some("p")));
        assert!(to_object(&json!({"metadata": {}})).is_err());
    }

    #[test]
    fn the_tree_equals_what_the_loader_reads_from_the_same_json() {
        let v = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "labels": {"a": "1", "yes": "on"}},
            "spec": {"replicas": 3, "paused": false, "ratio": 0.5, "big": u64::MAX, "none": null,
                "template": {"spec": {"containers": [{"name": "c", "args": ["--x", "0755", "~"]}]}}}});
        let direct = to_object(&v).expect("converts");
        let loaded = kubeguard_load::load_source(Source::new("x.json", v.to_string()));
        let via_text = loaded.objects.first().expect("loads");
        let strip = |n: &Node| crate::offline::node_to_json(n);
        assert_eq!(strip(&direct.root), strip(&via_text.root));
        assert_eq!(
            direct
                .root
                .get_path(&["spec", "replicas"])
                .and_then(Node::as_i64),
            Some(3)
        );
        assert_eq!(
            direct
                .root
                .get_path(&["metadata", "labels", "yes"])
                .and_then(Node::as_str),
            Some("on")
        );
        assert!(
            direct
                .root
                .get_path(&["spec", "none"])
                .is_some_and(Node::is_null)
        );
    }
}
