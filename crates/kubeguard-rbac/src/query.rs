//! The questions `kubectl auth can-i` and `who-can` answer, evaluated as
//! the RBAC authorizer does: ClusterRoleBindings apply everywhere,
//! RoleBindings only to requests in their own namespace (so a RoleBinding
//! to a ClusterRole grants it only there), and members of `system:masters`
//! are allowed everything without consulting RBAC.

use crate::aggregate;
use crate::matcher::{self, MASTERS, Request, UserInfo};
use crate::model::{Binding, BindingKind, Model, PolicyRule, Role, RoleKind, Subject, SubjectKind};
use std::collections::{BTreeMap, HashMap};

/// Why a request is allowed: one rule of one role, through one binding
/// naming one subject, or membership of `system:masters`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// A binding's subject is the user, and a rule of its role allows the request.
    Rule {
        /// The subject of the binding that matched.
        subject: Subject,
        /// Index of the binding in [`Authorizer::model`].
        binding: usize,
        /// Index of the role in [`Authorizer::model`].
        role: usize,
        /// Index of the rule in the role's (aggregated) rules.
        rule: usize,
    },
    /// The user is in `system:masters`, which bypasses RBAC.
    Masters,
}

/// A subject that can make a request, and every grant that lets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectGrants {
    /// The subject.
    pub subject: Subject,
    /// The grants, in binding order.
    pub via: Vec<Grant>,
}

/// The RBAC authorizer over a [`Model`], with aggregation expanded and
/// bindings indexed.
#[derive(Debug, Clone)]
pub struct Authorizer {
    /// The model, aggregated ClusterRoles expanded.
    pub model: Model,
    /// For each binding, the role its `roleRef` resolves to (if it exists).
    binding_role: Vec<Option<usize>>,
    /// ClusterRoleBindings.
    cluster_bindings: Vec<usize>,
    /// RoleBindings by namespace.
    namespace_bindings: HashMap<String, Vec<usize>>,
}

impl Authorizer {
    /// Expands aggregation and indexes `model`.
    #[must_use]
    pub fn new(mut model: Model) -> Self {
        aggregate::expand(&mut model.roles);
        let mut by_key: HashMap<(RoleKind, Option<&str>, &str), usize> = HashMap::new();
        for (i, r) in model.roles.iter().enumerate() {
            // The last object of a name wins, as a later `kubectl apply` would.
            by_key.insert((r.kind, r.namespace.as_deref(), r.name.as_str()), i);
        }
        let mut cluster_bindings = Vec::new();
        let mut namespace_bindings: HashMap<String, Vec<usize>> = HashMap::new();
        let binding_role = model
            .bindings
            .iter()
            .enumerate()
            .map(|(i, b)| {
                match (&b.kind, &b.namespace) {
                    (BindingKind::RoleBinding, Some(ns)) => {
                        namespace_bindings.entry(ns.clone()).or_default().push(i);
                    }
                    _ => cluster_bindings.push(i),
                }
                let ns = match b.role_ref.kind {
                    RoleKind::Role => b.namespace.as_deref(),
                    RoleKind::ClusterRole => None,
                };
                by_key
                    .get(&(b.role_ref.kind, ns, b.role_ref.name.as_str()))
                    .copied()
            })
            .collect();
        Authorizer {
            model,
            binding_role,
            cluster_bindings,
            namespace_bindings,
        }
    }

    /// The role a binding refers to, if it exists in the input.
    #[must_use]
    pub fn role_of(&self, binding: usize) -> Option<&Role> {
        self.binding_role
            .get(binding)
            .copied()
            .flatten()
            .map(|r| &self.model.roles[r])
    }

    /// Index of the role a binding refers to.
    #[must_use]
    pub fn role_index(&self, binding: usize) -> Option<usize> {
        self.binding_role.get(binding).copied().flatten()
    }

    /// The bindings the authorizer consults for a request in `namespace`:
    /// every ClusterRoleBinding, and the RoleBindings of that namespace.
    pub fn bindings_for<'s>(&'s self, namespace: Option<&str>) -> impl Iterator<Item = usize> + 's {
        let local = namespace
            .and_then(|ns| self.namespace_bindings.get(ns))
            .map(Vec::as_slice)
            .unwrap_or_default();
        self.cluster_bindings.iter().chain(local).copied()
    }

    /// Every RoleBinding, grouped by namespace.
    #[must_use]
    pub fn namespaces(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.namespace_bindings.keys().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    fn rules_allowing(&self, role: usize, request: &Request) -> impl Iterator<Item = usize> + '_ {
        let rules = &self.model.roles[role].rules;
        let request = request.clone();
        rules
            .iter()
            .enumerate()
            .filter(move |(_, r)| matcher::rule_allows(r, &request))
            .map(|(i, _)| i)
    }

    /// Every grant that allows `user` to make `request`; empty when denied.
    #[must_use]
    pub fn can_i(&self, user: &UserInfo, request: &Request) -> Vec<Grant> {
        if user.is_master() {
            return vec![Grant::Masters];
        }
        let mut grants = Vec::new();
        for b in self.bindings_for(request.namespace()) {
            let binding = &self.model.bindings[b];
            let Some(subject) = binding
                .subjects
                .iter()
                .find(|s| matcher::applies_to(s, user))
            else {
                continue;
            };
            let Some(role) = self.role_index(b) else {
                continue;
            };
            for rule in self.rules_allowing(role, request) {
                grants.push(Grant::Rule {
                    subject: subject.clone(),
                    binding: b,
                    role,
                    rule,
                });
            }
        }
        grants
    }

    /// Whether `user` may make `request`.
    #[must_use]
    pub fn allowed(&self, user: &UserInfo, request: &Request) -> bool {
        !self.can_i(user, request).is_empty()
    }

    /// Every subject that can make `request`, in subject order, each with
    /// its grants. The group `system:masters` is always listed.
    #[must_use]
    pub fn who_can(&self, request: &Request) -> Vec<SubjectGrants> {
        let mut out: BTreeMap<Subject, Vec<Grant>> = BTreeMap::new();
        out.insert(
            Subject {
                kind: SubjectKind::Group,
                name: MASTERS.to_owned(),
                namespace: None,
            },
            vec![Grant::Masters],
        );
        let mut role_cache: HashMap<usize, Vec<usize>> = HashMap::new();
        for b in self.bindings_for(request.namespace()) {
            let Some(role) = self.role_index(b) else {
                continue;
            };
            let rules = role_cache
                .entry(role)
                .or_insert_with(|| self.rules_allowing(role, request).collect());
            if rules.is_empty() {
                continue;
            }
            for subject in &self.model.bindings[b].subjects {
                let via = out.entry(subject.clone()).or_default();
                for &rule in rules.iter() {
                    via.push(Grant::Rule {
                        subject: subject.clone(),
                        binding: b,
                        role,
                        rule,
                    });
                }
            }
        }
        out.into_iter()
            .map(|(subject, via)| SubjectGrants { subject, via })
            .collect()
    }

    /// The binding, role and rule of a grant (`None` for [`Grant::Masters`]).
    #[must_use]
    pub fn explain(&self, grant: &Grant) -> Option<(&Binding, &Role, &PolicyRule)> {
        match grant {
            Grant::Rule {
                binding,
                role,
                rule,
                ..
            } => {
                let r = &self.model.roles[*role];
                Some((&self.model.bindings[*binding], r, &r.rules[*rule]))
            }
            Grant::Masters => None,
        }
    }
}

/// Resources whose API group `kubectl` would find by discovery, for
/// resources given without a group. Anything else without a `.group`
/// suffix is taken to be in the core group.
const KNOWN_GROUPS: &[(&str, &str)] = &[
    ("deployments", "apps"),
    ("daemonsets", "apps"),
    ("statefulsets", "apps"),
    ("replicasets", "apps"),
    ("controllerrevisions", "apps"),
    ("jobs", "batch"),
    ("cronjobs", "batch"),
    ("ingresses", "networking.k8s.io"),
    ("ingressclasses", "networking.k8s.io"),
    ("networkpolicies", "networking.k8s.io"),
    ("roles", "rbac.authorization.k8s.io"),
    ("clusterroles", "rbac.authorization.k8s.io"),
    ("rolebindings", "rbac.authorization.k8s.io"),
    ("clusterrolebindings", "rbac.authorization.k8s.io"),
    ("certificatesigningrequests", "certificates.k8s.io"),
    ("signers", "certificates.k8s.io"),
    (
        "validatingwebhookconfigurations",
        "admissionregistration.k8s.io",
    ),
    (
        "mutatingwebhookconfigurations",
        "admissionregistration.k8s.io",
    ),
    (
        "validatingadmissionpolicies",
        "admissionregistration.k8s.io",
    ),
    (
        "validatingadmissionpolicybindings",
        "admissionregistration.k8s.io",
    ),
    ("customresourcedefinitions", "apiextensions.k8s.io"),
    ("apiservices", "apiregistration.k8s.io"),
    ("storageclasses", "storage.k8s.io"),
    ("csidrivers", "storage.k8s.io"),
    ("volumeattachments", "storage.k8s.io"),
    ("priorityclasses", "scheduling.k8s.io"),
    ("poddisruptionbudgets", "policy"),
    ("horizontalpodautoscalers", "autoscaling"),
    ("leases", "coordination.k8s.io"),
    ("endpointslices", "discovery.k8s.io"),
    ("tokenreviews", "authentication.k8s.io"),
    ("uids", "authentication.k8s.io"),
    ("userextras", "authentication.k8s.io"),
    ("subjectaccessreviews", "authorization.k8s.io"),
    ("selfsubjectaccessreviews", "authorization.k8s.io"),
    ("runtimeclasses", "node.k8s.io"),
];

/// Resources that are not namespaced.
const CLUSTER_SCOPED: &[&str] = &[
    "nodes",
    "namespaces",
    "persistentvolumes",
    "clusterroles",
    "clusterrolebindings",
    "certificatesigningrequests",
    "signers",
    "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
    "customresourcedefinitions",
    "apiservices",
    "storageclasses",
    "csidrivers",
    "volumeattachments",
    "priorityclasses",
    "tokenreviews",
    "subjectaccessreviews",
    "selfsubjectaccessreviews",
    "runtimeclasses",
    "ingressclasses",
    "users",
    "groups",
    "uids",
    "userextras",
    "componentstatuses",
];

/// Whether a resource is cluster-scoped (so the request has no namespace).
#[must_use]
pub fn is_cluster_scoped(resource: &str) -> bool {
    CLUSTER_SCOPED.contains(&resource)
}

/// Builds a request as `kubectl auth can-i VERB RESOURCE [NAME] -n NS`
/// does. `RESOURCE` is `resource[.group][/subresource]` (`pods/exec`,
/// `deployments.apps/scale`) or a non-resource URL starting with `/`.
/// A group-less resource is looked up in a table of built-in resources and
/// otherwise taken as core. Cluster-scoped resources ignore `namespace`.
#[must_use]
pub fn build_request(verb: &str, resource: &str, name: Option<&str>, namespace: &str) -> Request {
    if resource.starts_with('/') {
        return Request::NonResource {
            verb: verb.to_owned(),
            path: resource.to_owned(),
        };
    }
    let (res_group, sub) = resource.split_once('/').unwrap_or((resource, ""));
    let (res, group) = match res_group.split_once('.') {
        Some((r, g)) => (r, g.to_owned()),
        None => (
            res_group,
            KNOWN_GROUPS
                .iter()
                .find(|(r, _)| *r == res_group)
                .map_or(String::new(), |(_, g)| (*g).to_owned()),
        ),
    };
    let ns = if is_cluster_scoped(res) {
        None
    } else {
        Some(namespace)
    };
    Request::resource(verb, &group, res, sub, name.unwrap_or_default(), ns)
}

/// The request `kubectl auth can-i` sends: as [`build_request`], but the
/// namespace is kept for cluster-scoped resources too, as the API server
/// is asked (a RoleBinding in that namespace may grant, say, `bind` on a
/// ClusterRole for RoleBindings there). The second value is the resource
/// when it is cluster-scoped, for kubectl's warning.
#[must_use]
pub fn build_request_as_asked(
    verb: &str,
    resource: &str,
    name: Option<&str>,
    namespace: &str,
) -> (Request, Option<String>) {
    let mut request = build_request(verb, resource, name, namespace);
    let mut cluster_scoped = None;
    if let Request::Resource {
        namespace: ns @ None,
        resource,
        ..
    } = &mut request
    {
        *ns = Some(namespace.to_owned());
        cluster_scoped = Some(resource.clone());
    }
    (request, cluster_scoped)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn can_i_keeps_the_namespace_of_cluster_scoped_resources() {
        let m = Authorizer::new(model(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: binder, namespace: dev}\nrules:\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind]\n  resourceNames: [view]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: binder, namespace: dev}\nsubjects: [{kind: User, name: jane}]\nroleRef: {kind: Role, name: binder, apiGroup: rbac.authorization.k8s.io}\n",
        ));
        let jane = UserInfo::new("jane", &[]);
        let (asked, warn) = build_request_as_asked("bind", "clusterroles", Some("view"), "dev");
        assert_eq!(warn.as_deref(), Some("clusterroles"));
        assert!(!m.can_i(&jane, &asked).is_empty());
        // Asked without a namespace (cluster-wide), the RoleBinding does not apply.
        let cluster_wide = build_request("bind", "clusterroles", Some("view"), "dev");
        assert!(m.can_i(&jane, &cluster_wide).is_empty());
        let (_, warn) = build_request_as_asked("get", "pods", None, "dev");
        assert_eq!(warn, None);
    }
    use kubeguard_core::{Object, Source};

    pub(crate) fn model(yaml: &str) -> Model {
        let loaded = kubeguard_load::load_source(Source::new("rbac.yaml", yaml));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let objects: Vec<Object> = loaded.objects;
        let (m, errors) = Model::from_objects(&objects);
        assert!(errors.is_empty(), "{errors:?}");
        m
    }

    const FIXTURE: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader}
rules:
- {apiGroups: [""], resources: [pods, pods/log], verbs: [get, list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: dev}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pod-reader}
subjects:
- {kind: User, name: jane}
- {kind: ServiceAccount, name: ci}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: dev}
rules:
- {apiGroups: [apps], resources: [deployments, "*/scale"], verbs: ["*"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployers, namespace: dev}
roleRef: {kind: Role, name: deployer}
subjects: [{kind: Group, name: "system:serviceaccounts:dev"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: wrong-ns, namespace: prod}
roleRef: {kind: Role, name: deployer}
subjects: [{kind: User, name: jane}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: health}
rules:
- {nonResourceURLs: ["/healthz", "/metrics/*"], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: health}
roleRef: {kind: ClusterRole, name: health}
subjects: [{kind: Group, name: "system:authenticated"}]
"#;

    #[test]
    fn binding_scope_table() {
        let auth = Authorizer::new(model(FIXTURE));
        let jane = UserInfo::new("jane", &[]);
        let ci = UserInfo::new("system:serviceaccount:dev:ci", &[]);
        let anon = UserInfo::new("system:anonymous", &[]);
        let boss = UserInfo::new("boss", &["system:masters".into()]);
        let cases: Vec<(&UserInfo, Request, bool)> = vec![
            // RoleBinding to a ClusterRole: only in the binding's namespace.
            (&jane, build_request("get", "pods", None, "dev"), true),
            (&jane, build_request("get", "pods", None, "prod"), false),
            (
                &jane,
                Request::resource("list", "", "pods", "", "", None),
                false,
            ),
            (
                &jane,
                build_request("get", "pods/log", Some("p"), "dev"),
                true,
            ),
            (
                &jane,
                build_request("create", "pods/exec", Some("p"), "dev"),
                false,
            ),
            // The ServiceAccount subject without namespace is the binding's namespace.
            (&ci, build_request("list", "pods", None, "dev"), true),
            // Implicit group system:serviceaccounts:dev.
            (
                &ci,
                build_request("delete", "deployments", Some("web"), "dev"),
                true,
            ),
            (
                &ci,
                build_request("update", "deployments.apps/scale", None, "dev"),
                true,
            ),
            (
                &ci,
                build_request("update", "replicasets/scale", None, "dev"),
                true,
            ),
            (
                &ci,
                build_request("update", "deployments/status", None, "dev"),
                false,
            ),
            // A RoleBinding to a Role of another namespace grants nothing.
            (
                &jane,
                build_request("get", "deployments", None, "prod"),
                false,
            ),
            // Non-resource URLs through system:authenticated.
            (&jane, build_request("get", "/healthz", None, ""), true),
            (
                &jane,
                build_request("get", "/metrics/cadvisor", None, ""),
                true,
            ),
            (&jane, build_request("get", "/metrics", None, ""), false),
            (&anon, build_request("get", "/healthz", None, ""), false),
            // system:masters bypasses RBAC.
            (
                &boss,
                build_request("delete", "nodes", Some("n1"), ""),
                true,
            ),
        ];
        for (i, (user, req, want)) in cases.iter().enumerate() {
            assert_eq!(
                auth.allowed(user, req),
                *want,
                "case {i}: {} {req:?}",
                user.name
            );
        }
    }

    #[test]
    fn who_can_lists_subjects_with_bindings() {
        let auth = Authorizer::new(model(FIXTURE));
        let who = auth.who_can(&build_request("get", "pods", None, "dev"));
        let names: Vec<String> = who.iter().map(|s| s.subject.to_string()).collect();
        assert_eq!(
            names,
            ["User jane", "Group system:masters", "ServiceAccount dev/ci"]
        );
        let (binding, role, _) = auth.explain(&who[0].via[0]).expect("a rule grant");
        assert_eq!(
            (binding.name.as_str(), role.name.as_str()),
            ("read-pods", "pod-reader")
        );
        let who = auth.who_can(&build_request("get", "pods", None, "prod"));
        assert_eq!(who.len(), 1);
    }

    #[test]
    fn request_building() {
        assert_eq!(
            build_request("get", "deployments.apps/scale", Some("web"), "ns"),
            Request::resource("get", "apps", "deployments", "scale", "web", Some("ns"))
        );
        assert_eq!(
            build_request("get", "nodes/proxy", None, "ns"),
            Request::resource("get", "", "nodes", "proxy", "", None)
        );
        assert_eq!(
            build_request("get", "widgets.example.com", None, "ns"),
            Request::resource("get", "example.com", "widgets", "", "", Some("ns"))
        );
    }
}
