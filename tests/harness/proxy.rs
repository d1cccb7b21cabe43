//! `FaultProxy`: a TCP proxy on 127.0.0.1 that can cut or stall traffic to an upstream.
//!
//! Runs as tasks on the caller's tokio runtime; everything stops when the proxy is dropped.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::wait_until;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Forward bytes both ways.
    Open,
    /// Keep connections (and accept new ones) but forward nothing.
    Stalled,
    /// Close every connection; the port refuses new ones.
    Cut,
}

#[derive(Default)]
struct Counters {
    accepted: AtomicUsize,
    active: AtomicUsize,
    listening: AtomicBool,
}

/// A fault-injecting TCP proxy in front of `upstream`.
pub struct FaultProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    mode: watch::Sender<Mode>,
    counters: Arc<Counters>,
    accept_task: JoinHandle<()>,
}

impl FaultProxy {
    /// Listens on a free port of 127.0.0.1 and forwards every connection to `upstream`.
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let (mode, mode_rx) = watch::channel(Mode::Open);
        let counters = Arc::new(Counters::default());
        counters.listening.store(true, Ordering::SeqCst);
        let accept_task =
            tokio::spawn(accept_loop(listener, addr, upstream, mode_rx, counters.clone()));
        FaultProxy { addr, upstream, mode, counters, accept_task }
    }

    /// Where clients should connect instead of the upstream.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address traffic is forwarded to.
    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// Closes every connection and refuses new ones until [`FaultProxy::restore`]; returns
    /// once the port refuses and no connection is left.
    pub async fn cut(&self) {
        self.mode.send_replace(Mode::Cut);
        let c = self.counters.clone();
        wait_until(Duration::from_secs(5), "the proxy closed its port and connections", || {
            !c.listening.load(Ordering::SeqCst) && c.active.load(Ordering::SeqCst) == 0
        })
        .await;
    }

    /// Keeps connections open (and accepts new ones) but forwards no bytes either way.
    pub async fn stall(&self) {
        self.mode.send_replace(Mode::Stalled);
        let c = self.counters.clone();
        wait_until(Duration::from_secs(5), "the proxy listens", || {
            c.listening.load(Ordering::SeqCst)
        })
        .await;
    }

    /// Back to normal forwarding; returns once the port accepts connections again.
    pub async fn restore(&self) {
        self.stall().await;
        self.mode.send_replace(Mode::Open);
    }

    /// Connections accepted since start.
    pub fn connections(&self) -> usize {
        self.counters.accepted.load(Ordering::SeqCst)
    }

    /// Connections currently open through the proxy.
    pub fn active_connections(&self) -> usize {
        self.counters.active.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.mode.send_replace(Mode::Cut);
        self.accept_task.abort();
    }
}

/// A listener with SO_REUSEADDR so the same port can be bound again after a cut.
fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

async fn accept_loop(
    first: TcpListener,
    addr: SocketAddr,
    upstream: SocketAddr,
    mut mode: watch::Receiver<Mode>,
    counters: Arc<Counters>,
) {
    let mut listener = Some(first);
    loop {
        let current = *mode.borrow_and_update();
        match (listener.take(), current) {
            (Some(_dropped), Mode::Cut) => counters.listening.store(false, Ordering::SeqCst),
            (None, Mode::Cut) => {
                if mode.changed().await.is_err() {
                    return;
                }
            }
            (None, _) => match bind(addr) {
                Ok(l) => {
                    listener = Some(l);
                    counters.listening.store(true, Ordering::SeqCst);
                }
                Err(e) => {
                    eprintln!("fault proxy: cannot listen on {addr} again: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            (Some(l), _) => {
                tokio::select! {
                    accepted = l.accept() => {
                        if let Ok((client, _)) = accepted {
                            counters.accepted.fetch_add(1, Ordering::SeqCst);
                            counters.active.fetch_add(1, Ordering::SeqCst);
                            let guard = ActiveGuard(counters.clone());
                            tokio::spawn(serve(client, upstream, mode.clone(), guard));
                        }
                    }
                    changed = mode.changed() => {
                        if changed.is_err() {
                            return;
                        }
                    }
                }
                listener = Some(l);
            }
        }
    }
}

/// Decrements the active-connection count when a connection task ends.
struct ActiveGuard(Arc<Counters>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    mode: watch::Receiver<Mode>,
    guard: ActiveGuard,
) {
    let _guard = guard;
    if *mode.borrow() == Mode::Cut {
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else { return };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_r, client_w) = client.into_split();
    let (server_r, server_w) = server.into_split();
    tokio::join!(pump(client_r, server_w, mode.clone()), pump(server_r, client_w, mode));
}

/// Waits until forwarding is allowed; false when the proxy is cut (or gone).
async fn open(mode: &mut watch::Receiver<Mode>) -> bool {
    loop {
        match *mode.borrow_and_update() {
            Mode::Open => return true,
            Mode::Cut => return false,
            Mode::Stalled => {}
        }
        if mode.changed().await.is_err() {
            return false;
        }
    }
}

async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mut mode: watch::Receiver<Mode>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if !open(&mut mode).await {
            return;
        }
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => {
                    let _ = to.shutdown().await;
                    return;
                }
                Ok(n) => n,
            },
            // Re-check the mode (stall or cut) before reading further.
            _ = mode.changed() => continue,
        };
        if !open(&mut mode).await {
            return;
        }
        tokio::select! {
            written = to.write_all(&buf[..n]) => if written.is_err() { return },
            _ = cut(&mut mode) => return,
        }
    }
}

/// Resolves once the proxy is cut (or gone).
async fn cut(mode: &mut watch::Receiver<Mode>) {
    while *mode.borrow_and_update() != Mode::Cut {
        if mode.changed().await.is_err() {
            return;
        }
    }
}
