//! Many concurrent channels on one SSH session (real sshd): no channel-open or exec failure,
//! hence no silent reconnect.

mod harness;

use std::sync::Arc;
use std::time::Duration;

use harness::{FaultProxy, SimDevice};
use infrastructor_actors::command::Command;
use infrastructor_actors::transport::{SshTransport, Transport};

/// 8 tasks x 200 commands through 4 channels: every command succeeds on the first session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_channels_on_one_session_never_fail() {
    let dev = SimDevice::start("ch1");
    let proxy = FaultProxy::start(dev.sshd().addr()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut o = harness::ssh_options_via(&dev, proxy.addr().port(), dir.path());
    o.max_channels = 4;
    let t = Arc::new(SshTransport::new(o));
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let t = t.clone();
            tokio::spawn(async move {
                let mut failures = Vec::new();
                for i in 0..200 {
                    let c = Command {
                        name: "echo",
                        line: format!("echo {task}-{i}"),
                        timeout: Duration::from_secs(30),
                        nonce: None,
                    };
                    match t.run(&c).await {
                        Ok(out) if out.stdout == format!("{task}-{i}\n") => {}
                        other => failures.push(format!("{task}-{i}: {other:?}")),
                    }
                }
                failures
            })
        })
        .collect();
    let mut failures = Vec::new();
    for task in tasks {
        failures.extend(task.await.unwrap());
    }
    assert!(
        failures.is_empty(),
        "{} failures, e.g. {:?}",
        failures.len(),
        &failures[..3.min(failures.len())]
    );
    assert_eq!(proxy.connections(), 1, "every command ran on the first session (no reconnect)");
}
