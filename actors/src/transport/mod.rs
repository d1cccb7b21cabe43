//! Transports run catalogue commands on a device: over SSH, or on the server's own host.

mod local;
mod replay;
mod ssh;
mod ssh_auth;
pub(crate) mod ssh_conn;
mod ssh_options;
pub(crate) mod ssh_stream;

use std::time::Duration;

pub use local::LocalTransport;
pub use replay::ReplayTransport;
pub use ssh::{SshStats, SshTransport, cause as ssh_cause};
pub use ssh_auth::Auth;
pub use ssh_options::SshOptions;

use crate::command::Command;

/// Largest stdout or stderr kept from one command; the rest is read and discarded.
pub const OUTPUT_CAP: usize = 32 * 1024 * 1024;

/// What a finished command produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// Standard output, decoded as UTF-8 (invalid bytes replaced).
    pub stdout: String,
    /// Standard error, decoded as UTF-8 (invalid bytes replaced).
    pub stderr: String,
    /// Exit status; `128 + n` when the process was killed by signal `n` (`-1` when the
    /// signal is unknown).
    pub status: i32,
    /// Whether stdout or stderr exceeded [`OUTPUT_CAP`] and was cut there.
    pub truncated: bool,
    /// The signal that killed the process (`KILL`, `TERM`, ...), if one did.
    pub signal: Option<String>,
}

impl Output {
    /// Whether the command exited with status 0 (never true for a process killed by a
    /// signal).
    pub fn success(&self) -> bool {
        self.status == 0 && self.signal.is_none()
    }
}

/// Why a command could not be run. Messages are lowercase and never contain secrets.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TransportError {
    /// TCP connect, handshake or session failure: the device is unreachable right now.
    #[error("cannot reach {target}: {detail}")]
    Unreachable {
        /// `host:port`.
        target: String,
        /// What failed.
        detail: String,
    },
    /// The device's host key is not in known_hosts, or differs from the recorded one.
    #[error("host key verification failed for {target}: {detail}")]
    HostKey {
        /// `host:port`.
        target: String,
        /// Unknown or mismatched, with the fingerprint and the known_hosts file.
        detail: String,
    },
    /// The device refused every configured credential.
    #[error("authentication failed for {user}@{target}: {detail}")]
    Auth {
        /// Login user.
        user: String,
        /// `host:port`.
        target: String,
        /// Which methods were tried.
        detail: String,
    },
    /// The command did not finish within its timeout (the remote side is killed by `timeout`).
    #[error("command `{command}` timed out after {after:?}")]
    Timeout {
        /// Catalogue name of the command.
        command: String,
        /// The local deadline.
        after: Duration,
    },
    /// The device killed the command at its remote deadline: the device answered, the tool
    /// hung (a stale mount, a stuck daemon).
    #[error("`{command}` did not finish within {after:?} on the device and was killed there")]
    Hung {
        /// Catalogue name of the command.
        command: &'static str,
        /// The remote deadline.
        after: Duration,
    },
    /// The command's output is not whole: no end marker (cut in transit or killed), ended by
    /// a signal, or larger than the output cap. Never parsed as a success.
    #[error("incomplete output from `{command}`: {detail}")]
    Incomplete {
        /// Catalogue name of the command.
        command: &'static str,
        /// What was missing.
        detail: String,
    },
    /// The session broke while the command ran.
    #[error("session to {target} failed: {detail}")]
    Session {
        /// `host:port`.
        target: String,
        /// What failed.
        detail: String,
    },
}

impl TransportError {
    /// Whether retrying later may succeed (network trouble) rather than needing an operator
    /// (wrong host key, wrong credentials).
    pub fn is_transient(&self) -> bool {
        !matches!(self, Self::HostKey { .. } | Self::Auth { .. })
    }

    /// Whether the device itself answered (the tool failed, the link is fine): a hung tool
    /// killed on the device, or an incomplete output.
    pub fn device_answered(&self) -> bool {
        matches!(self, Self::Hung { .. } | Self::Incomplete { .. })
    }

    /// The same failure as an unreachable device (a liveness check that timed out).
    pub fn into_unreachable(self, target: String) -> Self {
        match self {
            Self::Timeout { command, after } => Self::Unreachable {
                target,
                detail: format!("`{command}` got no answer within {after:?}"),
            },
            other => other,
        }
    }
}

/// Runs commands on one device. Implementations are cheap to share (`Arc<dyn Transport>`).
#[async_trait::async_trait]
pub trait Transport: Send + Sync + 'static {
    /// Runs `command`, enforcing its timeout locally and remotely.
    async fn run(&self, command: &Command) -> Result<Output, TransportError>;

    /// Makes sure a working session exists (connecting, verifying the host key and
    /// authenticating if needed).
    async fn connect(&self) -> Result<(), TransportError>;

    /// Drops the current session so the next call reconnects.
    async fn disconnect(&self);

    /// Liveness check of the *current* session within `within`: never waits for a channel
    /// permit and never opens a new connection. `Ok` means the device answered (a hung tool,
    /// not a dead link); an error means no session or no answer. Transports without a session
    /// (local, replay) answer at once.
    async fn ping(&self, within: Duration) -> Result<(), TransportError> {
        let _ = within;
        Ok(())
    }

    /// Whether the device answers at all, without logging in: for SSH a TCP connect that
    /// reads the server's `SSH-` banner within `within`. `None` when the transport cannot
    /// tell (local, replay). Used between the backed-off reconnects of an offline device.
    async fn knock(&self, within: Duration) -> Option<bool> {
        let _ = within;
        None
    }

    /// `ssh user@host:port` or `local`, for events and tables.
    fn describe(&self) -> String;
}
