//! System tests of the metrics, services and updates probes over real sshd: `systemctl` and
//! `apt` are shims replaying fixtures, `/proc` is the real one of this machine.

mod harness;

use std::time::Duration;

use harness::server::{count, events, every, more_polls, serve};
use harness::shims::{APT, SYSTEMCTL};
use harness::{SimDevice, wait_until};
use infrastructor_actors::device::{DeviceSpec, Probes};
use infrastructor_actors::events::EventKind;

fn spec(dev: &SimDevice) -> DeviceSpec {
    let probes = Probes {
        metrics: every(500),
        services: every(300),
        updates: every(400),
        ..Probes::disabled()
    };
    harness::device_spec(dev, probes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_units_updates_and_metrics_over_ssh() {
    let dev = SimDevice::start("echo");
    dev.install_tool("systemctl", SYSTEMCTL);
    dev.set("systemctl/failed", &harness::fixture("systemd/none-252.txt"));
    dev.install_tool("apt", APT);
    dev.set("apt/upgradable", "Listing...\n");
    let app = serve(vec![spec(&dev)]).await;
    let within = Duration::from_secs(20);
    let name = dev.name();

    // Metrics: per-core CPU from the second poll on, real interfaces and disks; no sensors.
    wait_until(within, "metrics with per-core CPU", || {
        events(&app, name, "MetricsSampled").iter().any(
            |e| matches!(e, EventKind::MetricsSampled { sample } if !sample.cpu_cores.is_empty()),
        )
    })
    .await;
    match events(&app, name, "MetricsSampled").as_slice() {
        [EventKind::MetricsSampled { sample: first }, .., EventKind::MetricsSampled { sample }] => {
            assert!(first.cpu_cores.is_empty() && first.cpu_percent.is_none(), "{first:?}");
            let cores = std::thread::available_parallelism().unwrap().get();
            assert_eq!(sample.cpu_cores.len(), cores, "{:?}", sample.cpu_cores);
            assert!(sample.cpu_cores.iter().all(|c| (0.0..=100.0).contains(&c.percent)));
            assert!(sample.process_count.is_some_and(|n| n > 1), "{sample:?}");
            assert!(sample.network.iter().all(|i| i.name != "lo"));
            assert!(sample.network.iter().all(|i| i.rx_bytes_per_sec.is_some()), "{sample:?}");
            assert!(sample.temperatures.is_empty(), "sensors is hidden on the device");
        }
        other => panic!("{other:?}"),
    }

    // Services: nothing failed, then nginx (and three others) fail, then nginx recovers.
    more_polls(&app, name, "ServicesSampled", 2).await;
    assert_eq!(count(&app, name, "ServiceFailed"), 0);
    dev.set("systemctl/failed", &harness::fixture("systemd/failed-252.txt"));
    wait_until(within, "ServiceFailed", || count(&app, name, "ServiceFailed") == 4).await;
    more_polls(&app, name, "ServicesSampled", 3).await;
    let failed = events(&app, name, "ServiceFailed");
    assert_eq!(failed.len(), 4, "each failed unit reported exactly once: {failed:?}");
    assert!(failed.contains(&EventKind::ServiceFailed {
        unit: "nginx.service".into(),
        description: "A high performance web server and a reverse proxy server".into(),
    }));
    dev.set("systemctl/failed", &harness::fixture("systemd/failed-252-after.txt"));
    wait_until(within, "ServiceRecovered", || count(&app, name, "ServiceRecovered") == 1).await;
    more_polls(&app, name, "ServicesSampled", 3).await;
    assert_eq!(
        events(&app, name, "ServiceRecovered"),
        [EventKind::ServiceRecovered { unit: "nginx.service".into() }]
    );
    assert_eq!(count(&app, name, "ServiceFailed"), 5, "certbot failed once");
    {
        let store = app.snapshot().await;
        let units = store.devices[name].failed_units().map(<[_]>::to_vec).unwrap_or_default();
        let names: Vec<_> = units.iter().map(|u| u.unit.as_str()).collect();
        assert_eq!(
            names,
            [
                "certbot.service",
                "mnt-backup.mount",
                "old-agent.service",
                "systemd-networkd-wait-online.service"
            ]
        );
    }

    // Updates: none, then the real Debian 12 list: one UpdatesAvailable, not one per poll.
    more_polls(&app, name, "UpdatesSampled", 1).await;
    assert_eq!(count(&app, name, "UpdatesAvailable"), 0);
    let apt = harness::fixture("updates/apt-debian12.txt");
    dev.set("apt/upgradable", apt.strip_prefix("@@apt\n").unwrap_or(&apt));
    wait_until(within, "UpdatesAvailable", || count(&app, name, "UpdatesAvailable") == 1).await;
    more_polls(&app, name, "UpdatesSampled", 3).await;
    assert_eq!(
        events(&app, name, "UpdatesAvailable"),
        [EventKind::UpdatesAvailable { count: 119, security_count: 69 }]
    );
    let snap = app.snapshot().await;
    let (manager, packages, _) = snap.devices[name].updates().expect("updates");
    assert_eq!((manager, packages.len()), ("apt", 119));
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_machine_without_systemd_gives_one_probe_failure_not_a_storm() {
    let dev = SimDevice::start("foxtrot");
    dev.install_tool("systemctl", SYSTEMCTL);
    dev.set("systemctl/failed", "");
    dev.set("systemctl/failed.stderr", &harness::fixture("systemd/not-booted.stderr"));
    dev.set("systemctl/failed.exit", "1");
    let app = serve(vec![spec(&dev)]).await;
    let name = dev.name();
    wait_until(Duration::from_secs(20), "ProbeFailed", || count(&app, name, "ProbeFailed") >= 1)
        .await;
    // Let the services probe fail a few more times (each poll calls the shim once).
    let base = dev.calls("systemctl");
    wait_until_calls(&dev, "systemctl", base + 3).await;
    let failures: Vec<(String, String)> = events(&app, name, "ProbeFailed")
        .into_iter()
        .filter_map(|e| match e {
            EventKind::ProbeFailed { probe, error } => Some((probe, error)),
            _ => None,
        })
        .collect();
    let of = |p: &str| failures.iter().filter(|(probe, _)| probe == p).collect::<Vec<_>>();
    let services = of("services");
    assert_eq!(services.len(), 1, "{failures:?}");
    assert!(services[0].1.contains("System has not been booted with systemd"), "{failures:?}");
    // No package manager on this device either (`apt` is hidden): one clear failure at most.
    let updates = of("updates");
    assert!(updates.len() <= 1, "{failures:?}");
    assert!(updates.iter().all(|(_, e)| e.contains("no supported package manager")));
    assert_eq!(count(&app, name, "ServicesSampled"), 0);
    app.shutdown().await;
}

async fn wait_until_calls(dev: &SimDevice, tool: &str, n: usize) {
    wait_until(Duration::from_secs(20), "shim calls", || dev.calls(tool) >= n).await;
}
