//! Tests of the local transport: streams and status, caps, timeouts, signals.

use std::time::Duration;

use super::*;

fn cmd(name: &'static str, line: &str, timeout: Duration) -> Command {
    Command { name, line: line.into(), timeout, nonce: None }
}

#[tokio::test]
async fn runs_a_command_and_reports_status_and_both_streams() {
    let t = LocalTransport::new(2);
    let out = t.run(&cmd("test", "echo out; echo err >&2; exit 3", Duration::from_secs(5))).await;
    let out = out.unwrap();
    assert_eq!((out.stdout.as_str(), out.stderr.as_str(), out.status), ("out\n", "err\n", 3));
    assert!(!out.truncated && out.signal.is_none());
}

#[tokio::test]
async fn a_hanging_command_is_killed_at_its_deadline() {
    let t = LocalTransport::new(1);
    let c = cmd("hang", "sleep 30", Duration::from_secs(1));
    assert!(matches!(t.run(&c).await, Err(TransportError::Hung { .. })));
}

#[tokio::test]
async fn output_beyond_the_cap_is_read_and_discarded_and_never_a_sample() {
    let t = LocalTransport::new(1);
    let line = format!("head -c {} /dev/zero; echo done >&2", OUTPUT_CAP + 3 * 1024 * 1024);
    // The child never blocks on a full pipe (the command finishes), and the capped output
    // is incomplete, never parsed as a whole one.
    let err = t.run(&cmd("big", &line, Duration::from_secs(60))).await.unwrap_err();
    assert!(
        matches!(&err, TransportError::Incomplete { detail, .. } if detail.contains("cap")),
        "{err}"
    );
}

#[tokio::test]
async fn a_command_killed_by_a_signal_is_a_failure() {
    let t = LocalTransport::new(1);
    let r = t.run(&cmd("killed", "kill -9 $$", Duration::from_secs(5))).await;
    assert!(r.as_ref().is_ok_and(|out| !out.success()) || r.is_err(), "{r:?}");
}

/// Pids of processes whose command line contains `needle`.
fn pids_with(needle: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_str()?.parse::<u32>().ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&cmdline).replace('\0', " ").contains(needle).then_some(pid)
        })
        .collect()
}

#[tokio::test]
async fn a_timeout_kills_the_whole_process_tree_at_once() {
    let t = LocalTransport::new(1);
    // Children that ignore SIGTERM, so the wrapper's `timeout` alone would leave them for
    // its kill delay.
    let line = "trap '' TERM; sleep 417.25 & sleep 417.5";
    let err = t.run(&cmd("tree", line, Duration::from_secs(1))).await.unwrap_err();
    assert!(matches!(err, TransportError::Hung { .. } | TransportError::Timeout { .. }), "{err}");
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while !pids_with("sleep 417.").is_empty() {
        assert!(std::time::Instant::now() < deadline, "left behind: {:?}", pids_with("sleep 417."));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
