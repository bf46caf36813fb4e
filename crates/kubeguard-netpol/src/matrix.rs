//! The reachability matrix between workloads, written as text, JSON, CSV,
//! Graphviz dot or a Mermaid flowchart. Pods are grouped into equivalence
//! classes ([`Classes`]), and the pictures draw one node per class.

use crate::classes::Classes;
use crate::model::Model;
use crate::port::{PortSet, Protocol};
use serde_json::json;
use std::io::{self, Write};

/// Output formats of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A grid for the terminal.
    Text,
    /// JSON: workloads, classes and the allowed class pairs.
    Json,
    /// One line per pair of workloads.
    Csv,
    /// Graphviz dot, one node per class.
    Dot,
    /// A Mermaid flowchart, one node per class.
    Mermaid,
}

/// A cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// Every port (or the asked port) is allowed.
    All,
    /// Some ports are allowed (only without a port).
    Some,
    /// Nothing is allowed.
    None,
}

impl Cell {
    /// Classifies a port set, for one port when `port` is given.
    #[must_use]
    pub fn of(set: &PortSet, port: Option<(Protocol, u16)>) -> Cell {
        match port {
            Some((proto, p)) if set.contains(proto, p) => Cell::All,
            Some(_) => Cell::None,
            None if set.is_all() => Cell::All,
            None if set.is_empty() => Cell::None,
            None => Cell::Some,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Cell::All => "all",
            Cell::Some => "some",
            Cell::None => "none",
        }
    }
}

fn cell_ports(set: &PortSet, port: Option<(Protocol, u16)>) -> String {
    match port {
        Some((proto, p)) if set.contains(proto, p) => format!("{p}/{}", proto.as_str()),
        Some(_) => "none".into(),
        None => set.to_string(),
    }
}

/// Pod indices in `namespace/name` order.
fn sorted_pods(model: &Model) -> Vec<usize> {
    let mut order: Vec<usize> = (0..model.pods.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&model.pods[a], &model.pods[b]);
        (&a.namespace, &a.name, &a.kind).cmp(&(&b.namespace, &b.name, &b.kind))
    });
    order
}

/// Writes the matrix. `port` restricts every cell to one port.
///
/// # Errors
/// Errors of `out`.
pub fn write(
    model: &Model,
    classes: &Classes,
    port: Option<(Protocol, u16)>,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text(model, classes, port, out),
        Format::Json => {
            let doc = to_json(model, classes, port);
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        Format::Csv => {
            writeln!(out, "from,to,allowed,ports")?;
            let order = sorted_pods(model);
            for &s in &order {
                for &d in &order {
                    if s == d {
                        continue;
                    }
                    let set = classes.allowed(s, d);
                    writeln!(
                        out,
                        "{},{},{},\"{}\"",
                        model.pods[s].id(),
                        model.pods[d].id(),
                        Cell::of(set, port).as_str(),
                        cell_ports(set, port)
                    )?;
                }
            }
            Ok(())
        }
        Format::Dot => {
            writeln!(
                out,
                "digraph reachability {{\n  rankdir=LR;\n  node [shape=box];"
            )?;
            for (c, members) in classes.members.iter().enumerate() {
                let names: Vec<String> = members.iter().map(|&i| model.pods[i].id()).collect();
                writeln!(out, "  c{c} [label=\"{}\"];", names.join("\\n"))?;
            }
            for_each_edge(classes, port, |s, d, label| {
                if label == "all" {
                    writeln!(out, "  c{s} -> c{d};")
                } else {
                    writeln!(out, "  c{s} -> c{d} [label=\"{label}\"];")
                }
            })?;
            writeln!(out, "}}")
        }
        Format::Mermaid => {
            writeln!(out, "flowchart LR")?;
            for (c, members) in classes.members.iter().enumerate() {
                let names: Vec<String> = members.iter().map(|&i| model.pods[i].id()).collect();
                writeln!(out, "  c{c}[\"{}\"]", names.join("<br/>"))?;
            }
            for_each_edge(classes, port, |s, d, label| {
                if label == "all" {
                    writeln!(out, "  c{s} --> c{d}")
                } else {
                    writeln!(out, "  c{s} -->|\"{label}\"| c{d}")
                }
            })
        }
    }
}

/// Calls `f` for each allowed class pair (a class to itself only when it
/// has more than one member), with the ports as a label.
fn for_each_edge(
    classes: &Classes,
    port: Option<(Protocol, u16)>,
    mut f: impl FnMut(usize, usize, String) -> io::Result<()>,
) -> io::Result<()> {
    for s in 0..classes.len() {
        for d in 0..classes.len() {
            if s == d && classes.members[s].len() < 2 {
                continue;
            }
            let set = classes.between(s, d);
            if Cell::of(set, port) != Cell::None {
                f(s, d, cell_ports(set, port))?;
            }
        }
    }
    Ok(())
}

/// The JSON document of the matrix: workloads with their class, classes
/// with their members, and every allowed pair of classes (a class to
/// itself only when it has more than one member).
#[must_use]
pub fn to_json(
    model: &Model,
    classes: &Classes,
    port: Option<(Protocol, u16)>,
) -> serde_json::Value {
    let workloads: Vec<_> = sorted_pods(model)
        .into_iter()
        .map(|i| {
            let p = &model.pods[i];
            json!({"id": p.id(), "kind": p.kind, "class": classes.of_pod[i], "hostNetwork": p.host_network})
        })
        .collect();
    let class_list: Vec<_> = classes
        .members
        .iter()
        .enumerate()
        .map(|(c, m)| json!({"id": c, "members": m.iter().map(|&i| model.pods[i].id()).collect::<Vec<_>>()}))
        .collect();
    let mut edges = Vec::new();
    let _ = for_each_edge(classes, port, |s, d, ports| {
        let cell = Cell::of(classes.between(s, d), port);
        edges.push(json!({"from": s, "to": d, "allowed": cell.as_str(), "ports": ports}));
        Ok(())
    });
    json!({
        "port": port.map(|(proto, p)| format!("{p}/{}", proto.as_str())),
        "workloads": workloads,
        "classes": class_list,
        "allowed": edges,
    })
}

fn text(
    model: &Model,
    classes: &Classes,
    port: Option<(Protocol, u16)>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let order = sorted_pods(model);
    let on = port.map_or_else(
        || "any port".to_owned(),
        |(proto, p)| format!("{p}/{}", proto.as_str()),
    );
    writeln!(
        out,
        "Reachability on {on}: rows send, columns receive. Y = allowed{}, . = denied",
        if port.is_none() {
            " on every port, p = on some ports"
        } else {
            ""
        }
    )?;
    let width = order
        .iter()
        .map(|&i| model.pods[i].id().len())
        .max()
        .unwrap_or(0);
    let num = order.len().to_string().len();
    for (row, &s) in order.iter().enumerate() {
        let mut line = format!("{:>num$} {:<width$} ", row + 1, model.pods[s].id());
        for &d in &order {
            line.push(if s == d {
                '-'
            } else {
                match Cell::of(classes.allowed(s, d), port) {
                    Cell::All => 'Y',
                    Cell::Some => 'p',
                    Cell::None => '.',
                }
            });
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    let partial: Vec<(usize, usize)> = order
        .iter()
        .flat_map(|&s| order.iter().map(move |&d| (s, d)))
        .filter(|&(s, d)| s != d && Cell::of(classes.allowed(s, d), port) == Cell::Some)
        .collect();
    if !partial.is_empty() {
        writeln!(out, "\nAllowed on some ports:")?;
        for (s, d) in partial {
            writeln!(
                out,
                "  {} -> {}: {}",
                model.pods[s].id(),
                model.pods[d].id(),
                classes.allowed(s, d)
            )?;
        }
    }
    let host: Vec<String> = order
        .iter()
        .filter(|&&i| model.pods[i].host_network)
        .map(|&i| model.pods[i].id())
        .collect();
    if !host.is_empty() {
        writeln!(
            out,
            "\nOutside policy control (hostNetwork): {}",
            host.join(", ")
        )?;
    }
    writeln!(
        out,
        "\n{} workloads in {} equivalence classes.",
        model.pods.len(),
        classes.len()
    )
}
