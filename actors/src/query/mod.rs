//! The query layer behind every MCP tool and REST route: each question answered once, here,
//! labelled with where the answer came from (`live` or `cached`), when it was observed and
//! how old it is. The faces (MCP, REST) only parse arguments and render what this returns.

mod actions;
mod alerts;
mod analysis;
mod backups;
mod containers;
mod devices;
mod fresh;
mod history;
mod images;
mod page;
mod storage;
mod system;
mod topology;

pub use actions::{ActionResult, MaintenanceState};
pub use alerts::{AlertList, Silence};
pub use analysis::{Diagnosis, SnapshotFreshness};
pub use backups::{BackupJobStatus, BackupReport};
pub use containers::{
    ContainerDetail, ContainerFilter, ContainerItem, ContainerList, ContainerStats, Dependency,
    DependencyGraph, NetworkTopology, PortMapping, TopologyNetwork, parse_ports,
};
pub use devices::{DeviceInfo, DeviceList, DeviceStatus, DeviceSummary, ProbeStatus};
pub use fresh::{Freshness, ReadOptions, Source, default_live};
pub use history::{ChangeGroup, Changes};
pub use images::{ContainerImage, ContainerUpdates};
pub use page::{Paged, Paging};
pub use storage::{
    ArrayStatus, DriveHealth, DriveVerdict, SnapshotList, Verdict, ZfsStatus, verdict,
};
pub use system::{FailedServices, SystemMetrics, Updates, VmStatus};

use crate::api::ApiError;
use crate::state::Snapshot;

/// `NotFound` for a device the snapshot does not hold, naming the ones it does.
pub(crate) fn unknown_device(name: &str, snap: &Snapshot) -> ApiError {
    let mut known: Vec<&str> = snap.devices.keys().map(String::as_str).collect();
    known.truncate(20);
    let known = match known.is_empty() {
        true => "none".to_string(),
        false => known.join(", "),
    };
    ApiError::NotFound(format!("device '{name}' not found; known: {known}"))
}
