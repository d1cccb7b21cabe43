//! System tests: the whole server (fleet, pollers, SSH transport, store, HTTP) against real
//! OpenSSH `sshd` devices whose `docker`/`smartctl` are shims replaying captured outputs.

mod harness;

use std::time::Duration;

use harness::server::{count, events, every, fast_settings, serve, serve_with};
use harness::{SimDevice, wait_until};
use infrastructor::check::check_device;
use infrastructor_actors::device::{Auth, DeviceSpec, FleetSettings, Probes};
use infrastructor_actors::events::EventKind;

const PS: &str = "docker/client-20.10/ps.jsonl";
const STATS: &str = "docker/client-20.10/stats.jsonl";
const PS_AFTER: &str = "docker/client-20.10/ps-after.jsonl";
const STATS_AFTER: &str = "docker/client-20.10/stats-after.jsonl";

fn spec(dev: &SimDevice) -> DeviceSpec {
    let probes = Probes {
        containers: every(500),
        metrics: every(1000),
        drives: every(2000),
        ..Probes::disabled()
    };
    harness::device_spec(dev, probes)
}

fn device_with_containers(name: &str) -> SimDevice {
    let dev = SimDevice::start(name);
    dev.set_docker_ps(&harness::fixture(PS));
    dev.set_docker_stats(&harness::fixture(STATS));
    dev
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_devices_are_polled_and_container_changes_become_events() {
    let devs: Vec<_> = ["alpha", "bravo", "charlie"].map(device_with_containers).into();
    let app = serve(devs.iter().map(spec).collect()).await;
    let within = Duration::from_secs(20);
    for d in &devs {
        wait_until(within, "device online with containers sampled", || {
            count(&app, d.name(), "DeviceOnline") == 1
                && count(&app, d.name(), "ContainerStatsSampled") >= 1
        })
        .await;
    }
    {
        let store = app.snapshot().await;
        let alpha = &store.devices["alpha"];
        assert_eq!(alpha.online, Some(true));
        assert!(alpha.containers().len() >= 10, "{} containers", alpha.containers().len());
        assert!(alpha.capabilities.as_ref().unwrap().has("docker"));
    }
    // Drives and metrics are polled too.
    wait_until(within, "metrics and drives sampled", || {
        count(&app, "bravo", "MetricsSampled") >= 1
            && count(&app, "bravo", "DriveHealthSampled") >= 1
    })
    .await;

    // Containers change on one device only: exactly one event per transition, on that device.
    devs[0].set_docker_ps(&harness::fixture(PS_AFTER));
    devs[0].set_docker_stats(&harness::fixture(STATS_AFTER));
    let changes = [
        "ContainerStopped",
        "ContainerDied",
        "ContainerStarted",
        "ContainerRemoved",
        "ContainerCreated",
    ];
    let total = |dev: &str| changes.iter().map(|t| count(&app, dev, t)).sum::<usize>();
    wait_until(within, "container change events on alpha", || total("alpha") > 0).await;
    // The same snapshot polled again must not produce the events again.
    let base = count(&app, "alpha", "ContainerStatsSampled");
    wait_until(within, "three more polls", || {
        count(&app, "alpha", "ContainerStatsSampled") >= base + 3
    })
    .await;
    let settled = total("alpha");
    let base = count(&app, "alpha", "ContainerStatsSampled");
    wait_until(within, "three more polls", || {
        count(&app, "alpha", "ContainerStatsSampled") >= base + 3
    })
    .await;
    assert_eq!(total("alpha"), settled, "change events repeated for an unchanged snapshot");
    for ty in changes {
        let evs = events(&app, "alpha", ty);
        let mut names: Vec<_> = evs.iter().map(|e| format!("{e:?}")).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), evs.len(), "duplicate {ty} events: {evs:?}");
    }
    assert_eq!(total("bravo"), 0, "no change events on unchanged devices");
    assert_eq!(total("charlie"), 0);

    let http = reqwest_get(app.addr, "/api/devices").await;
    assert!(http.contains("\"alpha\"") && http.contains("\"charlie\""), "{http}");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_device_is_reported_retried_and_resumes_polling() {
    let mut dev = device_with_containers("delta");
    let app = serve(vec![spec(&dev)]).await;
    let within = Duration::from_secs(20);
    wait_until(within, "online", || count(&app, "delta", "ContainerStatsSampled") >= 1).await;

    dev.go_offline();
    wait_until(within, "DeviceOffline", || count(&app, "delta", "DeviceOffline") == 1).await;
    match &events(&app, "delta", "DeviceOffline")[0] {
        EventKind::DeviceOffline { consecutive_failures, reason } => {
            assert_eq!(*consecutive_failures, 3);
            assert!(reason.contains("127.0.0.1"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.snapshot().await.devices["delta"].online, Some(false));
    let samples_while_offline = count(&app, "delta", "ContainerStatsSampled");

    dev.come_online();
    wait_until(within, "DeviceOnline again", || count(&app, "delta", "DeviceOnline") == 2).await;
    wait_until(within, "polling resumed", || {
        count(&app, "delta", "ContainerStatsSampled") > samples_while_offline
    })
    .await;
    assert_eq!(count(&app, "delta", "DeviceOffline"), 1, "one offline event per outage");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_tool_skips_its_probe_with_a_reason_and_no_error_storm() {
    let dev = SimDevice::start("echo");
    dev.remove_tool("smartctl");
    let app = serve(vec![spec(&dev)]).await;
    let within = Duration::from_secs(20);
    wait_until(within, "containers sampled several times", || {
        count(&app, "echo", "ContainerStatsSampled") >= 4
    })
    .await;
    let skipped = events(&app, "echo", "ProbeSkipped");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        matches!(&skipped[0], EventKind::ProbeSkipped { probe, reason } if probe == "drives" && reason.contains("smartctl"))
    );
    assert_eq!(count(&app, "echo", "ProbeFailed"), 0);
    assert_eq!(dev.calls("smartctl"), 0, "the skipped probe never runs");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_tool_is_a_probe_failure_not_an_outage_and_garbage_is_survived() {
    let dev = device_with_containers("foxtrot");
    dev.set_docker_ps("this is not json\n{\"half\": \n");
    let app = serve_with(
        vec![spec(&dev)],
        FleetSettings { command_timeout: Duration::from_secs(1), ..fast_settings() },
    )
    .await;
    let within = Duration::from_secs(30);
    // Unreadable output is a probe failure (no sample, no changes), not an outage.
    wait_until(within, "garbage reported", || count(&app, "foxtrot", "ProbeFailed") == 1).await;
    let failed = events(&app, "foxtrot", "ProbeFailed");
    assert!(
        matches!(&failed[0], EventKind::ProbeFailed { error, .. } if error.contains("unreadable output from `docker_ps`")),
        "{failed:?}"
    );
    assert_eq!(count(&app, "foxtrot", "ContainerStatsSampled"), 0);

    dev.hang("docker", true);
    wait_until(within, "a timeout reported", || count(&app, "foxtrot", "ProbeFailed") == 2).await;
    let failed = events(&app, "foxtrot", "ProbeFailed");
    assert!(
        matches!(&failed[1], EventKind::ProbeFailed { probe, error } if probe == "containers" && error.contains("did not finish within 1s")),
        "{failed:?}"
    );
    // The device answers other commands: it stays online and other probes keep sampling.
    let metrics = count(&app, "foxtrot", "MetricsSampled");
    wait_until(within, "metrics keep coming", || {
        count(&app, "foxtrot", "MetricsSampled") >= metrics + 2
    })
    .await;
    assert_eq!(count(&app, "foxtrot", "DeviceOffline"), 0);
    assert_eq!(count(&app, "foxtrot", "ProbeFailed"), 2, "the same failure is reported once");

    dev.hang("docker", false);
    dev.set_docker_ps(&harness::fixture(PS));
    wait_until(within, "containers again", || {
        app.projection.snapshot().devices["foxtrot"].containers().len() >= 10
    })
    .await;
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_verifies_host_keys_and_reports_tools() {
    let dev = device_with_containers("golf");
    let settings = fast_settings();
    let ok = check_device(&spec(&dev), &settings).await;
    let tools = ok.result.expect("check passes");
    assert!(tools.contains("docker") && tools.contains("smartctl"), "{tools}");
    assert!(ok.rtt.is_some());

    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("known_hosts");
    dev.sshd().write_mismatched_known_hosts(&wrong);
    let mut bad = spec(&dev);
    bad.known_hosts = wrong;
    let err = check_device(&bad, &settings).await.result.unwrap_err();
    assert!(err.contains("does NOT match") && err.contains("ssh-keygen -R"), "{err}");

    let empty = dir.path().join("empty_known_hosts");
    std::fs::write(&empty, "").unwrap();
    bad.known_hosts = empty;
    let err = check_device(&bad, &settings).await.result.unwrap_err();
    assert!(err.contains("is not in") && err.contains("SHA256:"), "{err}");

    let mut bad_key = spec(&dev);
    bad_key.auth = Auth::KeyFile { path: dir.path().join("nope"), passphrase: None };
    let err = check_device(&bad_key, &settings).await.result.unwrap_err();
    assert!(err.contains("authentication failed") && err.contains("does not exist"), "{err}");
}

/// A minimal HTTP/1.1 GET over a raw socket (no client crate needed for one request).
async fn reqwest_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).await.unwrap();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    body
}
