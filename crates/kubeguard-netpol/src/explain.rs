//! Why one connection is allowed or denied: the policy and rule that allow
//! each direction, or the isolating policies when no rule matched.

use crate::Direction;
use crate::admin::Action;
use crate::evaluate::{Analysis, DirectionResult, Endpoint, Verdict};
use crate::port::Protocol;
use serde_json::{Value, json};
use std::io::{self, Write};

/// An explained connection.
#[derive(Debug)]
pub struct Explanation {
    /// The sender, as named.
    pub from: String,
    /// The receiver, as named.
    pub to: String,
    /// The port asked about, if any.
    pub port: Option<(Protocol, u16)>,
    /// Whether the connection (on the port, or on some port) is allowed.
    pub allowed: bool,
    /// The evaluator's verdict.
    pub verdict: Verdict,
}

/// Explains traffic from `src` to `dst`.
#[must_use]
pub fn explain(
    analysis: &Analysis<'_>,
    src: Endpoint,
    dst: Endpoint,
    port: Option<(Protocol, u16)>,
) -> Explanation {
    let name = |e: &Endpoint| match e {
        Endpoint::Pod(i) => analysis.model.pods[*i].id(),
        Endpoint::Ip(ip) => ip.to_string(),
    };
    let verdict = analysis.check(&src, &dst, true);
    let allowed = match port {
        Some((proto, p)) => verdict.allowed.contains(proto, p),
        None => !verdict.allowed.is_empty(),
    };
    Explanation {
        from: name(&src),
        to: name(&dst),
        port,
        allowed,
        verdict,
    }
}

fn port_str(port: Option<(Protocol, u16)>) -> String {
    port.map_or_else(
        || "any port".into(),
        |(proto, p)| format!("{p}/{}", proto.as_str()),
    )
}

/// Whether this direction allows the connection on the asked port.
fn dir_allows(d: &DirectionResult, port: Option<(Protocol, u16)>) -> bool {
    match port {
        Some((proto, p)) => d.allowed.contains(proto, p),
        None => !d.allowed.is_empty(),
    }
}

fn direction_lines(a: &Analysis<'_>, e: &Explanation, d: &DirectionResult) -> Vec<String> {
    let model = a.model;
    let who = match d.direction {
        Direction::Egress => format!("egress of {}", e.from),
        Direction::Ingress => format!("ingress of {}", e.to),
    };
    if d.outside_control {
        return vec![format!(
            "{who}: outside policy control (hostNetwork pod or address outside the cluster); allowed"
        )];
    }
    let admin: Vec<String> = d
        .admin
        .iter()
        .map(|s| {
            format!(
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
        })
        .collect();
    if !d.calico.is_empty() {
        let selectors: Vec<String> = d
            .calico
            .iter()
            .map(|&k| {
                let pol = &model.calico[k];
                format!("{} ({}:{})", pol.id(), pol.origin.file, pol.origin.pos.line)
            })
            .chain(d.isolated_by.iter().map(|&p| {
                let pol = &model.policies[p];
                format!("{} ({}:{})", pol.id(), pol.origin.file, pol.origin.pos.line)
            }))
            .collect();
        let mut lines = vec![format!(
            "{who}: default tier (Calico order) of {}",
            selectors.join(", ")
        )];
        lines.extend(admin);
        for (r, ports) in &d.allowed_by {
            let pol = &model.policies[r.policy];
            let rule = &pol.rules(r.direction)[r.rule];
            lines.push(format!(
                "  allowed by {} {}[{}] ({}:{}:{}) on {ports}",
                pol.id(),
                r.direction.field(),
                r.rule,
                rule.origin.file,
                rule.origin.pos.line,
                rule.origin.pos.col
            ));
        }
        if !dir_allows(d, e.port) {
            lines.push(format!(
                "  denied on {}: no earlier rule allowed it (end of the default tier denies)",
                port_str(e.port)
            ));
        }
        return lines;
    }
    if d.isolated_by.is_empty() {
        let mut lines = vec![format!(
            "{who}: not isolated (no NetworkPolicy selects it for {}){}",
            d.direction.field(),
            if admin.is_empty() { "; allowed" } else { "" }
        )];
        lines.extend(admin);
        if !d.admin.is_empty() {
            lines.push(format!("  allowed by default on the rest: {}", d.allowed));
        }
        return lines;
    }
    let isolators: Vec<String> = d
        .isolated_by
        .iter()
        .map(|&p| {
            let pol = &model.policies[p];
            format!("{} ({}:{})", pol.id(), pol.origin.file, pol.origin.pos.line)
        })
        .collect();
    let mut lines = vec![format!("{who}: isolated by {}", isolators.join(", "))];
    lines.extend(admin);
    let matching: Vec<_> = d
        .allowed_by
        .iter()
        .filter(|(_, ports)| match e.port {
            Some((proto, p)) => ports.contains(proto, p),
            None => true,
        })
        .collect();
    if matching.is_empty() && !dir_allows(d, e.port) {
        lines.push(format!(
            "  denied: no {} rule of these policies matches on {}",
            d.direction.field(),
            port_str(e.port)
        ));
    }
    for (r, ports) in matching {
        let pol = &model.policies[r.policy];
        let rule = &pol.rules(r.direction)[r.rule];
        lines.push(format!(
            "  allowed by {} {}[{}] ({}:{}:{}) on {ports}",
            pol.id(),
            r.direction.field(),
            r.rule,
            rule.origin.file,
            rule.origin.pos.line,
            rule.origin.pos.col
        ));
    }
    lines
}

/// Writes the explanation as text.
///
/// # Errors
/// Errors of `out`.
pub fn write_text(a: &Analysis<'_>, e: &Explanation, out: &mut dyn Write) -> io::Result<()> {
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
        for line in direction_lines(a, e, d) {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

fn direction_json(a: &Analysis<'_>, e: &Explanation, d: &DirectionResult) -> Value {
    let model = a.model;
    let rules: Vec<Value> = d
        .allowed_by
        .iter()
        .map(|(r, ports)| {
            let pol = &model.policies[r.policy];
            let rule = &pol.rules(r.direction)[r.rule];
            json!({
                "policy": pol.id(), "rule": format!("{}[{}]", r.direction.field(), r.rule),
                "file": rule.origin.file, "line": rule.origin.pos.line, "column": rule.origin.pos.col,
                "ports": ports.to_string(),
            })
        })
        .collect();
    let admin: Vec<Value> = d
        .admin
        .iter()
        .map(|s| {
            json!({"policy": s.policy, "rule": s.rule, "action": s.action.as_str(), "ports": s.ports.to_string(),
                   "file": s.origin.file, "line": s.origin.pos.line, "column": s.origin.pos.col})
        })
        .collect();
    json!({
        "allowed": dir_allows(d, e.port),
        "adminRules": admin,
        "outsidePolicyControl": d.outside_control,
        "isolatedBy": d.isolated_by.iter().map(|&p| model.policies[p].id()).collect::<Vec<_>>(),
        "calicoPolicies": d.calico.iter().map(|&k| model.calico[k].id()).collect::<Vec<_>>(),
        "allowedBy": rules,
        "ports": d.allowed.to_string(),
    })
}

/// The explanation as JSON: `{"allowed": bool, ...}`.
#[must_use]
pub fn to_json(a: &Analysis<'_>, e: &Explanation) -> Value {
    json!({
        "allowed": e.allowed,
        "from": e.from,
        "to": e.to,
        "port": e.port.map(|(proto, p)| format!("{p}/{}", proto.as_str())),
        "ports": e.verdict.allowed.to_string(),
        "egress": direction_json(a, e, &e.verdict.egress),
        "ingress": direction_json(a, e, &e.verdict.ingress),
    })
}
