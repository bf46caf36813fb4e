//! CIS Kubernetes Benchmark (1.9 to 1.12, and the EKS, GKE and AKS
//! benchmarks) node and control-plane checks,
//! read natively under a root directory: the node's running components
//! from `ROOT/proc/<pid>/cmdline`, their configuration files, and the mode
//! and owner of the files they really use.
//!
//! A setting is resolved as its component resolves it: a command-line
//! flag over the configuration file over the component's real default
//! (the kubelet's defaults differ with and without `--config`; the
//! scheduler's, kube-proxy's and etcd's configuration files win over their
//! flags). Every path is read under the root; user and group names come
//! from the node's own `/etc/passwd` and `/etc/group`; a path that exists
//! only inside a container is reported as not checkable, never failed.
//!
//! [`Host::load`] reads a node, [`run`] decides the checks of [`table`],
//! and [`rules`] turns failures into findings of the one rule catalog.
//! The crate never prints.

mod accounts;
pub mod authn;
pub mod benchmark;
pub mod check;
mod config_file;
pub mod evaluate;
pub mod host;
pub mod process;
pub mod provider_table;
mod report;
mod root;
pub mod rules;
pub mod setting;
mod settings;
pub mod table;
pub mod version;

pub use accounts::Accounts;
pub use benchmark::{Benchmark, Platform, Target};
pub use config_file::{ConfigFile, ConfigValue};
pub use evaluate::Status;
pub use host::Host;
pub use report::{CheckResult, Counts, Options, Report, run};
pub use root::NodeRoot;
pub use settings::STRONG_CIPHERS_APISERVER;
