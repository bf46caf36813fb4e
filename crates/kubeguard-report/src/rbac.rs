//! The writers of `kubeguard rbac`: can-i and who-can answers, risks as
//! text, JSON and findings. Every writer streams to a buffered `Write`;
//! the JSON documents are `Serialize` values over the authorizer's model
//! and the engine's results, never built in memory first.

use crate::{Shown, buffered, seq, write_json};
use kubeguard_core::{Finding, ObjectRef};
use kubeguard_rbac::model::{Binding, Origin, PolicyRule, RBAC_GROUP, Role, Subject};
use kubeguard_rbac::query::SubjectGrants;
use kubeguard_rbac::risks::{Hit, Step};
use kubeguard_rbac::{Authorizer, Grant};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::collections::BTreeSet;
use std::fmt::{self, Display};
use std::io::{self, Write};
use std::sync::Arc;

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

/// One line for a hit's finding: subject, risk, scope, the binding that
/// starts the chain and the service accounts it passes through. The full
/// chain is in the report's `risks` (JSON) or under the hit (text), so
/// findings stay short however many hits share a chain.
#[must_use]
pub fn summarize(auth: &Authorizer, hit: &Hit<'_>) -> String {
    let first = &auth.model.bindings[hit.chain[0].binding];
    let mut line = format!("{}: {} ", hit.subject, hit.risk.meta.summary);
    match hit.namespace {
        Some(ns) => line.push_str(&format!("in namespace {ns}")),
        None => line.push_str("cluster-wide"),
    }
    line.push_str(&format!(
        "; granted through {} {}",
        first.kind.as_str(),
        first.name
    ));
    let accounts: Vec<String> = hit
        .chain
        .iter()
        .filter_map(|s| s.acts_as.map(ToString::to_string))
        .collect();
    if !accounts.is_empty() {
        line.push_str(&format!(", acting as {}", accounts.join(" then ")));
    }
    line
}

/// The hits as findings (for the SARIF, JUnit and GitHub writers), each at
/// the binding that starts its chain, with [`summarize`] as the message.
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
                message: summarize(auth, h),
                file: binding.origin.file.clone(),
                pos: binding.origin.pos,
                path: "subjects".to_owned(),
                object: Arc::new(ObjectRef {
                    api_version: format!("{RBAC_GROUP}/v1"),
                    kind: binding.kind.as_str().to_owned(),
                    namespace: binding.namespace.clone(),
                    name: Some(binding.name.clone()),
                }),
                object_file: None,
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

/// Marks an unused slot of an id table.
const NONE: u32 = u32::MAX;

/// The risks as JSON, streamed: an array of hits whose chain steps refer
/// to the bindings and roles of [`RisksJson::tables`] by id, so each
/// binding, role and rule is written once however many chains go through
/// it.
///
/// ```json
/// [{"chain": [{"binding": 0, "grants": "subject-create-workloads in namespace ci, so can act as ServiceAccount ci/deployer",
///              "role": 0, "rule": 2, "subject": {"kind": "User", "name": "jane", "namespace": null}}],
///   "code": "KG709", "escalation": false, "message": "...", "namespace": "ci",
///   "risk": "subject-create-workloads", "severity": "medium",
///   "subject": {"kind": "User", "name": "jane", "namespace": null}}]
/// ```
///
/// A step's `binding` and `role` index the `bindings` and `roles` of the
/// tables, and its `rule` indexes that role's `rules`. Put the tables
/// beside the array, before it for readers that resolve ids as they
/// stream; in a map serializer: `let risks = RisksJson::new(&auth, &hits);
/// map.serialize_entry("rbac", &risks.tables())?;
/// map.serialize_entry("risks", &risks)?;` ([`write_risks_json`] does
/// this, with `errors` first).
pub struct RisksJson<'a> {
    auth: &'a Authorizer,
    hits: &'a [Hit<'a>],
    /// Per binding of the model, its id, or [`NONE`].
    binding_ids: Vec<u32>,
    /// Per role of the model, its id, or [`NONE`].
    role_ids: Vec<u32>,
}

impl<'a> RisksJson<'a> {
    /// The JSON of `hits`, found over `auth`: numbers the bindings and
    /// roles the chains refer to, in model order.
    #[must_use]
    pub fn new(auth: &'a Authorizer, hits: &'a [Hit<'a>]) -> Self {
        let model = &auth.model;
        let mut binding_ids = vec![NONE; model.bindings.len()];
        let mut role_ids = vec![NONE; model.roles.len()];
        for step in hits.iter().flat_map(|h| &h.chain) {
            binding_ids[step.binding] = 0;
            role_ids[step.role] = 0;
        }
        for ids in [&mut binding_ids, &mut role_ids] {
            for (next, id) in (0..).zip(ids.iter_mut().filter(|id| **id != NONE)) {
                *id = next;
            }
        }
        RisksJson {
            auth,
            hits,
            binding_ids,
            role_ids,
        }
    }

    /// The bindings and roles the chains refer to:
    ///
    /// ```json
    /// {"bindings": [{"column": 1, "file": "rbac.yaml", "id": 0, "kind": "RoleBinding", "line": 3,
    ///                "name": "deployers", "namespace": "ci", "role": 0}],
    ///  "roles": [{"column": 1, "file": "rbac.yaml", "id": 0, "kind": "Role", "line": 20,
    ///             "name": "deploy", "namespace": "ci",
    ///             "rules": [{"apiGroups": ["apps"], "column": 3, "file": "rbac.yaml", "index": 0,
    ///                        "line": 25, "nonResourceURLs": [], "resourceNames": [],
    ///                        "resources": ["deployments"], "verbs": ["create"]}]}]}
    /// ```
    ///
    /// `id` is the position in the list; `role` of a binding is the id of
    /// the role its `roleRef` names; a role lists all its rules
    /// (aggregated ClusterRoles: the rules they aggregate), `index` being
    /// the position a step's `rule` refers to.
    #[must_use]
    pub fn tables(&self) -> RbacTables<'_> {
        RbacTables(self)
    }
}

impl Serialize for RisksJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct StepJson<'a, 's> {
            binding: u32,
            grants: Shown<Grants<'s, 'a>>,
            role: u32,
            rule: usize,
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
        s.collect_seq(self.hits.iter().map(|h| HitJson {
            chain: seq(h.chain.iter().map(|step| StepJson {
                binding: self.binding_ids[step.binding],
                grants: Shown(Grants(step)),
                role: self.role_ids[step.role],
                rule: step.rule,
                subject: step.subject.into(),
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

/// The bindings and roles a [`RisksJson`] refers to ([`RisksJson::tables`]).
pub struct RbacTables<'r>(&'r RisksJson<'r>);

/// A binding or role of [`RbacTables`]: where it is written, its id, and
/// what only that table has (`more`).
#[derive(Serialize)]
struct TableEntry<'a, T> {
    column: u32,
    file: &'a str,
    id: u32,
    kind: &'static str,
    line: u32,
    name: &'a str,
    namespace: Option<&'a str>,
    #[serde(flatten)]
    more: T,
}

impl<'a, T> TableEntry<'a, T> {
    fn new(
        id: u32,
        origin: &'a Origin,
        kind: &'static str,
        name: &'a str,
        namespace: Option<&'a str>,
        more: T,
    ) -> Self {
        TableEntry {
            column: origin.pos.col,
            file: &origin.file,
            id,
            kind,
            line: origin.pos.line,
            name,
            namespace,
            more,
        }
    }
}

impl Serialize for RbacTables<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct BindingRole {
            role: Option<u32>,
        }
        #[derive(Serialize)]
        struct RoleRules<R> {
            rules: R,
        }
        let risks = self.0;
        let model = &risks.auth.model;
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry(
            "bindings",
            &seq(risks
                .binding_ids
                .iter()
                .enumerate()
                .filter(|&(_, &id)| id != NONE)
                .map(|(i, &id)| {
                    let b = &model.bindings[i];
                    let role = risks
                        .auth
                        .role_index(i)
                        .map(|r| risks.role_ids[r])
                        .filter(|&r| r != NONE);
                    let more = BindingRole { role };
                    TableEntry::new(
                        id,
                        &b.origin,
                        b.kind.as_str(),
                        &b.name,
                        b.namespace.as_deref(),
                        more,
                    )
                })),
        )?;
        map.serialize_entry(
            "roles",
            &seq(risks
                .role_ids
                .iter()
                .enumerate()
                .filter(|&(_, &id)| id != NONE)
                .map(|(r, &id)| {
                    let role = &model.roles[r];
                    let rules = seq(role
                        .rules
                        .iter()
                        .enumerate()
                        .map(|(i, rule)| RuleJson::new(i, rule)));
                    let more = RoleRules { rules };
                    TableEntry::new(
                        id,
                        &role.origin,
                        role.kind.as_str(),
                        &role.name,
                        role.namespace.as_deref(),
                        more,
                    )
                })),
        )?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeguard_rbac::model::{BindingKind, Model, PolicyRule, RoleKind, RoleRef, SubjectKind};
    use kubeguard_rbac::risks;

    fn role(name: &str, rules: Vec<PolicyRule>) -> Role {
        Role {
            kind: RoleKind::ClusterRole,
            name: name.to_owned(),
            namespace: None,
            labels: Default::default(),
            rules,
            aggregation: None,
            origin: Origin::builtin(),
        }
    }

    fn binding(name: &str, role: &str, ns: Option<&str>, subject: Subject) -> Binding {
        Binding {
            kind: if ns.is_some() {
                BindingKind::RoleBinding
            } else {
                BindingKind::ClusterRoleBinding
            },
            name: name.to_owned(),
            namespace: ns.map(str::to_owned),
            role_ref: RoleRef {
                kind: RoleKind::ClusterRole,
                name: role.to_owned(),
            },
            subjects: vec![subject],
            origin: Origin::builtin(),
        }
    }

    fn sa(ns: &str, name: &str) -> Subject {
        Subject {
            kind: SubjectKind::ServiceAccount,
            name: name.to_owned(),
            namespace: Some(ns.to_owned()),
        }
    }

    /// A harmless role and binding first, so ids differ from model indices.
    fn auth() -> Authorizer {
        let mut m = Model::default();
        m.roles.push(role(
            "read-config",
            vec![PolicyRule::resource(&["get"], &[""], &["configmaps"])],
        ));
        m.roles.push(role(
            "make-pods",
            vec![
                PolicyRule::resource(&["get"], &[""], &["services"]),
                PolicyRule::resource(&["create"], &[""], &["pods"]),
            ],
        ));
        m.roles.push(role(
            "read-secrets",
            vec![PolicyRule::resource(&["list"], &[""], &["secrets"])],
        ));
        let user = Subject {
            kind: SubjectKind::User,
            name: "u".to_owned(),
            namespace: None,
        };
        m.bindings
            .push(binding("config", "read-config", None, user.clone()));
        m.bindings
            .push(binding("u-pods", "make-pods", Some("one"), user));
        m.bindings
            .push(binding("a-secrets", "read-secrets", None, sa("one", "a")));
        Authorizer::new(m)
    }

    fn json(value: &impl Serialize) -> serde_json::Value {
        serde_json::to_value(value).unwrap()
    }

    #[test]
    fn steps_refer_to_shared_tables() {
        let auth = auth();
        let hits = risks::analyze(&auth);
        let risks = RisksJson::new(&auth, &hits);
        let tables = json(&risks.tables());
        let names = |list: &str| -> Vec<String> {
            tables[list]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_owned())
                .collect()
        };
        // Only what a chain refers to, in model order, numbered from 0.
        assert_eq!(names("bindings"), ["u-pods", "a-secrets"]);
        assert_eq!(names("roles"), ["make-pods", "read-secrets"]);
        assert_eq!(tables["bindings"][1]["id"], 1);
        assert_eq!(tables["bindings"][1]["role"], 1);
        let all = json(&risks);
        let esc = all
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["subject"]["name"] == "u" && h["escalation"] == true)
            .expect("u reads secrets as one/a");
        let first = &esc["chain"][0];
        assert_eq!((&first["binding"], &first["role"]), (&0.into(), &0.into()));
        // The rule index is the role's own: create pods is its second rule.
        assert_eq!(first["rule"], 1);
        assert_eq!(tables["roles"][0]["rules"][1]["verbs"][0], "create");
        assert_eq!(
            first["grants"],
            "subject-create-workloads in namespace one, so can act as ServiceAccount one/a"
        );
        assert_eq!(esc["chain"][1]["binding"], 1);
    }

    #[test]
    fn findings_start_at_the_first_binding() {
        let auth = auth();
        let hits = risks::analyze(&auth);
        let findings = risk_findings(&auth, &hits);
        assert_eq!(findings.len(), hits.len());
        let esc = hits
            .iter()
            .zip(&findings)
            .find(|(h, _)| h.is_escalation())
            .map(|(_, f)| f)
            .unwrap();
        assert_eq!(esc.object.name.as_deref(), Some("u-pods"));
        assert!(
            esc.message
                .ends_with("granted through RoleBinding u-pods, acting as ServiceAccount one/a"),
            "{}",
            esc.message
        );
    }
}
