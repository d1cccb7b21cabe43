//! Fixture tests for the backups probe: restic 0.14 outputs captured from a real repository,
//! `systemctl show` in systemd 252's documented format, and the file kind run by `sh`.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::model::backups::BackupSource;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/backups/", $name))
    };
}

fn job(source: BackupSource, max_age_seconds: u64) -> BackupJob {
    BackupJob { name: "nightly".into(), source, max_age_seconds }
}

fn restic_job(max_age: u64) -> BackupJob {
    job(
        BackupSource::Restic {
            repository: "/srv/restic".into(),
            password_file: "/root/.restic-pw".into(),
            env_file: None,
            check_interval_seconds: None,
        },
        max_age,
    )
}

fn unit_job(max_age: u64) -> BackupJob {
    job(BackupSource::Systemd { unit: "borg.service".into() }, max_age)
}

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, h, m, 0).unwrap()
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[test]
fn restic_snapshot_time_host_paths_and_size() {
    let out =
        format!("{}exit:0\n{}", fixture!("restic_snapshots.json"), fixture!("restic_stats.json"));
    let s = parse_job(&restic_job(3600), Some(&lines(&out)), at(23, 50));
    assert_eq!(s.verdict, BackupVerdict::Ok, "{s:?}");
    let taken = Utc.with_ymd_and_hms(2026, 12, 1, 23, 34, 29).unwrap();
    assert_eq!(s.last_success.map(|t| t.timestamp()), Some(taken.timestamp()));
    assert_eq!(s.host.as_deref(), Some("tower"));
    assert_eq!(s.paths, ["/tmp/rtest/data"]);
    assert_eq!(s.size_bytes, Some(10006));
    assert_eq!(s.kind, "restic");
    assert!(s.evidence[0].starts_with("snapshot 5b918e40 at 2026-12-01T23:34:29"), "{s:?}");
    // The same snapshot a day later is overdue.
    let late = parse_job(&restic_job(3600), Some(&lines(&out)), at(23, 50) + chrono::Days::new(1));
    assert_eq!(late.verdict, BackupVerdict::Overdue);
    assert!(late.evidence.last().unwrap().contains("max_age 3600 s"), "{late:?}");
}

#[test]
fn restic_wrong_password_empty_repository_and_garbage() {
    let wrong = format!("{}exit:1\n", fixture!("restic_wrong_password.txt"));
    let s = parse_job(&restic_job(3600), Some(&lines(&wrong)), at(12, 0));
    assert_eq!(s.verdict, BackupVerdict::Failed);
    assert_eq!(
        s.evidence[0],
        "restic snapshots exited with status 1: Fatal: wrong password or no key found"
    );
    let empty = parse_job(&restic_job(3600), Some(&["[]", "exit:0"]), at(12, 0));
    assert_eq!(empty.verdict, BackupVerdict::Overdue);
    assert_eq!(empty.last_success, None);
    for garbage in [&["[{\"time\": 5}]", "exit:0"][..], &["exit:0"], &["[{"], &[]] {
        let s = parse_job(&restic_job(3600), Some(garbage), at(12, 0));
        assert_eq!(s.verdict, BackupVerdict::Failed, "{garbage:?}");
    }
    let missing = parse_job(&restic_job(3600), None, at(12, 0));
    assert_eq!(missing.verdict, BackupVerdict::Failed);
    let invalid = parse_job(&restic_job(3600), Some(&["invalid"]), at(12, 0));
    assert!(invalid.evidence[0].contains("invalid characters"), "{invalid:?}");
}

#[test]
fn systemd_success_failure_and_unknown_unit() {
    let ok = format!("{}exit:0\n", fixture!("systemctl_show_success.txt"));
    let s = parse_job(&unit_job(86_400), Some(&lines(&ok)), at(12, 0));
    assert_eq!(s.verdict, BackupVerdict::Ok, "{s:?}");
    assert_eq!(s.last_run_start, Some(Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 1).unwrap()));
    assert_eq!(s.last_success, Some(Utc.with_ymd_and_hms(2026, 12, 1, 3, 12, 44).unwrap()));
    let s = parse_job(&unit_job(3600), Some(&lines(&ok)), at(12, 0));
    assert_eq!(s.verdict, BackupVerdict::Overdue);

    let failed = format!("{}exit:0\n", fixture!("systemctl_show_failed.txt"));
    let s = parse_job(&unit_job(86_400), Some(&lines(&failed)), at(12, 0));
    assert_eq!(s.verdict, BackupVerdict::Failed);
    assert_eq!(s.evidence[0], "the last run failed: Result=exit-code, status 2");
    assert_eq!(s.last_success, None);

    let never = format!("{}exit:0\n", fixture!("systemctl_show_never.txt"));
    let s = parse_job(&unit_job(86_400), Some(&lines(&never)), at(12, 0));
    assert_eq!(s.verdict, BackupVerdict::Failed);
    assert!(s.evidence[0].contains("not-found"), "{s:?}");

    let no_systemd = ["System has not been booted with systemd as init system (PID 1).", "exit:1"];
    let s = parse_job(&unit_job(86_400), Some(&no_systemd), at(12, 0));
    assert!(s.evidence[0].contains("System has not been booted"), "{s:?}");
}

#[test]
fn systemd_timestamps() {
    assert_eq!(systemd_timestamp("@1764558001"), Utc.timestamp_opt(1_764_558_001, 0).single());
    assert_eq!(
        systemd_timestamp("Tue 2026-12-01 03:00:01 UTC"),
        Some(Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 1).unwrap())
    );
    for bad in ["", "n/a", "Tue 2026-12-01 03:00:01 CET", "@x", "Tue"] {
        assert_eq!(systemd_timestamp(bad), None, "{bad}");
    }
}

/// The file kind's command line run by the local `sh` on real files: a marker file, a folder
/// (its newest file), an empty folder and a missing path.
#[test]
fn file_kind_on_real_files() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("done");
    std::fs::write(&marker, "ok").unwrap();
    let folder = dir.path().join("sets");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a"), "a").unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let path = |p: &std::path::Path| BackupSource::File { path: p.display().to_string() };
    let jobs = [
        job(path(&marker), 3600),
        job(path(&folder), 3600),
        job(path(&empty), 3600),
        job(path(&dir.path().join("missing")), 3600),
    ];
    let cmd = command::backups::backups(&jobs).unwrap();
    let out = std::process::Command::new("sh").arg("-c").arg(&cmd.line).output().unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    let (_, found) = sections::split(&out, cmd.section_nonce());
    let now = Utc::now();
    let status: Vec<BackupStatus> = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let name = format!("j{i}");
            parse_job(j, found.iter().find(|s| s.name == name).map(|s| s.lines.as_slice()), now)
        })
        .collect();
    let verdicts: Vec<BackupVerdict> = status.iter().map(|s| s.verdict).collect();
    use BackupVerdict::{Failed, Ok};
    assert_eq!(verdicts, [Ok, Ok, Failed, Failed], "{status:#?}\n{out}");
    let age = (now - status[0].last_success.unwrap()).num_seconds();
    assert!((0..60).contains(&age), "{age}");
    assert_eq!(status[2].evidence[0], "the folder holds no file");
    assert!(status[3].evidence[0].contains("No such file"), "{status:?}");
}

pub(super) fn status(verdict: BackupVerdict) -> BackupStatus {
    BackupStatus {
        job: "nightly".into(),
        kind: "restic".into(),
        verdict,
        last_success: None,
        last_run_start: None,
        max_age_seconds: 60,
        host: None,
        paths: vec![],
        size_bytes: None,
        last_check: None,
        check_ok: None,
        check_error: None,
        evidence: vec!["why".into()],
    }
}

#[test]
fn diff_reports_each_change_once() {
    use BackupVerdict::{Failed, Ok, Overdue};
    let names = |e: &[EventKind]| e.iter().map(EventKind::type_name).collect::<Vec<_>>();
    assert!(diff(None, &[status(Ok)]).is_empty());
    assert_eq!(names(&diff(None, &[status(Overdue)])), ["BackupOverdue"]);
    let prev = |v| HashMap::from([("nightly".to_owned(), v)]);
    assert!(diff(Some(&prev(Overdue)), &[status(Overdue)]).is_empty());
    assert_eq!(names(&diff(Some(&prev(Overdue)), &[status(Ok)])), ["BackupRecovered"]);
    assert_eq!(names(&diff(Some(&prev(Ok)), &[status(Failed)])), ["BackupFailed"]);
    assert_eq!(names(&diff(Some(&prev(Failed)), &[status(Overdue)])), ["BackupOverdue"]);
    // Unknown raises nothing, and counts as ok before.
    assert!(diff(None, &[status(BackupVerdict::Unknown)]).is_empty());
    assert!(diff(Some(&prev(Failed)), &[status(BackupVerdict::Unknown)]).is_empty());
    assert!(diff(Some(&prev(BackupVerdict::Unknown)), &[status(Ok)]).is_empty());
    assert_eq!(
        names(&diff(Some(&prev(BackupVerdict::Unknown)), &[status(Failed)])),
        ["BackupFailed"]
    );
    let e = diff(Some(&prev(Ok)), &[status(Failed)]);
    assert!(
        matches!(&e[0], EventKind::BackupFailed { detail, kind, .. } if detail == "why" && kind == "restic")
    );
}
