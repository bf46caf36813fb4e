//! The API server's structured authentication configuration
//! (`--authentication-config`, an `AuthenticationConfiguration` of
//! `apiserver.config.k8s.io/v1alpha1`, `v1beta1` or `v1`) and the check it
//! decides: whether anonymous requests are accepted (1.2.1).
//!
//! When the file has an `anonymous` section it decides, and the API server
//! refuses to start if `--anonymous-auth` is also given; without one,
//! `--anonymous-auth` (default `true`) decides. Anonymous requests allowed
//! only to the health endpoints (`anonymous.conditions` naming `/healthz`,
//! `/livez`, `/readyz`) are compliant: that is what the endpoint allowlist
//! exists for.

use crate::check::Cond;
use crate::config_file::ConfigFile;
use crate::evaluate::{Outcome, Status};
use crate::host::{ConfigState, Host};
use crate::process::Component;
use crate::settings::ANONYMOUS_AUTH;
use kubeguard_core::{Diagnostic, Pos};

/// The flag that names the file.
pub(crate) const FLAG: &str = "authentication-config";

/// The API versions kube-apiserver reads the file in.
const API_VERSIONS: [&str; 3] = [
    "apiserver.config.k8s.io/v1alpha1",
    "apiserver.config.k8s.io/v1beta1",
    "apiserver.config.k8s.io/v1",
];

/// The endpoints that anonymous requests may reach and stay compliant.
const HEALTH_ENDPOINTS: [&str; 3] = ["/healthz", "/livez", "/readyz"];

/// Checks what kube-apiserver would refuse in the file: another kind or
/// API version, or an `anonymous.enabled` that is not a boolean.
pub(crate) fn validate(file: &ConfigFile) -> Result<(), Diagnostic> {
    let at = |key: &str| file.has(key).unwrap_or(Pos { line: 1, col: 1 });
    let kind = file.get("kind").map(|v| v.text);
    if kind.as_deref() != Some("AuthenticationConfiguration") {
        return Err(Diagnostic::new(
            &file.path,
            at("kind"),
            format!(
                "kind is {}, not AuthenticationConfiguration",
                kind.map_or("missing".to_owned(), |k| format!("{k:?}"))
            ),
        ));
    }
    let version = file.get("apiVersion").map(|v| v.text);
    if !version
        .as_deref()
        .is_some_and(|v| API_VERSIONS.contains(&v))
    {
        return Err(Diagnostic::new(
            &file.path,
            at("apiVersion"),
            format!(
                "apiVersion {} is not one kube-apiserver reads ({})",
                version.map_or("missing".to_owned(), |v| format!("{v:?}")),
                API_VERSIONS.join(", ")
            ),
        ));
    }
    if let Some(v) = file.get("anonymous.enabled")
        && v.text != "true"
        && v.text != "false"
    {
        return Err(Diagnostic::new(
            &file.path,
            Pos {
                line: v.line,
                col: v.col,
            },
            format!("anonymous.enabled must be true or false, not {:?}", v.text),
        ));
    }
    Ok(())
}

/// 1.2.1: the API server accepts no anonymous requests, or only to its
/// health endpoints.
#[must_use]
pub fn apiserver_anonymous(host: &Host) -> Outcome {
    let expected = format!(
        "--anonymous-auth=false, or anonymous.enabled: false in --{FLAG}, or anonymous requests only to {}",
        HEALTH_ENDPOINTS.join(", ")
    );
    let Some(process) = host.process(Component::ApiServer) else {
        return Outcome::not_checkable(expected, "kube-apiserver is not running on this node");
    };
    let flag_set = process.flag(ANONYMOUS_AUTH.flag).is_some();
    match host.authentication_config() {
        ConfigState::Loaded(file) if file.has("anonymous").is_some() => {
            let mut o = from_file(file, expected);
            if flag_set {
                o.actual.push_str(
                    "; --anonymous-auth is also set, which kube-apiserver refuses with an anonymous section in the file",
                );
            }
            o
        }
        // The file may hold an anonymous section; only when the flag is
        // set is there none (kube-apiserver would refuse both).
        ConfigState::Unreadable(why) if !flag_set => Outcome::not_checkable(expected, why.clone()),
        _ => crate::evaluate::setting_outcome(
            host,
            Component::ApiServer,
            &ANONYMOUS_AUTH,
            Cond::Eq("false"),
            expected,
        ),
    }
}

fn from_file(file: &ConfigFile, expected: String) -> Outcome {
    let anonymous = file.has("anonymous").map_or(1, |p| p.line);
    let enabled = file.get("anonymous.enabled");
    let line = enabled.as_ref().map_or(anonymous, |v| v.line);
    let at = |status, actual: String, line: u32| {
        Outcome::located(
            status,
            expected.clone(),
            actual,
            format!("{}:{line}", file.path),
            file.path.clone(),
            line,
        )
    };
    if enabled.as_ref().is_none_or(|v| v.text == "false") {
        return at(Status::Pass, "anonymous.enabled: false".to_owned(), line);
    }
    let Some(conditions) = file.get("anonymous.conditions.path") else {
        return at(
            Status::Fail,
            "anonymous.enabled: true with no conditions: anonymous requests reach every endpoint"
                .to_owned(),
            line,
        );
    };
    let paths: Vec<&str> = conditions.text.split(',').collect();
    let other: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|p| !HEALTH_ENDPOINTS.contains(p))
        .collect();
    if other.is_empty() {
        at(
            Status::Pass,
            format!("anonymous requests only to {}", paths.join(", ")),
            conditions.line,
        )
    } else {
        at(
            Status::Fail,
            format!("anonymous requests also to {}", other.join(", ")),
            conditions.line,
        )
    }
}
