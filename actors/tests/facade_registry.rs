//! The facade's device registry over a fleet on the replay transport: config devices are
//! listed as such and cannot be edited or removed through the API; API devices are written to
//! the store before the answer says ok (a failed write is `Unavailable` and changes nothing);
//! a passphrase is refused.

mod common;

use std::sync::Arc;

use infrastructor_actors::api::{ApiError, FleetHandle, RegisteredDevice, Registry};
use infrastructor_actors::bus::Bus;
use infrastructor_actors::device::{Auth, DeviceSource, DeviceSpec, FleetSettings};
use infrastructor_actors::fleet::{Fleet, FleetArgs};
use infrastructor_actors::state::Projection;
use infrastructor_actors::store::Store;
use infrastructor_actors::transport::{ReplayTransport, Transport};
use ractor::Actor;

use common::spec;

async fn start(store: &Store, config: Vec<DeviceSpec>) -> FleetHandle {
    store.seed_config_devices(&config).await.unwrap();
    let transport: Arc<dyn Transport> =
        Arc::new(ReplayTransport::new(|_| Ok(ReplayTransport::ok("Linux 6.1\n"))));
    let mut args = FleetArgs::new(FleetSettings::default(), Bus::new(), config.clone());
    args.transports = Arc::new(move |_, _, _| transport.clone());
    args.slots = Arc::new(|_| vec![]);
    let (fleet, _) = Actor::spawn(None, Fleet, args).await.unwrap();
    let registry = Registry::new(Some(store.clone()), &config);
    FleetHandle::new(fleet, Arc::new(Projection::default())).with_registry(registry)
}

fn listed(devices: &[RegisteredDevice]) -> Vec<(&str, DeviceSource)> {
    devices.iter().map(|d| (d.spec.name.as_str(), d.source)).collect()
}

async fn stored(store: &Store) -> Vec<(String, DeviceSource)> {
    store.devices().await.unwrap().into_iter().map(|r| (r.spec.name, r.source)).collect()
}

#[tokio::test]
async fn api_devices_are_persisted_and_config_devices_are_edited_in_the_file() {
    let store = Store::sqlite_in_memory().unwrap();
    let h = start(&store, vec![spec("cfg")]).await;
    assert_eq!(listed(&h.devices().await.unwrap()), [("cfg", DeviceSource::Config)]);

    for err in [h.update_device(spec("cfg")).await, h.remove_device("cfg").await] {
        let err = err.unwrap_err();
        assert!(matches!(&err, ApiError::Refused(m) if m.contains("config file")), "{err}");
    }

    h.add_device(spec("api1")).await.unwrap();
    let want = [("api1".to_string(), DeviceSource::Api), ("cfg".to_string(), DeviceSource::Config)];
    assert_eq!(stored(&store).await, want, "written before the answer");
    assert_eq!(
        listed(&h.devices().await.unwrap()),
        [("api1", DeviceSource::Api), ("cfg", DeviceSource::Config)]
    );

    let mut edited = spec("api1");
    edited.tags = vec!["edited".into()];
    h.update_device(edited.clone()).await.unwrap();
    assert_eq!(store.devices().await.unwrap()[0].spec, edited);
    let ghost = h.update_device(spec("ghost")).await.unwrap_err();
    assert!(matches!(ghost, ApiError::NotFound(_)), "{ghost}");
    assert!(stored(&store).await.iter().all(|(n, _)| n != "ghost"), "nothing stored for it");

    let mut secret = spec("vault");
    secret.auth = Auth::KeyFile { path: "/k".into(), passphrase: Some("hunter2".into()) };
    let err = h.add_device(secret).await.unwrap_err();
    assert!(matches!(&err, ApiError::Invalid(m) if m.contains("passphrase")), "{err}");
    assert!(!err.to_string().contains("hunter2"));
    assert_eq!(h.devices().await.unwrap().len(), 2, "not added");

    h.remove_device("api1").await.unwrap();
    assert_eq!(stored(&store).await, [("cfg".to_string(), DeviceSource::Config)]);
    assert_eq!(listed(&h.devices().await.unwrap()), [("cfg", DeviceSource::Config)]);
}

#[tokio::test]
async fn a_failed_registry_write_is_unavailable_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("registry.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    let h = start(&store, vec![spec("cfg")]).await;
    h.add_device(spec("kept")).await.unwrap();
    // The registry table vanishes under the server's feet.
    rusqlite::Connection::open(&path).unwrap().execute_batch("DROP TABLE devices").unwrap();

    let err = h.add_device(spec("new")).await.unwrap_err();
    assert!(
        matches!(&err, ApiError::Unavailable(m) if m.contains("registry") && m.contains("not added")),
        "{err}"
    );
    let err = h.remove_device("kept").await.unwrap_err();
    assert!(matches!(&err, ApiError::Unavailable(m) if m.contains("nothing was removed")), "{err}");
    let err = h.update_device(spec("kept")).await.unwrap_err();
    assert!(matches!(&err, ApiError::Unavailable(m) if m.contains("nothing was changed")), "{err}");
    assert_eq!(
        listed(&h.devices().await.unwrap()),
        [("cfg", DeviceSource::Config), ("kept", DeviceSource::Api)],
        "the fleet is as before"
    );
}
