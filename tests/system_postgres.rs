//! The server on PostgreSQL (`database_url` set) over real sshd: every event reaches the
//! database, the timeline answers from it, and a restarted server answers with each device's
//! last known state from it while the device stays down.

mod harness;

use std::time::Duration;

use harness::server::{every, fast_settings};
use harness::{SimDevice, TestDb, wait_until};
use infrastructor::app::{self, AppOptions};
use infrastructor::config::Secret;
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use infrastructor_actors::store::TimelineQuery;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_on_postgresql_survives_a_restart() {
    let db = TestDb::create().await;
    let data = tempfile::tempdir().unwrap();
    let mut dev = SimDevice::start("kraken");
    dev.set_docker_ps(&harness::fixture("docker/client-28.2/ps.jsonl"));
    let spec = harness::device_spec(&dev, Probes { containers: every(300), ..Probes::disabled() });
    let opts = || AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![spec.clone()],
        fleet: fast_settings(),
        history: Some(HistoryOptions::new(data.path(), Some(Secret::new(db.url())))),
        api: Default::default(),
    };
    let first = app::start(opts()).await.unwrap();
    let store = first.handle.store().unwrap().clone();
    assert!(matches!(store.engine_name(), "postgresql" | "timescaledb"));
    wait_until(Duration::from_secs(30), "the containers sample stored in PostgreSQL", || {
        let handle = first.handle.clone();
        async move {
            let q = TimelineQuery {
                kinds: vec!["ContainerStatsSampled".into()],
                limit: 5,
                ..Default::default()
            };
            handle.timeline(&q).await.is_ok_and(|p| !p.events.is_empty())
        }
    })
    .await;
    let before = first.handle.device("kraken").unwrap();
    first.shutdown().await;

    dev.go_offline();
    let second = app::start(opts()).await.unwrap();
    let after = second.handle.device("kraken").expect("restored from PostgreSQL");
    assert_eq!(after.containers().len(), before.containers().len());
    assert_eq!(
        after.sample("containers").map(|e| e.id),
        before.sample("containers").map(|e| e.id),
        "the very sample seen before the restart"
    );
    let online =
        TimelineQuery { kinds: vec!["DeviceOnline".into()], limit: 10, ..Default::default() };
    assert_eq!(second.handle.timeline(&online).await.unwrap().events.len(), 1);
    second.shutdown().await;
}
