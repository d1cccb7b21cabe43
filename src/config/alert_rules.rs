//! `[alerts]` rules: thresholds over the defaults, each rule's switches (`enabled`, `for`,
//! `clear_for`, `renotify`), overrides by device, rule and object glob, and the hysteresis,
//! each mistake naming its field.

use std::collections::BTreeMap;
use std::time::Duration;

use infrastructor_actors::alerts::{Override, RULES, RuleSettings};
use infrastructor_actors::analysis::Thresholds;
use serde::Deserialize;
use toml::Spanned;

use super::alerts::FileAlerts;
use super::error::ConfigError;
use super::resolve::Resolver;

/// `[alerts.rules.<rule>]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRule {
    /// Whether the rule runs (default true; `probe_failing` false).
    pub enabled: Option<bool>,
    /// How long the condition must hold before the alert is raised.
    #[serde(rename = "for")]
    pub hold: Option<Spanned<String>>,
    /// How long it must stay clear before the alert is resolved.
    pub clear_for: Option<Spanned<String>>,
    /// Remind this often while it fires unacknowledged.
    pub renotify: Option<Spanned<String>>,
}

/// One `[[alerts.overrides]]` entry as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileOverride {
    /// Device name glob.
    pub device: Option<String>,
    /// Rule name.
    pub rule: Option<Spanned<String>>,
    /// Object glob (container, mount point, drive serial or path, pool, unit).
    pub object: Option<String>,
    /// Switch the matching alerts off (or on).
    pub enabled: Option<bool>,
    /// Thresholds that differ for the matching devices or objects.
    pub thresholds: Option<Spanned<toml::Table>>,
}

impl Resolver<'_> {
    fn duration_of(&self, field: &str, v: &Spanned<String>) -> Result<Duration, ConfigError> {
        super::parse_duration(v.get_ref()).or_else(|e| self.invalid(v.span(), field, e))
    }

    fn thresholds_of(
        &self,
        field: &str,
        t: &Spanned<toml::Table>,
    ) -> Result<serde_json::Map<String, serde_json::Value>, ConfigError> {
        let known = serde_json::to_value(Thresholds::default()).unwrap_or_default();
        let known = known.as_object().cloned().unwrap_or_default();
        let mut out = serde_json::Map::new();
        for (k, v) in t.get_ref() {
            if !known.contains_key(k) {
                let names: Vec<&str> = known.keys().map(String::as_str).collect();
                let msg = format!("unknown threshold `{k}` (known: {})", names.join(", "));
                return self.invalid(t.span(), field, msg);
            }
            let Some(n) = v.as_float().or(v.as_integer().map(|i| i as f64)) else {
                return self.invalid(t.span(), &format!("{field}.{k}"), "must be a number".into());
            };
            if !n.is_finite() || n < 0.0 {
                return self.invalid(t.span(), &format!("{field}.{k}"), "must be 0 or more".into());
            }
            let v =
                if known[k].is_f64() { serde_json::json!(n) } else { serde_json::json!(n as i64) };
            out.insert(k.clone(), v);
        }
        Ok(out)
    }

    /// Validates the rules part of `[alerts]`.
    pub(super) fn alert_rules(&self, a: &FileAlerts) -> Result<RuleSettings, ConfigError> {
        let mut s = RuleSettings::default();
        if let Some(t) = &a.thresholds {
            let over = self.thresholds_of("alerts.thresholds", t)?;
            let mut base = serde_json::to_value(&s.thresholds).unwrap_or_default();
            if let Some(b) = base.as_object_mut() {
                b.extend(over);
            }
            s.thresholds = serde_json::from_value(base).unwrap_or_default();
        }
        for (name, r) in &a.rules {
            if !RULES.contains(&name.get_ref().as_str()) {
                let msg =
                    format!("unknown rule `{}` (rules: {})", name.get_ref(), RULES.join(", "));
                return self.invalid(name.span(), "alerts.rules", msg);
            }
            let field = |f: &str| format!("alerts.rules.{}.{f}", name.get_ref());
            let rule = s
                .rules
                .entry(name.get_ref().clone())
                .or_insert_with(|| infrastructor_actors::alerts::Rule::default_for(name.get_ref()));
            if let Some(e) = r.enabled {
                rule.enabled = e;
            }
            if let Some(h) = &r.hold {
                rule.hold = self.duration_of(&field("for"), h)?;
            }
            if let Some(c) = &r.clear_for {
                rule.clear_for = self.duration_of(&field("clear_for"), c)?;
            }
            if let Some(n) = &r.renotify {
                let every = self.duration_of(&field("renotify"), n)?;
                if every < Duration::from_secs(60) {
                    return self.invalid(
                        n.span(),
                        &field("renotify"),
                        "must be at least 1m".into(),
                    );
                }
                rule.renotify = Some(every);
            }
        }
        for (i, o) in a.overrides.iter().enumerate() {
            let field = |f: &str| format!("alerts.overrides[{i}].{f}");
            if let Some(r) = &o.rule
                && !RULES.contains(&r.get_ref().as_str())
            {
                let msg = format!("unknown rule `{}` (rules: {})", r.get_ref(), RULES.join(", "));
                return self.invalid(r.span(), &field("rule"), msg);
            }
            let thresholds = match &o.thresholds {
                Some(t) => self.thresholds_of(&field("thresholds"), t)?,
                None => serde_json::Map::new(),
            };
            s.overrides.push(Override {
                device: o.device.clone(),
                rule: o.rule.as_ref().map(|r| r.get_ref().clone()),
                object: o.object.clone(),
                enabled: o.enabled,
                thresholds,
            });
        }
        if let Some(h) = a.hysteresis_percent {
            s.hysteresis_percent = h.clamp(0.0, 50.0);
        }
        if let Some(h) = a.hysteresis_celsius {
            s.hysteresis_celsius = h.clamp(0, 30);
        }
        Ok(s)
    }
}

/// Rule settings by name, for [`FileAlerts::rules`].
pub type FileRules = BTreeMap<Spanned<String>, FileRule>;
