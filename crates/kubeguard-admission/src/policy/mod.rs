//! The admission policy (`policy.yaml`): what is checked, and what each
//! finding does to a request. [`Policy::from_file`] reads and validates it;
//! the section types below are what the engine compiles.

mod decode;
mod error;
mod pss_file;

pub use error::PolicyError;

use crate::cluster::StaticCluster;
use kubeguard_core::{Pos, Severity};
use kubeguard_pss::config::AdmissionConfig;
use std::path::Path;

/// The `apiVersion` a policy file may declare.
pub const API_VERSION: &str = "kubeguard.io/v1alpha1";
/// The `kind` a policy file may declare.
pub const KIND: &str = "AdmissionPolicy";

/// A validated admission policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The file it was read from (named in compile errors).
    pub file: String,
    /// How a policy evaluation error is answered.
    pub failure_mode: FailureMode,
    /// Namespaces and users no policy applies to.
    pub exempt: Exempt,
    /// Pod Security Standards, when enabled.
    pub pod_security: Option<PodSecurity>,
    /// Scan rule selections, in order (the first that selects a rule decides its action).
    pub rules: Vec<RuleSelection>,
    /// The image policy, when enabled.
    pub images: Option<ImagePolicy>,
    /// Whether exec and attach into privileged, hostPID or hostNetwork pods are denied.
    pub exec_guard: bool,
    /// Custom CEL rules, in order.
    pub custom_rules: Vec<CustomRule>,
    /// Mutation defaults (`/mutate`).
    pub mutation: Mutation,
    /// Static cluster state: namespaces and their labels.
    pub cluster: StaticCluster,
}

/// How a policy evaluation error is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailureMode {
    /// Deny the request (fail closed).
    #[default]
    Deny,
    /// Allow the request, with a warning and an audit annotation (fail open).
    Allow,
}

/// What a finding does to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Reject the request, listing the finding in the status message.
    Deny,
    /// Admit it and return the finding as a warning to the client.
    Warn,
    /// Admit it and record the finding in an audit annotation.
    Audit,
}

impl Action {
    /// `deny`, `warn` or `audit`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deny => "deny",
            Action::Warn => "warn",
            Action::Audit => "audit",
        }
    }
}

/// Namespaces and users exempt from every policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exempt {
    /// Namespaces whose objects are admitted without evaluation.
    pub namespaces: Vec<String>,
    /// User names (`request.userInfo.username`) admitted without evaluation.
    pub users: Vec<String>,
}

/// Pod Security Standards: the admission plugin's defaults and exemptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodSecurity {
    /// Defaults for namespaces without labels, and exemptions.
    pub config: AdmissionConfig,
}

/// Which scan rules a selection picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSelector {
    /// Rules by name or code.
    Names(Vec<String>),
    /// Every rule at this severity or higher.
    MinSeverity(Severity),
}

/// Scan rules picked together, with what their findings do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSelection {
    /// Which rules.
    pub selector: RuleSelector,
    /// What their findings do.
    pub action: Action,
}

/// Where images may come from and how they must be referenced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePolicy {
    /// Allowed prefixes of the normalised reference; empty allows any registry.
    pub allowed_registries: Vec<String>,
    /// Every image must be pinned by digest.
    pub require_digest: bool,
    /// `:latest` and untagged images (without digest) are refused.
    pub forbid_latest: bool,
    /// What a violation does.
    pub action: Action,
}

/// A custom rule: a CEL expression that must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomRule {
    /// The rule's name (in messages and audit annotation keys).
    pub name: String,
    /// The CEL expression; `true` means the object passes.
    pub expression: String,
    /// Where the expression is written (for compile errors).
    pub expression_at: Pos,
    /// What is reported when the expression is `false`.
    pub message: String,
    /// What a violation does.
    pub action: Action,
    /// The `params` variable (`null` when not given).
    pub params: serde_json::Value,
    /// Named expressions the rule's expression reads as `variables.NAME`,
    /// in order (each may read the ones before it).
    pub variables: Vec<CelVariable>,
    /// Kinds the rule applies to; empty means every kind.
    pub kinds: Vec<String>,
    /// Operations the rule applies to; empty means CREATE and UPDATE.
    pub operations: Vec<String>,
}

/// A named CEL expression of a custom rule, as ValidatingAdmissionPolicy's
/// `variables`.
#[derive(Debug, Clone, PartialEq)]
pub struct CelVariable {
    /// The name (a CEL identifier), read as `variables.NAME`.
    pub name: String,
    /// The CEL expression.
    pub expression: String,
    /// Where the expression is written (for compile errors).
    pub expression_at: Pos,
}

/// Safe defaults filled in by `/mutate` where unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mutation {
    /// Whether mutation is on (off by default).
    pub enabled: bool,
    /// Pod `securityContext.seccompProfile.type: RuntimeDefault`.
    pub seccomp_profile: bool,
    /// Container `securityContext.allowPrivilegeEscalation: false`.
    pub allow_privilege_escalation: bool,
    /// Container `securityContext.capabilities.drop: [ALL]`.
    pub drop_all_capabilities: bool,
    /// Pod `securityContext.runAsNonRoot: true`.
    pub run_as_non_root: bool,
}

impl Policy {
    /// Reads and validates a policy file; errors name file:line:col.
    ///
    /// # Errors
    /// [`PolicyError`] when the file cannot be read, is not valid YAML, or
    /// does not follow the schema (unknown keys, wrong types, unknown rules).
    pub fn from_file(path: &Path) -> Result<Policy, PolicyError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| PolicyError::file(&name, format!("cannot read policy file: {e}")))?;
        decode::decode(&name, &text, path.parent())
    }

    /// Parses and validates policy text; `base` resolves relative paths
    /// (`podSecurity.configFile`).
    ///
    /// # Errors
    /// As [`Policy::from_file`].
    pub fn from_text(name: &str, text: &str, base: Option<&Path>) -> Result<Policy, PolicyError> {
        decode::decode(name, text, base)
    }

    /// The cluster state written in the policy file (namespaces with
    /// labels), for running outside a cluster.
    #[must_use]
    pub fn static_cluster(&self) -> StaticCluster {
        self.cluster.clone()
    }
}
