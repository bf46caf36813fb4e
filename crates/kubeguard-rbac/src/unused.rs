//! RBAC objects that do nothing or point at nothing: roles no binding
//! refers to, bindings whose role is not in the input, and bindings to
//! service accounts that the input does not declare.
//!
//! A ClusterRole is in use when a binding refers to it, when another
//! ClusterRole aggregates it, or when it carries an
//! `rbac.authorization.k8s.io/aggregate-to-*` label (it then feeds the
//! built-in `admin`, `edit` or `view` roles of every cluster). A binding to
//! a missing built-in ClusterRole (`cluster-admin`, `view`, `system:*`) is
//! not reported. Every namespace has a `default` service account, so
//! subjects naming it are never dangling. Built-in objects from
//! `--with-defaults` are never reported.

use crate::aggregate::selects;
use crate::defaults::is_builtin_cluster_role;
use crate::model::{Origin, RoleKind, Subject, SubjectKind};
use crate::query::Authorizer;
use kubeguard_core::{Finding, ObjectRef, RuleMeta, Severity};
use std::collections::HashSet;
use std::sync::Arc;

const fn meta(
    code: &'static str,
    name: &'static str,
    summary: &'static str,
    remediation: &'static str,
) -> RuleMeta {
    RuleMeta {
        code,
        name,
        group: "rbac-analysis",
        severity: Severity::Low,
        summary,
        docs: summary,
        remediation,
        kinds: &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
        references: &[],
    }
}

/// A role that no binding refers to.
pub static UNBOUND_ROLE: RuleMeta = meta(
    "KG720",
    "rbac-unbound-role",
    "A Role or ClusterRole that no binding refers to",
    "Delete the role, or bind it to the subjects that need it.",
);
/// A binding whose role is not in the input.
pub static MISSING_ROLE: RuleMeta = meta(
    "KG721",
    "rbac-missing-role",
    "A binding refers to a role that does not exist",
    "Create the role or delete the binding; a role created later with that name gains these subjects.",
);
/// A binding to a service account that is not in the input.
pub static DANGLING_SERVICE_ACCOUNT: RuleMeta = meta(
    "KG722",
    "rbac-dangling-service-account",
    "A binding names a service account that does not exist",
    "Remove the subject, or create the service account; anyone who can create it later inherits these permissions.",
);

/// What is unused or dangling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A role no binding refers to.
    UnboundRole,
    /// A binding whose role is missing.
    MissingRole,
    /// A binding subject that names a missing service account.
    DanglingServiceAccount(Subject),
}

/// One unused or dangling object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unused {
    /// What is wrong.
    pub kind: Kind,
    /// The object (`ClusterRole view-all`, `RoleBinding ns/name`).
    pub object: String,
    /// Where it was written.
    pub origin: Origin,
    /// A message for people.
    pub message: String,
    /// The object's identity for reports.
    pub object_ref: ObjectRef,
}

impl Unused {
    /// The rule metadata of this kind.
    #[must_use]
    pub fn meta(&self) -> &'static RuleMeta {
        match self.kind {
            Kind::UnboundRole => &UNBOUND_ROLE,
            Kind::MissingRole => &MISSING_ROLE,
            Kind::DanglingServiceAccount(_) => &DANGLING_SERVICE_ACCOUNT,
        }
    }
}

fn builtin(origin: &Origin) -> bool {
    *origin == Origin::builtin()
}

/// Finds unused roles and dangling bindings, in input order.
#[must_use]
pub fn find(auth: &Authorizer) -> Vec<Unused> {
    let model = &auth.model;
    let mut used = vec![false; model.roles.len()];
    for b in 0..model.bindings.len() {
        if let Some(r) = auth.role_index(b) {
            used[r] = true;
        }
    }
    for agg in model
        .roles
        .iter()
        .filter_map(|r| r.aggregation.as_ref().map(|a| (r, a)))
    {
        for (i, role) in model.roles.iter().enumerate() {
            if role.kind == RoleKind::ClusterRole
                && role.name != agg.0.name
                && agg.1.iter().any(|s| selects(s, &role.labels))
            {
                used[i] = true;
            }
        }
    }
    let sas: HashSet<(&str, &str)> = model
        .service_accounts
        .iter()
        .map(|s| (s.namespace.as_str(), s.name.as_str()))
        .collect();
    let mut out = Vec::new();
    for (i, role) in model.roles.iter().enumerate() {
        let feeds_builtin = role
            .labels
            .keys()
            .any(|k| k.starts_with("rbac.authorization.k8s.io/aggregate-to-"));
        if used[i] || feeds_builtin || builtin(&role.origin) {
            continue;
        }
        let object = match &role.namespace {
            Some(ns) => format!("{} {ns}/{}", role.kind.as_str(), role.name),
            None => format!("{} {}", role.kind.as_str(), role.name),
        };
        out.push(Unused {
            kind: Kind::UnboundRole,
            message: format!("{object} is bound to nobody"),
            object,
            origin: role.origin.clone(),
            object_ref: ObjectRef {
                api_version: format!("{}/v1", crate::model::RBAC_GROUP),
                kind: role.kind.as_str().to_owned(),
                namespace: role.namespace.clone(),
                name: Some(role.name.clone()),
            },
        });
    }
    for (b, binding) in model.bindings.iter().enumerate() {
        if builtin(&binding.origin) {
            continue;
        }
        let object = binding.to_string();
        let object_ref = ObjectRef {
            api_version: format!("{}/v1", crate::model::RBAC_GROUP),
            kind: binding.kind.as_str().to_owned(),
            namespace: binding.namespace.clone(),
            name: Some(binding.name.clone()),
        };
        let rr = &binding.role_ref;
        if auth.role_index(b).is_none()
            && !(rr.kind == RoleKind::ClusterRole && is_builtin_cluster_role(&rr.name))
        {
            out.push(Unused {
                kind: Kind::MissingRole,
                message: format!(
                    "{object} refers to {} {}, which is not in the input",
                    rr.kind.as_str(),
                    rr.name
                ),
                object: object.clone(),
                origin: binding.origin.clone(),
                object_ref: object_ref.clone(),
            });
        }
        for s in &binding.subjects {
            let (SubjectKind::ServiceAccount, Some(ns)) = (s.kind, &s.namespace) else {
                continue;
            };
            if s.name == "default" || sas.contains(&(ns.as_str(), s.name.as_str())) {
                continue;
            }
            out.push(Unused {
                kind: Kind::DanglingServiceAccount(s.clone()),
                message: format!("{object} binds {s}, which is not in the input"),
                object: object.clone(),
                origin: binding.origin.clone(),
                object_ref: object_ref.clone(),
            });
        }
    }
    out
}

/// The results as findings for the report writers.
#[must_use]
pub fn to_findings(items: &[Unused]) -> Vec<Finding> {
    items
        .iter()
        .map(|u| {
            let meta = u.meta();
            Finding {
                rule: meta.name,
                code: meta.code,
                severity: meta.severity,
                message: u.message.clone(),
                file: u.origin.file.clone(),
                pos: u.origin.pos,
                path: match u.kind {
                    Kind::UnboundRole => String::new(),
                    Kind::MissingRole => "roleRef".to_owned(),
                    Kind::DanglingServiceAccount(_) => "subjects".to_owned(),
                },
                object: Arc::new(u.object_ref.clone()),
                object_file: None,
                remediation: meta.remediation,
                references: meta.references,
                snippet: None,
            }
        })
        .collect()
}

/// The rule metadata of every kind (SARIF rule descriptors).
#[must_use]
pub fn metas() -> Vec<&'static RuleMeta> {
    vec![&UNBOUND_ROLE, &MISSING_ROLE, &DANGLING_SERVICE_ACCOUNT]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::tests::model;

    #[test]
    fn unused_and_dangling() {
        let yaml = r#"
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: web}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: lonely, namespace: web}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: used, namespace: web}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: extra-view, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}
rules: [{apiGroups: [x.io], resources: [widgets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: web}
roleRef: {kind: Role, name: used}
subjects:
- {kind: ServiceAccount, name: api}
- {kind: ServiceAccount, name: default}
- {kind: ServiceAccount, name: ghost}
- {kind: ServiceAccount, name: api, namespace: other}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: to-missing, namespace: other}
roleRef: {kind: Role, name: used}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: viewers}
roleRef: {kind: ClusterRole, name: view}
"#;
        let auth = Authorizer::new(model(yaml));
        let got: Vec<String> = find(&auth)
            .into_iter()
            .map(|u| format!("{}:{}", u.origin.pos.line, u.message))
            .collect();
        assert_eq!(
            got,
            [
                "6:Role web/lonely is bound to nobody",
                "21:RoleBinding web/b binds ServiceAccount web/ghost, which is not in the input",
                "21:RoleBinding web/b binds ServiceAccount other/api, which is not in the input",
                "31:RoleBinding other/to-missing refers to Role used, which is not in the input",
            ]
        );
    }
}
