//! Which conditions fire: a device's diagnosis (one set of checks for `diagnose_device` and
//! for alerts), grouped into one condition per rule and object, with each rule's switches,
//! hold-down and reminders, and overrides by device and object glob.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

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
    "memory",
    "cpu",
    "container",
    "service",
    "vm",
    "snapshot",
    "updates",
    "log_pattern",
    "backup",
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
    /// The defaults of `name`: CPU must hold 10 minutes, memory 5, an offline device 1
    /// (after the supervisor's own retries); probe failures are off (they are diagnosis
    /// material, not pager material).
    pub fn default_for(name: &str) -> Self {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        let hold = match name {
            "cpu" => minutes(10),
            "memory" => minutes(5),
            "device_offline" => minutes(1),
            _ => Duration::ZERO,
        };
        Self { enabled: name != "probe_failing", hold, clear_for: Duration::ZERO, renotify: None }
    }
}

/// An override for some devices and objects (globs; `None` matches all).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Override {
    /// Device name glob.
    pub device: Option<String>,
    /// Rule name (`None`: every rule).
    pub rule: Option<String>,
    /// Object glob: a container, mount point, drive serial or device path, pool, unit.
    pub object: Option<String>,
    /// Switch the matching alerts off (or back on).
    pub enabled: Option<bool>,
    /// Thresholds that differ, as `name → value` over the global ones.
    pub thresholds: serde_json::Map<String, serde_json::Value>,
}

impl Override {
    fn matches(&self, device: &str, rule: &str, object: Option<&str>) -> bool {
        let glob = |p: &Option<String>, v: &str| {
            p.as_deref().is_none_or(|p| crate::analysis::glob_matches(p, v))
        };
        glob(&self.device, device)
            && self.rule.as_deref().is_none_or(|r| r == rule)
            && match (&self.object, object) {
                (None, _) => true,
                (Some(p), Some(o)) => crate::analysis::glob_matches(p, o),
                (Some(_), None) => false,
            }
    }
}

/// The rules' settings.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSettings {
    /// Global thresholds.
    pub thresholds: Thresholds,
    /// Per rule, by name (every rule of [`RULES`] present).
    pub rules: BTreeMap<String, Rule>,
    /// Overrides, in order (later ones win).
    pub overrides: Vec<Override>,
    /// How far below a percent threshold a firing alert must drop to resolve.
    pub hysteresis_percent: f64,
    /// How far below a temperature threshold a firing alert must drop to resolve, °C.
    pub hysteresis_celsius: i64,
}

impl Default for RuleSettings {
    fn default() -> Self {
        Self {
            thresholds: Thresholds::default(),
            rules: RULES.iter().map(|r| (r.to_string(), Rule::default_for(r))).collect(),
            overrides: Vec::new(),
            hysteresis_percent: 5.0,
            hysteresis_celsius: 3,
        }
    }
}

impl RuleSettings {
    /// The switches of `rule` (the default when it is not configured).
    pub fn rule(&self, rule: &str) -> Rule {
        self.rules.get(rule).cloned().unwrap_or_else(|| Rule::default_for(rule))
    }

    /// Whether alerts of `rule` on `device`'s `object` are on.
    pub fn enabled(&self, device: &str, rule: &str, object: Option<&str>) -> bool {
        let mut on = self.rule(rule).enabled;
        for o in self.overrides.iter().filter(|o| o.matches(device, rule, object)) {
            on = o.enabled.unwrap_or(on);
        }
        on
    }

    /// The thresholds for `device` (overrides without an object), and the object overrides
    /// that change thresholds.
    fn thresholds_for(&self, device: &str) -> (Thresholds, Vec<&Override>) {
        if self.overrides.iter().all(|o| o.thresholds.is_empty()) {
            return (self.thresholds.clone(), Vec::new());
        }
        let mut base = serde_json::to_value(&self.thresholds).unwrap_or_default();
        let mut objects = Vec::new();
        for o in self.overrides.iter().filter(|o| !o.thresholds.is_empty()) {
            let dev = o.device.as_deref().is_none_or(|p| crate::analysis::glob_matches(p, device));
            match (dev, &o.object) {
                (true, None) => merge(&mut base, &o.thresholds),
                (true, Some(_)) => objects.push(o),
                _ => {}
            }
        }
        (serde_json::from_value(base).unwrap_or_else(|_| self.thresholds.clone()), objects)
    }

    /// `t` with every limit lowered by the hysteresis (what a firing alert must get below).
    fn clearing(&self, t: &Thresholds) -> Thresholds {
        let (p, c) = (self.hysteresis_percent, self.hysteresis_celsius);
        Thresholds {
            fs_warning_percent: t.fs_warning_percent - p,
            fs_critical_percent: t.fs_critical_percent - p,
            mem_warning_percent: t.mem_warning_percent - p,
            mem_critical_percent: t.mem_critical_percent - p,
            cpu_warning_percent: t.cpu_warning_percent - p,
            cpu_critical_percent: t.cpu_critical_percent - p,
            drive_temp_warning_c: t.drive_temp_warning_c - c,
            drive_temp_critical_c: t.drive_temp_critical_c - c,
            nvme_temp_warning_c: t.nvme_temp_warning_c - c,
            nvme_temp_critical_c: t.nvme_temp_critical_c - c,
            ..t.clone()
        }
    }
}

fn merge(base: &mut serde_json::Value, over: &serde_json::Map<String, serde_json::Value>) {
    if let Some(b) = base.as_object_mut() {
        for (k, v) in over {
            b.insert(k.clone(), v.clone());
        }
    }
}

/// A condition that holds now: the alert it would raise.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The alert (its `since` is the evaluation time; the engine keeps the first one).
    pub alert: Alert,
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
        Area::Container => "container",
        Area::Service => "service",
        Area::Vm => "vm",
        Area::Snapshot => "snapshot",
        Area::Updates => "updates",
        Area::Logs => "log_pattern",
        Area::Backup => "backup",
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

/// The conditions that hold on `device` at `now`, by key. A key in `firing` stays while it
/// holds against the thresholds lowered by the hysteresis (its severity still comes from the
/// thresholds themselves when it crosses them); other keys need the thresholds themselves.
/// Several findings on one object make one condition: the worst severity, the summaries
/// joined.
pub fn conditions(
    device: &str,
    state: &DeviceState,
    now: DateTime<Utc>,
    s: &RuleSettings,
    firing: &dyn Fn(&str) -> bool,
) -> BTreeMap<String, Condition> {
    let (t, objects) = s.thresholds_for(device);
    let mut out = pass(device, state, now, s, &t, &objects, false);
    for (k, c) in pass(device, state, now, s, &t, &objects, true) {
        if firing(&k) {
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
        out.insert(k, Condition { alert });
    }
    let mut take = |p: &Problem, mine: &dyn Fn(&str, Option<&str>) -> bool| {
        let rule = rule_of(p);
        let object = match p.area {
            Area::Device | Area::Memory | Area::Cpu | Area::Updates => None,
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
            out.insert(key, Condition { alert });
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
            .flat_map(|(k, v)| match v {
                serde_json::Value::String(s) => vec![format!("{k}: {s}")],
                // A list of lines (a log pattern's matches): one evidence line each.
                serde_json::Value::Array(items) if items.iter().all(|i| i.is_string()) => {
                    items.iter().filter_map(|i| i.as_str()).map(|s| format!("{k}: {s}")).collect()
                }
                v => vec![format!("{k}: {v}")],
            })
            .collect(),
        None => Vec::new(),
    }
}
