//! Live `list_containers` (`refresh: true`: an immediate poll by the device's own poller over
//! its sshd session, diffed, published and stored) beside the commands that poll ran, read
//! from the device's shim log after each call and run again over SSH sessions of our own to
//! the same sshd: through the crate's `SshTransport` (the same wrapped lines, one reused
//! session) and, for reference, as bare lines on a plain channel. Between the two, the same
//! poll asked for directly through the query facade (`FleetHandle::poll_now`, no MCP) splits
//! the overhead into the poller's part and the MCP layer's. The four ways take turns, round
//! after round, so a change in the machine's load falls on all of them alike.

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
use crate::summary::Summary;
use crate::threads::{Cpu, CpuUse};

/// One way of getting the containers: its latency and the CPU it took.
pub struct Way {
    /// Latency of each run.
    pub latency: Summary,
    /// CPU over all runs.
    pub cpu: CpuUse,
}

/// The runs of one way so far.
#[derive(Default)]
struct Tally {
    samples: Vec<std::time::Duration>,
    cpu: CpuUse,
}

impl Tally {
    /// Runs `f`, adding its latency and CPU.
    async fn time<T>(&mut self, f: impl std::future::Future<Output = T>) -> T {
        let cpu0 = Cpu::now();
        let t = Instant::now();
        let out = f.await;
        self.samples.push(t.elapsed());
        self.cpu += cpu0.since();
        out
    }

    fn done(self) -> Way {
        Way { latency: Summary::of(self.samples), cpu: self.cpu }
    }
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

/// `n` rounds on `dev`: a live call, a poll through `handle`, then the commands that live
/// call's poll ran, through `SshTransport` and as bare lines.
pub async fn run(addr: SocketAddr, handle: &FleetHandle, dev: &SimDevice, n: usize) -> LiveResult {
    let client = crate::cached::connect(addr, crate::cached::Conn::KeepAlive).await;
    let args = json!({ "device": dev.name(), "refresh": true });
    let ssh = SshTransport::new(crate::harness::ssh_options(dev));
    let session = bare_session(dev).await;
    let mut polls = Vec::with_capacity(n);
    // live call, poll_now, the commands through SshTransport, the bare lines.
    let mut ways: [Tally; 4] = Default::default();
    // Round 0 warms every way up and is not counted.
    for round in 0..=n {
        let mut warm_up: [Tally; 4] = Default::default();
        let w = if round == 0 { &mut warm_up } else { &mut ways };
        let before = dev.call_log().len();
        let r = w[0].time(mcp::call(&client, "list_containers", args.clone())).await;
        assert_eq!(mcp::ok(&r)["source"], "live", "{}", mcp::text(&r));
        let ran = commands_since(dev, before);
        assert!(!ran.is_empty(), "a live poll ran no docker command");
        let r = w[1].time(handle.poll_now(dev.name(), "containers")).await.expect("a poll");
        assert!(r.error.is_none(), "the poll failed: {:?}", r.error);
        w[2].time(run_all(&ssh, &ran)).await;
        w[3].time(bare_all(&session, &ran)).await;
        if round > 0 {
            polls.push(ran);
        }
    }
    let _ = client.cancel().await;
    let mut commands: Vec<(&'static str, usize)> = Vec::new();
    for c in polls.iter().flatten() {
        match commands.iter_mut().find(|(name, _)| *name == c.name) {
            Some((_, k)) => *k += 1,
            None => commands.push((c.name, 1)),
        }
    }
    let [live, poll_now, transport, bare] = ways.map(Tally::done);
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
