//! A TCP stream for async-ssh2-lite that waits for socket readiness instead of sleep-polling.
//!
//! libssh2 reads and writes the socket itself, so tokio's readiness flag is never cleared by a
//! `WouldBlock` it sees, and the library's own `TcpStream` impl re-polls every 1 ms while a
//! channel waits (burning CPU and adding latency). Here the readiness flag is cleared *before*
//! each libssh2 attempt: data that arrives after the attempt sets it again, so the wait that
//! follows cannot miss it. Because one session's channels share the socket, an attempt by one
//! channel can consume a packet meant for another; every attempt that found the socket ready
//! therefore wakes the other waiters ("progress"), and one coarse safety-net timer per session,
//! armed only while someone waits, bounds any wait that still slips through.
//!
//! Every libssh2 call made through the stream runs under the session's [`LibLock`], which
//! is also taken to free a channel: ssh2 0.9's `Drop` for a channel calls
//! `libssh2_channel_free` without ssh2's own session lock (ssh2-rs issue #322), and freeing
//! a channel sends a close and edits the session's packet lists, so racing it with another
//! thread's call corrupts the encrypted stream (sshd: "Connection corrupted").

use std::io::{self, ErrorKind};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use async_ssh2_lite::ssh2::{BlockDirections, Error as Ssh2Error, ErrorCode, Session};
use async_ssh2_lite::{AsyncSessionStream, Error};
use tokio::io::Interest;
use tokio::net::TcpStream;

/// Longest a waiting operation sleeps before re-trying on its own (safety net only).
const SAFETY_NET: Duration = Duration::from_millis(50);

/// libssh2's `LIBSSH2_ERROR_EAGAIN`.
const LIBSSH2_ERROR_EAGAIN: i32 = -37;

/// Wakers of operations waiting on one session, shared with the safety-net timer.
#[derive(Default)]
struct Waiters {
    /// Registered wakers (deduplicated); each is woken once, then forgotten.
    wakers: Mutex<Vec<Waker>>,
    /// Whether a safety-net timer is pending for this session.
    net_armed: AtomicBool,
}

impl Waiters {
    fn register(&self, waker: &Waker) {
        let mut wakers = self.wakers.lock().unwrap_or_else(|e| e.into_inner());
        if !wakers.iter().any(|w| w.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }

    /// Wakes every registered waiter except `me`, which stays registered.
    fn wake_others(&self, me: Option<&Waker>) {
        let mut wakers = self.wakers.lock().unwrap_or_else(|e| e.into_inner());
        wakers.retain(|w| {
            if me.is_some_and(|me| w.will_wake(me)) {
                true
            } else {
                w.wake_by_ref();
                false
            }
        });
    }

    /// Arms the session's single safety-net timer unless it is already pending.
    fn arm_safety_net(self: &Arc<Self>) {
        if self.net_armed.swap(true, Ordering::AcqRel) {
            return;
        }
        let me = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(SAFETY_NET).await;
            if let Some(w) = me.upgrade() {
                w.net_armed.store(false, Ordering::Release);
                w.wake_others(None);
            }
        });
    }
}

/// Serialises every libssh2 call on one session, including the ones ssh2 makes unlocked
/// (freeing a channel). Held only for one non-blocking call at a time.
#[derive(Clone, Default)]
pub struct LibLock(Arc<Mutex<()>>);

impl LibLock {
    /// Runs `f` while no libssh2 call of this session runs.
    pub fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f()
    }
}

/// The socket of one SSH session plus the wake-ups shared by its channels.
pub struct ReadyStream {
    /// The connected socket (TCP_NODELAY set by the caller); closed when the session drops.
    tcp: TcpStream,
    /// Operations of this session's channels waiting for progress.
    waiters: Arc<Waiters>,
    /// Held around every libssh2 call made through this stream.
    lib: LibLock,
}

impl ReadyStream {
    /// Wraps a connected socket.
    pub fn new(tcp: TcpStream) -> Self {
        Self { tcp, waiters: Arc::default(), lib: LibLock::default() }
    }

    /// The lock every libssh2 call on this session runs under (take it to free a channel).
    pub fn lib_lock(&self) -> LibLock {
        self.lib.clone()
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

    /// Clears read and write readiness before a libssh2 attempt; returns whether the socket
    /// was readable (the attempt may then consume data meant for another channel).
    fn clear_both(&self) -> bool {
        self.clear(Interest::WRITABLE);
        self.clear(Interest::READABLE)
    }

    /// The readiness to wait for after libssh2 said "would block".
    fn interest(directions: BlockDirections) -> Interest {
        match directions {
            BlockDirections::Outbound => Interest::WRITABLE,
            BlockDirections::Both => Interest::READABLE | Interest::WRITABLE,
            // `None` (libssh2 waits on something else, e.g. another channel) and `Inbound`:
            // new data is what can unblock it.
            BlockDirections::None | BlockDirections::Inbound => Interest::READABLE,
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
            // Register for other channels' progress before the attempt, so none is missed.
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let waker = waker_fn(tx);
            self.waiters.register(&waker);
            let cleared = self.clear_both();
            match self.lib.with(&mut op) {
                Ok(x) => {
                    self.waiters.wake_others(Some(&waker));
                    return Ok(x);
                }
                Err(err) if is_would_block(&err) => {}
                Err(err) => return Err(err.into()),
            }
            if cleared {
                self.waiters.wake_others(Some(&waker));
            }
            let interest = Self::interest(sess.block_directions());
            tokio::select! {
                r = self.tcp.ready(interest) => { r?; }
                _ = rx => {}
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
        self.waiters.register(cx.waker());
        let cleared = self.clear_both();
        match self.lib.with(&mut op) {
            Err(err) if err.kind() == ErrorKind::WouldBlock => {}
            ret => {
                self.waiters.wake_others(Some(cx.waker()));
                return Poll::Ready(ret);
            }
        }
        if cleared {
            self.waiters.wake_others(Some(cx.waker()));
        }
        let ready = match sess.block_directions() {
            BlockDirections::Outbound => self.tcp.poll_write_ready(cx),
            BlockDirections::Both => match self.tcp.poll_write_ready(cx) {
                Poll::Pending => self.tcp.poll_read_ready(cx),
                ready => ready,
            },
            BlockDirections::None | BlockDirections::Inbound => self.tcp.poll_read_ready(cx),
        };
        match ready {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(())) => {
                // Readiness arrived between the attempt and now: try again at once.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Pending => {
                self.waiters.arm_safety_net();
                Poll::Pending
            }
        }
    }
}

/// A waker that completes a oneshot channel (for the async path's progress wake-ups).
fn waker_fn(tx: tokio::sync::oneshot::Sender<()>) -> Waker {
    struct OnceWake(Mutex<Option<tokio::sync::oneshot::Sender<()>>>);
    impl std::task::Wake for OnceWake {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            if let Some(tx) = self.0.lock().unwrap_or_else(|e| e.into_inner()).take() {
                let _ = tx.send(());
            }
        }
    }
    Waker::from(Arc::new(OnceWake(Mutex::new(Some(tx)))))
}
