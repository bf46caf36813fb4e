//! `podSecurity.configFile`: a PodSecurityConfiguration (or an
//! AdmissionConfiguration holding one), read as `kubeguard pss` reads it.

use super::error::PolicyError;
use kubeguard_pss::config::{AdmissionConfig, ConfigDocument};
use std::path::Path;

/// Reads the admission plugin's configuration at `path`, following one
/// `AdmissionConfiguration` plugin `path` reference.
pub(super) fn read(path: &Path) -> Result<AdmissionConfig, PolicyError> {
    let mut path = path.to_path_buf();
    for _ in 0..2 {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            PolicyError::file(
                &name,
                format!("cannot read Pod Security configuration: {e}"),
            )
        })?;
        let loaded = kubeguard_load::load_source(kubeguard_core::Source::new(name.clone(), text));
        if let Some(e) = loaded.errors.first() {
            return Err(PolicyError::at(&e.file, e.pos, e.message.clone()));
        }
        let [obj] = loaded.objects.as_slice() else {
            return Err(PolicyError::file(
                &name,
                "expected exactly one PodSecurityConfiguration or AdmissionConfiguration document",
            ));
        };
        let doc = kubeguard_pss::config::parse(obj).map_err(|e| match e.pos() {
            Some(pos) => PolicyError::at(&name, pos, e.to_string()),
            None => PolicyError::file(&name, e.to_string()),
        })?;
        match doc {
            ConfigDocument::Config(c) => return Ok(c),
            ConfigDocument::External(p) => {
                path = path.parent().unwrap_or(Path::new(".")).join(p);
            }
        }
    }
    Err(PolicyError::file(
        &path.display().to_string(),
        "the PodSecurity plugin's path points at another AdmissionConfiguration",
    ))
}
