//! The SSH transport against a real OpenSSH sshd: output, status, concurrency on one session,
//! big outputs, timeouts (local and remote), reconnection, host-key and auth refusals.

mod harness;

use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::SimDevice;
use infrastructor_actors::command::Command;
use infrastructor_actors::device::Auth;
use infrastructor_actors::transport::{SshOptions, SshTransport, Transport, TransportError};

fn options(dev: &SimDevice) -> SshOptions {
    harness::ssh_options(dev)
}

fn cmd(line: &str, timeout: Duration) -> Command {
    Command { name: "test", line: line.into(), timeout, nonce: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_commands_with_stdout_stderr_and_status_on_one_session() {
    let dev = SimDevice::start("t1");
    let t = SshTransport::new(options(&dev));
    let out = t.run(&cmd("echo out; echo err >&2; exit 7", Duration::from_secs(10))).await.unwrap();
    assert_eq!((out.stdout.as_str(), out.stderr.as_str(), out.status), ("out\n", "err\n", 7));
    // Quoting survives the remote `sh -c` wrapping.
    let out =
        t.run(&cmd(r#"printf '%s|' "a b" '$HOME' "it's""#, Duration::from_secs(10))).await.unwrap();
    assert_eq!(out.stdout, "a b|$HOME|it's|");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commands_share_the_session_under_the_channel_cap() {
    let dev = SimDevice::start("t2");
    let t = Arc::new(SshTransport::new(options(&dev)));
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let t = t.clone();
            tokio::spawn(async move {
                let out =
                    t.run(&cmd(&format!("sleep 0.2; echo {i}"), Duration::from_secs(20))).await;
                (i, out)
            })
        })
        .collect();
    for task in tasks {
        let (i, out) = task.await.unwrap();
        assert_eq!(out.expect("command succeeds").stdout, format!("{i}\n"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_outputs_on_both_streams_arrive_whole() {
    let dev = SimDevice::start("t3");
    let t = SshTransport::new(options(&dev));
    let line = "head -c 2000000 /dev/zero | tr '\\0' a; head -c 500000 /dev/zero | tr '\\0' b >&2";
    let out = t.run(&cmd(line, Duration::from_secs(20))).await.unwrap();
    assert_eq!(out.stdout.len(), 2_000_000);
    assert_eq!(out.stderr.len(), 500_000);
    assert!(out.stdout.bytes().all(|b| b == b'a'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_command_times_out_and_the_session_stays_usable() {
    let dev = SimDevice::start("t4");
    dev.hang("docker", true);
    let t = SshTransport::new(options(&dev));
    let started = Instant::now();
    let err = t.run(&cmd("docker ps", Duration::from_secs(1))).await.unwrap_err();
    // Killed on the device at its deadline: the device answered, the tool hung.
    assert!(matches!(err, TransportError::Hung { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let out = t.run(&cmd("echo still-here", Duration::from_secs(10))).await.unwrap();
    assert_eq!(out.stdout, "still-here\n");
    // The remote `timeout` kills the abandoned process and its children.
    let marker = dev.state_dir().display().to_string();
    harness::wait_until(
        Duration::from_secs(15),
        "remote processes of the hung command gone",
        || !processes_with_env(&marker),
    )
    .await;
}

/// Whether any process has `marker` in its environment (the simulated device's state dir).
fn processes_with_env(marker: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        std::fs::read(e.path().join("environ"))
            .map(|env| String::from_utf8_lossy(&env).contains(marker))
            .unwrap_or(false)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_the_device_restarts() {
    let mut dev = SimDevice::start("t5");
    let t = SshTransport::new(options(&dev));
    assert!(t.run(&cmd("true", Duration::from_secs(5))).await.is_ok());
    dev.go_offline();
    let err = t.run(&cmd("true", Duration::from_secs(5))).await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    let err = t.run(&cmd("true", Duration::from_secs(5))).await.unwrap_err();
    assert!(matches!(err, TransportError::Unreachable { .. }), "{err}");
    dev.come_online();
    let out = t.run(&cmd("echo back", Duration::from_secs(5))).await.unwrap();
    assert_eq!(out.stdout, "back\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_host_key_and_wrong_credentials_are_refused_and_not_transient() {
    let dev = SimDevice::start("t6");
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(&dev);
    o.known_hosts = dir.path().join("kh");
    dev.sshd().write_mismatched_known_hosts(&o.known_hosts);
    let err = SshTransport::new(o.clone()).connect().await.unwrap_err();
    assert!(matches!(err, TransportError::HostKey { .. }) && !err.is_transient(), "{err}");

    o.known_hosts = dir.path().join("missing");
    let err = SshTransport::new(o).connect().await.unwrap_err();
    assert!(
        err.to_string().contains("does not exist") && err.to_string().contains("ssh-keyscan"),
        "{err}"
    );

    let mut o = options(&dev);
    let other = dir.path().join("other_key");
    let st = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    assert!(st.success());
    o.auth = Auth::KeyFile { path: other, passphrase: None };
    let err = SshTransport::new(o).connect().await.unwrap_err();
    assert!(matches!(err, TransportError::Auth { .. }) && !err.is_transient(), "{err}");
    assert!(err.to_string().contains("was refused"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_recorded_for_port_22_is_not_accepted_for_another_port() {
    let dev = SimDevice::start("t7");
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(&dev);
    o.known_hosts = dir.path().join("kh");
    std::fs::write(&o.known_hosts, format!("127.0.0.1 {}\n", dev.sshd().host_public_key_line()))
        .unwrap();
    let err = SshTransport::new(o).connect().await.unwrap_err();
    assert!(err.to_string().contains("is not in"), "{err}");
}
