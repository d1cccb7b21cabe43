//! The transport a device spec asks for: the default transport factory of the fleet (and of
//! `infrastructor check`), and a spec's SSH options.

use std::sync::Arc;

use super::{DeviceSpec, FleetSettings, TransportKind};
use crate::transport::{LocalTransport, SshOptions, SshTransport, Transport};

/// The transport a device spec asks for: SSH, or local for `transport = "local"`, allowing
/// `channels` concurrent commands.
pub fn transport_for(
    spec: &DeviceSpec,
    settings: &FleetSettings,
    channels: usize,
) -> Arc<dyn Transport> {
    match spec.transport {
        TransportKind::Local => Arc::new(LocalTransport::new(channels)),
        TransportKind::Ssh => {
            let opts = SshOptions { max_channels: channels, ..ssh_options(spec, settings) };
            Arc::new(SshTransport::new(opts))
        }
    }
}

/// The SSH options of a device spec under the fleet's settings.
pub fn ssh_options(spec: &DeviceSpec, settings: &FleetSettings) -> SshOptions {
    SshOptions {
        host: spec.host.clone(),
        port: spec.port,
        user: spec.user.clone(),
        auth: spec.auth.clone(),
        known_hosts: spec.known_hosts.clone(),
        connect_timeout: settings.connect_timeout,
        max_channels: settings.max_channels,
        keepalive: settings.keepalive,
    }
}
