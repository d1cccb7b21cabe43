//! Tests of the writer over a real SQLite database: batches by size and time, nothing lost
//! and nothing doubled across a store outage (spooled, drained in order), a spool left by an
//! earlier run drained first.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;

use super::*;
use crate::events::EventKind;
use crate::store::writer::{EventSink, FINISH_TRY, WriterSettings};
use crate::store::{Retention, Store, StoreError, Time};

/// The real SQLite store behind a switch that makes every write fail (a disk gone read-only,
/// a database that went away).
#[derive(Clone)]
struct Switchable {
    db: Store,
    down: Arc<AtomicBool>,
    /// Events written so far.
    written: Arc<std::sync::atomic::AtomicUsize>,
    /// Writes refused while down.
    refused: Arc<std::sync::atomic::AtomicUsize>,
    /// The maintenance jobs run, in order, with the rows each touched.
    jobs: Arc<std::sync::Mutex<Vec<(&'static str, usize)>>>,
}

#[async_trait::async_trait]
impl EventSink for Switchable {
    async fn insert(&self, events: &[Arc<Event>]) -> Result<usize, StoreError> {
        if self.down.load(Ordering::SeqCst) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::Postgres("connection refused (test switch)".into()));
        }
        let n = self.db.insert(events).await?;
        self.written.fetch_add(n, Ordering::SeqCst);
        Ok(n)
    }

    async fn prune(&self, now: Time, keep: Retention) -> Result<usize, StoreError> {
        let n = self.db.prune(now, keep).await?;
        self.jobs.lock().unwrap().push(("prune", n));
        Ok(n)
    }

    async fn rollup(&self, now: Time) -> Result<usize, StoreError> {
        let n = self.db.rollup(now).await?;
        self.jobs.lock().unwrap().push(("rollup", n));
        Ok(n)
    }
}

impl Switchable {
    fn new(down: bool) -> Self {
        Self {
            db: Store::sqlite_in_memory().unwrap(),
            down: Arc::new(AtomicBool::new(down)),
            written: Default::default(),
            refused: Default::default(),
            jobs: Default::default(),
        }
    }

    async fn ids(&self) -> Vec<uuid::Uuid> {
        self.db.events_after(None, 100_000).await.unwrap().iter().map(|e| e.id).collect()
    }
}

/// Runs the writer until `rx` closes and returns the spool.
async fn run_writer<S: EventSink>(
    rx: mpsc::Receiver<Arc<Event>>,
    sink: S,
    spool: Spool,
    settings: WriterSettings,
) -> Spool {
    let handle = spawn_writer(rx, sink, spool, settings).await.unwrap();
    handle.done.await.unwrap().expect("the writer hands its spool back")
}

fn ev(i: usize) -> Arc<Event> {
    let kind = EventKind::ProbeFailed { probe: "p".into(), error: format!("e{i}") };
    Arc::new(Event::new("tower", Utc::now(), kind))
}

fn spool_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("writer-test-{:016x}.spool", fastrand::u64(..)))
}

fn fast() -> WriterSettings {
    WriterSettings {
        batch: 100,
        linger: Duration::from_millis(50),
        retry: Duration::from_millis(100),
        ..WriterSettings::default()
    }
}

#[tokio::test]
async fn every_event_is_stored_once_in_order_across_an_outage() {
    for buffer in [20_000, 50] {
        // With a large buffer the outage is held in memory; with a small one it overflows
        // to the disk spool: both must give every event once, in order.
        let sink = Switchable::new(false);
        let path = spool_path();
        let (tx, rx) = mpsc::channel(16);
        let settings = WriterSettings { buffer, ..fast() };
        let writer =
            tokio::spawn(run_writer(rx, sink.clone(), Spool::open(&path).unwrap(), settings));
        let events: Vec<_> = (0..900).map(ev).collect();
        for (i, e) in events.iter().enumerate() {
            match i {
                300 => sink.down.store(true, Ordering::SeqCst),
                600 => sink.down.store(false, Ordering::SeqCst),
                _ => {}
            }
            tx.send(e.clone()).await.unwrap();
            if i % 50 == 0 {
                tokio::task::yield_now().await;
            }
        }
        drop(tx);
        let spool = writer.await.unwrap();
        assert!(sink.refused.load(Ordering::SeqCst) > 0, "the outage was seen by the writer");
        assert!(spool.is_empty(), "the spool drained");
        let want: Vec<_> = events.iter().map(|e| e.id).collect();
        assert_eq!(sink.ids().await, want, "all, once, in order (buffer {buffer})");
        let _ = std::fs::remove_file(&path);
    }
}

#[tokio::test]
async fn a_shutdown_while_the_store_is_down_spools_everything_for_the_next_run() {
    let path = spool_path();
    let sink = Switchable::new(true);
    let (tx, rx) = mpsc::channel(16);
    let writer = tokio::spawn(run_writer(rx, sink.clone(), Spool::open(&path).unwrap(), fast()));
    let events: Vec<_> = (0..30).map(ev).collect();
    for e in &events {
        tx.send(e.clone()).await.unwrap();
    }
    drop(tx);
    let spool = writer.await.unwrap();
    assert_eq!(spool.read().unwrap().events.len(), 30, "held in memory, spooled at shutdown");
    assert!(sink.ids().await.is_empty());
    // The next run (store back) writes them first.
    sink.down.store(false, Ordering::SeqCst);
    let (tx, rx) = mpsc::channel(16);
    let writer = tokio::spawn(run_writer(rx, sink.clone(), Spool::open(&path).unwrap(), fast()));
    drop(tx);
    assert!(writer.await.unwrap().is_empty());
    assert_eq!(sink.ids().await, events.iter().map(|e| e.id).collect::<Vec<_>>());
    let _ = std::fs::remove_file(&path);
}

/// A store that refuses its first write and then never answers (a database gone silent).
#[derive(Clone, Default)]
struct Silent(Arc<std::sync::atomic::AtomicUsize>);

#[async_trait::async_trait]
impl EventSink for Silent {
    async fn insert(&self, _: &[Arc<Event>]) -> Result<usize, StoreError> {
        if self.0.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(StoreError::Postgres("connection refused (test)".into()));
        }
        std::future::pending().await
    }

    async fn prune(&self, _: Time, _: Retention) -> Result<usize, StoreError> {
        Ok(0)
    }
}

#[tokio::test(start_paused = true)]
async fn a_shutdown_is_not_held_by_a_store_that_stopped_answering() {
    let path = spool_path();
    let sink = Silent::default();
    let (tx, rx) = mpsc::channel(16);
    // No retry during the test: the first write is refused, the last try at shutdown hangs.
    let settings = WriterSettings { retry: Duration::from_secs(3600), ..fast() };
    let writer = tokio::spawn(run_writer(rx, sink.clone(), Spool::open(&path).unwrap(), settings));
    tx.send(ev(1)).await.unwrap();
    let started = tokio::time::Instant::now();
    while sink.0.load(Ordering::SeqCst) == 0 {
        assert!(started.elapsed() < Duration::from_secs(5), "the writer never tried");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(tx);
    let closed = tokio::time::Instant::now();
    let spool = tokio::time::timeout(Duration::from_secs(30), writer)
        .await
        .expect("the shutdown finished although the store hangs")
        .unwrap();
    assert!(closed.elapsed() <= FINISH_TRY + Duration::from_secs(1), "{:?}", closed.elapsed());
    assert_eq!(sink.0.load(Ordering::SeqCst), 2, "one last try at shutdown");
    assert_eq!(spool.read().unwrap().events.len(), 1, "then the spool");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_spool_left_by_an_earlier_run_goes_in_first() {
    let path = spool_path();
    let old: Vec<_> = (0..5).map(ev).collect();
    Spool::open(&path).unwrap().append(&old).unwrap();
    let (tx, rx) = mpsc::channel(16);
    let sink = Switchable::new(false);
    let writer = tokio::spawn(run_writer(rx, sink.clone(), Spool::open(&path).unwrap(), fast()));
    let new = ev(99);
    tx.send(new.clone()).await.unwrap();
    drop(tx);
    assert!(writer.await.unwrap().is_empty());
    let want: Vec<_> = old.iter().chain([&new]).map(|e| e.id).collect();
    assert_eq!(sink.ids().await, want);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test(start_paused = true)]
async fn a_batch_waits_for_company_but_at_most_its_linger() {
    let path = spool_path();
    let (tx, rx) = mpsc::channel(16);
    let sink = Switchable::new(false);
    let settings = WriterSettings { linger: Duration::from_millis(300), ..fast() };
    let writer = tokio::spawn(run_writer(rx, sink.clone(), Spool::open(&path).unwrap(), settings));
    let sent = tokio::time::Instant::now();
    tx.send(ev(1)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(299)).await;
    assert_eq!(sink.written.load(Ordering::SeqCst), 0, "still waiting for more events");
    while sink.written.load(Ordering::SeqCst) == 0 {
        assert!(sent.elapsed() < Duration::from_secs(5), "a lone event was never written");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(sent.elapsed() >= Duration::from_millis(300));
    drop(tx);
    writer.await.unwrap();
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn the_retention_job_runs_in_the_writer() {
    let path = spool_path();
    let (tx, rx) = mpsc::channel(16);
    let sink = Switchable::new(false);
    let settings = WriterSettings { prune_every: Duration::ZERO, ..fast() };
    let writer = tokio::spawn(run_writer(rx, sink.clone(), Spool::open(&path).unwrap(), settings));
    let sample = |hours: i64| {
        let at = Utc::now() - chrono::Duration::hours(hours);
        Arc::new(Event::new("tower", at, EventKind::ServicesSampled { failed: vec![] }))
    };
    let (old, new) = (sample(100), sample(1));
    tx.send(old.clone()).await.unwrap();
    tx.send(new.clone()).await.unwrap();
    drop(tx);
    writer.await.unwrap();
    assert_eq!(sink.ids().await, [new.id], "the 100 h old sample is past its 48 h window");
    // The rollup job runs first each time, so retention never meets raw samples it has not
    // rolled up.
    let jobs = sink.jobs.lock().unwrap().clone();
    let names: Vec<_> = jobs.iter().map(|j| j.0).collect();
    assert!(names.len() >= 2 && names.chunks(2).all(|c| c == ["rollup", "prune"]), "{jobs:?}");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn what_waits_drains_while_events_keep_coming() {
    let path = spool_path();
    let (tx, rx) = mpsc::channel(16);
    let sink = Switchable::new(true);
    let settings = WriterSettings { buffer: 5, ..fast() };
    let writer = tokio::spawn(run_writer(rx, sink.clone(), Spool::open(&path).unwrap(), settings));
    let mut sent = 0;
    for i in 0..20 {
        tx.send(ev(i)).await.unwrap();
        sent += 1;
    }
    let started = std::time::Instant::now();
    while sink.refused.load(Ordering::SeqCst) == 0 {
        assert!(started.elapsed() < Duration::from_secs(5), "the writer never tried");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sink.down.store(false, Ordering::SeqCst);
    // A steady stream, an event every 20 ms (more often than the 100 ms retry): what waits
    // must still drain into the store while the stream goes on, not only at shutdown.
    let started = std::time::Instant::now();
    while sink.written.load(Ordering::SeqCst) < sent {
        assert!(started.elapsed() < Duration::from_secs(5), "the spool never drained");
        tx.send(ev(sent)).await.unwrap();
        sent += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(tx);
    assert!(writer.await.unwrap().is_empty());
    assert_eq!(sink.db.count().await.unwrap(), sent as u64);
    let _ = std::fs::remove_file(&path);
}
