//! The writer's logic: batches go to the store; while it refuses them they wait in a memory
//! buffer and, past its cap, in the disk spool, and everything after them waits behind them
//! until they are written, so order is kept; a retry that rewrites rows already stored is
//! harmless (writes are idempotent by id). The actor around it is `writer_actor`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::spool::Spool;
use super::{Retention, Store, StoreError, Time};
use crate::events::Event;

/// Where the writer puts events: a store (or, in tests, a store behind a switch).
#[async_trait::async_trait]
pub trait EventSink: Send + Sync + 'static {
    /// Writes `events` (idempotently by id); returns how many were new.
    async fn insert(&self, events: &[Arc<Event>]) -> Result<usize, StoreError>;

    /// Runs retention as of `now`; returns how many rows went.
    async fn prune(&self, now: Time, keep: Retention) -> Result<usize, StoreError>;

    /// Rolls up the sample tables' closed hours and days as of `now`; returns how many
    /// rollup rows were written (nothing to do by default).
    async fn rollup(&self, _now: Time) -> Result<usize, StoreError> {
        Ok(0)
    }

    /// Compacts closed, rolled-up hours of raw samples into blocks as of `now`; returns how
    /// many blocks were written (nothing to do by default).
    async fn compact(&self, _now: Time) -> Result<usize, StoreError> {
        Ok(0)
    }
}

#[async_trait::async_trait]
impl EventSink for Store {
    async fn insert(&self, events: &[Arc<Event>]) -> Result<usize, StoreError> {
        Store::insert(self, events).await
    }

    async fn prune(&self, now: Time, keep: Retention) -> Result<usize, StoreError> {
        Store::prune(self, now, keep).await
    }

    async fn rollup(&self, now: Time) -> Result<usize, StoreError> {
        Store::rollup(self, now).await
    }

    async fn compact(&self, now: Time) -> Result<usize, StoreError> {
        Store::compact(self, now).await
    }
}

/// Longest the last write at shutdown may take before what waits is spooled.
pub(crate) const FINISH_TRY: Duration = Duration::from_secs(2);

/// Batching, buffering and retry settings.
#[derive(Debug, Clone, Copy)]
pub struct WriterSettings {
    /// Most events per batch (default 5,000).
    pub batch: usize,
    /// Longest an event waits for its batch to fill (default 250 ms).
    pub linger: Duration,
    /// Time between attempts to write what waits while the store fails (default 5 s).
    pub retry: Duration,
    /// Most events held in memory while the store fails before they go to the disk spool
    /// (default 20,000).
    pub buffer: usize,
    /// How long each kind of data is kept.
    pub retention: Retention,
    /// Time between two runs of the rollup and retention jobs (default 1 h; the first runs
    /// at start).
    pub prune_every: Duration,
}

impl Default for WriterSettings {
    fn default() -> Self {
        Self {
            batch: 5_000,
            linger: Duration::from_millis(250),
            retry: Duration::from_secs(5),
            buffer: 20_000,
            retention: Retention::default(),
            prune_every: Duration::from_secs(3600),
        }
    }
}

/// The writer's state. Order is kept by construction: what waits on disk is older than what
/// waits in memory, which is older than a new batch, and they are written in that order.
pub(crate) struct Writer<S> {
    sink: S,
    pub(crate) spool: Spool,
    /// Events refused by the store, not yet spooled (oldest first).
    buffer: Vec<Arc<Event>>,
    pub(crate) settings: WriterSettings,
    /// Whether the last write failed (an outage is logged once at its start and its end,
    /// not at every retry).
    failing: AtomicBool,
}

impl<S: EventSink> Writer<S> {
    /// A writer over `sink`, spooling to `spool`.
    pub(crate) fn new(sink: S, spool: Spool, settings: WriterSettings) -> Self {
        // The gauges exist from the start (a spool left by the last run shows at once).
        metrics::gauge!("infrastructor_store_spool_bytes").set(spool.len() as f64);
        metrics::gauge!("infrastructor_store_buffer_events").set(0.0);
        Self { sink, spool, buffer: Vec::new(), settings, failing: AtomicBool::new(false) }
    }

    /// Events waiting in memory.
    pub(crate) fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Shutdown: one last try to write what waits, for at most `FINISH_TRY` (a database that
    /// hangs must not hold a graceful shutdown past its deadline); what is left goes to the
    /// spool, drained at the next start. A try cut short is harmless: writes are idempotent,
    /// and nothing leaves the buffer or the spool before the store took it.
    pub(crate) async fn finish(&mut self) {
        if tokio::time::timeout(FINISH_TRY, self.catch_up()).await.is_err() {
            tracing::warn!("the store did not answer at shutdown; what waits goes to the spool");
        }
        let rest = std::mem::take(&mut self.buffer);
        spool_append(&mut self.spool, &rest);
    }

    /// Whether events wait (in memory or on disk) for the store to come back.
    pub(crate) fn waiting(&self) -> bool {
        !self.buffer.is_empty() || !self.spool.is_empty()
    }

    /// Writes a batch, or queues it behind what already waits.
    pub(crate) async fn write(&mut self, batch: Vec<Arc<Event>>) {
        if self.waiting() || !self.insert(&batch).await {
            self.buffer.extend(batch);
            if self.buffer.len() > self.settings.buffer {
                let full = std::mem::take(&mut self.buffer);
                tracing::warn!(
                    events = full.len(),
                    "store still failing; memory buffer spooled to disk"
                );
                spool_append(&mut self.spool, &full);
            }
        }
        metrics::gauge!("infrastructor_store_buffer_events").set(self.buffer.len() as f64);
    }

    /// One batch insert, measured; `false` when the store refused it.
    async fn insert(&self, batch: &[Arc<Event>]) -> bool {
        let started = std::time::Instant::now();
        match self.sink.insert(batch).await {
            Ok(_) => {
                metrics::histogram!("infrastructor_store_batch_seconds")
                    .record(started.elapsed().as_secs_f64());
                metrics::counter!("infrastructor_store_rows_written_total")
                    .increment(batch.len() as u64);
                metrics::counter!("infrastructor_store_batches_written_total").increment(1);
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("the store takes writes again; what waited is written in order");
                }
                true
            }
            Err(e) => {
                metrics::counter!("infrastructor_store_write_errors_total").increment(1);
                if self.failing.swap(true, Ordering::Relaxed) {
                    tracing::debug!(events = batch.len(), error = %e, "store write failed again; events kept to retry");
                } else {
                    tracing::warn!(events = batch.len(), error = %e, "store write failed; events kept to retry (retried quietly until it works)");
                }
                false
            }
        }
    }

    /// Writes what waits (the spool, then the memory buffer), in order, in batches; stops at
    /// the first refusal and keeps the rest.
    pub(crate) async fn catch_up(&mut self) {
        if !self.spool.is_empty() {
            match self.spool.read() {
                Ok(d) => {
                    let events: Vec<_> = d.events.into_iter().map(Arc::new).collect();
                    for chunk in events.chunks(self.settings.batch.max(1)) {
                        if !self.insert(chunk).await {
                            // Rows already written are harmless to rewrite (idempotent by id).
                            return;
                        }
                    }
                    tracing::info!(events = events.len(), "spool drained into the store");
                    if let Err(e) = self.spool.clear() {
                        tracing::error!(error = %e, "cannot clear the drained spool");
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the spool");
                    return;
                }
            }
            metrics::gauge!("infrastructor_store_spool_bytes").set(self.spool.len() as f64);
        }
        while !self.buffer.is_empty() {
            let n = self.buffer.len().min(self.settings.batch.max(1));
            if !self.insert(&self.buffer[..n]).await {
                break;
            }
            self.buffer.drain(..n);
        }
        metrics::gauge!("infrastructor_store_buffer_events").set(self.buffer.len() as f64);
    }

    /// Runs the rollup job, then compaction of rolled-up hours into blocks, then the
    /// retention job, which keeps raw samples not yet rolled up (a failure is logged and retried at the next run).
    pub(crate) async fn prune(&self) {
        let now = chrono::Utc::now();
        match self.sink.rollup(now).await {
            Ok(n) => tracing::debug!(rows = n, "rollups written"),
            Err(e) => job_failed("rollup", &e),
        }
        match self.sink.compact(now).await {
            Ok(n) => tracing::debug!(blocks = n, "raw samples compacted"),
            Err(e) => job_failed("compaction", &e),
        }
        match self.sink.prune(now, self.settings.retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "retention: old data deleted"),
            Err(e) => job_failed("retention", &e),
        }
    }
}

/// Logs a maintenance job's failure: at WARN, or at DEBUG when the store does not answer
/// (that outage is the writer's, logged once when it began).
fn job_failed(job: &'static str, e: &StoreError) {
    if e.is_transient() {
        tracing::debug!(job, error = %e, "store not reachable; the job runs at the next run");
    } else {
        tracing::warn!(job, error = %e, "job failed; retried at the next run");
    }
}

/// Appends to the spool. If even the disk refuses (full, read-only), the events are lost and
/// an operator must act: logged at ERROR.
fn spool_append(spool: &mut Spool, batch: &[Arc<Event>]) {
    if batch.is_empty() {
        return;
    }
    match spool.append(batch) {
        Ok(()) => metrics::gauge!("infrastructor_store_spool_bytes").set(spool.len() as f64),
        Err(e) => {
            tracing::error!(events = batch.len(), error = %e, "cannot spool events: they are lost")
        }
    }
}
