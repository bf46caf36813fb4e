//! The RBAC authorizer's semantics: when a policy rule allows a request and
//! when a binding's subject is the requesting user. These follow
//! `pkg/apis/rbac/v1/evaluation_helpers.go` and
//! `plugin/pkg/auth/authorizer/rbac/rbac.go` of Kubernetes.

use crate::model::{PolicyRule, Subject, SubjectKind};

/// `*`: all verbs, groups, resources or non-resource URLs.
pub const ALL: &str = "*";

/// The group every authenticated user is in.
pub const AUTHENTICATED: &str = "system:authenticated";
/// The group of anonymous requests.
pub const UNAUTHENTICATED: &str = "system:unauthenticated";
/// The user name of anonymous requests.
pub const ANONYMOUS: &str = "system:anonymous";
/// The group of every service account.
pub const SERVICE_ACCOUNTS: &str = "system:serviceaccounts";
/// The group whose members bypass authorization entirely.
pub const MASTERS: &str = "system:masters";
/// The prefix of service account user names.
pub const SA_PREFIX: &str = "system:serviceaccount:";

/// A request as the authorizer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A request on an API resource.
    Resource {
        /// The verb (`get`, `list`, `create`, `impersonate`, ...).
        verb: String,
        /// The API group (`""` for core).
        group: String,
        /// The resource (`pods`).
        resource: String,
        /// The subresource (`exec`), empty for none.
        subresource: String,
        /// The object name, empty when the request names none (`list`, `create`).
        name: String,
        /// The namespace; `None` for cluster-scoped resources and requests
        /// across all namespaces.
        namespace: Option<String>,
    },
    /// A request on a non-resource URL (`/healthz`, `/api`).
    NonResource {
        /// The lowercase HTTP verb (`get`, `post`).
        verb: String,
        /// The path.
        path: String,
    },
}

impl Request {
    /// A resource request from its parts.
    #[must_use]
    pub fn resource(
        verb: &str,
        group: &str,
        resource: &str,
        subresource: &str,
        name: &str,
        namespace: Option<&str>,
    ) -> Self {
        Request::Resource {
            verb: verb.to_owned(),
            group: group.to_owned(),
            resource: resource.to_owned(),
            subresource: subresource.to_owned(),
            name: name.to_owned(),
            namespace: namespace.map(str::to_owned),
        }
    }

    /// The namespace the request is in (`None` for cluster scope and
    /// non-resource URLs): only then are RoleBindings consulted.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Request::Resource { namespace, .. } => namespace.as_deref().filter(|n| !n.is_empty()),
            Request::NonResource { .. } => None,
        }
    }
}

/// Whether `rule` allows `request` (the authorizer's `RuleAllows`).
#[must_use]
pub fn rule_allows(rule: &PolicyRule, request: &Request) -> bool {
    match request {
        Request::Resource {
            verb,
            group,
            resource,
            subresource,
            name,
            ..
        } => {
            let combined;
            let requested = if subresource.is_empty() {
                resource.as_str()
            } else {
                combined = format!("{resource}/{subresource}");
                combined.as_str()
            };
            verb_matches(rule, verb)
                && group_matches(rule, group)
                && resource_matches(rule, requested, subresource)
                && resource_name_matches(rule, name)
        }
        Request::NonResource { verb, path } => verb_matches(rule, verb) && url_matches(rule, path),
    }
}

/// `verbs` holds `*` or the verb.
#[must_use]
pub fn verb_matches(rule: &PolicyRule, verb: &str) -> bool {
    rule.verbs.iter().any(|v| verb_entry_matches(v, verb))
}

/// `apiGroups` holds `*` or the group.
#[must_use]
pub fn group_matches(rule: &PolicyRule, group: &str) -> bool {
    rule.api_groups
        .iter()
        .any(|g| group_entry_matches(g, group))
}

/// `resources` holds `*`, the combined `resource/subresource`, or
/// `*/subresource`. `pods/*` is not a wildcard: it matches only a request
/// whose subresource is literally `*`.
#[must_use]
pub fn resource_matches(rule: &PolicyRule, combined: &str, subresource: &str) -> bool {
    rule.resources
        .iter()
        .any(|r| resource_entry_matches(r, combined, subresource))
}

/// No `resourceNames`, or they hold the requested name. A request without
/// a name (`list`, `create`, `deletecollection`) never matches a rule that
/// names objects.
#[must_use]
pub fn resource_name_matches(rule: &PolicyRule, name: &str) -> bool {
    rule.resource_names.is_empty()
        || (!name.is_empty() && rule.resource_names.iter().any(|n| n == name))
}

/// `nonResourceURLs` holds `*`, the path, or a prefix of it ending in `*`.
#[must_use]
pub fn url_matches(rule: &PolicyRule, path: &str) -> bool {
    rule.non_resource_urls
        .iter()
        .any(|u| url_entry_matches(u, path))
}

/// Whether a rule with these `verbs`, `apiGroups`, `resources` and
/// `resourceNames` grants every verb on every resource of every API group,
/// as `cluster-admin` does: `*` in each of the three lists, and no
/// `resourceNames` to narrow it.
#[must_use]
pub fn grants_everything<'e>(
    verbs: impl IntoIterator<Item = &'e str>,
    groups: impl IntoIterator<Item = &'e str>,
    resources: impl IntoIterator<Item = &'e str>,
    resource_names_empty: bool,
) -> bool {
    fn star<'e>(entries: impl IntoIterator<Item = &'e str>) -> bool {
        entries.into_iter().any(|e| e == ALL)
    }
    resource_names_empty && star(verbs) && star(groups) && star(resources)
}

/// Whether one `verbs` entry matches `verb`: it is `*` or the verb itself
/// (case matters).
#[must_use]
pub fn verb_entry_matches(entry: &str, verb: &str) -> bool {
    entry == ALL || entry == verb
}

/// Whether one `apiGroups` entry matches `group` (`""` is the core group):
/// it is `*` or the group itself.
#[must_use]
pub fn group_entry_matches(entry: &str, group: &str) -> bool {
    entry == ALL || entry == group
}

/// Whether one `resources` entry matches a request for `combined`
/// (`pods`, or `pods/exec` with `subresource` `exec`): the entry is `*`,
/// `combined` itself, or `*/subresource`. Any other entry is literal:
/// `pods/*` matches only a subresource literally named `*`, and `pods`
/// matches no subresource of pods.
#[must_use]
pub fn resource_entry_matches(entry: &str, combined: &str, subresource: &str) -> bool {
    entry == ALL
        || entry == combined
        || (!subresource.is_empty()
            && entry.len() == subresource.len() + 2
            && entry.starts_with("*/")
            && entry.ends_with(subresource))
}

/// Whether one `resources` entry matches a request for at least one
/// subresource of `resource`, whatever its name (as the keys of
/// `userextras/<key>` when impersonating user extras): the entry is `*`,
/// `resource/<any>` or `*/<any>`.
#[must_use]
pub fn resource_entry_matches_any_subresource(entry: &str, resource: &str) -> bool {
    entry == ALL
        || entry
            .split_once('/')
            .is_some_and(|(base, sub)| !sub.is_empty() && (base == resource || base == ALL))
}

/// Whether one `nonResourceURLs` entry matches `path`: it is `*`, the path
/// itself, or a prefix of it ending in `*`.
#[must_use]
pub fn url_entry_matches(entry: &str, path: &str) -> bool {
    entry == ALL
        || entry == path
        || entry
            .strip_suffix('*')
            .is_some_and(|prefix| path.starts_with(prefix))
}

/// Whether a request with `verb` on `subresource` (empty for none) can name
/// an object, and so be granted by a rule with `resourceNames`. The API
/// server gives no name to `create` on a resource (the object does not
/// exist yet) nor to `deletecollection`; `create` on a subresource
/// (`pods/exec`) names its parent object, and `list` and `watch` name one
/// through a `metadata.name` field selector.
#[must_use]
pub fn request_can_name_object(verb: &str, subresource: &str) -> bool {
    !(verb == "deletecollection" || (verb == "create" && subresource.is_empty()))
}

/// The user a request is made as: a name and groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The user name (`jane`, `system:serviceaccount:ns:sa`, `system:anonymous`).
    pub name: String,
    /// Every group, implicit ones included.
    pub groups: Vec<String>,
}

impl UserInfo {
    /// The user as the API server sees an impersonated `name` with extra
    /// `groups` (`kubectl --as NAME --as-group G`): a service account
    /// (`system:serviceaccount:NS:NAME`) is in `system:serviceaccounts` and
    /// `system:serviceaccounts:NS`; everyone but `system:anonymous` is in
    /// `system:authenticated`, and `system:anonymous` is in
    /// `system:unauthenticated`.
    #[must_use]
    pub fn new(name: &str, groups: &[String]) -> Self {
        let mut all: Vec<String> = groups.to_vec();
        let mut add = |g: String| {
            if !all.contains(&g) {
                all.push(g);
            }
        };
        if let Some((ns, _)) = service_account_of(name) {
            add(SERVICE_ACCOUNTS.to_owned());
            add(format!("{SERVICE_ACCOUNTS}:{ns}"));
        }
        if name == ANONYMOUS {
            add(UNAUTHENTICATED.to_owned());
        } else {
            add(AUTHENTICATED.to_owned());
        }
        UserInfo {
            name: name.to_owned(),
            groups: all,
        }
    }

    /// The user a binding subject stands for, with only its implicit groups.
    #[must_use]
    pub fn of_subject(subject: &Subject) -> Self {
        match subject.kind {
            SubjectKind::Group => UserInfo {
                name: String::new(),
                groups: vec![subject.name.clone()],
            },
            _ => UserInfo::new(&subject.user_name(), &[]),
        }
    }

    /// Whether the user is in `system:masters` and so bypasses RBAC.
    #[must_use]
    pub fn is_master(&self) -> bool {
        self.groups.iter().any(|g| g == MASTERS)
    }
}

/// `(namespace, name)` of a service account user name.
#[must_use]
pub fn service_account_of(user: &str) -> Option<(&str, &str)> {
    let rest = user.strip_prefix(SA_PREFIX)?;
    let (ns, name) = rest.split_once(':')?;
    (!ns.is_empty() && !name.is_empty() && !name.contains(':')).then_some((ns, name))
}

/// Whether `subject` of a binding in `binding_namespace` is `user` (the
/// authorizer's `appliesToUser`).
#[must_use]
pub fn applies_to(subject: &Subject, user: &UserInfo) -> bool {
    match subject.kind {
        SubjectKind::User => !subject.name.is_empty() && user.name == subject.name,
        SubjectKind::Group => user.groups.contains(&subject.name),
        SubjectKind::ServiceAccount => match (&subject.namespace, service_account_of(&user.name)) {
            (Some(ns), Some((uns, uname))) => ns == uns && subject.name == uname,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(verb: &str, group: &str, resource: &str, name: &str) -> Request {
        let (r, s) = resource.split_once('/').unwrap_or((resource, ""));
        Request::resource(verb, group, r, s, name, Some("ns"))
    }

    fn url(verb: &str, path: &str) -> Request {
        Request::NonResource {
            verb: verb.into(),
            path: path.into(),
        }
    }

    #[test]
    fn resource_rules_table() {
        let rule = PolicyRule::resource;
        // (rule, request, allowed)
        let cases: Vec<(PolicyRule, Request, bool)> = vec![
            (
                rule(&["get"], &[""], &["pods"]),
                res("get", "", "pods", ""),
                true,
            ),
            (
                rule(&["get"], &[""], &["pods"]),
                res("list", "", "pods", ""),
                false,
            ),
            (
                rule(&["*"], &[""], &["pods"]),
                res("delete", "", "pods", "x"),
                true,
            ),
            (
                rule(&["get"], &[""], &["pods"]),
                res("get", "apps", "pods", ""),
                false,
            ),
            (
                rule(&["get"], &["*"], &["pods"]),
                res("get", "metrics.k8s.io", "pods", ""),
                true,
            ),
            (
                rule(&["get"], &["apps"], &["deployments"]),
                res("get", "apps", "deployments", ""),
                true,
            ),
            (
                rule(&["get"], &[""], &["Pods"]),
                res("get", "", "pods", ""),
                false,
            ),
            // Subresources.
            (
                rule(&["create"], &[""], &["pods"]),
                res("create", "", "pods/exec", ""),
                false,
            ),
            (
                rule(&["create"], &[""], &["pods/exec"]),
                res("create", "", "pods/exec", ""),
                true,
            ),
            (
                rule(&["create"], &[""], &["pods/exec"]),
                res("create", "", "pods", ""),
                false,
            ),
            (
                rule(&["create"], &[""], &["pods/exec"]),
                res("create", "", "pods/attach", ""),
                false,
            ),
            (
                rule(&["create"], &[""], &["*"]),
                res("create", "", "pods/exec", ""),
                true,
            ),
            (
                rule(&["update"], &["apps"], &["*/scale"]),
                res("update", "apps", "deployments/scale", ""),
                true,
            ),
            (
                rule(&["update"], &["apps"], &["*/scale"]),
                res("update", "apps", "deployments", ""),
                false,
            ),
            (
                rule(&["update"], &["apps"], &["*/scale"]),
                res("update", "apps", "deployments/status", ""),
                false,
            ),
            (
                rule(&["update"], &["apps"], &["*/scale"]),
                res("update", "apps", "deployments/xscale", ""),
                false,
            ),
            // `pods/*` is literal, not a wildcard.
            (
                rule(&["create"], &[""], &["pods/*"]),
                res("create", "", "pods/exec", ""),
                false,
            ),
            (
                rule(&["create"], &[""], &["pods/*"]),
                res("create", "", "pods/*", ""),
                true,
            ),
            (
                rule(&["get"], &[""], &["*/*"]),
                res("get", "", "pods/log", ""),
                false,
            ),
            // resourceNames.
            (
                rule(&["get"], &[""], &["secrets"]).names(&["a"]),
                res("get", "", "secrets", "a"),
                true,
            ),
            (
                rule(&["get"], &[""], &["secrets"]).names(&["a"]),
                res("get", "", "secrets", "b"),
                false,
            ),
            (
                rule(&["list"], &[""], &["secrets"]).names(&["a"]),
                res("list", "", "secrets", ""),
                false,
            ),
            (
                rule(&["create"], &[""], &["secrets"]).names(&["a"]),
                res("create", "", "secrets", ""),
                false,
            ),
            (
                rule(&["get"], &[""], &["pods/log"]).names(&["p"]),
                res("get", "", "pods/log", "p"),
                true,
            ),
            // A resource rule never matches a non-resource request.
            (rule(&["*"], &["*"], &["*"]), url("get", "/healthz"), false),
        ];
        for (i, (rule, req, want)) in cases.iter().enumerate() {
            assert_eq!(rule_allows(rule, req), *want, "case {i}: {rule} vs {req:?}");
        }
    }

    #[test]
    fn non_resource_rules_table() {
        let rule = PolicyRule::non_resource;
        let cases: Vec<(PolicyRule, Request, bool)> = vec![
            (rule(&["get"], &["/healthz"]), url("get", "/healthz"), true),
            (
                rule(&["get"], &["/healthz"]),
                url("post", "/healthz"),
                false,
            ),
            (
                rule(&["get"], &["/healthz"]),
                url("get", "/healthz/ready"),
                false,
            ),
            (
                rule(&["get"], &["/healthz*"]),
                url("get", "/healthz/ready"),
                true,
            ),
            (
                rule(&["get"], &["/healthz/*"]),
                url("get", "/healthz"),
                false,
            ),
            (rule(&["get"], &["/api/*"]), url("get", "/api/v1"), true),
            (rule(&["get"], &["*"]), url("get", "/anything"), true),
            (rule(&["*"], &["/metrics"]), url("put", "/metrics"), true),
            (
                rule(&["get"], &["/metrics"]),
                res("get", "", "metrics", ""),
                false,
            ),
        ];
        for (i, (rule, req, want)) in cases.iter().enumerate() {
            assert_eq!(rule_allows(rule, req), *want, "case {i}: {rule} vs {req:?}");
        }
    }

    #[test]
    fn everything() {
        let all = || ["*"];
        assert!(grants_everything(all(), all(), all(), true));
        assert!(!grants_everything(all(), all(), all(), false));
        assert!(grants_everything(["get", "*"], ["", "*"], ["*"], true));
        assert!(!grants_everything(all(), all(), ["pods", "*/*"], true));
    }

    #[test]
    fn entry_matchers() {
        assert!(resource_entry_matches_any_subresource("*", "userextras"));
        assert!(resource_entry_matches_any_subresource(
            "userextras/scopes",
            "userextras"
        ));
        assert!(resource_entry_matches_any_subresource(
            "*/scopes",
            "userextras"
        ));
        assert!(resource_entry_matches_any_subresource(
            "userextras/*",
            "userextras"
        ));
        assert!(!resource_entry_matches_any_subresource(
            "userextras",
            "userextras"
        ));
        assert!(!resource_entry_matches_any_subresource(
            "userextras/",
            "userextras"
        ));
        assert!(!resource_entry_matches_any_subresource(
            "users/x",
            "userextras"
        ));
        assert!(request_can_name_object("create", "exec"));
        assert!(request_can_name_object("list", ""));
        assert!(!request_can_name_object("create", ""));
        assert!(!request_can_name_object("deletecollection", ""));
        assert!(verb_entry_matches("*", "get") && !verb_entry_matches("Get", "get"));
        assert!(group_entry_matches("", "") && !group_entry_matches("", "apps"));
    }

    #[test]
    fn implicit_groups() {
        let sa = UserInfo::new("system:serviceaccount:web:api", &[]);
        assert_eq!(
            sa.groups,
            [
                "system:serviceaccounts",
                "system:serviceaccounts:web",
                "system:authenticated"
            ]
        );
        let anon = UserInfo::new("system:anonymous", &[]);
        assert_eq!(anon.groups, ["system:unauthenticated"]);
        let jane = UserInfo::new("jane", &["dev".into(), "system:masters".into()]);
        assert_eq!(
            jane.groups,
            ["dev", "system:masters", "system:authenticated"]
        );
        assert!(jane.is_master());
        assert!(!sa.is_master());
        // Not a service account: wrong shape.
        assert_eq!(service_account_of("system:serviceaccount:onlyns"), None);
        assert_eq!(service_account_of("system:serviceaccount:a:b:c"), None);
    }

    #[test]
    fn subjects_table() {
        let subj = |kind, name: &str, ns: Option<&str>| Subject {
            kind,
            name: name.into(),
            namespace: ns.map(Into::into),
        };
        let sa = UserInfo::new("system:serviceaccount:web:api", &[]);
        let jane = UserInfo::new("jane", &["dev".into()]);
        let cases = [
            (subj(SubjectKind::User, "jane", None), &jane, true),
            (subj(SubjectKind::User, "Jane", None), &jane, false),
            (subj(SubjectKind::Group, "dev", None), &jane, true),
            (
                subj(SubjectKind::Group, "system:authenticated", None),
                &jane,
                true,
            ),
            (
                subj(SubjectKind::Group, "system:authenticated", None),
                &sa,
                true,
            ),
            (
                subj(SubjectKind::Group, "system:serviceaccounts", None),
                &sa,
                true,
            ),
            (
                subj(SubjectKind::Group, "system:serviceaccounts:web", None),
                &sa,
                true,
            ),
            (
                subj(SubjectKind::Group, "system:serviceaccounts:db", None),
                &sa,
                false,
            ),
            (
                subj(SubjectKind::ServiceAccount, "api", Some("web")),
                &sa,
                true,
            ),
            (
                subj(SubjectKind::ServiceAccount, "api", Some("db")),
                &sa,
                false,
            ),
            (subj(SubjectKind::ServiceAccount, "api", None), &sa, false),
            // A User subject named like the service account is that account.
            (
                subj(SubjectKind::User, "system:serviceaccount:web:api", None),
                &sa,
                true,
            ),
        ];
        for (i, (s, u, want)) in cases.iter().enumerate() {
            assert_eq!(applies_to(s, u), *want, "case {i}: {s}");
        }
    }
}
