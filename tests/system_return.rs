//! A device that answers again is back within seconds, however long its backoff has grown:
//! between the backed-off full reconnects the supervisor knocks (TCP + SSH banner) every 5 s.

mod harness;

use std::time::{Duration, Instant};

use harness::server::{count, every, serve_with};
use harness::{SimDevice, wait_until};
use infrastructor_actors::device::{FleetSettings, Probes};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_answers_again_is_online_within_ten_seconds() {
    let mut dev = SimDevice::start("lazarus");
    dev.set_docker_ps(&harness::fixture("docker/client-28.2/ps.jsonl"));
    let probes = Probes { containers: every(300), ..Probes::disabled() };
    // A reconnect backoff of a minute or more: only the knock can bring it back quickly.
    let settings = FleetSettings {
        offline_after: 1,
        command_timeout: Duration::from_secs(1),
        reconnect_min: Duration::from_secs(60),
        reconnect_max: Duration::from_secs(300),
        ..harness::server::fast_settings()
    };
    let app = serve_with(vec![harness::device_spec(&dev, probes)], settings).await;
    let name = dev.name().to_string();
    let long = Duration::from_secs(30);
    wait_until(long, "online", || count(&app, &name, "DeviceOnline") == 1).await;
    dev.go_offline();
    wait_until(long, "offline", || count(&app, &name, "DeviceOffline") == 1).await;
    // Let a knock or two find it away, then bring it back.
    tokio::time::sleep(Duration::from_secs(6)).await;
    dev.come_online();
    let back = Instant::now();
    wait_until(long, "online again", || count(&app, &name, "DeviceOnline") == 2).await;
    assert!(back.elapsed() < Duration::from_secs(10), "back after {:?}", back.elapsed());
    app.shutdown().await;
}
