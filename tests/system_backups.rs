//! System tests of the backups probe over real sshd: a real restic repository made in the
//! test (Debian's `restic`, run on the simulated device, which is this machine), `systemctl
//! show` through the shim, and real marker files.

mod harness;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use harness::mcp::{self, call, ok};
use harness::rest::get;
use harness::server::{count, events, every, more_polls, serve, serve_in};
use harness::shims::SYSTEMCTL;
use harness::{SimDevice, wait_until};
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::Probes;
use infrastructor_actors::events::EventKind;
use infrastructor_actors::model::alerts::Severity;
use infrastructor_actors::model::backups::{BackupJob, BackupSource, BackupStatus, BackupVerdict};
use serde_json::json;

/// Runs restic on `repo` with `args`, panicking with its stderr on failure.
fn restic(repo: &Path, password: &Path, args: &[&str]) {
    let out = Command::new("restic")
        .args(args)
        .env("RESTIC_REPOSITORY", repo)
        .env("RESTIC_PASSWORD_FILE", password)
        .env("RESTIC_CACHE_DIR", repo.with_extension("cache"))
        .output()
        .expect("restic runs");
    assert!(out.status.success(), "restic {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn restic_missing() -> bool {
    let missing = Command::new("restic").arg("version").output().is_err();
    if missing {
        eprintln!("SKIPPED: restic is missing (Debian package restic)");
    }
    missing
}

fn job(name: &str, source: BackupSource, max_age_seconds: u64) -> BackupJob {
    BackupJob { name: name.into(), source, max_age_seconds }
}

fn last_status(app: &harness::server::TestServer, device: &str, job: &str) -> BackupStatus {
    let sampled = events(app, device, "BackupSampled");
    let Some(EventKind::BackupSampled { jobs }) = sampled.last() else { panic!("no sample") };
    jobs.iter().find(|j| j.job == job).cloned().expect("job in the sample")
}

fn of_job(app: &harness::server::TestServer, device: &str, ty: &str, job: &str) -> usize {
    let named = |e: &EventKind| match e {
        EventKind::BackupFailed { job: j, .. }
        | EventKind::BackupOverdue { job: j, .. }
        | EventKind::BackupRecovered { job: j, .. } => j == job,
        _ => false,
    };
    events(app, device, ty).iter().filter(|e| named(e)).count()
}

fn touch(path: &Path, date: &str) {
    let ok = Command::new("touch").args(["-d", date]).arg(path).status().unwrap().success();
    assert!(ok, "touch -d {date}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restic_systemd_and_file_jobs_over_ssh() {
    if restic_missing() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (repo, data) = (tmp.path().join("repo"), tmp.path().join("data"));
    let (password, wrong) = (tmp.path().join("pw"), tmp.path().join("wrong-pw"));
    std::fs::write(&password, "correct horse\n").unwrap();
    std::fs::write(&wrong, "battery staple\n").unwrap();
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("a.txt"), "hello").unwrap();
    std::fs::write(data.join("b.bin"), vec![7u8; 20_000]).unwrap();
    restic(&repo, &password, &["init"]);
    // A backup taken long ago: past any max_age.
    restic(
        &repo,
        &password,
        &["backup", "--host", "vault", "--time", "2020-01-02 03:04:05"]
            .into_iter()
            .chain([data.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    let env_file = tmp.path().join("restic.env");
    let cache = repo.with_extension("cache");
    std::fs::write(&env_file, format!("RESTIC_CACHE_DIR={}\n", cache.display())).unwrap();
    let marker = tmp.path().join("rsync.done");
    std::fs::write(&marker, "ok").unwrap();
    touch(&marker, "2020-01-01 00:00:00");

    let dev = SimDevice::start("vault");
    dev.install_tool("systemctl", SYSTEMCTL);
    let now = chrono::Utc::now().format("%a %Y-%m-%d %H:%M:%S UTC").to_string();
    let show = |result: &str, status: u32| {
        format!(
            "ExecMainStartTimestamp={now}\nExecMainExitTimestamp={now}\nExecMainStatus={status}\n\
             Result={result}\nLoadState=loaded\nActiveState=inactive\nSubState=dead\n"
        )
    };
    dev.set("systemctl/show-borg.service", &show("success", 0));
    let s = |p: &Path| p.display().to_string();
    let restic_source = |pw: &Path| BackupSource::Restic {
        repository: s(&repo),
        password_file: s(pw),
        env_file: Some(s(&env_file)),
        check_interval_seconds: None,
    };
    let mut spec = harness::device_spec(&dev, Probes { backups: every(700), ..Probes::disabled() });
    spec.backups = vec![
        job("restic", restic_source(&password), 3600),
        job("wrong-password", restic_source(&wrong), 3600),
        job("borg", BackupSource::Systemd { unit: "borg.service".into() }, 3600),
        job("rsync", BackupSource::File { path: s(&marker) }, 3600),
    ];
    let app = serve(vec![spec]).await;
    let name = dev.name();
    let within = Duration::from_secs(30);

    wait_until(within, "BackupSampled", || count(&app, name, "BackupSampled") >= 1).await;
    let r = last_status(&app, name, "restic");
    assert_eq!(r.verdict, BackupVerdict::Overdue, "{r:?}");
    assert_eq!(
        r.last_success.map(|t| t.to_rfc3339()).as_deref(),
        Some("2020-01-02T03:04:05+00:00")
    );
    assert_eq!(r.host.as_deref(), Some("vault"));
    assert_eq!(r.paths, [s(&data)]);
    assert_eq!(r.size_bytes, Some(20_005), "{r:?}");
    let w = last_status(&app, name, "wrong-password");
    assert_eq!(w.verdict, BackupVerdict::Failed);
    assert_eq!(
        w.evidence[0],
        "restic snapshots exited with status 1: Fatal: wrong password or no key found"
    );
    assert_eq!(last_status(&app, name, "borg").verdict, BackupVerdict::Ok);
    assert_eq!(last_status(&app, name, "rsync").verdict, BackupVerdict::Overdue);

    // Each problem is reported once, however many polls see it.
    more_polls(&app, name, "BackupSampled", 2).await;
    assert_eq!(of_job(&app, name, "BackupOverdue", "restic"), 1);
    assert_eq!(of_job(&app, name, "BackupOverdue", "rsync"), 1);
    assert_eq!(of_job(&app, name, "BackupFailed", "wrong-password"), 1);
    assert_eq!(count(&app, name, "ProbeFailed"), 0, "a wrong password is the job's failure");
    let failed = events(&app, name, "BackupFailed");
    assert!(
        matches!(&failed[..], [EventKind::BackupFailed { detail, kind, .. }]
            if kind == "restic" && detail.contains("wrong password")),
        "{failed:?}"
    );

    // The alert rule `backup` raises a warning for the failed and the overdue jobs.
    let raised = |key: &str| {
        events(&app, name, "AlertRaised").iter().any(|e| {
            matches!(e, EventKind::AlertRaised { alert, .. }
                if alert.key == key && alert.severity == Severity::Warning)
        })
    };
    wait_until(within, "backup alerts", || {
        raised("backup/vault/wrong-password") && raised("backup/vault/restic")
    })
    .await;

    // A new backup, a fresh marker and a failed unit run.
    restic(&repo, &password, &["backup", "--host", "vault", data.to_str().unwrap()]);
    touch(&marker, "now");
    dev.set("systemctl/show-borg.service", &show("exit-code", 2));
    wait_until(within, "recoveries and a failure", || {
        of_job(&app, name, "BackupRecovered", "restic") == 1
            && of_job(&app, name, "BackupRecovered", "rsync") == 1
            && of_job(&app, name, "BackupFailed", "borg") == 1
    })
    .await;
    more_polls(&app, name, "BackupSampled", 2).await;
    assert_eq!(of_job(&app, name, "BackupRecovered", "restic"), 1);
    assert_eq!(of_job(&app, name, "BackupOverdue", "restic"), 1);
    assert_eq!(of_job(&app, name, "BackupFailed", "borg"), 1);
    assert_eq!(of_job(&app, name, "BackupRecovered", "wrong-password"), 0);
    let r = last_status(&app, name, "restic");
    assert_eq!(r.verdict, BackupVerdict::Ok);
    let age = (chrono::Utc::now() - r.last_success.unwrap()).num_seconds();
    assert!((0..120).contains(&age), "the new snapshot's time: {r:?}");
    let b = last_status(&app, name, "borg");
    assert_eq!(b.evidence[0], "the last run failed: Result=exit-code, status 2");
    {
        let snap = app.snapshot().await;
        let jobs = snap.devices[name].backups().map(<[_]>::to_vec).unwrap_or_default();
        assert_eq!(jobs.len(), 4, "{jobs:?}");
    }

    // The same status through MCP (every device) and REST (one device, polled now).
    let client = mcp::connect(app.addr, None).await;
    let answer = call(&client, "get_backup_status", json!({})).await;
    let report = ok(&answer);
    assert_eq!((report["failed"].as_u64(), report["ok"].as_u64()), (Some(2), Some(2)), "{report}");
    assert_eq!(report["jobs"][0]["verdict"], "failed", "failed jobs first: {report}");
    let restic_row = report["jobs"].as_array().unwrap().iter().find(|j| j["job"] == "restic");
    let restic_row = restic_row.expect("the restic job");
    assert_eq!(restic_row["device"], name);
    assert_eq!(restic_row["size_bytes"], 20_005);
    assert!(restic_row["age_seconds"].as_i64().is_some_and(|a| (0..120).contains(&a)));
    assert!(
        mcp::text(&answer).starts_with("4 backup jobs on the fleet: 2 failed, 0 overdue, 2 ok")
    );
    client.cancel().await.unwrap();
    let rest = get(app.addr, &format!("/api/backups?device={name}&refresh=true"), None).await;
    assert_eq!(rest.status, 200, "{}", rest.text);
    assert_eq!(rest.json["source"], "live", "{}", rest.text);
    assert_eq!(rest.json["jobs"].as_array().map(Vec::len), Some(4));
    let unknown = get(app.addr, "/api/backups?device=nope", None).await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    app.shutdown().await;
}

/// The largest pack under `repo/data/` (the data blobs; the tree pack is the small one, so
/// `restic check` without `--read-data` finds it missing without retrying reads).
fn largest_pack(repo: &Path) -> std::path::PathBuf {
    let mut packs: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(repo.join("data"))
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|f| f.unwrap().path())
        .map(|p| (std::fs::metadata(&p).unwrap().len(), p))
        .collect();
    packs.sort();
    packs.pop().expect("a pack").1
}

/// `restic check` (with its lock) on its own interval, on a real repository: sound → check_ok;
/// a pack deleted → the job fails with restic's error, once; the pack back → one recovery.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restic_check_on_a_real_repository() {
    if restic_missing() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (repo, data, password) =
        (tmp.path().join("repo"), tmp.path().join("data"), tmp.path().join("pw"));
    std::fs::write(&password, "correct horse\n").unwrap();
    std::fs::create_dir(&data).unwrap();
    for i in 0..3u8 {
        let bytes: Vec<u8> =
            (0..30_000u32).map(|n| (n.wrapping_mul(2_654_435_761) >> 13) as u8 ^ i).collect();
        std::fs::write(data.join(format!("f{i}.bin")), bytes).unwrap();
    }
    restic(&repo, &password, &["init"]);
    restic(&repo, &password, &["backup", "--host", "vault", data.to_str().unwrap()]);
    let env_file = tmp.path().join("restic.env");
    let cache = repo.with_extension("cache");
    std::fs::write(&env_file, format!("RESTIC_CACHE_DIR={}\n", cache.display())).unwrap();

    let dev = SimDevice::start("vault");
    let s = |p: &Path| p.display().to_string();
    let mut spec = harness::device_spec(&dev, Probes { backups: every(700), ..Probes::disabled() });
    spec.backups = vec![job(
        "checked",
        BackupSource::Restic {
            repository: s(&repo),
            password_file: s(&password),
            env_file: Some(s(&env_file)),
            // Below the config's 1 h minimum, to see several checks.
            check_interval_seconds: Some(1),
        },
        3600,
    )];
    let app = serve(vec![spec]).await;
    let name = dev.name();
    let within = Duration::from_secs(60);
    let checked = || last_status(&app, name, "checked");
    let sampled = || count(&app, name, "BackupSampled") >= 1;

    wait_until(within, "a passed check", || sampled() && checked().check_ok == Some(true)).await;
    let ok = checked();
    assert_eq!(ok.verdict, BackupVerdict::Ok, "{ok:?}");
    assert!(ok.evidence.iter().any(|l| l.ends_with("found no errors")), "{ok:?}");
    let age = (chrono::Utc::now() - ok.last_check.unwrap()).num_seconds();
    assert!((0..60).contains(&age), "{ok:?}");

    let pack = largest_pack(&repo);
    let bytes = std::fs::read(&pack).unwrap();
    std::fs::remove_file(&pack).unwrap();
    let pack_id = pack.file_name().unwrap().to_string_lossy().into_owned();
    wait_until(within, "a failed check", || of_job(&app, name, "BackupFailed", "checked") >= 1)
        .await;
    let failed = checked();
    assert_eq!(failed.verdict, BackupVerdict::Failed);
    assert_eq!(failed.check_ok, Some(false));
    assert_eq!(failed.check_error, Some(format!("pack {pack_id}: does not exist")), "{failed:?}");
    assert!(failed.evidence[0].contains("failed: pack"), "{failed:?}");
    let detail = events(&app, name, "BackupFailed");
    assert!(
        matches!(&detail[..], [EventKind::BackupFailed { detail, .. }] if detail.ends_with(": does not exist")),
        "{detail:?}"
    );
    let checks = |st: &BackupStatus| st.last_check;
    let before = checks(&failed);
    wait_until(within, "another check", || checks(&checked()) > before).await;
    more_polls(&app, name, "BackupSampled", 2).await;
    assert_eq!(of_job(&app, name, "BackupFailed", "checked"), 1, "reported once");
    assert_eq!(count(&app, name, "ProbeFailed"), 0);

    std::fs::write(&pack, bytes).unwrap();
    wait_until(within, "a recovery", || of_job(&app, name, "BackupRecovered", "checked") >= 1)
        .await;
    assert_eq!(checked().check_ok, Some(true));
    app.shutdown().await;
}

/// The last check's time survives a restart (stored in `BackupSampled`, resumed): the
/// restarted server does not run the check again before its interval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_does_not_run_the_check_again() {
    if restic_missing() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (repo, data, password) =
        (tmp.path().join("repo"), tmp.path().join("data"), tmp.path().join("pw"));
    std::fs::write(&password, "correct horse\n").unwrap();
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("a.txt"), "hello").unwrap();
    restic(&repo, &password, &["init"]);
    restic(&repo, &password, &["backup", data.to_str().unwrap()]);
    let env_file = tmp.path().join("restic.env");
    let cache = repo.with_extension("cache");
    std::fs::write(&env_file, format!("RESTIC_CACHE_DIR={}\n", cache.display())).unwrap();
    let dev = SimDevice::start("vault");
    let s = |p: &Path| p.display().to_string();
    let mut spec = harness::device_spec(&dev, Probes { backups: every(500), ..Probes::disabled() });
    let source = BackupSource::Restic {
        repository: s(&repo),
        password_file: s(&password),
        env_file: Some(s(&env_file)),
        check_interval_seconds: Some(3600),
    };
    spec.backups = vec![job("checked", source, 3600)];
    let history = HistoryOptions::new(tmp.path().join("history"), None);
    let name = dev.name();
    let within = Duration::from_secs(30);

    let first = serve_in(vec![spec.clone()], &history).await;
    let checked = |app: &harness::server::TestServer| last_status(app, name, "checked");
    wait_until(within, "a passed check", || {
        count(&first, name, "BackupSampled") >= 1 && checked(&first).check_ok == Some(true)
    })
    .await;
    let at = checked(&first).last_check.expect("the check's time");
    first.shutdown().await;

    let second = serve_in(vec![spec], &history).await;
    wait_until(within, "polls after the restart", || count(&second, name, "BackupSampled") >= 2)
        .await;
    let after = checked(&second);
    assert_eq!(after.last_check, Some(at), "not checked again: {after:?}");
    assert_eq!((after.check_ok, after.verdict), (Some(true), BackupVerdict::Ok));
    second.shutdown().await;
}
