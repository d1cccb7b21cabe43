//! Current state, folded from events: what each device looks like now. Also the in-memory
//! history used when no database is configured.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::events::{Capabilities, Event, EventKind};
use crate::probes::arrays::ArraysSample;
use crate::probes::containers::Container;
use crate::probes::drives::Drive;
use crate::probes::metrics::MetricsSample;
use crate::probes::services::FailedUnit;
use crate::probes::updates::Package;
use crate::probes::vms::Vm;
use crate::probes::zfs::ZfsSample;

/// The latest known state of one device.
#[derive(Debug, Clone, Default, Serialize)]
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
    /// Last containers sample.
    pub containers: Vec<Container>,
    /// Last metrics sample.
    pub metrics: Option<MetricsSample>,
    /// Last drives sample.
    pub drives: Vec<Drive>,
    /// Last ZFS sample.
    pub zfs: Option<ZfsSample>,
    /// Last arrays sample.
    pub arrays: Option<ArraysSample>,
    /// Last VMs sample.
    pub vms: Vec<Vm>,
    /// Failed systemd units of the last services sample; `None` before the first.
    pub failed_units: Option<Vec<FailedUnit>>,
    /// Last updates sample; `None` before the first.
    pub updates: Option<UpdatesState>,
    /// Probes skipped, with the reason.
    pub skipped: BTreeMap<String, String>,
    /// Last failure per probe.
    pub failures: BTreeMap<String, String>,
}

impl DeviceState {
    /// Folds one event into the state.
    pub fn apply(&mut self, ev: &Event) {
        self.last_seen = Some(ev.observed_at);
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
                self.skipped.insert(probe.clone(), reason.clone());
            }
            EventKind::ProbeFailed { probe, error } => {
                self.failures.insert(probe.clone(), error.clone());
            }
            EventKind::ContainerStatsSampled { containers } => {
                self.failures.remove("containers");
                self.containers = containers.clone();
            }
            EventKind::MetricsSampled { sample } => {
                self.failures.remove("metrics");
                self.metrics = Some(sample.clone());
            }
            EventKind::DriveHealthSampled { drives } => {
                self.failures.remove("drives");
                self.drives = drives.clone();
            }
            EventKind::PoolStatusSampled { sample } => {
                self.failures.remove("zfs");
                self.zfs = Some(sample.clone());
            }
            EventKind::ArraysSampled { sample } => {
                self.failures.remove("arrays");
                self.arrays = Some(sample.clone());
            }
            EventKind::VmsSampled { vms } => {
                self.failures.remove("vms");
                self.vms = vms.clone();
            }
            EventKind::ServicesSampled { failed } => {
                self.failures.remove("services");
                self.failed_units = Some(failed.clone());
            }
            EventKind::UpdatesSampled { manager, packages, security_count } => {
                self.failures.remove("updates");
                self.updates = Some(UpdatesState {
                    manager: manager.clone(),
                    packages: packages.clone(),
                    security_count: *security_count,
                });
            }
            _ => {}
        }
    }
}

/// The last `UpdatesSampled` of a device.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdatesState {
    /// Package manager: `apt`, `dnf` or `pacman`.
    pub manager: String,
    /// Upgradable packages.
    pub packages: Vec<Package>,
    /// Security updates among them.
    pub security_count: u32,
}

/// State of every device plus the most recent events, shared behind a lock.
#[derive(Debug, Default)]
pub struct MemoryStore {
    /// Per-device state by name.
    pub devices: BTreeMap<String, DeviceState>,
    /// The newest events, oldest first, at most `capacity`.
    pub recent: VecDeque<Arc<Event>>,
    /// How many recent events are kept.
    pub capacity: usize,
}

impl MemoryStore {
    /// A store keeping the newest `capacity` events.
    pub fn new(capacity: usize) -> Self {
        Self { capacity, ..Self::default() }
    }

    /// Folds one event in and remembers it.
    pub fn apply(&mut self, ev: Arc<Event>) {
        self.devices.entry(ev.device.clone()).or_default().apply(&ev);
        if self.recent.len() == self.capacity {
            self.recent.pop_front();
        }
        if self.capacity > 0 {
            self.recent.push_back(ev);
        }
    }
}

/// Shared handle to a [`MemoryStore`].
pub type SharedStore = Arc<RwLock<MemoryStore>>;

/// Feeds every event of `rx` into `store` until the bus closes.
pub async fn run_memory_store(store: SharedStore, mut rx: mpsc::Receiver<Arc<Event>>) {
    while let Some(ev) = rx.recv().await {
        store.write().unwrap_or_else(|e| e.into_inner()).apply(ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind) -> Arc<Event> {
        Arc::new(Event::new("tower", Utc::now(), kind))
    }

    #[test]
    fn folds_online_offline_and_keeps_a_bounded_history() {
        let mut store = MemoryStore::new(2);
        store.apply(ev(EventKind::DeviceOnline { transport: "local".into() }));
        assert_eq!(store.devices["tower"].online, Some(true));
        store.apply(ev(EventKind::DeviceOffline {
            consecutive_failures: 3,
            reason: "cannot reach".into(),
        }));
        store.apply(ev(EventKind::ProbeSkipped { probe: "drives".into(), reason: "x".into() }));
        let d = &store.devices["tower"];
        assert_eq!(d.online, Some(false));
        assert_eq!(d.offline_reason.as_deref(), Some("cannot reach"));
        assert_eq!(d.skipped.len(), 1);
        assert_eq!(store.recent.len(), 2);
        assert_eq!(store.recent[0].type_name(), "DeviceOffline");
    }
}
