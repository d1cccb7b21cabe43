//! `[alerts]`: the alert rules with their thresholds (`alert_rules.rs`) and the notifiers
//! (`notify.rs`), as written in the file and as resolved.

use serde::Deserialize;
use toml::Spanned;

use super::error::ConfigError;
use super::resolve::Resolver;

/// `[alerts]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileAlerts {
    // Rules and thresholds (alert_rules.rs) go here.

    // Notifiers (notify.rs):
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

/// The rules' switches and thresholds, resolved.
#[derive(Debug, Clone, Default)]
pub struct RuleSettings {}

pub use super::notify::NotifySettings;

/// `[alerts]`, resolved.
#[derive(Debug, Clone, Default)]
pub struct AlertSettings {
    /// Which rules run, with which thresholds.
    pub rules: RuleSettings,
    /// Where notifications go.
    pub notify: NotifySettings,
}

/// `[alerts]` resolved (each half checks its own part and says which field is wrong).
pub(super) fn resolve(r: &Resolver<'_>, file: &FileAlerts) -> Result<AlertSettings, ConfigError> {
    Ok(AlertSettings { rules: RuleSettings::default(), notify: r.notify(file)? })
}
