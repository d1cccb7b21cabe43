//! `[alerts]`: the alert rules with their thresholds (`alert_rules.rs`) and the notifiers
//! (`notify.rs`), as written in the file and as resolved.

use serde::Deserialize;

pub use infrastructor_actors::alerts::RuleSettings;

use super::error::ConfigError;
use super::resolve::Resolver;

/// `[alerts]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileAlerts {
    // Rules and thresholds (alert_rules.rs).
    /// Thresholds over the defaults (`cpu_warning_percent = 85`, …).
    pub thresholds: Option<toml::Spanned<toml::Table>>,
    /// Per rule: `[alerts.rules.cpu] for = "15m"`, `enabled = false`, `renotify = "4h"`.
    #[serde(default)]
    pub rules: super::alert_rules::FileRules,
    /// `[[alerts.overrides]]`: by device, rule and object glob.
    #[serde(default)]
    pub overrides: Vec<super::alert_rules::FileOverride>,
    /// How far below a percent threshold a firing alert must drop to resolve (default 5).
    pub hysteresis_percent: Option<f64>,
    /// How far below a temperature threshold, °C (default 3).
    pub hysteresis_celsius: Option<i64>,
    // Notifiers (notify.rs) go here.
}

/// Where notifications go, resolved.
#[derive(Debug, Clone, Default)]
pub struct NotifySettings {}

/// `[alerts]`, resolved.
#[derive(Debug, Clone, Default)]
pub struct AlertSettings {
    /// Which rules run, with which thresholds.
    pub rules: RuleSettings,
    /// Where notifications go.
    pub notify: NotifySettings,
}

impl Resolver<'_> {
    /// `[alerts]` resolved (each half checks its own part and says which field is wrong).
    pub(super) fn alerts(&self, a: &FileAlerts) -> Result<AlertSettings, ConfigError> {
        let rules = self.alert_rules(a)?;
        Ok(AlertSettings { rules, notify: NotifySettings::default() })
    }
}
