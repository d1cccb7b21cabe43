//! Resuming every diffing probe from its last sample (as after a server or poller restart):
//! the unchanged state is not reported again, and a change since gives the same events an
//! uninterrupted probe gives.

use chrono::{DateTime, TimeZone, Utc};

use super::{PollContext, Probe};
use crate::events::{Event, EventKind};
use crate::testing::Scripted;

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{FIX}{name}")).unwrap()
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()
}

/// The replies of one poll: `(command name, exit status, stdout)`.
type Script = Vec<(&'static str, i32, String)>;

async fn poll(probe: &mut dyn Probe, script: &Script) -> Vec<EventKind> {
    let transport = Scripted::default();
    for (name, status, out) in script {
        transport.push(name, *status, out.clone());
    }
    let ctx = PollContext {
        transport: &transport,
        observed_at: at(),
        sudo: false,
        command_timeout: std::time::Duration::from_secs(20),
    };
    let events = probe.poll(&ctx).await.unwrap();
    assert_eq!(transport.unused(), 0, "every scripted reply is used");
    events
}

/// `before` then `after` on one probe gives the reference changes; a fresh probe resumed
/// from `before`'s sample reports nothing on `before` and exactly those changes on `after`.
/// Returns what a fresh probe that is not resumed reports on `before`.
async fn check(make: fn() -> Box<dyn Probe>, before: Script, after: Script) -> Vec<EventKind> {
    let mut reference = make();
    let first = poll(&mut *reference, &before).await;
    let sample = first[0].clone();
    assert!(sample.sample_of().is_some(), "{sample:?}");
    let expected = poll(&mut *reference, &after).await[1..].to_vec();
    assert!(!expected.is_empty(), "the fixtures must differ by a change");
    let last = Event::new("dev", at(), sample);

    let mut resumed = make();
    resumed.resume(&last);
    let again = poll(&mut *resumed, &before).await;
    assert_eq!(again.len(), 1, "nothing reported again after resuming: {:?}", &again[1..]);
    assert_eq!(again[0].type_name(), last.kind.type_name());

    let mut resumed = make();
    resumed.resume(&last);
    let changed = poll(&mut *resumed, &after).await;
    assert_eq!(changed[1..], expected[..], "the change since the last sample, once");

    // An event of another kind is ignored.
    let mut other = make();
    other.resume(&Event::new("dev", at(), EventKind::DeviceRemoved {}));
    poll(&mut *other, &before).await[1..].to_vec()
}

fn one(name: &'static str, out: String) -> Script {
    vec![(name, 0, out)]
}

#[tokio::test]
async fn services_resume() {
    let dir = "systemd/";
    let fresh = check(
        || Box::<super::services::ServicesProbe>::default(),
        one("failed_units", read(&format!("{dir}failed-252.txt"))),
        one("failed_units", read(&format!("{dir}failed-252-after.txt"))),
    )
    .await;
    assert_eq!(fresh.len(), 4, "without a sample, units already failed are reported once");
}

#[tokio::test]
async fn containers_resume() {
    let d = "docker/client-28.2/";
    let script = |ps: &str, stats: &str| {
        vec![
            ("docker_ps", 0, read(&format!("{d}{ps}"))),
            ("docker_stats", 0, read(&format!("{d}{stats}"))),
            ("docker_inspect", 0, read(&format!("{d}inspect.json"))),
        ]
    };
    let before = script("ps.jsonl", "stats.jsonl");
    let mut after = script("ps-after.jsonl", "stats-after.jsonl");
    // Resumed with the inspect data of the sample, only new or changed containers are
    // inspected: the reference probe inspects on its second poll too.
    after.truncate(2);
    after.push(("docker_inspect", 0, read(&format!("{d}inspect.json"))));
    let fresh = check(|| Box::<super::containers::ContainersProbe>::default(), before, after).await;
    assert!(fresh.is_empty(), "a first poll has no changes: {fresh:?}");
}

#[tokio::test]
async fn zfs_resume() {
    let out = |status: &str, list: &str| {
        format!(
            "@@version\n{}@@status\n{}@@list\n{}@@datasets\n{}@@snapshots\n{}@@arcstats\n{}",
            read("zfs/openzfs-2.1/zpool-version.txt"),
            read(&format!("zfs/openzfs-2.1/zpool-status-p-{status}.txt")),
            read(&format!("zfs/openzfs-2.1/zpool-list-Hp-{list}.txt")),
            read("zfs/openzfs-2.1/zfs-list-Hp-datasets.txt"),
            read("zfs/openzfs-2.1/zfs-list-Hp-snapshots.txt"),
            read("zfs/openzfs-2.1/arcstats.txt"),
        )
    };
    check(
        || Box::<super::zfs::ZfsProbe>::default(),
        one("zfs", out("healthy", "healthy")),
        one("zfs", out("degraded", "degraded")),
    )
    .await;
}

#[tokio::test]
async fn arrays_resume() {
    let md = |file: &str| format!("@@mdstat\n{}", read(&format!("mdstat/linux-6.1/{file}")));
    check(
        || Box::<super::arrays::ArraysProbe>::default(),
        one("arrays", md("healthy.txt")),
        one("arrays", md("degraded-raid1-resync-raid5.txt")),
    )
    .await;
}

#[tokio::test]
async fn vms_resume() {
    let d = "virsh/libvirt-9.0/";
    let script = |list: &str, info: &str| {
        vec![
            ("virsh_list", 0, read(&format!("{d}{list}"))),
            ("virsh_dominfo", 0, read(&format!("{d}{info}"))),
        ]
    };
    check(
        || Box::<super::vms::VmsProbe>::default(),
        script("list-names.txt", "dominfo.txt"),
        script("list-names-after.txt", "dominfo-after.txt"),
    )
    .await;
}

#[tokio::test]
async fn updates_resume() {
    let fresh = check(
        || Box::<super::updates::UpdatesProbe>::default(),
        one("upgradable", "@@apt\nListing...\n".to_string()),
        one("upgradable", read("updates/apt-debian12.txt")),
    )
    .await;
    assert!(fresh.is_empty(), "no updates, nothing to announce: {fresh:?}");
    // Updates already announced before the restart are not announced again.
    let mut reference = Box::<super::updates::UpdatesProbe>::default();
    let apt = one("upgradable", read("updates/apt-debian12.txt"));
    let first = poll(&mut *reference, &apt).await;
    assert_eq!(first.len(), 2, "announced once: {first:?}");
    let mut resumed = Box::<super::updates::UpdatesProbe>::default();
    resumed.resume(&Event::new("dev", at(), first[0].clone()));
    assert_eq!(poll(&mut *resumed, &apt).await.len(), 1, "not announced again");
}

#[tokio::test]
async fn drives_resume() {
    let scan = r#"{"devices": [{"name": "/dev/sda", "info_name": "/dev/sda [SAT]",
        "type": "sat", "protocol": "ATA"}]}"#;
    let script = |info: &str| {
        vec![
            ("smartctl_scan", 0, scan.to_string()),
            ("smartctl_info", 0, read(&format!("smartctl/{info}"))),
        ]
    };
    check(
        || Box::<super::drives::DrivesProbe>::default(),
        script("sata-hdd-healthy.json"),
        script("sata-hdd-failing-later.json"),
    )
    .await;
}

/// The metrics probe keeps rate counters no sample holds: resuming it changes nothing.
#[test]
fn metrics_does_not_resume() {
    let mut probe = super::metrics::MetricsProbe::default();
    let before = format!("{probe:?}");
    probe.resume(&Event::new("dev", at(), EventKind::DeviceRemoved {}));
    assert_eq!(format!("{probe:?}"), before);
}
