//! Live `list_containers` (`refresh: true`: an immediate poll by the device's own poller over
//! its sshd session, diffed, published and stored) beside the commands that poll ran, read
//! from the device's shim log after each call and run again, poll by poll, over SSH sessions
//! of our own to the same sshd: through the crate's `SshTransport` (the same wrapped lines,
//! one reused session) and, for reference, as bare lines on a plain channel. Between the two,
//! the same poll asked for directly through the query facade (`FleetHandle::poll_now`, no MCP)
//! splits the overhead into the poller's part and the MCP layer's.

use std::net::SocketAddr;
use std::time::Instant;

use async_ssh2_lite::{AsyncSession, SessionConfiguration};
use futures::AsyncReadExt;
use infrastructor_actors::api::FleetHandle;
use infrastructor_actors::bench_support::command as catalogue;
use infrastructor_actors::bench_support::transport::ReadyStream;
use infrastructor_actors::command::Command;
use infrastructor_actors::transport::{SshTransport, Transport};
use serde_json::json;

use crate::harness::{SimDevice, mcp};
use crate::table::Summary;
use crate::threads::{Cpu, CpuUse};

/// One way of getting the containers: its latency and the CPU it took.
pub struct Way {
    /// Latency of each run.
    pub latency: Summary,
    /// CPU over all runs.
    pub cpu: CpuUse,
}

/// Times `n` runs of `one`.
async fn measure<F, Fut>(n: usize, mut one: F) -> Way
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (mut samples, cpu0) = (Vec::with_capacity(n), Cpu::now());
    for i in 0..n {
        let t = Instant::now();
        one(i).await;
        samples.push(t.elapsed());
    }
    Way { cpu: cpu0.since(), latency: Summary::of(samples) }
}

/// What the live scenario measured.
pub struct LiveResult {
    /// The MCP call, end to end.
    pub live: Way,
    /// The same poll through the query facade.
    pub poll_now: Way,
    /// The same commands through `SshTransport` on a reused session.
    pub transport: Way,
    /// The same bare lines on plain channels of a reused session.
    pub bare: Way,
    /// The commands the measured polls ran: catalogue name and how many times.
    pub commands: Vec<(&'static str, usize)>,
}

/// The catalogue commands behind the docker shim calls logged since line `from`.
fn commands_since(dev: &SimDevice, from: usize) -> Vec<Command> {
    let log = dev.call_log();
    let mut out = Vec::new();
    for line in log.iter().skip(from) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.get(..2) {
            Some(["docker", "ps"]) => out.push(catalogue::docker_ps()),
            Some(["docker", "stats"]) => out.push(catalogue::docker_stats()),
            Some(["docker", "inspect"]) => {
                let ids = words.iter().skip(4).copied().collect::<Vec<_>>();
                out.extend(catalogue::docker_inspect(&ids).expect("logged ids are valid"));
            }
            _ => {}
        }
    }
    out
}

/// `n` sequential live calls on `dev`, `n` polls through `handle`, then the commands of each
/// live call's poll again each way.
pub async fn run(addr: SocketAddr, handle: &FleetHandle, dev: &SimDevice, n: usize) -> LiveResult {
    let client = crate::cached::connect(addr, crate::cached::Conn::KeepAlive).await;
    let args = json!({ "device": dev.name(), "refresh": true });
    let v = mcp::call(&client, "list_containers", args.clone()).await;
    assert_eq!(mcp::ok(&v)["source"], "live", "{}", mcp::text(&v));

    let mut polls = Vec::with_capacity(n);
    let mut samples = Vec::with_capacity(n);
    let cpu0 = Cpu::now();
    for _ in 0..n {
        let before = dev.call_log().len();
        let t = Instant::now();
        let r = mcp::call(&client, "list_containers", args.clone()).await;
        samples.push(t.elapsed());
        assert_eq!(mcp::ok(&r)["source"], "live", "{}", mcp::text(&r));
        let ran = commands_since(dev, before);
        assert!(!ran.is_empty(), "a live poll ran no docker command");
        polls.push(ran);
    }
    let live = Way { cpu: cpu0.since(), latency: Summary::of(samples) };
    let _ = client.cancel().await;

    let poll_now = measure(n, |_| async {
        let r = handle.poll_now(dev.name(), "containers").await.expect("a poll");
        assert!(r.error.is_none(), "the poll failed: {:?}", r.error);
    })
    .await;

    let t = SshTransport::new(crate::harness::ssh_options(dev));
    run_all(&t, &polls[0]).await;
    let transport = measure(n, |i| run_all(&t, &polls[i])).await;
    drop(t);

    let session = bare_session(dev).await;
    bare_all(&session, &polls[0]).await;
    let bare = measure(n, |i| bare_all(&session, &polls[i])).await;
    let mut commands: Vec<(&'static str, usize)> = Vec::new();
    for c in polls.iter().flatten() {
        match commands.iter_mut().find(|(name, _)| *name == c.name) {
            Some((_, k)) => *k += 1,
            None => commands.push((c.name, 1)),
        }
    }
    LiveResult { live, poll_now, transport, bare, commands }
}

/// Each of `commands` through `t`, one after another.
async fn run_all(t: &SshTransport, commands: &[Command]) {
    for c in commands {
        t.run(c).await.expect("a raw command");
    }
}

type Session = AsyncSession<ReadyStream>;

/// A plain authenticated session to `dev`'s sshd.
async fn bare_session(dev: &SimDevice) -> Session {
    let tcp = tokio::net::TcpStream::connect(dev.sshd().addr()).await.expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let mut s =
        AsyncSession::new(ReadyStream::new(tcp), SessionConfiguration::new()).expect("session");
    s.handshake().await.expect("handshake");
    let key = dev.sshd().client_key_path();
    s.userauth_pubkey_file(dev.sshd().user(), None, &key, None).await.expect("auth");
    s
}

/// Each of `commands`' bare line on a channel of its own, one after another, reading all
/// output.
async fn bare_all(s: &Session, commands: &[Command]) {
    for line in commands.iter().map(|c| c.line.as_str()) {
        let mut ch = s.channel_session().await.expect("channel");
        ch.exec(line).await.expect("exec");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let (mut o, mut e) = (ch.stream(0), ch.stderr());
        let (a, b) = futures::join!(o.read_to_end(&mut out), e.read_to_end(&mut err));
        a.and(b).expect("read");
        ch.wait_close().await.expect("close");
        assert!(!out.is_empty(), "no output from {line}");
    }
}
