//! What a tick judges: only devices with something due (an elapsed hold-down or clear-for,
//! a reminder, the end of a suppression) and devices not judged for a minute; each test
//! keeps the device freshly judged by events so only the due-logic can act.

use std::time::Duration as Std;

use chrono::Duration;

use super::engine::Engine;
use super::engine_tests::{at, containers, cpu, engine, ev, one, online, said, t0};
use super::rules::RuleSettings;
use crate::events::EventKind;
use crate::model::alerts::Severity;

fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

fn with(rule: &str, f: impl Fn(&mut super::rules::Rule)) -> Engine {
    let mut s = RuleSettings::default();
    f(s.rules.get_mut(rule).expect("a known rule"));
    let mut e = Engine::new(s, Default::default());
    assert!(e.apply(&online(t0()), t0()).is_empty());
    e
}

#[test]
fn a_tick_judges_nobody_with_nothing_due_and_everyone_once_a_minute() {
    let mut e = engine();
    let outs = e.apply(&containers("exited", 1, at(0)), at(0));
    one(&outs, "raised", "container/tower/web", Severity::Warning);
    let before = e.judgements();
    for s in [5, 10, 30, 55] {
        assert!(e.tick(at(0) + secs(s)).is_empty());
    }
    assert_eq!(e.judgements(), before, "an open alert with nothing due is not judged again");
    assert!(e.tick(at(1)).is_empty());
    assert_eq!(e.judgements(), before + 1, "judged once its last judgement is a minute old");
    assert!(e.tick(at(1) + secs(5)).is_empty());
    assert_eq!(e.judgements(), before + 1);
}

#[test]
fn a_hold_down_raises_on_a_tick_without_new_events() {
    let mut e = engine();
    assert!(e.apply(&cpu(90.0, at(0)), at(0)).is_empty(), "held down");
    // Judged by an event 10 s before the hold-down ends: not stale when it ends.
    assert!(e.apply(&cpu(90.0, at(10) - secs(10)), at(10) - secs(10)).is_empty());
    let before = e.judgements();
    assert!(e.tick(at(10) - secs(5)).is_empty(), "not yet due");
    assert_eq!(e.judgements(), before);
    one(&e.tick(at(10)), "raised", "cpu/tower", Severity::Warning);
    assert_eq!(e.judgements(), before + 1);
}

#[test]
fn a_reminder_fires_on_a_tick_and_stops_once_acknowledged() {
    let mut e = with("container", |r| r.renotify = Some(Std::from_secs(30 * 60)));
    e.apply(&containers("exited", 1, at(0)), at(0));
    e.apply(&containers("exited", 1, at(30) - secs(10)), at(30) - secs(10));
    assert!(e.tick(at(30) - secs(5)).is_empty(), "not due yet");
    let reminder = e.tick(at(30));
    one(&reminder, "raised", "container/tower/web", Severity::Warning);
    let EventKind::AlertRaised { renotify, previous, .. } = &reminder[0].kind else {
        unreachable!()
    };
    assert!(*renotify && previous.is_none(), "a reminder: {reminder:?}");
    let before = e.judgements();
    assert!(e.tick(at(30) + secs(5)).is_empty(), "the next reminder is 30 minutes away");
    assert_eq!(e.judgements(), before);
    let ack = EventKind::AlertAcknowledged {
        key: "container/tower/web".into(),
        by: "ops".into(),
        comment: None,
    };
    e.apply(&ev(ack, at(31)), at(31));
    e.apply(&containers("exited", 1, at(60) - secs(10)), at(60) - secs(10));
    let before = e.judgements();
    assert!(e.tick(at(60)).is_empty(), "acknowledged: no reminder");
    assert_eq!(e.judgements(), before, "nothing due for an acknowledged alert");
}

#[test]
fn an_expired_silence_releases_on_a_tick() {
    let mut e = engine();
    let silence = EventKind::AlertSilenced {
        key: "container/tower/web".into(),
        until: at(20),
        by: "ops".into(),
        reason: None,
    };
    e.apply(&ev(silence, at(0)), at(0));
    assert!(said(&e.apply(&containers("exited", 1, at(1)), at(1)))[0].3, "held back");
    e.apply(&containers("exited", 1, at(20) - secs(10)), at(20) - secs(10));
    let before = e.judgements();
    assert!(e.tick(at(20) - secs(5)).is_empty(), "still silenced");
    assert_eq!(e.judgements(), before, "a silence in force is nothing due");
    one(&e.tick(at(20)), "raised", "container/tower/web", Severity::Warning);
    let before = e.judgements();
    assert!(e.tick(at(20) + secs(5)).is_empty(), "released once");
    assert_eq!(e.judgements(), before);
}

#[test]
fn maintenance_ending_releases_on_a_tick() {
    let mut e = engine();
    let on = EventKind::MaintenanceChanged {
        on: true,
        until: Some(at(15)),
        by: "ops".into(),
        reason: None,
    };
    e.apply(&ev(on, at(0)), at(0));
    assert!(said(&e.apply(&containers("exited", 1, at(1)), at(1)))[0].3, "held back");
    e.apply(&containers("exited", 1, at(15) - secs(10)), at(15) - secs(10));
    assert!(e.tick(at(15) - secs(5)).is_empty());
    one(&e.tick(at(15)), "raised", "container/tower/web", Severity::Warning);
}

#[test]
fn a_clear_for_resolves_on_a_tick_without_new_events() {
    let mut e = with("container", |r| r.clear_for = Std::from_secs(5 * 60));
    e.apply(&containers("exited", 1, at(0)), at(0));
    assert!(e.apply(&containers("running", 0, at(1)), at(1)).is_empty(), "clearing");
    e.apply(&containers("running", 0, at(6) - secs(10)), at(6) - secs(10));
    assert!(e.tick(at(6) - secs(5)).is_empty(), "not clear long enough");
    one(&e.tick(at(6)), "resolved", "container/tower/web", Severity::Warning);
}

#[test]
fn an_offline_devices_old_alerts_are_not_due_for_reminders() {
    let mut e = with("container", |r| r.renotify = Some(Std::from_secs(30 * 60)));
    e.apply(&containers("exited", 1, at(0)), at(0));
    let off = EventKind::DeviceOffline { consecutive_failures: 3, reason: "timed out".into() };
    e.apply(&ev(off, at(1)), at(1));
    one(&e.tick(at(2)), "raised", "device_offline/tower", Severity::Critical);
    assert!(e.tick(at(30) - secs(1)).is_empty(), "a minute passed: judged, nothing changes");
    let before = e.judgements();
    assert!(e.tick(at(30)).is_empty(), "no reminder from an offline device's old samples");
    assert_eq!(e.judgements(), before, "and nothing due for it");
}
