//! System test of the `zfs` backup jobs over real sshd: the ZFS probe reads simulated
//! `zpool`/`zfs` (shims replaying the OpenZFS 2.1 fixtures, the snapshot times moved to now),
//! and the backups probe judges its jobs from that probe's samples, with no command of its
//! own. A fresh snapshot is ok, a stale one exactly one `BackupOverdue`, a glob matching
//! nothing one `BackupFailed`; a device without `zpool` fails its zfs job, saying why.

mod harness;

use std::time::Duration;

use harness::server::{count, events, every, more_polls, serve};
use harness::shims::{ZFS, ZPOOL};
use harness::{SimDevice, fixture, wait_until};
use infrastructor_actors::device::Probes;
use infrastructor_actors::events::EventKind;
use infrastructor_actors::model::backups::{BackupJob, BackupSource, BackupStatus, BackupVerdict};

/// The fixture's `zfs list -Hp -t snapshot -o name,creation`, every time moved so the newest
/// snapshot was taken `age` ago.
fn snapshots_aged(age: Duration) -> String {
    let text = fixture("zfs/openzfs-2.1/zfs-list-Hp-snapshots.txt");
    let times: Vec<i64> = text.lines().filter_map(|l| l.split('\t').nth(1)?.parse().ok()).collect();
    let newest = times.iter().copied().max().expect("fixture times");
    let shift = chrono::Utc::now().timestamp() - i64::try_from(age.as_secs()).unwrap() - newest;
    text.lines()
        .map(|l| {
            let (name, t) = l.split_once('\t').expect("name<TAB>creation");
            format!("{name}\t{}\n", t.parse::<i64>().unwrap() + shift)
        })
        .collect()
}

fn zfs_job(name: &str, dataset: &str) -> BackupJob {
    BackupJob {
        name: name.into(),
        source: BackupSource::Zfs { dataset: dataset.into() },
        max_age_seconds: 3600,
    }
}

fn statuses(app: &harness::server::TestServer, device: &str) -> Vec<Vec<BackupStatus>> {
    let sampled = events(app, device, "BackupSampled");
    sampled
        .into_iter()
        .filter_map(|e| match e {
            EventKind::BackupSampled { jobs } => Some(jobs),
            _ => None,
        })
        .collect()
}

fn job_events(app: &harness::server::TestServer, device: &str, ty: &str, job: &str) -> usize {
    let named = |e: &EventKind| match e {
        EventKind::BackupFailed { job: j, .. }
        | EventKind::BackupOverdue { job: j, .. }
        | EventKind::BackupRecovered { job: j, .. } => j == job,
        _ => false,
    };
    events(app, device, ty).iter().filter(|e| named(e)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zfs_jobs_follow_the_zfs_probe() {
    let nas = SimDevice::start("nas");
    nas.install_tool("zpool", ZPOOL);
    nas.install_tool("zfs", ZFS);
    nas.set("zpool/version", &fixture("zfs/openzfs-2.1/zpool-version.txt"));
    nas.set("zpool/status-json.exit", "2");
    nas.set("zpool/status", &fixture("zfs/openzfs-2.1/zpool-status-p-healthy.txt"));
    nas.set("zpool/list", &fixture("zfs/openzfs-2.1/zpool-list-Hp-healthy.txt"));
    nas.set("zfs/datasets", &fixture("zfs/openzfs-2.1/zfs-list-Hp-datasets.txt"));
    nas.set("zfs/snapshots", &snapshots_aged(Duration::from_secs(600)));
    let probes = Probes { zfs: every(300), backups: every(700), ..Probes::disabled() };
    let mut spec = harness::device_spec(&nas, probes);
    spec.backups = vec![zfs_job("media", "tank/media"), zfs_job("nothing", "tank/x*")];
    // A device without zfs: its zfs job fails, saying so.
    let plain = SimDevice::start("plain");
    let mut plain_spec = harness::device_spec(&plain, probes);
    plain_spec.backups = vec![zfs_job("media", "tank/media")];
    let app = serve(vec![spec, plain_spec]).await;
    let within = Duration::from_secs(30);

    wait_until(within, "a sample", || count(&app, "nas", "BackupSampled") >= 1).await;
    let first = &statuses(&app, "nas")[0];
    // The first poll waited for the ZFS probe's first sample: no unknown, no false alarm.
    assert_eq!(first[0].verdict, BackupVerdict::Ok, "{first:?}");
    assert_eq!(first[0].kind, "zfs");
    let age = (chrono::Utc::now() - first[0].last_success.expect("a last success")).num_seconds();
    assert!((600..700).contains(&age), "the newest snapshot's time: {age}");
    assert!(first[0].evidence[0].starts_with("1 dataset(s) match tank/media"), "{first:?}");
    assert_eq!(first[1].verdict, BackupVerdict::Failed);
    assert_eq!(first[1].evidence[0], "no ZFS dataset matches tank/x*");
    more_polls(&app, "nas", "BackupSampled", 2).await;
    assert_eq!(job_events(&app, "nas", "BackupOverdue", "media"), 0);
    assert_eq!(job_events(&app, "nas", "BackupFailed", "nothing"), 1, "reported once");

    // The snapshots stop: the newest is now two hours old.
    nas.set("zfs/snapshots", &snapshots_aged(Duration::from_secs(7200)));
    wait_until(within, "BackupOverdue", || job_events(&app, "nas", "BackupOverdue", "media") >= 1)
        .await;
    more_polls(&app, "nas", "BackupSampled", 3).await;
    assert_eq!(job_events(&app, "nas", "BackupOverdue", "media"), 1, "exactly one");
    let last = statuses(&app, "nas").pop().unwrap();
    assert_eq!(last[0].verdict, BackupVerdict::Overdue);
    assert_eq!(last[0].evidence[0], "1 of 1 dataset(s) matching tank/media are stale");
    assert!(
        last[0].evidence[1].starts_with(
            "tank/media: newest snapshot tank/media@autosnap_2026-11-23_13:00:01_hourly"
        ),
        "{last:?}"
    );
    assert_eq!(count(&app, "nas", "ProbeFailed"), 0);

    // Back to fresh snapshots: one recovery.
    nas.set("zfs/snapshots", &snapshots_aged(Duration::from_secs(60)));
    wait_until(within, "BackupRecovered", || {
        job_events(&app, "nas", "BackupRecovered", "media") >= 1
    })
    .await;

    wait_until(within, "the plain device's sample", || count(&app, "plain", "BackupSampled") >= 1)
        .await;
    let plain_status = &statuses(&app, "plain")[0][0];
    assert_eq!(plain_status.verdict, BackupVerdict::Failed);
    assert!(
        plain_status.evidence[0].starts_with("zpool was not found on the device"),
        "{plain_status:?}"
    );
    app.shutdown().await;
}
