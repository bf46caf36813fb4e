//! The admission plugin's configuration, `PodSecurityConfiguration`
//! (`pod-security.admission.config.k8s.io/v1` and `v1beta1`): default
//! levels and versions for namespaces without labels, and exemptions by
//! user name, runtime class and namespace. It may stand alone or be
//! embedded in an `AdmissionConfiguration` under the `PodSecurity` plugin.

use crate::error::PssError;
use crate::level::Level;
use crate::namespace::Policy;
use crate::pod::Pod;
use crate::version::Version;
use kubeguard_core::{Located, Object};

/// API versions of `PodSecurityConfiguration` the plugin accepts.
pub const API_VERSIONS: &[&str] = &[
    "pod-security.admission.config.k8s.io/v1",
    "pod-security.admission.config.k8s.io/v1beta1",
];

/// Exemptions: objects they match are admitted without evaluation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exemptions {
    /// Requesting users.
    pub usernames: Vec<String>,
    /// Pod `runtimeClassName`s.
    pub runtime_classes: Vec<String>,
    /// Namespaces.
    pub namespaces: Vec<String>,
}

impl Exemptions {
    /// The pod's runtime class, when it is exempt.
    #[must_use]
    pub fn runtime_class<'p>(&self, pod: &Pod<'p>) -> Option<&'p str> {
        pod.runtime_class_name
            .filter(|rc| self.runtime_classes.iter().any(|r| r == rc))
    }
}

/// A parsed `PodSecurityConfiguration`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdmissionConfig {
    /// Policy for namespaces without labels (and for missing labels).
    pub defaults: Policy,
    /// Exemptions.
    pub exemptions: Exemptions,
}

/// What a configuration document holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigDocument {
    /// The configuration itself.
    Config(AdmissionConfig),
    /// An `AdmissionConfiguration` whose `PodSecurity` plugin points at a file
    /// (`path`, relative to the document's file).
    External(String),
}

fn config_err(at: &Located<'_>, message: impl Into<String>) -> PssError {
    PssError::Config {
        path: at.path(),
        pos: at.at,
        message: message.into(),
    }
}

/// Parses a `PodSecurityConfiguration` or an `AdmissionConfiguration` holding one.
///
/// # Errors
/// [`PssError::Config`] for anything the admission plugin would refuse:
/// another kind or API version, a bad level or version, a non-string or
/// empty or duplicate exemption, a missing `PodSecurity` plugin.
pub fn parse(obj: &Object) -> Result<ConfigDocument, PssError> {
    let root = obj.located();
    match obj.kind.as_str() {
        "PodSecurityConfiguration" => {
            if !API_VERSIONS.contains(&obj.api_version.as_str()) {
                let at = root.get("apiVersion").unwrap_or(root.clone());
                return Err(config_err(
                    &at,
                    format!(
                        "unsupported apiVersion {:?}; expected {}",
                        obj.api_version,
                        API_VERSIONS.join(" or ")
                    ),
                ));
            }
            parse_body(&root).map(ConfigDocument::Config)
        }
        "AdmissionConfiguration" => {
            let plugins = root
                .get("plugins")
                .ok_or_else(|| config_err(&root, "AdmissionConfiguration has no plugins"))?;
            let plugin = plugins
                .items()
                .find(|p| {
                    p.node.get("name").and_then(kubeguard_core::Node::as_str) == Some("PodSecurity")
                })
                .ok_or_else(|| config_err(&plugins, "no plugin named PodSecurity"))?;
            if let Some(config) = plugin.get("configuration") {
                let api_version = config
                    .node
                    .get("apiVersion")
                    .and_then(kubeguard_core::Node::as_str);
                let kind = config
                    .node
                    .get("kind")
                    .and_then(kubeguard_core::Node::as_str);
                if kind != Some("PodSecurityConfiguration")
                    || !api_version.is_some_and(|v| API_VERSIONS.contains(&v))
                {
                    return Err(config_err(
                        &config,
                        format!(
                            "expected kind PodSecurityConfiguration with apiVersion {}",
                            API_VERSIONS.join(" or ")
                        ),
                    ));
                }
                return parse_body(&config).map(ConfigDocument::Config);
            }
            match plugin.get("path") {
                Some(p) => p
                    .node
                    .as_str()
                    .map(|s| ConfigDocument::External(s.to_owned()))
                    .ok_or_else(|| config_err(&p, "path must be a string")),
                None => Err(config_err(
                    &plugin,
                    "PodSecurity plugin has neither configuration nor path",
                )),
            }
        }
        other => Err(config_err(
            &root,
            format!("expected a PodSecurityConfiguration or AdmissionConfiguration, found {other}"),
        )),
    }
}

fn parse_body(root: &Located<'_>) -> Result<AdmissionConfig, PssError> {
    let mut out = AdmissionConfig::default();
    if let Some(defaults) = root.get("defaults") {
        let slots: [(&str, &str, &mut crate::evaluate::LevelVersion); 3] = [
            ("enforce", "enforce-version", &mut out.defaults.enforce),
            ("audit", "audit-version", &mut out.defaults.audit),
            ("warn", "warn-version", &mut out.defaults.warn),
        ];
        for (level_key, version_key, slot) in slots {
            if let Some(at) = defaults.get(level_key) {
                let text = at.node.as_str().unwrap_or_default();
                slot.level = text
                    .parse::<Level>()
                    .map_err(|e| config_err(&at, e.to_string()))?;
            }
            if let Some(at) = defaults.get(version_key) {
                let text = at.node.as_str().unwrap_or_default();
                slot.version = text
                    .parse::<Version>()
                    .map_err(|e| config_err(&at, e.to_string()))?;
            }
        }
    }
    if let Some(ex) = root.get("exemptions") {
        out.exemptions.usernames = string_list(&ex, "usernames")?;
        out.exemptions.runtime_classes = string_list(&ex, "runtimeClasses")?;
        out.exemptions.namespaces = string_list(&ex, "namespaces")?;
    }
    Ok(out)
}

fn string_list(parent: &Located<'_>, key: &str) -> Result<Vec<String>, PssError> {
    let Some(list) = parent.get(key) else {
        return Ok(Vec::new());
    };
    if list.node.is_null() {
        return Ok(Vec::new());
    }
    if list.node.as_seq().is_none() {
        return Err(config_err(&list, "must be a list of strings"));
    }
    let mut out: Vec<String> = Vec::new();
    for item in list.items() {
        let s = item
            .node
            .as_str()
            .ok_or_else(|| config_err(&item, "must be a string"))?;
        if s.is_empty() {
            return Err(config_err(&item, "must not be empty"));
        }
        if out.iter().any(|x| x == s) {
            return Err(config_err(&item, format!("duplicate entry {s:?}")));
        }
        out.push(s.to_owned());
    }
    Ok(out)
}
