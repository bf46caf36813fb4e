//! Where raised alerts go: JSON lines (standard output or a file) and
//! Alertmanager, after de-duplication by key, counted in the metrics.

use crate::alert::AlertRecord;
use crate::alertmanager::AlertmanagerSender;
use crate::metrics::Metrics;
use std::collections::{HashSet, VecDeque};
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

/// Alert keys remembered for de-duplication.
pub const RECENT_KEYS: usize = 65_536;

/// The last [`RECENT_KEYS`] alert keys, oldest forgotten first.
#[derive(Debug, Default)]
struct Recent {
    keys: HashSet<String>,
    order: VecDeque<String>,
}

impl Recent {
    /// Remembers `key`; false when it was already remembered.
    fn insert(&mut self, key: &str) -> bool {
        if self.keys.contains(key) {
            return false;
        }
        if self.order.len() == RECENT_KEYS
            && let Some(old) = self.order.pop_front()
        {
            self.keys.remove(&old);
        }
        self.keys.insert(key.to_owned());
        self.order.push_back(key.to_owned());
        true
    }
}

/// The alert outputs shared by the detection workers.
pub struct Outputs {
    lines: Mutex<Option<Box<dyn Write + Send>>>,
    recent: Mutex<Recent>,
    alertmanagers: Vec<AlertmanagerSender>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Outputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outputs").finish_non_exhaustive()
    }
}

impl Outputs {
    /// Alerts written as JSON lines to `lines` (when given), counted in `metrics`.
    #[must_use]
    pub fn new(lines: Option<Box<dyn Write + Send>>, metrics: Arc<Metrics>) -> Self {
        Outputs {
            lines: Mutex::new(lines),
            recent: Mutex::new(Recent::default()),
            alertmanagers: Vec::new(),
            metrics,
        }
    }

    /// Also delivers alerts to an Alertmanager.
    #[must_use]
    pub fn with_alertmanager(mut self, sender: AlertmanagerSender) -> Self {
        self.alertmanagers.push(sender);
        self
    }

    /// Raises `alert` unless an alert with its key was raised recently:
    /// counts it, writes its JSON line and flushes, and queues it for each
    /// Alertmanager. Returns whether it was raised.
    pub fn raise(&self, alert: &AlertRecord) -> bool {
        let fresh = self
            .recent
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(&alert.key);
        if !fresh {
            self.metrics.deduplicated();
            return false;
        }
        self.metrics.alert(&alert.rule, alert.priority().as_str());
        for alertmanager in &self.alertmanagers {
            alertmanager.send(alert);
        }
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(out) = lines.as_mut() {
            let line = alert.json_line();
            if let Err(e) = out.write_all(line.as_bytes()).and_then(|()| out.flush()) {
                tracing::error!(
                    "cannot write alerts any more: {e}; they are still counted and delivered"
                );
                *lines = None;
            }
        }
        true
    }
}

impl Outputs {
    /// Queues `alert` for each Alertmanager only: for an alert another worker
    /// already stored (see [`crate::nats`]); Alertmanager keeps one alert per
    /// key, so this cannot make a second one, and it delivers an alert whose
    /// first worker died before delivering it.
    pub fn redeliver(&self, alert: &AlertRecord) {
        for alertmanager in &self.alertmanagers {
            alertmanager.send(alert);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_keys_are_forgotten_first() {
        let mut recent = Recent::default();
        for i in 0..RECENT_KEYS {
            assert!(recent.insert(&i.to_string()));
        }
        assert!(!recent.insert("0"));
        assert!(recent.insert("new"));
        assert!(recent.insert("0"), "0 was the oldest and is forgotten");
        assert!(!recent.insert("new"));
        assert_eq!(recent.keys.len(), RECENT_KEYS);
    }
}
