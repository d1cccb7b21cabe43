//! Which conditions fire: a device's diagnosis (one set of checks for `diagnose_device` and
//! for alerts), grouped into one condition per rule and object, with each rule's switches,
//! hold-down and reminders, and overrides by device and object glob.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::settings::merge;
pub use super::settings::{Override, RuleSettings};
use crate::analysis::{Area, Problem, Thresholds, diagnose_device};
use crate::model::alerts::{Alert, Severity};
use crate::state::DeviceState;

/// Every rule, with its name as configured and as the first part of alert keys.
pub const RULES: &[&str] = &[
    "device_offline",
    "host_key_changed",
    "probe_failing",
    "drive",
    "pool",
    "array",
    "filesystem",
    "filesystem_forecast",
    "memory",
    "cpu",
    "load",
    "container",
    "service",
    "vm",
    "snapshot",
    "updates",
];

/// One rule's switches.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Whether it runs at all.
    pub enabled: bool,
    /// How long the condition must hold before the alert is raised (flap damping).
    pub hold: Duration,
    /// How long the condition must stay clear before the alert is resolved.
    pub clear_for: Duration,
    /// Send a reminder this often while the alert fires unacknowledged (`None`: never).
    pub renotify: Option<Duration>,
}

impl Rule {
    /// The defaults of `name`: CPU and load must hold 10 minutes, memory 5, an offline device 1
    /// (after the supervisor's own retries); probe failures are off (they are diagnosis
    /// material, not pager material).
    pub fn default_for(name: &str) -> Self {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        let hold = match name {
            "cpu" | "load" => minutes(10),
            "updates" => minutes(7 * 24 * 60),
            "memory" => minutes(5),
            "device_offline" => minutes(1),
            _ => Duration::ZERO,
        };
        // A forecast is fitted again hourly: one better hour does not resolve it.
        let clear_for =
            if name == "filesystem_forecast" { minutes(6 * 60) } else { Duration::ZERO };
        Self { enabled: name != "probe_failing", hold, clear_for, renotify: None }
    }
}

/// A condition that holds now: the alert it would raise.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The alert (its `since` is the evaluation time; the engine keeps the first one).
    pub alert: Alert,
    /// The counters whose growth is sent while it fires (a drive's sectors).
    pub counters: super::growth::Counters,
}

/// The rule of a problem.
fn rule_of(p: &Problem) -> &'static str {
    match p.area {
        Area::Device => "device_offline",
        Area::Probe => "probe_failing",
        Area::Drive => "drive",
        Area::Pool => "pool",
        Area::Array => "array",
        Area::Filesystem => "filesystem",
        Area::Memory => "memory",
        Area::Cpu => "cpu",
        Area::Load => "load",
        Area::Container => "container",
        Area::Service => "service",
        Area::Vm => "vm",
        Area::Snapshot => "snapshot",
        Area::Updates => "updates",
    }
}

fn severity(s: crate::analysis::Severity) -> Severity {
    match s {
        crate::analysis::Severity::Critical => Severity::Critical,
        crate::analysis::Severity::Warning => Severity::Warning,
        crate::analysis::Severity::Info => Severity::Info,
    }
}

/// The alert key of `rule` on `device`'s `object`.
pub fn key(rule: &str, device: &str, object: Option<&str>) -> String {
    match object {
        Some(o) => format!("{rule}/{device}/{o}"),
        None => format!("{rule}/{device}"),
    }
}

/// The conditions that hold on `device` at `now`, by key. A key in `firing` (the device's
/// open alerts) stays while it holds against the thresholds lowered by the hysteresis (its
/// severity still comes from the thresholds themselves when it crosses them); other keys
/// need the thresholds themselves. Several findings on one object make one condition: the
/// worst severity, the summaries joined.
pub fn conditions(
    device: &str,
    state: &DeviceState,
    now: DateTime<Utc>,
    s: &RuleSettings,
    firing: &[&str],
) -> BTreeMap<String, Condition> {
    let (t, objects) = s.thresholds_for(device);
    let mut out = pass(device, state, now, s, &t, &objects, false);
    // The lowered pass only keeps firing keys the first one lacks; an offline device's pass
    // judges its connection alone, which no threshold changes.
    let offline = matches!(state.online, Some(false));
    if offline || firing.iter().all(|k| out.contains_key(*k)) {
        return out;
    }
    for (k, c) in pass(device, state, now, s, &t, &objects, true) {
        if firing.contains(&k.as_str()) {
            out.entry(k).or_insert(c);
        }
    }
    out
}

/// One pass of the checks: with the thresholds, or (`clearing`) with them lowered.
fn pass(
    device: &str,
    state: &DeviceState,
    now: DateTime<Utc>,
    s: &RuleSettings,
    t: &Thresholds,
    objects: &[&Override],
    clearing: bool,
) -> BTreeMap<String, Condition> {
    let lowered = |t: &Thresholds| if clearing { s.clearing(t) } else { t.clone() };
    // An offline device's last samples are history: only its connection counts.
    let offline = matches!(state.online, Some(false));
    let own = |rule: &str, object: &str| {
        objects.iter().any(|ov| {
            ov.rule.as_deref().is_none_or(|r| r == rule)
                && ov.object.as_deref().is_some_and(|g| crate::analysis::glob_matches(g, object))
        })
    };
    let mut out = BTreeMap::new();
    // A host key that no longer matches: the device was reinstalled, or someone is in the
    // middle. Not a mere outage, so its own rule, at once.
    let reason = state.offline_reason.as_deref().unwrap_or("");
    if offline && reason.contains("does NOT match") && s.enabled(device, "host_key_changed", None) {
        let k = key("host_key_changed", device, None);
        let alert = Alert {
            key: k.clone(),
            rule: "host_key_changed".into(),
            object: None,
            severity: Severity::Critical,
            summary: format!("the SSH host key of {device} changed"),
            value: None,
            threshold: None,
            unit: None,
            since: now,
            evidence: vec![format!("reason: {reason}")],
        };
        out.insert(k, Condition { alert, counters: Vec::new() });
    }
    let mut take = |p: &Problem, mine: &dyn Fn(&str, Option<&str>) -> bool| {
        let rule = rule_of(p);
        let object = match p.area {
            Area::Device | Area::Memory | Area::Cpu | Area::Load | Area::Updates => None,
            _ => Some(p.object.as_str()),
        };
        let info = p.severity == crate::analysis::Severity::Info;
        if info || (offline && p.area != Area::Device) || !mine(rule, object) {
            return;
        }
        if s.enabled(device, rule, object) {
            push(&mut out, key(rule, device, object), rule, object, p, now);
        }
    };
    let general = |rule: &str, object: Option<&str>| object.is_none_or(|o| !own(rule, o));
    for p in diagnose_device(device, state, now, &lowered(t)).problems {
        take(&p, &general);
    }
    if offline {
        return out;
    }
    for ov in objects {
        let mut base = serde_json::to_value(t).unwrap_or_default();
        merge(&mut base, &ov.thresholds);
        let ot: Thresholds = serde_json::from_value(base).unwrap_or_else(|_| t.clone());
        let this = |rule: &str, object: Option<&str>| {
            ov.rule.as_deref().is_none_or(|r| r == rule)
                && object.is_some_and(|o| {
                    ov.object.as_deref().is_some_and(|g| crate::analysis::glob_matches(g, o))
                })
        };
        for p in diagnose_device(device, state, now, &lowered(&ot)).problems {
            take(&p, &this);
        }
    }
    out
}

fn push(
    out: &mut BTreeMap<String, Condition>,
    key: String,
    rule: &str,
    object: Option<&str>,
    p: &Problem,
    now: DateTime<Utc>,
) {
    let sev = severity(p.severity);
    let (value, threshold, unit) = figures(p);
    match out.get_mut(&key) {
        Some(c) => {
            if !c.alert.summary.contains(&p.summary) {
                c.alert.summary = format!("{}; {}", c.alert.summary, p.summary);
            }
            c.alert.severity = c.alert.severity.max(sev);
            if p.area == Area::Drive {
                c.counters =
                    super::growth::merged(&c.counters, &super::growth::of_evidence(&p.evidence));
            }
        }
        None => {
            let alert = Alert {
                key: key.clone(),
                rule: rule.to_string(),
                object: object.map(String::from),
                severity: sev,
                summary: p.summary.clone(),
                value,
                threshold,
                unit,
                since: now,
                evidence: evidence_lines(&p.evidence),
            };
            let counters = match p.area {
                Area::Drive => super::growth::of_evidence(&p.evidence),
                _ => Vec::new(),
            };
            out.insert(key, Condition { alert, counters });
        }
    }
}

/// The measured value, limit and unit a problem's evidence gives, when it has them.
fn figures(p: &Problem) -> (Option<f64>, Option<f64>, Option<String>) {
    let e = &p.evidence;
    let num = |k: &str| e.get(k).and_then(serde_json::Value::as_f64);
    let (value, unit) = match p.area {
        Area::Filesystem | Area::Memory | Area::Cpu | Area::Pool => {
            (num("used_percent").or(num("capacity_percent")).or(num("cpu_percent")), Some("%"))
        }
        Area::Drive => (num("temperature_celsius"), Some("°C")),
        Area::Load => (num("load_per_core"), Some("per core")),
        _ => (None, None),
    };
    let threshold = num("threshold_percent").or(num("threshold"));
    (value, threshold, value.and(unit).map(String::from))
}

/// The evidence as `name: value` lines (plain text).
fn evidence_lines(e: &serde_json::Value) -> Vec<String> {
    match e.as_object() {
        Some(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v.as_str() {
                Some(s) => format!("{k}: {s}"),
                None => format!("{k}: {v}"),
            })
            .collect(),
        None => Vec::new(),
    }
}
