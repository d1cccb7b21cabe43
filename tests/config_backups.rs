//! `[[devices.backups]]` and `[[defaults.backups]]`: the kinds and their fields, a device's
//! job replacing a default of the same name; every mistake names its field and place.

mod config_support;

use config_support::{DEV, accept, check};
use infrastructor_actors::model::backups::{BackupJob, BackupSource};

#[test]
fn jobs_of_every_kind_with_defaults() {
    let cfg = accept(&format!(
        "[[defaults.backups]]\nname = \"marker\"\nkind = \"file\"\npath = \"/srv/done\"\nmax_age = \"1d\"\n\
         [[defaults.backups]]\nname = \"borg\"\nkind = \"systemd\"\nunit = \"borg.service\"\nmax_age = \"2d\"\n\
         {DEV}\
         [[devices.backups]]\nname = \"nightly\"\nkind = \"restic\"\nrepository = \"sftp:b@vault:/r\"\n\
         password_file = \"/root/.pw\"\nenv_file = \"/root/.env\"\nmax_age = \"26h\"\n\
         [[devices.backups]]\nname = \"marker\"\nkind = \"file\"\npath = \"/mnt/backup\"\nmax_age = \"6h\"\n\
         [[devices]]\nname = \"db\"\nhost = \"10.0.0.2\"\n"
    ));
    let jobs = &cfg.devices[0].backups;
    assert_eq!(
        jobs,
        &[
            BackupJob {
                name: "marker".into(),
                source: BackupSource::File { path: "/mnt/backup".into() },
                max_age_seconds: 6 * 3600,
            },
            BackupJob {
                name: "borg".into(),
                source: BackupSource::Systemd { unit: "borg.service".into() },
                max_age_seconds: 2 * 86_400,
            },
            BackupJob {
                name: "nightly".into(),
                source: BackupSource::Restic {
                    repository: "sftp:b@vault:/r".into(),
                    password_file: "/root/.pw".into(),
                    env_file: Some("/root/.env".into()),
                    check_interval_seconds: None,
                },
                max_age_seconds: 26 * 3600,
            },
        ]
    );
    let other: Vec<&str> = cfg.devices[1].backups.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(other, ["marker", "borg"], "the defaults apply to every device");
    assert_eq!(cfg.devices[1].probes.backups.interval.as_secs(), 3600);
    assert!(accept(DEV).devices[0].backups.is_empty());
}

#[test]
fn bad_jobs_name_their_field() {
    let job = |body: &str| format!("{DEV}[[devices.backups]]\n{body}");
    check(
        &job("name = \"r\"\nkind = \"restic\"\nrepository = \"/r\"\nmax_age = \"1d\"\n"),
        "config/x.toml:6:8: devices[0].backups[0].password_file: kind = \"restic\" needs password_file",
    );
    check(
        &job(
            "name = \"r\"\nkind = \"file\"\npath = \"/p\"\nunit = \"x.service\"\nmax_age = \"1d\"\n",
        ),
        "devices[0].backups[0].unit: not used by kind = \"file\"",
    );
    check(
        &job("name = \"r\"\nkind = \"file\"\npath = \"relative\"\nmax_age = \"1d\"\n"),
        "devices[0].backups[0].path: must be an absolute path on the device",
    );
    check(
        &job("name = \"r\"\nkind = \"file\"\npath = \"/p\"\nmax_age = \"10s\"\n"),
        "devices[0].backups[0].max_age: must be between 1m and 365d, got \"10s\"",
    );
    check(
        &job("name = \"r\"\nkind = \"tape\"\npath = \"/p\"\nmax_age = \"1d\"\n"),
        "unknown variant `tape`",
    );
    check(&job("name = \"r\"\nkind = \"file\"\npath = \"/p\"\n"), "missing field `max_age`");
    check(
        &job("name = \"r\"\nkind = \"systemd\"\nunit = \"-x\"\nmax_age = \"1d\"\n"),
        "devices[0].backups[0].unit: must be a unit name",
    );
    check(
        &job("name = \"a b\"\nkind = \"file\"\npath = \"/p\"\nmax_age = \"1d\"\n"),
        "devices[0].backups[0].name: must match",
    );
    check(
        &job("name = \"r\"\nkind = \"file\"\npath = \"/p\"\nmax_age = \"1d\"\nrepo = \"x\"\n"),
        "unknown field `repo`",
    );
    let twice = "name = \"r\"\nkind = \"file\"\npath = \"/p\"\nmax_age = \"1d\"\n";
    check(
        &format!("{}[[devices.backups]]\n{twice}", job(twice)),
        "devices[0].backups[1].name: duplicate backup job name \"r\"",
    );
}

#[test]
fn zfs_jobs_and_restic_checks() {
    let cfg = accept(&format!(
        "{DEV}[[devices.backups]]\nname = \"vms\"\nkind = \"zfs\"\ndataset = \"tank/vm-*\"\nmax_age = \"25h\"\n\
         [[devices.backups]]\nname = \"data\"\nkind = \"zfs\"\ndataset = \"tank/data\"\nmax_age = \"2h\"\n\
         [[devices.backups]]\nname = \"r\"\nkind = \"restic\"\nrepository = \"/srv/r\"\n\
         password_file = \"/root/.pw\"\ncheck_interval = \"7d\"\nmax_age = \"1d\"\n"
    ));
    let jobs = &cfg.devices[0].backups;
    assert_eq!(jobs[0].source, BackupSource::Zfs { dataset: "tank/vm-*".into() });
    assert_eq!(jobs[0].max_age_seconds, 25 * 3600);
    assert_eq!(jobs[1].source, BackupSource::Zfs { dataset: "tank/data".into() });
    assert!(
        matches!(&jobs[2].source, BackupSource::Restic { check_interval_seconds: Some(s), .. }
            if *s == 7 * 86_400),
        "{:?}",
        jobs[2]
    );
}

#[test]
fn bad_zfs_datasets_and_check_intervals_name_their_field() {
    let job =
        |body: &str| format!("{DEV}[[devices.backups]]\nname = \"z\"\nmax_age = \"1d\"\n{body}");
    check(&job("kind = \"zfs\"\n"), "devices[0].backups[0].dataset: kind = \"zfs\" needs dataset");
    check(
        &job("kind = \"zfs\"\ndataset = \"tank/[ab]\"\n"),
        "config/x.toml:8:11: devices[0].backups[0].dataset: must be a ZFS dataset or glob (tank/data, tank/*): only * and ? are glob characters ('[' is not allowed)",
    );
    check(
        &job("kind = \"zfs\"\ndataset = \"tank/data@daily\"\n"),
        "devices[0].backups[0].dataset: must be a ZFS dataset or glob (tank/data, tank/*): must name datasets, not snapshots or bookmarks ('@' is not allowed)",
    );
    check(&job("kind = \"zfs\"\ndataset = \"/tank\"\n"), "no leading, trailing or double '/'");
    check(&job("kind = \"zfs\"\ndataset = \"tank/$(id)\"\n"), "'$' is not allowed");
    check(&job("kind = \"zfs\"\ndataset = \"\"\n"), "dataset: must not be empty");
    check(
        &job("kind = \"zfs\"\ndataset = \"tank\"\npath = \"/p\"\n"),
        "devices[0].backups[0].path: not used by kind = \"zfs\"",
    );
    check(
        &job("kind = \"file\"\npath = \"/p\"\ndataset = \"tank\"\n"),
        "devices[0].backups[0].dataset: not used by kind = \"file\"",
    );
    check(
        &job("kind = \"file\"\npath = \"/p\"\ncheck_interval = \"7d\"\n"),
        "devices[0].backups[0].check_interval: not used by kind = \"file\"",
    );
    let restic = "kind = \"restic\"\nrepository = \"/r\"\npassword_file = \"/pw\"\n";
    check(
        &job(&format!("{restic}check_interval = \"10m\"\n")),
        "devices[0].backups[0].check_interval: must be between 1h and 365d, got \"10m\"",
    );
    check(
        &job(&format!("{restic}check_interval = \"weekly\"\n")),
        "devices[0].backups[0].check_interval:",
    );
}
