//! Subjects with dangerous effective permissions, each with the grant
//! chain that gives them, and privilege-escalation paths through service
//! accounts: a subject that can create pods or workloads in a namespace,
//! create tokens for a service account, or impersonate it, can act as that
//! service account and so inherits its risks.
//!
//! A probe asks for a permission without an object name, so rules
//! restricted by `resourceNames` do not count as granting it (they grant
//! it only for the named objects).

use crate::matcher::{self, Request};
use crate::model::{BindingKind, PolicyRule, Subject, SubjectKind};
use crate::query::Authorizer;
use kubeguard_core::{RuleMeta, Severity};
use rayon::prelude::*;
use std::collections::{HashMap, VecDeque};

/// One permission a risk looks for: `verb` on `resource` (`pods/exec`) in
/// `group`. A resource `RES/*` stands for every subresource of `RES`
/// (`userextras/*`: every user extra).
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// The verb.
    pub verb: &'static str,
    /// The API group.
    pub group: &'static str,
    /// The resource, with a subresource as `pods/exec`.
    pub resource: &'static str,
}

const fn p(verb: &'static str, group: &'static str, resource: &'static str) -> Probe {
    Probe {
        verb,
        group,
        resource,
    }
}

/// How a risk is recognised in a rule.
#[derive(Debug, Clone, Copy)]
pub enum Test {
    /// `*` verbs on `*` resources in `*` groups.
    FullWildcard,
    /// A `*` in verbs, apiGroups or resources, without being a full wildcard.
    SomeWildcard,
    /// Any permission of these lists.
    Any(&'static [&'static [Probe]]),
}

/// What a subject can become through a risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Become {
    /// Nothing.
    No,
    /// Every service account of the namespace (by running a pod as it).
    AnyServiceAccount,
}

/// A dangerous permission.
#[derive(Debug)]
pub struct Risk {
    /// Code, name, docs and remediation (used in SARIF and JUnit).
    pub meta: RuleMeta,
    /// How the risk is recognised.
    pub test: Test,
    /// Severity when granted cluster-wide (ClusterRoleBinding).
    pub cluster: Severity,
    /// Severity when granted in one namespace (RoleBinding); `None` when
    /// the permission is on cluster-scoped resources, which a RoleBinding
    /// can never grant.
    pub namespaced: Option<Severity>,
    /// What the holder can become.
    pub becomes: Become,
}

// Every field is part of the table row; a builder would only hide that.
#[allow(clippy::too_many_arguments)]
const fn risk(
    code: &'static str,
    name: &'static str,
    summary: &'static str,
    remediation: &'static str,
    test: Test,
    cluster: Severity,
    namespaced: Option<Severity>,
    becomes: Become,
) -> Risk {
    Risk {
        meta: RuleMeta {
            code,
            name,
            group: "rbac-analysis",
            severity: cluster,
            summary,
            docs: summary,
            remediation,
            kinds: &["RoleBinding", "ClusterRoleBinding"],
            references: &[],
        },
        test,
        cluster,
        namespaced,
        becomes,
    }
}

/// `get`, `list` or `watch` on Secrets: reading credentials.
pub const READ_SECRETS: &[Probe] = &[
    p("get", "", "secrets"),
    p("list", "", "secrets"),
    p("watch", "", "secrets"),
];

/// `create` or `get` on `pods/exec` or `pods/attach`: running commands in
/// pods (`get` is enough over WebSocket unless the API server runs 1.35+
/// with `AuthorizePodWebsocketUpgradeCreatePermission`).
pub const POD_EXEC: &[Probe] = &[
    p("create", "", "pods/exec"),
    p("create", "", "pods/attach"),
    p("get", "", "pods/exec"),
    p("get", "", "pods/attach"),
];

/// `create` on pods or on the workload controllers that create them: running
/// a pod as any service account of the namespace.
pub const CREATE_WORKLOADS: &[Probe] = &[
    p("create", "", "pods"),
    p("create", "", "replicationcontrollers"),
    p("create", "apps", "deployments"),
    p("create", "apps", "daemonsets"),
    p("create", "apps", "statefulsets"),
    p("create", "apps", "replicasets"),
    p("create", "batch", "jobs"),
    p("create", "batch", "cronjobs"),
];

/// `bind` on roles: binding roles with permissions the subject lacks.
pub const BIND_ROLES: &[Probe] = &[
    p("bind", "rbac.authorization.k8s.io", "roles"),
    p("bind", "rbac.authorization.k8s.io", "clusterroles"),
];

/// `escalate` on roles: writing permissions the subject lacks into roles.
pub const ESCALATE_ROLES: &[Probe] = &[
    p("escalate", "rbac.authorization.k8s.io", "roles"),
    p("escalate", "rbac.authorization.k8s.io", "clusterroles"),
];

/// `impersonate` on any kind of identity: users, groups, service
/// accounts, uids and any user extra.
pub const IMPERSONATE: &[Probe] = &[
    p("impersonate", "", "users"),
    p("impersonate", "", "groups"),
    p("impersonate", "", "serviceaccounts"),
    p("impersonate", "authentication.k8s.io", "uids"),
    p("impersonate", "authentication.k8s.io", "userextras/*"),
];

/// `get` or `create` on `nodes/proxy`: the kubelet API of the nodes.
pub const NODES_PROXY: &[Probe] = &[p("get", "", "nodes/proxy"), p("create", "", "nodes/proxy")];

/// `update` or `patch` on `certificatesigningrequests/approval`: half of
/// approving a certificate request (with [`APPROVE_SIGNERS`]).
pub const CSR_APPROVAL: &[Probe] = &[
    p(
        "update",
        "certificates.k8s.io",
        "certificatesigningrequests/approval",
    ),
    p(
        "patch",
        "certificates.k8s.io",
        "certificatesigningrequests/approval",
    ),
];

/// `approve` on signers: the other half of approving a certificate request.
pub const APPROVE_SIGNERS: &[Probe] = &[p("approve", "certificates.k8s.io", "signers")];

/// Writes to the objects that configure admission: webhook configurations
/// and admission policies with their bindings, which switch admission
/// checks off or intercept every object sent to the API server.
pub const ADMISSION_CONTROL: &[Probe] = &admission_control();

/// The resources of [`ADMISSION_CONTROL`].
const ADMISSION_RESOURCES: [&str; 6] = [
    "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
    "mutatingadmissionpolicies",
    "mutatingadmissionpolicybindings",
];

/// The verbs of [`ADMISSION_CONTROL`].
const WRITE_VERBS: [&str; 5] = ["create", "update", "patch", "delete", "deletecollection"];

/// Every write verb on every admission resource, verb by verb.
const fn admission_control() -> [Probe; 30] {
    let mut out = [p("", "", ""); 30];
    let mut v = 0;
    while v < WRITE_VERBS.len() {
        let mut r = 0;
        while r < ADMISSION_RESOURCES.len() {
            out[v * ADMISSION_RESOURCES.len() + r] = p(
                WRITE_VERBS[v],
                "admissionregistration.k8s.io",
                ADMISSION_RESOURCES[r],
            );
            r += 1;
        }
        v += 1;
    }
    out
}

/// `update` or `patch` on `services/status`: setting load-balancer IPs
/// (CVE-2020-8554).
pub const SERVICE_STATUS: &[Probe] = &[
    p("update", "", "services/status"),
    p("patch", "", "services/status"),
];

/// `patch` or `update` on namespaces: changing their Pod Security labels.
pub const PATCH_NAMESPACES: &[Probe] =
    &[p("patch", "", "namespaces"), p("update", "", "namespaces")];

/// `create` on `serviceaccounts/token`: tokens for any service account.
pub const CREATE_TOKENS: &[Probe] = &[p("create", "", "serviceaccounts/token")];

use Severity::{Critical, High, Low, Medium};

/// Every risk, most severe first.
pub static RISKS: &[Risk] = &[
    risk(
        "KG701",
        "subject-cluster-admin-equivalent",
        "Can do anything to every resource (`*` verbs on `*` resources in `*` API groups)",
        "Bind a role that lists the verbs and resources the subject needs instead of `*`.",
        Test::FullWildcard,
        Critical,
        Some(High),
        Become::AnyServiceAccount,
    ),
    risk(
        "KG702",
        "subject-impersonate",
        "Can impersonate users, groups or service accounts (and so act as system:masters)",
        "Remove the impersonate verb, or restrict it with resourceNames to the identities needed.",
        Test::Any(&[IMPERSONATE]),
        Critical,
        Some(High),
        Become::AnyServiceAccount,
    ),
    risk(
        "KG703",
        "subject-bind",
        "Can bind any role, including ones with permissions it does not have",
        "Remove the bind verb on roles and clusterroles, or restrict it with resourceNames.",
        Test::Any(&[BIND_ROLES]),
        Critical,
        Some(High),
        Become::No,
    ),
    risk(
        "KG704",
        "subject-escalate",
        "Can edit roles to grant permissions it does not have",
        "Remove the escalate verb on roles and clusterroles.",
        Test::Any(&[ESCALATE_ROLES]),
        Critical,
        Some(High),
        Become::No,
    ),
    risk(
        "KG705",
        "subject-nodes-proxy",
        "Can reach the kubelet API of every node through nodes/proxy (runs commands in any pod)",
        "Remove nodes/proxy; grant only the monitoring endpoints needed as nonResourceURLs or via the metrics API.",
        Test::Any(&[NODES_PROXY]),
        Critical,
        None,
        Become::No,
    ),
    risk(
        "KG706",
        "subject-approve-csr",
        "Can approve certificate signing requests (issue client certificates, e.g. for system:masters)",
        "Remove update and patch on certificatesigningrequests/approval and approve on signers.",
        Test::Any(&[CSR_APPROVAL, APPROVE_SIGNERS]),
        Critical,
        None,
        Become::No,
    ),
    risk(
        "KG707",
        "subject-webhook-control",
        "Can create, change or delete admission webhooks or admission policies (intercept or disable admission of every object)",
        "Grant write access to webhook configurations and admission policies only to the component that manages them.",
        Test::Any(&[ADMISSION_CONTROL]),
        Critical,
        None,
        Become::No,
    ),
    risk(
        "KG708",
        "subject-read-secrets",
        "Can read Secrets (service account tokens and credentials)",
        "Grant get/list/watch on secrets only in the namespaces needed, restricted with resourceNames.",
        Test::Any(&[READ_SECRETS]),
        Critical,
        Some(Medium),
        Become::No,
    ),
    risk(
        "KG709",
        "subject-create-workloads",
        "Can create pods or workloads, and so run a pod as any service account of the namespace",
        "Let a CI service account create workloads only in namespaces whose service accounts hold no more rights.",
        Test::Any(&[CREATE_WORKLOADS]),
        High,
        Some(Medium),
        Become::AnyServiceAccount,
    ),
    risk(
        "KG710",
        "subject-create-token",
        "Can create tokens for service accounts (serviceaccounts/token) and so act as them",
        "Remove create on serviceaccounts/token or restrict it with resourceNames.",
        Test::Any(&[CREATE_TOKENS]),
        High,
        Some(Medium),
        Become::AnyServiceAccount,
    ),
    risk(
        "KG711",
        "subject-pod-exec",
        "Can exec into or attach to running pods (pods/exec, pods/attach)",
        "Remove create on pods/exec and pods/attach outside break-glass roles.",
        Test::Any(&[POD_EXEC]),
        High,
        Some(Medium),
        Become::No,
    ),
    risk(
        "KG712",
        "subject-patch-namespaces",
        "Can change namespaces, and so lift their Pod Security Standards labels",
        "Remove update and patch on namespaces.",
        Test::Any(&[PATCH_NAMESPACES]),
        Medium,
        None,
        Become::No,
    ),
    risk(
        "KG713",
        "subject-service-status",
        "Can write services/status and so set load balancer IPs to intercept traffic (CVE-2020-8554)",
        "Remove update and patch on services/status.",
        Test::Any(&[SERVICE_STATUS]),
        Medium,
        Some(Low),
        Become::No,
    ),
    risk(
        "KG714",
        "subject-wildcard",
        "Uses `*` in verbs, apiGroups or resources, which also grants what is added later",
        "List the verbs, API groups and resources explicitly.",
        Test::SomeWildcard,
        Medium,
        Some(Low),
        Become::No,
    ),
];

/// The risk named `name` (`rbac-bind`) or with code `code`.
#[must_use]
pub fn find_risk(name: &str) -> Option<&'static Risk> {
    RISKS
        .iter()
        .find(|r| r.meta.name == name || r.meta.code == name)
}

fn test_rule(test: Test, rule: &PolicyRule, probe_ns: Option<&str>) -> bool {
    let star = |v: &[String]| v.iter().any(|s| s == matcher::ALL);
    let full = matcher::grants_everything(
        rule.verbs.iter().map(String::as_str),
        rule.api_groups.iter().map(String::as_str),
        rule.resources.iter().map(String::as_str),
        rule.resource_names.is_empty(),
    );
    match test {
        Test::FullWildcard => full,
        Test::SomeWildcard => {
            !full
                && rule.non_resource_urls.is_empty()
                && (star(&rule.verbs) || star(&rule.api_groups) || star(&rule.resources))
        }
        Test::Any(lists) => lists
            .iter()
            .flat_map(|l| l.iter())
            .any(|pr| probe_allowed(rule, pr, probe_ns)),
    }
}

/// Whether `rule` allows `probe` for a request that names no object; a
/// `RES/*` probe asks for any subresource of `RES`.
fn probe_allowed(rule: &PolicyRule, probe: &Probe, namespace: Option<&str>) -> bool {
    let (res, sub) = probe
        .resource
        .split_once('/')
        .unwrap_or((probe.resource, ""));
    if sub == matcher::ALL {
        return matcher::verb_matches(rule, probe.verb)
            && matcher::group_matches(rule, probe.group)
            && rule
                .resources
                .iter()
                .any(|r| matcher::resource_entry_matches_any_subresource(r, res))
            && matcher::resource_name_matches(rule, "");
    }
    matcher::rule_allows(
        rule,
        &Request::resource(probe.verb, probe.group, res, sub, "", namespace),
    )
}

/// One step of a grant chain: a subject, the binding, role and rule that
/// grant it a risk, and for an escalation the service account the grant
/// lets it act as. Steps borrow from the [`Authorizer`]'s model, so a
/// chain costs a few words a step however long the names.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// Who acts.
    pub subject: &'a Subject,
    /// The binding that grants it (index in the model).
    pub binding: usize,
    /// The role (index in the model).
    pub role: usize,
    /// The rule of the role.
    pub rule: usize,
    /// The risk the rule grants (`subject-create-workloads`).
    pub risk: &'static Risk,
    /// The namespace the grant is limited to (a RoleBinding's); `None`
    /// for cluster-wide.
    pub namespace: Option<&'a str>,
    /// The service account the grant lets the subject act as, on the way
    /// to the next step of an escalation.
    pub acts_as: Option<&'a Subject>,
}

/// A dangerous permission held by a subject.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    /// The risk.
    pub risk: &'static Risk,
    /// Its severity here (cluster-wide or namespaced).
    pub severity: Severity,
    /// The subject that holds it.
    pub subject: &'a Subject,
    /// The namespace it is limited to; `None` for cluster-wide.
    pub namespace: Option<&'a str>,
    /// The chain of grants: one step for a direct grant; for an escalation,
    /// the steps through which the subject becomes a service account, then
    /// that account's grant.
    pub chain: Vec<Step<'a>>,
}

impl Hit<'_> {
    /// Whether the subject reaches the risk through a service account.
    #[must_use]
    pub fn is_escalation(&self) -> bool {
        self.chain.len() > 1
    }
}

/// Every risk of every subject: direct grants first, then escalation paths.
#[must_use]
pub fn analyze(auth: &Authorizer) -> Vec<Hit<'_>> {
    let model = &auth.model;
    // Which rule of each role triggers each risk, computed once per role.
    let per_role: Vec<Vec<(usize, usize)>> = model
        .roles
        .par_iter()
        .map(|role| {
            let mut found: Vec<(usize, usize)> = RISKS
                .iter()
                .enumerate()
                .filter_map(|(ri, r)| {
                    role.rules
                        .iter()
                        .position(|rule| test_rule(r.test, rule, Some("probe")))
                        .map(|rule| (ri, rule))
                })
                .collect();
            // A full wildcard implies every other risk; report it alone.
            if found
                .iter()
                .any(|(ri, _)| matches!(RISKS[*ri].test, Test::FullWildcard))
            {
                found.retain(|(ri, _)| matches!(RISKS[*ri].test, Test::FullWildcard));
            }
            found
        })
        .collect();
    let mut direct: Vec<Hit<'_>> = model
        .bindings
        .par_iter()
        .enumerate()
        .flat_map_iter(|(b, binding)| {
            let mut hits = Vec::new();
            let Some(role) = auth.role_index(b) else {
                return hits;
            };
            for &(ri, rule) in &per_role[role] {
                let risk = &RISKS[ri];
                let (severity, namespace) = match binding.kind {
                    BindingKind::ClusterRoleBinding => (risk.cluster, None),
                    BindingKind::RoleBinding => match risk.namespaced {
                        Some(s) => (s, binding.namespace.as_deref()),
                        None => continue,
                    },
                };
                for subject in &binding.subjects {
                    hits.push(Hit {
                        risk,
                        severity,
                        subject,
                        namespace,
                        chain: vec![Step {
                            subject,
                            binding: b,
                            role,
                            rule,
                            risk,
                            namespace,
                            acts_as: None,
                        }],
                    });
                }
            }
            hits
        })
        .collect();
    // By subject, in binding order for each (the sort is stable).
    direct.par_sort_by(|a, b| a.subject.cmp(b.subject));
    let escalated = escalations(&direct);
    direct.extend(escalated);
    direct
}

/// The best escalation target for one risk from one namespace.
#[derive(Clone, Copy)]
struct Best<'h, 'a> {
    /// The target's hit.
    hit: &'h Hit<'a>,
    /// Index of the namespace the target is in.
    ns: usize,
    /// Namespaces crossed to reach it.
    depth: usize,
}

impl Best<'_, '_> {
    /// Higher severity first, then cluster-wide, then shorter.
    fn better_than(&self, other: &Best<'_, '_>) -> bool {
        (
            self.hit.severity,
            self.hit.namespace.is_none(),
            std::cmp::Reverse(self.depth),
        ) > (
            other.hit.severity,
            other.hit.namespace.is_none(),
            std::cmp::Reverse(other.depth),
        )
    }
}

/// An edge of the namespace graph: into a namespace through service
/// account `via` (in the previous namespace) and its hit.
type Parent<'h, 'a> = Option<(usize, &'a Subject, &'h Hit<'a>)>;

/// Escalation paths. Acting as a service account is a matter of
/// namespaces (creating pods or tokens there), so reachability is computed
/// once per namespace over a graph of namespaces; each subject then gets,
/// for each risk, the best target it reaches (highest severity, then
/// cluster-wide, then shortest), with the chain of service accounts.
///
/// `direct` holds the direct hits sorted by subject.
fn escalations<'h, 'a>(direct: &'h [Hit<'a>]) -> Vec<Hit<'a>> {
    // The direct hits of each subject, in subject order.
    let subjects: Vec<&'h [Hit<'a>]> = direct.chunk_by(|a, b| a.subject == b.subject).collect();
    // Service accounts with direct risks, by namespace.
    let mut ns_names: Vec<&str> = Vec::new();
    let mut ns_of: HashMap<&str, usize> = HashMap::new();
    let mut targets: Vec<Vec<&'h [Hit<'a>]>> = Vec::new();
    for &hits in &subjects {
        let s = hits[0].subject;
        if let (SubjectKind::ServiceAccount, Some(ns)) = (s.kind, &s.namespace) {
            let i = *ns_of.entry(ns.as_str()).or_insert_with(|| {
                ns_names.push(ns.as_str());
                targets.push(Vec::new());
                ns_names.len() - 1
            });
            targets[i].push(hits);
        }
    }
    let n = ns_names.len();
    let becomes = |hits: &'h [Hit<'a>]| {
        hits.iter()
            .filter(|h| h.risk.becomes == Become::AnyServiceAccount)
    };
    // The best hit per risk among the service accounts of each namespace,
    // and the namespaces each namespace's accounts can act in (`None`: all).
    let mut local: Vec<Vec<Option<&'h Hit<'a>>>> = vec![vec![None; RISKS.len()]; n];
    let mut edges: Vec<Vec<(usize, &'a Subject, &'h Hit<'a>)>> = vec![Vec::new(); n];
    let mut to_all: Vec<Option<(&'a Subject, &'h Hit<'a>)>> = vec![None; n];
    for m in 0..n {
        for &hits in &targets[m] {
            let sa = hits[0].subject;
            for hit in hits {
                let ri = risk_index(hit.risk);
                let cand = Best {
                    hit,
                    ns: m,
                    depth: 0,
                };
                if local[m][ri].is_none_or(|cur| {
                    cand.better_than(&Best {
                        hit: cur,
                        ns: m,
                        depth: 0,
                    })
                }) {
                    local[m][ri] = Some(hit);
                }
            }
            for hit in becomes(hits) {
                match &hit.namespace {
                    None => {
                        if to_all[m].is_none() {
                            to_all[m] = Some((sa, hit));
                        }
                    }
                    Some(ns) => {
                        if let Some(&y) = ns_of.get(ns)
                            && !edges[m].iter().any(|(e, _, _)| *e == y)
                        {
                            edges[m].push((y, sa, hit));
                        }
                    }
                }
            }
        }
    }
    // Breadth-first over namespaces from each namespace.
    let mut parents: Vec<Vec<Parent<'h, 'a>>> = Vec::with_capacity(n);
    let mut best: Vec<Vec<Option<Best<'h, 'a>>>> = Vec::with_capacity(n);
    for root in 0..n {
        let mut parent: Vec<Parent<'h, 'a>> = vec![None; n];
        let mut depth = vec![usize::MAX; n];
        depth[root] = 0;
        let mut all_reached = false;
        let mut queue = VecDeque::from([root]);
        let mut row: Vec<Option<Best<'h, 'a>>> = vec![None; RISKS.len()];
        while let Some(m) = queue.pop_front() {
            for (ri, hit) in local[m].iter().enumerate() {
                if let Some(hit) = hit {
                    let cand = Best {
                        hit,
                        ns: m,
                        depth: depth[m],
                    };
                    if row[ri].is_none_or(|b| cand.better_than(&b)) {
                        row[ri] = Some(cand);
                    }
                }
            }
            let mut visit = |y: usize, via: &'a Subject, hit: &'h Hit<'a>| {
                if depth[y] == usize::MAX {
                    depth[y] = depth[m] + 1;
                    parent[y] = Some((m, via, hit));
                    queue.push_back(y);
                }
            };
            if let (Some((via, hit)), false) = (to_all[m], all_reached) {
                all_reached = true;
                for y in 0..n {
                    visit(y, via, hit);
                }
            }
            for &(y, via, hit) in &edges[m] {
                visit(y, via, hit);
            }
        }
        parents.push(parent);
        best.push(row);
    }
    // Best over every namespace, for subjects that act cluster-wide.
    let mut best_all: Vec<Option<(usize, Best<'h, 'a>)>> = vec![None; RISKS.len()];
    for (root, row) in best.iter().enumerate() {
        for (ri, b) in row.iter().enumerate() {
            if let Some(b) = b
                && best_all[ri].is_none_or(|(_, cur)| b.better_than(&cur))
            {
                best_all[ri] = Some((root, *b));
            }
        }
    }
    // A risk the subject holds directly (or through a full wildcard
    // cluster-wide) makes an escalation to it redundant.
    let covered = |own: &[Hit<'_>], hit: &Hit<'_>| {
        own.iter().any(|d| {
            d.namespace.is_none() && matches!(d.risk.test, Test::FullWildcard)
                || (std::ptr::eq(d.risk, hit.risk)
                    && (d.namespace.is_none() || d.namespace == hit.namespace))
        })
    };
    subjects
        .par_iter()
        .flat_map_iter(|&hits| {
            let start = hits[0].subject;
            let mut out = Vec::new();
            // For each risk: (the start's own hit that opens the path, root namespace, best).
            let mut chosen: Vec<Option<(&Hit<'a>, usize, Best<'h, 'a>)>> = vec![None; RISKS.len()];
            for own in becomes(hits) {
                for ri in 0..RISKS.len() {
                    let cand = match &own.namespace {
                        None => best_all[ri],
                        Some(ns) => ns_of
                            .get(ns)
                            .and_then(|&root| best[root][ri].map(|b| (root, b))),
                    };
                    let Some((root, b)) = cand else { continue };
                    if covered(hits, b.hit) {
                        continue;
                    }
                    if chosen[ri].is_none_or(|(_, _, cur)| b.better_than(&cur)) {
                        chosen[ri] = Some((own, root, b));
                    }
                }
            }
            for (own, root, b) in chosen.into_iter().flatten() {
                // Service accounts crossed, from the root namespace to the target's.
                let mut hops: Vec<(&'a Subject, &Hit<'a>)> = Vec::new();
                let mut at = b.ns;
                while let Some((prev, via, hit)) = parents[root][at] {
                    hops.push((via, hit));
                    at = prev;
                }
                hops.reverse();
                let mut chain = Vec::with_capacity(hops.len() + 1 + b.hit.chain.len());
                let mut actor: (&Subject, &Hit<'a>) = (start, own);
                for &(via, hit) in &hops {
                    if actor.0 != via {
                        chain.push(act_as(actor.1, via));
                    }
                    actor = (via, hit);
                }
                if actor.0 != b.hit.subject {
                    chain.push(act_as(actor.1, b.hit.subject));
                }
                chain.extend_from_slice(&b.hit.chain);
                out.push(Hit {
                    risk: b.hit.risk,
                    severity: b.hit.severity,
                    subject: start,
                    namespace: b.hit.namespace,
                    chain,
                });
            }
            out
        })
        .collect()
}

/// The index of `risk` in [`RISKS`].
fn risk_index(risk: &Risk) -> usize {
    RISKS
        .iter()
        .position(|r| std::ptr::eq(r, risk))
        .unwrap_or(0)
}

/// The step of `hit` that lets its subject act as service account `target`.
fn act_as<'a>(hit: &Hit<'a>, target: &'a Subject) -> Step<'a> {
    Step {
        acts_as: Some(target),
        ..hit.chain[0]
    }
}

/// The rule metadata of every risk (SARIF rule descriptors).
#[must_use]
pub fn metas() -> Vec<&'static RuleMeta> {
    RISKS.iter().map(|r| &r.meta).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::tests::model;

    fn names(hits: &[Hit<'_>], subject: &str) -> Vec<(String, Severity, usize)> {
        let mut v: Vec<_> = hits
            .iter()
            .filter(|h| h.subject.to_string() == subject)
            .map(|h| (h.risk.meta.name.to_owned(), h.severity, h.chain.len()))
            .collect();
        v.sort();
        v
    }

    const YAML: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: god}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-god}
roleRef: {kind: ClusterRole, name: god}
subjects: [{kind: ServiceAccount, name: ops, namespace: infra}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: infra}
rules: [{apiGroups: [apps], resources: [deployments], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci-deploys, namespace: infra}
roleRef: {kind: Role, name: deployer}
subjects: [{kind: User, name: ci-bot}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: secret-names}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [tls]}
- {apiGroups: [""], resources: [nodes/proxy, namespaces], verbs: [get, patch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ns-scoped, namespace: web}
roleRef: {kind: ClusterRole, name: secret-names}
subjects: [{kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cluster-scoped}
roleRef: {kind: ClusterRole, name: secret-names}
subjects: [{kind: User, name: bob}]
"#;

    #[test]
    fn direct_and_escalated_risks() {
        let auth = Authorizer::new(model(YAML));
        let hits = analyze(&auth);
        assert_eq!(
            names(&hits, "ServiceAccount infra/ops"),
            [("subject-cluster-admin-equivalent".into(), Critical, 1)]
        );
        // ci-bot creates deployments in infra, so can run a pod as infra/ops.
        assert_eq!(
            names(&hits, "User ci-bot"),
            [
                ("subject-cluster-admin-equivalent".into(), Critical, 2),
                ("subject-create-workloads".into(), Medium, 1),
            ]
        );
        let esc = hits
            .iter()
            .find(|h| h.subject.name == "ci-bot" && h.is_escalation())
            .expect("escalation");
        // ci-bot's deployments grant lets it act as infra/ops, whose
        // ClusterRoleBinding grants everything.
        let bindings: Vec<String> = esc
            .chain
            .iter()
            .map(|s| auth.model.bindings[s.binding].to_string())
            .collect();
        assert_eq!(
            bindings,
            ["RoleBinding infra/ci-deploys", "ClusterRoleBinding ops-god"]
        );
        let first = &esc.chain[0];
        assert_eq!(first.risk.meta.name, "subject-create-workloads");
        assert_eq!(first.namespace, Some("infra"));
        assert_eq!(
            first.acts_as.map(ToString::to_string).as_deref(),
            Some("ServiceAccount infra/ops")
        );
        assert!(esc.chain[1].acts_as.is_none() && esc.chain[1].namespace.is_none());
        // Cluster-scoped resources through a RoleBinding grant nothing;
        // secrets restricted by resourceNames are not "read secrets".
        assert_eq!(
            names(&hits, "User alice"),
            Vec::<(String, Severity, usize)>::new()
        );
        assert_eq!(
            names(&hits, "User bob"),
            [
                ("subject-nodes-proxy".into(), Critical, 1),
                ("subject-patch-namespaces".into(), Medium, 1)
            ]
        );
    }

    #[test]
    fn shared_permission_lists() {
        let yaml = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: policy-admin}
rules:
- {apiGroups: [admissionregistration.k8s.io], resources: [validatingadmissionpolicybindings], verbs: [delete]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: extras}
rules:
- {apiGroups: [authentication.k8s.io], resources: [userextras/team], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: patch-approval}
rules:
- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [patch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: a}
roleRef: {kind: ClusterRole, name: policy-admin}
subjects: [{kind: User, name: a}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {kind: ClusterRole, name: extras}
subjects: [{kind: User, name: b}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: c}
roleRef: {kind: ClusterRole, name: patch-approval}
subjects: [{kind: User, name: c}]
"#;
        let auth = Authorizer::new(model(yaml));
        let hits = analyze(&auth);
        // Deleting an admission policy binding switches its checks off.
        assert_eq!(
            names(&hits, "User a"),
            [("subject-webhook-control".into(), Critical, 1)]
        );
        // Any user extra, not only `scopes`.
        assert_eq!(
            names(&hits, "User b"),
            [("subject-impersonate".into(), Critical, 1)]
        );
        // The approval subresource takes patch as well as update.
        assert_eq!(
            names(&hits, "User c"),
            [("subject-approve-csr".into(), Critical, 1)]
        );
        assert_eq!(ADMISSION_CONTROL.len(), 30);
        assert!(ADMISSION_CONTROL.iter().all(|p| !p.verb.is_empty()));
    }

    #[test]
    fn two_hop_escalation_chain() {
        let yaml = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: make-pods}
rules: [{apiGroups: [""], resources: [pods], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: read-secrets}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: u-pods, namespace: one}
roleRef: {kind: ClusterRole, name: make-pods}
subjects: [{kind: User, name: u}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: a-pods, namespace: two}
roleRef: {kind: ClusterRole, name: make-pods}
subjects: [{kind: ServiceAccount, name: a, namespace: one}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b-secrets}
roleRef: {kind: ClusterRole, name: read-secrets}
subjects: [{kind: ServiceAccount, name: b, namespace: two}]
"#;
        let auth = Authorizer::new(model(yaml));
        let hits = analyze(&auth);
        let esc: Vec<&Hit<'_>> = hits
            .iter()
            .filter(|h| h.subject.name == "u" && h.is_escalation())
            .collect();
        assert_eq!(esc.len(), 2, "{esc:?}");
        let secrets = esc
            .iter()
            .find(|h| h.risk.meta.name == "subject-read-secrets")
            .expect("secrets");
        assert_eq!(secrets.severity, Critical);
        let steps: Vec<String> = secrets
            .chain
            .iter()
            .map(|s| s.subject.to_string())
            .collect();
        assert_eq!(
            steps,
            ["User u", "ServiceAccount one/a", "ServiceAccount two/b"]
        );
        let acts_as: Vec<Option<String>> = secrets
            .chain
            .iter()
            .map(|s| s.acts_as.map(ToString::to_string))
            .collect();
        assert_eq!(
            acts_as,
            [
                Some("ServiceAccount one/a".to_owned()),
                Some("ServiceAccount two/b".to_owned()),
                None
            ]
        );
        // u also reaches a's create-pods in namespace two (not held directly).
        let pods = esc
            .iter()
            .find(|h| h.risk.meta.name == "subject-create-workloads")
            .expect("pods");
        assert_eq!(pods.namespace, Some("two"));
    }

    #[test]
    fn risk_codes_are_unique() {
        let mut codes: Vec<&str> = RISKS.iter().map(|r| r.meta.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RISKS.len());
        assert!(find_risk("subject-bind").is_some() && find_risk("KG701").is_some());
    }
}
