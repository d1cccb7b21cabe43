//! Typed reads of a device's latest samples, and its JSON view (the samples' payloads under
//! their probe names, each with `observed_at` and `age_seconds`).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::DeviceState;
use crate::events::EventKind;
use crate::model::arrays::ArraysSample;
use crate::model::containers::Container;
use crate::model::drives::Drive;
use crate::model::metrics::MetricsSample;
use crate::model::services::FailedUnit;
use crate::model::updates::Package;
use crate::model::vms::Vm;
use crate::model::zfs::ZfsSample;

impl DeviceState {
    fn kind(&self, probe: &str) -> Option<&EventKind> {
        self.samples.get(probe).map(|e| &e.kind)
    }

    /// Containers of the last containers sample (empty before the first).
    pub fn containers(&self) -> &[Container] {
        match self.kind("containers") {
            Some(EventKind::ContainerStatsSampled { containers }) => containers,
            _ => &[],
        }
    }

    /// The last metrics sample.
    pub fn metrics(&self) -> Option<&MetricsSample> {
        match self.kind("metrics") {
            Some(EventKind::MetricsSampled { sample }) => Some(sample),
            _ => None,
        }
    }

    /// Drives of the last drives sample (empty before the first).
    pub fn drives(&self) -> &[Drive] {
        match self.kind("drives") {
            Some(EventKind::DriveHealthSampled { drives }) => drives,
            _ => &[],
        }
    }

    /// The last ZFS sample.
    pub fn zfs(&self) -> Option<&ZfsSample> {
        match self.kind("zfs") {
            Some(EventKind::PoolStatusSampled { sample }) => Some(sample),
            _ => None,
        }
    }

    /// The last arrays sample.
    pub fn arrays(&self) -> Option<&ArraysSample> {
        match self.kind("arrays") {
            Some(EventKind::ArraysSampled { sample }) => Some(sample),
            _ => None,
        }
    }

    /// VMs of the last VMs sample (empty before the first).
    pub fn vms(&self) -> &[Vm] {
        match self.kind("vms") {
            Some(EventKind::VmsSampled { vms }) => vms,
            _ => &[],
        }
    }

    /// Failed units of the last services sample; `None` before the first.
    pub fn failed_units(&self) -> Option<&[FailedUnit]> {
        match self.kind("services") {
            Some(EventKind::ServicesSampled { failed }) => Some(failed),
            _ => None,
        }
    }

    /// The backup jobs of the last backups sample; `None` before the first.
    pub fn backups(&self) -> Option<&[crate::model::backups::BackupStatus]> {
        match self.kind("backups") {
            Some(EventKind::BackupSampled { jobs }) => Some(jobs),
            _ => None,
        }
    }

    /// The images in use of the last images sample; `None` before the first.
    pub fn images(&self) -> Option<&[crate::model::images::ImageStatus]> {
        match self.kind("images") {
            Some(EventKind::ImagesSampled { images }) => Some(images),
            _ => None,
        }
    }

    /// Log-pattern matches of the last 24 hours, from the last logs sample (empty before).
    pub fn log_matches(&self) -> &[crate::model::logs::LogMatch] {
        match self.kind("logs") {
            Some(EventKind::LogsScanned { recent, .. }) => recent,
            _ => &[],
        }
    }

    /// Since when security updates have been pending, from the last updates sample.
    pub fn security_updates_since(&self) -> Option<DateTime<Utc>> {
        match self.kind("updates") {
            Some(EventKind::UpdatesSampled { security_since, .. }) => *security_since,
            _ => None,
        }
    }

    /// `(manager, packages, security_count)` of the last updates sample.
    pub fn updates(&self) -> Option<(&str, &[Package], u32)> {
        match self.kind("updates") {
            Some(EventKind::UpdatesSampled { manager, packages, security_count, .. }) => {
                Some((manager, packages, *security_count))
            }
            _ => None,
        }
    }
}

/// When a sample was taken and how old it is.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SampleAge {
    /// When the poll that took it started.
    pub observed_at: DateTime<Utc>,
    /// Seconds between `observed_at` and the moment the view was made.
    pub age_seconds: f64,
}

/// One device as readers see it: its name, its state and the moment the view was made (for
/// ages). Serializes to the JSON of `/api/devices`.
pub struct DeviceView<'a> {
    /// Device name.
    pub name: &'a str,
    /// Its state.
    pub state: &'a Arc<DeviceState>,
    /// "Now", for `age_seconds`.
    pub now: DateTime<Utc>,
}

impl DeviceView<'_> {
    /// Age of each probe's latest sample.
    pub fn ages(&self) -> BTreeMap<&'static str, SampleAge> {
        self.state
            .samples
            .iter()
            .map(|(probe, ev)| {
                let age = (self.now - ev.observed_at).num_milliseconds().max(0) as f64 / 1000.0;
                (*probe, SampleAge { observed_at: ev.observed_at, age_seconds: age })
            })
            .collect()
    }
}

impl Serialize for DeviceView<'_> {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let s = &**self.state;
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("name", self.name)?;
        m.serialize_entry("online", &s.online)?;
        m.serialize_entry("since", &s.since)?;
        m.serialize_entry("offline_reason", &s.offline_reason)?;
        m.serialize_entry("last_seen", &s.last_seen)?;
        m.serialize_entry("capabilities", &s.capabilities)?;
        m.serialize_entry("samples", &self.ages())?;
        m.serialize_entry("containers", s.containers())?;
        m.serialize_entry("metrics", &s.metrics())?;
        m.serialize_entry("drives", s.drives())?;
        m.serialize_entry("zfs", &s.zfs())?;
        m.serialize_entry("arrays", &s.arrays())?;
        m.serialize_entry("vms", s.vms())?;
        m.serialize_entry("failed_units", &s.failed_units())?;
        let updates = s.updates().map(|(manager, packages, security_count)| {
            serde_json::json!({ "manager": manager, "packages": packages, "security_count": security_count })
        });
        m.serialize_entry("updates", &updates)?;
        m.serialize_entry("skipped", &s.skipped)?;
        m.serialize_entry("failures", &s.failures)?;
        m.serialize_entry("maintenance", &s.maintenance)?;
        m.end()
    }
}
