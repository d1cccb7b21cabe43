//! The device registry over real sshd: a device added through the facade is written to the
//! store, comes back after a restart on the same data folder and is polled again; a removal
//! is persisted too; a config device is listed as such and cannot be edited through the API;
//! on each engine.

mod harness;

use std::time::Duration;

use harness::server::{TestServer, count, engines, every, serve_in};
use harness::shims::SYSTEMCTL;
use harness::{SimDevice, TestDb, wait_until};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::api::ApiError;
use infrastructor_actors::device::{DeviceSource, Probes};

async fn listed(server: &TestServer) -> Vec<(String, DeviceSource)> {
    let devices = server.handle.devices().await.unwrap();
    devices.into_iter().map(|d| (d.spec.name, d.source)).collect()
}

async fn polled(server: &TestServer, name: &str) {
    wait_until(Duration::from_secs(30), "the device polled", || {
        count(server, name, "ServicesSampled") >= 1
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_added_through_the_api_is_back_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let db = TestDb::create().await;
    for (engine, history) in engines(data.path(), &db) {
        eprintln!("engine: {engine}");
        case(&history).await;
    }
}

async fn case(history: &HistoryOptions) {
    let dev = SimDevice::start("registry");
    dev.install_tool("systemctl", SYSTEMCTL);
    dev.set("systemctl/failed", "");
    let probes = Probes { services: every(200), ..Probes::disabled() };
    let mut config = harness::device_spec(&dev, probes);
    config.name = "from-config".into();
    let mut added = harness::device_spec(&dev, probes);
    added.name = "from-api".into();
    let config = vec![config];

    let first = serve_in(config.clone(), history).await;
    first.handle.add_device(added.clone()).await.unwrap();
    polled(&first, "from-api").await;
    let err = first.handle.remove_device("from-config").await.unwrap_err();
    assert!(matches!(&err, ApiError::Refused(m) if m.contains("config file")), "{err}");
    first.shutdown().await;

    let second = serve_in(config.clone(), history).await;
    let want =
        [("from-api".to_string(), DeviceSource::Api), ("from-config".into(), DeviceSource::Config)];
    assert_eq!(listed(&second).await, want);
    let back = second.handle.devices().await.unwrap().remove(0).spec;
    assert_eq!(back, added, "the stored spec is the one added");
    polled(&second, "from-api").await;
    second.handle.remove_device("from-api").await.unwrap();
    second.shutdown().await;

    let third = serve_in(config, history).await;
    assert_eq!(listed(&third).await, [("from-config".to_string(), DeviceSource::Config)]);
    polled(&third, "from-config").await;
    assert_eq!(count(&third, "from-api", "ServicesSampled"), 0, "the removed device stays removed");
    third.shutdown().await;
}
