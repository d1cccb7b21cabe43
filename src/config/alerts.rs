//! `[alerts]`: the alert rules with their thresholds (`alert_rules.rs`) and the notifiers
//! (`notify.rs`), as written in the file and as resolved.

use serde::Deserialize;
use toml::Spanned;

pub use super::notify::NotifySettings;
pub use infrastructor_actors::alerts::RuleSettings;

/// `[alerts]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileAlerts {
    // Rules and thresholds (alert_rules.rs).
    /// Thresholds over the defaults (`cpu_warning_percent = 85`, …).
    pub thresholds: Option<Spanned<toml::Table>>,
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
    /// Keep the built-in log patterns (default `true`).
    pub default_log_patterns: Option<bool>,
    /// `[[alerts.log_patterns]]`: regexes over the journal and the containers' logs.
    #[serde(default)]
    pub log_patterns: Vec<super::log_patterns::FileLogPattern>,

    // Notifiers (notify.rs).
    /// This server's URL as users reach it (`https://infra.example.org`), for the click
    /// links of notifications; without it messages carry no link.
    pub public_url: Option<Spanned<String>>,
    /// Most messages per notifier per hour (default 30, 1 ..= 3600); the excess is folded
    /// into one digest sent when the hour rolls over.
    pub rate_limit_per_hour: Option<Spanned<i64>>,
    /// `[alerts.gotify]`: push notifications through a Gotify server.
    pub gotify: Option<super::notify::FileGotify>,
    /// `[alerts.webhook]`: every alert event POSTed as JSON.
    pub webhook: Option<super::notify::FileWebhook>,
}

/// `[alerts]`, resolved.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    /// Which rules run, with which thresholds.
    pub rules: RuleSettings,
    /// Where notifications go.
    pub notify: NotifySettings,
    /// What the `logs` probe looks for.
    pub log_patterns: std::sync::Arc<infrastructor_actors::probes::logs::LogPatterns>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            rules: RuleSettings::default(),
            notify: NotifySettings::default(),
            log_patterns: std::sync::Arc::new(
                infrastructor_actors::probes::logs::LogPatterns::defaults(),
            ),
        }
    }
}
