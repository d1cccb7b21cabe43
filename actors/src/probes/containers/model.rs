//! What the containers probe knows about one container.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::events::ContainerRef;

/// One container as seen by `docker ps -a`, merged with its `docker stats` line if running.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Container {
    /// Full container id.
    pub id: String,
    /// Name without the leading `/` (the first one, if the engine lists several).
    pub name: String,
    /// Image reference as the engine reports it (a bare image id if the tag moved away).
    pub image: String,
    /// Engine state: `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`.
    pub state: String,
    /// Human status text as given, e.g. `Up 13 seconds (health: starting)`.
    pub status: String,
    /// Healthcheck status from the status text: `starting`, `healthy` or `unhealthy`.
    pub health: Option<String>,
    /// Last exit code, from `Exited (N)` or `Restarting (N)` in the status text.
    pub exit_code: Option<i64>,
    /// Creation time as the engine prints it, e.g. `2026-11-23 12:56:33 +0000 UTC`.
    pub created_at: String,
    /// Published ports as the engine prints them, e.g. `0.0.0.0:80->80/tcp`; empty if none.
    pub ports: String,
    /// Labels (the engine joins them with commas; values containing commas are kept whole).
    pub labels: BTreeMap<String, String>,
    /// `com.docker.compose.project` label.
    pub compose_project: Option<String>,
    /// `com.docker.compose.service` label.
    pub compose_service: Option<String>,
    /// CPU use in percent of one core (can exceed 100 on several cores); running only.
    pub cpu_percent: Option<f64>,
    /// Memory in use, bytes; running only.
    pub mem_usage_bytes: Option<u64>,
    /// Memory limit (the host's memory when unlimited), bytes; running only.
    pub mem_limit_bytes: Option<u64>,
    /// Bytes received over the network since start; running only.
    pub net_rx_bytes: Option<u64>,
    /// Bytes sent over the network since start; running only.
    pub net_tx_bytes: Option<u64>,
    /// Bytes read from block devices since start; running only.
    pub block_read_bytes: Option<u64>,
    /// Bytes written to block devices since start; running only.
    pub block_write_bytes: Option<u64>,
    /// Number of processes/threads in the container; running only.
    pub pids: Option<u64>,
}

impl Container {
    /// The reference used in change events.
    pub fn to_ref(&self) -> ContainerRef {
        ContainerRef { id: self.id.clone(), name: self.name.clone(), image: self.image.clone() }
    }

    /// Whether the container's main process is running (paused counts as running).
    pub fn is_running(&self) -> bool {
        matches!(self.state.as_str(), "running" | "paused")
    }

    /// Whether the container has stopped (`exited` or `dead`).
    pub fn is_stopped(&self) -> bool {
        matches!(self.state.as_str(), "exited" | "dead")
    }
}
