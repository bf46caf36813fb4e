//! The admission plugin's configuration, `PodSecurityConfiguration`
//! (`pod-security.admission.config.k8s.io/v1` and `v1beta1`): default
//! levels and versions for namespaces without labels, and exemptions by
//! user name, runtime class and namespace. It may stand alone or be
//! embedded in an `AdmissionConfiguration` under the `PodSecurity` plugin,
//! or that plugin's `path` may point at it ([`load_file`] follows it).

use crate::error::PssError;
use crate::level::Level;
use crate::namespace::Policy;
use crate::pod::Pod;
use crate::version::Version;
use kubeguard_core::{Diagnostic, Located, Object, Source};
use std::path::{Path, PathBuf};

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

/// Why a configuration file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// The file could not be read.
    #[error("cannot read admission config {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A problem at a place in the file: YAML syntax, or a field the
    /// admission plugin refuses.
    #[error(transparent)]
    Invalid(#[from] Diagnostic),
    /// A problem with the file as a whole: not exactly one document, or a
    /// `path` that leads to yet another `AdmissionConfiguration`.
    #[error("{file}: {message}")]
    File {
        /// The file as named.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads the configuration from `path`: a `PodSecurityConfiguration`, or
/// an `AdmissionConfiguration` holding one or pointing at a file that
/// holds one (relative to the file that names it). The file a `path`
/// points at must hold the configuration itself.
///
/// # Errors
/// [`ConfigFileError`]: a file that cannot be read, YAML that does not
/// parse, anything [`parse`] refuses, or a chain of files that does not end
/// in a configuration.
pub fn load_file(path: &Path) -> Result<AdmissionConfig, ConfigFileError> {
    let mut path = path.to_path_buf();
    for _ in 0..2 {
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigFileError::Read {
            path: path.clone(),
            source,
        })?;
        let name = path.display().to_string();
        let mut loaded = kubeguard_load::load_source(Source::new(name.clone(), text));
        if !loaded.errors.is_empty() {
            return Err(ConfigFileError::Invalid(loaded.errors.swap_remove(0)));
        }
        let [obj] = loaded.objects.as_slice() else {
            return Err(ConfigFileError::File {
                file: name,
                message: "expected exactly one PodSecurityConfiguration or AdmissionConfiguration document".to_owned(),
            });
        };
        match parse(obj).map_err(|e| located(name, &e))? {
            ConfigDocument::Config(c) => return Ok(c),
            ConfigDocument::External(p) => {
                path = path.parent().unwrap_or(Path::new(".")).join(p);
            }
        }
    }
    Err(ConfigFileError::File {
        file: path.display().to_string(),
        message: "the PodSecurity plugin's path points at another AdmissionConfiguration"
            .to_owned(),
    })
}

fn located(file: String, e: &PssError) -> ConfigFileError {
    match e.pos() {
        Some(pos) => ConfigFileError::Invalid(Diagnostic::new(file, pos, e.to_string())),
        None => ConfigFileError::File {
            file,
            message: e.to_string(),
        },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::LevelVersion;

    const CONFIG: &str = "apiVersion: pod-security.admission.config.k8s.io/v1
kind: PodSecurityConfiguration
defaults:
  enforce: baseline
  warn-version: v1.30
exemptions:
  runtimeClasses: [kata]
";

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    fn message(e: &ConfigFileError) -> String {
        let mut text = e.to_string();
        if let Some(source) = std::error::Error::source(e) {
            text = format!("{text}: {source}");
        }
        text
    }

    #[test]
    fn reads_a_pod_security_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "pss.yaml", CONFIG);
        let config = load_file(&path).unwrap();
        assert_eq!(
            config.defaults.enforce,
            LevelVersion::new(Level::Baseline, Version::Latest)
        );
        assert_eq!(config.defaults.warn.version, Version::V1(30));
        assert_eq!(config.exemptions.runtime_classes, ["kata"]);
    }

    #[test]
    fn follows_the_plugin_path_relative_to_the_file_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "pss.yaml", CONFIG);
        let wrapper = write(
            dir.path(),
            "sub/admission.yaml",
            "apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  path: ../pss.yaml
",
        );
        let config = load_file(&wrapper).unwrap();
        assert_eq!(config.defaults.enforce.level, Level::Baseline);
    }

    #[test]
    fn a_path_to_another_admission_configuration_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let looping = write(
            dir.path(),
            "loop.yaml",
            "apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  path: loop.yaml
",
        );
        let e = load_file(&looping).unwrap_err();
        assert_eq!(
            message(&e),
            format!(
                "{}: the PodSecurity plugin's path points at another AdmissionConfiguration",
                looping.display()
            )
        );
    }

    #[test]
    fn errors_name_the_file_and_where_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.yaml");
        let e = load_file(&missing).unwrap_err();
        assert!(matches!(e, ConfigFileError::Read { .. }), "{e:?}");
        assert!(
            message(&e).starts_with(&format!(
                "cannot read admission config {}: ",
                missing.display()
            )),
            "{e}"
        );

        let broken = write(dir.path(), "broken.yaml", "a: [b\n");
        let ConfigFileError::Invalid(d) = load_file(&broken).unwrap_err() else {
            panic!("a syntax error is located");
        };
        assert_eq!(d.file, broken.display().to_string());

        let bad = write(
            dir.path(),
            "bad.yaml",
            "apiVersion: pod-security.admission.config.k8s.io/v1alpha1
kind: PodSecurityConfiguration
",
        );
        let e = load_file(&bad).unwrap_err();
        assert!(
            message(&e).starts_with(&format!(
                "{}:1:1: apiVersion: unsupported apiVersion",
                bad.display()
            )),
            "{e}"
        );

        let two = write(dir.path(), "two.yaml", &format!("{CONFIG}---\n{CONFIG}"));
        let e = load_file(&two).unwrap_err();
        assert_eq!(
            message(&e),
            format!(
                "{}: expected exactly one PodSecurityConfiguration or AdmissionConfiguration document",
                two.display()
            )
        );
    }
}
