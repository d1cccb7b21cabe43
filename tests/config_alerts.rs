//! `[alerts]` rules in the config: thresholds over the defaults, each rule's `enabled`,
//! `for`, `clear_for` and `renotify`, overrides by device, rule and object glob, the
//! hysteresis; every mistake names its field.

mod config_support;
use std::time::Duration;

use config_support::{accept, check};

#[test]
fn rules_thresholds_and_overrides_are_read() {
    let cfg = accept(
        "[alerts]\nhysteresis_percent = 3\n\
         [alerts.thresholds]\ncpu_warning_percent = 85\nsectors_critical = 5\n\
         [alerts.rules.cpu]\nfor = \"15m\"\nclear_for = \"2m\"\nrenotify = \"4h\"\n\
         [alerts.rules.updates]\nenabled = false\n\
         [[alerts.overrides]]\ndevice = \"nas*\"\nrule = \"filesystem\"\nobject = \"/mnt/backup*\"\n\
         thresholds = { fs_warning_percent = 95 }\n",
    );
    let r = &cfg.alerts.rules;
    assert_eq!(r.thresholds.cpu_warning_percent, 85.0);
    assert_eq!(r.thresholds.sectors_critical, 5);
    assert_eq!(r.thresholds.fs_warning_percent, 80.0, "the others keep their defaults");
    assert_eq!(r.hysteresis_percent, 3.0);
    let cpu = r.rule("cpu");
    assert_eq!(
        (cpu.hold, cpu.clear_for, cpu.renotify),
        (Duration::from_secs(900), Duration::from_secs(120), Some(Duration::from_secs(14_400)))
    );
    assert!(!r.rule("updates").enabled);
    assert!(r.rule("container").enabled && r.rule("memory").hold == Duration::from_secs(300));
    assert_eq!(r.overrides.len(), 1);
    assert_eq!(r.overrides[0].thresholds["fs_warning_percent"], 95.0);
    assert!(!accept("").alerts.rules.rule("probe_failing").enabled, "off by default");
}

#[test]
fn load_thresholds_and_the_load_rule_are_configurable() {
    let cfg = accept(
        "[alerts.thresholds]\nload_warning_per_core = 1.5\nload_critical_per_core = 3\n\
         [alerts.rules.load]\nfor = \"20m\"\n\
         [[alerts.overrides]]\ndevice = \"build*\"\nrule = \"load\"\n\
         thresholds = { load_warning_per_core = 6 }\n",
    );
    let r = &cfg.alerts.rules;
    assert_eq!(
        (r.thresholds.load_warning_per_core, r.thresholds.load_critical_per_core),
        (1.5, 3.0)
    );
    assert_eq!(r.rule("load").hold, Duration::from_secs(1200));
    assert_eq!(r.overrides[0].thresholds["load_warning_per_core"], 6.0);
    let d = accept("").alerts.rules;
    assert_eq!(
        (d.thresholds.load_warning_per_core, d.thresholds.load_critical_per_core),
        (2.0, 4.0)
    );
    assert_eq!(d.rule("load").hold, Duration::from_secs(600), "10 minutes by default");
    check(
        "[alerts.thresholds]\nload_warning_per_core = -1\n",
        "alerts.thresholds.load_warning_per_core: must be 0 or more",
    );
}

#[test]
fn bad_rules_are_refused_with_the_field() {
    check("[alerts.rules.cpuu]\nenabled = false\n", "unknown rule `cpuu`");
    check("[alerts.rules.cpu]\nfor = \"soon\"\n", "alerts.rules.cpu.for");
    check(
        "[alerts.rules.cpu]\nrenotify = \"10s\"\n",
        "alerts.rules.cpu.renotify: must be at least 1m",
    );
    check("[alerts.rules.cpu]\nlevel = 3\n", "unknown field `level`");
    check("[alerts.thresholds]\ncpu_warn = 3\n", "unknown threshold `cpu_warn`");
    check(
        "[alerts.thresholds]\ncpu_warning_percent = \"high\"\n",
        "alerts.thresholds.cpu_warning_percent: must be a number",
    );
    check(
        "[[alerts.overrides]]\nrule = \"disk\"\n",
        "alerts.overrides[0].rule: unknown rule `disk`",
    );
}
