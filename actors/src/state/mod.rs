//! Current state, folded from events: what each device looks like now (the latest sample of
//! each probe, online status, failures), plus a change-event history bounded by bytes.

mod projection;
mod view;
mod view_schema;

pub use projection::{HISTORY_BYTES, Projection, Snapshot, run_projection};
pub use view::{DeviceView, SampleAge};

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::events::{Event, EventKind};
use crate::model::capabilities::Capabilities;

/// A probe's current failure and since when it has been failing.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ProbeFailure {
    /// What went wrong.
    pub error: String,
    /// When the probe first failed with an error (of any text) since its last success.
    pub since: DateTime<Utc>,
}

/// Maintenance mode of a device: alerts are silenced until it ends.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Maintenance {
    /// When it was switched on.
    pub since: DateTime<Utc>,
    /// When it ends by itself; `None`: until switched off.
    pub until: Option<DateTime<Utc>>,
    /// Who switched it on (token name).
    pub by: String,
    /// Why, as given.
    pub reason: Option<String>,
}

impl Maintenance {
    /// Whether it still holds at `now`.
    pub fn active(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|u| now < u)
    }
}

/// The latest known state of one device. Samples are the events themselves (shared, never
/// copied), so a snapshot of a large fleet is cheap.
#[derive(Debug, Clone, Default)]
pub struct DeviceState {
    /// `Some(true)` online, `Some(false)` offline, `None` not yet known.
    pub online: Option<bool>,
    /// When the online/offline status last changed.
    pub since: Option<DateTime<Utc>>,
    /// Last transport error while offline.
    pub offline_reason: Option<String>,
    /// When any event last arrived for the device.
    pub last_seen: Option<DateTime<Utc>>,
    /// Detected tools.
    pub capabilities: Option<Capabilities>,
    /// The latest sample event per probe name.
    pub samples: BTreeMap<&'static str, Arc<Event>>,
    /// Probes skipped, with the reason.
    pub skipped: BTreeMap<String, String>,
    /// Current failure per probe (cleared by the probe's next sample).
    pub failures: BTreeMap<String, ProbeFailure>,
    /// Maintenance mode, while on (check [`Maintenance::active`] for its expiry).
    pub maintenance: Option<Maintenance>,
}

impl DeviceState {
    /// Folds one event into the state.
    pub fn apply(&mut self, ev: &Arc<Event>) {
        self.last_seen = Some(self.last_seen.map_or(ev.observed_at, |t| t.max(ev.observed_at)));
        if let Some(probe) = ev.kind.sample_of() {
            self.failures.remove(probe);
            self.skipped.remove(probe);
            self.samples.insert(probe, ev.clone());
            return;
        }
        match &ev.kind {
            EventKind::DeviceOnline { .. } => {
                self.online = Some(true);
                self.since = Some(ev.observed_at);
                self.offline_reason = None;
            }
            EventKind::DeviceOffline { reason, .. } => {
                self.online = Some(false);
                self.since = Some(ev.observed_at);
                self.offline_reason = Some(reason.clone());
            }
            EventKind::CapabilitiesDetected { capabilities } => {
                self.capabilities = Some(capabilities.clone());
                self.skipped.clear();
            }
            EventKind::ProbeSkipped { probe, reason } => {
                // The tool is gone: its last sample is no longer the device's state.
                self.samples.remove(probe.as_str());
                self.failures.remove(probe);
                self.skipped.insert(probe.clone(), reason.clone());
            }
            EventKind::MaintenanceChanged { on, until, by, reason } => {
                self.maintenance = on.then(|| Maintenance {
                    since: ev.observed_at,
                    until: *until,
                    by: by.clone(),
                    reason: reason.clone(),
                });
            }
            EventKind::ProbeFailed { probe, error } => {
                let since = self.failures.get(probe).map_or(ev.observed_at, |f| f.since);
                self.failures.insert(probe.clone(), ProbeFailure { error: error.clone(), since });
            }
            _ => {}
        }
    }

    /// The latest sample of `probe`.
    pub fn sample(&self, probe: &str) -> Option<&Arc<Event>> {
        self.samples.get(probe)
    }
}

#[cfg(test)]
mod tests;
