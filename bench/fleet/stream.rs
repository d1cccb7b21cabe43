//! Stream comparison: the same command on a reused session through async-ssh2-lite's stock
//! tokio `TcpStream` (1 ms sleep-poll loop) and through our `ReadyStream`.

use std::path::Path;

use async_ssh2_lite::{AsyncSession, AsyncSessionStream, SessionConfiguration};
use futures::AsyncReadExt;
use infrastructor_actors::bench_support::transport::ReadyStream;
use tokio::net::TcpStream;

use crate::harness::SimDevice;
use crate::ssh::Latency;

async fn session<S>(stream: S, dev: &SimDevice) -> AsyncSession<S>
where
    S: AsyncSessionStream + std::os::fd::AsRawFd + Send + Sync + 'static,
{
    let mut s = AsyncSession::new(stream, SessionConfiguration::new()).expect("session");
    s.handshake().await.expect("handshake");
    let key: &Path = &dev.sshd().client_key_path();
    s.userauth_pubkey_file(dev.sshd().user(), None, key, None).await.expect("auth");
    s
}

async fn exec<S: AsyncSessionStream + Send + Sync + 'static>(s: &AsyncSession<S>) {
    let mut ch = s.channel_session().await.expect("channel");
    ch.exec("true").await.expect("exec");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let (mut o, mut e) = (ch.stream(0), ch.stderr());
    let (a, b) = futures::join!(o.read_to_end(&mut out), e.read_to_end(&mut err));
    a.and(b).expect("read");
    ch.wait_close().await.expect("close");
    assert_eq!(ch.exit_status().expect("status"), 0);
}

async fn measure<S: AsyncSessionStream + Send + Sync + 'static>(
    label: &'static str,
    s: &AsyncSession<S>,
    n: usize,
) -> Latency {
    exec(s).await;
    Latency::measure(label, n, || exec(s)).await
}

/// Latency and CPU of `n` sequential commands through each stream type.
pub async fn compare(dev: &SimDevice, n: usize) -> Vec<Latency> {
    let addr = dev.sshd().addr();
    let tcp = || async {
        let t = TcpStream::connect(addr).await.expect("connect");
        t.set_nodelay(true).expect("nodelay");
        t
    };
    let stock = session(tcp().await, dev).await;
    let ready = session(ReadyStream::new(tcp().await), dev).await;
    vec![
        measure("stock TcpStream (library)", &stock, n).await,
        measure("ReadyStream (ours)", &ready, n).await,
    ]
}
