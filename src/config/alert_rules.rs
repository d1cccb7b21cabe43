//! `[alerts]` rules as written: each rule's switches (`enabled`, `for`, `clear_for`,
//! `renotify`) and the overrides by device, rule and object glob (checked in
//! `alerts_resolve.rs`).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

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

/// Rule settings by name, for `FileAlerts::rules`.
pub type FileRules = BTreeMap<Spanned<String>, FileRule>;
