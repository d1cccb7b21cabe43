//! The system: metrics now, failed services, VMs, pending updates.

use serde::Serialize;

use super::{Freshness, ReadOptions};
use crate::api::{ApiError, FleetHandle};
use crate::model::metrics::MetricsSample;
use crate::model::services::FailedUnit;
use crate::model::updates::Package;
use crate::model::vms::Vm;

/// Host metrics now: CPU, memory, swap, load, uptime, filesystems, network and disk rates,
/// temperatures.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct SystemMetrics {
    /// Where this came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// Used memory, percent of total (derived).
    pub mem_used_percent: Option<f64>,
    /// The sample; `null` before the first metrics poll.
    pub metrics: Option<MetricsSample>,
}

/// Failed systemd units.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct FailedServices {
    /// Where this came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// The failed units (empty: none failed); `null` before the first services poll.
    pub failed: Option<Vec<FailedUnit>>,
}

/// libvirt VMs.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct VmStatus {
    /// Where this came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// Every domain.
    pub vms: Vec<Vm>,
}

/// Pending package updates.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Updates {
    /// Where this came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// `apt`, `dnf` or `pacman`; `null` before the first updates poll.
    pub manager: Option<String>,
    /// How many are security updates.
    pub security_count: u32,
    /// Upgradable packages (security updates first).
    pub packages: Vec<Package>,
    /// The containers' images against their registries, from the last images poll; `null`
    /// where the images probe has not run (no Docker, or disabled).
    pub container_images: Option<super::ContainerUpdates>,
}

impl FleetHandle {
    /// Host metrics now.
    pub async fn system_metrics(
        &self,
        device: &str,
        opts: &ReadOptions,
    ) -> Result<SystemMetrics, ApiError> {
        let (state, freshness) = self.read(device, "metrics", opts).await?;
        let metrics = state.metrics().cloned();
        let mem_used_percent = metrics.as_ref().and_then(|m| {
            let (total, avail) = (m.mem_total_bytes? as f64, m.mem_available_bytes? as f64);
            (total > 0.0).then(|| ((total - avail) / total * 10_000.0).round() / 100.0)
        });
        Ok(SystemMetrics { freshness, device: device.to_string(), mem_used_percent, metrics })
    }

    /// Failed systemd units.
    pub async fn failed_services(
        &self,
        device: &str,
        opts: &ReadOptions,
    ) -> Result<FailedServices, ApiError> {
        let (state, freshness) = self.read(device, "services", opts).await?;
        let failed = state.failed_units().map(<[FailedUnit]>::to_vec);
        Ok(FailedServices { freshness, device: device.to_string(), failed })
    }

    /// libvirt VMs.
    pub async fn vm_status(&self, device: &str, opts: &ReadOptions) -> Result<VmStatus, ApiError> {
        let (state, freshness) = self.read(device, "vms", opts).await?;
        Ok(VmStatus { freshness, device: device.to_string(), vms: state.vms().to_vec() })
    }

    /// Pending package updates (from the last poll unless `refresh`).
    pub async fn updates(&self, device: &str, opts: &ReadOptions) -> Result<Updates, ApiError> {
        let (state, freshness) = self.read(device, "updates", opts).await?;
        let (manager, mut packages, security_count) = match state.updates() {
            Some((m, p, s)) => (Some(m.to_string()), p.to_vec(), s),
            None => (None, Vec::new(), 0),
        };
        packages.sort_by(|a, b| b.security.cmp(&a.security).then_with(|| a.name.cmp(&b.name)));
        let container_images = state.images().map(|images| {
            let at = state.sample("images");
            let why = "from the last images poll".to_owned();
            super::ContainerUpdates::of(
                images,
                device,
                Freshness::cached(at, chrono::Utc::now(), why),
            )
        });
        Ok(Updates {
            freshness,
            device: device.to_string(),
            manager,
            security_count,
            packages,
            container_images,
        })
    }
}
