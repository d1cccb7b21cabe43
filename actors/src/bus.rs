//! The event bus: lossless subscriptions with backpressure (the writer) and lossy ones with
//! lag accounting (WebSocket clients, caches).
//!
//! `tokio::sync::broadcast` and ractor's `OutputPort` drop events under bursts, so the bus is
//! a list of bounded mpsc queues: `publish` awaits room in every lossless queue (slowing the
//! pollers rather than losing data) and never waits for a lossy one.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use uuid::Uuid;

use crate::events::Event;

/// Handle to publish events and add subscribers; cheap to clone.
#[derive(Clone, Default)]
pub struct Bus {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Lossless subscribers; a closed one is removed on the next publish.
    lossless: Mutex<Vec<Lossless>>,
    /// Lossy subscribers; a closed one is removed on the next publish.
    lossy: Mutex<Vec<Arc<LossyShared>>>,
}

/// State shared by a lossy subscriber's two ends.
/// One lossless subscriber: its queue and the name its depth gauge and stall warnings carry.
#[derive(Clone)]
struct Lossless {
    tx: mpsc::Sender<Arc<Event>>,
    name: &'static str,
}

/// How long a publisher waits on a full lossless queue before it reports the stall (and
/// goes on waiting: lossless means lossless).
const STALL_REPORT: std::time::Duration = std::time::Duration::from_secs(5);

struct LossyShared {
    /// Bounded queue towards the subscriber.
    tx: mpsc::Sender<Arc<Event>>,
    /// Events dropped since the subscriber last saw a `Lagged` notice, and the first of them.
    lag: Mutex<Lag>,
}

#[derive(Default, Clone, Copy)]
struct Lag {
    missed: u64,
    first_missed: Option<Uuid>,
}

/// What a lossy subscriber receives.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The next event.
    Event(Arc<Event>),
    /// The subscriber fell behind: `missed` events were dropped, the smallest id among them
    /// being `resume_from` (replay from the store from that id, inclusive, to fill the gap).
    Lagged {
        /// Number of events dropped.
        missed: u64,
        /// Id of the first dropped event.
        resume_from: Uuid,
    },
}

/// Receiving end of a lossy subscription.
pub struct LossyReceiver {
    rx: mpsc::Receiver<Arc<Event>>,
    shared: Arc<LossyShared>,
}

impl LossyReceiver {
    /// The next delivery; `None` once the bus is gone.
    ///
    /// While a subscriber is lagging, the bus stops queueing for it, so the `Lagged` notice
    /// comes after every event queued before the gap and before any event after it.
    pub async fn recv(&mut self) -> Option<Delivery> {
        match self.rx.try_recv() {
            Ok(ev) => return Some(Delivery::Event(ev)),
            Err(mpsc::error::TryRecvError::Disconnected) => return None,
            Err(mpsc::error::TryRecvError::Empty) => {}
        }
        if let Some(d) = self.take_lag() {
            return Some(d);
        }
        self.rx.recv().await.map(Delivery::Event)
    }

    fn take_lag(&self) -> Option<Delivery> {
        let mut lag = self.shared.lag.lock().unwrap_or_else(|e| e.into_inner());
        let taken = std::mem::take(&mut *lag);
        taken.first_missed.map(|resume_from| Delivery::Lagged { missed: taken.missed, resume_from })
    }
}

impl Bus {
    /// A bus with no subscribers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Subscribes without loss: `publish` waits while this queue (of `capacity`) is full.
    pub fn subscribe_lossless(
        &self,
        name: &'static str,
        capacity: usize,
    ) -> mpsc::Receiver<Arc<Event>> {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        lock(&self.inner.lossless).push(Lossless { tx, name });
        rx
    }

    /// Subscribes with a bounded queue of `capacity`; overflow is counted, not waited for.
    pub fn subscribe_lossy(&self, capacity: usize) -> LossyReceiver {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let shared = Arc::new(LossyShared { tx, lag: Mutex::new(Lag::default()) });
        lock(&self.inner.lossy).push(shared.clone());
        LossyReceiver { rx, shared }
    }

    /// Publishes one event to every subscriber.
    ///
    /// Waits for room in every lossless queue; a queue full for longer than 5 s is reported
    /// (a WARN line and `infrastructor_bus_lossless_stalls_total`) while the wait goes on. Every
    /// event counts in `infrastructor_bus_published_total{kind}` (its `type` tag). The
    /// depth of each lossless queue is the gauge `infrastructor_bus_lossless_queue_depth`.
    /// Returns the published event.
    pub async fn publish(&self, event: Event) -> Arc<Event> {
        let event = Arc::new(event);
        metrics::counter!("infrastructor_bus_published_total", "kind" => event.type_name())
            .increment(1);
        let senders: Vec<_> = lock(&self.inner.lossless).clone();
        let mut closed = false;
        for sub in &senders {
            closed |= !send_lossless(sub, &event).await;
        }
        if closed {
            lock(&self.inner.lossless).retain(|sub| !sub.tx.is_closed());
        }
        let mut lossy = lock(&self.inner.lossy);
        lossy.retain(|sub| !sub.tx.is_closed());
        for sub in lossy.iter() {
            let mut lag = lock(&sub.lag);
            if lag.missed == 0 && sub.tx.try_send(event.clone()).is_ok() {
                continue;
            }
            lag.missed += 1;
            // Ids are stamped before publishing, so concurrent publishers can deliver them
            // out of order: resume from the smallest dropped id to cover every gap.
            lag.first_missed = Some(lag.first_missed.map_or(event.id, |id| id.min(event.id)));
            metrics::counter!("infrastructor_bus_lossy_dropped_total").increment(1);
        }
        drop(lossy);
        event
    }

    /// Number of live subscribers (lossless, lossy).
    pub fn subscribers(&self) -> (usize, usize) {
        (lock(&self.inner.lossless).len(), lock(&self.inner.lossy).len())
    }
}

/// Sends to one lossless subscriber, reporting a stall; `false` if it is gone.
async fn send_lossless(sub: &Lossless, event: &Arc<Event>) -> bool {
    let depth = |tx: &mpsc::Sender<Arc<Event>>| (tx.max_capacity() - tx.capacity()) as f64;
    match sub.tx.try_send(event.clone()) {
        Ok(()) => {
            metrics::gauge!("infrastructor_bus_lossless_queue_depth", "subscriber" => sub.name)
                .set(depth(&sub.tx));
            return true;
        }
        Err(mpsc::error::TrySendError::Closed(_)) => return false,
        Err(mpsc::error::TrySendError::Full(_)) => {}
    }
    metrics::gauge!("infrastructor_bus_lossless_queue_depth", "subscriber" => sub.name)
        .set(depth(&sub.tx));
    let started = tokio::time::Instant::now();
    let mut send = std::pin::pin!(sub.tx.send(event.clone()));
    loop {
        match tokio::time::timeout(STALL_REPORT, &mut send).await {
            Ok(sent) => {
                if started.elapsed() >= STALL_REPORT {
                    tracing::info!(subscriber = sub.name, waited = ?started.elapsed(), "lossless subscriber reading again");
                }
                return sent.is_ok();
            }
            Err(_) => {
                metrics::counter!("infrastructor_bus_lossless_stalls_total", "subscriber" => sub.name)
                    .increment(1);
                tracing::warn!(
                    subscriber = sub.name,
                    depth = sub.tx.max_capacity(),
                    waited = ?started.elapsed(),
                    "lossless subscriber stopped reading: its queue is full and publishers wait"
                );
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests;
