//! The writers of `kubeguard rbac`: can-i and who-can answers, risks as
//! text, JSON and findings. Every writer streams to a buffered `Write`;
//! the JSON documents are `Serialize` values over the authorizer's model
//! and the engine's results, never built in memory first.

use crate::{buffered, seq, write_json};
use kubeguard_core::{Finding, ObjectRef};
use kubeguard_rbac::model::{Binding, Origin, PolicyRule, RBAC_GROUP, Role, Subject};
use kubeguard_rbac::query::SubjectGrants;
use kubeguard_rbac::risks::{Hit, Step};
use kubeguard_rbac::{Authorizer, Grant};
use serde::Serialize;
use serde::ser::Serializer;
use std::collections::BTreeSet;
use std::fmt::{self, Display};
use std::io::{self, Write};
use std::sync::Arc;

/// Serialises through `Display`, without building the string first.
struct Shown<T>(T);

impl<T: Display> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

#[derive(Serialize)]
struct SubjectJson<'a> {
    kind: &'static str,
    name: &'a str,
    namespace: Option<&'a str>,
}

impl<'a> From<&'a Subject> for SubjectJson<'a> {
    fn from(s: &'a Subject) -> Self {
        SubjectJson {
            kind: s.kind.as_str(),
            name: &s.name,
            namespace: s.namespace.as_deref(),
        }
    }
}

/// A binding or role: kind, name, namespace and where it was written.
#[derive(Serialize)]
struct ObjectJson<'a> {
    column: u32,
    file: &'a str,
    kind: &'static str,
    line: u32,
    name: &'a str,
    namespace: Option<&'a str>,
}

impl<'a> ObjectJson<'a> {
    fn new(kind: &'static str, name: &'a str, namespace: Option<&'a str>, at: &'a Origin) -> Self {
        ObjectJson {
            column: at.pos.col,
            file: &at.file,
            kind,
            line: at.pos.line,
            name,
            namespace,
        }
    }

    fn binding(b: &'a Binding) -> Self {
        ObjectJson::new(b.kind.as_str(), &b.name, b.namespace.as_deref(), &b.origin)
    }

    fn role(r: &'a Role) -> Self {
        ObjectJson::new(r.kind.as_str(), &r.name, r.namespace.as_deref(), &r.origin)
    }
}

/// A rule of a role, with its index and where it was written.
#[derive(Serialize)]
struct RuleJson<'a> {
    #[serde(rename = "apiGroups")]
    api_groups: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(rename = "nonResourceURLs")]
    non_resource_urls: &'a [String],
    #[serde(rename = "resourceNames")]
    resource_names: &'a [String],
    resources: &'a [String],
    verbs: &'a [String],
}

impl<'a> RuleJson<'a> {
    fn new(index: usize, rule: &'a PolicyRule) -> Self {
        let at = rule.origin.as_ref();
        RuleJson {
            api_groups: &rule.api_groups,
            column: at.map(|o| o.pos.col),
            file: at.map(|o| &*o.file),
            index,
            line: at.map(|o| o.pos.line),
            non_resource_urls: &rule.non_resource_urls,
            resource_names: &rule.resource_names,
            resources: &rule.resources,
            verbs: &rule.verbs,
        }
    }
}

/// A grant of can-i and who-can: `{"binding", "role", "rule", "subject"}`,
/// or `{"reason", "subject"}` for `system:masters`.
struct GrantJson<'a> {
    auth: &'a Authorizer,
    grant: &'a Grant,
}

impl Serialize for GrantJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Rule<'a> {
            binding: ObjectJson<'a>,
            role: ObjectJson<'a>,
            rule: RuleJson<'a>,
            subject: SubjectJson<'a>,
        }
        #[derive(Serialize)]
        struct Masters {
            reason: &'static str,
            subject: SubjectJson<'static>,
        }
        match (self.grant, self.auth.explain(self.grant)) {
            (Grant::Rule { subject, rule, .. }, Some((b, r, pr))) => Rule {
                binding: ObjectJson::binding(b),
                role: ObjectJson::role(r),
                rule: RuleJson::new(*rule, pr),
                subject: subject.into(),
            }
            .serialize(s),
            _ => Masters {
                reason: "members of system:masters bypass authorization",
                subject: SubjectJson {
                    kind: "Group",
                    name: "system:masters",
                    namespace: None,
                },
            }
            .serialize(s),
        }
    }
}

/// A grant as text: `BINDING (file:line:col) binds SUBJECT to KIND NAME
/// rule N (file:line:col): RULE`.
struct GrantText<'a> {
    auth: &'a Authorizer,
    grant: &'a Grant,
}

impl Display for GrantText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.grant, self.auth.explain(self.grant)) {
            (Grant::Rule { subject, rule, .. }, Some((b, r, pr))) => {
                let at = pr.origin.as_ref().unwrap_or(&r.origin);
                write!(
                    f,
                    "{b} ({}) binds {subject} to {} {} rule {rule} ({at}): {pr}",
                    b.origin,
                    r.kind.as_str(),
                    r.name
                )
            }
            _ => f.write_str("Group system:masters: members bypass authorization"),
        }
    }
}

/// Writes the answer of can-i as text: `yes` or `no`, then each grant.
///
/// # Errors
/// Errors of `out`.
pub fn write_can_i_text(
    auth: &Authorizer,
    grants: &[Grant],
    out: &mut dyn Write,
) -> io::Result<()> {
    buffered(out, |out| {
        writeln!(out, "{}", if grants.is_empty() { "no" } else { "yes" })?;
        for grant in grants {
            writeln!(out, "  {}", GrantText { auth, grant })?;
        }
        Ok(())
    })
}

/// Writes the answer of can-i as JSON: `{"allowed": bool, "grants":
/// [{"binding", "role", "rule", "subject"}]}`.
///
/// # Errors
/// Errors of `out`.
pub fn write_can_i_json(
    auth: &Authorizer,
    grants: &[Grant],
    out: &mut dyn Write,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct CanI<G> {
        allowed: bool,
        grants: G,
    }
    write_json(
        out,
        &CanI {
            allowed: !grants.is_empty(),
            grants: seq(grants.iter().map(|grant| GrantJson { auth, grant })),
        },
    )
}

/// Writes the answer of who-can as text: each subject, then its grants.
///
/// # Errors
/// Errors of `out`.
pub fn write_who_can_text(
    auth: &Authorizer,
    subjects: &[SubjectGrants],
    out: &mut dyn Write,
) -> io::Result<()> {
    buffered(out, |out| {
        for s in subjects {
            writeln!(out, "{}", s.subject)?;
            for grant in &s.via {
                writeln!(out, "  {}", GrantText { auth, grant })?;
            }
        }
        Ok(())
    })
}

/// Writes the answer of who-can as JSON: `{"subjects": [{"kind", "name",
/// "namespace", "via": [{"binding", "role", "rule", "subject"}]}]}`.
///
/// # Errors
/// Errors of `out`.
pub fn write_who_can_json(
    auth: &Authorizer,
    subjects: &[SubjectGrants],
    out: &mut dyn Write,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct WhoCan<S> {
        subjects: S,
    }
    #[derive(Serialize)]
    struct Entry<'a, V> {
        kind: &'static str,
        name: &'a str,
        namespace: Option<&'a str>,
        via: V,
    }
    write_json(
        out,
        &WhoCan {
            subjects: seq(subjects.iter().map(|s| Entry {
                kind: s.subject.kind.as_str(),
                name: &s.subject.name,
                namespace: s.subject.namespace.as_deref(),
                via: seq(s.via.iter().map(|grant| GrantJson { auth, grant })),
            })),
        },
    )
}

/// What a step grants: `subject-create-workloads in namespace ci`, or
/// `... cluster-wide`, then `, so can act as ServiceAccount ci/deployer`
/// when it opens an escalation.
struct Grants<'s, 'a>(&'s Step<'a>);

impl Display for Grants<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = self.0;
        match step.namespace {
            Some(ns) => write!(f, "{} in namespace {ns}", step.risk.meta.name)?,
            None => write!(f, "{} cluster-wide", step.risk.meta.name)?,
        }
        match step.acts_as {
            Some(target) => write!(f, ", so can act as {target}"),
            None => Ok(()),
        }
    }
}

/// A step as text: `SUBJECT via BINDING to KIND NAME (rule N: RULE) grants ...`.
struct StepText<'s, 'a> {
    auth: &'s Authorizer,
    step: &'s Step<'a>,
}

impl Display for StepText<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = self.step;
        let b = &self.auth.model.bindings[step.binding];
        let r = &self.auth.model.roles[step.role];
        write!(
            f,
            "{} via {b} to {} {} (rule {}: {}) grants {}",
            step.subject,
            r.kind.as_str(),
            r.name,
            step.rule,
            r.rules[step.rule],
            Grants(step)
        )
    }
}

/// A step of a grant chain as one line of text.
#[must_use]
pub fn step_text(auth: &Authorizer, step: &Step<'_>) -> String {
    StepText { auth, step }.to_string()
}

/// A one-line description of a hit: subject, risk and chain.
#[must_use]
pub fn describe(auth: &Authorizer, hit: &Hit<'_>) -> String {
    let scope = match hit.namespace {
        Some(ns) => format!("in namespace {ns}"),
        None => "cluster-wide".to_owned(),
    };
    format!(
        "{}: {} {scope}; chain: {}",
        hit.subject,
        hit.risk.meta.summary,
        hit.chain
            .iter()
            .map(|s| step_text(auth, s))
            .collect::<Vec<_>>()
            .join(" -> ")
    )
}

/// The hits as findings (for the SARIF, JUnit and GitHub writers), each at
/// the binding that starts its chain, with [`describe`] as the message.
#[must_use]
pub fn risk_findings(auth: &Authorizer, hits: &[Hit<'_>]) -> Vec<Finding> {
    let model = &auth.model;
    hits.iter()
        .map(|h| {
            let binding = &model.bindings[h.chain[0].binding];
            Finding {
                rule: h.risk.meta.name,
                code: h.risk.meta.code,
                severity: h.severity,
                message: describe(auth, h),
                file: binding.origin.file.clone(),
                pos: binding.origin.pos,
                path: "subjects".to_owned(),
                object: Arc::new(ObjectRef {
                    api_version: format!("{RBAC_GROUP}/v1"),
                    kind: binding.kind.as_str().to_owned(),
                    namespace: binding.namespace.clone(),
                    name: Some(binding.name.clone()),
                }),
                remediation: h.risk.meta.remediation,
                references: h.risk.meta.references,
                snippet: None,
            }
        })
        .collect()
}

/// Writes the risks as text: one line per hit, its chain indented below,
/// then a count of risks and subjects.
///
/// # Errors
/// Errors of `out`.
pub fn write_risks_text(
    auth: &Authorizer,
    hits: &[Hit<'_>],
    out: &mut dyn Write,
) -> io::Result<()> {
    buffered(out, |out| {
        for h in hits {
            write!(
                out,
                "{:<8} {} [{} {}] {}, ",
                h.severity.as_str(),
                h.subject,
                h.risk.meta.code,
                h.risk.meta.name,
                h.risk.meta.summary,
            )?;
            match h.namespace {
                Some(ns) => write!(out, "in {ns}")?,
                None => write!(out, "cluster-wide")?,
            }
            writeln!(
                out,
                "{}",
                if h.is_escalation() {
                    " (escalation)"
                } else {
                    ""
                }
            )?;
            for step in &h.chain {
                writeln!(out, "    {}", StepText { auth, step })?;
            }
        }
        let subjects: BTreeSet<&Subject> = hits.iter().map(|h| h.subject).collect();
        writeln!(
            out,
            "{} risk(s) for {} subject(s)",
            hits.len(),
            subjects.len()
        )
    })
}

/// The risks as JSON: an array of hits, each with its grant chain.
pub struct RisksJson<'a> {
    auth: &'a Authorizer,
    hits: &'a [Hit<'a>],
}

impl<'a> RisksJson<'a> {
    /// The JSON of `hits`, found over `auth`.
    #[must_use]
    pub fn new(auth: &'a Authorizer, hits: &'a [Hit<'a>]) -> Self {
        RisksJson { auth, hits }
    }
}

impl Serialize for RisksJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct StepJson<'a, 's> {
            binding: ObjectJson<'a>,
            grants: Shown<Grants<'s, 'a>>,
            role: ObjectJson<'a>,
            rule: RuleJson<'a>,
            subject: SubjectJson<'a>,
        }
        #[derive(Serialize)]
        struct HitJson<'a, C> {
            chain: C,
            code: &'static str,
            escalation: bool,
            message: &'static str,
            namespace: Option<&'a str>,
            risk: &'static str,
            severity: &'static str,
            subject: SubjectJson<'a>,
        }
        let model = &self.auth.model;
        s.collect_seq(self.hits.iter().map(|h| HitJson {
            chain: seq(h.chain.iter().map(|step| {
                let r = &model.roles[step.role];
                StepJson {
                    binding: ObjectJson::binding(&model.bindings[step.binding]),
                    grants: Shown(Grants(step)),
                    role: ObjectJson::role(r),
                    rule: RuleJson::new(step.rule, &r.rules[step.rule]),
                    subject: step.subject.into(),
                }
            })),
            code: h.risk.meta.code,
            escalation: h.is_escalation(),
            message: h.risk.meta.summary,
            namespace: h.namespace,
            risk: h.risk.meta.name,
            severity: h.severity.as_str(),
            subject: h.subject.into(),
        }))
    }
}
