//! A component's configuration file (kubelet `KubeletConfiguration`,
//! scheduler `KubeSchedulerConfiguration`, kube-proxy
//! `KubeProxyConfiguration`, etcd `--config-file`, API server
//! `AuthorizationConfiguration`), parsed with positions so that every
//! value read from it is reported with its file and line.

use kubeguard_core::{Diagnostic, Node, Pos, ScalarKind, Value};

/// A parsed configuration file.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    /// The host path it was read from.
    pub path: String,
    root: Node,
}

/// A value read from a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigValue {
    /// The value as text: a scalar as written, a list joined with `,`, a
    /// map as `key=value` pairs joined with `,`.
    pub text: String,
    /// The line of its key.
    pub line: u32,
    /// The column of its key.
    pub col: u32,
}

impl ConfigFile {
    /// Parses the text of `path` (YAML or JSON); the first document must
    /// be a mapping.
    pub fn parse(path: &str, text: &str) -> Result<ConfigFile, Diagnostic> {
        let (docs, err) = kubeguard_load::parse_documents(text);
        if let Some(e) = err {
            return Err(Diagnostic::new(path, e.pos, e.message));
        }
        match docs.into_iter().flatten().next() {
            Some(root) if root.as_map().is_some() => Ok(ConfigFile {
                path: path.to_owned(),
                root,
            }),
            Some(root) => Err(Diagnostic::new(
                path,
                root.span.start,
                "a configuration file must be a mapping",
            )),
            None => Ok(ConfigFile {
                path: path.to_owned(),
                root: Node {
                    value: Value::Map(kubeguard_core::Map::default()),
                    span: kubeguard_core::Span {
                        start: Pos { line: 1, col: 1 },
                        end: Pos { line: 1, col: 1 },
                    },
                },
            }),
        }
    }

    /// The value at a dotted path (`authentication.anonymous.enabled`).
    /// Where the path meets a list, the rest of the path is read in every
    /// item and the values are joined with `,` (`authorizers.type`).
    #[must_use]
    pub fn get(&self, dotted: &str) -> Option<ConfigValue> {
        let keys: Vec<&str> = dotted.split('.').collect();
        get_in(&self.root, &keys, self.root.span.start)
    }

    /// Whether the file has a key at a dotted path, whatever its value
    /// (`null` and empty maps included), and where.
    #[must_use]
    pub fn has(&self, dotted: &str) -> Option<Pos> {
        let mut node = &self.root;
        let mut pos = None;
        for key in dotted.split('.') {
            let Value::Map(map) = &node.value else {
                return None;
            };
            let (_, key_span, value) = map.entry(key)?;
            pos = Some(key_span.start);
            node = value;
        }
        pos
    }
}

fn get_in(node: &Node, keys: &[&str], at: Pos) -> Option<ConfigValue> {
    let Some((first, rest)) = keys.split_first() else {
        return render(node).map(|text| ConfigValue {
            text,
            line: at.line,
            col: at.col,
        });
    };
    match &node.value {
        Value::Map(map) => {
            let (_, key_span, value) = map.entry(first)?;
            get_in(value, rest, key_span.start)
        }
        Value::Seq(items) => {
            let found: Vec<ConfigValue> =
                items.iter().filter_map(|i| get_in(i, keys, at)).collect();
            let (line, col) = found.first().map(|v| (v.line, v.col))?;
            Some(ConfigValue {
                text: found
                    .into_iter()
                    .map(|v| v.text)
                    .collect::<Vec<_>>()
                    .join(","),
                line,
                col,
            })
        }
        Value::Scalar(_) => None,
    }
}

/// A node as text; `None` for null.
fn render(node: &Node) -> Option<String> {
    match &node.value {
        Value::Scalar(s) => match s.kind {
            ScalarKind::Null => None,
            ScalarKind::Bool(b) => Some(b.to_string()),
            _ => Some(s.text.to_string()),
        },
        Value::Seq(items) => Some(
            items
                .iter()
                .filter_map(render)
                .collect::<Vec<_>>()
                .join(","),
        ),
        Value::Map(map) => Some(
            map.iter()
                .filter_map(|(k, v)| render(v).map(|v| format!("{k}={v}")))
                .collect::<Vec<_>>()
                .join(","),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_carry_their_line() {
        let f = ConfigFile::parse(
            "/var/lib/kubelet/config.yaml",
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\nfeatureGates:\n  RotateKubeletServerCertificate: true\ntlsCipherSuites: [A, B]\n",
        )
        .unwrap();
        let v = f.get("authentication.anonymous.enabled").unwrap();
        assert_eq!((v.text.as_str(), v.line), ("false", 5));
        assert_eq!(
            f.get("featureGates").unwrap().text,
            "RotateKubeletServerCertificate=true"
        );
        assert_eq!(f.get("tlsCipherSuites").unwrap().text, "A,B");
        assert!(f.get("readOnlyPort").is_none());
    }

    #[test]
    fn lists_are_read_item_by_item() {
        let f = ConfigFile::parse(
            "authz.yaml",
            "authorizers:\n- type: Node\n  name: node\n- type: RBAC\n  name: rbac\n",
        )
        .unwrap();
        let v = f.get("authorizers.type").unwrap();
        assert_eq!((v.text.as_str(), v.line), ("Node,RBAC", 2));
    }

    #[test]
    fn bad_files_are_located_errors() {
        let e = ConfigFile::parse("c.yaml", "a: [1,\n").unwrap_err();
        assert_eq!(e.file, "c.yaml");
        assert!(ConfigFile::parse("c.yaml", "- a\n").is_err());
        assert!(ConfigFile::parse("c.yaml", "").unwrap().get("a").is_none());
    }
}
