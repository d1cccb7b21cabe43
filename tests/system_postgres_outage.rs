//! The server started while its PostgreSQL does not answer (behind the fault proxy, cut) over
//! real sshd: it starts and monitors, history queries say the database is not reachable yet,
//! events overflow the writer's memory buffer into the spool; once the proxy opens, the store
//! connects and migrates on its own and every event the bus carried is in the database
//! exactly once, in bus order, and the devices added through the API before are monitored
//! again. A server that answers but cannot be used (an unknown database or role) stops the
//! start-up with a clear error.

mod harness;

use std::time::Duration;

use harness::server::{count, every, fast_settings, serve_in, serve_opts};
use harness::shims::SYSTEMCTL;
use harness::{FaultProxy, SimDevice, TestDb, wait_until};
use infrastructor::app::{self, AppOptions};
use infrastructor::config::Secret;
use infrastructor::history::{self, HistoryOptions};
use infrastructor_actors::api::ApiError;
use infrastructor_actors::device::{DeviceSource, Probes};
use infrastructor_actors::store::{Store, TimelineQuery};

/// `db`'s URL through `proxy`, with a password the (trust-auth) server ignores, so messages
/// can be checked for it.
fn url_via(db: &TestDb, proxy: &FaultProxy) -> String {
    let cfg = db.config();
    let user = cfg.get_user().unwrap_or("postgres");
    let port = proxy.addr().port();
    format!("host=127.0.0.1 port={port} user={user} password=Sup3rSecret dbname={}", db.name())
}

async fn stored_ids(store: &Store) -> Vec<uuid::Uuid> {
    store.events_after(None, 1_000_000).await.unwrap().iter().map(|e| e.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_starts_without_its_database_and_stores_everything_once_it_answers() {
    harness::init_tracing();
    let db = TestDb::create().await;
    let port = db.config().get_ports().first().copied().unwrap_or(5432);
    let proxy = FaultProxy::start(format!("127.0.0.1:{port}").parse().unwrap()).await;
    proxy.cut().await;
    let data = tempfile::tempdir().unwrap();
    let dev = SimDevice::start("kraken");
    dev.set_docker_ps(&harness::fixture("docker/client-28.2/ps.jsonl"));
    let spec = harness::device_spec(&dev, Probes { containers: every(200), ..Probes::disabled() });
    // A small memory buffer, so the outage reaches the disk spool within seconds.
    let history = HistoryOptions {
        buffer: 5,
        ..HistoryOptions::new(data.path(), Some(Secret::new(url_via(&db, &proxy))))
    };
    let opts = AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![spec],
        fleet: fast_settings(),
        history: Some(history),
        api: Default::default(),
    };
    let server = serve_opts(opts).await;
    let store = server.handle.store().unwrap().clone();
    assert!(!store.is_connected());
    assert!(
        store.location().contains(&format!(":{}/", proxy.addr().port())),
        "{}",
        store.location()
    );

    // It monitors: the device's containers reach the current state.
    wait_until(Duration::from_secs(30), "the device's containers in the state", || {
        server.handle.device("kraken").is_ok_and(|d| !d.containers().is_empty())
    })
    .await;
    // History queries say why they cannot answer, without the password.
    let q = TimelineQuery { limit: 5, ..Default::default() };
    match server.handle.timeline(&q).await {
        Err(ApiError::Unavailable(msg)) => {
            assert!(msg.contains("not reachable yet"), "{msg}");
            assert!(msg.contains("127.0.0.1"), "{msg}");
            assert!(!msg.contains("Sup3rSecret"), "{msg}");
        }
        other => panic!("expected the history to be unavailable, got {other:?}"),
    }
    // Events overflow the memory buffer into the spool on disk.
    let spool = history::spool_path(data.path());
    wait_until(Duration::from_secs(30), "events spooled to disk", || {
        std::fs::metadata(&spool).is_ok_and(|m| m.len() > 0)
    })
    .await;
    assert_eq!(proxy.connections(), 0, "nothing got through the cut proxy");

    proxy.restore().await;
    let seen = server.recorded.lock().unwrap().len();
    wait_until(Duration::from_secs(60), "the store connected and the events stored", || {
        let store = store.clone();
        async move { store.is_connected() && store.count().await.is_ok_and(|n| n as usize >= seen) }
    })
    .await;
    assert!(matches!(store.engine_name(), "postgresql" | "timescaledb"));
    wait_until(Duration::from_secs(30), "the spool drained", || {
        std::fs::metadata(&spool).is_ok_and(|m| m.len() == 0)
    })
    .await;
    let recorded = server.recorded.clone();
    server.shutdown().await;

    // Everything the bus carried, during the outage and after, once each and in bus order.
    let want = || recorded.lock().unwrap().iter().map(|e| e.id).collect::<Vec<_>>();
    wait_until(Duration::from_secs(10), "every recorded event stored exactly once", || {
        let store = store.clone();
        let want = want();
        async move { stored_ids(&store).await == want }
    })
    .await;
    let ids = stored_ids(&store).await;
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "no event twice");
    assert!(
        ids.len() > seen / 2 && seen > 5,
        "{} stored, {seen} seen before the restore",
        ids.len()
    );
    assert!(store.schema_version().await.unwrap() > 0, "migrated once connected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_answers_but_cannot_be_used_stops_the_start_up() {
    let db = TestDb::create().await;
    let cfg = db.config();
    let port = cfg.get_ports().first().copied().unwrap_or(5432);
    let user = cfg.get_user().unwrap_or("postgres");
    let data = tempfile::tempdir().unwrap();
    for (url, says) in [
        (
            format!("host=127.0.0.1 port={port} user={user} dbname={}_missing", db.name()),
            "does not exist",
        ),
        (
            format!(
                "host=127.0.0.1 port={port} user=no_such_role password=Sup3rSecret dbname={}",
                db.name()
            ),
            "no_such_role",
        ),
    ] {
        let opts = AppOptions {
            alerts: Default::default(),
            listen: "127.0.0.1:0".parse().unwrap(),
            devices: Vec::new(),
            fleet: fast_settings(),
            history: Some(HistoryOptions::new(data.path(), Some(Secret::new(url)))),
            api: Default::default(),
        };
        let err = match app::start(opts).await {
            Ok(_) => panic!("started on an unusable database"),
            Err(e) => format!("{e:#}"),
        };
        assert!(err.contains("cannot open the history database") && err.contains(says), "{err}");
        assert!(!err.contains("Sup3rSecret"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_added_through_the_api_are_monitored_again_once_the_database_answers() {
    let db = TestDb::create().await;
    let port = db.config().get_ports().first().copied().unwrap_or(5432);
    let proxy = FaultProxy::start(format!("127.0.0.1:{port}").parse().unwrap()).await;
    let data = tempfile::tempdir().unwrap();
    let history = HistoryOptions::new(data.path(), Some(Secret::new(url_via(&db, &proxy))));
    let dev = SimDevice::start("registry");
    dev.install_tool("systemctl", SYSTEMCTL);
    dev.set("systemctl/failed", "");
    let probes = Probes { services: every(200), ..Probes::disabled() };
    let mut config = harness::device_spec(&dev, probes);
    config.name = "from-config".into();
    let mut added = harness::device_spec(&dev, probes);
    added.name = "from-api".into();

    let first = serve_in(vec![config.clone()], &history).await;
    first.handle.add_device(added.clone()).await.unwrap();
    first.shutdown().await;

    proxy.cut().await;
    let second = serve_in(vec![config], &history).await;
    let names = |s: &harness::server::TestServer| {
        let handle = s.handle.clone();
        async move {
            let devices = handle.devices().await.unwrap();
            devices.into_iter().map(|d| (d.spec.name, d.source)).collect::<Vec<_>>()
        }
    };
    assert_eq!(names(&second).await, [("from-config".to_string(), DeviceSource::Config)]);
    let err = second.handle.add_device(added.clone()).await.unwrap_err();
    assert!(matches!(&err, ApiError::Unavailable(m) if m.contains("not added")), "{err}");
    proxy.restore().await;
    wait_until(Duration::from_secs(60), "the API device monitored again", || {
        count(&second, "from-api", "ServicesSampled") >= 1
    })
    .await;
    let want =
        [("from-api".to_string(), DeviceSource::Api), ("from-config".into(), DeviceSource::Config)];
    assert_eq!(names(&second).await, want);
    let back = second.handle.devices().await.unwrap().remove(0).spec;
    assert_eq!(back, added, "the stored spec is the one added");
    second.shutdown().await;
}
