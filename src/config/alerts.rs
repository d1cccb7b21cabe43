//! `[alerts]`: the alert rules with their thresholds (`alert_rules.rs`) and the notifiers
//! (`notify.rs`), as written in the file and as resolved.

use serde::Deserialize;

/// `[alerts]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileAlerts {
    // Rules and thresholds (alert_rules.rs) go here.

    // Notifiers (notify.rs) go here.
}

/// The rules' switches and thresholds, resolved.
#[derive(Debug, Clone, Default)]
pub struct RuleSettings {}

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

/// `[alerts]` resolved (each half checks its own part and says which field is wrong).
pub fn resolve(_file: &FileAlerts) -> AlertSettings {
    AlertSettings::default()
}
