//! Tests of the state fold and the projection: bounded history, forgetting removed devices
//! and stale samples, snapshots that readers keep while the feeder goes on.

use std::sync::Arc;

use chrono::Utc;

use super::*;
use crate::events::{Event, EventKind};
use crate::model::metrics::MetricsSample;

fn ev(device: &str, kind: EventKind) -> Arc<Event> {
    Arc::new(Event::new(device, Utc::now(), kind))
}

fn failed(probe: &str, error: &str) -> EventKind {
    EventKind::ProbeFailed { probe: probe.into(), error: error.into() }
}

#[test]
fn folds_online_offline_and_failures_since_their_first_occurrence() {
    let p = Projection::new(1 << 20);
    p.apply(ev("tower", EventKind::DeviceOnline { transport: "local".into() }));
    assert_eq!(p.snapshot().devices["tower"].online, Some(true));
    p.apply(ev("tower", EventKind::DeviceOffline { consecutive_failures: 3, reason: "x".into() }));
    let first = ev("tower", failed("drives", "a"));
    p.apply(first.clone());
    p.apply(ev("tower", failed("drives", "b")));
    let snap = p.snapshot();
    let d = &snap.devices["tower"];
    assert_eq!(d.online, Some(false));
    assert_eq!(d.offline_reason.as_deref(), Some("x"));
    assert_eq!(d.failures["drives"].error, "b");
    assert_eq!(d.failures["drives"].since, first.observed_at);
}

#[test]
fn history_is_bounded_by_bytes_and_samples_are_kept_once_per_probe() {
    let p = Projection::new(4096);
    for i in 0..1000 {
        p.apply(ev("tower", failed("drives", &format!("error {i}"))));
        let sample = MetricsSample::default();
        p.apply(ev("tower", EventKind::MetricsSampled { sample }));
    }
    let (events, bytes) = p.history_usage();
    assert!(bytes <= 4096, "{bytes}");
    assert!(events > 0 && events < 1000, "{events}");
    // Samples never enter the history; the latest one is the state.
    assert!(p.newest(None, 10_000).iter().all(|e| e.kind.sample_of().is_none()));
    assert!(p.snapshot().devices["tower"].metrics().is_some());
}

#[test]
fn an_event_larger_than_the_budget_does_not_empty_the_history() {
    let p = Projection::new(2048);
    p.apply(ev("tower", failed("a", "small")));
    p.apply(ev("tower", failed("a", &"x".repeat(10_000))));
    assert_eq!(p.history_usage().0, 1);
}

#[test]
fn events_after_resumes_after_the_given_id() {
    let p = Projection::new(1 << 20);
    let evs: Vec<_> = (0..5)
        .map(|i| ev(if i % 2 == 0 { "a" } else { "b" }, failed("x", &i.to_string())))
        .collect();
    p.apply_all(&evs);
    let after = p.events_after(Some(evs[1].id), None, 100);
    assert_eq!(
        after.iter().map(|e| e.id).collect::<Vec<_>>(),
        evs[2..].iter().map(|e| e.id).collect::<Vec<_>>()
    );
    assert_eq!(p.events_after(Some(evs[1].id), Some("a"), 100).len(), 2);
    assert_eq!(p.events_after(None, None, 2).len(), 2);
}

#[test]
fn a_removed_device_is_forgotten_and_a_skipped_probe_drops_its_sample() {
    let p = Projection::new(1 << 20);
    p.apply(ev("nas", EventKind::MetricsSampled { sample: MetricsSample::default() }));
    p.apply(ev("nas", failed("metrics", "boom")));
    p.apply(ev("nas", EventKind::ProbeSkipped { probe: "metrics".into(), reason: "gone".into() }));
    let snap = p.snapshot();
    assert!(snap.devices["nas"].metrics().is_none());
    assert!(!snap.devices["nas"].failures.contains_key("metrics"));
    p.apply(ev("nas", EventKind::DeviceRemoved {}));
    assert!(!p.snapshot().devices.contains_key("nas"));
}

#[test]
fn a_reader_keeps_its_snapshot_while_updates_go_on() {
    let p = Projection::new(1 << 20);
    p.apply(ev("a", EventKind::DeviceOnline { transport: "local".into() }));
    let held = p.snapshot();
    p.apply(ev("a", EventKind::DeviceOffline { consecutive_failures: 3, reason: "x".into() }));
    assert_eq!(held.devices["a"].online, Some(true));
    assert_eq!(p.snapshot().devices["a"].online, Some(false));
}

#[test]
fn the_view_carries_each_sample_with_its_age() {
    let p = Projection::new(1 << 20);
    let at = Utc::now() - chrono::Duration::seconds(30);
    let sample = Arc::new(Event::new(
        "a",
        at,
        EventKind::MetricsSampled { sample: MetricsSample::default() },
    ));
    p.apply(sample);
    let snap = p.snapshot();
    let view = DeviceView { name: "a", state: &snap.devices["a"], now: Utc::now() };
    let json = serde_json::to_value(&view).unwrap();
    let age = json["samples"]["metrics"]["age_seconds"].as_f64().unwrap();
    assert!((29.0..40.0).contains(&age), "{age}");
    assert!(json["metrics"].is_object());
    assert_eq!(json["name"], "a");
}
