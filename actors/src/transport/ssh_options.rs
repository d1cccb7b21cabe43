//! How to reach and log in to one SSH device: the options every part of the SSH transport
//! (session, authentication, connection) reads.

use std::path::PathBuf;
use std::time::Duration;

use super::Auth;

/// How to reach and log in to one device.
#[derive(Debug, Clone)]
pub struct SshOptions {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Login user.
    pub user: String,
    /// Key file or agent.
    pub auth: Auth,
    /// OpenSSH known_hosts file the host key must match.
    pub known_hosts: PathBuf,
    /// Deadline for TCP connect + handshake + auth, and for a keepalive's answer.
    pub connect_timeout: Duration,
    /// Concurrent channels allowed on the session (OpenSSH's `MaxSessions` defaults to 10).
    pub max_channels: usize,
    /// Interval of keepalives (each expects an answer within `connect_timeout`).
    pub keepalive: Duration,
}

impl SshOptions {
    pub(super) fn target(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}
