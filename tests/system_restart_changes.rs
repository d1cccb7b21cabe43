//! Change detection across a server restart, over real sshd: probes resume from the last
//! stored sample, so nothing already reported is reported again, a change that happened while
//! the server was down is reported once on the first poll, and the state after a restart
//! equals the state before; on each engine.

mod harness;

use std::time::Duration;

use harness::server::{TestServer, count, engines, events, every, more_polls, serve_in};
use harness::shims::SYSTEMCTL;
use harness::{SimDevice, TestDb, wait_until};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use infrastructor_actors::events::EventKind;
use infrastructor_actors::state::DeviceView;

const NAME: &str = "lazarus";

/// The device's view as `/api/devices` shows it, minus what moves with time alone.
async fn view(server: &TestServer) -> serde_json::Value {
    let snap = server.snapshot().await;
    let state = snap.devices.get(NAME).expect("the device is known");
    let view = DeviceView { name: NAME, state, now: chrono::Utc::now() };
    let mut json = serde_json::to_value(&view).unwrap();
    for volatile in ["samples", "since", "last_seen"] {
        json.as_object_mut().unwrap().remove(volatile);
    }
    json
}

/// Waits until both probes have sampled at least `n` times on this server.
async fn sampled(server: &TestServer, n: usize) {
    wait_until(Duration::from_secs(30), "containers and services sampled", || {
        count(server, NAME, "ContainerStatsSampled") >= n
            && count(server, NAME, "ServicesSampled") >= n
    })
    .await;
}

/// Changes of containers and services recorded on this server.
fn changes(server: &TestServer) -> Vec<String> {
    server
        .all(NAME)
        .iter()
        .filter(|e| {
            let t = e.type_name();
            (t.starts_with("Container") || t.starts_with("Service")) && e.kind.sample_of().is_none()
        })
        .map(|e| e.type_name().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_detection_continues_from_the_stored_snapshot() {
    let data = tempfile::tempdir().unwrap();
    let db = TestDb::create().await;
    for (engine, history) in engines(data.path(), &db) {
        eprintln!("engine: {engine}");
        case(&history).await;
    }
}

async fn case(history: &HistoryOptions) {
    let dev = SimDevice::start(NAME);
    let ps = harness::fixture("docker/client-28.2/ps.jsonl");
    dev.set_docker_ps(&ps);
    dev.install_tool("systemctl", SYSTEMCTL);
    dev.set("systemctl/failed", &harness::fixture("systemd/failed-252.txt"));
    let probes = Probes { containers: every(200), services: every(200), ..Probes::disabled() };
    let spec = harness::device_spec(&dev, probes);

    let first = serve_in(vec![spec.clone()], history).await;
    sampled(&first, 2).await;
    assert_eq!(count(&first, NAME, "ServiceFailed"), 4, "failed units reported at first sight");
    let before = view(&first).await;
    assert_eq!(before["failed_units"].as_array().map(Vec::len), Some(4), "{before}");
    first.shutdown().await;

    // (1) + (3): a restart with nothing changed reports nothing, and the state is the same
    // when restored and after the first polls.
    let second = serve_in(vec![spec.clone()], history).await;
    assert_eq!(view(&second).await, before, "the restored state equals the state before");
    sampled(&second, 1).await;
    more_polls(&second, NAME, "ServicesSampled", 2).await;
    more_polls(&second, NAME, "ContainerStatsSampled", 2).await;
    assert_eq!(changes(&second), Vec::<String>::new(), "nothing is reported again");
    assert_eq!(view(&second).await, before, "the state after the restart equals the state before");
    second.shutdown().await;

    // (2): a container dies while the server is down: one `ContainerDied` on the first poll.
    let died = ps
        .lines()
        .map(|l| match l.contains(r#""Names":"graceful""#) {
            true => l
                .replace(r#""State":"running""#, r#""State":"exited""#)
                .replace(r#""Status":"Up 10 seconds""#, r#""Status":"Exited (137) 3 seconds ago""#),
            false => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_ne!(died, ps, "the fixture has the `graceful` container running");
    dev.set_docker_ps(&died);
    let third = serve_in(vec![spec], history).await;
    wait_until(Duration::from_secs(30), "ContainerDied", || {
        count(&third, NAME, "ContainerDied") >= 1
    })
    .await;
    more_polls(&third, NAME, "ContainerStatsSampled", 2).await;
    more_polls(&third, NAME, "ServicesSampled", 1).await;
    assert_eq!(changes(&third), ["ContainerDied"], "exactly one change, once");
    let died = events(&third, NAME, "ContainerDied");
    let [EventKind::ContainerDied { container, exit_code, .. }] = died.as_slice() else {
        panic!("{died:?}")
    };
    assert_eq!((container.name.as_str(), *exit_code), ("graceful", Some(137)));
    let state = third.snapshot().await;
    let graceful = state.devices[NAME].containers().iter().find(|c| c.name == "graceful").cloned();
    assert_eq!(graceful.map(|c| c.state), Some("exited".to_string()));
    third.shutdown().await;
}
