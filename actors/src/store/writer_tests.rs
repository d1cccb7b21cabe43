//! Tests of the writer over a real SQLite database: batches by size and time, nothing lost
//! and nothing doubled across a store outage (spooled, drained in order), a spool left by an
//! earlier run drained first.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;

use super::*;
use crate::events::EventKind;

/// The real SQLite store behind a switch that makes every write fail (a disk gone read-only,
/// a database that went away).
struct Switchable {
    db: SqliteEvents,
    down: Arc<AtomicBool>,
    /// Events written so far.
    written: Arc<std::sync::atomic::AtomicUsize>,
    /// Writes refused while down.
    refused: Arc<std::sync::atomic::AtomicUsize>,
}

impl EventSink for Switchable {
    fn insert(&mut self, events: &[Arc<Event>]) -> Result<usize, StoreError> {
        if self.down.load(Ordering::SeqCst) {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::Sqlite(rusqlite::Error::InvalidQuery));
        }
        let n = self.db.insert(events)?;
        self.written.fetch_add(n, Ordering::SeqCst);
        Ok(n)
    }

    fn prune(&mut self, samples: Time, changes: Time) -> Result<usize, StoreError> {
        self.db.prune(samples, changes)
    }
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
    let down = Arc::new(AtomicBool::new(false));
    let sink = Switchable {
        db: SqliteEvents::in_memory().unwrap(),
        down: down.clone(),
        written: Default::default(),
        refused: Default::default(),
    };
    let path = spool_path();
    let (tx, rx) = mpsc::channel(16);
    let writer = tokio::spawn(run_writer(rx, sink, Spool::open(&path).unwrap(), fast()));
    let events: Vec<_> = (0..900).map(ev).collect();
    for (i, e) in events.iter().enumerate() {
        match i {
            300 => down.store(true, Ordering::SeqCst),
            600 => down.store(false, Ordering::SeqCst),
            _ => {}
        }
        tx.send(e.clone()).await.unwrap();
        if i % 50 == 0 {
            tokio::task::yield_now().await;
        }
    }
    drop(tx);
    let (sink, spool) = writer.await.unwrap();
    assert!(sink.refused.load(Ordering::SeqCst) > 0, "the outage was seen by the writer");
    assert!(spool.is_empty(), "the spool drained");
    let stored = sink.db.after(None, None, 10_000).unwrap();
    let ids: Vec<_> = stored.iter().map(|e| e.id).collect();
    assert_eq!(ids, events.iter().map(|e| e.id).collect::<Vec<_>>(), "all, once, in order");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_spool_left_by_an_earlier_run_goes_in_first() {
    let path = spool_path();
    let old: Vec<_> = (0..5).map(ev).collect();
    Spool::open(&path).unwrap().append(&old).unwrap();
    let (tx, rx) = mpsc::channel(16);
    let down = Arc::new(AtomicBool::new(false));
    let sink = Switchable {
        db: SqliteEvents::in_memory().unwrap(),
        down,
        written: Default::default(),
        refused: Default::default(),
    };
    let writer = tokio::spawn(run_writer(rx, sink, Spool::open(&path).unwrap(), fast()));
    let new = ev(99);
    tx.send(new.clone()).await.unwrap();
    drop(tx);
    let (sink, spool) = writer.await.unwrap();
    assert!(spool.is_empty());
    let ids: Vec<_> = sink.db.after(None, None, 100).unwrap().iter().map(|e| e.id).collect();
    let want: Vec<_> = old.iter().chain([&new]).map(|e| e.id).collect();
    assert_eq!(ids, want);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_batch_waits_for_company_but_at_most_its_linger() {
    let path = spool_path();
    let (tx, rx) = mpsc::channel(16);
    let written = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let db = SqliteEvents::in_memory().unwrap();
    let sink = Switchable {
        db,
        down: Arc::new(AtomicBool::new(false)),
        written: written.clone(),
        refused: Default::default(),
    };
    let settings = WriterSettings { linger: Duration::from_millis(300), ..fast() };
    let writer = tokio::spawn(run_writer(rx, sink, Spool::open(&path).unwrap(), settings));
    let sent = std::time::Instant::now();
    tx.send(ev(1)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(written.load(Ordering::SeqCst), 0, "still waiting for more events");
    while written.load(Ordering::SeqCst) == 0 {
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
    let sink = Switchable {
        db: SqliteEvents::in_memory().unwrap(),
        down: Arc::new(AtomicBool::new(false)),
        written: Default::default(),
        refused: Default::default(),
    };
    let settings = WriterSettings { prune_every: Duration::ZERO, ..fast() };
    let writer = tokio::spawn(run_writer(rx, sink, Spool::open(&path).unwrap(), settings));
    let sample = |hours: i64| {
        let at = Utc::now() - chrono::Duration::hours(hours);
        Arc::new(Event::new("tower", at, EventKind::ServicesSampled { failed: vec![] }))
    };
    let (old, new) = (sample(100), sample(1));
    tx.send(old.clone()).await.unwrap();
    tx.send(new.clone()).await.unwrap();
    drop(tx);
    let (sink, _) = writer.await.unwrap();
    let kept: Vec<_> = sink.db.after(None, None, 10).unwrap().iter().map(|e| e.id).collect();
    assert_eq!(kept, [new.id], "the 100 h old sample is past its 48 h window");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn the_spool_drains_while_events_keep_coming() {
    let path = spool_path();
    let (tx, rx) = mpsc::channel(16);
    let (down, written) = (Arc::new(AtomicBool::new(true)), Arc::new(Default::default()));
    let sink = Switchable {
        db: SqliteEvents::in_memory().unwrap(),
        down: down.clone(),
        written: Arc::clone(&written),
        refused: Default::default(),
    };
    let writer = tokio::spawn(run_writer(rx, sink, Spool::open(&path).unwrap(), fast()));
    let mut sent = 0;
    for i in 0..20 {
        tx.send(ev(i)).await.unwrap();
        sent += 1;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    down.store(false, Ordering::SeqCst);
    // A steady stream, an event every 20 ms (more often than the 100 ms retry): the spool
    // must still drain into the store while the stream goes on, not only at shutdown.
    let started = std::time::Instant::now();
    while written.load(Ordering::SeqCst) < sent {
        assert!(started.elapsed() < Duration::from_secs(5), "the spool never drained");
        tx.send(ev(sent)).await.unwrap();
        sent += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(tx);
    let (sink, spool) = writer.await.unwrap();
    assert!(spool.is_empty());
    assert_eq!(sink.db.count().unwrap(), sent as u64);
    let _ = std::fs::remove_file(&path);
}
