//! Tests of the `zfs` backup jobs (dataset names and times of the OpenZFS 2.1 fixtures in
//! tests/fixtures/zfs) and of `restic check` (restic 0.14 outputs captured in
//! tests/fixtures/backups), down to whole polls over a scripted transport.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::check::{CheckRecord, CheckRun, due, parse_check};
use super::zfs::{ZfsFeed, read_snapshots, zfs_status};
use super::*;
use crate::events::Event;
use crate::model::capabilities::Capabilities;
use crate::model::zfs::{Dataset, SnapshotSummary, ZfsSample};
use crate::testing::Scripted;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/backups/", $name))
    };
}

/// 2026-11-23 13:00:01 UTC, the newest snapshot of the fixture (`tank/media`).
fn newest() -> DateTime<Utc> {
    Utc.timestamp_opt(1_795_438_801, 0).unwrap()
}

/// The fixture's datasets and snapshots (`tank/vm` and `tank/docker` have none).
fn sample() -> ZfsSample {
    let ds = |n: &str| Dataset { name: n.into(), ..Dataset::default() };
    let snap = |d: &str, name: &str, t: i64| SnapshotSummary {
        dataset: d.into(),
        count: 2,
        newest_created_at: Utc.timestamp_opt(t, 0).single(),
        newest_name: Some(name.into()),
        newest_age_secs: None,
    };
    ZfsSample {
        datasets: ["backup", "backup/tower", "tank", "tank/media", "tank/vm", "tank/docker"]
            .map(ds)
            .to_vec(),
        snapshots: vec![
            snap("backup/tower", "autosnap_2026-11-22_00:00:01_daily", 1_795_305_601),
            snap("tank/media", "autosnap_2026-11-23_13:00:01_hourly", 1_795_438_801),
        ],
        ..ZfsSample::default()
    }
}

fn zjob(dataset: &str, max_age: u64) -> BackupJob {
    BackupJob {
        name: "snaps".into(),
        source: BackupSource::Zfs { dataset: dataset.into() },
        max_age_seconds: max_age,
    }
}

fn zfs_event(at: DateTime<Utc>) -> Arc<Event> {
    Arc::new(Event::new("nas", at, EventKind::PoolStatusSampled { sample: sample() }))
}

fn judge_at(pattern: &str, max_age: u64, now: DateTime<Utc>) -> BackupStatus {
    let feed = ZfsFeed::Current(zfs_event(now));
    zfs_status(&zjob(pattern, max_age), pattern, &feed, None, now)
}

#[test]
fn one_dataset_fresh_then_stale() {
    let s = judge_at("tank/media", 3600, newest() + Duration::minutes(10));
    assert_eq!(s.verdict, BackupVerdict::Ok, "{s:?}");
    assert_eq!(s.kind, "zfs");
    assert_eq!(s.last_success, Some(newest()));
    assert!(s.evidence[0].starts_with("1 dataset(s) match tank/media"), "{s:?}");
    let late = judge_at("tank/media", 3600, newest() + Duration::hours(3));
    assert_eq!(late.verdict, BackupVerdict::Overdue);
    assert_eq!(late.evidence[0], "1 of 1 dataset(s) matching tank/media are stale");
    assert_eq!(
        late.evidence[1],
        "tank/media: newest snapshot tank/media@autosnap_2026-11-23_13:00:01_hourly at 2026-11-23T13:00:01+00:00"
    );
}

#[test]
fn a_glob_takes_the_oldest_newest_snapshot_and_names_the_stale_datasets() {
    let now = newest() + Duration::hours(1);
    // backup/tower's newest is a day and a half older than tank/media's.
    let s = judge_at("backup/*", 3 * 86_400, now);
    assert_eq!(s.verdict, BackupVerdict::Ok);
    let s = judge_at("*/t?wer", 3600, now);
    assert_eq!(s.verdict, BackupVerdict::Overdue);
    assert_eq!(s.last_success, Utc.timestamp_opt(1_795_305_601, 0).single());
    assert!(s.evidence[1].starts_with("backup/tower: newest snapshot"), "{s:?}");
    // tank/* holds two datasets without any snapshot: no last success at all.
    let t = judge_at("tank/*", 86_400, now);
    assert_eq!(t.verdict, BackupVerdict::Overdue, "{t:?}");
    assert_eq!(t.last_success, None);
    assert_eq!(
        t.evidence[..3],
        [
            "2 of 3 dataset(s) matching tank/* are stale".to_owned(),
            "tank/docker: no snapshot".to_owned(),
            "tank/vm: no snapshot".to_owned(),
        ]
    );
    let none = judge_at("tank/x*", 86_400, now);
    assert_eq!(none.verdict, BackupVerdict::Failed);
    assert_eq!(none.evidence[0], "no ZFS dataset matches tank/x*");
    let r = read_snapshots("backup*", &sample(), 7 * 86_400, now);
    assert_eq!(r.last_success, None, "the pool's root dataset `backup` has no snapshot");
    assert_eq!(r.evidence[1], "backup: no snapshot");
}

#[test]
fn without_a_current_sample_the_verdict_is_kept_or_unknown() {
    let now = newest() + Duration::hours(3);
    let job = zjob("tank/media", 3600);
    for (feed, why) in [
        (ZfsFeed::Disabled, "the zfs probe is disabled"),
        (ZfsFeed::NoZpool, "zpool was not found on the device"),
    ] {
        let s = zfs_status(&job, "tank/media", &feed, None, now);
        assert_eq!(s.verdict, BackupVerdict::Failed);
        assert!(s.evidence[0].starts_with(why), "{s:?}");
    }
    let waiting = zfs_status(&job, "tank/media", &ZfsFeed::NotCurrent(None), None, now);
    assert_eq!(waiting.verdict, BackupVerdict::Unknown);
    assert_eq!(waiting.evidence, ["no ZFS sample yet (the zfs probe has not reported)"]);
    let overdue = judge_at("tank/media", 3600, now);
    let old = ZfsFeed::NotCurrent(Some(now - Duration::hours(2)));
    let kept = zfs_status(&job, "tank/media", &old, Some(&overdue), now);
    assert_eq!(kept.verdict, BackupVerdict::Overdue);
    assert!(kept.evidence[0].starts_with("no current ZFS sample (the newest is from"), "{kept:?}");
    assert!(kept.evidence[0].ends_with("verdict kept from the previous poll"));
    let again = zfs_status(&job, "tank/media", &old, Some(&kept), now);
    assert_eq!(again.evidence, kept.evidence, "the note is not stacked");
    // An ok kept while the zfs probe is silent turns overdue once its last success is too old.
    let was_ok = judge_at("tank/media", 30 * 86_400, now);
    assert_eq!(was_ok.verdict, BackupVerdict::Ok);
    let late = zfs_status(&job, "tank/media", &old, Some(&was_ok), now);
    assert_eq!(late.verdict, BackupVerdict::Overdue, "{late:?}");
    assert!(late.evidence[0].ends_with("the last known success is older than max_age"));
    let month = zjob("tank/media", 30 * 86_400);
    let still = zfs_status(&month, "tank/media", &old, Some(&was_ok), now);
    assert_eq!(still.verdict, BackupVerdict::Ok);
    // Fresh enough or not, by the observation time.
    assert!(matches!(ZfsFeed::from_sample(Some(zfs_event(now)), now), ZfsFeed::Current(_)));
    let stale = ZfsFeed::from_sample(Some(zfs_event(now - Duration::hours(1))), now);
    assert!(matches!(stale, ZfsFeed::NotCurrent(Some(_))), "{stale:?}");
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[test]
fn restic_check_outputs() {
    let at = newest();
    let with_exit = |text: &str, s: i32| format!("{text}exit:{s}\n");
    let ok = with_exit(fixture!("restic_check_ok.txt"), 0);
    assert_eq!(
        parse_check(&lines(&ok), at, 1800),
        CheckRun::Done(CheckRecord { at, ok: true, error: None })
    );
    let missing = with_exit(fixture!("restic_check_missing_pack.txt"), 1);
    let CheckRun::Done(rec) = parse_check(&lines(&missing), at, 1800) else { panic!() };
    assert!(!rec.ok);
    assert_eq!(
        rec.error.as_deref(),
        Some(
            "pack 79443fd3111a4e0f000f0d87383e98ee65f233d6bb2722a1de35cab05e5b00e6: does not exist"
        )
    );
    let truncated = with_exit(fixture!("restic_check_truncated_packs.txt"), 1);
    let CheckRun::Done(rec) = parse_check(&lines(&truncated), at, 1800) else { panic!() };
    assert!(rec.error.unwrap().ends_with("unexpected file size: got 100, expected 741"));
    let locked = with_exit(fixture!("restic_check_locked.txt"), 1);
    let CheckRun::NotRun(why) = parse_check(&lines(&locked), at, 1800) else { panic!() };
    assert!(why.contains("repository is already locked by PID 14003"), "{why}");
    let interrupted = parse_check(&["check all packs", "exit:124"], at, 1800);
    assert!(matches!(interrupted, CheckRun::Done(CheckRecord { ok: false, error: Some(e), .. })
        if e == "restic check did not finish within 1800 s"));
    assert!(matches!(parse_check(&["load indexes"], at, 1800), CheckRun::NotRun(_)));
    let wrong = parse_check(&["Fatal: wrong password or no key found", "exit:1"], at, 1800);
    assert!(
        matches!(wrong, CheckRun::Done(CheckRecord { error: Some(e), .. }) if e.starts_with("Fatal: wrong password"))
    );
}

fn restic_job(check_every: Option<u64>) -> BackupJob {
    BackupJob {
        name: "nightly".into(),
        source: BackupSource::Restic {
            repository: "/srv/restic".into(),
            password_file: "/root/.pw".into(),
            env_file: None,
            check_interval_seconds: check_every,
        },
        max_age_seconds: 86_400,
    }
}

#[test]
fn a_check_is_due_on_its_interval_only() {
    let now = newest();
    let rec = |ago: i64| CheckRecord { at: now - Duration::seconds(ago), ok: true, error: None };
    assert!(!due(&restic_job(None), None, now), "no interval: never");
    assert!(due(&restic_job(Some(3600)), None, now), "never checked: at once");
    assert!(!due(&restic_job(Some(3600)), Some(&rec(3599)), now));
    assert!(due(&restic_job(Some(3600)), Some(&rec(3600)), now));
}

fn ctx(t: &Scripted, at: DateTime<Utc>) -> PollContext<'_> {
    PollContext {
        transport: t,
        observed_at: at,
        sudo: false,
        command_timeout: std::time::Duration::from_secs(20),
    }
}

fn facts(sample: Option<Arc<Event>>, zpool: bool) -> DeviceFacts {
    let caps = Capabilities { tools: [("zpool".to_owned(), zpool)].into(), kernel: String::new() };
    DeviceFacts {
        capabilities: Some(caps),
        samples: Arc::new(move |p| (p == "zfs").then(|| sample.clone()).flatten()),
    }
}

fn names(events: &[EventKind]) -> Vec<&'static str> {
    events.iter().map(EventKind::type_name).collect()
}

#[tokio::test]
async fn a_device_with_only_zfs_jobs_runs_no_command() {
    let now = newest() + Duration::minutes(5);
    let t = Scripted::new([]);
    let jobs = Arc::new(vec![zjob("tank/media", 3600)]);
    let mut probe = BackupsProbe::new(jobs.clone(), Some(std::time::Duration::from_secs(300)));
    probe.attach(&facts(Some(zfs_event(now)), true));
    let events = probe.poll(&ctx(&t, now)).await.unwrap();
    assert_eq!(names(&events), ["BackupSampled"]);
    let EventKind::BackupSampled { jobs: s } = &events[0] else { panic!() };
    assert_eq!(s[0].verdict, BackupVerdict::Ok, "{s:?}");
    assert!(t.lines().is_empty(), "{:?}", t.lines());
    // No zpool on the device: the job says so, once.
    let mut probe = BackupsProbe::new(jobs, Some(std::time::Duration::from_secs(300)));
    probe.attach(&facts(None, false));
    let events = probe.poll(&ctx(&t, now)).await.unwrap();
    assert_eq!(names(&events), ["BackupSampled", "BackupFailed"]);
}

/// Before the ZFS probe's first sample a poll waits (bounded), then says `unknown`.
#[tokio::test(start_paused = true)]
async fn no_zfs_sample_yet_is_unknown_not_overdue() {
    let now = newest();
    let t = Scripted::new([]);
    let mut probe = BackupsProbe::new(
        Arc::new(vec![zjob("tank/media", 3600)]),
        Some(std::time::Duration::from_secs(300)),
    );
    probe.attach(&facts(None, true));
    let started = tokio::time::Instant::now();
    let events = probe.poll(&ctx(&t, now)).await.unwrap();
    assert_eq!(names(&events), ["BackupSampled"], "no false alarm");
    assert_eq!(
        started.elapsed(),
        std::time::Duration::from_secs(25),
        "waited command_timeout + 5 s"
    );
    let EventKind::BackupSampled { jobs } = &events[0] else { panic!() };
    assert_eq!(jobs[0].verdict, BackupVerdict::Unknown);
}

#[tokio::test]
async fn a_failed_check_fails_the_job_once_and_survives_a_restart() {
    let now = Utc::now();
    let snapshots = format!(
        "@@j0\n[{{\"time\":\"{}\",\"short_id\":\"5b918e40\"}}]\nexit:0\n",
        now.to_rfc3339()
    );
    let t = Scripted::new([]);
    t.push("backups", 0, snapshots.clone());
    t.push("restic_check", 0, format!("{}exit:1\n", fixture!("restic_check_missing_pack.txt")));
    let jobs = Arc::new(vec![restic_job(Some(7 * 86_400))]);
    let mut probe = BackupsProbe::new(jobs.clone(), None);
    let events = probe.poll(&ctx(&t, now)).await.unwrap();
    assert_eq!(names(&events), ["BackupSampled", "BackupFailed"]);
    let EventKind::BackupFailed { detail, .. } = &events[1] else { panic!() };
    assert!(
        detail.contains("failed: pack 79443fd3") && detail.ends_with("does not exist"),
        "{detail}"
    );
    let EventKind::BackupSampled { jobs: s } = &events[0] else { panic!() };
    assert_eq!((s[0].check_ok, s[0].last_check), (Some(false), Some(now)));
    assert!(t.lines().iter().any(|l| l.contains("restic check >\"$o\" 2>&1")), "{:?}", t.lines());
    // A restarted probe resumes the check's time: no check before the interval, still failed.
    let sampled = Event::new("nas", now, events[0].clone());
    let mut resumed = BackupsProbe::new(jobs, None);
    resumed.resume(&sampled);
    t.push("backups", 0, snapshots);
    let later = resumed.poll(&ctx(&t, now + Duration::hours(1))).await.unwrap();
    assert_eq!(names(&later), ["BackupSampled"], "reported once");
    let EventKind::BackupSampled { jobs: s } = &later[0] else { panic!() };
    assert_eq!(s[0].verdict, BackupVerdict::Failed);
    assert_eq!(t.unused(), 0);
    assert_eq!(t.lines().iter().filter(|l| l.contains("restic check")).count(), 1);
}

#[tokio::test]
async fn a_lock_that_never_goes_away_is_a_failed_check_after_three_polls() {
    let now = Utc::now();
    let snapshots = format!(
        "@@j0\n[{{\"time\":\"{}\",\"short_id\":\"5b918e40\"}}]\nexit:0\n",
        now.to_rfc3339()
    );
    let t = Scripted::new([]);
    let mut probe = BackupsProbe::new(Arc::new(vec![restic_job(Some(7 * 86_400))]), None);
    let mut seen = Vec::new();
    for i in 0..3 {
        t.push("backups", 0, snapshots.clone());
        t.push("restic_check", 0, format!("{}exit:1\n", fixture!("restic_check_locked.txt")));
        let at = now + Duration::hours(i);
        seen.push(names(&probe.poll(&ctx(&t, at)).await.unwrap()));
    }
    assert_eq!(
        seen,
        [vec!["BackupSampled"], vec!["BackupSampled"], vec!["BackupSampled", "BackupFailed"]],
        "retried twice, then a stale lock"
    );
    let last = probe.previous.as_ref().unwrap()["nightly"].clone();
    assert!(last.evidence[0].contains("a stale lock? `restic unlock`"), "{last:?}");
}
