//! Helpers shared by the actor-level integration tests: a device spec for the in-process
//! replay transport.

use infrastructor_actors::device::{Auth, DeviceSpec, Probes, TransportKind};

/// A device named `name` that only a replay transport will ever serve.
pub fn spec(name: &str) -> DeviceSpec {
    DeviceSpec {
        name: name.into(),
        transport: TransportKind::Ssh,
        host: "replay".into(),
        port: 22,
        user: "root".into(),
        auth: Auth::Agent,
        sudo: false,
        tags: vec![],
        known_hosts: "/dev/null".into(),
        probes: Probes::default(),
        backups: Vec::new(),
    }
}
