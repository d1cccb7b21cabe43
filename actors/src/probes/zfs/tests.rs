//! Fixture tests for the ZFS probe: OpenZFS 2.1 text and 2.3 JSON, reproduced from the
//! documented formats (see `tests/fixtures/zfs/VERSION.md`).

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::events::EventKind;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/zfs/");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}{name}")).unwrap()
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 13, 45, 0).unwrap()
}

/// Parses a fixture written with `@@<name>` markers, as printed with a nonce.
fn marked(input: &str) -> (Result<ZfsSample, String>, Vec<crate::probes::Warning>) {
    parse_zfs(&crate::probes::sections::mark(input, "n0nce"), "n0nce", at())
}

/// The `zfs` command's output for one poll: `status` is a fixture of `openzfs-2.1/`
/// (`zpool-status-p-<status>.txt`) or `openzfs-2.3/` (`zpool-status-j-<status>.json`).
fn output(version: &str, status: &str, list: &str) -> String {
    let (marker, file) = if version == "2.3" {
        ("status-json", format!("openzfs-2.3/zpool-status-j-{status}.json"))
    } else {
        ("status", format!("openzfs-2.1/zpool-status-p-{status}.txt"))
    };
    format!(
        "@@version\n{}@@{marker}\n{}@@list\n{}@@datasets\n{}@@snapshots\n{}@@arcstats\n{}",
        read(&format!("openzfs-{version}/zpool-version.txt")),
        read(&file),
        read(&format!("openzfs-2.1/zpool-list-Hp-{list}.txt")),
        read("openzfs-2.1/zfs-list-Hp-datasets.txt"),
        read("openzfs-2.1/zfs-list-Hp-snapshots.txt"),
        read("openzfs-2.1/arcstats.txt"),
    )
}

fn sample(version: &str, status: &str, list: &str) -> ZfsSample {
    let (sample, warnings) = marked(&output(version, status, list));
    assert_eq!(warnings, vec![]);
    sample.expect("a sample")
}

fn opt<T: ToString>(o: &Option<T>) -> String {
    o.as_ref().map_or_else(|| "-".into(), T::to_string)
}

/// Pools (one line each, then scan and vdev lines), without datasets/snapshots/ARC.
fn render_pools(s: &ZfsSample) -> String {
    let mut out = Vec::new();
    for p in &s.pools {
        out.push(format!(
            "pool {} {} size={} alloc={} free={} frag={} cap={} data_errors={} status={}",
            p.name,
            p.health,
            opt(&p.size_bytes),
            opt(&p.alloc_bytes),
            opt(&p.free_bytes),
            opt(&p.fragmentation_percent),
            opt(&p.capacity_percent),
            opt(&p.data_errors),
            opt(&p.status).chars().take(40).collect::<String>(),
        ));
        if let Some(scan) = &p.scan {
            out.push(format!(
                "  scan {} {} {}% errors={} started={} finished={}",
                scan.kind,
                scan.state,
                opt(&scan.percent_done),
                opt(&scan.errors),
                opt(&scan.started_at),
                opt(&scan.finished_at),
            ));
        }
        for v in &p.vdevs {
            out.push(format!(
                "  {}{} {} {}/{}/{}{}{}",
                "  ".repeat(v.depth as usize),
                v.name,
                v.state,
                v.read_errors,
                v.write_errors,
                v.checksum_errors,
                v.group.as_ref().map(|g| format!(" [{g}]")).unwrap_or_default(),
                v.note.as_ref().map(|n| format!(" note={n}")).unwrap_or_default(),
            ));
        }
    }
    out.join("\n")
}

fn check(version: &str, status: &str, list: &str, expected: &str) {
    let actual = render_pools(&sample(version, status, list));
    assert!(actual == expected.trim(), "actual:\n{actual}\n");
}

const TANK_TREE: &str = "
  tank ONLINE 0/0/0
    raidz1-0 ONLINE 0/0/0
      ata-WDC_WD40EFZX-68AWUN0_WD-CA0K1A2B ONLINE 0/0/0
      ata-WDC_WD40EFZX-68AWUN0_WD-CA0K3C4D ONLINE 0/0/0
      ata-WDC_WD40EFZX-68AWUN0_WD-CA0K5E6F ONLINE 0/0/0";

#[test]
fn text_2_1_healthy() {
    let expected = "
pool backup ONLINE size=3985729650688 alloc=1228360646656 free=2757369004032 frag=3 cap=30 data_errors=0 status=-
  scan scrub finished -% errors=0 started=- finished=Sun Nov 22 00:41:10 2026
  backup ONLINE 0/0/0
    mirror-0 ONLINE 0/0/0
      sdd ONLINE 0/0/0
      sde ONLINE 0/0/0
pool tank ONLINE size=11995843657728 alloc=4781304782848 free=7214538874880 frag=12 cap=39 data_errors=0 status=-
  scan scrub finished -% errors=0 started=- finished=Sun Nov 22 03:36:45 2026";
    check("2.1", "healthy", "healthy", &(expected.to_string() + TANK_TREE));
}

#[test]
fn text_2_1_degraded_mirror_with_a_missing_device() {
    let expected = "
pool backup DEGRADED size=3985729650688 alloc=1228360646656 free=2757369004032 frag=3 cap=30 data_errors=0 status=One or more devices could not be used be
  scan scrub finished -% errors=0 started=- finished=Sun Nov 22 00:41:10 2026
  backup DEGRADED 0/0/0
    mirror-0 DEGRADED 0/0/0
      sdd ONLINE 0/0/0
      16502953304367045321 UNAVAIL 0/0/0 note=was /dev/sde1
pool tank ONLINE size=11995843657728 alloc=4781304782848 free=7214538874880 frag=12 cap=39 data_errors=0 status=-
  scan scrub finished -% errors=0 started=- finished=Sun Nov 22 03:36:45 2026";
    check("2.1", "degraded", "degraded", &(expected.to_string() + TANK_TREE));
}

#[test]
fn text_2_1_scrub_in_progress() {
    let expected = "
pool backup ONLINE size=3985729650688 alloc=1228360646656 free=2757369004032 frag=3 cap=30 data_errors=0 status=-
  scan scrub finished -% errors=0 started=- finished=Sun Nov 22 00:41:10 2026
  backup ONLINE 0/0/0
    mirror-0 ONLINE 0/0/0
      sdd ONLINE 0/0/0
      sde ONLINE 0/0/0
pool tank ONLINE size=11995843657728 alloc=4781304782848 free=7214538874880 frag=12 cap=39 data_errors=0 status=-
  scan scrub in_progress 37.24% errors=- started=Mon Nov 23 12:10:01 2026 finished=-";
    check("2.1", "scrubbing", "healthy", &(expected.to_string() + TANK_TREE));
}

#[test]
fn text_2_1_resilvering() {
    let expected = "
pool backup DEGRADED size=3985729650688 alloc=1228360646656 free=2757369004032 frag=3 cap=30 data_errors=0 status=One or more devices is currently being r
  scan resilver in_progress 23.37% errors=- started=Mon Nov 23 11:02:15 2026 finished=-
  backup DEGRADED 0/0/0
    mirror-0 DEGRADED 0/0/0
      sdd ONLINE 0/0/0
      replacing-1 DEGRADED 0/0/0
        16502953304367045321 UNAVAIL 0/0/0 note=was /dev/sde1/old
        sdf ONLINE 0/0/0 note=(resilvering)
pool tank ONLINE size=11995843657728 alloc=4781304782848 free=7214538874880 frag=12 cap=39 data_errors=0 status=-
  scan scrub finished -% errors=0 started=- finished=Sun Nov 22 03:36:45 2026";
    check("2.1", "resilvering", "degraded", &(expected.to_string() + TANK_TREE));
}

const TANK_DONE_23: &str = "
pool tank ONLINE size=11995843657728 alloc=4781304782848 free=7214538874880 frag=12 cap=39 data_errors=0 status=-
  scan scrub finished -% errors=0 started=2026-11-22T00:22:44+00:00 finished=2026-11-22T03:36:45+00:00";

const BACKUP_OK_23: &str = "
pool backup ONLINE size=3985729650688 alloc=1228360646656 free=2757369004032 frag=3 cap=30 data_errors=0 status=-
  scan scrub finished -% errors=0 started=2026-11-22T00:00:00+00:00 finished=2026-11-22T00:41:10+00:00
  backup ONLINE 0/0/0
    mirror-0 ONLINE 0/0/0
      sdd ONLINE 0/0/0
      sde ONLINE 0/0/0";

#[test]
fn json_2_3_healthy() {
    check("2.3", "healthy", "healthy", &[BACKUP_OK_23, TANK_DONE_23, TANK_TREE].concat());
    assert!(sample("2.3", "healthy", "healthy").json_status);
}

/// Vdevs come in the order `zpool` printed them (as in the text output), not in name order.
#[test]
fn json_2_3_degraded_mirror_with_a_missing_device() {
    let backup = "
pool backup DEGRADED size=3985729650688 alloc=1228360646656 free=2757369004032 frag=3 cap=30 data_errors=0 status=MISSING_DEV_R
  scan scrub finished -% errors=0 started=2026-11-22T00:00:00+00:00 finished=2026-11-22T00:41:10+00:00
  backup DEGRADED 0/0/0
    mirror-0 DEGRADED 0/0/0
      sdd ONLINE 0/0/0
      16502953304367045321 UNAVAIL 0/0/0";
    check("2.3", "degraded", "degraded", &[backup, TANK_DONE_23, TANK_TREE].concat());
}

#[test]
fn json_2_3_scrub_in_progress() {
    let tank = "
pool tank ONLINE size=11995843657728 alloc=4781304782848 free=7214538874880 frag=12 cap=39 data_errors=0 status=-
  scan scrub in_progress 37.25% errors=- started=2026-11-23T12:10:01+00:00 finished=-";
    check("2.3", "scrubbing", "healthy", &[BACKUP_OK_23, tank, TANK_TREE].concat());
}

#[test]
fn datasets_snapshots_arc_and_version() {
    let s = sample("2.1", "healthy", "healthy");
    assert_eq!(s.version.as_deref(), Some("zfs-2.1.11-1"));
    assert!(!s.json_status);
    let datasets: Vec<String> = s
        .datasets
        .iter()
        .map(|d| {
            format!(
                "{} {} {} {}",
                d.name,
                opt(&d.used_bytes),
                opt(&d.avail_bytes),
                opt(&d.mountpoint)
            )
        })
        .collect();
    assert_eq!(
        datasets,
        [
            "backup 1228360515584 2634378674176 /backup",
            "backup/tower 1228359999488 2634378674176 /backup/tower",
            "tank 3187536521216 4532110000128 /tank",
            "tank/media 2949141098496 4532110000128 /tank/media",
            "tank/vm 214748364800 4707603345408 -",
            "tank/docker 23646924800 4532110000128 legacy",
        ]
    );
    let snaps: Vec<String> = s
        .snapshots
        .iter()
        .map(|x| {
            format!(
                "{} {} {} {} {}",
                x.dataset,
                x.count,
                opt(&x.newest_name),
                opt(&x.newest_created_at),
                opt(&x.newest_age_secs)
            )
        })
        .collect();
    assert_eq!(
        snaps,
        [
            "backup/tower 2 autosnap_2026-11-22_00:00:01_daily 2026-11-22 00:00:01 UTC 135899",
            "tank/media 3 autosnap_2026-11-23_13:00:01_hourly 2026-11-23 13:00:01 UTC 2699",
        ]
    );
    let arc = s.arc.expect("arc stats");
    assert_eq!(
        (arc.size_bytes, arc.max_bytes, arc.hits, arc.misses, arc.hit_ratio_percent),
        (Some(8221092464), Some(8338251776), Some(1139435284), Some(9128417), Some(99.21))
    );
}

fn kinds(events: &[EventKind]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            EventKind::PoolStateChanged { pool, previous, current } => {
                format!("PoolStateChanged {pool} {} -> {}", opt(previous), opt(current))
            }
            EventKind::ScrubFinished { pool, errors, finished_at } => {
                format!("ScrubFinished {pool} errors={} at={}", opt(errors), opt(finished_at))
            }
            EventKind::ResilverFinished { pool, errors, finished_at } => {
                format!("ResilverFinished {pool} errors={} at={}", opt(errors), opt(finished_at))
            }
            other => other.type_name().to_string(),
        })
        .collect()
}

fn changes(from: (&str, &str, &str), to: (&str, &str, &str)) -> Vec<String> {
    kinds(&diff(&sample(from.0, from.1, from.2), &sample(to.0, to.1, to.2)))
}

#[test]
fn diff_pool_state_and_scans() {
    let healthy = ("2.1", "healthy", "healthy");
    let degraded = ("2.1", "degraded", "degraded");
    assert_eq!(changes(healthy, healthy), Vec::<String>::new());
    assert_eq!(changes(degraded, ("2.1", "resilvering", "degraded")), Vec::<String>::new());
    assert_eq!(changes(healthy, degraded), ["PoolStateChanged backup ONLINE -> DEGRADED"]);
    assert_eq!(changes(degraded, degraded), Vec::<String>::new());
    assert_eq!(
        changes(("2.1", "resilvering", "degraded"), ("2.1", "resilvered", "healthy")),
        [
            "PoolStateChanged backup DEGRADED -> ONLINE",
            "ResilverFinished backup errors=0 at=Mon Nov 23 11:25:56 2026",
        ]
    );
    assert_eq!(
        changes(("2.1", "scrubbing", "healthy"), ("2.1", "scrubbed", "healthy")),
        ["ScrubFinished tank errors=0 at=Mon Nov 23 13:40:00 2026"]
    );
    // A scrub that started and finished between two polls: only the end time changed.
    assert_eq!(
        changes(healthy, ("2.1", "scrubbed", "healthy")),
        ["ScrubFinished tank errors=0 at=Mon Nov 23 13:40:00 2026"]
    );
    let (h23, d23) = (("2.3", "healthy", "healthy"), ("2.3", "degraded", "degraded"));
    assert_eq!(changes(h23, d23), ["PoolStateChanged backup ONLINE -> DEGRADED"]);
    assert_eq!(
        changes(("2.3", "scrubbing", "healthy"), h23),
        ["ScrubFinished tank errors=0 at=2026-11-22T03:36:45+00:00"]
    );
    // The same finished scrub seen through the other status format (a failed `-j` once).
    assert_eq!(changes(h23, healthy).iter().filter(|c| c.starts_with("ScrubFinished")).count(), 0);
    assert_eq!(changes(healthy, h23).iter().filter(|c| c.starts_with("ScrubFinished")).count(), 0);
    // A pool seen without scan information before: its old result is not news.
    let mut no_scan = sample("2.1", "healthy", "healthy");
    for p in &mut no_scan.pools {
        p.scan = None;
    }
    assert_eq!(kinds(&diff(&no_scan, &sample("2.1", "healthy", "healthy"))), Vec::<String>::new());
    let mut gone = sample("2.1", "healthy", "healthy");
    gone.pools.retain(|p| p.name != "backup");
    assert_eq!(
        kinds(&diff(&sample("2.1", "healthy", "healthy"), &gone)),
        ["PoolStateChanged backup ONLINE -> -"]
    );
}

#[test]
fn no_pools_and_unknown_output() {
    let (s, w) = marked(
        "@@version\n@@status\nno pools available\n@@list\n@@datasets\n@@snapshots\n@@arcstats\n",
    );
    assert_eq!((s.map(|s| s.pools.len()), w), (Ok(0), vec![]));
    assert_eq!(
        marked("zpool: command not found\n").0,
        Err("no `version` section (output cut short?)".into())
    );
    let (_, w) = marked("@@list\nbroken line\n");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].line, Some(2));
}

#[test]
fn never_panics() {
    let mut inputs: Vec<String> = Vec::new();
    for (v, st, l) in [("2.1", "resilvering", "degraded"), ("2.3", "degraded", "degraded")] {
        inputs.push(output(v, st, l));
    }
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..200 {
        let len = rng.usize(0..400);
        let bytes: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
        inputs.push(String::from_utf8_lossy(&bytes).into_owned());
    }
    for input in &inputs {
        for end in (0..=input.len()).filter(|i| input.is_char_boundary(*i)) {
            let _ = marked(&input[..end]);
        }
    }
    // Huge inputs, parsed whole.
    let _ = marked(&("@@status\n".to_string() + &"\t  x ONLINE 1 2 3 4\n".repeat(50_000)));
    let _ = marked(&("@@status-json\n".to_string() + &"[".repeat(100_000)));
    let _ = marked(&"@@snapshots\nd@s\t1\n".repeat(50_000));
}
