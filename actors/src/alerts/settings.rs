//! The rules' settings: global thresholds, each rule's switches, overrides by device, rule
//! and object glob, and the hysteresis that lowers the thresholds for firing alerts.

use std::collections::BTreeMap;

use super::rules::{RULES, Rule};
use crate::analysis::Thresholds;

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
    pub(super) fn matches(&self, device: &str, rule: &str, object: Option<&str>) -> bool {
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
    pub(super) fn thresholds_for(&self, device: &str) -> (Thresholds, Vec<&Override>) {
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
    pub(super) fn clearing(&self, t: &Thresholds) -> Thresholds {
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

pub(super) fn merge(
    base: &mut serde_json::Value,
    over: &serde_json::Map<String, serde_json::Value>,
) {
    if let Some(b) = base.as_object_mut() {
        for (k, v) in over {
            b.insert(k.clone(), v.clone());
        }
    }
}
