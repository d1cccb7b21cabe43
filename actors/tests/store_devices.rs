//! The device registry, one test body per case run on every engine: a spec round-trips
//! whole (no passphrase is ever stored), writes keep `created_at`, config seeding replaces
//! API devices of the same name and forgets devices that left the config file.

#[path = "store/engines.rs"]
mod engines;

use std::path::PathBuf;
use std::time::Duration;

use infrastructor_actors::device::{
    Auth, DeviceSource, DeviceSpec, ProbeSettings, Probes, TransportKind,
};
use infrastructor_actors::model::backups::{BackupJob, BackupSource};
use infrastructor_actors::store::{DeviceRecord, SeedReport, StoreError};

fn spec(name: &str) -> DeviceSpec {
    DeviceSpec {
        name: name.into(),
        transport: TransportKind::Ssh,
        host: format!("{name}.lan"),
        port: 2222,
        user: "monitor".into(),
        auth: Auth::KeyFile { path: "/keys/id_ed25519".into(), passphrase: None },
        sudo: true,
        tags: vec!["rack-1".into(), "nas".into()],
        known_hosts: PathBuf::from("/etc/infrastructor/known_hosts"),
        probes: Probes {
            drives: ProbeSettings { enabled: false, interval: Duration::from_millis(1500) },
            containers: ProbeSettings::every(45),
            ..Probes::default()
        },
        backups: vec![BackupJob {
            name: "nightly".into(),
            source: BackupSource::Restic {
                repository: "sftp:backup@vault:/srv/restic".into(),
                password_file: "/root/.restic-password".into(),
                env_file: None,
                check_interval_seconds: None,
            },
            max_age_seconds: 93_600,
        }],
    }
}

fn names(records: &[DeviceRecord]) -> Vec<(String, DeviceSource)> {
    records.iter().map(|r| (r.spec.name.clone(), r.source)).collect()
}

#[tokio::test]
async fn devices_round_trip_and_writes_keep_their_creation_time() {
    for e in engines::all().await {
        let db = &e.store;
        assert!(db.devices().await.unwrap().is_empty(), "{}", e.name);
        let mut local = spec("self");
        local.transport = TransportKind::Local;
        local.auth = Auth::Agent;
        for s in [spec("nas"), local.clone()] {
            db.put_device(&DeviceRecord::new(s, DeviceSource::Api)).await.unwrap();
        }
        let stored = db.devices().await.unwrap();
        assert_eq!(stored.iter().map(|r| r.spec.clone()).collect::<Vec<_>>(), [spec("nas"), local]);
        assert!(stored.iter().all(|r| r.source == DeviceSource::Api), "{}", e.name);

        let mut edited = spec("nas");
        edited.tags = vec!["edited".into()];
        let created = stored[0].created_at;
        db.put_device(&DeviceRecord::new(edited.clone(), DeviceSource::Api)).await.unwrap();
        let after = db.devices().await.unwrap();
        assert_eq!(after[0].spec, edited, "{}", e.name);
        assert_eq!(after[0].created_at, created, "{}: created_at is kept", e.name);
        assert!(after[0].updated_at >= created, "{}", e.name);

        assert!(db.remove_device("nas").await.unwrap(), "{}", e.name);
        assert!(!db.remove_device("nas").await.unwrap(), "{}: already gone", e.name);
        assert_eq!(names(&db.devices().await.unwrap()), [("self".into(), DeviceSource::Api)]);
    }
}

#[tokio::test]
async fn a_passphrase_is_never_stored() {
    for e in engines::all().await {
        let db = &e.store;
        let mut secret = spec("vault");
        secret.auth = Auth::KeyFile { path: "/keys/k".into(), passphrase: Some("hunter2".into()) };
        let err = db.put_device(&DeviceRecord::new(secret.clone(), DeviceSource::Api)).await;
        let err = err.unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{}: {err}", e.name);
        assert!(err.to_string().contains("passphrase") && !err.to_string().contains("hunter2"));
        assert!(db.devices().await.unwrap().is_empty(), "{}", e.name);

        // A config device keeps its passphrase in the config file only.
        db.seed_config_devices(std::slice::from_ref(&secret)).await.unwrap();
        let stored = db.devices().await.unwrap();
        let Auth::KeyFile { path, passphrase } = &stored[0].spec.auth else { panic!("{stored:?}") };
        assert_eq!((path.to_str(), passphrase), (Some("/keys/k"), &None), "{}", e.name);
        let raw = format!("{stored:?}");
        assert!(!raw.contains("hunter2"), "{}", e.name);
    }
}

#[tokio::test]
async fn seeding_marks_config_devices_replaces_api_ones_and_forgets_departed_ones() {
    for e in engines::all().await {
        let db = &e.store;
        for name in ["api-only", "NAS"] {
            db.put_device(&DeviceRecord::new(spec(name), DeviceSource::Api)).await.unwrap();
        }
        let report = db.seed_config_devices(&[spec("nas"), spec("tower")]).await.unwrap();
        assert_eq!(report, SeedReport { replaced_api: vec!["NAS".into()], removed: vec![] });
        let want = [
            ("api-only", DeviceSource::Api),
            ("nas", DeviceSource::Config),
            ("tower", DeviceSource::Config),
        ];
        let want: Vec<_> = want.iter().map(|(n, s)| (n.to_string(), *s)).collect();
        assert_eq!(names(&db.devices().await.unwrap()), want, "{}", e.name);

        // An API write never replaces a config device.
        let err = db.put_device(&DeviceRecord::new(spec("tower"), DeviceSource::Api)).await;
        assert!(
            matches!(err, Err(StoreError::Invalid(m)) if m.contains("config file")),
            "{}",
            e.name
        );

        // Seeding again is stable (created_at kept); `tower` left the config file.
        let created = db.devices().await.unwrap()[1].created_at;
        let report = db.seed_config_devices(&[spec("nas")]).await.unwrap();
        assert_eq!(report, SeedReport { replaced_api: vec![], removed: vec!["tower".into()] });
        let after = db.devices().await.unwrap();
        assert_eq!(after[1].created_at, created, "{}", e.name);
        let want = [("api-only", DeviceSource::Api), ("nas", DeviceSource::Config)];
        let want: Vec<_> = want.iter().map(|(n, s)| (n.to_string(), *s)).collect();
        assert_eq!(names(&after), want, "{}", e.name);
        assert_eq!(after[1].spec, spec("nas"), "{}", e.name);
    }
}
