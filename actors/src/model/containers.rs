//! What the containers probe knows about one container.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::refs::ContainerRef;

/// One container as seen by `docker ps -a`, merged with its `docker stats` line if running.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// Resource use from `docker stats`; running containers only (all `None` otherwise).
    #[serde(flatten)]
    pub usage: Usage,
    /// Services this one depends on, from the `com.docker.compose.depends_on` label
    /// (`db:service_started:false,cache:…` gives `["db", "cache"]`).
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// What `docker inspect` adds; `None` until the container has been inspected once.
    #[serde(default)]
    pub inspect: Option<Inspect>,
}

/// Resource use of one running container, as `docker stats` reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Usage {
    /// CPU use in percent of one core (can exceed 100 on several cores).
    pub cpu_percent: Option<f64>,
    /// Memory in use, bytes.
    pub mem_usage_bytes: Option<u64>,
    /// Memory limit (the host's memory when unlimited), bytes.
    pub mem_limit_bytes: Option<u64>,
    /// Bytes received over the network since start.
    pub net_rx_bytes: Option<u64>,
    /// Bytes sent over the network since start.
    pub net_tx_bytes: Option<u64>,
    /// Bytes read from block devices since start.
    pub block_read_bytes: Option<u64>,
    /// Bytes written to block devices since start.
    pub block_write_bytes: Option<u64>,
    /// Number of processes/threads in the container.
    pub pids: Option<u64>,
}

/// The fields of `docker inspect` the probe keeps. Inspected only when a container is new or
/// changed, and carried over from the previous poll otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Inspect {
    /// How often the engine restarted the container under its restart policy.
    pub restart_count: Option<u64>,
    /// Whether the kernel OOM killer killed the main process at its last exit.
    pub oom_killed: Option<bool>,
    /// Last start time (RFC 3339 as the engine prints it); `None` if never started.
    pub started_at: Option<String>,
    /// Last exit time (RFC 3339); `None` if it never exited.
    pub finished_at: Option<String>,
    /// Image id (`sha256:…`) the container runs.
    pub image_id: Option<String>,
    /// Restart policy, e.g. `no`, `always`, `unless-stopped`, `on-failure:5`.
    pub restart_policy: Option<String>,
    /// Mounts, in the engine's order.
    pub mounts: Vec<Mount>,
    /// Networks the container is attached to, by name.
    pub networks: Vec<Network>,
}

/// One mount of a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Mount {
    /// `bind`, `volume`, `tmpfs`, …
    pub kind: String,
    /// Host path (bind) or the volume's path on the host.
    pub source: String,
    /// Path inside the container.
    pub destination: String,
    /// Whether it is writable.
    pub rw: bool,
}

/// One network a container is attached to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "ContainerNetwork")]
pub struct Network {
    /// Network name, e.g. `bridge` or `stack_default`.
    pub name: String,
    /// IPv4 address; `None` when not assigned (e.g. stopped).
    pub ip: Option<String>,
    /// Global IPv6 address; `None` when not assigned.
    pub ipv6: Option<String>,
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
