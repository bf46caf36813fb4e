//! The live source: every kind kubeguard's engines read, listed from an
//! API server with kube-rs (or read back from a snapshot), as the same
//! inputs files give.
//!
//! Each object becomes one [`Input::Text`] named by its location,
//! `cluster://CONTEXT/NAMESPACE/KIND/NAME` (`cluster://CONTEXT/KIND/NAME`
//! for cluster-scoped kinds), holding the object rendered as YAML, so a
//! finding's line and column point into that rendering and text reports
//! show the live YAML around the field. A kind the credentials may not list
//! is an error named by its location; a kind the server does not serve is
//! skipped; Secrets are read only when asked, and then only their keys.

mod connect;
#[cfg(feature = "fake-server")]
pub mod fake;
pub mod kinds;
mod list;
mod object;
mod read;
pub mod snapshot;
pub mod yaml;

use kubeguard_core::Diagnostic;
use kubeguard_load::Input;

pub use connect::IN_CLUSTER;
pub use list::RequestPolicy;
pub use object::{ClusterObject, kind_location, kind_segment};
pub use read::{ClusterOptions, DEFAULT_PARALLEL, Progress, ProgressFn};

/// Why a cluster could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No usable kubeconfig, context or in-cluster configuration.
    #[error("{0}")]
    Config(String),
    /// The API server did not answer.
    #[error("cannot reach the API server of context {context:?}: {message}")]
    Unreachable {
        /// The context.
        context: String,
        /// The last failure.
        message: String,
    },
    /// A snapshot that could not be read or is not one.
    #[error("{file}: {message}")]
    Snapshot {
        /// The snapshot file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// Where a read came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    /// The kubeconfig context (or `in-cluster`).
    pub context: String,
    /// The API server's version (`v1.31.2`).
    pub server_version: String,
    /// When it was read (RFC 3339, UTC).
    pub time: String,
    /// The namespaces read, when limited.
    pub namespaces: Vec<String>,
    /// Whether Secrets (keys only) were read.
    pub include_secrets: bool,
}

/// Everything read from a cluster or a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterRead {
    /// Where it came from.
    pub info: ClusterInfo,
    /// The objects, kind by kind.
    pub objects: Vec<ClusterObject>,
    /// The kinds that could not be read, one error each.
    pub errors: Vec<Diagnostic>,
}

impl ClusterRead {
    /// The objects as loader inputs, in order.
    #[must_use]
    pub fn inputs(&self) -> Vec<Input> {
        self.objects
            .iter()
            .map(|o| Input::Text {
                name: o.location.clone(),
                text: o.yaml.clone(),
            })
            .collect()
    }
}

/// Reads the cluster `options` names, on a runtime of its own.
pub fn read(options: &ClusterOptions) -> Result<ClusterRead, ClusterError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| ClusterError::Config(format!("cannot start the client runtime: {e}")))?;
    runtime.block_on(read::read(options))
}

/// Reads the cluster `options` names, on the caller's tokio runtime.
pub async fn read_async(options: &ClusterOptions) -> Result<ClusterRead, ClusterError> {
    read::read(options).await
}
