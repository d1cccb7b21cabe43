//! SSH transport: one reused async-ssh2-lite session per device, verified against known_hosts.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_ssh2_lite::{AsyncSession, SessionConfiguration};
use futures::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::{Mutex, Semaphore};

use super::ssh_auth::{authenticate, verify_host_key};
use super::ssh_stream::ReadyStream;
use super::{Output, Transport, TransportError};
use crate::command::Command;
use crate::device::Auth;

/// Largest stdout or stderr kept from one command; the rest is discarded.
const OUTPUT_CAP: u64 = 32 * 1024 * 1024;

type Session = AsyncSession<ReadyStream>;

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
    /// Deadline for TCP connect + handshake + auth.
    pub connect_timeout: Duration,
    /// Concurrent channels allowed on the session (OpenSSH's `MaxSessions` defaults to 10).
    pub max_channels: usize,
    /// Interval of SSH keepalive messages.
    pub keepalive: Duration,
}

impl SshOptions {
    fn target(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Runs commands over one reused SSH session, reconnecting lazily after a failure.
pub struct SshTransport {
    /// Connection settings.
    opts: SshOptions,
    /// The live session, `None` until connected or after a session error. The lock is held
    /// while connecting so concurrent callers share one connection attempt.
    session: Mutex<Option<Arc<Session>>>,
    /// Caps in-flight channels on the session; closed never (dropped with the transport).
    channels: Semaphore,
}

impl SshTransport {
    /// A transport that connects on first use.
    pub fn new(opts: SshOptions) -> Self {
        let channels = Semaphore::new(opts.max_channels.max(1));
        Self { opts, session: Mutex::new(None), channels }
    }

    async fn session(&self) -> Result<Arc<Session>, TransportError> {
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let timeout = self.opts.connect_timeout;
        let session = tokio::time::timeout(timeout, self.open())
            .await
            .map_err(|_| self.unreachable(format!("connect timed out after {timeout:?}")))??;
        let session = Arc::new(session);
        spawn_keepalive(Arc::downgrade(&session), self.opts.keepalive);
        *guard = Some(session.clone());
        Ok(session)
    }

    async fn open(&self) -> Result<Session, TransportError> {
        let o = &self.opts;
        let tcp = TcpStream::connect((o.host.as_str(), o.port))
            .await
            .map_err(|e| self.unreachable(e.to_string().to_lowercase()))?;
        tcp.set_nodelay(true).map_err(|e| self.unreachable(e.to_string()))?;
        let mut config = SessionConfiguration::new();
        config.set_keepalive(false, o.keepalive.as_secs().clamp(1, u32::MAX as u64) as u32);
        let mut session = AsyncSession::new(ReadyStream::new(tcp), config)
            .map_err(|e| self.unreachable(format!("session setup: {e}")))?;
        session.handshake().await.map_err(|e| self.unreachable(format!("ssh handshake: {e}")))?;
        verify_host_key(&session, o)?;
        authenticate(&session, o).await?;
        Ok(session)
    }

    /// Drops `session` if it is still the current one.
    async fn forget(&self, session: &Arc<Session>) {
        let mut guard = self.session.lock().await;
        if guard.as_ref().is_some_and(|s| Arc::ptr_eq(s, session)) {
            *guard = None;
        }
    }

    fn unreachable(&self, detail: String) -> TransportError {
        TransportError::Unreachable { target: self.opts.target(), detail }
    }

    async fn exec(&self, session: &Session, command: &Command) -> Result<Output, TransportError> {
        let session_err = |what: &str, e: async_ssh2_lite::Error| TransportError::Session {
            target: self.opts.target(),
            detail: format!("{what}: {e}"),
        };
        let mut channel =
            session.channel_session().await.map_err(|e| session_err("open channel", e))?;
        channel.exec(&command.wrapped_line()).await.map_err(|e| session_err("exec", e))?;
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let (mut stdout, mut stderr) = (channel.stream(0), channel.stderr());
        let (r1, r2) =
            futures::join!(read_capped(&mut stdout, &mut out), read_capped(&mut stderr, &mut err));
        r1.map_err(|e| session_err("read stdout", e.into()))?;
        r2.map_err(|e| session_err("read stderr", e.into()))?;
        channel.wait_close().await.map_err(|e| session_err("close channel", e))?;
        let status = channel.exit_status().map_err(|e| session_err("exit status", e))?;
        Ok(Output {
            stdout: String::from_utf8_lossy(&out).into_owned(),
            stderr: String::from_utf8_lossy(&err).into_owned(),
            status,
            ..Default::default()
        })
    }
}

/// Reads `stream` to its end, keeping the first [`OUTPUT_CAP`] bytes and discarding the rest
/// (still reading it, so the remote side is never blocked by a full window).
async fn read_capped<R: futures::AsyncRead + Unpin>(
    stream: &mut R,
    into: &mut Vec<u8>,
) -> std::io::Result<()> {
    (&mut *stream).take(OUTPUT_CAP).read_to_end(into).await?;
    futures::io::copy(stream, &mut futures::io::sink()).await.map(|_| ())
}

/// Sends SSH keepalives while the session lives; stops at the first failure or stall.
fn spawn_keepalive(session: std::sync::Weak<Session>, every: Duration) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let Some(s) = session.upgrade() else { return };
            match tokio::time::timeout(every, s.keepalive_send()).await {
                Ok(Ok(_)) => {}
                _ => return,
            }
        }
    });
}

#[async_trait::async_trait]
impl Transport for SshTransport {
    async fn run(&self, command: &Command) -> Result<Output, TransportError> {
        let attempt = async {
            let _permit = self.channels.acquire().await.expect("semaphore is never closed");
            let session = self.session().await?;
            match self.exec(&session, command).await {
                // The reused session broke (the device closed it, or libssh2 lost its
                // footing): replace it and try once more; catalogue commands only read.
                Err(TransportError::Session { .. }) => {
                    self.forget(&session).await;
                    let fresh = self.session().await?;
                    self.exec(&fresh, command).await
                }
                other => other,
            }
        };
        let err = match tokio::time::timeout(command.timeout, attempt).await {
            Ok(Ok(out)) => return Ok(out),
            Ok(Err(e)) if !matches!(e, TransportError::Session { .. }) => return Err(e),
            Ok(Err(e)) => e,
            Err(_) => TransportError::Timeout {
                command: command.name.to_string(),
                after: command.timeout,
            },
        };
        // A broken or timed-out session is replaced on the next call: an abandoned libssh2
        // call can leave a half-sent packet behind, after which the session is unusable.
        self.session.lock().await.take();
        Err(err)
    }

    async fn connect(&self) -> Result<(), TransportError> {
        self.session().await.map(|_| ())
    }

    async fn disconnect(&self) {
        self.session.lock().await.take();
    }

    fn describe(&self) -> String {
        format!("ssh {}@{}", self.opts.user, self.opts.target())
    }
}
