//! Good → garbage → good through every probe: the bad poll is a `ProbeError::Output` and
//! changes nothing, so neither it nor the good poll after it reports a change; legitimately
//! empty outputs still make samples. And one log line per poll, however many warnings.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, TimeZone, Utc};

use super::arrays::ArraysProbe;
use super::containers::ContainersProbe;
use super::drives::DrivesProbe;
use super::metrics::MetricsProbe;
use super::services::ServicesProbe;
use super::updates::UpdatesProbe;
use super::vms::VmsProbe;
use super::zfs::ZfsProbe;
use super::{PollContext, Probe, ProbeError};
use crate::events::EventKind;
use crate::testing::{CountingSubscriber, Scripted};

fn fixture(path: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");
    std::fs::read_to_string(format!("{dir}{path}")).unwrap()
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 13, 0, 0).unwrap()
}

/// Random lines (control characters and binary-looking bytes included) in place of every
/// non-marker line: the shell's markers stay, the tools' output is garbage.
fn garble(output: &str, seed: u64) -> String {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = String::new();
    for line in output.lines() {
        if line.starts_with("@@") {
            out.push_str(line);
        } else {
            let len = rng.usize(1..80);
            out.extend((0..len).map(|_| rng.char('\u{1}'..'\u{2ff}')).filter(|c| *c != '\n'));
        }
        out.push('\n');
    }
    out
}

/// The first half of `output` (as if the connection dropped).
fn truncated(output: &str) -> String {
    let mut end = output.len() / 2;
    while !output.is_char_boundary(end) {
        end -= 1;
    }
    output[..end].to_string()
}

/// The change events of a poll (everything but the `…Sampled` samples), by type name.
fn changes(events: &[EventKind]) -> Vec<&'static str> {
    events.iter().map(EventKind::type_name).filter(|n| !n.ends_with("Sampled")).collect()
}

async fn poll(
    probe: &mut dyn Probe,
    t: &Scripted,
    secs: i64,
) -> Result<Vec<EventKind>, ProbeError> {
    let ctx = PollContext {
        transport: t,
        observed_at: at() + chrono::Duration::seconds(secs),
        sudo: false,
        command_timeout: std::time::Duration::from_secs(20),
    };
    probe.poll(&ctx).await
}

/// Polls good, bad, good (the script holds the replies in that order) and checks the bad
/// poll fails as unreadable output and the good one after it reports no change.
async fn good_bad_good(probe: &mut dyn Probe, t: &Scripted, what: &str) {
    let first = poll(probe, t, 0).await.unwrap_or_else(|e| panic!("{what}: first poll: {e}"));
    assert!(!first.is_empty(), "{what}");
    let err = poll(probe, t, 30).await.expect_err(what);
    assert!(matches!(err, ProbeError::Output { .. }), "{what}: {err}");
    let third = poll(probe, t, 60).await.unwrap_or_else(|e| panic!("{what}: third poll: {e}"));
    assert_eq!(changes(&third), Vec::<&str>::new(), "{what}");
    assert_eq!(t.unused(), 0, "{what}: every scripted reply used");
}

fn zfs_output() -> String {
    let f = |name: &str| fixture(&format!("zfs/openzfs-2.1/{name}"));
    format!(
        "@@version\n{}@@status\n{}@@list\n{}@@datasets\n{}@@snapshots\n{}@@arcstats\n{}",
        f("zpool-version.txt"),
        f("zpool-status-p-degraded.txt"),
        f("zpool-list-Hp-degraded.txt"),
        f("zfs-list-Hp-datasets.txt"),
        f("zfs-list-Hp-snapshots.txt"),
        f("arcstats.txt"),
    )
}

#[tokio::test]
async fn sectioned_probes_refuse_garbage_and_cut_output() {
    let metrics = fixture("metrics/metrics-1.txt");
    let mdstat =
        format!("@@mdstat\n{}", fixture("mdstat/linux-6.1/degraded-raid1-resync-raid5.txt"));
    let apt = fixture("updates/apt-debian12.txt");
    let zfs = zfs_output();
    // A cut-short output misses sections; an md or apt list cut short cannot be told from a
    // shorter one (the transport's end marker catches that).
    for (seed, bad) in [(1, None), (2, Some(truncated as fn(&str) -> String))] {
        let bad = |good: &str| bad.map_or_else(|| garble(good, seed), |f| f(good));
        let t = Scripted::default();
        for (name, out) in [("zfs", zfs.clone()), ("zfs", bad(&zfs)), ("zfs", zfs.clone())] {
            t.push(name, 0, out);
        }
        good_bad_good(&mut ZfsProbe::default(), &t, &format!("zfs {seed}")).await;

        let t = Scripted::default();
        for out in [metrics.clone(), bad(&metrics), fixture("metrics/metrics-2.txt")] {
            t.push("metrics", 0, out);
        }
        t.push("sensors", 127, "");
        good_bad_good(&mut MetricsProbe::default(), &t, &format!("metrics {seed}")).await;
    }
    for seed in [3, 4] {
        let bad = |good: &str| garble(good, seed);

        let t = Scripted::default();
        for out in [mdstat.clone(), bad(&mdstat), mdstat.clone()] {
            t.push("arrays", 0, out);
        }
        good_bad_good(&mut ArraysProbe::default(), &t, &format!("arrays {seed}")).await;

        let t = Scripted::default();
        for out in [apt.clone(), bad(&apt), apt.clone()] {
            t.push("upgradable", 0, out);
        }
        good_bad_good(&mut UpdatesProbe::default(), &t, &format!("updates {seed}")).await;
    }
}

#[tokio::test]
async fn metrics_after_garbage_are_computed_from_the_last_good_poll() {
    let t = Scripted::default();
    t.push("metrics", 0, fixture("metrics/metrics-1.txt"));
    t.push("sensors", 127, "");
    t.push("metrics", 0, garble(&fixture("metrics/metrics-1.txt"), 3));
    t.push("metrics", 0, fixture("metrics/metrics-2.txt"));
    let mut probe = MetricsProbe::default();
    poll(&mut probe, &t, 0).await.unwrap();
    poll(&mut probe, &t, 30).await.unwrap_err();
    let [EventKind::MetricsSampled { sample }] = &poll(&mut probe, &t, 60).await.unwrap()[..]
    else {
        panic!()
    };
    assert_eq!(sample.cpu_percent, Some(100.0), "against the first capture");
}

#[tokio::test]
async fn line_probes_refuse_garbage() {
    let ps = fixture("docker/client-28.2/ps.jsonl");
    let stats = fixture("docker/client-28.2/stats.jsonl");
    let inspect = fixture("docker/client-28.2/inspect.json");
    let t = Scripted::default();
    t.push("docker_ps", 0, ps.clone());
    t.push("docker_stats", 0, stats.clone());
    t.push("docker_inspect", 0, inspect.clone());
    t.push("docker_ps", 0, garble(&ps, 4));
    t.push("docker_ps", 0, ps.clone());
    t.push("docker_stats", 0, stats.clone());
    t.push("docker_inspect", 0, inspect.clone());
    good_bad_good(&mut ContainersProbe::default(), &t, "containers").await;

    let failed = fixture("systemd/failed-252.txt");
    let t = Scripted::default();
    for out in [failed.clone(), garble(&failed, 5), failed.clone()] {
        t.push("failed_units", 0, out);
    }
    good_bad_good(&mut ServicesProbe::default(), &t, "services").await;

    let (list, dominfo) =
        (fixture("virsh/libvirt-9.0/list-names.txt"), fixture("virsh/libvirt-9.0/dominfo.txt"));
    let t = Scripted::default();
    for (name, out) in [
        ("virsh_list", list.clone()),
        ("virsh_dominfo", dominfo.clone()),
        ("virsh_list", list.clone()),
        ("virsh_dominfo", garble(&dominfo, 6)),
        ("virsh_list", list.clone()),
        ("virsh_dominfo", dominfo.clone()),
    ] {
        t.push(name, 0, out);
    }
    good_bad_good(&mut VmsProbe::default(), &t, "vms dominfo").await;
    let t = Scripted::default();
    for (name, out) in [
        ("virsh_list", list.clone()),
        ("virsh_dominfo", dominfo.clone()),
        ("virsh_list", garble(&list, 7)),
        ("virsh_list", list.clone()),
        ("virsh_dominfo", dominfo.clone()),
    ] {
        t.push(name, 0, out);
    }
    good_bad_good(&mut VmsProbe::default(), &t, "vms list").await;
}

#[tokio::test]
async fn a_drive_with_garbage_output_does_not_vanish() {
    let scan = r#"{"devices": [{"name": "/dev/sda", "type": "sat"}, {"name": "/dev/sdb", "type": "sat"}]}"#;
    let (healthy, failing) =
        (fixture("smartctl/sata-hdd-healthy.json"), fixture("smartctl/sata-hdd-failing.json"));
    let t = Scripted::default();
    for (name, status, out) in [
        ("smartctl_scan", 0, scan.to_string()),
        ("smartctl_info", 0, healthy.clone()),
        ("smartctl_info", 8, failing.clone()),
        ("smartctl_scan", 0, scan.to_string()),
        ("smartctl_info", 0, healthy.clone()),
        ("smartctl_info", 8, garble(&failing, 8)),
        ("smartctl_scan", 0, scan.to_string()),
        ("smartctl_info", 0, healthy.clone()),
        ("smartctl_info", 8, failing.clone()),
    ] {
        t.push(name, status, out);
    }
    // One drive's garbage is that drive's error in a sample of both: the failing drive is
    // carried from its last good read, and neither that poll nor the next reports a change.
    let mut probe = DrivesProbe::default();
    poll(&mut probe, &t, 0).await.expect("first poll");
    let bad = poll(&mut probe, &t, 30).await.expect("a partial sample");
    assert_eq!(changes(&bad), Vec::<&str>::new());
    let EventKind::DriveHealthSampled { drives } = &bad[0] else { panic!("{bad:?}") };
    assert_eq!(drives.len(), 2, "the garbled drive did not vanish: {drives:?}");
    assert!(drives[0].error.is_none());
    assert!(
        drives[1].error.as_deref().is_some_and(|e| e.contains("not smartctl JSON")),
        "{drives:?}"
    );
    assert_eq!(drives[1].smart_passed, Some(false), "its last good values are kept");
    let third = poll(&mut probe, &t, 60).await.expect("third poll");
    assert_eq!(changes(&third), Vec::<&str>::new());
    assert_eq!(t.unused(), 0);
    let t = Scripted::default();
    for (name, out) in [
        ("smartctl_scan", scan.to_string()),
        ("smartctl_info", healthy.clone()),
        ("smartctl_info", healthy.clone()),
        ("smartctl_scan", garble(scan, 9)),
        ("smartctl_scan", scan.to_string()),
        ("smartctl_info", healthy.clone()),
        ("smartctl_info", healthy.clone()),
    ] {
        t.push(name, 0, out);
    }
    good_bad_good(&mut DrivesProbe::default(), &t, "drives scan").await;
}

#[tokio::test]
async fn empty_outputs_are_still_samples() {
    let t = Scripted::default();
    t.push("docker_ps", 0, "");
    t.push("failed_units", 0, "");
    t.push("upgradable", 0, "@@apt\nListing...\n");
    t.push("arrays", 0, "");
    t.push("virsh_list", 0, "\n");
    t.push(
        "zfs",
        0,
        "@@version\n@@status\nno pools available\n@@list\n@@datasets\n@@snapshots\n@@arcstats\n",
    );
    t.push("smartctl_scan", 0, r#"{"json_format_version": [1, 0]}"#);
    let probes: Vec<Box<dyn Probe>> = vec![
        Box::new(ContainersProbe::default()),
        Box::new(ServicesProbe::default()),
        Box::new(UpdatesProbe::default()),
        Box::new(ArraysProbe::default()),
        Box::new(VmsProbe::default()),
        Box::new(ZfsProbe::default()),
        Box::new(DrivesProbe::default()),
    ];
    for mut probe in probes {
        let events =
            poll(probe.as_mut(), &t, 0).await.unwrap_or_else(|e| panic!("{}: {e}", probe.name()));
        assert_eq!(events.len(), 1, "{}: {events:?}", probe.name());
    }
    assert_eq!(t.unused(), 0);
}

/// Counts what the probe logs while it polls (on this thread only).
async fn log_lines(
    probe: &mut dyn Probe,
    t: &Scripted,
) -> (usize, Result<Vec<EventKind>, ProbeError>) {
    let count = Arc::new(AtomicUsize::new(0));
    let _guard = tracing::subscriber::set_default(CountingSubscriber { events: count.clone() });
    let result = poll(probe, t, 0).await;
    (count.load(Ordering::SeqCst), result)
}

#[tokio::test]
async fn thousands_of_warnings_make_one_log_line_per_poll() {
    let good = fixture("systemd/failed-252.txt");
    let hostile = good.repeat(2001) + &"@@list\n".repeat(2000);
    let t = Scripted::default();
    t.push("failed_units", 0, hostile.clone());
    t.push("failed_units", 0, hostile + &"x\n".repeat(100_000));
    let mut probe = ServicesProbe::default();
    let (lines, result) = log_lines(&mut probe, &t).await;
    assert!(result.is_ok());
    assert_eq!(lines, 1, "2000 warnings");
    let (lines, result) = log_lines(&mut probe, &t).await;
    assert!(matches!(result, Err(ProbeError::Output { .. })));
    assert_eq!(lines, 1, "102000 warnings");

    // Several commands of one poll, each with bad lines: still one line.
    let ps = fixture("docker/client-28.2/ps.jsonl") + "{\"ID\": 5}\n";
    let t = Scripted::default();
    t.push("docker_ps", 0, ps);
    t.push("docker_stats", 0, fixture("docker/client-28.2/stats.jsonl") + "garbage\n");
    t.push("docker_inspect", 0, r#"[{"Id": 5}, {"Id": "x"}]"#);
    let (lines, result) = log_lines(&mut ContainersProbe::default(), &t).await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(lines, 1);
}

#[test]
fn device_data_cannot_start_a_section() {
    let good = super::sections::mark(&zfs_output(), "n0nce");
    let (Ok(before), _) = super::zfs::parse_zfs(&good, "n0nce", at()) else { panic!() };
    // A dataset line `@@list` (and one with another nonce) right after the datasets marker:
    // without the nonce it would have started a `list` section holding the datasets.
    let spoofed = good.replace("@@n0nce:datasets\n", "@@n0nce:datasets\n@@list\n@@f00:snapshots\n");
    let (Ok(after), warnings) = super::zfs::parse_zfs(&spoofed, "n0nce", at()) else { panic!() };
    assert_eq!(after.datasets, before.datasets);
    assert_eq!(after.pools, before.pools);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

#[tokio::test]
async fn a_vm_whose_dominfo_fails_is_an_error_in_a_sample_of_the_others() {
    let (list, dominfo) =
        (fixture("virsh/libvirt-9.0/list-names.txt"), fixture("virsh/libvirt-9.0/dominfo.txt"));
    // libvirt cannot answer for one domain this time: its section holds virsh's error.
    let failing: Vec<String> = dominfo
        .split("@@vm\n")
        .filter(|s| !s.is_empty())
        .map(|s| match s.contains("db01") {
            true => "@@vm\nerror: failed to get domain 'db01'\n".to_string(),
            false => format!("@@vm\n{s}"),
        })
        .collect();
    let t = Scripted::default();
    for out in [dominfo.clone(), failing.concat(), dominfo.clone()] {
        t.push("virsh_list", 0, list.clone());
        t.push("virsh_dominfo", 0, out);
    }
    let mut probe = VmsProbe::default();
    poll(&mut probe, &t, 0).await.expect("first poll");
    let bad = poll(&mut probe, &t, 30).await.expect("a partial sample");
    assert_eq!(changes(&bad), Vec::<&str>::new(), "db01 neither vanished nor changed");
    let EventKind::VmsSampled { vms } = &bad[0] else { panic!("{bad:?}") };
    let db01 = vms.iter().find(|v| v.name == "db01").expect("db01 still in the sample");
    assert!(db01.error.is_some() && db01.state == "shut off", "{db01:?}");
    assert_eq!(vms.iter().filter(|v| v.error.is_none()).count(), 3);
    let good = poll(&mut probe, &t, 60).await.expect("third poll");
    assert_eq!(changes(&good), Vec::<&str>::new());
    assert_eq!(t.unused(), 0);
}
