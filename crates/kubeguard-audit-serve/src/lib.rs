//! Live audit-log detection: `kubeguard audit serve`, the HTTPS backend the
//! API server's `--audit-webhook-config-file` points at.
//!
//! ```text
//! API server --EventList batches--> POST /audit --> bounded queue --> detection workers
//!                                   (parse, 429 when full)   (events)   (RuleSet::evaluate)
//!                                                                          |
//!                                  alerts, de-duplicated by key: JSON lines, Alertmanager
//! ```
//!
//! - [`intake`]: the endpoints (`/audit`, `/healthz`, `/metrics`).
//! - [`queue`]: the bounded queue, counted in events, that refuses rather than waits.
//! - [`detect`]: the rule set over each event, on worker threads.
//! - [`alert`]: alerts as delivered, with their idempotent key.
//! - [`outputs`]: de-duplication, the JSON lines output, delivery queues.
//! - [`alertmanager`]: delivery to Alertmanager's v2 API with retries.
//! - [`client`]: the HTTP(S) client of the deliveries.
//! - [`nats`]: scale-out: receivers publish to JetStream (`--publish`),
//!   `audit worker` processes evaluate from a shared durable consumer.
//! - [`metrics`]: the Prometheus registry.
//! - [`run::AuditServer`] wires them; TLS and the accept loop are the
//!   admission webhook's ([`kubeguard_webhook::server`], [`kubeguard_webhook::tls`]).

pub mod alert;
pub mod alertmanager;
pub mod client;
pub mod detect;
pub mod intake;
pub mod metrics;
pub mod nats;
pub mod outputs;
pub mod queue;
pub mod run;

use axum::Router;
use axum::routing::{get, post};

/// The endpoints over `state`.
pub fn router(state: intake::IntakeState) -> Router {
    Router::new()
        .route("/audit", post(intake::receive))
        .route("/k8s-audit", post(intake::receive))
        .route("/healthz", get(intake::healthz))
        .route("/metrics", get(intake::metrics))
        .fallback(intake::not_found)
        .method_not_allowed_fallback(intake::method_not_allowed)
        .with_state(state)
}

/// `GET /metrics` and `GET /healthz` over plain HTTP, for `audit worker`.
pub fn metrics_router(metrics: std::sync::Arc<metrics::Metrics>) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(move || {
                let metrics = std::sync::Arc::clone(&metrics);
                async move { metrics.encode() }
            }),
        )
        .route("/healthz", get(intake::healthz))
}

/// Serves `router` over plain HTTP on `listener` until `shutdown` resolves.
///
/// # Errors
/// The listener failed.
pub async fn serve_plain(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
