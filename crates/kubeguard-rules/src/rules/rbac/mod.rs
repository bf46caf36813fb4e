//! Rules over RBAC objects: Roles, ClusterRoles and their bindings.
//!
//! Policy rules are read as the RBAC authorizer reads them, through the
//! entry matchers of [`kubeguard_rbac::matcher`]: a rule grants a request
//! when one of its `verbs`, one of its `apiGroups` and one of its
//! `resources` match it, and its `resourceNames` (when set) hold the name
//! of the object. Rules here find the entry that grants, to point at it.

use crate::rule::Rule;
use kubeguard_core::{Located, Node, Object};
use kubeguard_rbac::matcher;
use kubeguard_rbac::risks::Probe;

const GROUP: &str = "rbac";

/// The API group of Roles, ClusterRoles and their bindings.
const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

mod default_service_account_automount;
mod default_service_account_bound;
mod rbac_anonymous_binding;
mod rbac_bind;
mod rbac_cluster_admin_binding;
mod rbac_create_persistent_volumes;
mod rbac_create_pods;
mod rbac_csr_approve;
mod rbac_escalate;
mod rbac_impersonate;
mod rbac_nodes_proxy;
mod rbac_pod_exec;
mod rbac_pod_port_forward;
mod rbac_secrets_access;
mod rbac_service_status;
mod rbac_webhook_control;
mod rbac_wildcard;

/// The rules of this group.
pub(crate) static RULES: &[&Rule] = &[
    &rbac_wildcard::RULE,
    &rbac_secrets_access::RULE,
    &rbac_pod_exec::RULE,
    &rbac_pod_port_forward::RULE,
    &rbac_create_pods::RULE,
    &rbac_create_persistent_volumes::RULE,
    &rbac_bind::RULE,
    &rbac_escalate::RULE,
    &rbac_impersonate::RULE,
    &rbac_webhook_control::RULE,
    &rbac_csr_approve::RULE,
    &rbac_nodes_proxy::RULE,
    &rbac_service_status::RULE,
    &rbac_cluster_admin_binding::RULE,
    &rbac_anonymous_binding::RULE,
    &default_service_account_bound::RULE,
    &default_service_account_automount::RULE,
];

/// Kinds that hold policy rules.
pub(super) const ROLE_KINDS: &[&str] = &["Role", "ClusterRole"];

/// Kinds that bind subjects to a role.
pub(super) const BINDING_KINDS: &[&str] = &["RoleBinding", "ClusterRoleBinding"];

/// One entry of a Role's or ClusterRole's `rules`.
pub(super) struct PolicyRule<'a> {
    /// The `verbs` items.
    pub verbs: Vec<Located<'a>>,
    /// The `apiGroups` items.
    pub api_groups: Vec<Located<'a>>,
    /// The `resources` items.
    pub resources: Vec<Located<'a>>,
    /// `resourceNames`; empty means every object.
    pub resource_names: Vec<&'a str>,
}

impl<'a> PolicyRule<'a> {
    fn new(rule: &Located<'a>) -> Self {
        let items = |key| {
            rule.get(key)
                .map(|list| list.items().filter(|i| i.node.as_str().is_some()).collect())
                .unwrap_or_default()
        };
        PolicyRule {
            verbs: items("verbs"),
            api_groups: items("apiGroups"),
            resources: items("resources"),
            resource_names: rule
                .node
                .get("resourceNames")
                .map(|names| names.items().filter_map(Node::as_str).collect())
                .unwrap_or_default(),
        }
    }

    /// The `verbs` item that grants `verb`.
    #[must_use]
    pub fn verb(&self, verb: &str) -> Option<&Located<'a>> {
        self.verbs
            .iter()
            .find(|v| matcher::verb_entry_matches(text(v), verb))
    }

    /// The `apiGroups` item that covers `group` (`""` is the core group).
    #[must_use]
    pub fn api_group(&self, group: &str) -> Option<&Located<'a>> {
        self.api_groups
            .iter()
            .find(|g| matcher::group_entry_matches(text(g), group))
    }

    /// The `resources` item that covers `resource`, written as in a rule:
    /// `pods`, or `pods/exec` for a subresource. `res/*` asks for any
    /// subresource of `res` (as `userextras/*` for every user extra).
    #[must_use]
    pub fn resource(&self, resource: &str) -> Option<&Located<'a>> {
        let (base, sub) = resource.split_once('/').unwrap_or((resource, ""));
        self.resources.iter().find(|r| {
            if sub == matcher::ALL {
                matcher::resource_entry_matches_any_subresource(text(r), base)
            } else {
                matcher::resource_entry_matches(text(r), resource, sub)
            }
        })
    }

    /// Whether `verb` on `resource` can be granted given `resourceNames`:
    /// a request that names no object never matches a rule that names
    /// objects.
    fn names_allow(&self, verb: &str, resource: &str) -> bool {
        let sub = resource.split_once('/').map_or("", |(_, sub)| sub);
        self.resource_names.is_empty() || matcher::request_can_name_object(verb, sub)
    }

    /// `resourceNames` for a message: empty when unrestricted, else
    /// ` (only resourceNames a, b)`.
    #[must_use]
    pub fn names_note(&self) -> String {
        if self.resource_names.is_empty() {
            String::new()
        } else {
            format!(" (only resourceNames {})", self.resource_names.join(", "))
        }
    }
}

/// The text of a string item (items are filtered to strings on reading).
fn text<'a>(item: &Located<'a>) -> &'a str {
    item.node.as_str().unwrap_or_default()
}

/// Whether an item of `verbs`, `apiGroups` or `resources` is `*`.
pub(super) fn is_wildcard(item: &Located<'_>) -> bool {
    text(item) == matcher::ALL
}

/// The label the API server puts on the roles and bindings it creates and
/// keeps up to date (`kubernetes.io/bootstrapping: rbac-defaults`).
const BOOTSTRAP_LABEL: &str = "kubernetes.io/bootstrapping";

/// Names of the user-facing roles and bindings the API server ships.
const BOOTSTRAP_NAMES: &[&str] = &["cluster-admin", "admin", "edit", "view"];

/// Whether `obj` is one of Kubernetes' own bootstrap roles or bindings as
/// the API server ships them (`system:*`, `cluster-admin`, `admin`, `edit`,
/// `view`, labelled `kubernetes.io/bootstrapping: rbac-defaults`), as found
/// in a dump of a cluster: no one wrote them, so RBAC rules leave them alone.
/// A role of one of those names without the label was written by someone.
pub(super) fn is_bootstrap(obj: &Object) -> bool {
    let Some(name) = obj.name.as_deref() else {
        return false;
    };
    obj.label(BOOTSTRAP_LABEL) == Some("rbac-defaults")
        && (name.starts_with("system:") || BOOTSTRAP_NAMES.contains(&name))
}

/// The policy rules of a Role or ClusterRole; nothing for other objects
/// nor for Kubernetes' bootstrap roles ([`is_bootstrap`]).
pub(super) fn policy_rules(obj: &Object) -> Vec<PolicyRule<'_>> {
    if obj.group() != RBAC_GROUP || !ROLE_KINDS.contains(&obj.kind.as_str()) || is_bootstrap(obj) {
        return Vec::new();
    }
    let Some(rules) = obj.located().get("rules") else {
        return Vec::new();
    };
    rules.items().map(|r| PolicyRule::new(&r)).collect()
}

/// Which item of a policy rule a grant is reported at.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum By {
    /// The `verbs` item (`bind`, `*`): for rules about a dangerous verb.
    Verb,
    /// The `resources` item (`secrets`, `*`): for rules about a resource.
    Resource,
}

/// What one policy rule grants of some [`Access`]es through one item.
pub(super) struct Grant<'r, 'a> {
    /// The policy rule.
    pub rule: &'r PolicyRule<'a>,
    /// The item the grant is reported at.
    pub at: &'r Located<'a>,
    /// The verbs granted (as asked), in the order asked.
    pub verbs: Vec<&'static str>,
    /// The resources granted (as asked), in the order asked.
    pub resources: Vec<&'static str>,
}

impl Grant<'_, '_> {
    /// `get, list on secrets` with the rule's `resourceNames`, if any.
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "{} on {}{}",
            self.verbs.join(", "),
            self.resources.join(", "),
            self.rule.names_note()
        )
    }
}

/// Everything `rules` grant of `permissions` (one of the lists of
/// [`kubeguard_rbac::risks`], shared with `kubeguard rbac risks`), one
/// [`Grant`] per item found through `by`, in source order. A rule with
/// `resourceNames` counts: it grants the permission for those objects.
pub(super) fn grants<'r, 'a>(
    rules: &'r [PolicyRule<'a>],
    permissions: &[Probe],
    by: By,
) -> Vec<Grant<'r, 'a>> {
    let mut out: Vec<Grant<'r, 'a>> = Vec::new();
    for rule in rules {
        let first = out.len();
        for &Probe {
            verb,
            group,
            resource,
        } in permissions
        {
            if rule.api_group(group).is_none() {
                continue;
            }
            let (Some(verb_item), Some(resource_item)) = (rule.verb(verb), rule.resource(resource))
            else {
                continue;
            };
            if !rule.names_allow(verb, resource) {
                continue;
            }
            let at = if by == By::Verb {
                verb_item
            } else {
                resource_item
            };
            let i = match out[first..].iter().position(|g| std::ptr::eq(g.at, at)) {
                Some(i) => first + i,
                None => {
                    out.push(Grant {
                        rule,
                        at,
                        verbs: Vec::new(),
                        resources: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            let grant = &mut out[i];
            if !grant.verbs.contains(&verb) {
                grant.verbs.push(verb);
            }
            if !grant.resources.contains(&resource) {
                grant.resources.push(resource);
            }
        }
        out[first..].sort_by_key(|g| g.at.at);
    }
    out
}

/// Reports each grant `obj` makes of `permissions` (see [`grants`]), with
/// the message `message` makes of it.
pub(super) fn report_grants(
    obj: &Object,
    cx: &mut crate::Ctx<'_>,
    permissions: &[Probe],
    by: By,
    message: impl Fn(&Grant<'_, '_>) -> String,
) {
    let rules = policy_rules(obj);
    for grant in grants(&rules, permissions, by) {
        cx.report(grant.at, message(&grant));
    }
}

/// A RoleBinding or ClusterRoleBinding.
pub(super) struct Binding<'a> {
    /// `roleRef.kind` (`Role` or `ClusterRole`).
    pub role_kind: &'a str,
    /// `roleRef.name`.
    pub role_name: &'a str,
    /// The namespace a RoleBinding grants in; `None` for a ClusterRoleBinding.
    pub namespace: Option<&'a str>,
    /// The subjects.
    pub subjects: Vec<Subject<'a>>,
}

impl Binding<'_> {
    /// Whether the binding refers to ClusterRole `name`.
    #[must_use]
    pub fn refers_to_cluster_role(&self, name: &str) -> bool {
        self.role_kind == "ClusterRole" && self.role_name == name
    }

    /// Where the binding grants, for messages: `cluster-wide` or `in
    /// namespace "x"`.
    #[must_use]
    pub fn scope(&self) -> String {
        match self.namespace {
            Some(ns) => format!("in namespace {ns:?}"),
            None => "cluster-wide".to_owned(),
        }
    }
}

/// One subject of a binding.
pub(super) struct Subject<'a> {
    /// The subject item.
    pub at: Located<'a>,
    /// `kind`: `User`, `Group` or `ServiceAccount`.
    pub kind: &'a str,
    /// `name`.
    pub name: &'a str,
    /// `namespace` (for a ServiceAccount; a RoleBinding's own when unset).
    pub namespace: Option<&'a str>,
}

impl<'a> Subject<'a> {
    /// The service account this subject names, as `(namespace, name)`:
    /// a `ServiceAccount` subject, or a `User` named
    /// `system:serviceaccount:<namespace>:<name>`.
    #[must_use]
    pub fn service_account(&self) -> Option<(&'a str, &'a str)> {
        match self.kind {
            "ServiceAccount" => Some((self.namespace.unwrap_or_default(), self.name)),
            "User" => matcher::service_account_of(self.name),
            _ => None,
        }
    }

    /// The user this subject stands for, as the RBAC authorizer matches
    /// subjects to users ([`kubeguard_rbac::UserInfo::of_subject`]): a
    /// group stands for its members. `None` for an unknown kind.
    #[must_use]
    pub fn user(&self) -> Option<kubeguard_rbac::UserInfo> {
        use kubeguard_rbac::SubjectKind;
        let kind = match self.kind {
            "User" => SubjectKind::User,
            "Group" => SubjectKind::Group,
            "ServiceAccount" => SubjectKind::ServiceAccount,
            _ => return None,
        };
        Some(kubeguard_rbac::UserInfo::of_subject(
            &kubeguard_rbac::Subject {
                kind,
                name: self.name.to_owned(),
                namespace: self.namespace.map(str::to_owned),
            },
        ))
    }

    /// `User "x"`, `Group "x"` or `ServiceAccount "ns/x"`, for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        match (self.kind, self.namespace) {
            ("ServiceAccount", Some(ns)) => format!("ServiceAccount \"{ns}/{}\"", self.name),
            (kind, _) => format!("{kind} {:?}", self.name),
        }
    }
}

/// The string under `key` of a mapping.
fn field<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Node::as_str)
}

/// The binding `obj` is; `None` for other objects and for Kubernetes'
/// bootstrap bindings ([`is_bootstrap`]).
pub(super) fn binding(obj: &Object) -> Option<Binding<'_>> {
    if obj.group() != RBAC_GROUP || !BINDING_KINDS.contains(&obj.kind.as_str()) || is_bootstrap(obj)
    {
        return None;
    }
    let role_ref = obj.root.get("roleRef")?;
    let namespace = obj.effective_namespace();
    let subjects = obj
        .located()
        .get("subjects")
        .map(|list| {
            list.items()
                .filter_map(|at| {
                    let kind = field(at.node, "kind")?;
                    let name = field(at.node, "name")?;
                    let namespace = field(at.node, "namespace").or(namespace);
                    Some(Subject {
                        at,
                        kind,
                        name,
                        namespace,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Binding {
        role_kind: field(role_ref, "kind")?,
        role_name: field(role_ref, "name")?,
        namespace,
        subjects,
    })
}

#[cfg(test)]
mod tests {
    use super::{By, grants, policy_rules};
    use kubeguard_core::{Object, Source};
    use kubeguard_rbac::risks::Probe;
    use std::sync::Arc;

    fn role(rules: &str) -> Object {
        let text =
            format!("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nrules:\n{rules}");
        let (docs, err) = kubeguard_load::parse_documents(&text);
        assert!(err.is_none());
        let root = docs.into_iter().next().unwrap().unwrap();
        Object::from_root(Arc::new(Source::new("test", text)), root).unwrap()
    }

    /// Whether the first policy rule of `rules` matches `resource`.
    fn matches(resources: &str, resource: &str) -> bool {
        let obj = role(&format!("- resources: {resources}\n"));
        policy_rules(&obj)[0].resource(resource).is_some()
    }

    #[test]
    fn resources_match_as_the_rbac_authorizer_does() {
        assert!(matches("[pods]", "pods"));
        assert!(!matches("[pods]", "pods/exec"));
        assert!(matches("[\"*\"]", "pods/exec"));
        assert!(matches("[\"*/exec\"]", "pods/exec"));
        assert!(!matches("[\"*/exec\"]", "pods"));
        assert!(!matches("[\"*/exec\"]", "pods/attach"));
        assert!(!matches("[\"pods/*\"]", "pods/exec"));
        assert!(matches("[userextras/scopes]", "userextras/*"));
        assert!(matches("[\"*/scopes\"]", "userextras/*"));
        assert!(!matches("[userextras]", "userextras/*"));
    }

    #[test]
    fn verbs_groups_and_resource_names() {
        let obj = role(
            "- apiGroups: [\"\"]\n  resources: [pods, pods/exec]\n  resourceNames: [web]\n  verbs: [\"*\"]\n\
             - apiGroups: [apps]\n  resources: [pods]\n  verbs: [create]\n",
        );
        let rules = policy_rules(&obj);
        let probe = |verb, resource| Probe {
            verb,
            group: "",
            resource,
        };
        let access = [
            probe("create", "pods"),
            probe("create", "pods/exec"),
            probe("get", "pods"),
            probe("get", "pods/exec"),
        ];
        let found = grants(&rules, &access, By::Resource);
        let got: Vec<(Vec<&str>, Vec<&str>)> = found
            .iter()
            .map(|g| (g.verbs.clone(), g.resources.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (vec!["get"], vec!["pods"]),
                (vec!["create", "get"], vec!["pods/exec"])
            ]
        );
    }
}
