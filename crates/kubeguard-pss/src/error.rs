//! Errors of the Pod Security Standards engine.

use kubeguard_core::Pos;

/// Everything that can go wrong when evaluating Pod Security Standards.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PssError {
    /// A level that is not `privileged`, `baseline` or `restricted`.
    #[error("unknown Pod Security level {0:?}; expected privileged, baseline or restricted")]
    UnknownLevel(String),
    /// A version that is not `latest` or `v1.N`.
    #[error("unknown Pod Security version {0:?}; expected \"latest\" or \"v1.N\" such as v1.30")]
    UnknownVersion(String),
    /// The object carries no pod spec.
    #[error("{kind} is not a pod or a workload with a pod template")]
    NotAPod {
        /// The object's kind.
        kind: String,
    },
    /// A field has a type the API server would refuse to decode.
    #[error("{path}: {message}")]
    Malformed {
        /// Field path of the bad value.
        path: String,
        /// Where the bad value is.
        pos: Pos,
        /// What is wrong.
        message: String,
    },
    /// A `PodSecurityConfiguration` that the admission plugin would refuse.
    #[error("{path}: {message}")]
    Config {
        /// Field path in the configuration.
        path: String,
        /// Where the problem is.
        pos: Pos,
        /// What is wrong.
        message: String,
    },
}

impl PssError {
    /// The source position the error points at, when it has one.
    #[must_use]
    pub fn pos(&self) -> Option<Pos> {
        match self {
            PssError::Malformed { pos, .. } | PssError::Config { pos, .. } => Some(*pos),
            _ => None,
        }
    }
}
