//! The lifecycle on a clock the test moves: hold-downs, hysteresis, escalation, recovery,
//! maintenance and silences, actions, restore without duplicates, offline grace.

use chrono::{DateTime, Duration, Utc};

use super::engine::{Engine, Out};
use super::rules::RuleSettings;
use crate::events::{Event, EventKind};
use crate::model::alerts::{Severity, Suppressed};
use crate::model::containers::Container;
use crate::model::metrics::MetricsSample;

pub(super) fn t0() -> DateTime<Utc> {
    "2026-12-01T12:00:00Z".parse().unwrap()
}

pub(super) fn at(min: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(min)
}

pub(super) fn ev(kind: EventKind, when: DateTime<Utc>) -> Event {
    Event::new("tower", when, kind)
}

pub(super) fn online(when: DateTime<Utc>) -> Event {
    ev(EventKind::DeviceOnline { transport: "local".into() }, when)
}

pub(super) fn cpu(percent: f64, when: DateTime<Utc>) -> Event {
    let sample = MetricsSample { cpu_percent: Some(percent), ..MetricsSample::default() };
    ev(EventKind::MetricsSampled { sample }, when)
}

pub(super) fn containers(state: &str, exit: i64, when: DateTime<Utc>) -> Event {
    let c = Container {
        id: "abc".into(),
        name: "web".into(),
        image: "nginx".into(),
        state: state.into(),
        status: state.into(),
        exit_code: Some(exit),
        ..Container::default()
    };
    ev(EventKind::ContainerStatsSampled { containers: vec![c] }, when)
}

pub(super) fn engine() -> Engine {
    let mut e = Engine::new(RuleSettings::default(), Default::default());
    assert!(e.apply(&online(t0()), t0()).is_empty());
    e
}

/// `(type, key, severity, suppressed?)` of each output.
pub(super) fn said(outs: &[Out]) -> Vec<(String, String, Severity, bool)> {
    outs.iter()
        .map(|o| match &o.kind {
            EventKind::AlertRaised { alert, suppressed, .. } => {
                ("raised".into(), alert.key.clone(), alert.severity, suppressed.is_some())
            }
            EventKind::AlertResolved { alert, suppressed } => {
                ("resolved".into(), alert.key.clone(), alert.severity, suppressed.is_some())
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

pub(super) fn one(outs: &[Out], what: &str, key: &str, sev: Severity) {
    assert_eq!(said(outs), vec![(what.to_string(), key.to_string(), sev, false)], "{outs:?}");
}

#[test]
fn cpu_must_hold_ten_minutes_escalates_and_clears_past_the_hysteresis() {
    let mut e = engine();
    assert!(e.apply(&cpu(90.0, at(0)), at(0)).is_empty(), "held down");
    assert!(e.tick(at(9)).is_empty(), "still held down at 9 min");
    one(&e.tick(at(10)), "raised", "cpu/tower", Severity::Warning);
    assert!(e.apply(&cpu(91.0, at(11)), at(11)).is_empty(), "no duplicate while it fires");
    let up = e.apply(&cpu(97.0, at(12)), at(12));
    one(&up, "raised", "cpu/tower", Severity::Critical);
    let EventKind::AlertRaised { previous, alert, .. } = &up[0].kind else { unreachable!() };
    assert_eq!(*previous, Some(Severity::Warning), "an escalation of the same alert");
    assert_eq!(alert.since, at(0), "since the condition began");
    assert!(e.apply(&cpu(78.0, at(13)), at(13)).is_empty(), "78 % is not below 80 - 5");
    one(&e.apply(&cpu(70.0, at(14)), at(14)), "resolved", "cpu/tower", Severity::Critical);
    assert!(e.open().is_empty());
}

#[test]
fn a_short_spike_is_never_raised() {
    let mut e = engine();
    assert!(e.apply(&cpu(99.0, at(0)), at(0)).is_empty());
    assert!(e.apply(&cpu(20.0, at(5)), at(5)).is_empty());
    assert!(e.tick(at(20)).is_empty(), "the pending spike was forgotten");
}

#[test]
fn a_dead_container_raises_at_once_and_recovers_once() {
    let mut e = engine();
    one(
        &e.apply(&containers("exited", 1, at(0)), at(0)),
        "raised",
        "container/tower/web",
        Severity::Warning,
    );
    assert!(e.apply(&containers("exited", 1, at(1)), at(1)).is_empty());
    one(
        &e.apply(&containers("running", 0, at(2)), at(2)),
        "resolved",
        "container/tower/web",
        Severity::Warning,
    );
    assert!(e.apply(&containers("running", 0, at(3)), at(3)).is_empty());
}

#[test]
fn a_container_stopped_by_an_action_is_not_alerted() {
    let mut e = engine();
    let stop = EventKind::ActionPerformed {
        action: "container.stop".into(),
        target: "web".into(),
        by: "ops".into(),
        ok: true,
        detail: String::new(),
    };
    assert!(e.apply(&ev(stop, at(0)), at(0)).is_empty());
    assert!(e.apply(&containers("exited", 137, at(1)), at(1)).is_empty());
    let start = EventKind::ActionPerformed {
        action: "container.start".into(),
        target: "web".into(),
        by: "ops".into(),
        ok: true,
        detail: String::new(),
    };
    e.apply(&ev(start, at(2)), at(2));
    assert!(e.apply(&containers("running", 0, at(3)), at(3)).is_empty());
    let died = e.apply(&containers("exited", 1, at(4)), at(4));
    one(&died, "raised", "container/tower/web", Severity::Warning);
}

#[test]
fn maintenance_holds_notifications_back_and_releases_what_still_fires() {
    let mut e = engine();
    let on = EventKind::MaintenanceChanged {
        on: true,
        until: Some(at(30)),
        by: "ops".into(),
        reason: None,
    };
    e.apply(&ev(on, at(0)), at(0));
    let raised = e.apply(&containers("exited", 1, at(1)), at(1));
    assert_eq!(
        said(&raised),
        vec![("raised".into(), "container/tower/web".into(), Severity::Warning, true)]
    );
    let EventKind::AlertRaised { suppressed, .. } = &raised[0].kind else { unreachable!() };
    assert_eq!(*suppressed, Some(Suppressed::Maintenance));
    assert!(e.tick(at(10)).is_empty());
    // Maintenance ended while it still fires: now it is sent.
    one(&e.tick(at(31)), "raised", "container/tower/web", Severity::Warning);
    one(
        &e.apply(&containers("running", 0, at(32)), at(32)),
        "resolved",
        "container/tower/web",
        Severity::Warning,
    );
}

#[test]
fn an_alert_raised_and_cleared_in_maintenance_sends_nothing() {
    let mut e = engine();
    let on =
        EventKind::MaintenanceChanged { on: true, until: None, by: "ops".into(), reason: None };
    e.apply(&ev(on, at(0)), at(0));
    e.apply(&containers("exited", 1, at(1)), at(1));
    let cleared = e.apply(&containers("running", 0, at(2)), at(2));
    assert_eq!(
        said(&cleared),
        vec![("resolved".into(), "container/tower/web".into(), Severity::Warning, true)]
    );
}

#[test]
fn a_silence_on_a_rule_holds_back_until_it_expires() {
    let mut e = engine();
    let silence = EventKind::AlertSilenced {
        key: "container/tower".into(),
        until: at(60),
        by: "ops".into(),
        reason: None,
    };
    e.apply(&ev(silence, at(0)), at(0));
    let raised = e.apply(&containers("exited", 1, at(1)), at(1));
    assert!(said(&raised)[0].3, "suppressed: {raised:?}");
    one(&e.tick(at(61)), "raised", "container/tower/web", Severity::Warning);
}

#[test]
fn restored_alerts_are_not_raised_again_and_still_recover() {
    let mut first = engine();
    let raised = first.apply(&containers("exited", 1, at(0)), at(0));
    let stored: Vec<Event> =
        raised.into_iter().map(|o| Event::new(o.device, at(0), o.kind)).collect();
    let mut e = Engine::new(RuleSettings::default(), Default::default());
    e.restore(&stored);
    assert_eq!(e.open().len(), 1);
    assert!(e.tick(at(1)).is_empty(), "a device not heard from since the restart is not judged");
    assert!(e.apply(&containers("exited", 1, at(2)), at(2)).is_empty(), "no duplicate");
    one(
        &e.apply(&containers("running", 0, at(3)), at(3)),
        "resolved",
        "container/tower/web",
        Severity::Warning,
    );
}

#[test]
fn an_offline_device_is_raised_after_its_grace_and_its_old_samples_change_nothing() {
    let mut e = engine();
    e.apply(&containers("exited", 1, at(0)), at(0));
    let off = EventKind::DeviceOffline { consecutive_failures: 3, reason: "timed out".into() };
    assert!(e.apply(&ev(off, at(1)), at(1)).is_empty(), "the container alert stays as it was");
    assert!(e.tick(at(1) + Duration::seconds(30)).is_empty(), "within the grace");
    one(&e.tick(at(2)), "raised", "device_offline/tower", Severity::Critical);
    one(&e.apply(&online(at(3)), at(3)), "resolved", "device_offline/tower", Severity::Critical);
    assert_eq!(e.open().len(), 1, "the container still fires: {:?}", e.open());
}

#[test]
fn a_rule_switched_off_for_an_object_stays_quiet() {
    let mut s = RuleSettings::default();
    s.overrides.push(super::rules::Override {
        rule: Some("container".into()),
        object: Some("w*".into()),
        enabled: Some(false),
        ..Default::default()
    });
    let mut e = Engine::new(s, Default::default());
    e.apply(&online(t0()), t0());
    assert!(e.apply(&containers("exited", 1, at(0)), at(0)).is_empty());
}

#[test]
fn a_changed_host_key_is_its_own_alert_at_once() {
    let mut e = engine();
    let reason = "host key SHA256:abc does NOT match the key recorded in /root/.ssh/known_hosts";
    let off = EventKind::DeviceOffline { consecutive_failures: 3, reason: reason.into() };
    one(&e.apply(&ev(off, at(0)), at(0)), "raised", "host_key_changed/tower", Severity::Critical);
    one(&e.tick(at(1)), "raised", "device_offline/tower", Severity::Critical);
}
