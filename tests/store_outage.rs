//! The writer against a real PostgreSQL reached through the fault proxy: cut mid-stream for a
//! while and restored, nothing is lost and nothing doubled, in bus order; a shutdown during
//! the outage leaves a spool that the next run drains first, even with a torn tail.

mod harness;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use harness::{FaultProxy, TestDb, wait_until};
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::store::{Spool, Store, WriterMsg, WriterSettings, spawn_writer};
use tokio::sync::mpsc;

fn ev(i: usize) -> Arc<Event> {
    let kind = EventKind::ProbeFailed { probe: "drives".into(), error: format!("error {i}") };
    Arc::new(Event::new("tower", Utc::now(), kind))
}

fn fast() -> WriterSettings {
    WriterSettings {
        batch: 50,
        linger: Duration::from_millis(20),
        retry: Duration::from_millis(200),
        ..WriterSettings::default()
    }
}

/// The test database through a fault proxy.
async fn proxied() -> (TestDb, FaultProxy, Store) {
    let db = TestDb::create().await;
    let cfg = db.config();
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    let proxy = FaultProxy::start(format!("127.0.0.1:{port}").parse().unwrap()).await;
    let url = format!(
        "host=127.0.0.1 port={} user={} dbname={}",
        proxy.addr().port(),
        cfg.get_user().unwrap_or("postgres"),
        db.name()
    );
    let store = Store::connect_postgres(&url).await.expect("connect through the proxy");
    (db, proxy, store)
}

async fn stored_ids(store: &Store) -> Vec<uuid::Uuid> {
    store.events_after(None, 100_000).await.unwrap().iter().map(|e| e.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_cut_mid_stream_loses_and_doubles_nothing() {
    let (_db, proxy, store) = proxied().await;
    let spool_dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(spool_dir.path().join("events.spool")).unwrap();
    let (tx, rx) = mpsc::channel(64);
    let settings = WriterSettings { buffer: 100, ..fast() };
    let writer = spawn_writer(rx, store.clone(), spool, settings).await.unwrap();
    let events: Vec<_> = (0..900).map(ev).collect();
    for e in &events[..300] {
        tx.send(e.clone()).await.unwrap();
    }
    wait_until(Duration::from_secs(20), "the first third stored", || {
        let store = store.clone();
        async move { store.count().await.unwrap_or(0) == 300 }
    })
    .await;
    proxy.cut().await;
    for e in &events[300..600] {
        tx.send(e.clone()).await.unwrap();
    }
    // With a memory buffer of 100 events, the outage overflows to the disk spool.
    let actor = writer.actor.clone();
    wait_until(Duration::from_secs(20), "the outage spooled to disk", || {
        let actor = actor.clone();
        async move {
            let stats = actor.call(WriterMsg::Stats, None).await.unwrap().unwrap();
            stats.spool_bytes > 0
        }
    })
    .await;
    proxy.restore().await;
    for e in &events[600..] {
        tx.send(e.clone()).await.unwrap();
    }
    drop(tx);
    let spool = writer.done.await.unwrap().expect("the spool back");
    assert!(spool.is_empty(), "everything drained");
    let want: Vec<_> = events.iter().map(|e| e.id).collect();
    assert_eq!(stored_ids(&store).await, want, "every event once, in bus order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spool_left_by_a_shutdown_during_an_outage_drains_first_even_when_torn() {
    let (_db, proxy, store) = proxied().await;
    let spool_dir = tempfile::tempdir().unwrap();
    let path = spool_dir.path().join("events.spool");
    proxy.cut().await;
    let (tx, rx) = mpsc::channel(64);
    let writer =
        spawn_writer(rx, store.clone(), Spool::open(&path).unwrap(), fast()).await.unwrap();
    let first: Vec<_> = (0..40).map(ev).collect();
    for e in &first {
        tx.send(e.clone()).await.unwrap();
    }
    drop(tx);
    let spool = writer.done.await.unwrap().expect("the spool back");
    assert_eq!(spool.read().unwrap().events.len(), 40, "spooled at shutdown");
    drop(spool);
    // A crash tore the last record: cut its last bytes off.
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(len - 7).unwrap();

    proxy.restore().await;
    let (tx, rx) = mpsc::channel(64);
    let writer =
        spawn_writer(rx, store.clone(), Spool::open(&path).unwrap(), fast()).await.unwrap();
    let later = ev(1000);
    tx.send(later.clone()).await.unwrap();
    drop(tx);
    assert!(writer.done.await.unwrap().unwrap().is_empty());
    let mut want: Vec<_> = first[..39].iter().map(|e| e.id).collect();
    want.push(later.id);
    assert_eq!(stored_ids(&store).await, want, "the intact records first, the torn one skipped");
}
