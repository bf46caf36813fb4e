//! Snapshots: everything a cluster read gave, in one gzip-compressed YAML
//! stream, read back into exactly the same [`ClusterRead`].
//!
//! The first document records the context, server version, time, the
//! namespaces read and the kinds that could not be read (their errors);
//! each following document is one object as it was rendered live, preceded
//! by a comment naming its location. Read back, every object has the same
//! location and text, so every command reports the same findings, errors
//! and exit status as it did live. Gunzipped, the stream is plain YAML that
//! `kubectl` and `kubeguard scan` read too.

use crate::{ClusterError, ClusterInfo, ClusterObject, ClusterRead};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use kubeguard_core::{Diagnostic, Node, Pos};
use serde_json::json;
use std::io::{Read, Write};
use std::path::Path;

/// The `apiVersion` and `kind` of the first document.
const API_VERSION: &str = "kubeguard.io/v1alpha1";
const KIND: &str = "ClusterSnapshot";

/// Largest snapshot read back, uncompressed.
pub const MAX_SNAPSHOT_SIZE: u64 = 4 << 30;

/// The first document of `read`.
fn header(read: &ClusterRead) -> String {
    let unread: Vec<_> = read
        .errors
        .iter()
        .map(|d| json!({"location": d.file, "line": d.pos.line, "column": d.pos.col, "message": d.message}))
        .collect();
    crate::yaml::render(&json!({
        "apiVersion": API_VERSION,
        "kind": KIND,
        "context": read.info.context,
        "serverVersion": read.info.server_version,
        "time": read.info.time,
        "namespaces": read.info.namespaces,
        "includeSecrets": read.info.include_secrets,
        "objects": read.objects.len(),
        "unread": unread,
    }))
}

/// Writes `read` as a gzip-compressed YAML stream to `out`.
pub fn write(read: &ClusterRead, out: impl Write) -> std::io::Result<()> {
    let mut gz = GzEncoder::new(std::io::BufWriter::new(out), Compression::default());
    gz.write_all(header(read).as_bytes())?;
    for object in &read.objects {
        write!(gz, "---\n# {}\n", object.location)?;
        gz.write_all(object.yaml.as_bytes())?;
    }
    gz.finish()?.flush()
}

/// Writes `read` to the file `path`.
pub fn save(read: &ClusterRead, path: &Path) -> Result<(), ClusterError> {
    let fail = |e: std::io::Error| ClusterError::Snapshot {
        file: path.display().to_string(),
        message: format!("cannot write the snapshot: {e}"),
    };
    let file = std::fs::File::create(path).map_err(fail)?;
    write(read, file).map_err(fail)
}

/// Reads the snapshot file `path`.
pub fn load(path: &Path) -> Result<ClusterRead, ClusterError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| ClusterError::Snapshot {
        file: name.clone(),
        message: format!("cannot read the snapshot: {e}"),
    })?;
    parse(&name, std::io::BufReader::new(file))
}

/// Reads a snapshot from `input`; `name` is the file reported in errors.
pub fn parse(name: &str, input: impl Read) -> Result<ClusterRead, ClusterError> {
    let fail = |message: String| ClusterError::Snapshot {
        file: name.to_owned(),
        message,
    };
    let mut text = String::new();
    GzDecoder::new(input)
        .take(MAX_SNAPSHOT_SIZE + 1)
        .read_to_string(&mut text)
        .map_err(|e| {
            fail(format!(
                "not a kubeguard snapshot (gzip-compressed YAML): {e}"
            ))
        })?;
    if text.len() as u64 > MAX_SNAPSHOT_SIZE {
        return Err(fail("the snapshot is over 4 GiB uncompressed".into()));
    }
    let mut documents = text.split("\n---\n");
    let head = documents.next().unwrap_or_default();
    let mut read = parse_header(head).map_err(fail)?;
    for (i, document) in documents.enumerate() {
        let (comment, yaml) = document.split_once('\n').unwrap_or((document, ""));
        let location = comment
            .strip_prefix("# ")
            .filter(|l| l.starts_with("cluster://"));
        let Some(location) = location else {
            return Err(fail(format!(
                "document {} does not start with its `# cluster://...` location",
                i + 2
            )));
        };
        let mut yaml = yaml.to_owned();
        if !yaml.ends_with('\n') {
            // The separator took the newline that ended the document.
            yaml.push('\n');
        }
        read.objects.push(ClusterObject {
            location: location.into(),
            yaml: yaml.into(),
        });
    }
    Ok(read)
}

fn parse_header(text: &str) -> Result<ClusterRead, String> {
    let (docs, error) = kubeguard_load::parse_documents(text);
    if let Some(e) = error {
        return Err(format!(
            "the first document is not valid YAML at {}:{}: {}",
            e.pos.line, e.pos.col, e.message
        ));
    }
    let Some(root) = docs.into_iter().next().flatten() else {
        return Err("not a kubeguard snapshot: it is empty".into());
    };
    let text_of = |key: &str| root.get(key).and_then(Node::scalar_text).map(str::to_owned);
    if root.get("apiVersion").and_then(Node::as_str) != Some(API_VERSION)
        || root.get("kind").and_then(Node::as_str) != Some(KIND)
    {
        return Err(format!(
            "not a kubeguard snapshot: the first document is not a {API_VERSION} {KIND}"
        ));
    }
    let context = text_of("context").ok_or("the snapshot names no context")?;
    let mut errors = Vec::new();
    for entry in root.get("unread").map(Node::items).into_iter().flatten() {
        let field = |k: &str| entry.get(k).and_then(Node::scalar_text).map(str::to_owned);
        let number = |k: &str| {
            entry
                .get(k)
                .and_then(Node::as_i64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(1)
        };
        errors.push(Diagnostic::new(
            field("location").ok_or("an unread entry names no location")?,
            Pos {
                line: number("line"),
                col: number("column"),
            },
            field("message").unwrap_or_default(),
        ));
    }
    Ok(ClusterRead {
        info: ClusterInfo {
            context,
            server_version: text_of("serverVersion").unwrap_or_default(),
            time: text_of("time").unwrap_or_default(),
            namespaces: root
                .get("namespaces")
                .map(Node::items)
                .into_iter()
                .flatten()
                .filter_map(|n| n.scalar_text().map(str::to_owned))
                .collect(),
            include_secrets: root.get("includeSecrets").is_some_and(Node::is_true),
        },
        objects: Vec::new(),
        errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ClusterRead {
        ClusterRead {
            info: ClusterInfo {
                context: "kind-dev".into(),
                server_version: "v1.31.2".into(),
                time: "2026-01-02T03:04:05Z".into(),
                namespaces: vec!["shop".into()],
                include_secrets: false,
            },
            objects: vec![
                ClusterObject {
                    location: "cluster://kind-dev/Namespace/shop".into(),
                    yaml: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n".into(),
                },
                ClusterObject {
                    location: "cluster://kind-dev/shop/ConfigMap/c".into(),
                    yaml: "apiVersion: v1\ndata:\n  x: \"a\\n---\\n\"\nkind: ConfigMap\n".into(),
                },
            ],
            errors: vec![Diagnostic::whole_file(
                "cluster://kind-dev/shop/NetworkPolicy",
                "cannot list networkpolicies.networking.k8s.io: forbidden (403): no",
            )],
        }
    }

    #[test]
    fn a_snapshot_reads_back_as_written() {
        let read = sample();
        let mut bytes = Vec::new();
        write(&read, &mut bytes).unwrap();
        assert_eq!(parse("s.yaml.gz", &bytes[..]).unwrap(), read);
        let empty = ClusterRead {
            objects: Vec::new(),
            errors: Vec::new(),
            ..read
        };
        let mut bytes = Vec::new();
        write(&empty, &mut bytes).unwrap();
        assert_eq!(parse("s.yaml.gz", &bytes[..]).unwrap(), empty);
    }

    #[test]
    fn other_files_are_refused() {
        let err = parse("x.yaml", &b"apiVersion: v1\n"[..]).unwrap_err();
        assert!(
            err.to_string().contains("not a kubeguard snapshot"),
            "{err}"
        );
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(b"apiVersion: v1\nkind: Pod\n").unwrap();
        let err = parse("x.gz", &gz.finish().unwrap()[..]).unwrap_err();
        assert!(err.to_string().contains("ClusterSnapshot"), "{err}");
    }
}
