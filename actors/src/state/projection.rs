//! The projection every reader uses: an immutable snapshot of all devices, swapped per
//! update (readers clone an `Arc` and serialize at leisure, never holding a lock the bus's
//! lossless path waits on), and a change-event history bounded by bytes.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::mpsc;
use uuid::Uuid;

use super::DeviceState;
use crate::device::LastSample;
use crate::events::{Event, EventKind};

/// Default byte budget of the in-memory change-event history.
pub const HISTORY_BYTES: usize = 16 * 1024 * 1024;

/// Per-event overhead counted on top of its JSON size (the `Arc`, the queue slot, the
/// envelope's own fields).
const EVENT_OVERHEAD: usize = 128;

/// Every device's state at one moment.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    /// Per-device state by name.
    pub devices: BTreeMap<String, Arc<DeviceState>>,
}

/// Change events kept in memory, oldest first, within a byte budget.
#[derive(Debug, Default)]
struct History {
    events: VecDeque<(Arc<Event>, usize)>,
    bytes: usize,
    budget: usize,
}

impl History {
    fn push(&mut self, ev: Arc<Event>) {
        let size = serde_json::to_vec(&*ev).map_or(0, |v| v.len()) + EVENT_OVERHEAD;
        if size > self.budget {
            return;
        }
        self.bytes += size;
        self.events.push_back((ev, size));
        while self.bytes > self.budget {
            let Some((_, s)) = self.events.pop_front() else { break };
            self.bytes -= s;
        }
    }
}

/// Current state plus recent change events, shared by the feeder and every reader.
#[derive(Debug)]
pub struct Projection {
    /// The current snapshot; the write lock is held only to swap the pointer.
    current: RwLock<Arc<Snapshot>>,
    /// Recent change events; readers copy out at most one page of `Arc`s under the lock.
    history: Mutex<History>,
    /// Events folded in so far (samples included).
    applied: std::sync::atomic::AtomicU64,
}

impl Default for Projection {
    fn default() -> Self {
        Self::new(HISTORY_BYTES)
    }
}

impl Projection {
    /// An empty projection keeping at most `history_bytes` of change events.
    pub fn new(history_bytes: usize) -> Self {
        Self {
            current: RwLock::new(Arc::default()),
            history: Mutex::new(History { budget: history_bytes, ..History::default() }),
            applied: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The current snapshot (cheap: one `Arc` clone).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Folds a batch of events in and publishes the new snapshot.
    pub fn apply_all(&self, events: &[Arc<Event>]) {
        let mut next: Snapshot = (*self.snapshot()).clone();
        for ev in events {
            fold(&mut next, ev);
        }
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
        let mut history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        for ev in events.iter().filter(|e| e.kind.sample_of().is_none()) {
            history.push(ev.clone());
        }
        drop(history);
        self.applied.fetch_add(events.len() as u64, std::sync::atomic::Ordering::Release);
    }

    /// The newest sample event of `probe` on `device`, if any.
    pub fn last_sample(&self, device: &str, probe: &str) -> Option<Arc<Event>> {
        self.snapshot().devices.get(device)?.sample(probe).cloned()
    }

    /// A [`LastSample`] lookup over this projection, for `FleetArgs::last_sample`: probes
    /// resume from the samples restored at start-up or folded in since.
    pub fn last_samples(self: &Arc<Self>) -> LastSample {
        let me = self.clone();
        Arc::new(move |device, probe| me.last_sample(device, probe))
    }

    /// How many events have been folded in (samples included).
    pub fn applied(&self) -> u64 {
        self.applied.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Folds one event in.
    pub fn apply(&self, ev: Arc<Event>) {
        self.apply_all(&[ev]);
    }

    /// Change events after `after` (oldest first; from the oldest kept when `None` or when
    /// `after` is no longer held), optionally of one device, at most `limit`.
    pub fn events_after(
        &self,
        after: Option<Uuid>,
        device: Option<&str>,
        limit: usize,
    ) -> Vec<Arc<Event>> {
        let history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        // Ids are stamped before publishing, so the order is only nearly by id: resume after
        // the event itself when it is still held.
        let start = match after {
            None => 0,
            Some(id) => match history.events.iter().rposition(|(e, _)| e.id == id) {
                Some(i) => i + 1,
                None => history.events.partition_point(|(e, _)| e.id <= id),
            },
        };
        history
            .events
            .range(start..)
            .map(|(e, _)| e)
            .filter(|e| device.is_none_or(|d| e.device == d))
            .take(limit)
            .cloned()
            .collect()
    }

    /// Whether the change history in memory still holds the event `id`.
    pub fn holds(&self, id: Uuid) -> bool {
        let history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        history.events.iter().rev().any(|(e, _)| e.id == id)
    }

    /// The newest `limit` change events, optionally of one device, oldest first.
    pub fn newest(&self, device: Option<&str>, limit: usize) -> Vec<Arc<Event>> {
        let history = self.history.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<_> = history
            .events
            .iter()
            .rev()
            .map(|(e, _)| e)
            .filter(|e| device.is_none_or(|d| e.device == d))
            .take(limit)
            .cloned()
            .collect();
        drop(history);
        out.reverse();
        out
    }

    /// `(events, bytes)` held in the history.
    pub fn history_usage(&self) -> (usize, usize) {
        let h = self.history.lock().unwrap_or_else(|e| e.into_inner());
        (h.events.len(), h.bytes)
    }
}

fn fold(snap: &mut Snapshot, ev: &Arc<Event>) {
    if matches!(ev.kind, EventKind::DeviceRemoved {}) {
        snap.devices.remove(&ev.device);
        return;
    }
    // Alert events are judgements, not observations: they change no device's state (and
    // the recovery of a removed device's alerts must not bring it back).
    if ev.type_name().starts_with("Alert") {
        return;
    }
    let state = snap.devices.entry(ev.device.clone()).or_default();
    Arc::make_mut(state).apply(ev);
}

/// Feeds every event of `rx` into `projection` until the bus closes, a batch at a time (all
/// that is queued, so a burst costs one snapshot swap).
pub async fn run_projection(projection: Arc<Projection>, mut rx: mpsc::Receiver<Arc<Event>>) {
    let mut batch = Vec::with_capacity(256);
    while rx.recv_many(&mut batch, 256).await > 0 {
        projection.apply_all(&batch);
        batch.clear();
    }
}
