//! The alert queries: the firing alerts (by device and severity), acknowledging one, and
//! silencing an alert or a rule on a device until a time (both recorded as events).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use crate::alerts::{OpenAlert, RULES};
use crate::api::{ApiError, FleetHandle};
use crate::events::EventKind;
use crate::model::alerts::Severity;

/// A silence in force.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Silence {
    /// The alert key, or the `rule/device` prefix, silenced.
    pub key: String,
    /// When it ends.
    pub until: DateTime<Utc>,
}

/// The firing alerts.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AlertList {
    /// Firing alerts, most severe first, then by key.
    pub alerts: Vec<OpenAlert>,
    /// How many are critical.
    pub critical: usize,
    /// How many are warnings.
    pub warning: usize,
    /// How many are informational.
    pub info: usize,
    /// Silences in force.
    pub silences: Vec<Silence>,
}

/// Longest silence.
const MAX_SILENCE: std::time::Duration = std::time::Duration::from_secs(366 * 86_400);

impl FleetHandle {
    fn alerts_view(&self) -> Result<std::sync::Arc<crate::alerts::AlertsView>, ApiError> {
        match &self.alerts {
            Some(v) => Ok(v.borrow().clone()),
            None => Err(ApiError::Unavailable("alerts are not running on this server".into())),
        }
    }

    /// The firing alerts of `device` (or every device) at `min` severity or worse.
    pub fn list_alerts(
        &self,
        device: Option<&str>,
        min: Option<Severity>,
    ) -> Result<AlertList, ApiError> {
        let view = self.alerts_view()?;
        if let Some(d) = device
            && !self.snapshot().devices.contains_key(d)
            && !view.open.iter().any(|a| a.device == d)
        {
            return Err(ApiError::no_device(d));
        }
        let mut alerts: Vec<OpenAlert> = view
            .open
            .iter()
            .filter(|a| device.is_none_or(|d| a.device == d))
            .filter(|a| min.is_none_or(|m| a.alert.severity >= m))
            .cloned()
            .collect();
        alerts.sort_by(|a, b| {
            b.alert.severity.cmp(&a.alert.severity).then(a.alert.key.cmp(&b.alert.key))
        });
        let count = |s: Severity| alerts.iter().filter(|a| a.alert.severity == s).count();
        let (critical, warning, info) =
            (count(Severity::Critical), count(Severity::Warning), count(Severity::Info));
        let silences =
            view.silences.iter().map(|(key, until)| Silence { key: key.clone(), until: *until });
        Ok(AlertList { alerts, critical, warning, info, silences: silences.collect() })
    }

    /// Acknowledges the firing alert `key` (reminders stop; escalations and the recovery
    /// are still sent), recorded as `AlertAcknowledged` by `by`.
    pub async fn acknowledge_alert(
        &self,
        key: &str,
        by: &str,
        comment: Option<String>,
    ) -> Result<OpenAlert, ApiError> {
        let view = self.alerts_view()?;
        let Some(open) = view.open.iter().find(|a| a.alert.key == key) else {
            return Err(ApiError::NotFound(format!("no firing alert `{key}` (see list_alerts)")));
        };
        let kind = EventKind::AlertAcknowledged { key: key.into(), by: by.into(), comment };
        self.record(&open.device, kind).await?;
        let mut acked = open.clone();
        acked.acknowledged_by = Some(by.to_string());
        Ok(acked)
    }

    /// Silences `key` — a firing alert's key, or `rule/device` for a rule on a device —
    /// for `duration`, recorded as `AlertSilenced` by `by`.
    pub async fn silence_alert(
        &self,
        key: &str,
        duration: std::time::Duration,
        by: &str,
        reason: Option<String>,
    ) -> Result<Silence, ApiError> {
        if duration.is_zero() || duration > MAX_SILENCE {
            return Err(ApiError::Invalid("a silence lasts more than 0 and at most 366d".into()));
        }
        let mut parts = key.splitn(3, '/');
        let (rule, device) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if !RULES.contains(&rule) {
            return Err(ApiError::Invalid(format!(
                "`{key}` is not an alert key: it starts with a rule ({})",
                RULES.join(", ")
            )));
        }
        self.device(device).map_err(|_| ApiError::no_device(device))?;
        let until = Utc::now() + chrono::Duration::from_std(duration).unwrap_or_default();
        let kind = EventKind::AlertSilenced { key: key.into(), until, by: by.into(), reason };
        self.record(device, kind).await?;
        Ok(Silence { key: key.to_string(), until })
    }
}
