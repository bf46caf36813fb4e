//! The Kubernetes components running on the node, from
//! `ROOT/proc/<pid>/cmdline`: a component is recognised by the base name
//! of its `argv[0]` (an editor or `journalctl` whose arguments mention
//! `kubelet` is not a kubelet), and its flags are read as the component
//! reads them (`--f=v`, `--f v`, `-f v`; the last occurrence wins).

use crate::root::NodeRoot;
use serde::Serialize;
use std::fmt;

/// A Kubernetes component the benchmark checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    /// `kube-apiserver`.
    ApiServer,
    /// `kube-controller-manager`.
    ControllerManager,
    /// `kube-scheduler`.
    Scheduler,
    /// `etcd`.
    Etcd,
    /// `kubelet`.
    Kubelet,
    /// `kube-proxy`.
    Proxy,
}

impl Component {
    /// Every component.
    pub const ALL: [Component; 6] = [
        Component::ApiServer,
        Component::ControllerManager,
        Component::Scheduler,
        Component::Etcd,
        Component::Kubelet,
        Component::Proxy,
    ];

    /// The binary's name.
    #[must_use]
    pub fn binary(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Etcd => "etcd",
            Component::Kubelet => "kubelet",
            Component::Proxy => "kube-proxy",
        }
    }

    /// The component whose binary is `name`.
    #[must_use]
    pub fn from_binary(name: &str) -> Option<Component> {
        Component::ALL.into_iter().find(|c| c.binary() == name)
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.binary())
    }
}

/// One flag as written on a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// The name without dashes.
    pub name: String,
    /// The value (`true` for a bare boolean flag).
    pub value: String,
}

/// A running component.
#[derive(Debug, Clone)]
pub struct Process {
    /// Its process id.
    pub pid: u32,
    /// Which component it is.
    pub component: Component,
    /// Its flags in command-line order.
    pub flags: Vec<Flag>,
    /// Settings it takes from its environment, as flags (`ETCD_CERT_FILE`
    /// is etcd's `cert-file`), when `/proc/<pid>/environ` is readable. Only
    /// etcd reads its settings from the environment; other variables are
    /// never kept.
    pub env: Vec<Flag>,
}

impl Process {
    /// The flag's value as the component sees it (the last occurrence).
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    /// The setting's value from the environment, if the component reads it
    /// there and no flag sets it.
    #[must_use]
    pub fn env_flag(&self, name: &str) -> Option<&str> {
        if self.flag(name).is_some() {
            return None;
        }
        self.env
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    }

    /// The host path of the process's command line.
    #[must_use]
    pub fn cmdline_path(&self) -> String {
        format!("/proc/{}/cmdline", self.pid)
    }
}

/// Parses the flags of an argument list (without `argv[0]`): `--f=v` and
/// `--f v` are the same, a flag followed by another flag (or by nothing)
/// is a boolean set to `true`, and words that are not flags are skipped.
#[must_use]
pub fn parse_flags<S: AsRef<str>>(args: &[S]) -> Vec<Flag> {
    let mut flags = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_ref();
        i += 1;
        if arg == "--" {
            break;
        }
        let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            continue;
        };
        if body.is_empty() {
            continue;
        }
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, v.to_owned()),
            None => match args.get(i).map(AsRef::as_ref) {
                Some(next) if !next.starts_with('-') => {
                    i += 1;
                    (body, next.to_owned())
                }
                _ => (body, "true".to_owned()),
            },
        };
        flags.push(Flag {
            name: name.to_owned(),
            value,
        });
    }
    flags
}

/// The components running under `root`, by pid. A root without `/proc`
/// has none; a process that ends while it is read is skipped. `/proc` is
/// located under the root once; its entries are read directly.
#[must_use]
pub fn scan(root: &NodeRoot) -> Vec<Process> {
    let Ok(proc_dir) = root.locate("/proc") else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&proc_dir) else {
        return Vec::new();
    };
    let mut found: Vec<Process> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let dir = entry.path();
            let raw = std::fs::read(dir.join("cmdline")).ok()?;
            let mut process = from_cmdline(pid, &raw)?;
            if process.component == Component::Etcd {
                process.env = etcd_env(&std::fs::read(dir.join("environ")).unwrap_or_default());
            }
            Some(process)
        })
        .collect();
    found.sort_by_key(|p| p.pid);
    found
}

/// The component a NUL-separated command line runs, if any.
#[must_use]
pub fn from_cmdline(pid: u32, raw: &[u8]) -> Option<Process> {
    let text = String::from_utf8_lossy(raw);
    let argv: Vec<&str> = text.split('\0').filter(|s| !s.is_empty()).collect();
    let argv0 = argv.first()?;
    let component = Component::from_binary(argv0.rsplit('/').next()?)?;
    Some(Process {
        pid,
        component,
        flags: parse_flags(&argv[1..]),
        env: Vec::new(),
    })
}

/// etcd's settings in a NUL-separated environment: `ETCD_PEER_CERT_FILE=x`
/// is `peer-cert-file`. Other variables are dropped unread.
#[must_use]
pub fn etcd_env(raw: &[u8]) -> Vec<Flag> {
    String::from_utf8_lossy(raw)
        .split('\0')
        .filter_map(|kv| {
            let (key, value) = kv.split_once('=')?;
            let name = key.strip_prefix("ETCD_")?;
            (!name.is_empty()).then(|| Flag {
                name: name.to_ascii_lowercase().replace('_', "-"),
                value: value.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_flag_spellings_are_one() {
        let flags = parse_flags(&[
            "--profiling=false",
            "--bind-address",
            "127.0.0.1",
            "--v=2",
            "-data-dir",
            "/var/lib/etcd",
            "--allow-privileged",
            "--secure-port=6443",
            "--rotate-certificates",
        ]);
        let get = |n: &str| {
            flags
                .iter()
                .rev()
                .find(|f| f.name == n)
                .map(|f| f.value.as_str())
        };
        assert_eq!(get("profiling"), Some("false"));
        assert_eq!(get("bind-address"), Some("127.0.0.1"));
        assert_eq!(get("data-dir"), Some("/var/lib/etcd"));
        assert_eq!(get("allow-privileged"), Some("true"));
        assert_eq!(get("rotate-certificates"), Some("true"));
    }

    #[test]
    fn components_are_recognised_by_argv0_only() {
        let p = from_cmdline(
            7,
            b"/usr/bin/kubelet\0--config=/var/lib/kubelet/config.yaml\0",
        )
        .unwrap();
        assert_eq!(p.component, Component::Kubelet);
        assert_eq!(p.flag("config"), Some("/var/lib/kubelet/config.yaml"));
        assert!(from_cmdline(8, b"vim\0/etc/systemd/system/kubelet.service\0").is_none());
        assert!(from_cmdline(9, b"journalctl\0-u\0kubelet\0").is_none());
        assert!(from_cmdline(10, b"").is_none());
        let last = from_cmdline(
            11,
            b"kube-apiserver\0--profiling=true\0--profiling\0false\0",
        )
        .unwrap();
        assert_eq!(last.flag("profiling"), Some("false"));
    }
}
