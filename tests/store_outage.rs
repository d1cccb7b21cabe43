//! The writer against a real PostgreSQL reached through the fault proxy: cut mid-stream for a
//! while and restored, nothing is lost and nothing doubled, in bus order; a shutdown during
//! the outage leaves a spool that the next run drains first, even with a torn tail; a store
//! made while the database does not answer says so, then connects and migrates once it does.

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

/// The test database and a fault proxy in front of it, with the URL through the proxy (with a
/// password the trust-auth server ignores, so messages can be checked for it).
async fn proxy_to_db() -> (TestDb, FaultProxy, String) {
    let db = TestDb::create().await;
    let cfg = db.config();
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    let proxy = FaultProxy::start(format!("127.0.0.1:{port}").parse().unwrap()).await;
    let url = format!(
        "host=127.0.0.1 port={} user={} password=Sup3rSecret dbname={}",
        proxy.addr().port(),
        cfg.get_user().unwrap_or("postgres"),
        db.name()
    );
    (db, proxy, url)
}

/// The test database through a fault proxy.
async fn proxied() -> (TestDb, FaultProxy, Store) {
    let (db, proxy, url) = proxy_to_db().await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_made_while_the_database_is_down_connects_once_it_answers() {
    let (_db, proxy, url) = proxy_to_db().await;
    proxy.cut().await;
    let store = Store::postgres_unconnected(&url).expect("no connection needed to make it");
    assert!(!store.is_connected() && proxy.connections() == 0, "nothing is sent yet");
    let err = store.connect().await.unwrap_err();
    let msg = err.to_string();
    assert!(err.is_transient() && msg.contains("cannot connect to"), "{msg}");
    assert!(!msg.contains("Sup3rSecret"), "{msg}");
    // Every call before connecting fails at once, saying why.
    for err in [store.count().await.unwrap_err(), store.insert(&[ev(0)]).await.unwrap_err()] {
        let msg = err.to_string();
        assert!(
            err.is_transient() && msg.starts_with("the database is not reachable yet: "),
            "{msg}"
        );
        assert!(msg.contains(&proxy.addr().port().to_string()) && !msg.contains("Sup3rSecret"));
    }
    let retrying = tokio::spawn({
        let store = store.clone();
        async move { store.keep_connecting(Duration::from_millis(20), Duration::from_millis(100)).await }
    });
    proxy.restore().await;
    tokio::time::timeout(Duration::from_secs(20), retrying).await.expect("connected").unwrap();
    assert!(store.is_connected());
    let latest = infrastructor_actors::store::migrate::POSTGRES.last().unwrap().version;
    assert_eq!(store.schema_version().await.unwrap(), latest, "migrated on connecting");
    assert_eq!(store.insert(&[ev(1)]).await.unwrap(), 1);
    store.connect().await.expect("connecting again is a no-op");
}
