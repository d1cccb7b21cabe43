//! Devices: the fleet list (status, since when, tags, open problems) and one device's info
//! (capabilities, kernel, uptime, last seen, each probe's last poll).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Freshness, unknown_device};
use crate::api::{ApiError, FleetHandle, RegisteredDevice};
use crate::device::TransportKind;
use crate::model::capabilities::Capabilities;
use crate::state::{DeviceState, SampleAge};

/// Whether a device answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeviceStatus {
    /// Connected and answering.
    Online,
    /// Unreachable (after the configured number of failed polls).
    Offline,
    /// Not connected yet since the server started.
    Unknown,
}

/// One device in the fleet list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DeviceSummary {
    /// Device name.
    pub name: String,
    /// Host name or address (`localhost` for the server's own host).
    pub host: String,
    /// `ssh` or `local`.
    pub transport: String,
    /// `config` (the config file owns it) or `api` (added through the API).
    pub source: String,
    /// Tags from the config.
    pub tags: Vec<String>,
    /// Online, offline or unknown.
    pub status: DeviceStatus,
    /// Since when the status holds.
    pub since: Option<DateTime<Utc>>,
    /// Why it is offline, when it is.
    pub offline_reason: Option<String>,
    /// When anything was last heard from it.
    pub last_seen: Option<DateTime<Utc>>,
    /// Open problems (see `diagnose_device`).
    pub problems: usize,
}

/// The fleet list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DeviceList {
    /// Every monitored device, by name.
    pub devices: Vec<DeviceSummary>,
    /// How many are online.
    pub online: usize,
    /// How many are offline.
    pub offline: usize,
}

/// One probe's state on a device.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ProbeStatus {
    /// When its last sample was taken and how old it is.
    pub last_sample: Option<SampleAge>,
    /// Its current failure, if failing.
    pub failure: Option<String>,
    /// Since when it fails.
    pub failing_since: Option<DateTime<Utc>>,
    /// Why it does not run, if skipped.
    pub skipped: Option<String>,
}

/// One device in depth.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DeviceInfo {
    /// Where this came from (always stored state: a device's info is what its polls saw).
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device as listed.
    #[serde(flatten)]
    pub summary: DeviceSummary,
    /// SSH port (`null` for the local host).
    pub port: Option<u16>,
    /// SSH user.
    pub user: String,
    /// Detected tools and kernel.
    pub capabilities: Option<Capabilities>,
    /// Seconds since boot, from the last metrics sample.
    pub uptime_seconds: Option<u64>,
    /// Every probe's last poll, failure or skip reason.
    pub probes: BTreeMap<String, ProbeStatus>,
}

impl DeviceStatus {
    fn of(state: &DeviceState) -> Self {
        match state.online {
            Some(true) => Self::Online,
            Some(false) => Self::Offline,
            None => Self::Unknown,
        }
    }
}

fn summary(
    d: &RegisteredDevice,
    state: Option<&Arc<DeviceState>>,
    now: DateTime<Utc>,
) -> DeviceSummary {
    let empty = Arc::new(DeviceState::default());
    let s = state.unwrap_or(&empty);
    DeviceSummary {
        name: d.spec.name.clone(),
        host: d.spec.host.clone(),
        transport: match d.spec.transport {
            TransportKind::Ssh => "ssh".into(),
            TransportKind::Local => "local".into(),
        },
        source: d.source.as_str().into(),
        tags: d.spec.tags.clone(),
        status: DeviceStatus::of(s),
        since: s.since,
        offline_reason: s.offline_reason.clone(),
        last_seen: s.last_seen,
        problems: crate::analysis::diagnose_device(&d.spec.name, s, now, &Default::default())
            .problems
            .len(),
    }
}

impl FleetHandle {
    /// Every monitored device with its status and open problems.
    pub async fn list_devices(&self) -> Result<DeviceList, ApiError> {
        let registered = self.devices().await?;
        let snap = self.snapshot();
        let now = Utc::now();
        let devices: Vec<DeviceSummary> =
            registered.iter().map(|d| summary(d, snap.devices.get(&d.spec.name), now)).collect();
        let count = |st| devices.iter().filter(|d| d.status == st).count();
        let (online, offline) = (count(DeviceStatus::Online), count(DeviceStatus::Offline));
        Ok(DeviceList { devices, online, offline })
    }

    /// One device's capabilities, kernel, uptime, last seen and probes.
    pub async fn device_info(&self, name: &str) -> Result<DeviceInfo, ApiError> {
        let registered = self.devices().await?;
        let snap = self.snapshot();
        let Some(d) = registered.iter().find(|d| d.spec.name == name) else {
            return Err(unknown_device(name, &snap));
        };
        let now = Utc::now();
        let state = snap.devices.get(name).cloned().unwrap_or_default();
        let mut probes: BTreeMap<String, ProbeStatus> = BTreeMap::new();
        for (probe, ev) in &state.samples {
            let age = (now - ev.observed_at).num_milliseconds().max(0) as f64 / 1000.0;
            probes.entry(probe.to_string()).or_insert_with(empty_probe).last_sample =
                Some(SampleAge { observed_at: ev.observed_at, age_seconds: age });
        }
        for (probe, f) in &state.failures {
            let p = probes.entry(probe.clone()).or_insert_with(empty_probe);
            p.failure = Some(f.error.clone());
            p.failing_since = Some(f.since);
        }
        for (probe, why) in &state.skipped {
            probes.entry(probe.clone()).or_insert_with(empty_probe).skipped = Some(why.clone());
        }
        let newest = state.samples.values().max_by_key(|e| e.observed_at);
        Ok(DeviceInfo {
            freshness: Freshness::cached(newest, now, "device info is what the last polls saw"),
            summary: summary(d, Some(&state), now),
            port: (d.spec.transport == TransportKind::Ssh).then_some(d.spec.port),
            user: d.spec.user.clone(),
            capabilities: state.capabilities.clone(),
            uptime_seconds: state.metrics().and_then(|m| m.uptime_secs),
            probes,
        })
    }
}

fn empty_probe() -> ProbeStatus {
    ProbeStatus { last_sample: None, failure: None, failing_since: None, skipped: None }
}
