//! The writers of `kubeguard netpol`: the reachability matrix (text, JSON,
//! CSV, Graphviz dot, Mermaid), explanations, coverage reports and diffs.
//! Every writer streams to a buffered `Write`; the JSON documents are
//! `Serialize` values over borrowed data ([`MatrixJson`], [`ExplainJson`],
//! [`CoverageJson`], [`DiffJson`]), never built in memory first.

use crate::{Shown, buffered, seq, write_json};
use kubeguard_netpol::admin::Action;
use kubeguard_netpol::coverage::{Coverage, RuleIssue};
use kubeguard_netpol::diff::Diff;
use kubeguard_netpol::explain::Explanation;
use kubeguard_netpol::matrix::{Cell, class_edges, pod_order};
use kubeguard_netpol::{
    AdminStep, Analysis, Classes, Direction, DirectionResult, Model, Origin, PortSet, Protocol,
};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::fmt::Display;
use std::io::{self, Write};

/// A port and its protocol, as `--port` gives it.
pub type Port = (Protocol, u16);

/// Output formats of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixFormat {
    /// A grid for the terminal.
    Text,
    /// JSON: workloads, classes and the allowed class pairs ([`MatrixJson`]).
    Json,
    /// One line per pair of workloads.
    Csv,
    /// Graphviz dot, one node per class.
    Dot,
    /// A Mermaid flowchart, one node per class.
    Mermaid,
}

/// `80/TCP`.
fn port_name(port: Port) -> String {
    format!("{}/{}", port.1, port.0.as_str())
}

/// The ports of a cell: the asked port when allowed, `none`, or the set.
fn cell_ports(set: &PortSet, port: Option<Port>) -> String {
    match port {
        Some((proto, p)) if set.contains(proto, p) => format!("{p}/{}", proto.as_str()),
        Some(_) => "none".into(),
        None => set.to_string(),
    }
}

/// Writes the matrix in `format`. `port` restricts every cell to one port.
///
/// # Errors
/// Errors of `out`.
pub fn write_matrix(
    model: &Model,
    classes: &Classes,
    port: Option<Port>,
    format: MatrixFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    if format == MatrixFormat::Json {
        return write_json(out, &MatrixJson::new(model, classes, port));
    }
    buffered(out, |out| match format {
        MatrixFormat::Text => matrix_text(model, classes, port, out),
        MatrixFormat::Csv => matrix_csv(model, classes, port, out),
        MatrixFormat::Dot => matrix_dot(model, classes, port, out),
        MatrixFormat::Mermaid => matrix_mermaid(model, classes, port, out),
        MatrixFormat::Json => Ok(()),
    })
}

fn matrix_csv(
    model: &Model,
    classes: &Classes,
    port: Option<Port>,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out, "from,to,allowed,ports")?;
    let order = pod_order(model);
    let ids: Vec<String> = order.iter().map(|&i| model.pods[i].id()).collect();
    // `allowed,"ports"` of each distinct port set, formatted once.
    let cells: Vec<String> = classes
        .port_sets()
        .iter()
        .map(|set| {
            format!(
                "{},\"{}\"",
                Cell::of(set, port).as_str(),
                cell_ports(set, port)
            )
        })
        .collect();
    for (si, &s) in order.iter().enumerate() {
        for (di, &d) in order.iter().enumerate() {
            if s == d {
                continue;
            }
            let cell = &cells[classes.allowed_index(s, d)];
            out.write_all(ids[si].as_bytes())?;
            out.write_all(b",")?;
            out.write_all(ids[di].as_bytes())?;
            out.write_all(b",")?;
            out.write_all(cell.as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// The `namespace/name` of each member of class `c`, joined by `sep`.
fn class_label(model: &Model, classes: &Classes, c: usize, sep: &str) -> String {
    let names: Vec<String> = classes.members[c]
        .iter()
        .map(|&i| model.pods[i].id())
        .collect();
    names.join(sep)
}

fn matrix_dot(
    model: &Model,
    classes: &Classes,
    port: Option<Port>,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(
        out,
        "digraph reachability {{\n  rankdir=LR;\n  node [shape=box];"
    )?;
    for c in 0..classes.len() {
        writeln!(
            out,
            "  c{c} [label=\"{}\"];",
            class_label(model, classes, c, "\\n")
        )?;
    }
    for (s, d, set) in class_edges(classes, port) {
        let label = cell_ports(set, port);
        if label == "all" {
            writeln!(out, "  c{s} -> c{d};")?;
        } else {
            writeln!(out, "  c{s} -> c{d} [label=\"{label}\"];")?;
        }
    }
    writeln!(out, "}}")
}

fn matrix_mermaid(
    model: &Model,
    classes: &Classes,
    port: Option<Port>,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    for c in 0..classes.len() {
        writeln!(
            out,
            "  c{c}[\"{}\"]",
            class_label(model, classes, c, "<br/>")
        )?;
    }
    for (s, d, set) in class_edges(classes, port) {
        let label = cell_ports(set, port);
        if label == "all" {
            writeln!(out, "  c{s} --> c{d}")?;
        } else {
            writeln!(out, "  c{s} -->|\"{label}\"| c{d}")?;
        }
    }
    Ok(())
}

fn matrix_text(
    model: &Model,
    classes: &Classes,
    port: Option<Port>,
    out: &mut impl Write,
) -> io::Result<()> {
    let order = pod_order(model);
    let ids: Vec<String> = order.iter().map(|&i| model.pods[i].id()).collect();
    let on = port.map_or_else(|| "any port".to_owned(), port_name);
    writeln!(
        out,
        "Reachability on {on}: rows send, columns receive. Y = allowed{}, . = denied",
        if port.is_none() {
            " on every port, p = on some ports"
        } else {
            ""
        }
    )?;
    let cells: Vec<Cell> = classes
        .port_sets()
        .iter()
        .map(|set| Cell::of(set, port))
        .collect();
    let width = ids.iter().map(String::len).max().unwrap_or(0);
    let num = order.len().to_string().len();
    let mut line = String::new();
    for (row, &s) in order.iter().enumerate() {
        line.clear();
        line.push_str(&format!("{:>num$} {:<width$} ", row + 1, ids[row]));
        for &d in &order {
            line.push(if s == d {
                '-'
            } else {
                match cells[classes.allowed_index(s, d)] {
                    Cell::All => 'Y',
                    Cell::Some => 'p',
                    Cell::None => '.',
                }
            });
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    let mut partial = false;
    for (si, &s) in order.iter().enumerate() {
        for (di, &d) in order.iter().enumerate() {
            if s == d || cells[classes.allowed_index(s, d)] != Cell::Some {
                continue;
            }
            if !partial {
                writeln!(out, "\nAllowed on some ports:")?;
                partial = true;
            }
            writeln!(
                out,
                "  {} -> {}: {}",
                ids[si],
                ids[di],
                classes.allowed(s, d)
            )?;
        }
    }
    let host: Vec<&str> = order
        .iter()
        .zip(&ids)
        .filter(|&(&i, _)| model.pods[i].host_network)
        .map(|(_, id)| id.as_str())
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

/// `{"id": "namespace/name", ...}` of a pod, by its `Display` parts.
struct PodId<'a>(&'a str, &'a str);

impl Display for PodId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.0, self.1)
    }
}

fn pod_id(model: &Model, i: usize) -> Shown<PodId<'_>> {
    let p = &model.pods[i];
    Shown(PodId(&p.namespace, &p.name))
}

/// The matrix as JSON, streamed:
///
/// ```json
/// {"allowed": [{"allowed": "all"|"some", "from": 0, "ports": "80/TCP", "to": 1}],
///  "classes": [{"id": 0, "members": ["ns/name"]}],
///  "port": "80/TCP"|null,
///  "workloads": [{"class": 0, "hostNetwork": false, "id": "ns/name", "kind": "Deployment"}]}
/// ```
///
/// Workloads are in `namespace/name` order; `allowed` lists every allowed
/// pair of classes (a class to itself only when it has more than one member).
pub struct MatrixJson<'a> {
    model: &'a Model,
    classes: &'a Classes,
    port: Option<Port>,
}

impl<'a> MatrixJson<'a> {
    /// The matrix of `model` through `classes`, on `port` or every port.
    #[must_use]
    pub fn new(model: &'a Model, classes: &'a Classes, port: Option<Port>) -> Self {
        MatrixJson {
            model,
            classes,
            port,
        }
    }
}

impl Serialize for MatrixJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Edge {
            allowed: &'static str,
            from: usize,
            ports: String,
            to: usize,
        }
        #[derive(Serialize)]
        struct Class<M> {
            id: usize,
            members: M,
        }
        #[derive(Serialize)]
        struct Workload<'a> {
            class: usize,
            #[serde(rename = "hostNetwork")]
            host_network: bool,
            id: Shown<PodId<'a>>,
            kind: &'a str,
        }
        let (model, classes, port) = (self.model, self.classes, self.port);
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry(
            "allowed",
            &seq(class_edges(classes, port).map(|(from, to, set)| Edge {
                allowed: Cell::of(set, port).as_str(),
                from,
                ports: cell_ports(set, port),
                to,
            })),
        )?;
        map.serialize_entry(
            "classes",
            &seq(classes.members.iter().enumerate().map(|(id, m)| Class {
                id,
                members: seq(m.iter().map(|&i| pod_id(model, i))),
            })),
        )?;
        map.serialize_entry("port", &port.map(port_name))?;
        map.serialize_entry(
            "workloads",
            &seq(pod_order(model).into_iter().map(|i| {
                let p = &model.pods[i];
                Workload {
                    class: classes.of_pod[i],
                    host_network: p.host_network,
                    id: pod_id(model, i),
                    kind: &p.kind,
                }
            })),
        )?;
        map.end()
    }
}

fn port_str(port: Option<Port>) -> String {
    port.map_or_else(|| "any port".into(), port_name)
}

/// `namespace/name (file:line)` of a NetworkPolicy or Calico policy.
fn policy_at(id: &str, origin: &Origin) -> String {
    format!("{id} ({}:{})", origin.file, origin.pos.line)
}

fn admin_line(s: &AdminStep, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "  {} by {} rule {:?} ({}:{}:{}) on {}",
        match s.action {
            Action::Allow => "allowed",
            Action::Deny => "denied",
            Action::Pass if s.policy.starts_with("AdminNetworkPolicy/") => {
                "passed to NetworkPolicy"
            }
            Action::Pass => "passed out of the default tier",
        },
        s.policy,
        s.rule,
        s.origin.file,
        s.origin.pos.line,
        s.origin.pos.col,
        s.ports
    )
}

fn allowed_by_line(
    model: &Model,
    r: &kubeguard_netpol::RuleRef,
    ports: &PortSet,
    out: &mut impl Write,
) -> io::Result<()> {
    let pol = &model.policies[r.policy];
    let rule = &pol.rules(r.direction)[r.rule];
    writeln!(
        out,
        "  allowed by {} {}[{}] ({}:{}:{}) on {ports}",
        pol.id(),
        r.direction.field(),
        r.rule,
        rule.origin.file,
        rule.origin.pos.line,
        rule.origin.pos.col
    )
}

fn direction_text(
    a: &Analysis<'_>,
    e: &Explanation,
    d: &DirectionResult,
    out: &mut impl Write,
) -> io::Result<()> {
    let model = a.model;
    let who = match d.direction {
        Direction::Egress => format!("egress of {}", e.from),
        Direction::Ingress => format!("ingress of {}", e.to),
    };
    if d.outside_control {
        return writeln!(
            out,
            "{who}: outside policy control (hostNetwork pod or address outside the cluster); allowed"
        );
    }
    if !d.calico.is_empty() {
        let selectors: Vec<String> = d
            .calico
            .iter()
            .map(|&k| {
                let pol = &model.calico[k];
                policy_at(&pol.id(), &pol.origin)
            })
            .chain(d.isolated_by.iter().map(|&p| {
                let pol = &model.policies[p];
                policy_at(&pol.id(), &pol.origin)
            }))
            .collect();
        writeln!(
            out,
            "{who}: default tier (Calico order) of {}",
            selectors.join(", ")
        )?;
        for s in &d.admin {
            admin_line(s, out)?;
        }
        for (r, ports) in &d.allowed_by {
            allowed_by_line(model, r, ports, out)?;
        }
        if !d.allows(e.port) {
            writeln!(
                out,
                "  denied on {}: no earlier rule allowed it (end of the default tier denies)",
                port_str(e.port)
            )?;
        }
        return Ok(());
    }
    if d.isolated_by.is_empty() {
        writeln!(
            out,
            "{who}: not isolated (no NetworkPolicy selects it for {}){}",
            d.direction.field(),
            if d.admin.is_empty() { "; allowed" } else { "" }
        )?;
        for s in &d.admin {
            admin_line(s, out)?;
        }
        if !d.admin.is_empty() {
            writeln!(out, "  allowed by default on the rest: {}", d.allowed)?;
        }
        return Ok(());
    }
    let isolators: Vec<String> = d
        .isolated_by
        .iter()
        .map(|&p| {
            let pol = &model.policies[p];
            policy_at(&pol.id(), &pol.origin)
        })
        .collect();
    writeln!(out, "{who}: isolated by {}", isolators.join(", "))?;
    for s in &d.admin {
        admin_line(s, out)?;
    }
    let matching: Vec<_> = d
        .allowed_by
        .iter()
        .filter(|(_, ports)| match e.port {
            Some((proto, p)) => ports.contains(proto, p),
            None => true,
        })
        .collect();
    if matching.is_empty() && !d.allows(e.port) {
        writeln!(
            out,
            "  denied: no {} rule of these policies matches on {}",
            d.direction.field(),
            port_str(e.port)
        )?;
    }
    for (r, ports) in matching {
        allowed_by_line(model, r, ports, out)?;
    }
    Ok(())
}

/// Writes an explanation as text: the verdict, then each direction with
/// the policies and rules that decide it.
///
/// # Errors
/// Errors of `out`.
pub fn write_explain_text(
    a: &Analysis<'_>,
    e: &Explanation,
    out: &mut dyn Write,
) -> io::Result<()> {
    buffered(out, |out| {
        writeln!(
            out,
            "{}: {} -> {} on {}",
            if e.allowed { "ALLOWED" } else { "DENIED" },
            e.from,
            e.to,
            port_str(e.port)
        )?;
        if e.port.is_none() && e.allowed {
            writeln!(out, "allowed ports: {}", e.verdict.allowed)?;
        }
        for d in [&e.verdict.egress, &e.verdict.ingress] {
            direction_text(a, e, d, out)?;
        }
        Ok(())
    })
}

/// An explanation as JSON:
///
/// ```json
/// {"allowed": bool, "egress": DIRECTION, "from": "ns/name", "ingress": DIRECTION,
///  "port": "80/TCP"|null, "ports": "80/TCP", "to": "ns/name"}
/// ```
///
/// where `DIRECTION` is `{"adminRules": [{"action", "column", "file", "line",
/// "policy", "ports", "rule"}], "allowed": bool, "allowedBy": [{"column",
/// "file", "line", "policy", "ports", "rule"}], "calicoPolicies": [...],
/// "isolatedBy": [...], "outsidePolicyControl": bool, "ports": "..."}`.
pub struct ExplainJson<'a> {
    analysis: &'a Analysis<'a>,
    explanation: &'a Explanation,
}

impl<'a> ExplainJson<'a> {
    /// The JSON of `explanation`.
    #[must_use]
    pub fn new(analysis: &'a Analysis<'a>, explanation: &'a Explanation) -> Self {
        ExplainJson {
            analysis,
            explanation,
        }
    }
}

struct DirectionJson<'a> {
    model: &'a Model,
    port: Option<Port>,
    d: &'a DirectionResult,
}

impl Serialize for DirectionJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct AdminRule<'a> {
            action: &'static str,
            column: u32,
            file: &'a str,
            line: u32,
            policy: &'a str,
            ports: Shown<&'a PortSet>,
            rule: &'a str,
        }
        #[derive(Serialize)]
        struct AllowedBy<'a> {
            column: u32,
            file: &'a str,
            line: u32,
            policy: String,
            ports: Shown<&'a PortSet>,
            rule: String,
        }
        let (model, d) = (self.model, self.d);
        let mut map = s.serialize_map(Some(7))?;
        map.serialize_entry(
            "adminRules",
            &seq(d.admin.iter().map(|a| AdminRule {
                action: a.action.as_str(),
                column: a.origin.pos.col,
                file: &a.origin.file,
                line: a.origin.pos.line,
                policy: &a.policy,
                ports: Shown(&a.ports),
                rule: &a.rule,
            })),
        )?;
        map.serialize_entry("allowed", &d.allows(self.port))?;
        map.serialize_entry(
            "allowedBy",
            &seq(d.allowed_by.iter().map(|(r, ports)| {
                let pol = &model.policies[r.policy];
                let rule = &pol.rules(r.direction)[r.rule];
                AllowedBy {
                    column: rule.origin.pos.col,
                    file: &rule.origin.file,
                    line: rule.origin.pos.line,
                    policy: pol.id(),
                    ports: Shown(ports),
                    rule: format!("{}[{}]", r.direction.field(), r.rule),
                }
            })),
        )?;
        map.serialize_entry(
            "calicoPolicies",
            &seq(d.calico.iter().map(|&k| model.calico[k].id())),
        )?;
        map.serialize_entry(
            "isolatedBy",
            &seq(d.isolated_by.iter().map(|&p| model.policies[p].id())),
        )?;
        map.serialize_entry("outsidePolicyControl", &d.outside_control)?;
        map.serialize_entry("ports", &Shown(&d.allowed))?;
        map.end()
    }
}

impl Serialize for ExplainJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.explanation;
        let direction = |d| DirectionJson {
            model: self.analysis.model,
            port: e.port,
            d,
        };
        let mut map = s.serialize_map(Some(7))?;
        map.serialize_entry("allowed", &e.allowed)?;
        map.serialize_entry("egress", &direction(&e.verdict.egress))?;
        map.serialize_entry("from", &e.from)?;
        map.serialize_entry("ingress", &direction(&e.verdict.ingress))?;
        map.serialize_entry("port", &e.port.map(port_name))?;
        map.serialize_entry("ports", &Shown(&e.verdict.allowed))?;
        map.serialize_entry("to", &e.to)?;
        map.end()
    }
}

/// Writes an explanation as JSON ([`ExplainJson`]).
///
/// # Errors
/// Errors of `out`.
pub fn write_explain_json(
    a: &Analysis<'_>,
    e: &Explanation,
    out: &mut dyn Write,
) -> io::Result<()> {
    write_json(out, &ExplainJson::new(a, e))
}

#[derive(Serialize)]
struct IssueJson<'a> {
    column: u32,
    file: &'a str,
    line: u32,
    policy: &'a str,
    reason: &'a str,
    rule: &'a str,
}

impl<'a> From<&'a RuleIssue> for IssueJson<'a> {
    fn from(i: &'a RuleIssue) -> Self {
        IssueJson {
            column: i.origin.pos.col,
            file: &i.origin.file,
            line: i.origin.pos.line,
            policy: &i.policy,
            reason: &i.reason,
            rule: &i.rule,
        }
    }
}

/// A coverage report as JSON:
///
/// ```json
/// {"broadRules": [ISSUE], "hostNetworkPods": ["ns/name"],
///  "namespacesWithoutDefaultDenyEgress": ["ns"], "namespacesWithoutDefaultDenyIngress": ["ns"],
///  "policiesSelectingNoPod": ["ns/name"], "rulesThatNeverMatch": [ISSUE], "unselectedPods": ["ns/name"]}
/// ```
///
/// where `ISSUE` is `{"column", "file", "line", "policy", "reason", "rule"}`.
pub struct CoverageJson<'a>(pub &'a Coverage);

impl Serialize for CoverageJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut map = s.serialize_map(Some(7))?;
        map.serialize_entry(
            "broadRules",
            &seq(c.broad_rules.iter().map(IssueJson::from)),
        )?;
        map.serialize_entry("hostNetworkPods", &c.host_network_pods)?;
        map.serialize_entry(
            "namespacesWithoutDefaultDenyEgress",
            &c.no_default_deny_egress,
        )?;
        map.serialize_entry(
            "namespacesWithoutDefaultDenyIngress",
            &c.no_default_deny_ingress,
        )?;
        map.serialize_entry("policiesSelectingNoPod", &c.empty_policies)?;
        map.serialize_entry(
            "rulesThatNeverMatch",
            &seq(c.dead_rules.iter().map(IssueJson::from)),
        )?;
        map.serialize_entry("unselectedPods", &c.unselected_pods)?;
        map.end()
    }
}

/// Writes a coverage report as text: one titled list per kind of gap.
///
/// # Errors
/// Errors of `out`.
pub fn write_coverage_text(c: &Coverage, out: &mut dyn Write) -> io::Result<()> {
    buffered(out, |out| {
        let lists = [
            (
                "Namespaces without default-deny ingress",
                &c.no_default_deny_ingress,
            ),
            (
                "Namespaces without default-deny egress",
                &c.no_default_deny_egress,
            ),
            ("Pods selected by no policy", &c.unselected_pods),
            (
                "hostNetwork pods (outside policy control)",
                &c.host_network_pods,
            ),
            ("Policies that select no pod", &c.empty_policies),
        ];
        for (title, items) in lists {
            if !items.is_empty() {
                writeln!(out, "{title} ({}):", items.len())?;
                for i in items {
                    writeln!(out, "  {i}")?;
                }
            }
        }
        for (title, items) in [
            ("Rules that can never match", &c.dead_rules),
            ("Overly broad rules", &c.broad_rules),
        ] {
            if !items.is_empty() {
                writeln!(out, "{title} ({}):", items.len())?;
                for i in items {
                    writeln!(
                        out,
                        "  {}:{}:{}: {} {}: {}",
                        i.origin.file,
                        i.origin.pos.line,
                        i.origin.pos.col,
                        i.policy,
                        i.rule,
                        i.reason
                    )?;
                }
            }
        }
        if c.is_clean() {
            writeln!(out, "No coverage gaps.")?;
        }
        Ok(())
    })
}

/// Writes a coverage report as JSON ([`CoverageJson`]).
///
/// # Errors
/// Errors of `out`.
pub fn write_coverage_json(c: &Coverage, out: &mut dyn Write) -> io::Result<()> {
    write_json(out, &CoverageJson(c))
}

/// A diff as JSON:
///
/// ```json
/// {"addedWorkloads": ["ns/name"],
///  "changes": [{"closed": "80/TCP"|null, "from": "ns/name", "opened": "..."|null, "to": "ns/name"}],
///  "removedWorkloads": ["ns/name"]}
/// ```
pub struct DiffJson<'a>(pub &'a Diff);

impl Serialize for DiffJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Change<'a> {
            closed: Option<Shown<&'a PortSet>>,
            from: &'a str,
            opened: Option<Shown<&'a PortSet>>,
            to: &'a str,
        }
        let d = self.0;
        fn some(set: &PortSet) -> Option<Shown<&PortSet>> {
            (!set.is_empty()).then_some(Shown(set))
        }
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("addedWorkloads", &d.added)?;
        map.serialize_entry(
            "changes",
            &seq(d.changes.iter().map(|c| Change {
                closed: some(&c.closed),
                from: &c.from,
                opened: some(&c.opened),
                to: &c.to,
            })),
        )?;
        map.serialize_entry("removedWorkloads", &d.removed)?;
        map.end()
    }
}

/// Writes a diff as text: `+` opened, `-` closed.
///
/// # Errors
/// Errors of `out`.
pub fn write_diff_text(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    buffered(out, |out| {
        for w in &d.added {
            writeln!(out, "added workload {w}")?;
        }
        for w in &d.removed {
            writeln!(out, "removed workload {w}")?;
        }
        for c in &d.changes {
            if !c.opened.is_empty() {
                writeln!(out, "+ {} -> {}: opened {}", c.from, c.to, c.opened)?;
            }
            if !c.closed.is_empty() {
                writeln!(out, "- {} -> {}: closed {}", c.from, c.to, c.closed)?;
            }
        }
        if d.is_empty() {
            writeln!(out, "No change in reachability.")?;
        }
        Ok(())
    })
}

/// Writes a diff as JSON ([`DiffJson`]).
///
/// # Errors
/// Errors of `out`.
pub fn write_diff_json(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    write_json(out, &DiffJson(d))
}
