//! The writer: drains the bus's lossless subscription into the store in batches (by size and
//! time), and never loses an event. When a write fails the batch goes to the disk spool, and
//! so does everything after it until the spool has drained into the store again, so order is
//! kept; a retry that rewrites rows already stored is harmless (writes are idempotent by id).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::spool::Spool;
use super::sqlite::{SqliteEvents, StoreError};
use crate::events::Event;

/// Where the writer puts events: an engine's blocking batch insert.
pub trait EventSink: Send + 'static {
    /// Writes `events` (idempotently by id); returns how many were new.
    fn insert(&mut self, events: &[Arc<Event>]) -> Result<usize, StoreError>;

    /// Deletes samples and changes observed before the given times (keeping the newest of
    /// each device and type); returns how many went.
    fn prune(&mut self, samples_before: Time, changes_before: Time) -> Result<usize, StoreError>;
}

type Time = chrono::DateTime<chrono::Utc>;

impl EventSink for SqliteEvents {
    fn insert(&mut self, events: &[Arc<Event>]) -> Result<usize, StoreError> {
        SqliteEvents::insert(self, events)
    }

    fn prune(&mut self, samples_before: Time, changes_before: Time) -> Result<usize, StoreError> {
        SqliteEvents::prune(self, samples_before, changes_before)
    }
}

/// Batching and retry settings.
#[derive(Debug, Clone, Copy)]
pub struct WriterSettings {
    /// Most events per batch (default 5,000).
    pub batch: usize,
    /// Longest an event waits for its batch to fill (default 250 ms).
    pub linger: Duration,
    /// Time between attempts to drain the spool while the store fails (default 5 s).
    pub retry: Duration,
    /// How long sample events are kept in full (default 48 h).
    pub sample_retention: Duration,
    /// How long change events are kept (default 1 year).
    pub change_retention: Duration,
    /// Time between two runs of the retention job (default 1 h; the first runs at start).
    pub prune_every: Duration,
}

impl Default for WriterSettings {
    fn default() -> Self {
        Self {
            batch: 5_000,
            linger: Duration::from_millis(250),
            retry: Duration::from_secs(5),
            sample_retention: Duration::from_secs(48 * 3600),
            change_retention: Duration::from_secs(365 * 24 * 3600),
            prune_every: Duration::from_secs(3600),
        }
    }
}

/// Runs until `rx` closes (the bus is gone), then writes or spools what is left and returns
/// the sink and the spool.
pub async fn run_writer<S: EventSink>(
    mut rx: mpsc::Receiver<Arc<Event>>,
    sink: S,
    spool: Spool,
    settings: WriterSettings,
) -> (S, Spool) {
    let mut w = Writer { sink: Some(sink), spool: Some(spool) };
    // Events spooled by an earlier run go first.
    w.drain().await;
    let mut batch = Vec::with_capacity(settings.batch);
    let mut pruned: Option<tokio::time::Instant> = None;
    // When to try the spool next; set when it first holds something. It is a deadline, not a
    // fresh sleep per turn, so a steady stream of events cannot postpone the drain forever.
    let mut retry_at: Option<tokio::time::Instant> = None;
    loop {
        let open = fill(&mut rx, &mut batch, settings).await;
        if retry_at.is_some_and(|t| tokio::time::Instant::now() >= t) {
            w.drain().await;
            retry_at = None;
        }
        if !batch.is_empty() {
            w.write(std::mem::take(&mut batch)).await;
        }
        if w.spooled() {
            retry_at.get_or_insert_with(|| tokio::time::Instant::now() + settings.retry);
        }
        if pruned.is_none_or(|t| t.elapsed() >= settings.prune_every) {
            w.prune(settings).await;
            pruned = Some(tokio::time::Instant::now());
        }
        if !open {
            break;
        }
        if let Some(at) = retry_at {
            // New events keep going to the spool meanwhile, behind the ones waiting there.
            tokio::select! {
                _ = tokio::time::sleep_until(at) => {
                    w.drain().await;
                    retry_at = w.spooled().then(|| tokio::time::Instant::now() + settings.retry);
                }
                n = rx.recv_many(&mut batch, settings.batch) => if n == 0 { break },
            }
        }
    }
    w.drain().await;
    (w.sink.expect("sink returned"), w.spool.expect("spool returned"))
}

/// Collects up to `batch` events, waiting at most `linger` after the first; `false` when the
/// channel closed.
async fn fill(
    rx: &mut mpsc::Receiver<Arc<Event>>,
    batch: &mut Vec<Arc<Event>>,
    s: WriterSettings,
) -> bool {
    if batch.is_empty() && rx.recv_many(batch, s.batch).await == 0 {
        return false;
    }
    let deadline = tokio::time::Instant::now() + s.linger;
    while batch.len() < s.batch {
        match tokio::time::timeout_at(deadline, rx.recv_many(batch, s.batch - batch.len())).await {
            Ok(0) => return false,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    true
}

/// The sink and spool, moved into blocking tasks and back.
struct Writer<S> {
    sink: Option<S>,
    spool: Option<Spool>,
}

impl<S: EventSink> Writer<S> {
    fn spooled(&self) -> bool {
        self.spool.as_ref().is_some_and(|s| !s.is_empty())
    }

    /// Writes a batch, or spools it when the store fails or the spool is not yet drained.
    async fn write(&mut self, batch: Vec<Arc<Event>>) {
        let (mut sink, mut spool) = (self.sink.take(), self.spool.take());
        let done = tokio::task::spawn_blocking(move || {
            let (sk, sp) = (sink.as_mut().expect("sink"), spool.as_mut().expect("spool"));
            if !sp.is_empty() {
                // Behind the events waiting in the spool, to keep the order.
                spool_append(sp, &batch);
            } else if let Err(e) = sk.insert(&batch) {
                metrics::counter!("infrastructor_store_write_errors_total").increment(1);
                tracing::warn!(events = batch.len(), error = %e, "store write failed; spooling to disk");
                spool_append(sp, &batch);
            } else {
                metrics::counter!("infrastructor_store_rows_written_total")
                    .increment(batch.len() as u64);
            }
            (sink, spool)
        });
        (self.sink, self.spool) = done.await.expect("writer task never panics");
    }

    /// Runs the retention job (a failure is logged and retried at the next run).
    async fn prune(&mut self, s: WriterSettings) {
        let mut sink = self.sink.take();
        let now = chrono::Utc::now();
        let before =
            |d: Duration| now - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
        let (samples, changes) = (before(s.sample_retention), before(s.change_retention));
        let done = tokio::task::spawn_blocking(move || {
            match sink.as_mut().expect("sink").prune(samples, changes) {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "retention: old events deleted"),
                Err(e) => {
                    tracing::warn!(error = %e, "retention job failed; retried at the next run")
                }
            }
            sink
        });
        self.sink = done.await.expect("writer task never panics");
    }

    /// Moves what the spool holds into the store, in order; keeps it on failure.
    async fn drain(&mut self) {
        if !self.spooled() {
            return;
        }
        let (mut sink, mut spool) = (self.sink.take(), self.spool.take());
        let done = tokio::task::spawn_blocking(move || {
            let (sk, sp) = (sink.as_mut().expect("sink"), spool.as_mut().expect("spool"));
            match sp.read() {
                Ok(d) => {
                    let events: Vec<_> = d.events.into_iter().map(Arc::new).collect();
                    match sk.insert(&events) {
                        Ok(_) => {
                            tracing::info!(events = events.len(), "spool drained into the store");
                            if let Err(e) = sp.clear() {
                                tracing::error!(error = %e, "cannot clear the drained spool");
                            }
                        }
                        Err(e) => tracing::debug!(error = %e, "store still failing; spool kept"),
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot read the spool"),
            }
            metrics::gauge!("infrastructor_store_spool_bytes").set(sp.len() as f64);
            (sink, spool)
        });
        (self.sink, self.spool) = done.await.expect("writer task never panics");
    }
}

/// Appends to the spool. If even the disk refuses (full, read-only), the events are lost and
/// an operator must act: logged at ERROR. (A memory buffer in front of the spool is to come.)
fn spool_append(spool: &mut Spool, batch: &[Arc<Event>]) {
    match spool.append(batch) {
        Ok(()) => metrics::gauge!("infrastructor_store_spool_bytes").set(spool.len() as f64),
        Err(e) => {
            tracing::error!(events = batch.len(), error = %e, "cannot spool events: they are lost")
        }
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
