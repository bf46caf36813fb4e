//! Properties of the authorizer: `who-can` and `can-i` always agree, and
//! adding a rule never takes a grant away.

use kubeguard_rbac::matcher::applies_to;
use kubeguard_rbac::model::{
    Binding, BindingKind, LabelSelector, Model, Origin, PolicyRule, Role, RoleKind, RoleRef,
    Subject, SubjectKind,
};
use kubeguard_rbac::{Authorizer, Request, UserInfo};
use proptest::prelude::*;

const VERBS: &[&str] = &["get", "list", "create", "*"];
const GROUPS: &[&str] = &["", "apps", "*"];
const RESOURCES: &[&str] = &[
    "pods",
    "pods/exec",
    "deployments",
    "deployments/scale",
    "*/scale",
    "pods/*",
    "*",
];
const NAMES: &[&str] = &["a", "b"];
const NAMESPACES: &[&str] = &["x", "y"];
const URLS: &[&str] = &["/healthz", "/api/*", "*"];
const USERS: &[&str] = &[
    "alice",
    "bob",
    "system:serviceaccount:x:sa",
    "system:serviceaccount:y:sa",
    "system:anonymous",
];
const GROUP_NAMES: &[&str] = &[
    "dev",
    "system:authenticated",
    "system:serviceaccounts:x",
    "system:unauthenticated",
];

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(list).prop_map(str::to_owned)
}

fn rule() -> impl Strategy<Value = PolicyRule> {
    prop_oneof![
        4 => (
            prop::collection::vec(pick(VERBS), 1..3),
            prop::collection::vec(pick(GROUPS), 1..3),
            prop::collection::vec(pick(RESOURCES), 1..3),
            prop::collection::vec(pick(NAMES), 0..2),
        )
            .prop_map(|(verbs, api_groups, resources, resource_names)| PolicyRule {
                verbs,
                api_groups,
                resources,
                resource_names,
                ..PolicyRule::default()
            }),
        1 => (prop::collection::vec(pick(VERBS), 1..3), prop::collection::vec(pick(URLS), 1..3))
            .prop_map(|(verbs, non_resource_urls)| PolicyRule {
                verbs,
                non_resource_urls,
                ..PolicyRule::default()
            }),
    ]
}

fn subject() -> impl Strategy<Value = Subject> {
    prop_oneof![
        pick(USERS).prop_map(|name| Subject {
            kind: SubjectKind::User,
            name,
            namespace: None
        }),
        pick(GROUP_NAMES).prop_map(|name| Subject {
            kind: SubjectKind::Group,
            name,
            namespace: None
        }),
        pick(NAMESPACES).prop_map(|ns| Subject {
            kind: SubjectKind::ServiceAccount,
            name: "sa".into(),
            namespace: Some(ns)
        }),
    ]
}

/// Roles r0..r3 in each namespace and as ClusterRoles; `agg` aggregates
/// the ClusterRoles labelled `agg=yes`.
fn model() -> impl Strategy<Value = Model> {
    let role = (prop::collection::vec(rule(), 0..3), any::<bool>());
    let binding = (
        any::<bool>(),
        pick(NAMESPACES),
        any::<bool>(),
        0..5usize,
        prop::collection::vec(subject(), 1..3),
    );
    (
        prop::collection::vec(role, 12),
        prop::collection::vec(binding, 0..8),
    )
        .prop_map(|(roles, bindings)| {
            let mut out = Model::default();
            for (i, (rules, label)) in roles.into_iter().enumerate() {
                let (kind, namespace) = match i % 3 {
                    0 => (RoleKind::ClusterRole, None),
                    1 => (RoleKind::Role, Some("x".to_owned())),
                    _ => (RoleKind::Role, Some("y".to_owned())),
                };
                out.roles.push(Role {
                    kind,
                    name: format!("r{}", i / 3),
                    namespace,
                    labels: if label {
                        [("agg".to_owned(), "yes".to_owned())].into()
                    } else {
                        Default::default()
                    },
                    rules,
                    aggregation: None,
                    origin: Origin::builtin(),
                });
            }
            out.roles.push(Role {
                kind: RoleKind::ClusterRole,
                name: "r4".into(),
                namespace: None,
                labels: Default::default(),
                rules: Vec::new(),
                aggregation: Some(vec![LabelSelector {
                    match_labels: vec![("agg".into(), "yes".into())],
                    match_expressions: vec![],
                }]),
                origin: Origin::builtin(),
            });
            for (i, (cluster, ns, to_cluster_role, role, subjects)) in
                bindings.into_iter().enumerate()
            {
                out.bindings.push(Binding {
                    kind: if cluster {
                        BindingKind::ClusterRoleBinding
                    } else {
                        BindingKind::RoleBinding
                    },
                    name: format!("b{i}"),
                    namespace: (!cluster).then_some(ns),
                    role_ref: RoleRef {
                        kind: if cluster || to_cluster_role {
                            RoleKind::ClusterRole
                        } else {
                            RoleKind::Role
                        },
                        name: format!("r{role}"),
                    },
                    subjects,
                    origin: Origin::builtin(),
                });
            }
            out
        })
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        4 => (pick(VERBS), pick(GROUPS), pick(&["pods", "deployments", "nodes"]), pick(&["", "exec", "scale", "*"]), pick(&["", "a", "b"]), prop::option::of(pick(NAMESPACES)))
            .prop_map(|(verb, group, resource, subresource, name, namespace)| Request::Resource { verb, group, resource, subresource, name, namespace }),
        1 => (pick(&["get", "post"]), pick(&["/healthz", "/api/v1", "/apis"])).prop_map(|(verb, path)| Request::NonResource { verb, path }),
    ]
}

fn user() -> impl Strategy<Value = UserInfo> {
    (
        pick(USERS),
        prop::collection::vec(pick(&["dev", "system:masters", "ops"]), 0..2),
    )
        .prop_map(|(name, groups)| UserInfo::new(&name, &groups))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn who_can_agrees_with_can_i(m in model(), req in request(), users in prop::collection::vec(user(), 1..6)) {
        let auth = Authorizer::new(m);
        let who = auth.who_can(&req);
        for u in &users {
            let allowed = auth.allowed(u, &req);
            let listed = who.iter().any(|s| applies_to(&s.subject, u));
            prop_assert_eq!(allowed, listed, "user {:?}", u);
        }
        // Every subject listed is allowed when acting as itself.
        for s in &who {
            prop_assert!(auth.allowed(&UserInfo::of_subject(&s.subject), &req), "{}", s.subject);
        }
    }

    #[test]
    fn adding_a_rule_never_removes_a_grant(m in model(), extra in rule(), target in 0..13usize, req in request(), users in prop::collection::vec(user(), 1..6)) {
        let before = Authorizer::new(m.clone());
        let mut grown = m;
        let target = target % grown.roles.len();
        grown.roles[target].rules.push(extra);
        let after = Authorizer::new(grown);
        for u in &users {
            if before.allowed(u, &req) {
                prop_assert!(after.allowed(u, &req), "user {:?} lost {:?}", u, req);
            }
        }
    }
}
