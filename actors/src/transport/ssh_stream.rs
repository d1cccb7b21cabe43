//! A TCP stream for async-ssh2-lite that waits for socket readiness instead of sleep-polling.
//!
//! libssh2 reads and writes the socket itself, so tokio's readiness flag is never cleared by a
//! `WouldBlock` it sees, and the library's own `TcpStream` impl re-polls every 1 ms while a
//! channel waits (burning CPU and adding latency). Here the readiness flag is cleared *before*
//! each libssh2 attempt: data that arrives after the attempt sets it again, so the wait that
//! follows cannot miss it. Because one session's channels share the socket, an attempt by one
//! channel can consume a packet meant for another; every attempt that found the socket ready
//! therefore wakes the other waiters ("progress" wakers), and a coarse safety-net timer bounds
//! any wait that still slips through.

use std::io::{self, ErrorKind};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use async_ssh2_lite::ssh2::{BlockDirections, Error as Ssh2Error, ErrorCode, Session};
use async_ssh2_lite::{AsyncSessionStream, Error};
use tokio::io::{Interest, Ready};
use tokio::net::TcpStream;
use tokio::sync::Notify;

/// Longest a waiting operation sleeps before re-trying on its own (safety net only).
const SAFETY_NET: Duration = Duration::from_millis(50);

/// libssh2's `LIBSSH2_ERROR_EAGAIN`.
const LIBSSH2_ERROR_EAGAIN: i32 = -37;

/// The socket of one SSH session plus the wake-ups shared by its channels.
#[derive(Debug)]
pub struct ReadyStream {
    /// The connected socket (TCP_NODELAY set by the caller); closed when the session drops.
    tcp: TcpStream,
    /// Wakes async waiters of other channels after an attempt that may have read their data.
    progress: Notify,
    /// Wakers of poll-based readers (channel stdout/stderr) waiting for such progress.
    progress_wakers: Mutex<Vec<Waker>>,
}

impl ReadyStream {
    /// Wraps a connected socket.
    pub fn new(tcp: TcpStream) -> Self {
        Self { tcp, progress: Notify::new(), progress_wakers: Mutex::new(Vec::new()) }
    }

    /// Clears tokio's readiness for `interest` if it is set; returns whether it was.
    fn clear(&self, interest: Interest) -> bool {
        let mut was_ready = false;
        let _ = self.tcp.try_io(interest, || {
            was_ready = true;
            Err::<(), _>(ErrorKind::WouldBlock.into())
        });
        was_ready
    }

    /// Registers `waker` to be woken by another channel's progress (deduplicated).
    fn register(&self, waker: &Waker) {
        let mut wakers = self.progress_wakers.lock().unwrap_or_else(|e| e.into_inner());
        if !wakers.iter().any(|w| w.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }

    /// Wakes every other channel waiting on this session.
    fn wake_others(&self) {
        self.progress.notify_waiters();
        let wakers =
            std::mem::take(&mut *self.progress_wakers.lock().unwrap_or_else(|e| e.into_inner()));
        for w in wakers {
            w.wake();
        }
    }

    fn interest(directions: BlockDirections) -> Option<Interest> {
        match directions {
            BlockDirections::None => None,
            BlockDirections::Inbound => Some(Interest::READABLE),
            BlockDirections::Outbound => Some(Interest::WRITABLE),
            BlockDirections::Both => Some(Interest::READABLE | Interest::WRITABLE),
        }
    }
}

impl AsRawFd for ReadyStream {
    fn as_raw_fd(&self) -> RawFd {
        self.tcp.as_raw_fd()
    }
}

fn is_would_block(err: &Ssh2Error) -> bool {
    matches!(err.code(), ErrorCode::Session(LIBSSH2_ERROR_EAGAIN))
}

#[async_trait::async_trait]
impl AsyncSessionStream for ReadyStream {
    async fn x_with<R>(
        &self,
        mut op: impl FnMut() -> Result<R, Ssh2Error> + Send,
        sess: &Session,
        _expected: BlockDirections,
        _sleep_dur: Option<Duration>,
    ) -> Result<R, Error> {
        loop {
            let progress = self.progress.notified();
            tokio::pin!(progress);
            progress.as_mut().enable();
            let cleared = self.clear(Interest::READABLE | Interest::WRITABLE);
            match op() {
                Ok(x) => {
                    self.wake_others();
                    return Ok(x);
                }
                Err(err) if is_would_block(&err) => {}
                Err(err) => return Err(err.into()),
            }
            if cleared {
                self.wake_others();
            }
            let Some(interest) = Self::interest(sess.block_directions()) else {
                tokio::task::yield_now().await;
                continue;
            };
            tokio::select! {
                r = self.tcp.ready(interest) => { r?; }
                _ = &mut progress => {}
                _ = tokio::time::sleep(SAFETY_NET) => {}
            }
        }
    }

    fn poll_x_with<R>(
        &self,
        cx: &mut Context,
        mut op: impl FnMut() -> Result<R, io::Error> + Send,
        sess: &Session,
        _expected: BlockDirections,
        _sleep_dur: Option<Duration>,
    ) -> Poll<Result<R, io::Error>> {
        self.register(cx.waker());
        let cleared = self.clear(Interest::READABLE | Interest::WRITABLE);
        match op() {
            Err(err) if err.kind() == ErrorKind::WouldBlock => {}
            ret => {
                self.wake_others();
                return Poll::Ready(ret);
            }
        }
        if cleared {
            // Wake the others but keep our own registration: drain, then re-register.
            self.wake_others();
            self.register(cx.waker());
        }
        let ready = match sess.block_directions() {
            BlockDirections::None => Poll::Ready(Ok(Ready::EMPTY)),
            BlockDirections::Inbound => self.tcp.poll_read_ready(cx).map_ok(|_| Ready::READABLE),
            BlockDirections::Outbound => self.tcp.poll_write_ready(cx).map_ok(|_| Ready::WRITABLE),
            BlockDirections::Both => match self.tcp.poll_read_ready(cx) {
                Poll::Ready(r) => Poll::Ready(r.map(|_| Ready::READABLE)),
                Poll::Pending => self.tcp.poll_write_ready(cx).map_ok(|_| Ready::WRITABLE),
            },
        };
        match ready {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(_)) => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Pending => {
                let waker = cx.waker().clone();
                tokio::spawn(async move {
                    tokio::time::sleep(SAFETY_NET).await;
                    waker.wake();
                });
                Poll::Pending
            }
        }
    }
}
