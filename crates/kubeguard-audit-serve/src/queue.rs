//! The bounded queue between the HTTP handlers and the detection workers.
//!
//! Its capacity counts events, not batches: a batch is admitted only when
//! the room for all its events is free at once, and that room is given
//! back when its last event is evaluated. A handler never waits for room:
//! when the queue is full the batch is refused at once (the handler answers
//! 429) and its events are counted as dropped, so a slow detector pushes
//! back on the API server instead of growing memory or holding its requests.

use kubeguard_audit::Event;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError, mpsc};

/// A batch of events waiting for a worker; its room in the queue is given
/// back when it is dropped.
#[derive(Debug)]
pub struct Batch {
    /// The events, in the order received.
    pub events: Vec<Event>,
    /// When the request carrying them was received.
    pub received: Instant,
    _room: OwnedSemaphorePermit,
}

/// Why a batch was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not enough room now.
    #[error("the queue is full ({depth} of {capacity} events waiting)")]
    Full {
        /// Events waiting.
        depth: usize,
        /// The capacity.
        capacity: usize,
    },
    /// More events than the queue can ever hold.
    #[error("a batch of {events} events is larger than the queue ({capacity} events)")]
    TooLarge {
        /// Events in the batch.
        events: usize,
        /// The capacity.
        capacity: usize,
    },
    /// The queue is closed: the server is shutting down.
    #[error("shutting down")]
    Closed,
}

/// The sending side, held by the handlers.
#[derive(Debug)]
pub struct Queue {
    sender: Mutex<Option<mpsc::UnboundedSender<Batch>>>,
    room: Arc<Semaphore>,
    capacity: usize,
}

/// The receiving side, shared by the workers.
#[derive(Debug)]
pub struct Receiver(Mutex<mpsc::UnboundedReceiver<Batch>>);

impl Queue {
    /// A queue of `capacity` events (at least 1).
    #[must_use]
    pub fn new(capacity: usize) -> (Queue, Receiver) {
        let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS);
        let (tx, rx) = mpsc::unbounded_channel();
        let queue = Queue {
            sender: Mutex::new(Some(tx)),
            room: Arc::new(Semaphore::new(capacity)),
            capacity,
        };
        (queue, Receiver(Mutex::new(rx)))
    }

    /// The capacity in events.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Events waiting or being evaluated.
    #[must_use]
    pub fn depth(&self) -> usize {
        self.capacity - self.room.available_permits()
    }

    /// Queues `events` without waiting, or says why not.
    pub fn try_push(&self, events: Vec<Event>, received: Instant) -> Result<(), Refused> {
        let sender = self.sender.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(sender) = sender.as_ref() else {
            return Err(Refused::Closed);
        };
        let n = u32::try_from(events.len()).unwrap_or(u32::MAX);
        if events.len() > self.capacity {
            return Err(Refused::TooLarge {
                events: events.len(),
                capacity: self.capacity,
            });
        }
        let room = match Arc::clone(&self.room).try_acquire_many_owned(n) {
            Ok(room) => room,
            Err(TryAcquireError::NoPermits) => {
                return Err(Refused::Full {
                    depth: self.depth(),
                    capacity: self.capacity,
                });
            }
            Err(TryAcquireError::Closed) => return Err(Refused::Closed),
        };
        sender
            .send(Batch {
                events,
                received,
                _room: room,
            })
            .map_err(|_| Refused::Closed)
    }

    /// Refuses new batches from now on; the workers finish what is queued
    /// and then stop.
    pub fn close(&self) {
        self.sender
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }
}

impl Receiver {
    /// The next batch, waiting for one; `None` once the queue is closed and
    /// empty. Call it from a worker thread, not from async code.
    pub fn next(&self) -> Option<Batch> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .blocking_recv()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(n: usize) -> Vec<Event> {
        vec![
            Event {
                json: serde_json::Value::Null,
                time_ns: 0
            };
            n
        ]
    }

    #[test]
    fn room_is_counted_in_events_and_given_back_when_evaluated() {
        let (queue, rx) = Queue::new(5);
        let now = Instant::now();
        queue.try_push(events(3), now).unwrap();
        assert_eq!(
            queue.try_push(events(3), now),
            Err(Refused::Full {
                depth: 3,
                capacity: 5
            })
        );
        queue.try_push(events(2), now).unwrap();
        assert_eq!(
            queue.try_push(events(6), now),
            Err(Refused::TooLarge {
                events: 6,
                capacity: 5
            })
        );
        let first = rx.next().unwrap();
        assert_eq!(first.events.len(), 3);
        assert_eq!(queue.depth(), 5);
        drop(first);
        assert_eq!(queue.depth(), 2);
        queue.try_push(events(3), now).unwrap();
        queue.close();
        assert_eq!(queue.try_push(events(1), now), Err(Refused::Closed));
        assert_eq!(rx.next().unwrap().events.len(), 2);
        assert_eq!(rx.next().unwrap().events.len(), 3);
        assert!(rx.next().is_none());
    }
}
