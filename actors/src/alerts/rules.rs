//! Which conditions fire: a device's diagnosis (one set of checks for `diagnose_device` and
//! for alerts), grouped into one condition per rule and object, with each rule's switches,
//! hold-down and reminders, and overrides by device and object glob.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use super::condition::Condition;
use super::condition::push;
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
    "log_pattern",
    "backup",
    "image_update",
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
    /// (after the supervisor's own retries); probe failures and image updates are off (they
    /// are diagnosis material, not pager material: turn `image_update` on to be told).
    pub fn default_for(name: &str) -> Self {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        let hold = match name {
            "cpu" | "load" => minutes(10),
            "memory" => minutes(5),
            "device_offline" => minutes(1),
            _ => Duration::ZERO,
        };
        // A forecast is fitted again hourly: one better hour does not resolve it.
        let clear_for =
            if name == "filesystem_forecast" { minutes(6 * 60) } else { Duration::ZERO };
        Self {
            enabled: !matches!(name, "probe_failing" | "image_update"),
            hold,
            clear_for,
            renotify: None,
        }
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

    /// The thresholds for `rule` on `device`'s `object`: the device's, with the matching
    /// object overrides over them.
    pub(super) fn thresholds_at(&self, device: &str, rule: &str, object: &str) -> Thresholds {
        let (t, objects) = self.thresholds_for(device);
        let mine: Vec<&Override> = objects
            .into_iter()
            .filter(|o| o.rule.as_deref().is_none_or(|r| r == rule))
            .filter(|o| {
                o.object.as_deref().is_some_and(|g| crate::analysis::glob_matches(g, object))
            })
            .collect();
        if mine.is_empty() {
            return t;
        }
        let mut base = serde_json::to_value(&t).unwrap_or_default();
        for o in mine {
            merge(&mut base, &o.thresholds);
        }
        serde_json::from_value(base).unwrap_or(t)
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
            // A ratio, not a percent: lowered by the same share of itself.
            load_warning_per_core: t.load_warning_per_core * (1.0 - p / 100.0),
            load_critical_per_core: t.load_critical_per_core * (1.0 - p / 100.0),
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
        Area::Logs => "log_pattern",
        Area::Backup => "backup",
        Area::Images => "image_update",
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
        // Info findings are not alerts, but for the rule made of them (off by default).
        let info = p.severity == crate::analysis::Severity::Info && p.area != Area::Images;
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
