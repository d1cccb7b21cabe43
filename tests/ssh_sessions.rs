//! The SSH transport's session handling over real sshd: which session a timeout drops, what
//! a command's deadline counts, exit signals, and keepalives that expect an answer.

mod harness;

use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::{FaultProxy, SimDevice, wait_until};
use infrastructor_actors::command::Command;
use infrastructor_actors::transport::{SshTransport, Transport, TransportError, ssh_cause};

fn cmd(line: &str, timeout: Duration) -> Command {
    Command { name: "test", line: line.into(), timeout, nonce: None }
}

const LONG: Duration = Duration::from_secs(30);

/// A device behind a fault proxy, and a transport to it through the proxy.
async fn proxied(name: &str, max_channels: usize) -> (SimDevice, FaultProxy, Arc<SshTransport>) {
    let dev = SimDevice::start(name);
    let proxy = FaultProxy::start(dev.sshd().addr()).await;
    let mut o = harness::ssh_options_via(&dev, proxy.addr().port(), &dev.state_dir());
    o.max_channels = max_channels;
    (dev, proxy, Arc::new(SshTransport::new(o)))
}

/// Waits until the device's `docker` shim has been called `n` times (the command runs).
async fn docker_running(dev: &SimDevice, n: usize) {
    wait_until(LONG, "docker is running on the device", || dev.calls("docker") >= n).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_never_drops_a_session_another_caller_opened() {
    let (dev, proxy, t) = proxied("s1", 4).await;
    dev.hang("docker", true);
    let hung = tokio::spawn({
        let t = t.clone();
        async move { t.run(&cmd("docker ps", Duration::from_secs(2))).await }
    });
    docker_running(&dev, 1).await;
    // The session the hung command uses is replaced while it waits.
    t.disconnect().await;
    t.connect().await.unwrap();
    assert_eq!(proxy.connections(), 2);
    let err = hung.await.unwrap().unwrap_err();
    assert!(matches!(err, TransportError::Hung { .. }), "killed on the device: {err}");
    let out = t.run(&cmd("echo fresh", LONG)).await.unwrap();
    assert_eq!(out.stdout, "fresh\n");
    assert_eq!(proxy.connections(), 2, "the fresh session survived the other one's timeout");
    assert_eq!(t.stats().unplanned_drops(), 0, "{:?}", t.stats());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_a_channel_does_not_eat_the_command_timeout() {
    let (dev, _proxy, t) = proxied("s2", 1).await;
    dev.hang("docker", true);
    let holder = tokio::spawn({
        let t = t.clone();
        async move { t.run(&cmd("docker ps", LONG)).await }
    });
    docker_running(&dev, 1).await;
    let waiter = tokio::spawn({
        let t = t.clone();
        async move { t.run(&cmd("echo after", Duration::from_secs(1))).await }
    });
    // The only channel stays taken for longer than the waiter's own timeout.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    dev.hang("docker", false);
    assert!(holder.await.unwrap().unwrap().success());
    assert_eq!(waiter.await.unwrap().unwrap().stdout, "after\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_for_the_connection_does_not_eat_the_command_timeout() {
    let (_dev, proxy, t) = proxied("s3", 4).await;
    proxy.stall().await;
    let run = tokio::spawn({
        let t = t.clone();
        async move { t.run(&cmd("echo connected", Duration::from_secs(1))).await }
    });
    // The login takes longer than the command's timeout (but less than the connect timeout).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    proxy.restore().await;
    assert_eq!(run.await.unwrap().unwrap().stdout, "connected\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_killed_by_a_signal_is_a_failure_with_the_signal_name() {
    let dev = SimDevice::start("s4");
    let t = SshTransport::new(harness::ssh_options(&dev));
    for line in ["kill -9 $$", "sh -c 'kill -KILL $$'"] {
        let out = t.run(&cmd(line, LONG)).await.unwrap();
        assert!(!out.success(), "{line}: {out:?}");
        assert_eq!(out.status, 137, "{line}: {out:?}");
    }
    // Killing the whole remote session (no exit status at all, an exit-signal instead): the
    // output is not whole, never a success.
    let err = t.run(&cmd("kill -KILL $(ps -o ppid= -p $PPID)", LONG)).await.unwrap_err();
    assert!(
        matches!(&err, TransportError::Incomplete { detail, .. } if detail.contains("KILL")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_answers_while_every_channel_hangs_and_fails_fast_on_a_stalled_link() {
    let (_dev, proxy, t) = proxied("s5", 4).await;
    let err = t.ping(Duration::from_secs(1)).await.unwrap_err();
    assert!(err.to_string().contains("no session"), "{err}");
    assert_eq!(proxy.connections(), 0, "ping never connects");
    t.connect().await.unwrap();
    let hung: Vec<_> = (0..4)
        .map(|_| {
            let t = t.clone();
            tokio::spawn(async move { t.run(&cmd("sleep 30", Duration::from_secs(60))).await })
        })
        .collect();
    wait_until(LONG, "4 sleeps run", || {
        std::process::Command::new("pgrep")
            .args(["-c", "-f", "^sleep 30$"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().parse::<u32>().unwrap_or(0) >= 4)
            .unwrap_or(false)
    })
    .await;
    let started = Instant::now();
    t.ping(Duration::from_secs(5)).await.expect("healthy link answers");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());

    proxy.stall().await;
    let started = Instant::now();
    let err = t.ping(Duration::from_millis(800)).await.unwrap_err();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(800) && took < Duration::from_secs(2), "{took:?}");
    assert!(matches!(err, TransportError::Unreachable { .. }), "{err}");
    assert_eq!(proxy.connections(), 1, "ping never reconnects");
    for h in hung {
        h.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_keepalive_drops_a_session_whose_link_stalled() {
    let dev = SimDevice::start("s6");
    let proxy = FaultProxy::start(dev.sshd().addr()).await;
    let mut o = harness::ssh_options_via(&dev, proxy.addr().port(), &dev.state_dir());
    (o.keepalive, o.connect_timeout) = (Duration::from_secs(1), Duration::from_secs(1));
    let t = SshTransport::new(o);
    t.connect().await.unwrap();
    // Healthy: over a window of a few keepalive intervals every keepalive gets an answer.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(t.stats().unplanned_drops(), 0, "{:?}", t.stats());
    proxy.stall().await;
    let stalled = Instant::now();
    wait_until(LONG, "the keepalive dropped the session", || {
        t.stats().dropped.get(ssh_cause::KEEPALIVE) == Some(&1)
    })
    .await;
    // Within one keepalive interval plus the answer deadline (and some scheduling slack).
    assert!(stalled.elapsed() < Duration::from_secs(4), "{:?}", stalled.elapsed());
    assert_eq!(proxy.connections(), 1);
}
