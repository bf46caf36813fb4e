//! Everything read from one node: its running components, their
//! configuration files and accounts, and each setting resolved in the
//! order the component resolves it (flag, configuration file, default).

use crate::accounts::Accounts;
use crate::config_file::ConfigFile;
use crate::process::{self, Component, Process};
use crate::root::NodeRoot;
use crate::setting::{Precedence, Setting, config_flag};
use kubeguard_core::Diagnostic;
use std::fmt;
use std::io;
use std::os::unix::fs::MetadataExt;

/// What became of a component's configuration file.
#[derive(Debug, Clone)]
pub enum ConfigState {
    /// The component runs without one.
    Absent,
    /// Read and parsed.
    Loaded(ConfigFile),
    /// Named by its flag but not readable under the root (it may exist only
    /// inside the component's container) or not parseable: why.
    Unreadable(String),
}

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag {
        /// The component.
        component: Component,
        /// Its process id.
        pid: u32,
        /// The flag's name.
        flag: String,
        /// The flag's value.
        value: String,
    },
    /// An environment variable (etcd's `ETCD_*`).
    Env {
        /// The component.
        component: Component,
        /// Its process id.
        pid: u32,
        /// The variable's name.
        var: String,
        /// Its value.
        value: String,
    },
    /// A configuration file.
    File {
        /// The host path.
        path: String,
        /// The line of the key.
        line: u32,
    },
    /// The component's default.
    Default {
        /// The component.
        component: Component,
        /// Whether it runs with a configuration file.
        with_file: bool,
    },
}

impl Source {
    /// The file and line a finding points at: the configuration file, or
    /// the process's command line.
    #[must_use]
    pub fn location(&self, host: &Host) -> (String, u32) {
        match self {
            Source::Flag { pid, .. } => (format!("/proc/{pid}/cmdline"), 1),
            Source::Env { pid, .. } => (format!("/proc/{pid}/environ"), 1),
            Source::File { path, line } => (path.clone(), *line),
            Source::Default { component, .. } => host
                .process(*component)
                .map_or_else(|| (String::new(), 1), |p| (p.cmdline_path(), 1)),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag {
                component,
                pid,
                flag,
                value,
            } => write!(f, "{component} (pid {pid}) --{flag}={value}"),
            Source::Env {
                component,
                pid,
                var,
                value,
            } => write!(f, "{component} (pid {pid}) environment {var}={value}"),
            Source::File { path, line } => write!(f, "{path}:{line}"),
            Source::Default {
                component,
                with_file: true,
            } => write!(f, "{component} default (configuration file in use)"),
            Source::Default { component, .. } => write!(f, "{component} default"),
        }
    }
}

/// A setting's effective value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The value; `None` when unset with no default.
    pub value: Option<String>,
    /// Where it came from.
    pub source: Source,
}

/// The outcome of resolving a setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The effective value.
    Found(Resolved),
    /// The component does not run on the node.
    NotRunning(Component),
    /// The value cannot be known from the root: why.
    NotCheckable(String),
}

/// A file's mode and owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileInfo {
    /// Permission bits.
    pub mode: u32,
    /// Owner user id.
    pub uid: u32,
    /// Owner group id.
    pub gid: u32,
    /// Whether it is a directory.
    pub is_dir: bool,
}

/// One node, as read under its root.
#[derive(Debug)]
pub struct Host {
    /// The root it was read from.
    pub root: NodeRoot,
    /// Its users and groups.
    pub accounts: Accounts,
    /// Its running components, by pid.
    pub processes: Vec<Process>,
    configs: Vec<(Component, ConfigState)>,
    /// The API server's `--authentication-config` (`AuthenticationConfiguration`).
    authentication_config: ConfigState,
    /// The kubelet's `--config-dir` drop-ins in the order it merges them,
    /// or why they cannot be read.
    kubelet_dropins: Result<Vec<ConfigFile>, String>,
    /// Configuration files that could not be parsed.
    pub errors: Vec<Diagnostic>,
}

impl Host {
    /// Reads the node under `root`: processes, accounts and the
    /// configuration file of each component that runs.
    #[must_use]
    pub fn load(root: NodeRoot) -> Host {
        let processes = process::scan(&root);
        Host::with_processes(root, processes)
    }

    /// A node with the given processes (their files are still read under
    /// `root`).
    #[must_use]
    pub fn with_processes(root: NodeRoot, processes: Vec<Process>) -> Host {
        let accounts = Accounts::load(&root);
        let mut host = Host {
            root,
            accounts,
            processes,
            configs: Vec::new(),
            authentication_config: ConfigState::Absent,
            kubelet_dropins: Ok(Vec::new()),
            errors: Vec::new(),
        };
        for component in Component::ALL {
            let state = host.read_config(component);
            host.configs.push((component, state));
        }
        host.authentication_config = host.read_file_of(
            Component::ApiServer,
            crate::authn::FLAG,
            crate::authn::validate,
        );
        host.kubelet_dropins = host.read_kubelet_dropins();
        host
    }

    /// The kubelet's `--config-dir`: its `*.conf` files in lexical order,
    /// each overriding the configuration file and the ones before it.
    fn read_kubelet_dropins(&mut self) -> Result<Vec<ConfigFile>, String> {
        let Some(dir) = self
            .process(Component::Kubelet)
            .and_then(|p| p.flag("config-dir"))
            .map(str::to_owned)
        else {
            return Ok(Vec::new());
        };
        if !dir.starts_with('/') {
            return Err(format!(
                "kubelet --config-dir {dir} is relative to the process's working directory, which the root does not show"
            ));
        }
        let entries = self.root.read_dir(&dir).map_err(|e| {
            format!(
                "kubelet --config-dir {dir} is not readable under the root ({})",
                io_reason(&e)
            )
        })?;
        let mut files = Vec::new();
        for path in entries.into_iter().filter(|p| p.ends_with(".conf")) {
            let text = self
                .root
                .read_to_string(&path)
                .map_err(|e| format!("kubelet drop-in {path}: {}", io_reason(&e)))?;
            match ConfigFile::parse(&path, &text) {
                Ok(file) => files.push(file),
                Err(e) => {
                    let why = format!("kubelet drop-in {path} does not parse: {}", e.message);
                    self.errors.push(e);
                    return Err(why);
                }
            }
        }
        Ok(files)
    }

    fn read_config(&mut self, component: Component) -> ConfigState {
        let (Some(flag), _) = config_flag(component) else {
            return ConfigState::Absent;
        };
        self.read_file_of(component, flag, |_| Ok(()))
    }

    /// The configuration file a component's flag names, parsed and then
    /// checked by `validate`; a file that does not parse or validate is a
    /// located error of the run.
    fn read_file_of(
        &mut self,
        component: Component,
        flag: &str,
        validate: fn(&ConfigFile) -> Result<(), Diagnostic>,
    ) -> ConfigState {
        let Some(path) = self
            .process(component)
            .and_then(|p| p.flag(flag).or_else(|| p.env_flag(flag)))
        else {
            return ConfigState::Absent;
        };
        let path = path.to_owned();
        if !path.starts_with('/') {
            return ConfigState::Unreadable(format!(
                "{component} --{flag} {path} is relative to the process's working directory, which the root does not show"
            ));
        }
        match self.root.read_to_string(&path) {
            Ok(text) => {
                match ConfigFile::parse(&path, &text).and_then(|f| validate(&f).map(|()| f)) {
                    Ok(file) => ConfigState::Loaded(file),
                    Err(e) => {
                        let why = format!("{component} --{flag} {e}");
                        self.errors.push(e);
                        ConfigState::Unreadable(why)
                    }
                }
            }
            Err(e) => ConfigState::Unreadable(format!(
                "{component} --{flag} {path} is not readable under the root ({}); it may exist only inside the component's container",
                io_reason(&e)
            )),
        }
    }

    /// The component's process (the lowest pid when several run).
    #[must_use]
    pub fn process(&self, component: Component) -> Option<&Process> {
        self.processes.iter().find(|p| p.component == component)
    }

    /// Whether the component runs on the node.
    #[must_use]
    pub fn running(&self, component: Component) -> bool {
        self.process(component).is_some()
    }

    /// The API server's `--authentication-config` file state.
    #[must_use]
    pub fn authentication_config(&self) -> &ConfigState {
        &self.authentication_config
    }

    /// The component's configuration file state.
    #[must_use]
    pub fn config(&self, component: Component) -> &ConfigState {
        self.configs
            .iter()
            .find(|(c, _)| *c == component)
            .map_or(&ConfigState::Absent, |(_, s)| s)
    }

    /// The setting's effective value, resolved as the component does.
    #[must_use]
    pub fn resolve(&self, component: Component, setting: &Setting) -> Lookup {
        let Some(process) = self.process(component) else {
            return Lookup::NotRunning(component);
        };
        let from_flag = || {
            let flag = process.flag(setting.flag).map(|v| Resolved {
                value: Some(v.to_owned()),
                source: Source::Flag {
                    component,
                    pid: process.pid,
                    flag: setting.flag.to_owned(),
                    value: v.to_owned(),
                },
            });
            flag.or_else(|| {
                process.env_flag(setting.flag).map(|v| Resolved {
                    value: Some(v.to_owned()),
                    source: Source::Env {
                        component,
                        pid: process.pid,
                        var: format!(
                            "ETCD_{}",
                            setting.flag.to_ascii_uppercase().replace('-', "_")
                        ),
                        value: v.to_owned(),
                    },
                })
            })
        };
        let state = self.config(component);
        let default = |with_file: bool| Resolved {
            value: if with_file {
                setting.config_default
            } else {
                setting.default
            }
            .map(str::to_owned),
            source: Source::Default {
                component,
                with_file,
            },
        };
        let (_, precedence) = config_flag(component);
        let Some(key) = setting.config else {
            return Lookup::Found(from_flag().unwrap_or_else(|| default(false)));
        };
        let from_file = |file: &ConfigFile| {
            file.get(key).map(|v| Resolved {
                value: Some(v.text),
                source: Source::File {
                    path: file.path.clone(),
                    line: v.line,
                },
            })
        };
        match (precedence, state) {
            (Precedence::FileWins, ConfigState::Loaded(file)) => {
                Lookup::Found(from_file(file).unwrap_or_else(|| default(true)))
            }
            (Precedence::FileWins, ConfigState::Unreadable(why)) => {
                Lookup::NotCheckable(why.clone())
            }
            (Precedence::FlagOverFile, _) => {
                if let Some(r) = from_flag() {
                    return Lookup::Found(r);
                }
                let dropins = match &self.kubelet_dropins {
                    Ok(files) => files,
                    Err(why) => return Lookup::NotCheckable(why.clone()),
                };
                if let Some(r) = dropins.iter().rev().find_map(from_file) {
                    return Lookup::Found(r);
                }
                match state {
                    ConfigState::Loaded(file) => {
                        Lookup::Found(from_file(file).unwrap_or_else(|| default(true)))
                    }
                    ConfigState::Unreadable(why) => Lookup::NotCheckable(why.clone()),
                    ConfigState::Absent => Lookup::Found(default(false)),
                }
            }
            _ => Lookup::Found(from_flag().unwrap_or_else(|| default(false))),
        }
    }

    /// The mode and owner of a host path (links followed inside the root).
    pub fn stat(&self, path: &str) -> io::Result<FileInfo> {
        let meta = self.root.stat(path)?;
        Ok(FileInfo {
            mode: meta.mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
            is_dir: meta.is_dir(),
        })
    }
}

/// A short reason for an I/O error.
#[must_use]
pub fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "not found".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}
