//! Sample rows of events built from real probe fixtures (metrics, sensors, docker, smartctl,
//! zpool), with the exact values the fixtures hold.

use chrono::{TimeZone, Utc};

use super::*;
use crate::events::{Event, EventKind};
use crate::probes::{containers, drives, metrics, sections, zfs};

const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{FIX}{name}")).unwrap()
}

fn event(kind: EventKind) -> Event {
    Event::new("tower", Utc.with_ymd_and_hms(2026, 11, 23, 13, 0, 0).unwrap(), kind)
}

/// `metric instance value`, one line per row; every row is of `tower` at the event's time.
fn render(ev: &Event) -> String {
    let rows = rows(ev);
    assert!(rows.iter().all(|r| r.device == "tower" && r.at == ev.observed_at));
    rows.iter()
        .map(|r| format!("{} {:?} {}", r.metric, r.instance, r.value))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn metrics_and_plausible_temperatures() {
    let nonce = "n0nce";
    let output = sections::mark(&read("metrics/metrics-1.txt"), nonce);
    let (parsed, _) = metrics::parse_metrics(&output, nonce, Utc::now());
    let mut sample = parsed.sample;
    let (temps, _) =
        metrics::parse_sensors(&read("metrics/sensors-unconnected-inputs.json"), Utc::now());
    assert!(temps.iter().any(|t| t.suspect.is_some()), "the fixture has suspect readings");
    sample.temperatures = temps;
    // metrics-1 is a first poll: no CPU figure and no rates, so none are stored.
    let got = render(&event(EventKind::MetricsSampled { sample }));
    // Memory: MemTotal 25276510208 - MemAvailable 23793586176 = 1482924032 bytes.
    // `/`: used 29327515648 of used + avail 97572749312.
    let want = format!(
        "host.mem_used_bytes \"\" 1482924032
host.mem_used_percent \"\" {}
host.swap_used_bytes \"\" 0
host.load1 \"\" 5.83
host.load5 \"\" 6.69
host.load15 \"\" 4.19
host.process_count \"\" 103
fs.used_bytes \"/\" 29327515648
fs.size_bytes \"/\" 270553174016
fs.used_percent \"/\" {}",
        1482924032.0 * 100.0 / 25276510208.0,
        29327515648.0 * 100.0 / 97572749312.0,
    );
    let (head, temps) = got.split_at(want.len());
    assert_eq!(head, want);
    // 13 readings, 8 of them suspect (sentinels, above their critical limit, out of range).
    assert_eq!(
        temps,
        "
temp.celsius \"acpitz-acpi-0/temp1\" 27.8
temp.celsius \"it8728-isa-0a30/temp1\" 36
temp.celsius \"nct6798-isa-0290/AUXTIN2\" -1
temp.celsius \"nct6798-isa-0290/CPUTIN\" 37
temp.celsius \"nvme-pci-0400/Composite\" 86.85"
    );
}

#[test]
fn containers_with_stats_and_without() {
    let d = "docker/client-28.2/";
    let (mut cs, _) = containers::parse_ps(&read(&format!("{d}ps.jsonl")), Utc::now());
    let (stats, _) = containers::parse_stats(&read(&format!("{d}stats.jsonl")), Utc::now());
    containers::merge(&mut cs, stats);
    let got = render(&event(EventKind::ContainerStatsSampled { containers: cs }));
    // 13 containers, 9 with a `docker stats` line: the 4 stopped or created ones give nothing.
    let lines: Vec<_> = got.lines().collect();
    assert_eq!(lines.len(), 9 * 7);
    for stopped in ["stopped", "oomer", "created-only", "failer"] {
        assert!(!got.contains(&format!("\"{stopped}\"")), "{stopped}");
    }
    // graceful: `0.11%`, `696KiB / 23.54GiB`, `0B / 0B` network and block I/O, 2 PIDs.
    assert_eq!(
        lines[..7].join("\n"),
        "container.cpu_percent \"graceful\" 0.11
container.mem_bytes \"graceful\" 712704
container.net_rx_bytes \"graceful\" 0
container.net_tx_bytes \"graceful\" 0
container.block_read_bytes \"graceful\" 0
container.block_write_bytes \"graceful\" 0
container.pids \"graceful\" 2"
    );
    assert!(got.contains("container.cpu_percent \"healthy\" 1.9\n"));
}

#[test]
fn drives_skip_standby_and_name_instances_by_serial() {
    let parse =
        |f: &str| drives::parse_info(&read(&format!("smartctl/{f}")), Utc::now()).0.unwrap();
    let list = vec![
        parse("sata-hdd-healthy.json"),
        parse("nvme-healthy.json"),
        parse("sata-standby.json"),
    ];
    assert!(list[2].standby);
    let got = render(&event(EventKind::DriveHealthSampled { drives: list }));
    // The SATA disk has no NVMe figures, the NVMe one no ATA attributes, the sleeping one
    // nothing at all.
    assert_eq!(
        got,
        "drive.temperature_celsius \"WD-WCC7K4NL2XH8\" 36
drive.reallocated_sectors \"WD-WCC7K4NL2XH8\" 0
drive.pending_sectors \"WD-WCC7K4NL2XH8\" 0
drive.healthy \"WD-WCC7K4NL2XH8\" 1
drive.temperature_celsius \"S5GXNF0R712345A\" 41
drive.healthy \"S5GXNF0R712345A\" 1
drive.nvme_percentage_used \"S5GXNF0R712345A\" 3
drive.nvme_available_spare \"S5GXNF0R712345A\" 100
drive.nvme_media_errors \"S5GXNF0R712345A\" 0"
    );
}

#[test]
fn drive_instances_behind_a_controller_keep_their_type() {
    let d = crate::model::drives::Drive {
        device: "/dev/bus/0".into(),
        dev_type: Some("megaraid,3".into()),
        ..Default::default()
    };
    assert_eq!(drive_instance(&d), "/dev/bus/0|megaraid,3");
}

#[test]
fn pools_with_health_as_one_or_zero() {
    let z = "zfs/openzfs-2.1/";
    let output = format!(
        "@@version\n{}@@status\n{}@@list\n{}@@datasets\n{}@@snapshots\n{}@@arcstats\n{}",
        read(&format!("{z}zpool-version.txt")),
        read(&format!("{z}zpool-status-p-degraded.txt")),
        read(&format!("{z}zpool-list-Hp-degraded.txt")),
        read(&format!("{z}zfs-list-Hp-datasets.txt")),
        read(&format!("{z}zfs-list-Hp-snapshots.txt")),
        read(&format!("{z}arcstats.txt")),
    );
    let (sample, _) = zfs::parse_zfs(&sections::mark(&output, "n0nce"), "n0nce", Utc::now());
    let got = render(&event(EventKind::PoolStatusSampled { sample: sample.unwrap() }));
    // `backup` is DEGRADED, `tank` ONLINE.
    assert_eq!(
        got,
        "pool.size_bytes \"backup\" 3985729650688
pool.alloc_bytes \"backup\" 1228360646656
pool.capacity_percent \"backup\" 30
pool.healthy \"backup\" 0
pool.size_bytes \"tank\" 11995843657728
pool.alloc_bytes \"tank\" 4781304782848
pool.capacity_percent \"tank\" 39
pool.healthy \"tank\" 1"
    );
}

#[test]
fn non_finite_values_and_other_events_give_no_rows() {
    let sample = crate::model::metrics::MetricsSample {
        cpu_percent: Some(f64::NAN),
        load1: Some(f64::INFINITY),
        load5: Some(0.5),
        ..Default::default()
    };
    assert_eq!(render(&event(EventKind::MetricsSampled { sample })), "host.load5 \"\" 0.5");
    let online = EventKind::DeviceOnline { transport: "local".into() };
    assert!(rows(&event(online)).is_empty());
}
