//! The fields of Falco's k8saudit and json plugins (`ka.*`, `jevt.*`), each
//! extracted from an event with the plugin's semantics: a value that is not
//! in the event is *missing*, and every comparison on a missing value is
//! false (only `exists` and `not` see it). Strings are taken as they are;
//! any other JSON value is written as compact JSON text (`true`, `8080`,
//! `{"a":1}`). List fields give one value per item; a list field without
//! values is missing.

use crate::doc::JsonRef;
use crate::event::{EventView, format_time};
use crate::projection::{Projection, pointer_tokens};
use std::borrow::Cow;

/// The values a field extracts from one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Values<'e> {
    /// A single value.
    One(Cow<'e, str>),
    /// The values of a list field (never empty).
    Many(Vec<Cow<'e, str>>),
}

impl Values<'_> {
    /// The values, one or many.
    #[must_use]
    pub fn as_slice(&self) -> &[Cow<'_, str>] {
        match self {
            Values::One(v) => std::slice::from_ref(v),
            Values::Many(v) => v,
        }
    }

    /// As Falco prints a field in an output: a list as `(a,b)`.
    #[must_use]
    pub fn display(&self) -> String {
        let mut out = String::new();
        self.write_to(&mut out);
        out
    }

    /// Appends [`display`](Self::display)'s text to `out`.
    pub fn write_to(&self, out: &mut String) {
        match self {
            Values::One(v) => out.push_str(v),
            Values::Many(v) => {
                out.push('(');
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(x);
                }
                out.push(')');
            }
        }
    }
}

/// Which container list of a pod a field reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Containers {
    Regular,
    Init,
    Ephemeral,
}

impl Containers {
    fn key(self) -> &'static str {
        match self {
            Containers::Regular => "containers",
            Containers::Init => "initContainers",
            Containers::Ephemeral => "ephemeralContainers",
        }
    }
}

/// What a container field reads from each container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ContainerAttr {
    Image,
    Repository,
    Name,
    Command,
    Args,
    /// `securityContext.<key>`, containers without it skipped.
    Security(&'static str),
    /// `securityContext.<key>` of the container, else of the pod, else `0`.
    Effective(&'static str),
    AddCapabilities,
    HostPort,
}

/// Which subjects of a binding a field lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Subjects {
    Users,
    ServiceAccounts,
    ServiceAccountsWithNamespace,
    Groups,
}

/// How a field is extracted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Kind {
    /// The value at a key path.
    Keys(&'static [&'static str]),
    /// The items of the array at a key path.
    KeysList(&'static [&'static str]),
    Container(Containers, ContainerAttr),
    FirstContainerImage,
    FirstContainerRepository,
    AnyContainerPrivileged,
    BindingSubjects(Subjects),
    SubjectHasName,
    RoleRules(&'static str),
    ServicePorts,
    VolumeHostPath,
    VolumeHostPathMatch(String),
    FlexVolumeDriver,
    VolumeType,
    UriParam(String),
    TargetPodName,
    /// Never in an audit event (the plugin fills it from its configuration).
    Unavailable,
    /// The value at a JSON pointer, as its unescaped tokens (`None` when
    /// it selects nothing).
    JsonValue(Option<Vec<String>>),
    JsonObject,
    RawTime,
    Time,
}

/// A field as written in a condition or output, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    kind: Kind,
    index: Option<usize>,
    /// Whether it yields a list (a list field without an index).
    pub is_list: bool,
}

/// How a field takes its argument (`name[arg]`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ArgUse {
    None,
    Index,
    Key,
}

const CONTAINER_ATTRS: &[(&str, ContainerAttr)] = &[
    ("image", ContainerAttr::Image),
    ("image.repository", ContainerAttr::Repository),
    ("name", ContainerAttr::Name),
    ("command", ContainerAttr::Command),
    ("args", ContainerAttr::Args),
    ("privileged", ContainerAttr::Security("privileged")),
    (
        "allow_privilege_escalation",
        ContainerAttr::Security("allowPrivilegeEscalation"),
    ),
    (
        "read_only_fs",
        ContainerAttr::Security("readOnlyRootFilesystem"),
    ),
    ("run_as_user", ContainerAttr::Security("runAsUser")),
    ("eff_run_as_user", ContainerAttr::Effective("runAsUser")),
    ("run_as_group", ContainerAttr::Security("runAsGroup")),
    ("eff_run_as_group", ContainerAttr::Effective("runAsGroup")),
    ("proc_mount", ContainerAttr::Security("procMount")),
    ("add_capabilities", ContainerAttr::AddCapabilities),
    ("host_port", ContainerAttr::HostPort),
];

/// Every field name the engine knows, for docs and suggestions.
#[must_use]
pub fn names() -> Vec<String> {
    let mut names: Vec<String> = SIMPLE
        .iter()
        .map(|(n, _, _)| (*n).to_owned())
        .chain(LISTS.iter().map(|(n, _)| (*n).to_owned()))
        .chain(OTHERS.iter().map(|(n, _, _)| (*n).to_owned()))
        .collect();
    for list in ["containers", "initContainers", "ephemeralContainers"] {
        for (attr, _) in CONTAINER_ATTRS {
            names.push(format!("ka.req.pod.{list}.{attr}"));
        }
    }
    names.sort();
    names
}

/// Single-valued fields read at a key path.
const SIMPLE: &[(&str, &[&str], ArgUse)] = &[
    ("ka.auditid", &["auditID"], ArgUse::None),
    ("ka.stage", &["stage"], ArgUse::None),
    (
        "ka.auth.decision",
        &["annotations", "authorization.k8s.io/decision"],
        ArgUse::None,
    ),
    (
        "ka.auth.reason",
        &["annotations", "authorization.k8s.io/reason"],
        ArgUse::None,
    ),
    (
        "ka.auth.openshift.decision",
        &["annotations", "authentication.openshift.io/decision"],
        ArgUse::None,
    ),
    (
        "ka.auth.openshift.username",
        &["annotations", "authentication.openshift.io/username"],
        ArgUse::None,
    ),
    (
        "ka.validations.admission.policy.failure",
        &[
            "annotations",
            "validation.policy.admission.k8s.io/validation_failure",
        ],
        ArgUse::None,
    ),
    (
        "ka.security.pod.violations",
        &["annotations", "pod-security.kubernetes.io/audit-violations"],
        ArgUse::None,
    ),
    ("ka.user.name", &["user", "username"], ArgUse::None),
    (
        "ka.impuser.name",
        &["impersonatedUser", "username"],
        ArgUse::None,
    ),
    ("ka.verb", &["verb"], ArgUse::None),
    ("ka.uri", &["requestURI"], ArgUse::None),
    ("ka.target.name", &["objectRef", "name"], ArgUse::None),
    (
        "ka.target.namespace",
        &["objectRef", "namespace"],
        ArgUse::None,
    ),
    (
        "ka.target.resource",
        &["objectRef", "resource"],
        ArgUse::None,
    ),
    (
        "ka.target.subresource",
        &["objectRef", "subresource"],
        ArgUse::None,
    ),
    (
        "ka.req.binding.role",
        &["requestObject", "roleRef", "name"],
        ArgUse::None,
    ),
    (
        "ka.req.configmap.name",
        &["objectRef", "name"],
        ArgUse::None,
    ),
    (
        "ka.req.configmap.obj",
        &["requestObject", "data"],
        ArgUse::None,
    ),
    (
        "ka.req.pod.host_ipc",
        &["requestObject", "spec", "hostIPC"],
        ArgUse::None,
    ),
    (
        "ka.req.pod.host_network",
        &["requestObject", "spec", "hostNetwork"],
        ArgUse::None,
    ),
    (
        "ka.req.container.host_network",
        &["requestObject", "spec", "hostNetwork"],
        ArgUse::None,
    ),
    (
        "ka.req.pod.host_pid",
        &["requestObject", "spec", "hostPID"],
        ArgUse::None,
    ),
    (
        "ka.req.pod.run_as_user",
        &["requestObject", "spec", "securityContext", "runAsUser"],
        ArgUse::None,
    ),
    (
        "ka.req.pod.run_as_group",
        &["requestObject", "spec", "securityContext", "runAsGroup"],
        ArgUse::None,
    ),
    (
        "ka.req.pod.fs_group",
        &["requestObject", "spec", "securityContext", "fsGroup"],
        ArgUse::None,
    ),
    (
        "ka.req.service.type",
        &["requestObject", "spec", "type"],
        ArgUse::None,
    ),
    (
        "ka.resp.name",
        &["responseObject", "metadata", "name"],
        ArgUse::None,
    ),
    (
        "ka.response.code",
        &["responseStatus", "code"],
        ArgUse::None,
    ),
    (
        "ka.response.reason",
        &["responseStatus", "reason"],
        ArgUse::None,
    ),
    ("ka.useragent", &["userAgent"], ArgUse::None),
];

/// List fields read from the array at a key path.
const LISTS: &[(&str, &[&str])] = &[
    ("ka.user.groups", &["user", "groups"]),
    ("ka.req.binding.subjects", &["requestObject", "subjects"]),
    ("ka.req.role.rules", &["requestObject", "rules"]),
    (
        "ka.req.pod.supplemental_groups",
        &[
            "requestObject",
            "spec",
            "securityContext",
            "supplementalGroups",
        ],
    ),
    ("ka.sourceips", &["sourceIPs"]),
];

/// Fields with their own extraction: (name, list?, argument).
const OTHERS: &[(&str, bool, ArgUse)] = &[
    ("ka.uri.param", false, ArgUse::Key),
    ("ka.target.pod.name", false, ArgUse::None),
    ("ka.cluster.name", false, ArgUse::None),
    ("ka.req.binding.subjects.user_names", true, ArgUse::None),
    (
        "ka.req.binding.subjects.serviceaccount_names",
        true,
        ArgUse::None,
    ),
    (
        "ka.req.binding.subjects.serviceaccount_ns_names",
        true,
        ArgUse::None,
    ),
    ("ka.req.binding.subjects.group_names", true, ArgUse::None),
    ("ka.req.binding.subject.has_name", false, ArgUse::Key),
    ("ka.req.container.image", false, ArgUse::None),
    ("ka.req.container.image.repository", false, ArgUse::None),
    ("ka.req.container.privileged", false, ArgUse::None),
    ("ka.req.role.rules.apiGroups", true, ArgUse::Index),
    ("ka.req.role.rules.nonResourceURLs", true, ArgUse::Index),
    ("ka.req.role.rules.verbs", true, ArgUse::Index),
    ("ka.req.role.rules.resources", true, ArgUse::Index),
    ("ka.req.service.ports", true, ArgUse::Index),
    ("ka.req.volume.hostpath", false, ArgUse::Key),
    ("ka.req.pod.volumes.hostpath", true, ArgUse::Index),
    ("ka.req.pod.volumes.flexvolume_driver", true, ArgUse::Index),
    ("ka.req.pod.volumes.volume_type", true, ArgUse::Index),
    ("jevt.value", false, ArgUse::Key),
    ("jevt.obj", false, ArgUse::None),
    ("jevt.rawtime", false, ArgUse::None),
    ("jevt.time", false, ArgUse::None),
    ("jevt.time.iso8601", false, ArgUse::None),
    ("json.value", false, ArgUse::Key),
    ("json.obj", false, ArgUse::None),
    ("json.rawtime", false, ArgUse::None),
];

/// Resolves `name` (with its `[arg]`, if written) to a field.
pub fn resolve(name: &str, arg: Option<&str>) -> Result<Field, String> {
    let (kind, is_list, uses) =
        lookup(name, arg).ok_or_else(|| format!("unknown field {name:?}"))?;
    let mut index = None;
    match (uses, arg) {
        (ArgUse::None, Some(_)) => return Err(format!("field {name} takes no argument")),
        (ArgUse::Key, None) => return Err(format!("field {name} needs an argument: {name}[...]")),
        (ArgUse::Key, Some("")) => return Err(format!("field {name} needs a non-empty argument")),
        (ArgUse::Index, Some(a)) => {
            index = Some(
                a.trim()
                    .parse::<usize>()
                    .map_err(|_| format!("field {name} takes a numeric index, not {a:?}"))?,
            );
        }
        _ => {}
    }
    Ok(Field {
        kind,
        index,
        is_list: is_list && index.is_none(),
    })
}

fn lookup(name: &str, arg: Option<&str>) -> Option<(Kind, bool, ArgUse)> {
    if let Some((_, keys, uses)) = SIMPLE.iter().find(|(n, _, _)| *n == name) {
        return Some((Kind::Keys(keys), false, *uses));
    }
    if let Some((_, keys)) = LISTS.iter().find(|(n, _)| *n == name) {
        return Some((Kind::KeysList(keys), true, ArgUse::None));
    }
    for (prefix, list) in [
        ("ka.req.pod.containers.", Containers::Regular),
        ("ka.req.pod.initContainers.", Containers::Init),
        ("ka.req.pod.ephemeralContainers.", Containers::Ephemeral),
    ] {
        if let Some(attr) = name.strip_prefix(prefix)
            && let Some((_, a)) = CONTAINER_ATTRS.iter().find(|(n, _)| *n == attr)
        {
            return Some((Kind::Container(list, *a), true, ArgUse::Index));
        }
    }
    let (_, is_list, uses) = OTHERS.iter().find(|(n, _, _)| *n == name)?;
    let arg = arg.unwrap_or_default().to_owned();
    let kind = match name {
        "ka.uri.param" => Kind::UriParam(arg),
        "ka.target.pod.name" => Kind::TargetPodName,
        "ka.cluster.name" => Kind::Unavailable,
        "ka.req.binding.subjects.user_names" => Kind::BindingSubjects(Subjects::Users),
        "ka.req.binding.subjects.serviceaccount_names" => {
            Kind::BindingSubjects(Subjects::ServiceAccounts)
        }
        "ka.req.binding.subjects.serviceaccount_ns_names" => {
            Kind::BindingSubjects(Subjects::ServiceAccountsWithNamespace)
        }
        "ka.req.binding.subjects.group_names" => Kind::BindingSubjects(Subjects::Groups),
        "ka.req.binding.subject.has_name" => Kind::SubjectHasName,
        "ka.req.container.image" => Kind::FirstContainerImage,
        "ka.req.container.image.repository" => Kind::FirstContainerRepository,
        "ka.req.container.privileged" => Kind::AnyContainerPrivileged,
        "ka.req.role.rules.apiGroups" => Kind::RoleRules("apiGroups"),
        "ka.req.role.rules.nonResourceURLs" => Kind::RoleRules("nonResourceURLs"),
        "ka.req.role.rules.verbs" => Kind::RoleRules("verbs"),
        "ka.req.role.rules.resources" => Kind::RoleRules("resources"),
        "ka.req.service.ports" => Kind::ServicePorts,
        "ka.req.volume.hostpath" => Kind::VolumeHostPathMatch(arg),
        "ka.req.pod.volumes.hostpath" => Kind::VolumeHostPath,
        "ka.req.pod.volumes.flexvolume_driver" => Kind::FlexVolumeDriver,
        "ka.req.pod.volumes.volume_type" => Kind::VolumeType,
        "jevt.value" | "json.value" => Kind::JsonValue(pointer_tokens(&arg)),
        "jevt.obj" | "json.obj" => Kind::JsonObject,
        "jevt.rawtime" | "json.rawtime" => Kind::RawTime,
        _ => Kind::Time,
    };
    Some((kind, *is_list, *uses))
}

/// A list of values, missing when empty.
fn many(values: Vec<Cow<'_, str>>) -> Option<Values<'_>> {
    (!values.is_empty()).then_some(Values::Many(values))
}

impl Field {
    /// Adds to `p` the parts of an event the field reads, so that it
    /// extracts the same values from an event projected on `p` as from the
    /// whole event.
    pub fn project(&self, p: &mut Projection) {
        const SPEC: [&str; 2] = ["requestObject", "spec"];
        let spec = |p: &mut Projection, key: &str| p.keep(&[SPEC[0], SPEC[1], key]);
        match &self.kind {
            Kind::Keys(keys) | Kind::KeysList(keys) => p.keep(keys),
            Kind::Container(list, attr) => {
                spec(p, list.key());
                if let ContainerAttr::Effective(_) = attr {
                    spec(p, "securityContext");
                }
            }
            Kind::FirstContainerImage
            | Kind::FirstContainerRepository
            | Kind::AnyContainerPrivileged => spec(p, Containers::Regular.key()),
            Kind::BindingSubjects(_) => p.keep(&["requestObject", "subjects"]),
            Kind::RoleRules(_) => p.keep(&["requestObject", "rules"]),
            Kind::ServicePorts => spec(p, "ports"),
            Kind::VolumeHostPath
            | Kind::VolumeHostPathMatch(_)
            | Kind::FlexVolumeDriver
            | Kind::VolumeType => spec(p, "volumes"),
            Kind::UriParam(_) => p.keep(&["requestURI"]),
            Kind::TargetPodName => p.keep(&["objectRef"]),
            Kind::JsonValue(Some(tokens)) => p.keep(tokens),
            Kind::JsonObject => *p = Projection::All,
            Kind::JsonValue(None)
            | Kind::SubjectHasName
            | Kind::Unavailable
            | Kind::RawTime
            | Kind::Time => {}
        }
    }

    /// The field's values in `ev`, or `None` when missing.
    #[must_use]
    pub fn extract<'e>(&self, ev: &EventView<'e>) -> Option<Values<'e>> {
        let json = ev.json;
        let values = match &self.kind {
            Kind::Keys(keys) => return json.path(keys).map(|v| Values::One(v.text())),
            Kind::KeysList(keys) => {
                return many(json.path(keys)?.items()?.map(JsonRef::text).collect());
            }
            Kind::Container(list, attr) => container_values(json, *list, *attr, self.index)?,
            Kind::FirstContainerImage => {
                let images =
                    container_values(json, Containers::Regular, ContainerAttr::Image, Some(0))?;
                return images.into_iter().next().map(Values::One);
            }
            Kind::FirstContainerRepository => {
                let repos = container_values(
                    json,
                    Containers::Regular,
                    ContainerAttr::Repository,
                    Some(0),
                )?;
                return repos.into_iter().next().map(Values::One);
            }
            Kind::AnyContainerPrivileged => {
                let containers = containers(json, Containers::Regular, None)?;
                let any = containers.iter().any(|c| {
                    c.path(&["securityContext", "privileged"])
                        .is_some_and(JsonRef::is_true)
                });
                return Some(Values::One(Cow::Borrowed(if any {
                    "true"
                } else {
                    "false"
                })));
            }
            Kind::BindingSubjects(which) => binding_subjects(json, *which)?,
            Kind::SubjectHasName => return Some(Values::One(Cow::Borrowed("true"))),
            Kind::RoleRules(key) => {
                let rules = indexed(json.path(&["requestObject", "rules"])?, self.index)?;
                rules
                    .iter()
                    .filter_map(|r| r.get(key)?.items())
                    .flatten()
                    .map(JsonRef::text)
                    .collect()
            }
            Kind::ServicePorts => {
                let ports = indexed(json.path(&["requestObject", "spec", "ports"])?, self.index)?;
                ports.into_iter().map(JsonRef::text).collect()
            }
            Kind::VolumeHostPath | Kind::FlexVolumeDriver => {
                let path: &[&str] = if self.kind == Kind::VolumeHostPath {
                    &["hostPath", "path"]
                } else {
                    &["flexVolume", "driver"]
                };
                let volumes = indexed(
                    json.path(&["requestObject", "spec", "volumes"])?,
                    self.index,
                )?;
                volumes
                    .iter()
                    .filter_map(|v| v.path(path))
                    .map(JsonRef::text)
                    .collect()
            }
            Kind::VolumeHostPathMatch(arg) => {
                let volumes = json.path(&["requestObject", "spec", "volumes"])?.items()?;
                let prefix = arg.strip_suffix('*');
                let hit = volumes
                    .filter_map(|v| v.path(&["hostPath", "path"]))
                    .map(JsonRef::text)
                    .any(|p| prefix.map_or(*p == **arg, |pre| p.starts_with(pre)));
                return Some(Values::One(Cow::Borrowed(if hit {
                    "true"
                } else {
                    "false"
                })));
            }
            Kind::VolumeType => {
                let volumes = indexed(
                    json.path(&["requestObject", "spec", "volumes"])?,
                    self.index,
                )?;
                volumes
                    .iter()
                    .filter_map(|v| v.keys())
                    .flatten()
                    .filter(|k| *k != "name")
                    .map(Cow::Borrowed)
                    .collect()
            }
            Kind::UriParam(key) => {
                let uri = json.get("requestURI")?.as_str()?;
                let query = uri.split_once('?')?.1;
                let query = query.split_once('#').map_or(query, |(q, _)| q);
                return form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| Values::One(Cow::Owned(v.into_owned())));
            }
            Kind::TargetPodName => {
                let oref = json.get("objectRef")?;
                if oref.get("resource")?.as_str()? != "pods" {
                    return None;
                }
                return oref.get("name").map(|v| Values::One(v.text()));
            }
            Kind::Unavailable => return None,
            Kind::JsonValue(tokens) => {
                return json
                    .pointer(tokens.as_ref()?)
                    .map(|v| Values::One(v.text()));
            }
            Kind::JsonObject => return Some(Values::One(Cow::Owned(json.to_value().to_string()))),
            Kind::RawTime => return Some(Values::One(Cow::Owned(ev.time_ns.to_string()))),
            Kind::Time => return Some(Values::One(Cow::Owned(format_time(ev.time_ns)))),
        };
        if self.is_list {
            many(values)
        } else {
            values.into_iter().next().map(Values::One)
        }
    }
}

/// The array items, or the one at `index` (missing when out of range).
fn indexed(v: JsonRef<'_>, index: Option<usize>) -> Option<Vec<JsonRef<'_>>> {
    match index {
        None => Some(v.items()?.collect()),
        Some(i) => v.item(i).map(|v| vec![v]),
    }
}

fn containers(
    json: JsonRef<'_>,
    list: Containers,
    index: Option<usize>,
) -> Option<Vec<JsonRef<'_>>> {
    indexed(json.path(&["requestObject", "spec", list.key()])?, index)
}

/// One container attribute over a pod's container list.
fn container_values(
    json: JsonRef<'_>,
    list: Containers,
    attr: ContainerAttr,
    index: Option<usize>,
) -> Option<Vec<Cow<'_, str>>> {
    let cs = containers(json, list, index)?;
    Some(match attr {
        // The plugin gives up on the whole field when a container has no image.
        ContainerAttr::Image => cs
            .iter()
            .map(|c| c.get("image").map(JsonRef::text))
            .collect::<Option<_>>()?,
        ContainerAttr::Repository => cs
            .iter()
            .map(|c| c.get("image").map(|i| repository(i.text())))
            .collect::<Option<_>>()?,
        ContainerAttr::Name => cs
            .iter()
            .filter_map(|c| c.get("name"))
            .map(JsonRef::text)
            .collect(),
        ContainerAttr::Command | ContainerAttr::Args => {
            let key = if attr == ContainerAttr::Command {
                "command"
            } else {
                "args"
            };
            cs.iter()
                .filter_map(|c| c.get(key)?.items())
                .flatten()
                .map(JsonRef::text)
                .collect()
        }
        ContainerAttr::Security(key) => cs
            .iter()
            .filter_map(|c| c.path(&["securityContext", key]))
            .map(JsonRef::text)
            .collect(),
        ContainerAttr::Effective(key) => {
            let pod = json
                .path(&["requestObject", "spec", "securityContext", key])
                .map_or(Cow::Borrowed("0"), JsonRef::text);
            cs.iter()
                .map(|c| {
                    c.path(&["securityContext", key])
                        .map_or_else(|| pod.clone(), JsonRef::text)
                })
                .collect()
        }
        ContainerAttr::AddCapabilities => cs
            .iter()
            .filter_map(|c| c.path(&["securityContext", "capabilities", "add"])?.items())
            .flatten()
            .map(JsonRef::text)
            .collect(),
        ContainerAttr::HostPort => cs
            .iter()
            .filter_map(|c| c.get("ports")?.items())
            .flatten()
            .filter_map(|p| p.get("hostPort").or_else(|| p.get("containerPort")))
            .map(JsonRef::text)
            .collect(),
    })
}

/// An image's repository: without tag and digest (`nginx:1.27@sha256:..` is `nginx`),
/// cut at the first `:` as the plugin does (so `host:5000/app` gives `host`).
fn repository(image: Cow<'_, str>) -> Cow<'_, str> {
    let end = image.find([':', '@']).unwrap_or(image.len());
    match image {
        Cow::Borrowed(s) => Cow::Borrowed(&s[..end]),
        Cow::Owned(mut s) => {
            s.truncate(end);
            Cow::Owned(s)
        }
    }
}

fn binding_subjects(json: JsonRef<'_>, which: Subjects) -> Option<Vec<Cow<'_, str>>> {
    let subjects = json.path(&["requestObject", "subjects"])?.items()?;
    let kind = match which {
        Subjects::Users => "User",
        Subjects::ServiceAccounts | Subjects::ServiceAccountsWithNamespace => "ServiceAccount",
        Subjects::Groups => "Group",
    };
    Some(
        subjects
            .filter(|s| s.get("kind").and_then(JsonRef::as_str) == Some(kind))
            .filter_map(|s| {
                let name = s.get("name").map(JsonRef::text)?;
                if which == Subjects::ServiceAccountsWithNamespace {
                    let ns = s.get("namespace").map_or(Cow::Borrowed(""), JsonRef::text);
                    Some(Cow::Owned(format!("{ns}:{name}")))
                } else {
                    Some(name)
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Event;
    use serde_json::{Value, json};

    fn ev(v: Value) -> Event {
        Event {
            json: v,
            time_ns: 1_700_000_000_000_000_000,
        }
    }

    fn get_field(e: &Event, name: &str, arg: Option<&str>) -> Option<String> {
        resolve(name, arg)
            .unwrap()
            .extract(&e.view())
            .map(|v| v.display())
    }

    #[test]
    fn pod_fields_follow_the_plugin() {
        let e = ev(json!({"requestObject": {"spec": {
            "hostNetwork": true,
            "securityContext": {"runAsUser": 1000},
            "containers": [
                {"name": "a", "image": "nginx:1.27", "securityContext": {"privileged": true, "capabilities": {"add": ["NET_ADMIN"]}},
                 "ports": [{"containerPort": 80}, {"hostPort": 8080, "containerPort": 8080}]},
                {"name": "b", "image": "reg.io/app@sha256:ab", "securityContext": {"runAsUser": 0}}],
            "volumes": [{"name": "h", "hostPath": {"path": "/proc/1"}}, {"name": "e", "emptyDir": {}}]}}}));
        assert_eq!(
            get_field(&e, "ka.req.pod.host_network", None).as_deref(),
            Some("true")
        );
        assert_eq!(
            get_field(&e, "ka.req.pod.containers.image", None).as_deref(),
            Some("(nginx:1.27,reg.io/app@sha256:ab)")
        );
        assert_eq!(
            get_field(&e, "ka.req.pod.containers.image", Some("1")).as_deref(),
            Some("reg.io/app@sha256:ab")
        );
        assert_eq!(
            get_field(&e, "ka.req.pod.containers.image", Some("2")),
            None
        );
        assert_eq!(
            get_field(&e, "ka.req.pod.containers.image.repository", None).as_deref(),
            Some("(nginx,reg.io/app)")
        );
        assert_eq!(
            get_field(&e, "ka.req.container.image", None).as_deref(),
            Some("nginx:1.27")
        );
        assert_eq!(
            get_field(&e, "ka.req.pod.containers.privileged", None).as_deref(),
            Some("(true)")
        );
        assert_eq!(
            get_field(&e, "ka.req.container.privileged", None).as_deref(),
            Some("true")
        );
        assert_eq!(
            get_field(&e, "ka.req.pod.containers.eff_run_as_user", None).as_deref(),
            Some("(1000,0)")
        );
        assert_eq!(
            get_field(&e, "ka.req.pod.containers.host_port", None).as_deref(),
            Some("(80,8080)")
        );
        assert_eq!(
            get_field(&e, "ka.req.pod.containers.add_capabilities", None).as_deref(),
            Some("(NET_ADMIN)")
        );
        assert_eq!(
            get_field(&e, "ka.req.pod.volumes.hostpath", None).as_deref(),
            Some("(/proc/1)")
        );
        assert_eq!(
            get_field(&e, "ka.req.pod.volumes.volume_type", None).as_deref(),
            Some("(hostPath,emptyDir)")
        );
        assert_eq!(
            get_field(&e, "ka.req.volume.hostpath", Some("/proc*")).as_deref(),
            Some("true")
        );
        assert_eq!(
            get_field(&e, "ka.req.volume.hostpath", Some("/proc")).as_deref(),
            Some("false")
        );
        assert_eq!(get_field(&e, "ka.req.pod.initContainers.image", None), None);
        assert_eq!(get_field(&e, "ka.req.pod.host_pid", None), None);
    }

    #[test]
    fn missing_and_json_values() {
        let e = ev(
            json!({"requestURI": "/api/v1/namespaces/d/pods/p/exec?command=sh&command=-c&stdin=true",
            "user": {"username": "bob", "groups": []}, "a~b": {"c/d": 1}}),
        );
        assert_eq!(
            get_field(&e, "ka.uri.param", Some("command")).as_deref(),
            Some("sh")
        );
        assert_eq!(get_field(&e, "ka.uri.param", Some("tty")), None);
        assert_eq!(get_field(&e, "ka.user.groups", None), None);
        assert_eq!(
            get_field(&e, "jevt.value", Some("/a~0b/c~1d")).as_deref(),
            Some("1")
        );
        assert_eq!(
            get_field(&e, "jevt.value", Some("/user")).as_deref(),
            Some(r#"{"groups":[],"username":"bob"}"#)
        );
        assert_eq!(
            get_field(&e, "jevt.rawtime", None).as_deref(),
            Some("1700000000000000000")
        );
        assert_eq!(get_field(&e, "ka.verb", None), None);
        assert!(resolve("ka.nope", None).is_err());
        assert!(resolve("ka.uri.param", None).is_err());
        assert!(resolve("ka.req.pod.containers.image", Some("x")).is_err());
    }

    #[test]
    fn binding_subjects_by_kind() {
        let e = ev(
            json!({"requestObject": {"roleRef": {"name": "cluster-admin"}, "subjects": [
            {"kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "name": "sa", "namespace": "ns"},
            {"kind": "Group", "name": "devs"}]}}),
        );
        assert_eq!(
            get_field(&e, "ka.req.binding.subjects.user_names", None).as_deref(),
            Some("(alice)")
        );
        assert_eq!(
            get_field(&e, "ka.req.binding.subjects.serviceaccount_ns_names", None).as_deref(),
            Some("(ns:sa)")
        );
        assert_eq!(
            get_field(&e, "ka.req.binding.subjects.group_names", None).as_deref(),
            Some("(devs)")
        );
        assert_eq!(
            get_field(&e, "ka.req.binding.role", None).as_deref(),
            Some("cluster-admin")
        );
    }
}
