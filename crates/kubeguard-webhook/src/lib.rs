//! kubeguard's admission webhook server.
//!
//! The HTTP layer is axum; TLS is rustls through tokio-rustls with an accept
//! loop of our own over hyper-util's HTTP/1.1 + HTTP/2 connection builder
//! ([`server`]). Owning the loop (rather than using a ready-made TLS server
//! crate) keeps three things in our hands: the certificate resolver that
//! swaps certificates without touching open connections ([`tls`]), the
//! handshake and header timeouts, and a shutdown that closes the listener,
//! lets in-flight reviews finish and then returns.
//!
//! - [`router`] builds the endpoints (`/validate`, `/mutate`, `/healthz`,
//!   `/readyz`, `/metrics`) over an [`AppState`]; tests drive it with
//!   `tower::ServiceExt::oneshot`, no socket needed.
//! - [`api`] holds the thin handlers, the state and the JSON errors;
//!   evaluation itself is `kubeguard_admission::Engine::review_body`, run on
//!   the blocking pool behind a semaphore.
//! - [`metrics`] is the Prometheus registry, [`cluster`] the reflector-backed
//!   `ClusterView`, and [`run::Webhook`] wires everything for the CLI.

pub mod api;
pub mod cluster;
pub mod metrics;
pub mod run;
pub mod server;
pub mod tls;

pub use api::handlers::MAX_BODY_BYTES;
pub use api::state::{AppState, Readiness};

use axum::Router;
use axum::routing::{get, post};

/// The size to give the tokio runtime's blocking pool
/// (`Builder::max_blocking_threads`). Reviews run there, at most twice the
/// number of cores at once (the evaluation semaphore); without a cap, the
/// pool keeps adding threads over a long run, because a permit is
/// released just before its thread counts as idle again, and every new
/// thread adds its stack and allocator caches to resident memory.
pub const BLOCKING_THREADS: usize = 16;

/// The webhook's endpoints over `state`.
pub fn router(state: AppState) -> Router {
    use api::handlers;
    Router::new()
        .route("/validate", post(handlers::validate))
        .route("/mutate", post(handlers::mutate))
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/metrics", get(handlers::metrics))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .with_state(state)
}
