//! The live-stream fan-out: one actor holding one lossy bus subscription and the registry of
//! stream clients, delivering each event to the clients whose topics match, each through its
//! own bounded queue. A client whose queue is full misses events (counted, told once as a lag
//! notice) and is dropped if it misses more than a whole queue more; nobody else, and never
//! the bus, waits for it.

mod client;
mod replay;
mod topic;

pub use client::{Client, Delivery};
pub use replay::Replay;
pub use topic::{Filter, Topic};

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::bus::{self, Bus};
use crate::events::Event;
use client::Shared;

/// The fan-out's own queue from the bus (lossy: a fan-out that falls behind tells every
/// client it lagged).
const BUS_QUEUE: usize = 8192;

/// Handle to the fan-out actor; cheap to clone.
#[derive(Clone)]
pub struct Fanout {
    cmds: mpsc::UnboundedSender<Cmd>,
    clients: Arc<AtomicUsize>,
    dropped: Arc<AtomicU64>,
    processed: Arc<AtomicU64>,
}

enum Cmd {
    Join { queue: usize, reply: oneshot::Sender<Client> },
    Filter { id: u64, filter: Filter, reply: oneshot::Sender<Option<Uuid>> },
    Leave { id: u64 },
}

/// One registered client, as the actor sees it.
struct Entry {
    tx: mpsc::Sender<Arc<Event>>,
    shared: Arc<Shared>,
    filter: Filter,
}

impl Fanout {
    /// Starts the actor on `bus`; it ends when the bus is gone.
    pub fn spawn(bus: &Bus) -> Self {
        let (cmds, rx) = mpsc::unbounded_channel();
        let clients = Arc::new(AtomicUsize::new(0));
        let sub = bus.subscribe_lossy(BUS_QUEUE);
        let me = Self {
            cmds,
            clients: clients.clone(),
            dropped: Arc::default(),
            processed: Arc::default(),
        };
        tokio::spawn(run(sub, rx, me.clone()));
        me
    }

    /// Registers a client with an empty filter and a queue of `queue` events; `None` once
    /// the actor has stopped.
    pub async fn join(&self, queue: usize) -> Option<Client> {
        let (reply, rx) = oneshot::channel();
        self.cmds.send(Cmd::Join { queue: queue.max(1), reply }).ok()?;
        rx.await.ok()
    }

    /// Number of registered clients.
    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::Relaxed)
    }

    /// Events dropped so far because a client's queue was full (every client counted).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Events taken from the bus so far (each delivered to every matching client).
    pub fn processed(&self) -> u64 {
        self.processed.load(Ordering::Relaxed)
    }

    pub(crate) async fn set_filter(&self, id: u64, filter: Filter) -> Option<Uuid> {
        let (reply, rx) = oneshot::channel();
        self.cmds.send(Cmd::Filter { id, filter, reply }).ok()?;
        rx.await.ok().flatten()
    }

    pub(crate) fn leave(&self, id: u64) {
        let _ = self.cmds.send(Cmd::Leave { id });
    }
}

/// The actor: commands first (so a filter takes effect between two events, and the barrier it
/// answers is exact), then events.
async fn run(mut sub: bus::LossyReceiver, mut cmds: mpsc::UnboundedReceiver<Cmd>, me: Fanout) {
    let mut registry: HashMap<u64, Entry> = HashMap::new();
    let mut next_id = 0u64;
    // The last event delivered to the registry: a filter installed now sees every later one.
    let mut last: Option<Uuid> = None;
    loop {
        tokio::select! {
            biased;
            Some(cmd) = cmds.recv() => match cmd {
                Cmd::Join { queue, reply } => {
                    next_id += 1;
                    let (tx, rx) = mpsc::channel(queue);
                    let shared = Arc::new(Shared::default());
                    let client = Client::new(next_id, rx, shared.clone(), me.clone(), queue);
                    if reply.send(client).is_ok() {
                        registry.insert(next_id, Entry { tx, shared, filter: Filter::default() });
                    }
                }
                Cmd::Filter { id, filter, reply } => {
                    if let Some(e) = registry.get_mut(&id) {
                        e.filter = filter;
                    }
                    let _ = reply.send(last);
                }
                Cmd::Leave { id } => {
                    registry.remove(&id);
                }
            },
            d = sub.recv() => match d {
                Some(bus::Delivery::Event(ev)) => {
                    last = Some(ev.id);
                    deliver(&mut registry, &ev, &me.dropped);
                    me.processed.fetch_add(1, Ordering::Relaxed);
                }
                Some(bus::Delivery::Lagged { missed, .. }) => {
                    tracing::warn!(missed, "the live-stream fan-out fell behind the bus");
                    for e in registry.values() {
                        e.shared.missed(missed);
                    }
                }
                None => break,
            },
        }
        me.clients.store(registry.len(), Ordering::Relaxed);
        metrics::gauge!("infrastructor_ws_clients").set(registry.len() as f64);
    }
    for e in registry.values() {
        e.shared.kick();
    }
}

/// Queues `ev` for every client it matches; drops clients that stayed behind.
fn deliver(registry: &mut HashMap<u64, Entry>, ev: &Arc<Event>, missed: &AtomicU64) {
    let mut dropped = Vec::new();
    for (id, e) in registry.iter() {
        if !e.filter.matches(ev) {
            continue;
        }
        if e.tx.is_closed() {
            dropped.push(*id);
            continue;
        }
        if !e.shared.lagging() && e.tx.try_send(ev.clone()).is_ok() {
            continue;
        }
        metrics::counter!("infrastructor_ws_dropped_total").increment(1);
        missed.fetch_add(1, Ordering::Relaxed);
        if e.shared.missed(1) > e.tx.max_capacity() as u64 {
            e.shared.kick();
            dropped.push(*id);
        }
    }
    for id in dropped {
        registry.remove(&id);
    }
}

#[cfg(test)]
mod tests;
