//! Roles, bindings and subjects read from [`Object`]s, each remembering
//! where it was written so errors and reports point at the file, line and
//! column.

use kubeguard_core::{Located, Object, Pos};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The API group of RBAC objects.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// Where something was written: file and position.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    /// The file as reported.
    pub file: Arc<str>,
    /// Line and column.
    pub pos: Pos,
}

impl Origin {
    /// An origin for objects that come from built-in data, not a file.
    #[must_use]
    pub fn builtin() -> Self {
        Origin {
            file: Arc::from("<built-in defaults>"),
            pos: Pos { line: 1, col: 1 },
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.pos.line, self.pos.col)
    }
}

/// A malformed RBAC object: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct ModelError {
    /// Where the problem is.
    pub origin: Origin,
    /// What is wrong and what to write instead.
    pub message: String,
}

/// One entry of a role's `rules`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicyRule {
    /// `verbs`.
    pub verbs: Vec<String>,
    /// `apiGroups` (`""` is the core group).
    pub api_groups: Vec<String>,
    /// `resources`, with subresources as `pods/exec`.
    pub resources: Vec<String>,
    /// `resourceNames`; empty means every object.
    pub resource_names: Vec<String>,
    /// `nonResourceURLs`.
    pub non_resource_urls: Vec<String>,
    /// Where the rule was written.
    pub origin: Option<Origin>,
}

impl PolicyRule {
    /// A resource rule from string slices (used for built-in data and tests).
    #[must_use]
    pub fn resource(verbs: &[&str], groups: &[&str], resources: &[&str]) -> Self {
        let own = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect();
        PolicyRule {
            verbs: own(verbs),
            api_groups: own(groups),
            resources: own(resources),
            ..PolicyRule::default()
        }
    }

    /// A non-resource rule from string slices.
    #[must_use]
    pub fn non_resource(verbs: &[&str], urls: &[&str]) -> Self {
        let own = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect();
        PolicyRule {
            verbs: own(verbs),
            non_resource_urls: own(urls),
            ..PolicyRule::default()
        }
    }

    /// Restricts the rule to these object names.
    #[must_use]
    pub fn names(mut self, names: &[&str]) -> Self {
        self.resource_names = names.iter().map(|s| (*s).to_owned()).collect();
        self
    }

    /// Whether two rules grant the same thing (ignoring where they were written).
    #[must_use]
    pub fn same_grant(&self, other: &PolicyRule) -> bool {
        self.verbs == other.verbs
            && self.api_groups == other.api_groups
            && self.resources == other.resources
            && self.resource_names == other.resource_names
            && self.non_resource_urls == other.non_resource_urls
    }
}

impl fmt::Display for PolicyRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[String]| {
            v.iter()
                .map(|s| if s.is_empty() { "\"\"" } else { s.as_str() })
                .collect::<Vec<_>>()
                .join(",")
        };
        write!(f, "verbs=[{}]", list(&self.verbs))?;
        if !self.non_resource_urls.is_empty() {
            write!(f, " nonResourceURLs=[{}]", list(&self.non_resource_urls))?;
        }
        if !self.api_groups.is_empty() || !self.resources.is_empty() {
            write!(
                f,
                " apiGroups=[{}] resources=[{}]",
                list(&self.api_groups),
                list(&self.resources)
            )?;
        }
        if !self.resource_names.is_empty() {
            write!(f, " resourceNames=[{}]", list(&self.resource_names))?;
        }
        Ok(())
    }
}

/// Role or ClusterRole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleKind {
    /// A namespaced Role.
    Role,
    /// A ClusterRole.
    ClusterRole,
}

impl RoleKind {
    /// The kind as written.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::Role => "Role",
            RoleKind::ClusterRole => "ClusterRole",
        }
    }
}

/// A `matchExpressions` operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// The label's value is one of the values.
    In,
    /// The label is absent or its value is none of the values.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

/// A label selector (`matchLabels` and `matchExpressions`, all ANDed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    /// `matchLabels`.
    pub match_labels: Vec<(String, String)>,
    /// `matchExpressions`: key, operator, values.
    pub match_expressions: Vec<(String, Operator, Vec<String>)>,
}

/// A Role or ClusterRole.
#[derive(Debug, Clone)]
pub struct Role {
    /// Role or ClusterRole.
    pub kind: RoleKind,
    /// `metadata.name`.
    pub name: String,
    /// The namespace of a Role (`default` when not written); `None` for a ClusterRole.
    pub namespace: Option<String>,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `rules` (for an aggregated ClusterRole, the rules after aggregation).
    pub rules: Vec<PolicyRule>,
    /// `aggregationRule.clusterRoleSelectors` of a ClusterRole.
    pub aggregation: Option<Vec<LabelSelector>>,
    /// Where the object starts.
    pub origin: Origin,
}

/// RoleBinding or ClusterRoleBinding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BindingKind {
    /// A RoleBinding: grants only in its namespace.
    RoleBinding,
    /// A ClusterRoleBinding: grants everywhere.
    ClusterRoleBinding,
}

impl BindingKind {
    /// The kind as written.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BindingKind::RoleBinding => "RoleBinding",
            BindingKind::ClusterRoleBinding => "ClusterRoleBinding",
        }
    }
}

/// `roleRef` of a binding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleRef {
    /// Role or ClusterRole.
    pub kind: RoleKind,
    /// The role's name.
    pub name: String,
}

/// User, Group or ServiceAccount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubjectKind {
    /// A user name.
    User,
    /// A group name.
    Group,
    /// A service account (namespace and name).
    ServiceAccount,
}

impl SubjectKind {
    /// The kind as written.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::User => "User",
            SubjectKind::Group => "Group",
            SubjectKind::ServiceAccount => "ServiceAccount",
        }
    }
}

/// A subject of a binding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject {
    /// The kind.
    pub kind: SubjectKind,
    /// The name.
    pub name: String,
    /// The namespace of a ServiceAccount (a RoleBinding's own namespace
    /// when the subject names none, as the authorizer reads it).
    pub namespace: Option<String>,
}

impl Subject {
    /// The user name the API server gives this subject when it is a
    /// ServiceAccount (`system:serviceaccount:NS:NAME`).
    #[must_use]
    pub fn user_name(&self) -> String {
        match (self.kind, &self.namespace) {
            (SubjectKind::ServiceAccount, Some(ns)) => {
                format!("system:serviceaccount:{ns}:{}", self.name)
            }
            _ => self.name.clone(),
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind.as_str(), self.name),
            None => write!(f, "{} {}", self.kind.as_str(), self.name),
        }
    }
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Debug, Clone)]
pub struct Binding {
    /// RoleBinding or ClusterRoleBinding.
    pub kind: BindingKind,
    /// `metadata.name`.
    pub name: String,
    /// The namespace of a RoleBinding; `None` for a ClusterRoleBinding.
    pub namespace: Option<String>,
    /// `roleRef`.
    pub role_ref: RoleRef,
    /// `subjects`.
    pub subjects: Vec<Subject>,
    /// Where the object starts.
    pub origin: Origin,
}

impl fmt::Display for Binding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind.as_str(), self.name),
            None => write!(f, "{} {}", self.kind.as_str(), self.name),
        }
    }
}

/// A ServiceAccount object found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceAccount {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

/// Every RBAC object of an input, plus the service accounts and namespaces
/// it declares.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Roles and ClusterRoles.
    pub roles: Vec<Role>,
    /// RoleBindings and ClusterRoleBindings.
    pub bindings: Vec<Binding>,
    /// ServiceAccount objects.
    pub service_accounts: Vec<ServiceAccount>,
}

impl Model {
    /// Reads the RBAC objects among `objects`. Malformed objects are left
    /// out and reported, each error pointing at the offending key.
    #[must_use]
    pub fn from_objects<'a>(
        objects: impl IntoIterator<Item = &'a Object>,
    ) -> (Model, Vec<ModelError>) {
        let mut model = Model::default();
        let mut errors = Vec::new();
        for obj in objects {
            if obj.kind == "ServiceAccount" && obj.group().is_empty() {
                if let (Some(name), Some(ns)) = (&obj.name, obj.effective_namespace()) {
                    model.service_accounts.push(ServiceAccount {
                        namespace: ns.to_owned(),
                        name: name.clone(),
                    });
                }
                continue;
            }
            if obj.group() != RBAC_GROUP {
                continue;
            }
            let result = match obj.kind.as_str() {
                "Role" | "ClusterRole" => read_role(obj).map(|r| model.roles.push(r)),
                "RoleBinding" | "ClusterRoleBinding" => {
                    read_binding(obj).map(|b| model.bindings.push(b))
                }
                _ => Ok(()),
            };
            if let Err(e) = result {
                errors.push(e);
            }
        }
        (model, errors)
    }

    /// Adds everything of `other`.
    pub fn extend(&mut self, other: Model) {
        self.roles.extend(other.roles);
        self.bindings.extend(other.bindings);
        self.service_accounts.extend(other.service_accounts);
    }
}

struct Ctx<'o> {
    file: Arc<str>,
    obj: &'o Object,
}

impl Ctx<'_> {
    fn err(&self, at: Pos, message: impl Into<String>) -> ModelError {
        ModelError {
            origin: Origin {
                file: self.file.clone(),
                pos: at,
            },
            message: format!(
                "{} {}: {}",
                self.obj.kind,
                self.obj.name.as_deref().unwrap_or("<unnamed>"),
                message.into()
            ),
        }
    }

    fn origin(&self) -> Origin {
        Origin {
            file: self.file.clone(),
            pos: self.obj.root.span.start,
        }
    }

    fn name(&self) -> Result<String, ModelError> {
        match self.obj.located().lookup(&["metadata", "name"]) {
            Ok(n) => match n.node.scalar_text() {
                Some(s) if !s.is_empty() => Ok(s.to_owned()),
                _ => Err(self.err(n.at, "metadata.name must be a non-empty string")),
            },
            Err(parent) => Err(self.err(parent.at, "metadata.name is missing")),
        }
    }

    /// A list of strings under `key` of `at`; absent or null is empty.
    fn strings(&self, at: &Located<'_>, key: &str) -> Result<Vec<String>, ModelError> {
        let Some(list) = at.get(key) else {
            return Ok(Vec::new());
        };
        if list.node.is_null() {
            return Ok(Vec::new());
        }
        if list.node.as_seq().is_none() {
            return Err(self.err(
                list.at,
                format!("{} must be a list of strings", list.path()),
            ));
        }
        list.items()
            .map(|item| {
                item.node
                    .scalar_text()
                    .map(str::to_owned)
                    .ok_or_else(|| self.err(item.at, format!("{} must be a string", item.path())))
            })
            .collect()
    }

    fn string(&self, at: &Located<'_>, key: &str) -> Result<Option<String>, ModelError> {
        match at.get(key) {
            None => Ok(None),
            Some(v) if v.node.is_null() => Ok(None),
            Some(v) => v
                .node
                .scalar_text()
                .map(|s| Some(s.to_owned()))
                .ok_or_else(|| self.err(v.at, format!("{} must be a string", v.path()))),
        }
    }
}

fn ctx(obj: &Object) -> Ctx<'_> {
    Ctx {
        file: Arc::from(obj.source.name.as_str()),
        obj,
    }
}

fn read_role(obj: &Object) -> Result<Role, ModelError> {
    let c = ctx(obj);
    let name = c.name()?;
    let kind = if obj.kind == "Role" {
        RoleKind::Role
    } else {
        RoleKind::ClusterRole
    };
    let root = obj.located();
    let mut rules = Vec::new();
    if let Some(list) = root.get("rules").filter(|l| !l.node.is_null()) {
        if list.node.as_seq().is_none() {
            return Err(c.err(list.at, "rules must be a list of policy rules"));
        }
        for item in list.items() {
            rules.push(read_rule(&c, &item, kind)?);
        }
    }
    let aggregation = match root.get("aggregationRule").filter(|a| !a.node.is_null()) {
        None => None,
        Some(agg) if kind == RoleKind::Role => {
            return Err(c.err(agg.at, "aggregationRule is only allowed on a ClusterRole"));
        }
        Some(agg) => {
            let mut selectors = Vec::new();
            if let Some(list) = agg
                .get("clusterRoleSelectors")
                .filter(|l| !l.node.is_null())
            {
                if list.node.as_seq().is_none() {
                    return Err(c.err(
                        list.at,
                        "clusterRoleSelectors must be a list of label selectors",
                    ));
                }
                for sel in list.items() {
                    selectors.push(read_selector(&c, &sel)?);
                }
            }
            Some(selectors)
        }
    };
    let mut labels = BTreeMap::new();
    if let Ok(l) = root.lookup(&["metadata", "labels"]) {
        for (k, v) in l.entries() {
            if let Some(v) = v.node.scalar_text() {
                labels.insert(k.to_owned(), v.to_owned());
            }
        }
    }
    Ok(Role {
        kind,
        name,
        namespace: match kind {
            RoleKind::Role => obj.effective_namespace().map(str::to_owned),
            RoleKind::ClusterRole => None,
        },
        labels,
        rules,
        aggregation,
        origin: c.origin(),
    })
}

fn read_rule(c: &Ctx<'_>, item: &Located<'_>, kind: RoleKind) -> Result<PolicyRule, ModelError> {
    if item.node.as_map().is_none() {
        return Err(c.err(item.at, format!("{} must be a mapping", item.path())));
    }
    let rule = PolicyRule {
        verbs: c.strings(item, "verbs")?,
        api_groups: c.strings(item, "apiGroups")?,
        resources: c.strings(item, "resources")?,
        resource_names: c.strings(item, "resourceNames")?,
        non_resource_urls: c.strings(item, "nonResourceURLs")?,
        origin: Some(Origin {
            file: c.file.clone(),
            pos: item.at,
        }),
    };
    // The API server's validation of policy rules.
    if rule.verbs.is_empty() {
        return Err(c.err(
            item.at,
            format!("{}.verbs must name at least one verb", item.path()),
        ));
    }
    if !rule.non_resource_urls.is_empty() {
        if kind == RoleKind::Role {
            return Err(c.err(
                item.at,
                format!(
                    "{}: nonResourceURLs are only allowed in a ClusterRole",
                    item.path()
                ),
            ));
        }
        if !rule.api_groups.is_empty() || !rule.resources.is_empty() {
            return Err(c.err(
                item.at,
                format!(
                    "{}: a rule may have nonResourceURLs or apiGroups and resources, not both",
                    item.path()
                ),
            ));
        }
    } else {
        if rule.resources.is_empty() {
            return Err(c.err(
                item.at,
                format!(
                    "{}: resource rules must name at least one resource",
                    item.path()
                ),
            ));
        }
        if rule.api_groups.is_empty() {
            return Err(c.err(
                item.at,
                format!(
                    "{}: resource rules must name at least one API group (\"\" is the core group)",
                    item.path()
                ),
            ));
        }
    }
    Ok(rule)
}

fn read_selector(c: &Ctx<'_>, sel: &Located<'_>) -> Result<LabelSelector, ModelError> {
    let mut out = LabelSelector::default();
    if let Some(ml) = sel.get("matchLabels") {
        for (k, v) in ml.entries() {
            let value = v
                .node
                .scalar_text()
                .ok_or_else(|| c.err(v.at, format!("{} must be a string", v.path())))?;
            out.match_labels.push((k.to_owned(), value.to_owned()));
        }
    }
    if let Some(exprs) = sel.get("matchExpressions") {
        for e in exprs.items() {
            let key = c
                .string(&e, "key")?
                .ok_or_else(|| c.err(e.at, format!("{}.key is missing", e.path())))?;
            let op_text = c.string(&e, "operator")?.unwrap_or_default();
            let op = match op_text.as_str() {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(c.err(
                        e.at,
                        format!(
                            "{}.operator {other:?} is not one of In, NotIn, Exists, DoesNotExist",
                            e.path()
                        ),
                    ));
                }
            };
            let values = c.strings(&e, "values")?;
            out.match_expressions.push((key, op, values));
        }
    }
    Ok(out)
}

fn read_binding(obj: &Object) -> Result<Binding, ModelError> {
    let c = ctx(obj);
    let name = c.name()?;
    let kind = if obj.kind == "RoleBinding" {
        BindingKind::RoleBinding
    } else {
        BindingKind::ClusterRoleBinding
    };
    let namespace = match kind {
        BindingKind::RoleBinding => obj.effective_namespace().map(str::to_owned),
        BindingKind::ClusterRoleBinding => None,
    };
    let root = obj.located();
    let role_ref = match root.get("roleRef") {
        None => return Err(c.err(root.at, "roleRef is missing")),
        Some(r) => {
            let ref_kind = c.string(&r, "kind")?.unwrap_or_default();
            let ref_kind = match (ref_kind.as_str(), kind) {
                ("ClusterRole", _) => RoleKind::ClusterRole,
                ("Role", BindingKind::RoleBinding) => RoleKind::Role,
                ("Role", BindingKind::ClusterRoleBinding) => {
                    return Err(c.err(r.at, "a ClusterRoleBinding can only refer to a ClusterRole"));
                }
                (other, _) => {
                    return Err(c.err(
                        r.at,
                        format!("roleRef.kind {other:?} must be Role or ClusterRole"),
                    ));
                }
            };
            let ref_name = c.string(&r, "name")?.unwrap_or_default();
            if ref_name.is_empty() {
                return Err(c.err(r.at, "roleRef.name is missing"));
            }
            RoleRef {
                kind: ref_kind,
                name: ref_name,
            }
        }
    };
    let mut subjects = Vec::new();
    if let Some(list) = root.get("subjects").filter(|l| !l.node.is_null()) {
        if list.node.as_seq().is_none() {
            return Err(c.err(list.at, "subjects must be a list"));
        }
        for s in list.items() {
            let skind = c.string(&s, "kind")?.unwrap_or_default();
            let skind = match skind.as_str() {
                "User" => SubjectKind::User,
                "Group" => SubjectKind::Group,
                "ServiceAccount" => SubjectKind::ServiceAccount,
                other => {
                    return Err(c.err(
                        s.at,
                        format!(
                            "{}.kind {other:?} must be User, Group or ServiceAccount",
                            s.path()
                        ),
                    ));
                }
            };
            let sname = c.string(&s, "name")?.unwrap_or_default();
            if sname.is_empty() {
                return Err(c.err(s.at, format!("{}.name is missing", s.path())));
            }
            let sns = c.string(&s, "namespace")?.filter(|n| !n.is_empty());
            let sns = match skind {
                SubjectKind::ServiceAccount => match sns.or_else(|| namespace.clone()) {
                    Some(ns) => Some(ns),
                    None => {
                        return Err(c.err(
                            s.at,
                            format!(
                                "{}: a ServiceAccount subject of a ClusterRoleBinding needs a namespace",
                                s.path()
                            ),
                        ));
                    }
                },
                _ => None,
            };
            subjects.push(Subject {
                kind: skind,
                name: sname,
                namespace: sns,
            });
        }
    }
    Ok(Binding {
        kind,
        name,
        namespace,
        role_ref,
        subjects,
        origin: c.origin(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubeguard_core::Source;

    fn errors(yaml: &str) -> Vec<String> {
        let loaded = kubeguard_load::load_source(Source::new("bad.yaml", yaml));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let (_, errors) = Model::from_objects(&loaded.objects);
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn malformed_objects_are_located() {
        let head = "apiVersion: rbac.authorization.k8s.io/v1\n";
        let cases = [
            (
                "kind: Role\nmetadata: {namespace: a}\nrules: []\n",
                "bad.yaml:3:1: Role <unnamed>: metadata.name is missing",
            ),
            (
                "kind: Role\nmetadata: {name: r}\nrules: {verbs: [get]}\n",
                "bad.yaml:4:1: Role r: rules must be a list of policy rules",
            ),
            (
                "kind: Role\nmetadata: {name: r}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: get\n",
                "bad.yaml:7:3: Role r: rules[0].verbs must be a list of strings",
            ),
            (
                "kind: Role\nmetadata: {name: r}\nrules:\n- {resources: [pods], verbs: [get]}\n",
                "bad.yaml:5:3: Role r: rules[0]: resource rules must name at least one API group (\"\" is the core group)",
            ),
            (
                "kind: Role\nmetadata: {name: r}\nrules:\n- {nonResourceURLs: [/healthz], verbs: [get]}\n",
                "bad.yaml:5:3: Role r: rules[0]: nonResourceURLs are only allowed in a ClusterRole",
            ),
            (
                "kind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: Role, name: r}\n",
                "bad.yaml:4:1: ClusterRoleBinding b: a ClusterRoleBinding can only refer to a ClusterRole",
            ),
            (
                "kind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: r}\nsubjects:\n- {kind: ServiceAccount, name: sa}\n",
                "bad.yaml:6:3: ClusterRoleBinding b: subjects[0]: a ServiceAccount subject of a ClusterRoleBinding needs a namespace",
            ),
            (
                "kind: RoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: r}\nsubjects:\n- {kind: Robot, name: x}\n",
                "bad.yaml:6:3: RoleBinding b: subjects[0].kind \"Robot\" must be User, Group or ServiceAccount",
            ),
            (
                "kind: RoleBinding\nmetadata: {name: b}\n",
                "bad.yaml:1:1: RoleBinding b: roleRef is missing",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(errors(&format!("{head}{body}")), [want], "{body}");
        }
    }

    #[test]
    fn reads_roles_and_bindings() {
        let yaml = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: web}\nroleRef: {kind: ClusterRole, name: view}\nsubjects:\n- {kind: ServiceAccount, name: api}\n- {kind: Group, name: devs}\n";
        let loaded = kubeguard_load::load_source(Source::new("ok.yaml", yaml));
        let (m, errors) = Model::from_objects(&loaded.objects);
        assert!(errors.is_empty());
        let b = &m.bindings[0];
        assert_eq!(b.namespace.as_deref(), Some("web"));
        assert_eq!(b.subjects[0].namespace.as_deref(), Some("web"));
        assert_eq!(b.subjects[0].user_name(), "system:serviceaccount:web:api");
        assert_eq!(b.subjects[1].namespace, None);
        assert_eq!(b.origin.to_string(), "ok.yaml:1:1");
    }
}
