//! The parts of a pod that Pod Security Standards read, decoded with the
//! API server's types: a boolean must be a boolean, a user id an integer,
//! a list a list. A value the API server could not decode is an error, not
//! a guess. `null` means "not set", as it does in the API.

use crate::error::PssError;
use kubeguard_core::workload::{ContainerKind, PodSpec, WORKLOAD_KINDS};
use kubeguard_core::{Located, Map, Node, Object, ScalarKind};

use crate::values::{
    APPARMOR_ANNOTATION_PREFIX, SECCOMP_CONTAINER_ANNOTATION_PREFIX, SECCOMP_POD_ANNOTATION,
    WINDOWS_OS,
};

/// A decoded pod: its spec, the annotations the checks read, and where the
/// spec and metadata are in the source.
#[derive(Debug, Clone)]
pub struct Pod<'a> {
    /// The pod spec in the source (for locating violations).
    pub spec_at: Located<'a>,
    /// The pod metadata in the source, when present.
    pub metadata_at: Option<Located<'a>>,
    /// AppArmor and seccomp annotations, `(key, value)` in source order.
    pub annotations: Vec<(&'a str, &'a str)>,
    /// `spec.hostNetwork`.
    pub host_network: bool,
    /// `spec.hostPID`.
    pub host_pid: bool,
    /// `spec.hostIPC`.
    pub host_ipc: bool,
    /// `spec.hostUsers`.
    pub host_users: Option<bool>,
    /// `spec.os.name`.
    pub os_name: Option<&'a str>,
    /// `spec.runtimeClassName`.
    pub runtime_class_name: Option<&'a str>,
    /// `spec.securityContext`.
    pub security_context: Option<SecurityContext<'a>>,
    /// `spec.volumes`.
    pub volumes: Vec<Volume<'a>>,
    /// Init, regular and ephemeral containers, in that order.
    pub containers: Vec<Container<'a>>,
}

/// The security context fields the checks read; pod-only and
/// container-only fields are simply unset at the other level.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecurityContext<'a> {
    /// `runAsNonRoot`.
    pub run_as_non_root: Option<bool>,
    /// `runAsUser`.
    pub run_as_user: Option<i64>,
    /// `seLinuxOptions`.
    pub se_linux_options: Option<SeLinuxOptions<'a>>,
    /// `seccompProfile.type` (`Some("")` when the profile is set without a type).
    pub seccomp_profile: Option<&'a str>,
    /// `appArmorProfile.type` (`Some("")` when the profile is set without a type).
    pub app_armor_profile: Option<&'a str>,
    /// `windowsOptions.hostProcess`.
    pub windows_host_process: Option<bool>,
    /// `privileged` (containers).
    pub privileged: Option<bool>,
    /// `allowPrivilegeEscalation` (containers).
    pub allow_privilege_escalation: Option<bool>,
    /// `capabilities` (containers).
    pub capabilities: Option<Capabilities<'a>>,
    /// `procMount` (containers).
    pub proc_mount: Option<&'a str>,
    /// `sysctls[*].name` (pod).
    pub sysctls: Vec<&'a str>,
}

/// `seLinuxOptions`; unset fields are empty strings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeLinuxOptions<'a> {
    /// `user`.
    pub user: &'a str,
    /// `role`.
    pub role: &'a str,
    /// `type`.
    pub type_: &'a str,
    /// `level`.
    pub level: &'a str,
}

/// `capabilities`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities<'a> {
    /// `add`.
    pub add: Vec<&'a str>,
    /// `drop`.
    pub drop: Vec<&'a str>,
}

/// One volume: its name and the volume source fields it sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume<'a> {
    /// Index in `spec.volumes`.
    pub index: usize,
    /// `name`.
    pub name: &'a str,
    /// The source fields set (`hostPath`, `emptyDir`, ...). Empty means the
    /// API server defaults the volume to `emptyDir`.
    pub sources: Vec<&'a str>,
}

/// A probe or lifecycle handler that names a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandlerHost<'a> {
    /// Path of the `host` field under the container (`livenessProbe.httpGet.host`).
    pub keys: &'static [&'static str],
    /// The host.
    pub host: &'a str,
}

/// One container.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Index in that list.
    pub index: usize,
    /// `name`.
    pub name: &'a str,
    /// `securityContext`.
    pub security_context: Option<SecurityContext<'a>>,
    /// Non-zero `ports[*].hostPort`: `(port index, host port)`.
    pub host_ports: Vec<(usize, i64)>,
    /// Probe and lifecycle handlers with a non-empty `host`.
    pub handler_hosts: Vec<HandlerHost<'a>>,
}

impl<'a> Container<'a> {
    /// The security context, or an empty one.
    #[must_use]
    pub fn sc(&self) -> &SecurityContext<'a> {
        self.security_context.as_ref().unwrap_or(&EMPTY_SC)
    }
}

static EMPTY_SC: SecurityContext<'static> = SecurityContext {
    run_as_non_root: None,
    run_as_user: None,
    se_linux_options: None,
    seccomp_profile: None,
    app_armor_profile: None,
    windows_host_process: None,
    privileged: None,
    allow_privilege_escalation: None,
    capabilities: None,
    proc_mount: None,
    sysctls: Vec::new(),
};

impl<'a> Pod<'a> {
    /// Decodes the pod of `obj` (a Pod or a workload's template).
    ///
    /// # Errors
    /// [`PssError::NotAPod`] for kinds without a pod spec, and
    /// [`PssError::Malformed`] for values the API server could not decode.
    pub fn of(obj: &'a Object) -> Result<Self, PssError> {
        if !WORKLOAD_KINDS.contains(&obj.kind.as_str()) {
            return Err(PssError::NotAPod {
                kind: obj.kind.clone(),
            });
        }
        match PodSpec::of(obj) {
            Some(spec) => Pod::from_spec(&spec),
            None => {
                let (parent, missing) = pod_spec_parent(obj);
                Err(PssError::Malformed {
                    path: parent.path(),
                    pos: parent.at,
                    message: format!("{} has no pod spec mapping at {missing}", obj.kind),
                })
            }
        }
    }

    /// Decodes a pod spec found with [`PodSpec::of`].
    ///
    /// # Errors
    /// [`PssError::Malformed`] for values the API server could not decode.
    pub fn from_spec(spec: &PodSpec<'a>) -> Result<Self, PssError> {
        let d = Decoder { spec: &spec.spec };
        let root = Trail::Root;
        let s = d.map(spec.spec.node, &root)?.unwrap_or(&EMPTY_MAP);
        let annotations = match &spec.metadata {
            Some(meta) => d.annotations(meta)?,
            None => Vec::new(),
        };
        let mut pod = Pod {
            spec_at: spec.spec.clone(),
            metadata_at: spec.metadata.clone(),
            annotations,
            host_network: false,
            host_pid: false,
            host_ipc: false,
            host_users: None,
            os_name: None,
            runtime_class_name: None,
            security_context: None,
            volumes: Vec::new(),
            containers: Vec::new(),
        };
        // Container lists are decoded after the walk, in the order upstream
        // reports them: init, regular, ephemeral.
        let mut lists: [Option<&'a Node>; 3] = [None; 3];
        for (key, value) in s.iter() {
            let t = root.key(key);
            match key {
                "hostNetwork" => pod.host_network = d.bool(value, &t)?.unwrap_or(false),
                "hostPID" => pod.host_pid = d.bool(value, &t)?.unwrap_or(false),
                "hostIPC" => pod.host_ipc = d.bool(value, &t)?.unwrap_or(false),
                "hostUsers" => pod.host_users = d.bool(value, &t)?,
                "runtimeClassName" => pod.runtime_class_name = d.str(value, &t)?,
                "os" => {
                    pod.os_name = match d.map(value, &t)? {
                        Some(os) => d.field_str(os, "name", &t)?,
                        None => None,
                    };
                }
                "securityContext" => pod.security_context = d.security_context(value, &t)?,
                "volumes" => {
                    let items = d.seq(value, &t)?;
                    pod.volumes.reserve_exact(items.len());
                    for (index, item) in items.iter().enumerate() {
                        pod.volumes.push(d.volume(index, item, &t.index(index))?);
                    }
                }
                "initContainers" => lists[0] = Some(value),
                "containers" => lists[1] = Some(value),
                "ephemeralContainers" => lists[2] = Some(value),
                _ => {}
            }
        }
        let kinds = [
            ContainerKind::Init,
            ContainerKind::Regular,
            ContainerKind::Ephemeral,
        ];
        let mut decoded_lists: [&[Node]; 3] = [&[]; 3];
        for ((kind, list), decoded) in kinds.iter().zip(lists).zip(&mut decoded_lists) {
            if let Some(list) = list {
                *decoded = d.seq(list, &root.key(kind.field()))?;
            }
        }
        pod.containers
            .reserve_exact(decoded_lists.iter().map(|l| l.len()).sum());
        for (kind, items) in kinds.into_iter().zip(decoded_lists) {
            let t = root.key(kind.field());
            for (index, item) in items.iter().enumerate() {
                pod.containers
                    .push(d.container(kind, index, item, &t.index(index))?);
            }
        }
        Ok(pod)
    }

    /// The pod-level security context, or an empty one.
    #[must_use]
    pub fn sc(&self) -> &SecurityContext<'a> {
        self.security_context.as_ref().unwrap_or(&EMPTY_SC)
    }

    /// Whether `spec.os.name` is `windows`.
    #[must_use]
    pub fn is_windows(&self) -> bool {
        self.os_name == Some(WINDOWS_OS)
    }

    /// Whether `spec.hostUsers` is explicitly `false` (a user-namespace pod).
    #[must_use]
    pub fn in_user_namespace(&self) -> bool {
        self.host_users == Some(false)
    }
}

static EMPTY_MAP: Map = Map {
    entries: Vec::new(),
};

/// For an object whose pod spec is missing: the nearest existing parent
/// and the path that is missing.
fn pod_spec_parent(obj: &Object) -> (Located<'_>, &'static str) {
    let path: &[&str] = match obj.kind.as_str() {
        "Pod" => &["spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        "PodTemplate" => &["template", "spec"],
        _ => &["spec", "template", "spec"],
    };
    let located = match obj.located().lookup(path) {
        Ok(found) => found,
        Err(parent) => parent,
    };
    let text = match path.len() {
        1 => "spec",
        2 => "template.spec",
        3 => "spec.template.spec",
        _ => "spec.jobTemplate.spec.template.spec",
    };
    (located, text)
}

/// A field path built on the stack while decoding; rendered only for errors.
#[derive(Clone, Copy)]
enum Trail<'t> {
    Root,
    Key(&'t Trail<'t>, &'t str),
    Index(&'t Trail<'t>, usize),
}

impl<'t> Trail<'t> {
    fn key(&'t self, key: &'t str) -> Trail<'t> {
        Trail::Key(self, key)
    }

    fn index(&'t self, i: usize) -> Trail<'t> {
        Trail::Index(self, i)
    }

    fn render(&self, out: &mut String) {
        match self {
            Trail::Root => {}
            Trail::Key(parent, key) => {
                parent.render(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Trail::Index(parent, i) => {
                parent.render(out);
                out.push_str(&format!("[{i}]"));
            }
        }
    }
}

struct Decoder<'s, 'a> {
    spec: &'s Located<'a>,
}

fn describe(node: &Node) -> String {
    match &node.value {
        kubeguard_core::Value::Map(_) => "a mapping".into(),
        kubeguard_core::Value::Seq(_) => "a list".into(),
        kubeguard_core::Value::Scalar(s) => match s.kind {
            ScalarKind::Str => format!("the string {:?}", s.text),
            ScalarKind::Bool(b) => format!("the boolean {b}"),
            ScalarKind::Int(i) => format!("the integer {i}"),
            ScalarKind::Float(_) => format!("the number {}", s.text),
            ScalarKind::Null => "null".into(),
        },
    }
}

impl<'a> Decoder<'_, 'a> {
    fn err(&self, trail: &Trail<'_>, node: &Node, expected: &str) -> PssError {
        let mut path = self.spec.path();
        trail.render(&mut path);
        PssError::Malformed {
            path,
            pos: node.span.start,
            message: format!(
                "expected {expected}, found {}; the API server cannot decode this pod",
                describe(node)
            ),
        }
    }

    fn map(&self, node: &'a Node, t: &Trail<'_>) -> Result<Option<&'a Map>, PssError> {
        match &node.value {
            kubeguard_core::Value::Map(m) => Ok(Some(m)),
            _ if node.is_null() => Ok(None),
            _ => Err(self.err(t, node, "a mapping")),
        }
    }

    fn seq(&self, node: &'a Node, t: &Trail<'_>) -> Result<&'a [Node], PssError> {
        match &node.value {
            kubeguard_core::Value::Seq(items) => Ok(items),
            _ if node.is_null() => Ok(&[]),
            _ => Err(self.err(t, node, "a list")),
        }
    }

    fn bool(&self, n: &'a Node, t: &Trail<'_>) -> Result<Option<bool>, PssError> {
        if n.is_null() {
            return Ok(None);
        }
        n.as_bool()
            .map(Some)
            .ok_or_else(|| self.err(t, n, "a boolean"))
    }

    fn int(&self, n: &'a Node, t: &Trail<'_>) -> Result<Option<i64>, PssError> {
        if n.is_null() {
            return Ok(None);
        }
        n.as_i64()
            .map(Some)
            .ok_or_else(|| self.err(t, n, "an integer"))
    }

    fn str(&self, n: &'a Node, t: &Trail<'_>) -> Result<Option<&'a str>, PssError> {
        if n.is_null() {
            return Ok(None);
        }
        n.as_str()
            .map(Some)
            .ok_or_else(|| self.err(t, n, "a string"))
    }

    /// The string field `key` of `m`.
    fn field_str(&self, m: &'a Map, key: &str, t: &Trail<'_>) -> Result<Option<&'a str>, PssError> {
        match m.get(key) {
            Some(n) => self.str(n, &t.key(key)),
            None => Ok(None),
        }
    }

    fn str_list(&self, n: &'a Node, t: &Trail<'_>) -> Result<Vec<&'a str>, PssError> {
        self.seq(n, t)?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_str()
                    .ok_or_else(|| self.err(&t.index(i), item, "a string"))
            })
            .collect()
    }

    /// A struct-valued field that only matters for its `type`:
    /// `None` when null, `Some("")` when set without a type.
    fn profile_type(&self, n: &'a Node, t: &Trail<'_>) -> Result<Option<&'a str>, PssError> {
        match self.map(n, t)? {
            Some(profile) => Ok(Some(self.field_str(profile, "type", t)?.unwrap_or(""))),
            None => Ok(None),
        }
    }

    fn annotations(&self, meta: &Located<'a>) -> Result<Vec<(&'a str, &'a str)>, PssError> {
        let Some(annotations) = meta.node.get("annotations") else {
            return Ok(Vec::new());
        };
        let meta_map = meta.node.as_map();
        let Some(map) = annotations.as_map() else {
            if annotations.is_null() || meta_map.is_none() {
                return Ok(Vec::new());
            }
            let mut path = meta.path();
            path.push_str(".annotations");
            return Err(PssError::Malformed {
                path,
                pos: annotations.span.start,
                message: format!(
                    "expected a mapping, found {}; the API server cannot decode this pod",
                    describe(annotations)
                ),
            });
        };
        let mut out = Vec::new();
        for (key, value) in map.iter() {
            let relevant = key.starts_with(APPARMOR_ANNOTATION_PREFIX)
                || key == SECCOMP_POD_ANNOTATION
                || key.starts_with(SECCOMP_CONTAINER_ANNOTATION_PREFIX);
            if !relevant {
                continue;
            }
            let text = if value.is_null() {
                ""
            } else {
                value.as_str().ok_or_else(|| {
                    let mut path = meta.path();
                    path.push_str(&format!(".annotations[{key:?}]"));
                    PssError::Malformed {
                        path,
                        pos: value.span.start,
                        message: format!(
                            "expected a string, found {}; annotation values are strings (quote them)",
                            describe(value)
                        ),
                    }
                })?
            };
            out.push((key, text));
        }
        Ok(out)
    }

    fn security_context(
        &self,
        node: &'a Node,
        t: &Trail<'_>,
    ) -> Result<Option<SecurityContext<'a>>, PssError> {
        let Some(m) = self.map(node, t)? else {
            return Ok(None);
        };
        let mut sc = SecurityContext::default();
        for (key, value) in m.iter() {
            let t = t.key(key);
            match key {
                "runAsNonRoot" => sc.run_as_non_root = self.bool(value, &t)?,
                "runAsUser" => sc.run_as_user = self.int(value, &t)?,
                "seLinuxOptions" => sc.se_linux_options = self.se_linux_options(value, &t)?,
                "seccompProfile" => sc.seccomp_profile = self.profile_type(value, &t)?,
                "appArmorProfile" => sc.app_armor_profile = self.profile_type(value, &t)?,
                "windowsOptions" => {
                    sc.windows_host_process = match self.map(value, &t)? {
                        Some(o) => match o.get("hostProcess") {
                            Some(n) => self.bool(n, &t.key("hostProcess"))?,
                            None => None,
                        },
                        None => None,
                    };
                }
                "privileged" => sc.privileged = self.bool(value, &t)?,
                "allowPrivilegeEscalation" => {
                    sc.allow_privilege_escalation = self.bool(value, &t)?
                }
                "capabilities" => sc.capabilities = self.capabilities(value, &t)?,
                "procMount" => sc.proc_mount = self.str(value, &t)?,
                "sysctls" => {
                    let items = self.seq(value, &t)?;
                    sc.sysctls.reserve_exact(items.len());
                    for (i, item) in items.iter().enumerate() {
                        let t = t.index(i);
                        let entry = self.map(item, &t)?.unwrap_or(&EMPTY_MAP);
                        sc.sysctls
                            .push(self.field_str(entry, "name", &t)?.unwrap_or(""));
                    }
                }
                _ => {}
            }
        }
        Ok(Some(sc))
    }

    fn se_linux_options(
        &self,
        n: &'a Node,
        t: &Trail<'_>,
    ) -> Result<Option<SeLinuxOptions<'a>>, PssError> {
        let Some(o) = self.map(n, t)? else {
            return Ok(None);
        };
        Ok(Some(SeLinuxOptions {
            user: self.field_str(o, "user", t)?.unwrap_or(""),
            role: self.field_str(o, "role", t)?.unwrap_or(""),
            type_: self.field_str(o, "type", t)?.unwrap_or(""),
            level: self.field_str(o, "level", t)?.unwrap_or(""),
        }))
    }

    fn capabilities(
        &self,
        n: &'a Node,
        t: &Trail<'_>,
    ) -> Result<Option<Capabilities<'a>>, PssError> {
        let Some(c) = self.map(n, t)? else {
            return Ok(None);
        };
        let mut caps = Capabilities::default();
        for (key, value) in c.iter() {
            match key {
                "add" => caps.add = self.str_list(value, &t.key(key))?,
                "drop" => caps.drop = self.str_list(value, &t.key(key))?,
                _ => {}
            }
        }
        Ok(Some(caps))
    }

    fn container(
        &self,
        kind: ContainerKind,
        index: usize,
        node: &'a Node,
        t: &Trail<'_>,
    ) -> Result<Container<'a>, PssError> {
        let m = self.map(node, t)?.unwrap_or(&EMPTY_MAP);
        let mut container = Container {
            kind,
            index,
            name: "",
            security_context: None,
            host_ports: Vec::new(),
            handler_hosts: Vec::new(),
        };
        for (key, value) in m.iter() {
            let t = t.key(key);
            match key {
                "name" => container.name = self.str(value, &t)?.unwrap_or(""),
                "securityContext" => {
                    container.security_context = self.security_context(value, &t)?
                }
                "ports" => self.host_ports(value, &t, &mut container.host_ports)?,
                "livenessProbe" | "readinessProbe" | "startupProbe" | "lifecycle" => {
                    for keys in HANDLER_HOSTS.iter().filter(|k| k[0] == key) {
                        if let Some(host) = self.nested_str(value, &keys[1..], &t)?
                            && !host.is_empty()
                        {
                            container.handler_hosts.push(HandlerHost { keys, host });
                        }
                    }
                }
                _ => {}
            }
        }
        // Report handlers in upstream's order, whatever the key order.
        container
            .handler_hosts
            .sort_by_key(|h| HANDLER_HOSTS.iter().position(|k| std::ptr::eq(*k, h.keys)));
        Ok(container)
    }

    /// Non-zero `hostPort`s of `ports`, as `(port index, host port)`.
    fn host_ports(
        &self,
        n: &'a Node,
        t: &Trail<'_>,
        out: &mut Vec<(usize, i64)>,
    ) -> Result<(), PssError> {
        for (i, item) in self.seq(n, t)?.iter().enumerate() {
            let t = t.index(i);
            let port = self.map(item, &t)?.unwrap_or(&EMPTY_MAP);
            let Some(node) = port.get("hostPort") else {
                continue;
            };
            let t = t.key("hostPort");
            if let Some(host_port) = self.int(node, &t)? {
                if i32::try_from(host_port).is_err() {
                    return Err(self.err(&t, node, "a 32-bit port number"));
                }
                if host_port != 0 {
                    out.push((i, host_port));
                }
            }
        }
        Ok(())
    }

    /// The string at `keys` below `n`; `None` when any step is unset.
    fn nested_str(
        &self,
        n: &'a Node,
        keys: &[&'static str],
        t: &Trail<'_>,
    ) -> Result<Option<&'a str>, PssError> {
        let Some((first, rest)) = keys.split_first() else {
            return self.str(n, t);
        };
        let Some(m) = self.map(n, t)? else {
            return Ok(None);
        };
        match m.get(first) {
            Some(next) => self.nested_str(next, rest, &t.key(first)),
            None => Ok(None),
        }
    }

    fn volume(&self, index: usize, node: &'a Node, t: &Trail<'_>) -> Result<Volume<'a>, PssError> {
        let m = self.map(node, t)?.unwrap_or(&EMPTY_MAP);
        let mut name = "";
        let mut sources = Vec::with_capacity(1);
        for (key, value) in m.iter() {
            if key == "name" {
                name = self.str(value, &t.key(key))?.unwrap_or("");
            } else if !value.is_null() {
                sources.push(key);
            }
        }
        Ok(Volume {
            index,
            name,
            sources,
        })
    }
}

/// Probe and lifecycle handlers that can name a host, as paths under a
/// container ending in `<handler>.host`.
const HANDLER_HOSTS: &[&[&str]] = &[
    &["livenessProbe", "httpGet", "host"],
    &["livenessProbe", "tcpSocket", "host"],
    &["readinessProbe", "httpGet", "host"],
    &["readinessProbe", "tcpSocket", "host"],
    &["startupProbe", "httpGet", "host"],
    &["startupProbe", "tcpSocket", "host"],
    &["lifecycle", "postStart", "httpGet", "host"],
    &["lifecycle", "postStart", "tcpSocket", "host"],
    &["lifecycle", "preStop", "httpGet", "host"],
    &["lifecycle", "preStop", "tcpSocket", "host"],
];
