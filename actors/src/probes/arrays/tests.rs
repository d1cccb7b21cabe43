//! Fixture tests for the arrays probe: `/proc/mdstat` (Linux 6.1 format) and Unraid 6.12
//! `var.ini` / `disks.ini`, reproduced from their documented formats.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::events::EventKind;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}{name}")).unwrap()
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 13, 45, 0).unwrap()
}

/// Parses a fixture written with `@@<name>` markers, as printed with a nonce.
fn marked(input: &str) -> (Result<ArraysSample, String>, Vec<crate::probes::Warning>) {
    parse_arrays(&crate::probes::sections::mark(input, "n0nce"), "n0nce", at())
}

fn md(file: &str) -> String {
    format!("@@mdstat\n{}", read(&format!("mdstat/linux-6.1/{file}")))
}

fn unraid(var: &str, disks: &str) -> String {
    format!(
        "@@unraid-var\n{}@@unraid-disks\n{}",
        read(&format!("unraid/6.12/{var}")),
        read(&format!("unraid/6.12/{disks}"))
    )
}

fn sample(output: &str) -> ArraysSample {
    let (sample, warnings) = marked(output);
    assert_eq!(warnings, vec![]);
    sample.expect("a usable sample")
}

fn opt<T: ToString>(o: &Option<T>) -> String {
    o.as_ref().map_or_else(|| "-".into(), T::to_string)
}

/// One line per md array and member summary; Unraid array then one line per disk.
fn render(s: &ArraysSample) -> String {
    let mut out = Vec::new();
    for a in &s.md {
        let members: Vec<String> = a
            .members
            .iter()
            .map(|m| format!("{}[{}]{}", m.device, opt(&m.index), m.flags))
            .collect();
        let sync = a.sync.as_ref().map(|s| {
            format!(
                " {} {}% finish={} speed={}",
                s.action,
                opt(&s.percent),
                opt(&s.finish_minutes),
                opt(&s.speed_kib_s)
            )
        });
        out.push(format!(
            "{} active={} {} blocks={} [{}/{}] [{}] degraded={} {}{}",
            a.name,
            a.active,
            opt(&a.level),
            opt(&a.blocks),
            opt(&a.raid_disks),
            opt(&a.working_disks),
            opt(&a.slots),
            a.degraded,
            members.join(","),
            sync.unwrap_or_default(),
        ));
    }
    if let Some(u) = &s.unraid {
        out.push(format!(
            "unraid {} degraded={} disabled={} sync={} {}% last={}..{} errors={} exit={}",
            u.state,
            u.degraded,
            u.disabled,
            opt(&u.sync_action),
            opt(&u.sync_percent),
            opt(&u.last_sync_started),
            opt(&u.last_sync_finished),
            opt(&u.last_sync_errors),
            opt(&u.last_sync_exit),
        ));
        for d in &u.disks {
            out.push(format!(
                "  {} {} {} {} temp={} errors={}",
                d.name,
                opt(&d.device),
                d.status,
                opt(&d.kind),
                opt(&d.temp_c),
                opt(&d.num_errors)
            ));
        }
    }
    out.join("\n")
}

fn check(output: &str, expected: &str) {
    let actual = render(&sample(output));
    assert!(actual == expected.trim(), "actual:\n{actual}\n");
}

#[test]
fn mdstat_healthy() {
    check(
        &md("healthy.txt"),
        "
md0 active=true raid1 blocks=976630464 [2/2] [UU] degraded=false sdb1[1],sda1[0]
md1 active=true raid5 blocks=5860147200 [4/4] [UUUU] degraded=false sdf1[4],sde1[2],sdd1[1],sdc1[0]",
    );
}

#[test]
fn mdstat_degraded_raid1_and_resyncing_raid5() {
    check(
        &md("degraded-raid1-resync-raid5.txt"),
        "
md0 active=true raid1 blocks=976630464 [2/1] [U_] degraded=true sda1[0],sdb1[1]F
md1 active=true raid5 blocks=5860147200 [4/4] [UUUU] degraded=false sdf1[4],sde1[2],sdd1[1],sdc1[0] resync 21.3% finish=131.7 speed=194475",
    );
}

#[test]
fn mdstat_recovery() {
    check(
        &md("recovery-raid1.txt"),
        "
md0 active=true raid1 blocks=976630464 [2/1] [U_] degraded=true sdb1[2],sda1[0] recovery 8.5% finish=81.2 speed=183450
md1 active=true raid5 blocks=5860147200 [4/4] [UUUU] degraded=false sdf1[4],sde1[2],sdd1[1],sdc1[0]",
    );
}

const DISKS_OK: &str = "
  parity sdb DISK_OK Parity temp=34 errors=0
  parity2 - DISK_NP_DSBL Parity temp=- errors=0
  disk1 sdc DISK_OK Data temp=- errors=0
  disk2 sdd DISK_OK Data temp=33 errors=0
  disk3 sde DISK_OK Data temp=35 errors=0
  disk4 - DISK_NP Data temp=- errors=0
  cache nvme0n1 DISK_OK Cache temp=41 errors=0
  flash sda DISK_OK Flash temp=- errors=0";

#[test]
fn unraid_started() {
    let head = "
unraid STARTED degraded=false disabled=0 sync=- -% last=2026-11-01 00:00:01 UTC..2026-11-01 08:35:12 UTC errors=0 exit=0";
    check(&unraid("var-started.ini", "disks-ok.ini"), &(head.to_string() + DISKS_OK));
}

#[test]
fn unraid_parity_check_in_progress() {
    let head = "
unraid STARTED degraded=false disabled=0 sync=check P 35% last=2026-11-01 00:00:01 UTC..2026-11-01 08:35:12 UTC errors=0 exit=0";
    check(&unraid("var-parity-check.ini", "disks-ok.ini"), &(head.to_string() + DISKS_OK));
}

#[test]
fn unraid_disk_disabled() {
    let s = sample(&unraid("var-disk-disabled.ini", "disks-disk2-disabled.ini"));
    let u = s.unraid.as_ref().unwrap();
    assert!(u.degraded);
    assert_eq!(bad_disks(u), ["disk2 DISK_DSBL"]);
    assert_eq!(u.disks.get(3).and_then(|d| d.num_errors), Some(128));
}

fn kinds(events: Vec<EventKind>) -> Vec<String> {
    events
        .into_iter()
        .map(|e| match e {
            EventKind::ArrayDegraded { array, detail } => {
                format!("ArrayDegraded {array}: {detail}")
            }
            EventKind::ArrayRecovered { array } => format!("ArrayRecovered {array}"),
            other => other.type_name().to_string(),
        })
        .collect()
}

#[test]
fn diff_degraded_and_recovered() {
    let healthy = sample(&(md("healthy.txt") + &unraid("var-started.ini", "disks-ok.ini")));
    let bad = sample(
        &(md("degraded-raid1-resync-raid5.txt")
            + &unraid("var-disk-disabled.ini", "disks-disk2-disabled.ini")),
    );
    let recovering = sample(&md("recovery-raid1.txt"));
    assert_eq!(kinds(diff(&healthy, &healthy)), Vec::<String>::new());
    assert_eq!(
        kinds(diff(&healthy, &bad)),
        ["ArrayDegraded md0: [2/1] [U_] sdb1(F)", "ArrayDegraded unraid: disk2 DISK_DSBL"]
    );
    assert_eq!(kinds(diff(&bad, &bad)), Vec::<String>::new());
    // Still degraded while recovering: no event; whole again: recovered.
    assert_eq!(kinds(diff(&bad, &recovering)), Vec::<String>::new());
    assert_eq!(kinds(diff(&recovering, &healthy)), ["ArrayRecovered md0"]);
}

/// An IMSM container is inactive by nature: not degraded, no `ArrayDegraded`, while its
/// member array is judged as usual.
#[test]
fn mdstat_external_metadata_container_is_not_degraded() {
    let s = sample(&md("imsm-container.txt"));
    let summary: Vec<_> =
        s.md.iter()
            .map(|a| (a.name.as_str(), a.active, a.container, a.degraded, a.metadata.as_deref()))
            .collect();
    assert_eq!(
        summary,
        [
            ("md126", true, false, false, Some("external:/md127/0")),
            ("md127", false, true, false, Some("external:imsm")),
        ]
    );
    assert_eq!(kinds(diff(&ArraysSample::default(), &s)), Vec::<String>::new());
    let ddf =
        "@@mdstat\nmd127 : inactive sdc[1](S) sdd[0](S)\n      1024 blocks super external:ddf\n";
    assert!(sample(ddf).md[0].container && !sample(ddf).md[0].degraded);
    // A member array still read-only until mdmon starts is an array, not a container.
    let member =
        "@@mdstat\nmd126 : inactive sda[1] sdb[0]\n      1 blocks super external:-md127/0\n";
    assert!(!sample(member).md[0].container && sample(member).md[0].degraded);
    // An inactive array without a blocks line is not whole either.
    assert!(sample("@@mdstat\nmd9 : inactive sdz1[0]\n").md[0].degraded);
}

/// A failed member stays listed with `(F)` after a spare rebuilt the array: still a disk to
/// replace, reported until it is removed.
#[test]
fn mdstat_failed_member_covered_by_a_spare() {
    let s = sample(&md("failed-member-spare-took-over.txt"));
    let md0 = &s.md[0];
    assert_eq!((md0.slots.as_deref(), md0.degraded, md0.failed_member), (Some("UU"), false, true));
    assert!(!s.md[1].failed_member);
    let healthy = sample(&md("healthy.txt"));
    assert_eq!(
        kinds(diff(&healthy, &s)),
        ["ArrayDegraded md0: [2/2] [UU] sdb1(F) (array still whole)"]
    );
    assert_eq!(kinds(diff(&s, &s)), Vec::<String>::new());
    assert_eq!(kinds(diff(&s, &healthy)), ["ArrayRecovered md0"]);
}

/// Names with control bytes or of absurd length are refused with a warning, with the lines
/// that belong to them; numbers outside their range are not kept.
#[test]
fn mdstat_hostile_names_and_numbers() {
    let long = "x".repeat(5 << 20);
    let input = format!(
        "@@mdstat\nmd0 : active raid1 sda1[0]\n      10 blocks [1/1] [U]\n\
         md\u{0}1 : active raid1 sdb1[0]\n      10 blocks [2/1] [U_]\n\
         md2 : active raid1 sd\u{1b}c[0] {long}[1] sdd[2]\n      10 blocks [3/3] [UUU]\n\
         \x20     [==>...]  recovery = 250.0% (1/2) finish=-3.0min speed=1K/sec\n"
    );
    let (sample, warnings) =
        parse_arrays(&crate::probes::sections::mark(&input, "n0nce"), "n0nce", at());
    let arrays = sample.unwrap().md;
    let names: Vec<_> = arrays.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["md0", "md2"]);
    assert!(!arrays[0].degraded, "the refused array's lines are not md0's: {:?}", arrays[0]);
    let md2 = &arrays[1];
    assert_eq!(md2.members.iter().map(|m| m.device.as_str()).collect::<Vec<_>>(), ["sdd"]);
    let sync = md2.sync.as_ref().unwrap();
    assert_eq!((sync.percent, sync.finish_minutes), (None, None));
    let lines: Vec<_> = warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [Some(4), Some(6), Some(6)], "{warnings:?}");
    assert!(warnings.iter().all(|w| w.message.len() < 200), "{warnings:?}");
}

#[test]
fn unraid_hostile_names_and_numbers() {
    let input = "@@unraid-var\nmdState=\"STARTED\"\nmdResync=\"5\"\nmdResyncPos=\"900\"\n\
                 mdResyncSize=\"100\"\n@@unraid-disks\n[\"disk\u{0}1\"]\nstatus=\"DISK_DSBL\"\n\
                 [\"disk2\"]\nstatus=\"DISK_OK\"\ntemp=\"255\"\n[\"disk3\"]\ntemp=\"-300\"\n";
    let (s, warnings) = parse_arrays(&crate::probes::sections::mark(input, "n0nce"), "n0nce", at());
    let u = s.unwrap().unraid.unwrap();
    assert_eq!(u.sync_percent, None, "900 of 100 is not a progress");
    let disks: Vec<_> = u.disks.iter().map(|d| (d.name.as_str(), d.temp_c)).collect();
    assert_eq!(disks, [("disk2", None), ("disk3", None)]);
    assert_eq!(warnings.iter().map(|w| w.line).collect::<Vec<_>>(), [Some(7)]);
}

#[test]
fn nothing_present_is_an_empty_sample() {
    assert_eq!(marked(""), (Ok(ArraysSample::default()), vec![]));
}

#[test]
fn never_panics() {
    let mut inputs = vec![
        md("degraded-raid1-resync-raid5.txt"),
        unraid("var-parity-check.ini", "disks-disk2-disabled.ini"),
    ];
    let mut rng = fastrand::Rng::with_seed(5);
    for _ in 0..200 {
        let bytes: Vec<u8> = (0..rng.usize(0..300)).map(|_| rng.u8(..)).collect();
        inputs.push(format!("@@mdstat\n{}", String::from_utf8_lossy(&bytes)));
    }
    for input in &inputs {
        for end in (0..=input.len()).filter(|i| input.is_char_boundary(*i)) {
            let _ = marked(&input[..end]);
        }
    }
    let huge = "@@mdstat\n".to_string()
        + &"md1 : active raid5 a[1] b[x](F\n      9 blocks [3/2] [U_U]\n".repeat(30_000);
    let _ = marked(&huge);
}
