//! The sick host over real sshd: `docker`, `smartctl`, `zpool`, `sensors` and `df` (a stale
//! NFS mount) all hang at once on a device allowed two channels. It must read as "online,
//! with hung tools": no `DeviceOffline`, one `ProbeFailed` per hung probe, and the healthy
//! probes (arrays, services, updates) keep succeeding.

mod harness;

use std::time::Duration;

use harness::server::{count, events, every, serve_with};
use harness::shims::{APT, DF, SENSORS, SYSTEMCTL, ZFS, ZPOOL};
use harness::{SimDevice, fixture, wait_until};
use infrastructor_actors::device::{FleetSettings, Probes};
use infrastructor_actors::events::EventKind;

const HUNG: &[&str] = &["docker", "smartctl", "zpool", "sensors", "df"];

/// The most processes of any one hung shim alive at once on the device (zombies aside).
fn most_alive(dev: &SimDevice) -> usize {
    let Some(root) = dev.sshd().pid() else { return 0 };
    let bin = dev.bin_dir().display().to_string();
    let alive: Vec<String> = harness::sshd::descendants(root)
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
        })
        .filter_map(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .collect();
    HUNG.iter()
        .map(|tool| alive.iter().filter(|c| c.contains(&format!("{bin}/{tool} "))).count())
        .max()
        .unwrap_or(0)
}

fn sick_device() -> SimDevice {
    let dev = SimDevice::start("sick");
    dev.set_docker_ps(&fixture("docker/client-28.2/ps.jsonl"));
    dev.set_smartctl_scan(&fixture("smartctl/scan-open-devices.json"));
    dev.install_tool("zpool", ZPOOL);
    dev.install_tool("zfs", ZFS);
    dev.set("zpool/version", &fixture("zfs/openzfs-2.1/zpool-version.txt"));
    dev.set("zpool/status", &fixture("zfs/openzfs-2.1/zpool-status-p-healthy.txt"));
    dev.set("zpool/list", &fixture("zfs/openzfs-2.1/zpool-list-Hp-healthy.txt"));
    dev.install_tool("sensors", SENSORS);
    dev.set("sensors/json", "{ }\n");
    dev.install_tool("df", DF);
    dev.install_tool("systemctl", SYSTEMCTL);
    dev.set("systemctl/failed", &fixture("systemd/none-252.txt"));
    dev.install_tool("apt", APT);
    dev.set("apt/upgradable", "Listing...\n");
    dev
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hung_tools_on_two_channels_are_probe_failures_and_never_take_the_device_offline() {
    let dev = sick_device();
    let fast = every(300);
    let probes = Probes {
        containers: fast,
        metrics: fast,
        drives: fast,
        zfs: fast,
        arrays: fast,
        services: fast,
        updates: fast,
        ..Probes::disabled()
    };
    let settings = FleetSettings {
        max_channels: 2,
        command_timeout: Duration::from_secs(1),
        ..harness::server::fast_settings()
    };
    for tool in HUNG {
        dev.hang(tool, true);
    }
    let app = serve_with(vec![harness::device_spec(&dev, probes)], settings).await;
    let name = dev.name();
    let failed = |probe: &str| {
        events(&app, name, "ProbeFailed")
            .iter()
            .filter(|e| matches!(e, EventKind::ProbeFailed { probe: p, .. } if p == probe))
            .count()
    };
    let hung_probes = ["containers", "drives", "zfs", "metrics"];
    wait_until(Duration::from_secs(40), "a ProbeFailed for every hung probe", || {
        hung_probes.iter().all(|p| failed(p) >= 1)
    })
    .await;
    // The healthy probes keep succeeding meanwhile, several times over.
    let base: Vec<_> = ["ArraysSampled", "ServicesSampled", "UpdatesSampled"]
        .iter()
        .map(|ty| (*ty, count(&app, name, ty)))
        .collect();
    // Meanwhile no hung tool ever runs twice at once on the device: each copy is killed at
    // its deadline before the probe's next poll starts another.
    let mut most = 0;
    wait_until(Duration::from_secs(40), "healthy probes keep polling", || {
        most = most.max(most_alive(&dev));
        base.iter().all(|(ty, n)| count(&app, name, ty) >= n + 3)
    })
    .await;
    assert_eq!(most, 1, "hung tools seen running, never two copies of one at once");
    assert_eq!(count(&app, name, "DeviceOffline"), 0, "{:?}", events(&app, name, "DeviceOffline"));
    for p in hung_probes {
        assert_eq!(
            failed(p),
            1,
            "one ProbeFailed for {p}: {:?}",
            events(&app, name, "ProbeFailed")
        );
    }
    for p in ["arrays", "services", "updates"] {
        assert_eq!(failed(p), 0, "{p} never failed: {:?}", events(&app, name, "ProbeFailed"));
    }
    for tool in HUNG {
        dev.hang(tool, false);
    }
    app.shutdown().await;
}
