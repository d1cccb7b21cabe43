//! How the server reaches a simulated device: SSH options and device specs pointing at it.

use std::time::Duration;

use infrastructor_actors::device::{Auth, DeviceSpec, Probes, TransportKind};
use infrastructor_actors::transport::SshOptions;

use super::SimDevice;

/// SSH options for `dev`'s sshd: its client key and known_hosts, 4 channels.
pub fn ssh_options(dev: &SimDevice) -> SshOptions {
    let s = dev.sshd();
    SshOptions {
        host: "127.0.0.1".into(),
        port: s.port(),
        user: s.user().to_string(),
        auth: Auth::KeyFile { path: s.client_key_path(), passphrase: None },
        known_hosts: s.known_hosts_path(),
        connect_timeout: Duration::from_secs(10),
        max_channels: 4,
        keepalive: Duration::from_secs(30),
    }
}

/// A device spec for `dev` (named after it) with the given probes.
pub fn device_spec(dev: &SimDevice, probes: Probes) -> DeviceSpec {
    let o = ssh_options(dev);
    DeviceSpec {
        name: dev.name().to_string(),
        transport: TransportKind::Ssh,
        host: o.host,
        port: o.port,
        user: o.user,
        auth: o.auth,
        sudo: false,
        tags: vec!["test".into()],
        known_hosts: o.known_hosts,
        probes,
        backups: Vec::new(),
    }
}

/// SSH options for `dev` reached through a proxy listening on 127.0.0.1:`port`, with a
/// known_hosts file for that port written into `dir`.
pub fn ssh_options_via(dev: &SimDevice, port: u16, dir: &std::path::Path) -> SshOptions {
    let known_hosts = dir.join(format!("known_hosts-{port}"));
    let line = format!("[127.0.0.1]:{port} {}\n", dev.sshd().host_public_key_line());
    std::fs::write(&known_hosts, line).expect("write proxy known_hosts");
    SshOptions { port, known_hosts, ..ssh_options(dev) }
}
