//! A setting of a component: its flag, where its configuration file holds
//! it, and the component's real defaults with and without that file.

use crate::process::Component;

/// One setting of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The command-line flag, without dashes.
    pub flag: &'static str,
    /// The dotted path of the same setting in the component's
    /// configuration file, if the file can hold it.
    pub config: Option<&'static str>,
    /// The component's default when it runs without a configuration file
    /// (`None`: unset).
    pub default: Option<&'static str>,
    /// The default when it runs with a configuration file (the kubelet's
    /// `KubeletConfiguration` defaults differ from its flags' legacy ones).
    pub config_default: Option<&'static str>,
}

impl Setting {
    /// A flag-only setting with the component's default.
    #[must_use]
    pub const fn flag(flag: &'static str, default: Option<&'static str>) -> Setting {
        Setting {
            flag,
            config: None,
            default,
            config_default: default,
        }
    }

    /// A setting that a configuration file can also hold, with one default.
    #[must_use]
    pub const fn both(
        flag: &'static str,
        config: &'static str,
        default: Option<&'static str>,
    ) -> Setting {
        Setting {
            flag,
            config: Some(config),
            default,
            config_default: default,
        }
    }

    /// A setting whose default depends on whether the file is used.
    #[must_use]
    pub const fn split(
        flag: &'static str,
        config: &'static str,
        default: Option<&'static str>,
        config_default: Option<&'static str>,
    ) -> Setting {
        Setting {
            flag,
            config: Some(config),
            default,
            config_default,
        }
    }
}

/// How a component combines its flags and its configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precedence {
    /// Flags only.
    FlagsOnly,
    /// A flag overrides the file, the file overrides the default (kubelet).
    FlagOverFile,
    /// When the file is given, it decides every setting it can hold and
    /// the flags for those are ignored (scheduler's deprecated flags,
    /// kube-proxy, etcd `--config-file`, API server `--authorization-config`).
    FileWins,
}

/// The flag that names a component's configuration file, and how the
/// component combines the two.
#[must_use]
pub fn config_flag(component: Component) -> (Option<&'static str>, Precedence) {
    match component {
        Component::Kubelet => (Some("config"), Precedence::FlagOverFile),
        Component::Scheduler | Component::Proxy => (Some("config"), Precedence::FileWins),
        Component::Etcd => (Some("config-file"), Precedence::FileWins),
        Component::ApiServer => (Some("authorization-config"), Precedence::FileWins),
        Component::ControllerManager => (None, Precedence::FlagsOnly),
    }
}
