//! Analysis through the facade: a device's diagnosis (its probes read live first), the
//! fleet's (every device in parallel, progress reported as each finishes), trends, capacity
//! forecasts and snapshot freshness.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::Serialize;

use super::{Freshness, ReadOptions, default_live, unknown_device};
use crate::analysis::{
    self, AnalysisError, CapacityForecast, DeviceDiagnosis, FleetDiagnosis, FreshnessReport,
    Thresholds, Trend,
};
use crate::api::{ApiError, FleetHandle};
use crate::state::{DeviceState, Snapshot};
use crate::store::SeriesQuery;

/// A diagnosis and how fresh its inputs were.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Diagnosis {
    /// The least fresh of the probes read for it.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// Score, problems with evidence, what was checked.
    #[serde(flatten)]
    pub diagnosis: DeviceDiagnosis,
}

/// Snapshot freshness of a device's datasets.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SnapshotFreshness {
    /// Where the ZFS data came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// Datasets checked, fresh and stale.
    #[serde(flatten)]
    pub report: FreshnessReport,
}

impl From<AnalysisError> for ApiError {
    fn from(e: AnalysisError) -> Self {
        match e {
            AnalysisError::Invalid(m) => ApiError::Invalid(m),
        }
    }
}

impl FleetHandle {
    /// The device's state with every probe it runs read as `opts` asks (in parallel, each
    /// under the budget), merged: one state to diagnose.
    async fn refreshed(
        &self,
        name: &str,
        opts: &ReadOptions,
    ) -> Result<(DeviceState, Freshness), ApiError> {
        let snap = self.snapshot();
        let state = snap.devices.get(name).cloned().ok_or_else(|| unknown_device(name, &snap))?;
        let probes: Vec<&'static str> = state
            .samples
            .keys()
            .copied()
            .filter(|p| opts.live.unwrap_or_else(|| default_live(p)))
            .collect();
        let reads =
            futures::future::join_all(probes.iter().map(|p| self.read(name, p, opts))).await;
        let mut merged = (*state).clone();
        let mut fresh = Vec::new();
        for (probe, r) in probes.iter().zip(reads) {
            let Ok((s, f)) = r else { continue };
            if let Some(ev) = s.sample(probe) {
                merged.samples.insert(probe, ev.clone());
            }
            fresh.push(f);
        }
        let now = Utc::now();
        if fresh.is_empty() {
            let newest = merged.samples.values().max_by_key(|e| e.observed_at);
            fresh.push(Freshness::cached(newest, now, "no probe was read live"));
        }
        Ok((merged, Freshness::worst(&fresh, now)))
    }

    /// One device's diagnosis, its probes read live first (drives and updates from their
    /// last poll unless `opts.live`).
    pub async fn diagnose_device(
        &self,
        name: &str,
        opts: &ReadOptions,
    ) -> Result<Diagnosis, ApiError> {
        let (state, freshness) = self.refreshed(name, opts).await?;
        let diagnosis = analysis::diagnose_device(name, &state, Utc::now(), &Thresholds::default());
        Ok(Diagnosis { freshness, diagnosis })
    }

    /// Every device diagnosed in parallel; `progress(done, total, device)` is called as each
    /// finishes.
    pub async fn diagnose_fleet(
        &self,
        opts: &ReadOptions,
        progress: impl Fn(usize, usize, &str),
    ) -> Result<FleetDiagnosis, ApiError> {
        let names: Vec<String> = self.snapshot().devices.keys().cloned().collect();
        let total = names.len();
        let mut pending: FuturesUnordered<_> = names
            .iter()
            .map(|n| async move { (n.clone(), self.refreshed(n, opts).await) })
            .collect();
        let mut snapshot = Snapshot::default();
        let mut done = 0;
        while let Some((name, r)) = pending.next().await {
            done += 1;
            progress(done, total, &name);
            if let Ok((state, _)) = r {
                snapshot.devices.insert(name, Arc::new(state));
            }
        }
        Ok(analysis::diagnose_fleet(&snapshot, Utc::now(), &Thresholds::default()))
    }

    /// Trends of one metric of one device over `from..to` (slope per day, direction,
    /// significance), one per instance.
    pub async fn trends(&self, q: &SeriesQuery) -> Result<Vec<Trend>, ApiError> {
        let series = self.series(q).await?;
        Ok(analysis::analyze_performance_trends(&series, &Thresholds::default()))
    }

    /// When each filesystem and pool of `device` (or every device) crosses `threshold`
    /// percent, from a linear fit over `from..to`.
    pub async fn capacity_forecast(
        &self,
        device: Option<&str>,
        threshold: f64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CapacityForecast>, ApiError> {
        let series = self.capacity(device, from, to).await?;
        Ok(analysis::predict_capacity(&series, threshold, &Thresholds::default())?)
    }

    /// Datasets (matching `pattern`) whose newest snapshot is older than `max_age`.
    pub async fn snapshot_freshness(
        &self,
        device: &str,
        max_age: chrono::Duration,
        pattern: Option<&str>,
        opts: &ReadOptions,
    ) -> Result<SnapshotFreshness, ApiError> {
        let (state, freshness) = self.read(device, "zfs", opts).await?;
        let (Some(zfs), Some(ev)) = (state.zfs(), state.sample("zfs")) else {
            return Err(ApiError::NotFound(format!("no ZFS data from '{device}' yet")));
        };
        let report =
            analysis::check_snapshot_freshness(zfs, ev.observed_at, Utc::now(), max_age, pattern)?;
        Ok(SnapshotFreshness { freshness, device: device.to_string(), report })
    }
}
