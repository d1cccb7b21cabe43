//! History survives a restart: the server writes every event to its SQLite file, and a
//! restarted server answers with each device's last known state before the device answers
//! again (here it never does).

mod harness;

use std::time::Duration;

use harness::server::{every, fast_settings};
use harness::{SimDevice, wait_until};
use infrastructor::app::{self, AppOptions};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_answers_with_the_last_known_state() {
    let data = tempfile::tempdir().unwrap();
    let mut dev = SimDevice::start("phoenix");
    dev.set_docker_ps(&harness::fixture("docker/client-28.2/ps.jsonl"));
    let spec = harness::device_spec(&dev, Probes { containers: every(300), ..Probes::disabled() });
    let opts = || AppOptions {
        alerts: Default::default(),
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![spec.clone()],
        fleet: fast_settings(),
        history: Some(HistoryOptions::new(data.path(), None)),
        api: Default::default(),
    };
    let first = app::start(opts()).await.unwrap();
    wait_until(Duration::from_secs(20), "containers sampled", || {
        first.handle.device("phoenix").is_ok_and(|d| d.containers().len() >= 10)
    })
    .await;
    first.shutdown().await;

    // The device is gone for good; the restarted server still knows what it looked like.
    dev.go_offline();
    let second = app::start(opts()).await.unwrap();
    let state = second.handle.device("phoenix").expect("restored from the history");
    assert!(state.containers().len() >= 10, "{} containers", state.containers().len());
    assert!(state.capabilities.as_ref().is_some_and(|c| c.has("docker")));
    let age = state.sample("containers").map(|e| chrono::Utc::now() - e.observed_at).unwrap();
    assert!(age > chrono::Duration::zero(), "the sample keeps its own time");
    second.shutdown().await;
}
