//! Scale-out through NATS JetStream: receivers publish events to a stream,
//! workers sharing one durable consumer evaluate them.
//!
//! ```text
//! audit serve --publish ──> stream KUBEGUARD_AUDIT_EVENTS (work queue, file storage)
//!                                 │  durable pull consumer kubeguard-audit-workers
//!                   ┌─────────────┼─────────────┐
//!             audit worker   audit worker   audit worker   (evaluate, then ack)
//!                   └──> stream KUBEGUARD_AUDIT_ALERTS (Nats-Msg-Id = alert key)
//! ```
//!
//! - **Receivers** publish each event with `Nats-Msg-Id` set to its key
//!   (`AUDITID/STAGE`) and answer the API server only once JetStream has
//!   stored every event of the batch, so a batch is either stored or
//!   refused (and resent by the API server); a resent batch is stored once
//!   (JetStream drops a repeated message id within the duplicate window).
//! - **Workers** pull from one durable consumer, so each event goes to one
//!   of them; a worker acknowledges an event only after its alerts are
//!   stored in the alerts stream. A worker that dies leaves its
//!   unacknowledged events to be redelivered to another after the ack wait:
//!   delivery is at least once.
//! - **Alerts** are published with `Nats-Msg-Id` set to their key
//!   (`AUDITID/STAGE/RULE`): an event evaluated twice stores its alerts once.
//!   A worker raises an alert (JSON line, Alertmanager) when JetStream
//!   stores it as new; for an alert already stored it posts to Alertmanager
//!   only (which keeps one alert per `alert_key`), so Alertmanager gets every
//!   alert once even when a worker dies between storing and delivering. The
//!   JSON lines hold each alert at most once; the alerts stream holds every
//!   alert exactly once.

use crate::alert::event_key;
use crate::detect::Detector;
use crate::metrics::{Delivery, DropReason};
use crate::queue::Refused;
use async_nats::HeaderMap;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use async_nats::jetstream::stream::{Config as StreamConfig, RetentionPolicy, StorageType};
use async_nats::jetstream::{self, AckKind, Context};
use futures_util::StreamExt;
use kubeguard_audit::{Event, split_events};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Where events and alerts live in JetStream.
#[derive(Debug, Clone)]
pub struct Streams {
    /// The events stream (`KUBEGUARD_AUDIT_EVENTS`).
    pub events: String,
    /// Its subject (`kubeguard.audit.events`).
    pub events_subject: String,
    /// The alerts stream (`KUBEGUARD_AUDIT_ALERTS`).
    pub alerts: String,
    /// Its subject (`kubeguard.audit.alerts`).
    pub alerts_subject: String,
    /// The workers' durable consumer (`kubeguard-audit-workers`).
    pub consumer: String,
    /// How long a delivered event may stay unacknowledged before it is
    /// redelivered to another worker.
    pub ack_wait: Duration,
    /// The window in which a repeated message id is dropped.
    pub duplicate_window: Duration,
}

impl Default for Streams {
    fn default() -> Self {
        Streams {
            events: "KUBEGUARD_AUDIT_EVENTS".into(),
            events_subject: "kubeguard.audit.events".into(),
            alerts: "KUBEGUARD_AUDIT_ALERTS".into(),
            alerts_subject: "kubeguard.audit.alerts".into(),
            consumer: "kubeguard-audit-workers".into(),
            ack_wait: Duration::from_secs(30),
            duplicate_window: Duration::from_secs(600),
        }
    }
}

/// A NATS or JetStream failure.
#[derive(Debug, thiserror::Error)]
#[error("NATS: {0}")]
pub struct NatsError(pub String);

fn nats_error(what: &str, e: impl std::fmt::Display) -> NatsError {
    NatsError(format!("{what}: {e}"))
}

/// Checks a NATS server address (`nats://HOST:PORT`, `tls://HOST:PORT`,
/// or `HOST:PORT`) for a command-line flag.
///
/// # Errors
/// Not a NATS server address.
pub fn parse_url(s: &str) -> Result<String, String> {
    s.parse::<async_nats::ServerAddr>()
        .map(|_| s.to_owned())
        .map_err(|e| format!("not a NATS server address (nats://HOST:PORT): {e}"))
}

/// Connects to `url` (`nats://HOST:PORT`), failing at once when the server
/// does not answer within 5 s.
///
/// # Errors
/// The server cannot be reached.
pub async fn connect(url: &str) -> Result<Context, NatsError> {
    let client = async_nats::ConnectOptions::new()
        .name("kubeguard-audit")
        .connection_timeout(Duration::from_secs(5))
        .connect(url)
        .await
        .map_err(|e| nats_error(&format!("cannot connect to {url}"), e))?;
    Ok(jetstream::new(client))
}

/// Creates the events and alerts streams when they are missing.
///
/// # Errors
/// JetStream refused (not enabled on the server, a conflicting stream).
pub async fn ensure_streams(js: &Context, streams: &Streams) -> Result<(), NatsError> {
    js.get_or_create_stream(StreamConfig {
        name: streams.events.clone(),
        subjects: vec![streams.events_subject.clone()],
        retention: RetentionPolicy::WorkQueue,
        storage: StorageType::File,
        duplicate_window: streams.duplicate_window,
        ..Default::default()
    })
    .await
    .map_err(|e| nats_error(&format!("stream {}", streams.events), e))?;
    js.get_or_create_stream(StreamConfig {
        name: streams.alerts.clone(),
        subjects: vec![streams.alerts_subject.clone()],
        storage: StorageType::File,
        max_age: Duration::from_secs(7 * 24 * 3600),
        duplicate_window: streams.duplicate_window,
        ..Default::default()
    })
    .await
    .map_err(|e| nats_error(&format!("stream {}", streams.alerts), e))?;
    Ok(())
}

/// Why a batch was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Too many events are being published already.
    #[error(transparent)]
    Refused(#[from] Refused),
    /// JetStream did not store every event.
    #[error(transparent)]
    Nats(#[from] NatsError),
}

/// Publishes received events to the events stream (`audit serve --publish`).
#[derive(Debug)]
pub struct Publisher {
    js: Context,
    subject: String,
    room: Arc<Semaphore>,
    capacity: usize,
}

impl Publisher {
    /// A publisher to `streams.events_subject` with at most `capacity` events in flight.
    #[must_use]
    pub fn new(js: Context, streams: &Streams, capacity: usize) -> Self {
        let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS);
        Publisher {
            js,
            subject: streams.events_subject.clone(),
            room: Arc::new(Semaphore::new(capacity)),
            capacity,
        }
    }

    /// Events being published now.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.capacity - self.room.available_permits()
    }

    /// The most events in flight.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Publishes `events` and waits until JetStream has stored every one.
    ///
    /// # Errors
    /// Too many events in flight, or JetStream did not store them all.
    pub async fn publish(&self, events: &[Event]) -> Result<(), PublishError> {
        if events.len() > self.capacity {
            return Err(Refused::TooLarge {
                events: events.len(),
                capacity: self.capacity,
            }
            .into());
        }
        let n = u32::try_from(events.len()).unwrap_or(u32::MAX);
        let _room = self.room.try_acquire_many(n).map_err(|_| Refused::Full {
            depth: self.depth(),
            capacity: self.capacity,
        })?;
        let mut acks = Vec::with_capacity(events.len());
        for event in events {
            let mut headers = HeaderMap::new();
            headers.insert(
                async_nats::header::NATS_MESSAGE_ID,
                event_key(event).as_str(),
            );
            let payload = serde_json::to_vec(&event.json).unwrap_or_default();
            let ack = self
                .js
                .publish_with_headers(self.subject.clone(), headers, payload.into())
                .await
                .map_err(|e| nats_error("publishing an event", e))?;
            acks.push(ack);
        }
        for ack in acks {
            ack.await
                .map_err(|e| nats_error("storing an event in JetStream", e))?;
        }
        Ok(())
    }
}

/// `audit worker`: evaluates the events of the shared durable consumer.
#[derive(Debug)]
pub struct Worker {
    /// The JetStream context.
    pub js: Context,
    /// The streams and consumer.
    pub streams: Streams,
    /// The rules and outputs.
    pub detector: Arc<Detector>,
    /// The largest event evaluated.
    pub max_event_size: usize,
}

impl Worker {
    /// Pulls and evaluates events until `shutdown` resolves; the event being
    /// evaluated is finished and acknowledged first.
    ///
    /// # Errors
    /// The streams or the consumer cannot be set up, or the consumer's
    /// message stream fails.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), NatsError> {
        ensure_streams(&self.js, &self.streams).await?;
        self.detector.metrics.delivery_target("nats");
        let stream = self
            .js
            .get_stream(&self.streams.events)
            .await
            .map_err(|e| nats_error(&format!("stream {}", self.streams.events), e))?;
        let consumer = stream
            .get_or_create_consumer(
                &self.streams.consumer,
                pull::Config {
                    durable_name: Some(self.streams.consumer.clone()),
                    ack_policy: AckPolicy::Explicit,
                    deliver_policy: DeliverPolicy::All,
                    ack_wait: self.streams.ack_wait,
                    max_ack_pending: 10_000,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| nats_error(&format!("consumer {}", self.streams.consumer), e))?;
        let mut messages = consumer
            .messages()
            .await
            .map_err(|e| nats_error("pulling events", e))?;
        let mut shutdown = pin!(shutdown);
        loop {
            let message = tokio::select! {
                () = &mut shutdown => break,
                next = messages.next() => match next {
                    Some(Ok(message)) => message,
                    Some(Err(e)) => {
                        // A lost connection or a missed heartbeat: the
                        // client reconnects; do not spin meanwhile.
                        tracing::warn!("pulling events: {e}");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        continue;
                    }
                    None => break,
                },
            };
            match self.process(&message.payload).await {
                Ok(()) => {
                    if let Err(e) = message.ack().await {
                        tracing::warn!("acknowledging an event: {e}; it will be redelivered");
                    }
                }
                Err(e) => {
                    tracing::warn!("{e}; the event will be redelivered");
                    let _ = message
                        .ack_with(AckKind::Nak(Some(Duration::from_secs(1))))
                        .await;
                }
            }
        }
        Ok(())
    }

    /// Evaluates the events of one message and stores their alerts; an
    /// alert stored as new is raised on the outputs.
    async fn process(&self, payload: &[u8]) -> Result<(), NatsError> {
        let metrics = &self.detector.metrics;
        let value: serde_json::Value = match serde_json::from_slice(payload) {
            Ok(value) => value,
            Err(e) => {
                tracing::warn!("an event message is not JSON ({e}); dropped");
                metrics.dropped(DropReason::NotAnEvent, 1);
                return Ok(());
            }
        };
        let mut events = Vec::new();
        split_events(value, self.max_event_size, None, &mut |event| match event {
            Ok(event) => events.push(event),
            Err(rejected) => metrics.dropped(DropReason::of(&rejected), 1),
        });
        metrics.received(events.len());
        for event in &events {
            for alert in self.detector.alerts(event) {
                let mut headers = HeaderMap::new();
                headers.insert(async_nats::header::NATS_MESSAGE_ID, alert.key.as_str());
                let stored = self
                    .js
                    .publish_with_headers(
                        self.streams.alerts_subject.clone(),
                        headers,
                        alert.json_line().into(),
                    )
                    .await
                    .map_err(|e| nats_error("publishing an alert", e))?
                    .await
                    .map_err(|e| nats_error("storing an alert", e));
                match stored {
                    Ok(ack) if ack.duplicate => {
                        metrics.deduplicated();
                        self.detector.outputs.redeliver(&alert);
                    }
                    Ok(_) => {
                        metrics.delivery("nats", Delivery::Ok, 1);
                        self.detector.outputs.raise(&alert);
                    }
                    Err(e) => {
                        metrics.delivery("nats", Delivery::Retry, 1);
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Hands each alert stored in the alerts stream to `each` (its JSON line),
/// oldest first: every alert once, as the stream stores a key once. Returns
/// how many there were.
///
/// # Errors
/// The stream is missing or cannot be read.
pub async fn stored_alerts(
    js: &Context,
    streams: &Streams,
    mut each: impl FnMut(&[u8]),
) -> Result<u64, NatsError> {
    let read_error =
        |e: &dyn std::fmt::Display| nats_error(&format!("reading {}", streams.alerts), e);
    let mut stream = js
        .get_stream(&streams.alerts)
        .await
        .map_err(|e| read_error(&e))?;
    if stream
        .info()
        .await
        .map_err(|e| read_error(&e))?
        .state
        .messages
        == 0
    {
        return Ok(0);
    }
    let consumer = stream
        .create_consumer(pull::Config {
            ack_policy: AckPolicy::None,
            deliver_policy: DeliverPolicy::All,
            inactive_threshold: Duration::from_secs(60),
            ..Default::default()
        })
        .await
        .map_err(|e| read_error(&e))?;
    let mut count = 0;
    loop {
        let mut batch = consumer
            .fetch()
            .max_messages(1000)
            .expires(Duration::from_secs(5))
            .messages()
            .await
            .map_err(|e| read_error(&e))?;
        let mut got = 0;
        let mut caught_up = false;
        while let Some(message) = batch.next().await {
            let message = message.map_err(|e| read_error(&e))?;
            each(&message.payload);
            got += 1;
            caught_up = message.info().map_err(|e| read_error(&e))?.pending == 0;
        }
        count += got;
        if caught_up || got == 0 {
            return Ok(count);
        }
    }
}
