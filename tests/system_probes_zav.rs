//! System tests of the ZFS and VMs probes over real sshd: simulated devices whose `zpool`,
//! `zfs` and `virsh` are shims replaying the fixtures; a pool going ONLINE → DEGRADED gives
//! exactly one `PoolStateChanged`, a scrub finishing (2.3 JSON status) exactly one
//! `ScrubFinished`, a VM going running → shut off exactly one `VmStateChanged`.

mod harness;

use std::time::Duration;

use harness::server::{count, events, every, more_polls, serve};
use harness::shims::{VIRSH, ZFS, ZPOOL};
use harness::{SimDevice, fixture, wait_until};
use infrastructor_actors::device::{DeviceSpec, Probes};
use infrastructor_actors::events::EventKind;

fn spec(dev: &SimDevice, probes: Probes) -> DeviceSpec {
    harness::device_spec(dev, probes)
}

fn zfs_state(dev: &SimDevice, status: &str, list: &str) {
    dev.set("zpool/status", &fixture(&format!("zfs/openzfs-2.1/zpool-status-p-{status}.txt")));
    dev.set("zpool/list", &fixture(&format!("zfs/openzfs-2.1/zpool-list-Hp-{list}.txt")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pool_going_degraded_gives_exactly_one_pool_state_changed() {
    let dev = SimDevice::start("nas");
    dev.install_tool("zpool", ZPOOL);
    dev.install_tool("zfs", ZFS);
    dev.set("zpool/version", &fixture("zfs/openzfs-2.1/zpool-version.txt"));
    // OpenZFS 2.1 has no `-j`: the probe must fall back to the text status.
    dev.set("zpool/status-json.exit", "2");
    dev.set("zpool/status-json.stderr", "invalid option 'j'\n");
    dev.set("zfs/datasets", &fixture("zfs/openzfs-2.1/zfs-list-Hp-datasets.txt"));
    dev.set("zfs/snapshots", &fixture("zfs/openzfs-2.1/zfs-list-Hp-snapshots.txt"));
    zfs_state(&dev, "healthy", "healthy");
    let app = serve(vec![spec(&dev, Probes { zfs: every(300), ..Probes::disabled() })]).await;
    wait_until(Duration::from_secs(20), "zfs sampled", || {
        count(&app, "nas", "PoolStatusSampled") >= 1
    })
    .await;
    more_polls(&app, "nas", "PoolStatusSampled", 2).await;
    assert_eq!(count(&app, "nas", "PoolStateChanged"), 0, "no change while healthy");

    zfs_state(&dev, "degraded", "degraded");
    wait_until(Duration::from_secs(20), "PoolStateChanged", || {
        count(&app, "nas", "PoolStateChanged") >= 1
    })
    .await;
    more_polls(&app, "nas", "PoolStatusSampled", 3).await;
    assert_eq!(
        events(&app, "nas", "PoolStateChanged"),
        vec![EventKind::PoolStateChanged {
            pool: "backup".into(),
            previous: Some("ONLINE".into()),
            current: Some("DEGRADED".into()),
        }]
    );
    assert_eq!(count(&app, "nas", "ProbeFailed"), 0);
    {
        let store = app.snapshot().await;
        let zfs = store.devices["nas"].zfs().expect("zfs state kept");
        let health: Vec<_> =
            zfs.pools.iter().map(|p| (p.name.as_str(), p.health.as_str())).collect();
        assert_eq!(health, [("backup", "DEGRADED"), ("tank", "ONLINE")]);
        assert_eq!(zfs.version.as_deref(), Some("zfs-2.1.11-1"));
        assert_eq!(zfs.datasets.len(), 6);
    }
    assert!(dev.calls("zpool status -j") >= 1 && dev.calls("zpool status -p") >= 1);
    app.shutdown().await;
}

/// Per-VM `dominfo` outputs of a capture (split at its `@@vm` markers), by VM name.
fn set_vms(dev: &SimDevice, list: &str, dominfo: &str) {
    dev.set("virsh/list", &fixture(&format!("virsh/libvirt-9.0/{list}")));
    for section in fixture(&format!("virsh/libvirt-9.0/{dominfo}")).split("@@vm\n").skip(1) {
        let name = section
            .lines()
            .find_map(|l| l.strip_prefix("Name:"))
            .map(str::trim)
            .expect("a Name: line");
        dev.set(&format!("virsh/dominfo-{name}"), section);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vm_shutting_off_gives_exactly_one_vm_state_changed() {
    let dev = SimDevice::start("hyper");
    dev.install_tool("virsh", VIRSH);
    set_vms(&dev, "list-names.txt", "dominfo.txt");
    let app = serve(vec![spec(&dev, Probes { vms: every(300), ..Probes::disabled() })]).await;
    wait_until(Duration::from_secs(20), "vms sampled", || count(&app, "hyper", "VmsSampled") >= 1)
        .await;
    more_polls(&app, "hyper", "VmsSampled", 2).await;
    assert_eq!(count(&app, "hyper", "VmStateChanged"), 0, "no change while unchanged");

    set_vms(&dev, "list-names-after.txt", "dominfo-after.txt");
    wait_until(Duration::from_secs(20), "VmStateChanged", || {
        count(&app, "hyper", "VmStateChanged") >= 1
    })
    .await;
    more_polls(&app, "hyper", "VmsSampled", 3).await;
    assert_eq!(
        events(&app, "hyper", "VmStateChanged"),
        vec![EventKind::VmStateChanged {
            vm: "win11.gaming".into(),
            previous: Some("running".into()),
            current: Some("shut off".into()),
        }]
    );
    assert_eq!(count(&app, "hyper", "ProbeFailed"), 0);
    {
        let store = app.snapshot().await;
        let vms: Vec<_> = store.devices["hyper"]
            .vms()
            .iter()
            .map(|v| (v.name.as_str(), v.state.as_str()))
            .collect();
        assert_eq!(
            vms,
            [
                ("test", "running"),
                ("vm-paused", "paused"),
                ("db01", "shut off"),
                ("win11.gaming", "shut off")
            ]
        );
    }
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_scrub_in_json_status_gives_exactly_one_scrub_finished() {
    let dev = SimDevice::start("nas23");
    dev.install_tool("zpool", ZPOOL);
    dev.install_tool("zfs", ZFS);
    dev.set("zpool/version", &fixture("zfs/openzfs-2.3/zpool-version.txt"));
    dev.set("zpool/status-json", &fixture("zfs/openzfs-2.3/zpool-status-j-scrubbing.json"));
    dev.set("zpool/list", &fixture("zfs/openzfs-2.1/zpool-list-Hp-healthy.txt"));
    let app = serve(vec![spec(&dev, Probes { zfs: every(300), ..Probes::disabled() })]).await;
    wait_until(Duration::from_secs(20), "zfs sampled", || {
        count(&app, "nas23", "PoolStatusSampled") >= 1
    })
    .await;
    more_polls(&app, "nas23", "PoolStatusSampled", 2).await;
    assert_eq!(count(&app, "nas23", "ScrubFinished"), 0, "no event while scrubbing");

    dev.set("zpool/status-json", &fixture("zfs/openzfs-2.3/zpool-status-j-healthy.json"));
    wait_until(Duration::from_secs(20), "ScrubFinished", || {
        count(&app, "nas23", "ScrubFinished") >= 1
    })
    .await;
    more_polls(&app, "nas23", "PoolStatusSampled", 3).await;
    assert_eq!(
        events(&app, "nas23", "ScrubFinished"),
        vec![EventKind::ScrubFinished {
            pool: "tank".into(),
            errors: Some(0),
            finished_at: Some("2026-11-22T03:36:45+00:00".into()),
        }]
    );
    assert_eq!(count(&app, "nas23", "PoolStateChanged"), 0);
    let zfs = app.snapshot().await.devices["nas23"].zfs().cloned().expect("zfs state kept");
    assert!(zfs.json_status, "the JSON status was used");
    assert_eq!(dev.calls("zpool status -p"), 0, "no text fallback when -j works");
    app.shutdown().await;
}
