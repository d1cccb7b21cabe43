//! One stream client's end of the fan-out: its bounded queue, its lag count, and the
//! duplicate check that joins a replay to the live queue.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::{Notify, mpsc};
use uuid::Uuid;

use super::{Fanout, Filter};
use crate::events::Event;

/// Replayed ids kept beyond a queue's worth, for events stored in a slightly different order
/// than the fan-out saw them (publishers racing each other).
pub(super) const REORDER: usize = 512;

/// What a client receives.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The next event.
    Event(Arc<Event>),
    /// `missed` events were dropped because the client's queue was full.
    Lagged {
        /// How many.
        missed: u64,
    },
}

/// State shared by the actor and the client.
#[derive(Default)]
pub(super) struct Shared {
    /// Events dropped since the last lag notice.
    missed: Mutex<u64>,
    /// Set when the actor dropped the client.
    kicked: AtomicBool,
    /// Wakes the client on a lag with an empty queue, and on a kick.
    wake: Notify,
}

impl Shared {
    /// Counts `n` more dropped events; returns the count since the last notice.
    pub(super) fn missed(&self, n: u64) -> u64 {
        let mut m = self.missed.lock().unwrap_or_else(|e| e.into_inner());
        *m += n;
        self.wake.notify_waiters();
        *m
    }

    /// Whether events are being dropped (the queue stays shut until the notice is taken).
    pub(super) fn lagging(&self) -> bool {
        *self.missed.lock().unwrap_or_else(|e| e.into_inner()) > 0
    }

    /// Marks the client dropped and wakes it.
    pub(super) fn kick(&self) {
        self.kicked.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
    }

    fn take_missed(&self) -> u64 {
        std::mem::take(&mut *self.missed.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A registered stream client; leaves the registry when dropped.
pub struct Client {
    id: u64,
    rx: mpsc::Receiver<Arc<Event>>,
    shared: Arc<Shared>,
    fanout: Fanout,
    /// Ids a replay delivered, which the live queue may hold again: only the newest ones
    /// (see [`Client::replayed`]), oldest first in `replay_order`.
    replayed: HashSet<Uuid>,
    replay_order: VecDeque<Uuid>,
    /// Live events left to check against `replayed` (the overlap is at most one queue).
    overlap: usize,
    queue: usize,
}

impl Client {
    pub(super) fn new(
        id: u64,
        rx: mpsc::Receiver<Arc<Event>>,
        shared: Arc<Shared>,
        fanout: Fanout,
        queue: usize,
    ) -> Self {
        let (replayed, replay_order) = (HashSet::new(), VecDeque::new());
        Self { id, rx, shared, fanout, replayed, replay_order, overlap: 0, queue }
    }

    /// Installs `filter`; returns the id of the last event the fan-out delivered before it
    /// took effect (every later matching event is queued): the barrier a replay must reach.
    pub async fn set_filter(&self, filter: Filter) -> Option<Uuid> {
        self.fanout.set_filter(self.id, filter).await
    }

    /// Records that a replay delivered `id`, so the live copy is skipped.
    ///
    /// Only the newest `queue + REORDER` ids are kept: the live queue holds only events
    /// published after the client's filter took effect, which the store holds at the end of
    /// the replay (give or take concurrent publishers' interleaving), and at most `queue` of
    /// them (more would have lagged).
    pub fn replayed(&mut self, id: Uuid) {
        if self.replayed.insert(id) {
            self.replay_order.push_back(id);
        }
        while self.replay_order.len() > self.queue + REORDER {
            if let Some(old) = self.replay_order.pop_front() {
                self.replayed.remove(&old);
            }
        }
        self.overlap = self.queue + 1;
    }

    /// Whether the actor dropped this client (it stayed behind, or the fan-out stopped).
    pub fn is_kicked(&self) -> bool {
        self.shared.kicked.load(Ordering::SeqCst)
    }

    /// Resolves once the client is dropped by the actor.
    pub async fn kicked(&self) {
        loop {
            let woken = self.shared.wake.notified();
            if self.is_kicked() {
                return;
            }
            woken.await;
        }
    }

    /// The next delivery (events a replay already delivered are skipped); `None` once the
    /// client is dropped.
    pub async fn recv(&mut self) -> Option<Delivery> {
        loop {
            let ev = loop {
                let woken = self.shared.wake.notified();
                match self.rx.try_recv() {
                    Ok(ev) => break ev,
                    Err(mpsc::error::TryRecvError::Disconnected) => return None,
                    Err(mpsc::error::TryRecvError::Empty) => {}
                }
                let missed = self.shared.take_missed();
                if missed > 0 {
                    return Some(Delivery::Lagged { missed });
                }
                if self.is_kicked() {
                    return None;
                }
                tokio::select! {
                    ev = self.rx.recv() => match ev {
                        Some(ev) => break ev,
                        None => return None,
                    },
                    _ = woken => {}
                }
            };
            if self.overlap > 0 {
                self.overlap -= 1;
                let dup = self.replayed.remove(&ev.id);
                if self.overlap == 0 {
                    self.replayed = HashSet::new();
                    self.replay_order = VecDeque::new();
                }
                if dup {
                    continue;
                }
            }
            return Some(Delivery::Event(ev));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.fanout.leave(self.id);
    }
}
