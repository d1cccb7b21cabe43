//! Containers: the list (one device or all, filters, pages), one container in depth, its
//! stats now and over a window; the compose dependency graph and the network topology are
//! in `topology.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use serde::Serialize;

use super::{Freshness, Paged, Paging, ReadOptions};
use crate::api::{ApiError, FleetHandle};
use crate::model::containers::{Container, Usage};
use crate::store::{Bucket, Series, SeriesQuery};

pub use super::topology::{
    Dependency, DependencyGraph, NetworkTopology, PortMapping, TopologyNetwork, parse_ports,
};

/// Which containers a list keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerFilter {
    /// Engine state: `running`, `exited`, `restarting`, `paused`, `created`, `dead`.
    pub state: Option<String>,
    /// Part of the name (case-insensitive).
    pub name: Option<String>,
    /// Compose project.
    pub project: Option<String>,
}

impl ContainerFilter {
    fn keeps(&self, c: &Container) -> bool {
        let name = self.name.as_deref().map(str::to_lowercase);
        self.state.as_deref().is_none_or(|s| c.state.eq_ignore_ascii_case(s))
            && name.is_none_or(|n| c.name.to_lowercase().contains(&n))
            && self.project.as_deref().is_none_or(|p| c.compose_project.as_deref() == Some(p))
    }
}

/// One container in a list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ContainerItem {
    /// The device it runs on.
    pub device: String,
    /// Name.
    pub name: String,
    /// Short id (12 characters).
    pub id: String,
    /// Image reference.
    pub image: String,
    /// Engine state.
    pub state: String,
    /// Status text, e.g. `Up 2 hours (healthy)`.
    pub status: String,
    /// Healthcheck status.
    pub health: Option<String>,
    /// Last exit code.
    pub exit_code: Option<i64>,
    /// Compose project.
    pub compose_project: Option<String>,
    /// Compose service.
    pub compose_service: Option<String>,
    /// Restarts under its restart policy.
    pub restart_count: Option<u64>,
    /// CPU, percent of one core (running containers).
    pub cpu_percent: Option<f64>,
    /// Memory in use, bytes (running containers).
    pub mem_usage_bytes: Option<u64>,
}

/// The container list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ContainerList {
    /// The least fresh of the devices' answers.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// Each device's own freshness.
    pub devices: BTreeMap<String, Freshness>,
    /// Devices with no container data, and why (no docker, …).
    pub unavailable: BTreeMap<String, String>,
    /// The page of containers, sorted by device then name.
    #[serde(flatten)]
    pub page: Paged<ContainerItem>,
}

/// One container in depth.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ContainerDetail {
    /// Where this came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// Published ports, one per host/container/protocol.
    pub ports: Vec<PortMapping>,
    /// Everything the probe knows (inspect: mounts, networks, restart policy, OOM, …).
    pub container: Container,
}

/// A container's resource use now and over a window.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ContainerStats {
    /// Where `now` came from.
    #[serde(flatten)]
    pub freshness: Freshness,
    /// The device.
    pub device: String,
    /// Container name.
    pub container: String,
    /// Engine state.
    pub state: String,
    /// Resource use at the last poll (running containers).
    pub now: Usage,
    /// CPU and memory series over the window (empty without a store).
    pub history: Vec<Series>,
}

fn item(device: &str, c: &Container) -> ContainerItem {
    ContainerItem {
        device: device.to_string(),
        name: c.name.clone(),
        id: c.id.chars().take(12).collect(),
        image: c.image.clone(),
        state: c.state.clone(),
        status: c.status.clone(),
        health: c.health.clone(),
        exit_code: c.exit_code,
        compose_project: c.compose_project.clone(),
        compose_service: c.compose_service.clone(),
        restart_count: c.inspect.as_ref().and_then(|i| i.restart_count),
        cpu_percent: c.usage.cpu_percent,
        mem_usage_bytes: c.usage.mem_usage_bytes,
    }
}

/// The container called `name` (or with that id, or an id prefix of 12+ characters).
pub(crate) fn find<'a>(
    all: &'a [Container],
    name: &str,
    device: &str,
) -> Result<&'a Container, ApiError> {
    all.iter()
        .find(|c| c.name == name || c.id == name)
        .or_else(|| all.iter().find(|c| name.len() >= 12 && c.id.starts_with(name)))
        .ok_or_else(|| {
            let mut known: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
            known.sort();
            known.truncate(20);
            ApiError::NotFound(format!(
                "no container '{name}' on '{device}'; known: {}",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ))
        })
}

impl FleetHandle {
    /// Containers of one device (or every device), filtered, one page.
    pub async fn list_containers(
        &self,
        device: Option<&str>,
        filter: &ContainerFilter,
        paging: &Paging,
        opts: &ReadOptions,
    ) -> Result<ContainerList, ApiError> {
        let names: Vec<String> = match device {
            Some(d) => vec![d.to_string()],
            None => self.snapshot().devices.keys().cloned().collect(),
        };
        let reads = names.iter().map(|n| self.read(n, "containers", opts));
        let results = futures::future::join_all(reads).await;
        let (mut devices, mut unavailable, mut all) =
            (BTreeMap::new(), BTreeMap::new(), Vec::new());
        for (name, r) in names.iter().zip(results) {
            match r {
                Ok((state, fresh)) => {
                    let mut items: Vec<ContainerItem> = state
                        .containers()
                        .iter()
                        .filter(|c| filter.keeps(c))
                        .map(|c| item(name, c))
                        .collect();
                    items.sort_by(|a, b| a.name.cmp(&b.name));
                    all.extend(items);
                    devices.insert(name.clone(), fresh);
                }
                // One device asked for: its error is the answer.
                Err(e) if device.is_some() => return Err(e),
                Err(e) => {
                    unavailable.insert(name.clone(), e.to_string());
                }
            }
        }
        let freshness = Freshness::worst(devices.values(), Utc::now());
        Ok(ContainerList { freshness, devices, unavailable, page: paging.apply(all)? })
    }

    /// One container in depth: ports, mounts, networks, restart policy, compose service and
    /// `depends_on`, health, exit code, OOM.
    pub async fn container_info(
        &self,
        device: &str,
        container: &str,
        opts: &ReadOptions,
    ) -> Result<ContainerDetail, ApiError> {
        let (state, freshness) = self.read(device, "containers", opts).await?;
        let c = find(state.containers(), container, device)?;
        Ok(ContainerDetail {
            freshness,
            device: device.to_string(),
            ports: parse_ports(&c.ports),
            container: c.clone(),
        })
    }

    /// A container's resource use now, and its CPU and memory over `window` (default 1 h)
    /// from the store.
    pub async fn container_stats(
        &self,
        device: &str,
        container: &str,
        window: Option<Duration>,
        opts: &ReadOptions,
    ) -> Result<ContainerStats, ApiError> {
        let (state, freshness) = self.read(device, "containers", opts).await?;
        let c = find(state.containers(), container, device)?;
        let window = window.unwrap_or(Duration::from_secs(3600));
        let to = Utc::now();
        let from = to
            - chrono::Duration::from_std(window)
                .map_err(|_| ApiError::Invalid("window is too long".into()))?;
        let mut history = Vec::new();
        if let Ok(store) = self.store() {
            for metric in ["container.cpu_percent", "container.mem_bytes"] {
                let q = SeriesQuery {
                    device: device.to_string(),
                    metric: metric.to_string(),
                    instance: Some(c.name.clone()),
                    from,
                    to,
                    bucket: Bucket::Auto,
                };
                history.extend(store.series(&q).await?);
            }
        }
        Ok(ContainerStats {
            freshness,
            device: device.to_string(),
            container: c.name.clone(),
            state: c.state.clone(),
            now: c.usage.clone(),
            history,
        })
    }
}
