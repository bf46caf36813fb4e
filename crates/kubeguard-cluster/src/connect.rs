//! From kubeconfig (or the in-cluster service account) to a kube-rs client
//! and the name of the context it talks to.

use crate::ClusterError;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use std::path::Path;

/// The context name reported for the in-cluster configuration.
pub const IN_CLUSTER: &str = "in-cluster";

/// A client for `context` of `kubeconfig` (default: `$KUBECONFIG` or
/// `~/.kube/config`, and its current context). With neither a kubeconfig
/// file nor a context named, a pod's in-cluster configuration is used when
/// there is no kubeconfig to read.
pub(crate) async fn connect(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> Result<(Client, String), ClusterError> {
    let file = match kubeconfig {
        Some(path) => Some(Kubeconfig::read_from(path).map_err(|e| {
            ClusterError::Config(format!("cannot read kubeconfig {}: {e}", path.display()))
        })?),
        None => match Kubeconfig::read() {
            Ok(config) => Some(config),
            Err(_) if context.is_none() => None,
            Err(e) => {
                return Err(ClusterError::Config(format!(
                    "cannot read kubeconfig ($KUBECONFIG or ~/.kube/config) for --context: {e}"
                )));
            }
        },
    };
    let (mut config, name) = match file {
        Some(file) => {
            let name = context
                .map(str::to_owned)
                .or_else(|| file.current_context.clone())
                .ok_or_else(|| {
                    ClusterError::Config(
                        "the kubeconfig has no current context: name one with --context".into(),
                    )
                })?;
            if !file.contexts.iter().any(|c| c.name == name) {
                let known: Vec<&str> = file.contexts.iter().map(|c| c.name.as_str()).collect();
                return Err(ClusterError::Config(format!(
                    "no context {name:?} in the kubeconfig (it has: {})",
                    known.join(", ")
                )));
            }
            let options = KubeConfigOptions {
                context: Some(name.clone()),
                ..KubeConfigOptions::default()
            };
            let config = Config::from_custom_kubeconfig(file, &options)
                .await
                .map_err(|e| ClusterError::Config(format!("kubeconfig context {name:?}: {e}")))?;
            (config, name)
        }
        None => {
            let config = Config::incluster().map_err(|e| {
                ClusterError::Config(format!(
                    "no kubeconfig ($KUBECONFIG or ~/.kube/config) and not running in a pod ({e}): pass --kubeconfig FILE"
                ))
            })?;
            (config, IN_CLUSTER.to_owned())
        }
    };
    // Retries are kubeguard's own: every request is timed out and retried
    // the same way, with the kind named when it finally fails.
    config.default_retry = false;
    let client = Client::try_from(config)
        .map_err(|e| ClusterError::Config(format!("cannot build a client for {name:?}: {e}")))?;
    Ok((client, name))
}
