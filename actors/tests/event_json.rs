//! The event JSON is a public contract: one example of every event kind, in its envelope, is
//! a committed snapshot (`snapshots/events.json`). `UPDATE_SNAPSHOTS=1` accepts a change;
//! review the diff first — changes must be additive.

use chrono::{TimeZone, Utc};
use infrastructor_actors::bench_support::capabilities;
use infrastructor_actors::bench_support::probes::arrays::parse_arrays;
use infrastructor_actors::bench_support::probes::backups::parse_job;
use infrastructor_actors::bench_support::probes::containers::{parse_inspect, parse_ps};
use infrastructor_actors::bench_support::probes::drives::parse_info;
use infrastructor_actors::bench_support::probes::metrics::parse_metrics;
use infrastructor_actors::bench_support::probes::sections;
use infrastructor_actors::bench_support::probes::services::parse_failed_units;
use infrastructor_actors::bench_support::probes::updates::parse_upgradable;
use infrastructor_actors::bench_support::probes::vms::parse_dominfo;
use infrastructor_actors::bench_support::probes::zfs::parse_zfs;
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::model::alerts::{Alert, Severity, Suppressed};
use infrastructor_actors::model::backups::{BackupStatus, BackupVerdict};
use infrastructor_actors::model::logs::{LogMatch, LogSource};
use infrastructor_actors::model::refs::{ContainerRef, DriveRef};
use uuid::Uuid;

#[path = "event_json_support/samples.rs"]
mod samples;
use samples::{image_update, images_sample, restic_job};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");
const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/events.json");

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{path}")).unwrap()
}

/// Fails to compile when a variant is added without an example below.
fn covered(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::DeviceOnline { .. }
        | EventKind::DeviceOffline { .. }
        | EventKind::DeviceRemoved { .. }
        | EventKind::CapabilitiesDetected { .. }
        | EventKind::ProbeSkipped { .. }
        | EventKind::ProbeFailed { .. }
        | EventKind::PollerRestarted { .. }
        | EventKind::ContainerStatsSampled { .. }
        | EventKind::ContainerCreated { .. }
        | EventKind::ContainerStarted { .. }
        | EventKind::ContainerStopped { .. }
        | EventKind::ContainerDied { .. }
        | EventKind::ContainerRemoved { .. }
        | EventKind::ContainerRestarted { .. }
        | EventKind::ContainerHealthChanged { .. }
        | EventKind::ContainerImageChanged { .. }
        | EventKind::MetricsSampled { .. }
        | EventKind::DriveHealthSampled { .. }
        | EventKind::ContainerRestartLoopDetected { .. }
        | EventKind::DriveHealthChanged { .. }
        | EventKind::SmartAttributeIncreased { .. }
        | EventKind::DriveTemperatureCrossed { .. }
        | EventKind::LogsScanned { .. }
        | EventKind::LogPatternMatched { .. }
        | EventKind::ServicesSampled { .. }
        | EventKind::ServiceFailed { .. }
        | EventKind::ServiceRecovered { .. }
        | EventKind::BackupSampled { .. }
        | EventKind::BackupFailed { .. }
        | EventKind::BackupOverdue { .. }
        | EventKind::BackupRecovered { .. }
        | EventKind::ImagesSampled { .. }
        | EventKind::ImageUpdateAvailable { .. }
        | EventKind::UpdatesSampled { .. }
        | EventKind::UpdatesAvailable { .. }
        | EventKind::PoolStatusSampled { .. }
        | EventKind::PoolStateChanged { .. }
        | EventKind::ScrubFinished { .. }
        | EventKind::ResilverFinished { .. }
        | EventKind::ArraysSampled { .. }
        | EventKind::ArrayDegraded { .. }
        | EventKind::ArrayRecovered { .. }
        | EventKind::VmsSampled { .. }
        | EventKind::VmStateChanged { .. }
        | EventKind::ActionPerformed { .. }
        | EventKind::MaintenanceChanged { .. }
        | EventKind::AlertRaised { .. }
        | EventKind::AlertResolved { .. }
        | EventKind::AlertAcknowledged { .. }
        | EventKind::AlertSilenced { .. } => kind.type_name(),
    }
}

fn examples() -> Vec<EventKind> {
    let restic_out = format!(
        "{}exit:0\n{}",
        fixture("backups/restic_snapshots.json"),
        fixture("backups/restic_stats.json")
    );
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let oom = LogMatch {
        pattern: "oom".into(),
        source: LogSource::Journal,
        severity: Severity::Critical,
        count: 1,
        first_at: at - chrono::Duration::seconds(30),
        last_at: at - chrono::Duration::seconds(30),
        lines: vec!["kernel: Out of memory: Killed process 4242 (java)".into()],
    };
    let alert = Alert {
        key: "filesystem/tower//mnt/user".into(),
        rule: "filesystem".into(),
        object: Some("/mnt/user".into()),
        severity: Severity::Critical,
        summary: "filesystem /mnt/user is 93 % full".into(),
        value: Some(93.0),
        threshold: Some(90.0),
        unit: Some("%".into()),
        since: at - chrono::Duration::minutes(20),
        evidence: vec!["used_bytes: 9300000000".into()],
    };
    let (containers, _) = parse_ps(&fixture("docker/client-28.2/ps.jsonl"), at);
    let mut one = containers.into_iter().next().expect("a container in the fixture");
    let (mut inspected, _) = parse_inspect(&fixture("docker/client-28.2/inspect.json"), at);
    one.inspect = inspected.remove(&one.id);
    let c = ContainerRef { id: one.id.clone(), name: one.name.clone(), image: one.image.clone() };
    // Fixtures keep their section markers without a nonce; give them one, as printed.
    let marked = |text: &str| sections::mark(text, "n0nce");
    let sample = parse_metrics(&marked(&fixture("metrics/metrics-1.txt")), "n0nce", at).0.sample;
    let updates =
        parse_upgradable(&marked(&fixture("updates/dnf-rocky9.txt")), "n0nce", at).0.expect("dnf");
    let drive = parse_info(&fixture("smartctl/sata-hdd-healthy.json"), at).0.expect("a drive");
    let zfs = format!(
        "@@version\n{}@@status\n{}@@list\n{}@@datasets\n@@snapshots\n{}@@arcstats\n{}",
        fixture("zfs/openzfs-2.1/zpool-version.txt"),
        fixture("zfs/openzfs-2.1/zpool-status-p-degraded.txt"),
        fixture("zfs/openzfs-2.1/zpool-list-Hp-degraded.txt"),
        fixture("zfs/openzfs-2.1/zfs-list-Hp-snapshots.txt"),
        fixture("zfs/openzfs-2.1/arcstats.txt"),
    );
    let mut zfs = parse_zfs(&marked(&zfs), "n0nce", at).0.expect("a zfs sample");
    zfs.pools.truncate(1);
    let arrays =
        format!("@@mdstat\n{}", fixture("mdstat/linux-6.1/degraded-raid1-resync-raid5.txt"));
    let arrays = parse_arrays(&marked(&arrays), "n0nce", at).0.expect("an arrays sample");
    let vms = parse_dominfo(&marked(&fixture("virsh/libvirt-9.0/dominfo.txt")), "n0nce", at).0;
    let d = DriveRef {
        device: drive.device.clone(),
        model: drive.model.clone(),
        serial: drive.serial.clone(),
    };
    vec![
        EventKind::DeviceOnline { transport: "ssh monitor@tower:22".into() },
        EventKind::DeviceOffline {
            consecutive_failures: 3,
            reason: "cannot reach tower:22: connection refused".into(),
        },
        EventKind::CapabilitiesDetected {
            capabilities: capabilities::parse("Linux 6.1.0-18-amd64\ndocker yes\nsmartctl no\n"),
        },
        EventKind::ProbeSkipped {
            probe: "drives".into(),
            reason: "`smartctl` was not found on the device".into(),
        },
        EventKind::ProbeFailed {
            probe: "containers".into(),
            error: "`docker_ps` exited with status 1: permission denied".into(),
        },
        EventKind::PollerRestarted {
            probe: "metrics".into(),
            restarts_in_window: 1,
            reason: "probe panicked: boom".into(),
        },
        EventKind::ContainerStatsSampled { containers: vec![one] },
        EventKind::ContainerCreated { container: c.clone() },
        EventKind::ContainerStarted { container: c.clone() },
        EventKind::ContainerStopped { container: c.clone(), exit_code: Some(0) },
        EventKind::ContainerDied {
            container: c.clone(),
            exit_code: Some(137),
            oom_killed: Some(true),
        },
        EventKind::ContainerRemoved { container: c.clone() },
        EventKind::ContainerRestarted { container: c.clone(), restarts: 2 },
        EventKind::ContainerHealthChanged {
            container: c.clone(),
            previous: Some("healthy".into()),
            current: Some("unhealthy".into()),
        },
        EventKind::ContainerImageChanged {
            container: c.clone(),
            previous_id: format!("sha256:{}", "ab".repeat(32)),
            previous_image: "local/busybox:latest".into(),
        },
        EventKind::MetricsSampled { sample },
        EventKind::DriveHealthSampled { drives: vec![drive] },
        EventKind::ContainerRestartLoopDetected { container: c, restarts: 3, window_secs: 300 },
        EventKind::DriveHealthChanged {
            drive: d.clone(),
            previous: "passed".into(),
            current: "failed".into(),
        },
        EventKind::SmartAttributeIncreased {
            drive: d.clone(),
            attribute: "Reallocated_Sector_Ct".into(),
            previous: 0,
            current: 8,
        },
        EventKind::DriveTemperatureCrossed {
            drive: d,
            temperature_c: 56,
            threshold_c: 55,
            rising: true,
        },
        EventKind::LogsScanned {
            from: at - chrono::Duration::minutes(1),
            until: at,
            sources: vec!["journal".into(), "container:web".into()],
            recent: vec![oom.clone()],
            errors: vec!["container:db: Error response from daemon: No such container: db".into()],
        },
        EventKind::LogPatternMatched { matched: oom },
        EventKind::ServicesSampled {
            failed: parse_failed_units(&fixture("systemd/failed-252.txt"), at).0,
        },
        EventKind::ServiceFailed {
            unit: "nginx.service".into(),
            description: "A high performance web server and a reverse proxy server".into(),
        },
        EventKind::ServiceRecovered { unit: "nginx.service".into() },
        EventKind::BackupSampled {
            jobs: vec![
                BackupStatus {
                    last_check: Some(Utc.with_ymd_and_hms(2026, 11, 29, 4, 0, 0).unwrap()),
                    check_ok: Some(true),
                    ..parse_job(&restic_job(), Some(&restic_out.lines().collect::<Vec<_>>()), at)
                },
                BackupStatus {
                    job: "snapshots".into(),
                    kind: "zfs".into(),
                    verdict: BackupVerdict::Overdue,
                    last_success: Some(Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 1).unwrap()),
                    last_run_start: None,
                    max_age_seconds: 86_400,
                    host: None,
                    paths: vec![],
                    size_bytes: None,
                    last_check: None,
                    check_ok: None,
                    check_error: None,
                    evidence: vec![
                        "1 of 2 dataset(s) matching backup/* are stale".into(),
                        "backup/tower: newest snapshot backup/tower@autosnap_2026-11-22_00:00:01_daily at 2026-11-22T00:00:01+00:00".into(),
                        "last success 137999 s ago, max_age 86400 s".into(),
                    ],
                },
                parse_job(
                    &restic_job(),
                    Some(&["Fatal: wrong password or no key found", "exit:1"]),
                    at,
                ),
            ],
        },
        EventKind::BackupFailed {
            job: "nightly".into(),
            kind: "restic".into(),
            detail: "restic snapshots exited with status 1: Fatal: wrong password or no key found"
                .into(),
        },
        EventKind::BackupOverdue {
            job: "nightly".into(),
            kind: "restic".into(),
            last_success: Some(Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()),
            max_age_seconds: 93_600,
        },
        EventKind::BackupRecovered {
            job: "nightly".into(),
            last_success: Some(Utc.with_ymd_and_hms(2026, 11, 23, 3, 0, 0).unwrap()),
        },
        EventKind::ImagesSampled { images: images_sample(at) },
        EventKind::ImageUpdateAvailable { update: image_update() },
        EventKind::UpdatesSampled {
            manager: "dnf".into(),
            // NetworkManager, NetworkManager-libnm, kernel (a security update).
            packages: updates.packages.into_iter().take(3).collect(),
            security_count: 1,
            security_since: Some(at - chrono::Duration::days(2)),
        },
        EventKind::UpdatesAvailable { count: 9, security_count: 5 },
        EventKind::PoolStatusSampled { sample: zfs },
        EventKind::PoolStateChanged {
            pool: "backup".into(),
            previous: Some("ONLINE".into()),
            current: Some("DEGRADED".into()),
        },
        EventKind::ScrubFinished {
            pool: "tank".into(),
            errors: Some(0),
            finished_at: Some("Mon Nov 23 13:40:00 2026".into()),
        },
        EventKind::ResilverFinished {
            pool: "backup".into(),
            errors: Some(0),
            finished_at: Some("2026-11-23T11:25:56+00:00".into()),
        },
        EventKind::ArraysSampled { sample: arrays },
        EventKind::ArrayDegraded { array: "md0".into(), detail: "[2/1] [U_] sdb1(F)".into() },
        EventKind::ArrayRecovered { array: "md0".into() },
        EventKind::VmsSampled { vms },
        EventKind::VmStateChanged {
            vm: "win11.gaming".into(),
            previous: Some("running".into()),
            current: Some("shut off".into()),
        },
        EventKind::DeviceRemoved {},
        EventKind::ActionPerformed {
            action: "container.restart".into(),
            target: "plex".into(),
            by: "admin".into(),
            ok: true,
            detail: "plex".into(),
        },
        EventKind::MaintenanceChanged {
            on: true,
            until: Some(at + chrono::Duration::hours(2)),
            by: "admin".into(),
            reason: Some("disk swap".into()),
        },
        EventKind::AlertRaised {
            alert: alert.clone(),
            previous: Some(Severity::Warning),
            renotify: false,
            suppressed: None,
        },
        EventKind::AlertResolved { alert, suppressed: Some(Suppressed::Maintenance) },
        EventKind::AlertAcknowledged {
            key: "filesystem/tower//mnt/user".into(),
            by: "admin".into(),
            comment: Some("moving files".into()),
        },
        EventKind::AlertSilenced {
            key: "container/tower".into(),
            until: at + chrono::Duration::hours(4),
            by: "admin".into(),
            reason: None,
        },
    ]
}

#[test]
fn every_event_kind_matches_the_committed_json_snapshot() {
    let at = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
    let events: Vec<Event> = examples()
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Event {
            id: Uuid::from_u128(0x0193_5a00_0000_7000_8000_0000_0000_0000 + i as u128),
            device: "tower".into(),
            observed_at: at,
            kind,
        })
        .collect();
    let mut names: Vec<_> = events.iter().map(|e| covered(&e.kind)).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), events.len(), "one example per kind");
    let mut known = infrastructor_actors::events::TYPE_NAMES.to_vec();
    known.sort();
    assert_eq!(names, known, "TYPE_NAMES lists every kind once");

    let actual = serde_json::to_string_pretty(&events).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        actual == expected,
        "{SNAPSHOT} is out of date; rerun with UPDATE_SNAPSHOTS=1 and review"
    );
    let back: Vec<Event> = serde_json::from_str(&expected).unwrap();
    assert_eq!(back, events, "the JSON round-trips");
    for (json, ev) in
        serde_json::from_str::<Vec<serde_json::Value>>(&expected).unwrap().iter().zip(&events)
    {
        assert_eq!(json["type"], ev.type_name(), "envelope carries the type tag");
        assert!(json.get("payload").is_some() && json.get("id").is_some());
    }
}
