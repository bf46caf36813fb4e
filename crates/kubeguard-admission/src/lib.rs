//! kubeguard's admission policy and its evaluation.
//!
//! A [`Policy`] is read from `policy.yaml` and validated ([`Policy::from_file`]);
//! an [`Engine`] compiles it once (CEL programs, rule selections) and then
//! answers `admission.k8s.io/v1` AdmissionReview request bodies
//! ([`Engine::review_body`]) with the response body to send back. What the
//! engine needs from the live cluster (namespace labels, pods) comes through
//! a [`ClusterView`]. The crate never prints and has no async runtime: the
//! server and the offline `kubeguard webhook review` command share this one
//! code path. Its only I/O is reading the policy file and, for the offline
//! review ([`offline::review_files`]), its input files through
//! `kubeguard-load`.

mod cluster;
mod engine;
mod evaluate;
pub mod offline;
pub mod policy;
mod review;

pub use cluster::{ClusterView, StaticCluster};
pub use engine::{Decision, Endpoint, Engine, Reviewed, Watches};
pub use policy::{Policy, PolicyError};
pub use review::BadReview;
