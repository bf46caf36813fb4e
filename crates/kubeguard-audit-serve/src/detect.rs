//! Detection: the rule set evaluated on events, and the worker threads
//! that drain the queue.

use crate::alert::AlertRecord;
use crate::metrics::Metrics;
use crate::outputs::Outputs;
use crate::queue::{Queue, Receiver};
use kubeguard_audit::{Event, Priority, RuleSet};
use std::sync::Arc;
use std::thread::JoinHandle;

/// The rules and the outputs their alerts go to.
#[derive(Debug)]
pub struct Detector {
    rules: RuleSet,
    min_priority: Priority,
    /// Where alerts go.
    pub outputs: Outputs,
    /// The metrics.
    pub metrics: Arc<Metrics>,
}

impl Detector {
    /// Evaluates the rules at or above `min_priority`, raising alerts on `outputs`.
    #[must_use]
    pub fn new(
        rules: RuleSet,
        min_priority: Priority,
        outputs: Outputs,
        metrics: Arc<Metrics>,
    ) -> Self {
        metrics.rules(rules.rules());
        Detector {
            rules,
            min_priority,
            outputs,
            metrics,
        }
    }

    /// Evaluates `event`; returns its alerts without raising them.
    pub fn alerts(&self, event: &Event) -> Vec<AlertRecord> {
        let mut alerts = Vec::new();
        self.rules
            .evaluate(event.view(), self.min_priority, &mut |alert| {
                alerts.push(AlertRecord::new(&alert, event));
            });
        self.metrics.evaluated();
        alerts
    }

    /// Evaluates `event` and raises its alerts; returns the alerts raised
    /// (after de-duplication).
    pub fn evaluate(&self, event: &Event) -> Vec<AlertRecord> {
        let mut alerts = self.alerts(event);
        alerts.retain(|a| self.outputs.raise(a));
        alerts
    }
}

/// Starts `n` worker threads (at least one) that evaluate the queued
/// batches until the queue is closed and empty.
///
/// # Errors
/// A thread could not be started.
pub fn start_workers(
    n: usize,
    detector: &Arc<Detector>,
    queue: &Arc<Queue>,
    receiver: Receiver,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    let receiver = Arc::new(receiver);
    (0..n.max(1))
        .map(|i| {
            let detector = Arc::clone(detector);
            let queue = Arc::clone(queue);
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("audit-detect-{i}"))
                .spawn(move || {
                    while let Some(batch) = receiver.next() {
                        for event in &batch.events {
                            detector.evaluate(event);
                        }
                        let received = batch.received;
                        drop(batch);
                        detector.metrics.batch_done(received.elapsed());
                        detector.metrics.queue_depth(queue.depth());
                    }
                })
        })
        .collect()
}
