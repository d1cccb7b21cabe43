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

#[test]
fn log_patterns_add_replace_and_drop_the_built_ins() {
    let names = |toml: &str| -> Vec<String> {
        accept(toml).alerts.log_patterns.list().map(|p| p.name.clone()).collect()
    };
    assert_eq!(names(""), ["oom", "io_error", "segfault", "fs_error"]);
    let cfg = accept(
        "[[alerts.log_patterns]]\nname = \"panic\"\nregex = '(?i)\\bpanic:'\n\
         severity = \"critical\"\nsources = [\"containers\"]\n\
         [[alerts.log_patterns]]\nname = \"segfault\"\nenabled = false\n\
         [[alerts.log_patterns]]\nname = \"oom\"\nregex = 'Killed process'\n",
    );
    let list: Vec<_> = cfg.alerts.log_patterns.list().cloned().collect();
    let got: Vec<(&str, &str, bool, bool)> = list
        .iter()
        .map(|p| (p.name.as_str(), p.severity.as_str(), p.journal, p.containers))
        .collect();
    assert_eq!(
        got,
        [
            ("oom", "warning", true, true),
            ("io_error", "critical", true, true),
            ("fs_error", "critical", true, true),
            ("panic", "critical", false, true),
        ]
    );
    assert_eq!(list[0].regex, "Killed process", "replaced by name");
    assert_eq!(cfg.fleet.log_patterns, cfg.alerts.log_patterns, "the probe gets them");
    assert!(names("[alerts]\ndefault_log_patterns = false\n").is_empty());
}

#[test]
fn bad_log_patterns_are_refused_with_the_field() {
    check(
        "[[alerts.log_patterns]]\nname = \"x\"\nregex = '(unclosed'\n",
        "alerts.log_patterns[0].regex: log pattern 'x': the regex does not compile",
    );
    check("[[alerts.log_patterns]]\nname = \"x\"\n", "alerts.log_patterns[0].regex: is required");
    check(
        "[[alerts.log_patterns]]\nname = \"x\"\nregex = 'a'\nseverity = \"loud\"\n",
        "alerts.log_patterns[0].severity: must be info, warning or critical, not \"loud\"",
    );
    check(
        "[[alerts.log_patterns]]\nname = \"x\"\nregex = 'a'\nsources = [\"syslog\"]\n",
        "alerts.log_patterns[0].sources: must list journal and/or containers, not \"syslog\"",
    );
    check("[[alerts.log_patterns]]\nname = \"Bad Name\"\nregex = 'a'\n", "must be 1 to 64 of a-z");
    check("[[alerts.log_patterns]]\nname = \"x\"\nregexp = 'a'\n", "unknown field `regexp`");
}
