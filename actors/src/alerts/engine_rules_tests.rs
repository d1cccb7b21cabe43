//! Rules on a clock the test moves: the load average per core (held 10 minutes, cleared past
//! its hysteresis), the growth of a firing drive alert's sectors, and capacity forecasts fed
//! to the engine.

use chrono::{DateTime, Duration};

use super::engine::{Engine, Out};
use super::engine_tests::{at, engine, ev, one, online, t0};
use super::rules::RuleSettings;
use crate::analysis::{CapacityForecast, CapacityStatus, StorageKind};
use crate::events::{Event, EventKind};
use crate::model::alerts::Severity;
use crate::model::drives::Drive;
use crate::model::metrics::{CoreUsage, MetricsSample};

fn load(load5: f64, cores: u32, when: DateTime<chrono::Utc>) -> Event {
    let sample = MetricsSample {
        load1: Some(load5),
        load5: Some(load5),
        load15: Some(load5),
        cpu_cores: (0..cores).map(|core| CoreUsage { core, percent: 90.0 }).collect(),
        ..MetricsSample::default()
    };
    ev(EventKind::MetricsSampled { sample }, when)
}

fn sectors(reallocated: u64, pending: u64, when: DateTime<chrono::Utc>) -> Event {
    let d = Drive {
        device: "/dev/sda".into(),
        serial: Some("S1".into()),
        protocol: Some("ATA".into()),
        smart_passed: Some(true),
        temperature_c: Some(35),
        reallocated_sectors: Some(reallocated),
        pending_sectors: Some(pending),
        ..Drive::default()
    };
    ev(EventKind::DriveHealthSampled { drives: vec![d] }, when)
}

fn raised(outs: &[Out]) -> (&crate::model::alerts::Alert, Option<Severity>, bool) {
    assert_eq!(outs.len(), 1, "{outs:?}");
    match &outs[0].kind {
        EventKind::AlertRaised { alert, previous, renotify, .. } => (alert, *previous, *renotify),
        other => panic!("not a raise: {other:?}"),
    }
}

#[test]
fn load_per_core_must_hold_ten_minutes_and_clears_past_its_hysteresis() {
    let mut e = engine();
    assert!(e.apply(&load(10.0, 4, at(0)), at(0)).is_empty(), "2.5 per core, held down");
    assert!(e.apply(&load(30.0, 16, at(5)), at(5)).is_empty(), "1.9 per core on 16 cores");
    assert!(e.apply(&load(10.0, 4, at(6)), at(6)).is_empty(), "the hold-down started again");
    assert!(e.tick(at(15)).is_empty(), "9 min since it came back");
    let up = e.tick(at(16));
    one(&up, "raised", "load/tower", Severity::Warning);
    let (alert, _, _) = raised(&up);
    assert_eq!((alert.value, alert.threshold), (Some(2.5), Some(2.0)));
    assert_eq!(alert.unit.as_deref(), Some("per core"));
    one(&e.apply(&load(17.0, 4, at(17)), at(17)), "raised", "load/tower", Severity::Critical);
    assert!(e.apply(&load(7.7, 4, at(18)), at(18)).is_empty(), "1.925 is not below 2.0 - 5 %");
    one(&e.apply(&load(7.5, 4, at(19)), at(19)), "resolved", "load/tower", Severity::Critical);
}

#[test]
fn a_load_threshold_override_changes_the_verdict() {
    let mut s = RuleSettings::default();
    s.thresholds.load_warning_per_core = 1.0;
    s.rules.get_mut("load").expect("the load rule").hold = std::time::Duration::ZERO;
    let mut e = Engine::new(s, Default::default());
    e.apply(&online(t0()), t0());
    one(&e.apply(&load(5.0, 4, at(0)), at(0)), "raised", "load/tower", Severity::Warning);
}

#[test]
fn growing_sectors_of_a_firing_drive_alert_are_sent_once_more() {
    let mut e = engine();
    assert!(e.apply(&sectors(0, 0, at(0)), at(0)).is_empty(), "a healthy drive");
    let first = e.apply(&sectors(3, 0, at(1)), at(1));
    one(&first, "raised", "drive/tower//dev/sda", Severity::Warning);
    assert!(e.apply(&sectors(3, 0, at(2)), at(2)).is_empty(), "the same count: nothing new");
    let ack = EventKind::AlertAcknowledged {
        key: "drive/tower//dev/sda".into(),
        by: "ops".into(),
        comment: None,
    };
    e.apply(&ev(ack, at(3)), at(3));
    let grew = e.apply(&sectors(5, 0, at(4)), at(4));
    one(&grew, "raised", "drive/tower//dev/sda", Severity::Warning);
    let (alert, previous, renotify) = raised(&grew);
    assert!(
        alert.summary.starts_with("reallocated sectors increased from 3 to 5; "),
        "{}",
        alert.summary
    );
    assert_eq!((previous, renotify), (None, false), "news, not an escalation nor a reminder");
    assert_eq!(alert.since, at(1), "the same alert, firing since its raise");
    assert!(e.apply(&sectors(5, 0, at(5)), at(5)).is_empty(), "sent once");
    assert!(e.tick(at(6)).is_empty(), "no repeat on a tick");
    let both = e.apply(&sectors(6, 2, at(7)), at(7));
    let (alert, ..) = raised(&both);
    let both_grew =
        "reallocated sectors increased from 5 to 6; pending sectors increased from 0 to 2; ";
    assert!(alert.summary.starts_with(both_grew), "{alert:?}");
    assert!(e.apply(&sectors(6, 1, at(8)), at(8)).is_empty(), "fewer pending sectors");
    let pending = e.apply(&sectors(6, 4, at(9)), at(9));
    assert!(raised(&pending).0.summary.starts_with("pending sectors increased from 1 to 4"));
    let crit = e.apply(&sectors(25, 4, at(10)), at(10));
    let (alert, previous, _) = raised(&crit);
    assert_eq!((alert.severity, previous), (Severity::Critical, Some(Severity::Warning)));
    assert!(alert.summary.starts_with("reallocated sectors increased from 6 to 25"));
}

#[test]
fn sector_growth_across_a_restart_is_sent_and_a_same_count_is_not() {
    let mut first = engine();
    let raised_at_3 = first.apply(&sectors(3, 0, at(0)), at(0));
    let stored: Vec<Event> =
        raised_at_3.into_iter().map(|o| Event::new(o.device, at(0), o.kind)).collect();
    let restart = |stored: &[Event]| {
        let mut e = Engine::new(RuleSettings::default(), Default::default());
        e.restore(stored);
        e
    };
    let mut same = restart(&stored);
    let dup = same.apply(&sectors(3, 0, at(2)), at(2));
    assert!(dup.is_empty(), "no duplicate: {dup:?}");
    let mut grown = restart(&stored);
    let grew = grown.apply(&sectors(4, 0, at(2)), at(2));
    assert!(raised(&grew).0.summary.starts_with("reallocated sectors increased from 3 to 4"));
    assert_eq!(Duration::zero(), at(0) - raised(&grew).0.since, "since the stored raise");
}

/// A fit of `/data` on tower: `current` % at `as_of`, growing `growth` points a day.
fn fit(current: f64, growth: f64, r2: f64, as_of: DateTime<chrono::Utc>) -> CapacityForecast {
    CapacityForecast {
        device: "tower".into(),
        kind: StorageKind::Filesystem,
        name: "/data".into(),
        threshold_percent: 100.0,
        status: CapacityStatus::WillCross,
        reason: None,
        points: 300,
        span_days: 13.0,
        as_of: Some(as_of),
        current_percent: Some(current),
        used_bytes: Some(current * 1e9),
        size_bytes: Some(100e9),
        growth_percent_per_day: Some(growth),
        growth_bytes_per_day: Some(growth * 1e9),
        r_squared: Some(r2),
        crosses_at: None,
        days_left: None,
        summary: String::new(),
    }
}

const FORECAST_KEY: &str = "filesystem_forecast/tower//data";

#[test]
fn a_filesystem_forecast_full_within_seven_days_warns_and_resolves_after_six_clear_hours() {
    let mut e = engine();
    let up = e.set_forecasts(vec![fit(90.0, 2.0, 0.95, at(0))], at(0));
    one(&up, "raised", FORECAST_KEY, Severity::Warning);
    let (alert, ..) = raised(&up);
    assert_eq!(
        (alert.value, alert.threshold, alert.unit.as_deref()),
        (Some(5.0), Some(7.0), Some("days"))
    );
    assert!(alert.summary.contains("100 % full within 5.0 days"), "{}", alert.summary);
    assert!(e.set_forecasts(vec![fit(91.0, 2.0, 0.95, at(60))], at(60)).is_empty(), "no repeat");
    let slower = e.set_forecasts(vec![fit(91.0, 1.0, 0.95, at(120))], at(120));
    assert!(slower.is_empty(), "9 days left: clearing, not resolved at once");
    assert!(e.tick(at(120 + 359)).is_empty(), "clear for less than 6 hours");
    one(&e.tick(at(120 + 360)), "resolved", FORECAST_KEY, Severity::Warning);
    assert!(e.set_forecasts(vec![], at(500)).is_empty());
}

#[test]
fn a_poor_fit_a_flat_or_a_distant_forecast_raises_nothing_and_limits_are_configurable() {
    let quiet = [
        fit(90.0, 2.0, 0.5, at(0)),  // r² below 0.8
        fit(90.0, 0.0, 0.99, at(0)), // not growing
        fit(40.0, 2.0, 0.99, at(0)), // 30 days left
        CapacityForecast {
            growth_percent_per_day: None,
            r_squared: None,
            ..fit(99.0, 0.0, 0.0, at(0))
        },
    ];
    for f in quiet {
        let mut e = engine();
        assert!(e.set_forecasts(vec![f.clone()], at(0)).is_empty(), "{f:?}");
    }
    // A fit three days old that said 9 days: 6 are left now.
    let mut e = engine();
    one(
        &e.set_forecasts(vec![fit(82.0, 2.0, 0.9, at(0))], at(3 * 24 * 60)),
        "raised",
        FORECAST_KEY,
        Severity::Warning,
    );
    let mut s = RuleSettings::default();
    s.overrides.push(super::rules::Override {
        rule: Some("filesystem_forecast".into()),
        object: Some("/da*".into()),
        thresholds: serde_json::json!({ "forecast_days": 31.0 })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        ..Default::default()
    });
    let mut e = Engine::new(s.clone(), Default::default());
    e.apply(&online(t0()), t0());
    let outs = e.set_forecasts(vec![fit(40.0, 2.0, 0.99, at(0))], at(0));
    one(&outs, "raised", FORECAST_KEY, Severity::Warning);
    s.rules.get_mut("filesystem_forecast").expect("the rule").enabled = false;
    let mut e = Engine::new(s, Default::default());
    e.apply(&online(t0()), t0());
    assert!(e.set_forecasts(vec![fit(99.0, 2.0, 0.99, at(0))], at(0)).is_empty(), "switched off");
}

#[test]
fn forecasts_of_a_device_not_heard_from_wait_for_its_first_event() {
    let mut e = Engine::new(RuleSettings::default(), Default::default());
    assert!(e.set_forecasts(vec![fit(95.0, 2.0, 0.95, at(0))], at(0)).is_empty());
    one(&e.apply(&online(at(1)), at(1)), "raised", FORECAST_KEY, Severity::Warning);
    let off = EventKind::DeviceOffline { consecutive_failures: 3, reason: "timed out".into() };
    e.apply(&ev(off, at(2)), at(2));
    let outs = e.set_forecasts(vec![], at(3));
    assert!(outs.iter().all(|o| !matches!(&o.kind, EventKind::AlertResolved { .. })), "{outs:?}");
    assert!(e.open().iter().any(|o| o.alert.key == FORECAST_KEY), "offline: its forecast stays");
}
