//! Log patterns end to end: a line written into a real journal (a private systemd-journald,
//! read by the real `journalctl` on a real sshd device) matches the built-in `oom` pattern
//! once and only once — across later polls and a server restart — raises one alert with the
//! line as evidence, and reaches a Gotify receiver once, as plain text.

mod harness;

use std::time::Duration;

use harness::gotify::Gotify;
use harness::journald::Journald;
use harness::server::{TestServer, count, events, every, serve_opts};
use harness::wait_until;
use infrastructor::app::AppOptions;
use infrastructor::config::AlertSettings;
use infrastructor::history::HistoryOptions;
use infrastructor_actors::device::{DeviceSpec, Probes};
use infrastructor_actors::events::EventKind;

const TOKEN: &str = "AbCdEf0123456789";
const LINE: &str = "Out of memory: Killed process 4242 (java) total-vm:8123456kB";

async fn start(spec: &DeviceSpec, gotify: &Gotify, data: &std::path::Path) -> TestServer {
    let notify = gotify.notify_settings(Duration::from_millis(300));
    serve_opts(AppOptions {
        alerts: AlertSettings { notify, ..AlertSettings::default() },
        listen: "127.0.0.1:0".parse().unwrap(),
        devices: vec![spec.clone()],
        fleet: harness::server::fast_settings(),
        history: Some(HistoryOptions::new(data, None)),
        api: Default::default(),
    })
    .await
}

/// Waits for `n` more scans whose window started after `after` (unix seconds).
async fn scans_after(app: &TestServer, after: i64, n: usize) {
    wait_until(Duration::from_secs(30), "later scans", || {
        let later = events(app, "tower", "LogsScanned")
            .iter()
            .filter(
                |e| matches!(e, EventKind::LogsScanned { from, .. } if from.timestamp() > after),
            )
            .count();
        later >= n
    })
    .await;
}

fn oom_messages(g: &Gotify) -> Vec<serde_json::Value> {
    let oom = |m: &serde_json::Value| m["message"].as_str().unwrap_or("").contains("oom");
    g.messages().into_iter().filter(oom).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_line_matches_once_and_only_once_and_alerts_once() {
    let Some(journal) = Journald::start() else { return };
    let data = tempfile::tempdir().unwrap();
    let gotify = Gotify::start(TOKEN).await;
    let dev = harness::device::SimDevice::start("tower");
    dev.install_tool("journalctl", &journal.shim());
    dev.remove_tool("docker");
    let spec = harness::device_spec(&dev, Probes { logs: every(400), ..Probes::disabled() });
    let app = start(&spec, &gotify, data.path()).await;
    wait_until(Duration::from_secs(20), "a first scan", || {
        count(&app, "tower", "LogsScanned") >= 1
    })
    .await;

    journal.log("kernel", 3, LINE);
    journal.log("nginx", 6, "GET /health 200");
    let written = chrono::Utc::now().timestamp();
    wait_until(Duration::from_secs(20), "the match", || {
        count(&app, "tower", "LogPatternMatched") == 1
    })
    .await;
    scans_after(&app, written, 3).await;
    let matched = events(&app, "tower", "LogPatternMatched");
    assert_eq!(matched.len(), 1, "matched once: {matched:?}");
    let EventKind::LogPatternMatched { matched } = &matched[0] else { unreachable!() };
    assert_eq!((matched.pattern.as_str(), matched.count), ("oom", 1));
    assert_eq!(matched.lines, [format!("kernel: {LINE}")]);

    let raised: Vec<_> = events(&app, "tower", "AlertRaised");
    assert_eq!(raised.len(), 1, "{raised:?}");
    let EventKind::AlertRaised { alert, .. } = &raised[0] else { unreachable!() };
    assert_eq!(alert.key, "log_pattern/tower/oom@journal");
    assert!(alert.evidence.contains(&format!("lines: kernel: {LINE}")), "{:?}", alert.evidence);
    wait_until(Duration::from_secs(10), "the message", || oom_messages(&gotify).len() == 1).await;
    let msg = &oom_messages(&gotify)[0];
    assert_eq!(msg["priority"], 8, "critical: {msg}");
    assert!(msg["message"].as_str().unwrap().contains("Killed process 4242"), "{msg}");
    app.shutdown().await;

    // A restart resumes from the stored window: the line is not matched again.
    let app = start(&spec, &gotify, data.path()).await;
    scans_after(&app, written, 6).await;
    assert_eq!(count(&app, "tower", "LogPatternMatched"), 0, "not matched again");
    assert_eq!(count(&app, "tower", "AlertRaised"), 0, "no duplicate alert");
    assert_eq!(oom_messages(&gotify).len(), 1, "no duplicate message");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_docker_does_not_cost_the_journal_its_matches() {
    let Some(journal) = Journald::start() else { return };
    let data = tempfile::tempdir().unwrap();
    let gotify = Gotify::start(TOKEN).await;
    let dev = harness::device::SimDevice::start("tower");
    dev.install_tool("journalctl", &journal.shim());
    dev.hang("docker", true);
    let spec = harness::device_spec(&dev, Probes { logs: every(400), ..Probes::disabled() });
    let app = start(&spec, &gotify, data.path()).await;
    let within = Duration::from_secs(40);
    wait_until(within, "a first scan", || count(&app, "tower", "LogsScanned") >= 1).await;
    let scanned = events(&app, "tower", "LogsScanned");
    let Some(EventKind::LogsScanned { errors, sources, .. }) = scanned.first() else {
        unreachable!()
    };
    assert_eq!(errors, &["containers: docker did not answer within 5 s"], "{scanned:?}");
    assert_eq!(sources, &["journal"]);

    journal.log("kernel", 3, LINE);
    wait_until(within, "the journal's match", || count(&app, "tower", "LogPatternMatched") == 1)
        .await;
    assert_eq!(
        count(&app, "tower", "ProbeFailed"),
        0,
        "{:?}",
        events(&app, "tower", "ProbeFailed")
    );
    dev.hang("docker", false);
    app.shutdown().await;
}
