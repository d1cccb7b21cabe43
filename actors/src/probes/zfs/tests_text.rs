//! Tests for the older `zpool status` forms (the ` scrub:` line, the `errors:` variants), for
//! vdev order in `zpool status -j`, and for hostile names through every ZFS parser.

use chrono::{DateTime, TimeZone, Utc};

use super::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/zfs/");

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 13, 45, 0).unwrap()
}

/// A test output completed with the always-printed sections it lacks (empty ones: no
/// datasets, snapshots or ARC figures), so the parser judges only what the test is about.
fn whole(body: &str) -> String {
    let mut out = body.to_string();
    for name in ["version", "list", "datasets", "snapshots", "arcstats"] {
        if !out.contains(&format!("@@{name}\n")) {
            let version = if name == "version" { "zfs-2.1.11\n" } else { "" };
            out.push_str(&format!("@@{name}\n{version}"));
        }
    }
    out
}

fn legacy(file: &str) -> ZfsSample {
    let text = std::fs::read_to_string(format!("{DIR}legacy-scrub/{file}")).unwrap();
    let (sample, warnings) = parse_zfs(
        &crate::probes::sections::mark(&whole(&format!("@@status\n{text}")), "n0nce"),
        "n0nce",
        at(),
    );
    assert_eq!(warnings, vec![]);
    sample.unwrap()
}

fn opt<T: ToString>(o: &Option<T>) -> String {
    o.as_ref().map_or_else(|| "-".into(), T::to_string)
}

/// `pool health data_errors | scan kind state percent errors finished`.
fn render(s: &ZfsSample) -> Vec<String> {
    s.pools
        .iter()
        .map(|p| {
            let scan = p.scan.as_ref().map_or("no scan".to_string(), |s| {
                format!(
                    "{} {} {}% errors={} finished={}",
                    s.kind,
                    s.state,
                    opt(&s.percent_done),
                    opt(&s.errors),
                    opt(&s.finished_at)
                )
            });
            format!("{} {} data_errors={} | {scan}", p.name, p.health, opt(&p.data_errors))
        })
        .collect()
}

#[test]
fn legacy_scrub_lines_give_a_scan_state() {
    assert_eq!(
        render(&legacy("zpool-status-none-requested.txt")),
        ["tank ONLINE data_errors=0 | none none -% errors=- finished=-"]
    );
    let s = legacy("zpool-status-scrub-completed-resilvering.txt");
    assert_eq!(
        render(&s),
        [
            "backup DEGRADED data_errors=0 | resilver in_progress 4.61% errors=- finished=-",
            "tank ONLINE data_errors=0 | scrub finished -% errors=0 finished=Mon Nov 23 10:02:11 2026",
        ]
    );
    let tree: Vec<String> = s.pools[0]
        .vdevs
        .iter()
        .map(|v| format!("{}{} {}", " ".repeat(v.depth as usize), v.name, v.state))
        .collect();
    assert_eq!(
        tree,
        [
            "backup DEGRADED",
            " mirror DEGRADED",
            "  sdd ONLINE",
            "  replacing DEGRADED",
            "   sde/old FAULTED",
            "   sdf ONLINE"
        ]
    );
    // A never-scrubbed pool whose first scrub finished between two polls: news.
    let before = legacy("zpool-status-none-requested.txt");
    let mut after = s.clone();
    after.pools.retain(|p| p.name == "tank");
    let events: Vec<&str> = diff(&before, &after).iter().map(|e| e.type_name()).collect();
    assert_eq!(events, ["ScrubFinished"]);
}

#[test]
fn errors_line_variants_give_a_count() {
    let stopped =
        "tank ONLINE data_errors=3 | scrub canceled -% errors=2 finished=Mon Nov 23 11:15:40 2026";
    assert_eq!(render(&legacy("zpool-status-v-permanent-errors.txt")), [stopped]);
    assert_eq!(render(&legacy("zpool-status-data-errors.txt")), [stopped]);
    // The file list may be cut short: the header alone says there is at least one.
    let cut = "@@status\n  pool: tank\n state: ONLINE\nerrors: Permanent errors have been detected in the following files:\n";
    assert_eq!(
        parse_zfs(&crate::probes::sections::mark(&whole(cut), "n0nce"), "n0nce", at())
            .0
            .unwrap()
            .pools[0]
            .data_errors,
        Some(1)
    );
}

#[test]
fn scan_line_forms() {
    let check = |line: &str, expected: &str| {
        let s = text::parse_scan(line).map(|s| {
            format!(
                "{} {} {}% errors={} started={} finished={}",
                s.kind,
                s.state,
                opt(&s.percent_done),
                opt(&s.errors),
                opt(&s.started_at),
                opt(&s.finished_at)
            )
        });
        assert_eq!(opt(&s), expected, "{line}");
    };
    check("none requested", "none none -% errors=- started=- finished=-");
    check(
        "scrub in progress for 0h1m, 12.34% done, 0h5m to go",
        "scrub in_progress 12.34% errors=- started=- finished=-",
    );
    check(
        "resilver completed after 0h0m with 0 errors on Thu Mar  6 10:11:12 2008",
        "resilver finished -% errors=0 started=- finished=Thu Mar  6 10:11:12 2008",
    );
    check(
        "scrub completed with 1 errors on Thu Mar  6 10:11:12 2008",
        "scrub finished -% errors=1 started=- finished=Thu Mar  6 10:11:12 2008",
    );
    check(
        "resilver (draid1:3d:5c:1s-0) in progress since Mon Nov 23 11:02:15 2026\n1.2T scanned, 300G issued, 1.2T total\n300G resilvered, 25.00% done, 01:00:00 to go",
        "resilver in_progress 25% errors=- started=Mon Nov 23 11:02:15 2026 finished=-",
    );
    check(
        "resilvered (draid1:3d:5c:1s-0) 1.2T in 01:20:00 with 0 errors on Mon Nov 23 12:22:15 2026",
        "resilver finished -% errors=0 started=- finished=Mon Nov 23 12:22:15 2026",
    );
    check(
        "scrub in progress since X\n1 scanned, 250.00% done",
        "scrub in_progress -% errors=- started=X finished=-",
    );
    check("scrub fell over", "-");
}

/// `zpool status -j` prints vdevs in configuration order; they must come out so, not sorted.
#[test]
fn json_keeps_vdev_order() {
    let json = r#"{"pools":{"tank":{"name":"tank","state":"ONLINE","vdevs":{"tank":{"name":"tank","vdevs":{
        "raidz1-1":{"name":"raidz1-1","state":"ONLINE","vdevs":{"sdz":{"name":"sdz","state":"ONLINE"},"sda":{"name":"sda","state":"ONLINE"}}},
        "raidz1-0":{"name":"raidz1-0","state":"ONLINE"}}}},
        "logs":{"mirror-2":{"name":"mirror-2","state":"ONLINE"}}},
        "alpha":{"name":"alpha","state":"ONLINE"}}}"#;
    let (s, w) = parse_zfs(
        &crate::probes::sections::mark(
            &whole(&format!("@@version\nzfs-2.3.0\n@@status-json\n{json}\n")),
            "n0nce",
        ),
        "n0nce",
        at(),
    );
    assert_eq!(w, vec![]);
    let s = s.unwrap();
    assert_eq!(s.pools.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["tank", "alpha"]);
    let names: Vec<&str> = s.pools[0].vdevs.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["tank", "raidz1-1", "sdz", "sda", "raidz1-0", "mirror-2"]);
}

#[test]
fn hostile_names_are_refused_in_every_zfs_parser() {
    let long = "p".repeat(5 << 20);
    let text = format!(
        "@@version\nzfs-2.1.11\n@@status\n  pool: ta\u{0}nk\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\tx ONLINE 0 0 0\n\n\
         \x20 pool: ok\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\tok ONLINE 0 0 0\n\t  s\u{1b}db ONLINE 0 0 0\n\t  {long} ONLINE 0 0 0\n\t  sdc ONLINE 0 0 0\n\
         @@list\nb\u{7}ad\t1\t1\t0\t0\t0\tONLINE\nok\t10\t5\t5\t3000\t50\tONLINE\n\
         @@datasets\nok/a\u{0}b\t1\t1\t1\t/x\nok/fine\t1\t1\t1\t/mnt/\u{1b}x\n\
         @@snapshots\nok/\u{0}@s\t100\nok@s\t100\n"
    );
    let (s, warnings) =
        parse_zfs(&crate::probes::sections::mark(&whole(&text), "n0nce"), "n0nce", at());
    let s = s.unwrap();
    assert_eq!(s.pools.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["ok"]);
    let ok = &s.pools[0];
    assert_eq!(ok.vdevs.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["ok", "sdc"]);
    assert_eq!(
        (ok.size_bytes, ok.fragmentation_percent, ok.capacity_percent),
        (Some(10), None, Some(50))
    );
    assert_eq!(
        s.datasets.iter().map(|d| (d.name.as_str(), d.mountpoint.clone())).collect::<Vec<_>>(),
        [("ok/fine", None)]
    );
    assert_eq!(s.snapshots.iter().map(|x| x.dataset.as_str()).collect::<Vec<_>>(), ["ok"]);
    assert_eq!(warnings.len(), 6, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.message.len() < 300), "{warnings:?}");
    let json = format!(
        r#"{{"pools":{{"a\u0000":{{"state":"ONLINE"}},"ok":{{"vdevs":{{"ok":{{"vdevs":{{"{long}":{{}},"sdb":{{}}}}}}}}}}}}}}"#
    );
    let (pools, warnings) = json::parse_status_json(&json, 1);
    assert_eq!(pools.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["ok"]);
    assert_eq!(pools[0].vdevs.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["ok", "sdb"]);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}
