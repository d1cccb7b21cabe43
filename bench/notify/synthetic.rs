//! Synthetic alerts: `--events` `AlertRaised` events published on the server's bus
//! `--spacing-ms` apart (as the alert task would), each a distinct alert, matched to its
//! message at the receiver by title; then the test message sent by the notifier's own client
//! at once (as `POST /api/alerts/test` does, not through the outbox): the share of the HTTP
//! request and the receiver.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use infrastructor::notify::Notifiers;
use infrastructor_actors::events::{Event, EventKind};
use infrastructor_actors::model::alerts::{Alert, Severity};

use crate::harness::gotify::Gotify;
use crate::summary::Summary;
use crate::{Args, Row, TOKEN, arrival, since};

/// Test messages sent for the direct row.
const TESTS: usize = 20;
/// How long the last message may take before it counts as missing.
const DEADLINE: Duration = Duration::from_secs(30);

fn alert(i: usize) -> Alert {
    let object = format!("/bench{i:04}");
    Alert {
        key: format!("fs_usage/tower/{object}"),
        rule: "fs_usage".into(),
        object: Some(object.clone()),
        severity: Severity::Warning,
        summary: format!("{object} is 93.5 % full"),
        value: Some(93.5),
        threshold: Some(90.0),
        unit: Some("%".into()),
        since: Utc::now(),
        evidence: Vec::new(),
    }
}

/// Waits until `g` holds `n` messages or the deadline passed.
async fn until_received(g: &Gotify, n: usize) {
    let deadline = Instant::now() + DEADLINE;
    while g.messages().len() < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The synthetic row and the direct test-message row.
pub async fn run(a: &Args) -> Vec<Row> {
    let data = tempfile::tempdir().expect("a temporary directory");
    let g = Gotify::start(TOKEN).await;
    let app = crate::start(data.path(), &g, Vec::new()).await;
    eprintln!("{} synthetic alert events, {} ms apart", a.events, a.spacing.as_millis());
    let mut published = HashMap::new();
    let mut next = tokio::time::interval(a.spacing);
    next.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for i in 0..a.events {
        next.tick().await;
        let a = alert(i);
        let title = format!("WARNING tower: fs_usage {}", a.object.as_deref().unwrap_or(""));
        let kind =
            EventKind::AlertRaised { alert: a, previous: None, renotify: false, suppressed: None };
        let ev = Event::new("tower", Utc::now(), kind);
        published.insert(title, ev.observed_at);
        app.bus.publish(ev).await;
    }
    until_received(&g, a.events).await;
    let got = g.messages();
    let latencies: Vec<Duration> = got
        .iter()
        .filter_map(|m| {
            let at = published.get(m["title"].as_str()?)?;
            Some(since(*at, arrival(m)?))
        })
        .collect();
    let raised = Row {
        what: "synthetic `AlertRaised` published on the bus → message at the receiver".into(),
        latency: Summary::of(latencies),
        expected: a.events,
        judged: true,
    };

    app.shutdown().await;

    eprintln!("{TESTS} test messages");
    let notifiers = Notifiers::new(&crate::notify(&g));
    let mut direct = Vec::new();
    for _ in 0..TESTS {
        let t0 = Instant::now();
        if notifiers.test().await.iter().all(|r| r.ok) {
            direct.push(t0.elapsed());
        }
    }
    let test = Row {
        what: "one request: the notifier's client sending the test message to the receiver \
               (no store, no outbox)"
            .into(),
        latency: Summary::of(direct),
        expected: TESTS,
        judged: false,
    };
    vec![raised, test]
}
