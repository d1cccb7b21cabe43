//! SSH transport: one reused session per device, verified against known_hosts, replaced only
//! when it is broken; every replacement is logged with its cause and counted.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::ssh_conn::Conn;
use super::ssh_options::SshOptions;
use super::{Output, Transport, TransportError};
use crate::command::Command;

/// Why a session was dropped (the `cause` label of `infrastructor_ssh_reconnects_total`).
pub mod cause {
    /// A channel failed on the session (open, exec or read error).
    pub const CHANNEL_ERROR: &str = "channel_error";
    /// A command timed out and the session then did not answer a keepalive either.
    pub const TIMEOUT: &str = "timeout";
    /// The keepalive got no answer within its deadline.
    pub const KEEPALIVE: &str = "keepalive";
    /// [`Transport::disconnect`](super::Transport::disconnect) was called (planned).
    pub const REQUESTED: &str = "requested";
}

/// Sessions opened and dropped by one transport (for tests and benches; the same counts go
/// to the `infrastructor_ssh_reconnects_total` metric).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshStats {
    /// Sessions opened (logins) so far.
    pub sessions_opened: u64,
    /// Sessions dropped so far, by [`cause`].
    pub dropped: BTreeMap<&'static str, u64>,
}

impl SshStats {
    /// Drops other than the planned ones ([`cause::REQUESTED`]).
    pub fn unplanned_drops(&self) -> u64 {
        self.dropped.iter().filter(|(c, _)| **c != cause::REQUESTED).map(|(_, n)| n).sum()
    }
}

/// State shared with the keepalive task of the current session.
struct Shared {
    opts: SshOptions,
    /// The live session, `None` until connected or after it was dropped. Never held across
    /// an await.
    current: std::sync::Mutex<Option<Arc<Conn>>>,
    /// Held while connecting, so concurrent callers share one connection attempt.
    connecting: tokio::sync::Mutex<()>,
    opened: AtomicU64,
    dropped: std::sync::Mutex<BTreeMap<&'static str, u64>>,
}

impl Shared {
    fn current(&self) -> Option<Arc<Conn>> {
        self.current.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The current session, connecting within the connect timeout if there is none.
    async fn session(self: &Arc<Self>) -> Result<Arc<Conn>, TransportError> {
        if let Some(conn) = self.current() {
            return Ok(conn);
        }
        let _connecting = self.connecting.lock().await;
        if let Some(conn) = self.current() {
            return Ok(conn);
        }
        let timeout = self.opts.connect_timeout;
        let conn =
            tokio::time::timeout(timeout, Conn::open(&self.opts)).await.map_err(|_| {
                TransportError::Unreachable {
                    target: self.opts.target(),
                    detail: format!("connect timed out after {timeout:?}"),
                }
            })??;
        let conn = Arc::new(conn);
        self.opened.fetch_add(1, Ordering::Relaxed);
        spawn_keepalive(Arc::downgrade(self), Arc::downgrade(&conn));
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(conn.clone());
        Ok(conn)
    }

    /// Drops `conn` if it is still the current session: logs the cause (one line) and counts
    /// it. A session another caller already replaced is left alone.
    fn forget(&self, conn: &Arc<Conn>, cause: &'static str, why: &dyn std::fmt::Display) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if !current.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
            return;
        }
        *current = None;
        drop(current);
        self.count_drop(cause, why);
    }

    fn count_drop(&self, cause: &'static str, why: &dyn std::fmt::Display) {
        *self.dropped.lock().unwrap_or_else(|e| e.into_inner()).entry(cause).or_default() += 1;
        metrics::counter!("infrastructor_ssh_reconnects_total", "cause" => cause).increment(1);
        let target = self.opts.target();
        if cause == cause::REQUESTED {
            tracing::info!(%target, cause, reason = %why, "ssh session closed");
        } else {
            tracing::warn!(%target, cause, error = %why, "ssh session dropped; the next command reconnects");
        }
    }
}

/// Runs commands over one reused SSH session, reconnecting lazily after a failure.
pub struct SshTransport {
    shared: Arc<Shared>,
    /// Caps in-flight command channels on the session; never closed.
    channels: Semaphore,
}

impl SshTransport {
    /// A transport that connects on first use.
    pub fn new(opts: SshOptions) -> Self {
        let channels = Semaphore::new(opts.max_channels.max(1));
        let shared = Arc::new(Shared {
            opts,
            current: std::sync::Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            opened: AtomicU64::new(0),
            dropped: std::sync::Mutex::new(BTreeMap::new()),
        });
        Self { shared, channels }
    }

    /// Sessions opened and dropped so far.
    pub fn stats(&self) -> SshStats {
        SshStats {
            sessions_opened: self.shared.opened.load(Ordering::Relaxed),
            dropped: self.shared.dropped.lock().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    /// One run of `command` on `conn` within the command's timeout (counted from the exec).
    /// A broken session is dropped at once; after a timeout the session is dropped only if it
    /// does not answer a keepalive either (checked in the background: a hung tool is not a
    /// dead link). Each attempt is timed (`infrastructor_ssh_command_seconds{command}`) and
    /// counted by outcome (`infrastructor_ssh_commands_total{command,outcome}`).
    async fn attempt(&self, conn: &Arc<Conn>, command: &Command) -> Result<Output, TransportError> {
        let deadline = command.local_deadline();
        let started = std::time::Instant::now();
        let result = tokio::time::timeout(deadline, conn.exec(command)).await;
        let outcome = match &result {
            Ok(Ok(_)) => "completed",
            Ok(Err(_)) => "error",
            Err(_) => "timeout",
        };
        let name = command.name;
        metrics::histogram!("infrastructor_ssh_command_seconds", "command" => name)
            .record(started.elapsed().as_secs_f64());
        let labels = [("command", name), ("outcome", outcome)];
        metrics::counter!("infrastructor_ssh_commands_total", &labels).increment(1);
        match result {
            Ok(Err(e @ TransportError::Session { .. })) => {
                self.shared.forget(conn, cause::CHANNEL_ERROR, &e);
                Err(e)
            }
            Ok(result) => result,
            Err(_) => {
                let err =
                    TransportError::Timeout { command: command.name.to_string(), after: deadline };
                let (shared, conn, why) = (self.shared.clone(), conn.clone(), err.to_string());
                tokio::spawn(async move {
                    if let Err(e) = conn.probe(shared.opts.connect_timeout).await {
                        shared.forget(&conn, cause::TIMEOUT, &format!("{why}; {e}"));
                    }
                });
                Err(err)
            }
        }
    }
}

/// Probes the session every keepalive interval; drops it when it does not answer within the
/// connect timeout. Ends with the session (or once it is no longer the current one).
fn spawn_keepalive(shared: Weak<Shared>, conn: Weak<Conn>) {
    tokio::spawn(async move {
        loop {
            let Some(every) = shared.upgrade().map(|s| s.opts.keepalive) else { return };
            tokio::time::sleep(every.max(Duration::from_secs(1))).await;
            let (Some(s), Some(c)) = (shared.upgrade(), conn.upgrade()) else { return };
            if !s.current().is_some_and(|cur| Arc::ptr_eq(&cur, &c)) {
                return;
            }
            if let Err(e) = c.probe(s.opts.connect_timeout).await {
                s.forget(&c, cause::KEEPALIVE, &e);
                return;
            }
        }
    });
}

#[async_trait::async_trait]
impl Transport for SshTransport {
    async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        // Waiting for a channel and for the connection have their own bounds: neither eats
        // the command's deadline. Every channel holder ends within its own timeout, so the
        // wait's bound is only a safety net: twice the command's timeout plus a connect.
        let wait =
            command.timeout.saturating_mul(2).saturating_add(self.shared.opts.connect_timeout);
        let permit = tokio::time::timeout(wait, self.channels.acquire()).await;
        let Ok(permit) = permit else {
            return Err(TransportError::Timeout { command: command.name.to_string(), after: wait });
        };
        let _permit = permit.expect("semaphore is never closed");
        let conn = self.shared.session().await?;
        match self.attempt(&conn, command).await {
            // The reused session broke (the device closed it): try once more on a fresh one;
            // catalogue commands only read.
            Err(TransportError::Session { .. }) => {
                let fresh = self.shared.session().await?;
                self.attempt(&fresh, command).await
            }
            other => other,
        }
    }

    async fn connect(&self) -> Result<(), TransportError> {
        self.shared.session().await.map(|_| ())
    }

    async fn disconnect(&self) {
        let conn = self.shared.current.lock().unwrap_or_else(|e| e.into_inner()).take();
        if conn.is_some() {
            self.shared.count_drop(cause::REQUESTED, &"disconnect requested");
        }
    }

    async fn ping(&self, within: Duration) -> Result<(), TransportError> {
        let conn = self.shared.current().ok_or_else(|| TransportError::Unreachable {
            target: self.shared.opts.target(),
            detail: "no session".into(),
        })?;
        conn.probe(within).await
    }

    async fn knock(&self, within: Duration) -> Option<bool> {
        Some(knock(&self.shared.opts.host, self.shared.opts.port, within).await)
    }

    fn describe(&self) -> String {
        format!("ssh {}@{}", self.shared.opts.user, self.shared.opts.target())
    }
}

/// A TCP connect to `host:port` that reads the server's `SSH-` banner within `within`.
async fn knock(host: &str, port: u16, within: Duration) -> bool {
    use tokio::io::AsyncReadExt as _;
    let attempt = async {
        let mut tcp = tokio::net::TcpStream::connect((host, port)).await.ok()?;
        let mut banner = [0u8; 4];
        tcp.read_exact(&mut banner).await.ok()?;
        Some(&banner == b"SSH-")
    };
    tokio::time::timeout(within, attempt).await.ok().flatten().unwrap_or(false)
}
