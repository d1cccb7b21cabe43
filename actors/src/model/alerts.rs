//! Alerts as events carry them: what fires, on which object, how badly, against which limit,
//! since when, and whether a notification was held back (silence, maintenance).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How bad an alert is (ordered: `Info < Warning < Critical`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "AlertSeverity")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Needs attention soon.
    Warning,
    /// Needs attention now.
    Critical,
}

impl Severity {
    /// `info`, `warning` or `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

/// One firing alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Alert {
    /// The stable dedup key, `rule/device/object` (`rule/device` for device-wide rules):
    /// one alert per key at a time, across restarts.
    pub key: String,
    /// The rule, e.g. `device_offline`, `container_down`, `fs_usage`, `drive_temperature`.
    pub rule: String,
    /// What it is about on the device: a container, mount point, drive serial, pool, unit.
    pub object: Option<String>,
    /// How bad it is now.
    pub severity: Severity,
    /// One line for a human: what, where, value against threshold.
    pub summary: String,
    /// The measured value, when the rule compares one.
    pub value: Option<f64>,
    /// The limit it crossed.
    pub threshold: Option<f64>,
    /// The unit of `value` and `threshold` (`%`, `°C`, `sectors`, `days`).
    pub unit: Option<String>,
    /// When the condition began (before any hold-down duration).
    pub since: DateTime<Utc>,
    /// Evidence lines (log excerpts are plain text, never markup).
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// Why a notification was not sent for an alert change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Suppressed {
    /// The device is in maintenance mode.
    Maintenance,
    /// The alert (or its rule on the device) is silenced until this time.
    Silenced {
        /// When the silence ends.
        until: DateTime<Utc>,
    },
    /// The alert was acknowledged; only escalations and the recovery are sent.
    Acknowledged,
}
