//! Lines whose text must never be shown in a snippet: Secret data, literal
//! values of environment variables named like credentials or recognised as
//! credentials by their shape, and ConfigMap entries under credential-like
//! keys or with such values. A
//! finding on such a line is reported without its snippet.

use crate::rules::best_practice::hardcoded_secret_in_env::{is_credential_name, secret_kind};
use kubeguard_core::workload::PodSpec;
use kubeguard_core::{Node, Object};

/// Inclusive line ranges that hold secret values.
#[derive(Debug, Default)]
pub(crate) struct SecretLines(Vec<(u32, u32)>);

impl SecretLines {
    /// Finds the secret-bearing lines of `obj`.
    pub(crate) fn of(obj: &Object) -> Self {
        let mut lines = SecretLines::default();
        if obj.kind == "Secret" {
            for field in ["data", "stringData"] {
                for (_, value) in obj
                    .root
                    .get(field)
                    .and_then(Node::as_map)
                    .into_iter()
                    .flat_map(|m| m.iter())
                {
                    lines.add(value);
                }
            }
            let applied = obj.root.get_path(&[
                "metadata",
                "annotations",
                "kubectl.kubernetes.io/last-applied-configuration",
            ]);
            if let Some(v) = applied {
                lines.add(v);
            }
        }
        if obj.kind == "ConfigMap" {
            for (key, value) in obj
                .root
                .get("data")
                .and_then(Node::as_map)
                .into_iter()
                .flat_map(|m| m.iter())
            {
                let secret = is_credential_name(key)
                    || value
                        .scalar_text()
                        .is_some_and(|v| secret_kind(v).is_some());
                if secret {
                    lines.add(value);
                }
            }
        }
        if let Some(pod) = PodSpec::of(obj) {
            for c in pod.containers() {
                for item in c.at.node.get("env").into_iter().flat_map(Node::items) {
                    let named_credential = item
                        .get("name")
                        .and_then(Node::scalar_text)
                        .is_some_and(is_credential_name);
                    let value = item.get("value");
                    let looks_secret = value
                        .and_then(Node::scalar_text)
                        .is_some_and(|v| secret_kind(v).is_some());
                    if let Some(value) = value.filter(|_| named_credential || looks_secret) {
                        lines.add(value);
                    }
                }
            }
        }
        lines
    }

    fn add(&mut self, node: &Node) {
        self.0.push((
            node.span.start.line,
            node.span.end.line.max(node.span.start.line),
        ));
    }

    /// Whether `line` shows a secret value.
    pub(crate) fn contains(&self, line: u32) -> bool {
        self.0
            .iter()
            .any(|&(start, end)| (start..=end).contains(&line))
    }

    /// Every line that shows a secret value.
    pub(crate) fn lines(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().flat_map(|&(start, end)| start..=end)
    }
}
