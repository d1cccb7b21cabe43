//! One live SSH connection: login, commands on channels, and a liveness probe.
//!
//! Two libssh2/ssh2 limits shape this file (both reproduced by `tests/ssh_channels.rs`):
//! - libssh2's `_libssh2_packet_requirev` fails with `-1` ("Failed waiting for channel
//!   success", "Unexpected error") when a packet of the awaited type arrives for *another*
//!   channel, so two channels may never wait for a channel-open confirmation or an exec reply
//!   at the same time: channel opens run under [`Conn::opening`] and exec requests under
//!   [`Conn::requesting`] (the two await different packet types; reads take neither).
//! - ssh2 frees a channel without its session lock, so the last handle of a channel is
//!   dropped under the stream's [`LibLock`] ([`Channel`]'s `Drop`).

use std::time::Duration;

use async_ssh2_lite::{AsyncChannel, AsyncSession, AsyncStream, SessionConfiguration};
use futures::AsyncReadExt;
use tokio::net::TcpStream;

use super::ssh_auth::{authenticate, verify_host_key};
use super::ssh_options::SshOptions;
use super::ssh_stream::{LibLock, ReadyStream};
use super::{OUTPUT_CAP, Output, TransportError};
use crate::command::{ChannelEnd, Command, Wrapped};

/// A logged-in session to one device.
pub struct Conn {
    session: AsyncSession<ReadyStream>,
    lib: LibLock,
    /// Held while a channel is opened (until its confirmation arrives).
    opening: tokio::sync::Mutex<()>,
    /// Held while an exec request is sent and acknowledged.
    requesting: tokio::sync::Mutex<()>,
    target: String,
}

/// A channel and its streams, dropped under the session's [`LibLock`] (also when a deadline
/// drops the future using it).
struct Channel {
    chan: Option<AsyncChannel<ReadyStream>>,
    /// stdout and stderr once taken.
    streams: Option<(AsyncStream<ReadyStream>, AsyncStream<ReadyStream>)>,
    lib: LibLock,
}

impl Channel {
    fn chan(&mut self) -> &mut AsyncChannel<ReadyStream> {
        self.chan.as_mut().expect("set until drop")
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        let (chan, streams) = (self.chan.take(), self.streams.take());
        self.lib.with(|| drop((streams, chan)));
    }
}

impl Conn {
    /// Connects, verifies the host key and logs in (no deadline: the caller sets one).
    pub async fn open(o: &SshOptions) -> Result<Conn, TransportError> {
        let target = format!("{}:{}", o.host, o.port);
        let unreachable =
            |detail: String| TransportError::Unreachable { target: target.clone(), detail };
        let tcp = TcpStream::connect((o.host.as_str(), o.port))
            .await
            .map_err(|e| unreachable(e.to_string().to_lowercase()))?;
        tcp.set_nodelay(true).map_err(|e| unreachable(e.to_string()))?;
        let stream = ReadyStream::new(tcp);
        let lib = stream.lib_lock();
        let mut session = AsyncSession::new(stream, SessionConfiguration::new())
            .map_err(|e| unreachable(format!("session setup: {e}")))?;
        session.handshake().await.map_err(|e| unreachable(format!("ssh handshake: {e}")))?;
        verify_host_key(&session, o)?;
        authenticate(&session, o).await?;
        Ok(Conn {
            session,
            lib,
            opening: tokio::sync::Mutex::new(()),
            requesting: tokio::sync::Mutex::new(()),
            target,
        })
    }

    fn session_err(&self, what: &str, e: impl std::fmt::Display) -> TransportError {
        TransportError::Session { target: self.target.clone(), detail: format!("{what}: {e}") }
    }

    /// Opens a channel (one open at a time on the session).
    async fn channel(&self) -> Result<Channel, async_ssh2_lite::Error> {
        let opening = self.opening.lock().await;
        let chan = self.session.channel_session().await?;
        drop(opening);
        Ok(Channel { chan: Some(chan), streams: None, lib: self.lib.clone() })
    }

    /// Runs `command` on a new channel and collects its output (no deadline: the caller sets
    /// one; dropping the future closes the channel).
    pub async fn exec(&self, command: &Command) -> Result<Output, TransportError> {
        let mut ch = self.channel().await.map_err(|e| self.session_err("open channel", e))?;
        let wrapped = command.wrapped();
        let requesting = self.requesting.lock().await;
        ch.chan().exec(&wrapped.line).await.map_err(|e| self.session_err("exec", e))?;
        drop(requesting);
        let streams = (ch.chan().stream(0), ch.chan().stderr());
        ch.streams = Some(streams);
        self.collect(&mut ch, &wrapped).await
    }

    /// Reads the channel's stdout and stderr to their end (each capped at [`OUTPUT_CAP`]),
    /// waits for the close, and checks the output with the command's end marker (a signal,
    /// a cut or a missing marker is never a success). The one place where a command's output
    /// is read.
    async fn collect(&self, ch: &mut Channel, wrapped: &Wrapped) -> Result<Output, TransportError> {
        let Channel { chan: Some(channel), streams: Some((stdout, stderr)), .. } = ch else {
            unreachable!("exec sets the channel and its streams")
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let (r1, r2) = futures::join!(read_capped(stdout, &mut out), read_capped(stderr, &mut err));
        let cut_out = r1.map_err(|e| self.session_err("read stdout", e))?;
        let cut_err = r2.map_err(|e| self.session_err("read stderr", e))?;
        channel.wait_close().await.map_err(|e| self.session_err("close channel", e))?;
        let signal = channel
            .exit_signal()
            .await
            .map_err(|e| self.session_err("exit signal", e))?
            .exit_signal
            .filter(|s| !s.is_empty());
        let end = match signal {
            Some(name) => ChannelEnd::Signal(name),
            None => ChannelEnd::Status(
                channel.exit_status().map_err(|e| self.session_err("exit status", e))?,
            ),
        };
        wrapped.finish(&out, &err, end, cut_out || cut_err)
    }

    /// Whether the server answers within `within`: opens and closes a channel (no process is
    /// started). A refused open (e.g. `MaxSessions` reached) is an answer too. A keepalive
    /// with want_reply would also get an answer, but libssh2 never consumes the
    /// `SSH_MSG_REQUEST_FAILURE` replies: they pile up in the session's packet list (one
    /// per keepalive, scanned on every channel read) for the life of the session.
    pub async fn probe(&self, within: Duration) -> Result<(), TransportError> {
        let answer = tokio::time::timeout(within, async {
            match self.channel().await {
                Ok(mut ch) => {
                    let closed = ch.chan().close().await;
                    closed.map_err(|e| self.session_err("close probe channel", e))
                }
                Err(async_ssh2_lite::Error::Ssh2(e))
                    if matches!(e.code(), async_ssh2_lite::ssh2::ErrorCode::Session(-21)) =>
                {
                    Ok(()) // LIBSSH2_ERROR_CHANNEL_FAILURE: the server refused, so it answered.
                }
                Err(e) => Err(self.session_err("open probe channel", e)),
            }
        });
        answer.await.unwrap_or_else(|_| {
            Err(TransportError::Unreachable {
                target: self.target.clone(),
                detail: format!("no answer to a keepalive within {within:?}"),
            })
        })
    }
}

/// Reads `stream` to its end, keeping the first [`OUTPUT_CAP`] bytes and discarding the rest
/// (still reading it, so the remote side is never blocked by a full window). Returns whether
/// anything was discarded.
async fn read_capped<R: futures::AsyncRead + Unpin>(
    stream: &mut R,
    into: &mut Vec<u8>,
) -> std::io::Result<bool> {
    (&mut *stream).take(OUTPUT_CAP as u64).read_to_end(into).await?;
    let rest = futures::io::copy(stream, &mut futures::io::sink()).await?;
    Ok(rest > 0)
}
