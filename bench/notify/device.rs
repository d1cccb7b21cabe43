//! End to end from a device: a simulated sshd device (docker 20.10's captures, only `web`
//! and `failer` listed) whose `failer` goes down (exited with an error: a warning alert) and
//! runs again (its recovery), `--cycles` times, with the containers probe every second. Each
//! message is timed from three points: the change written on the device (so the wait for
//! the next poll is in it), the poll that saw it (the container event's `observed_at`,
//! stamped when the poll starts) and the `AlertRaised` / `AlertResolved` event.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use infrastructor_actors::device::Probes;
use infrastructor_actors::events::{Event, EventKind};
use serde_json::Value;

use crate::harness::gotify::Gotify;
use crate::harness::server::{TestServer, every};
use crate::summary::Summary;
use crate::{Args, Row, TOKEN, arrival, since};

/// The alert's key.
const KEY: &str = "container/tower/failer";
/// How long one message may take before it counts as missing.
const DEADLINE: Duration = Duration::from_secs(20);

/// The fixture's `docker ps` with only `web` (running) and `failer` in `state`.
fn ps(state: &str) -> String {
    let all = crate::harness::fixture("docker/client-20.10/ps.jsonl");
    let two: Vec<&str> = all
        .lines()
        .filter(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_default();
            v["Names"] == "web" || v["Names"] == "failer"
        })
        .collect();
    let status = if state == "running" { "Up 1 second" } else { "Exited (1) 2 seconds ago" };
    crate::harness::ps_with_state(&(two.join("\n") + "\n"), "failer", state, status)
}

/// Messages about `failer`, in arrival order.
fn about_failer(g: &Gotify) -> Vec<Value> {
    let m = g.messages().into_iter();
    m.filter(|m| m["title"].as_str().unwrap_or("").contains("failer")).collect()
}

/// The first event recorded at or after `from` for which `pick` holds: its `observed_at`.
fn first_after(
    app: &TestServer,
    from: usize,
    pick: impl Fn(&Event) -> bool,
) -> Option<DateTime<Utc>> {
    let rec = app.recorded.lock().ok()?;
    rec.iter().skip(from).find(|e| e.device == "tower" && pick(e)).map(|e| e.observed_at)
}

fn is_alert(e: &Event) -> bool {
    match &e.kind {
        EventKind::AlertRaised { alert, .. } | EventKind::AlertResolved { alert, .. } => {
            alert.key == KEY
        }
        _ => false,
    }
}

fn is_failer_change(e: &Event) -> bool {
    let ty = e.type_name();
    ty.starts_with("Container")
        && ty != "ContainerStatsSampled"
        && serde_json::to_string(&e.kind).is_ok_and(|j| j.contains("\"failer\""))
}

/// Waits until `cond` holds or `DEADLINE` passed; whether it holds.
async fn until(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + DEADLINE;
    while !cond() {
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// The three device rows.
pub async fn run(a: &Args) -> Vec<Row> {
    let data = tempfile::tempdir().expect("a temporary directory");
    let g = Gotify::start(TOKEN).await;
    let dev = crate::harness::docker_device("tower", false);
    dev.set_docker_ps(&ps("running"));
    let probes = Probes { containers: every(1000), ..Probes::disabled() };
    let spec = crate::harness::device_spec(&dev, probes);
    let app = crate::start(data.path(), &g, vec![spec]).await;
    let polled = || crate::harness::server::count(&app, "tower", "ContainerStatsSampled") >= 1;
    assert!(until(polled).await, "the device was never polled");
    eprintln!("{} down/up cycles of a container on an sshd device", a.cycles);
    let (mut from_change, mut from_poll, mut from_alert) = (Vec::new(), Vec::new(), Vec::new());
    let mut extra = 0;
    for _ in 0..a.cycles {
        for state in ["exited", "running"] {
            let before = about_failer(&g).len();
            let mark = app.recorded.lock().map_or(0, |r| r.len());
            let changed = Utc::now();
            dev.set_docker_ps(&ps(state));
            if !until(|| about_failer(&g).len() > before).await {
                continue;
            }
            let msgs = about_failer(&g);
            extra += msgs.len() - before - 1;
            let resolved = msgs[before]["title"].as_str().unwrap_or("").starts_with("RESOLVED");
            if resolved != (state == "running") {
                eprintln!("unexpected message: {}", msgs[before]["title"]);
                continue;
            }
            let Some(at) = arrival(&msgs[before]) else { continue };
            from_change.push(since(changed, at));
            if let Some(t) = first_after(&app, mark, is_failer_change) {
                from_poll.push(since(t, at));
            }
            if let Some(t) = first_after(&app, mark, is_alert) {
                from_alert.push(since(t, at));
            }
        }
    }
    let late = about_failer(&g).len();
    app.shutdown().await;
    if extra > 0 || late != 2 * a.cycles {
        eprintln!("{late} messages about failer for {} changes", 2 * a.cycles);
    }
    let expected = 2 * a.cycles;
    let row = |what: &str, l: Vec<Duration>, judged| Row {
        what: what.into(),
        latency: Summary::of(l),
        expected,
        judged,
    };
    vec![
        row(
            "device: `AlertRaised` / `AlertResolved` published → message at the receiver",
            from_alert,
            true,
        ),
        row(
            "device: the poll that saw the container go down / up (its event's `observed_at`) \
             → message",
            from_poll,
            true,
        ),
        row(
            "device: the change written on the device → message (includes the wait for the \
             next 1 s poll)",
            from_change,
            false,
        ),
    ]
}
