//! Container tools: list, info, logs, stats, networks, the compose graph and the topology.

use infrastructor_actors::ondemand::{ContainerLogsQuery, LogsResult, Network, OutputCaps};
use infrastructor_actors::query::ContainerFilter;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::mcp::args::{self, Fresh, Page};
use crate::mcp::registry::{ToolDef, read};

/// `list_containers`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListArgs {
    /// Device name; omit for every device.
    pub device: Option<String>,
    /// Only this engine state: `running`, `exited`, `restarting`, `paused`, `created`, `dead`.
    pub state: Option<String>,
    /// Only names containing this text (case-insensitive).
    pub name: Option<String>,
    /// Only this compose project.
    pub project: Option<String>,
    #[serde(flatten)]
    pub page: Page,
    #[serde(flatten)]
    pub fresh: Fresh,
}

/// One container.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ContainerArgs {
    /// Device name.
    pub device: String,
    /// Container name or id.
    pub container: String,
    #[serde(flatten)]
    pub fresh: Fresh,
}

/// `get_container_logs`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LogsArgs {
    /// Device name.
    pub device: String,
    /// Container name or id.
    pub container: String,
    /// How many of the newest lines to read, 1 to 10000 (default 100).
    pub tail: Option<u32>,
    /// Only lines since: RFC 3339, or an age such as `15m`, `2h`.
    pub since: Option<String>,
    /// Keep only lines containing this literal text.
    pub grep: Option<String>,
}

/// The log lines and whether they were cut.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Logs {
    /// The device.
    pub device: String,
    /// The container.
    pub container: String,
    /// Lines, oldest first; with `truncated` when the caps cut some.
    #[serde(flatten)]
    pub logs: LogsResult,
}

/// `get_container_stats`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct StatsArgs {
    /// Device name.
    pub device: String,
    /// Container name or id.
    pub container: String,
    /// History window, e.g. `1h`, `24h`, `7d` (default 1h, at most 30d).
    pub window: Option<String>,
    #[serde(flatten)]
    pub fresh: Fresh,
}

/// One device, with freshness.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DeviceFresh {
    /// Device name.
    pub device: String,
    #[serde(flatten)]
    pub fresh: Fresh,
}

/// `get_service_dependencies`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DepsArgs {
    /// Device name.
    pub device: String,
    /// A container: its compose project's graph.
    pub container: Option<String>,
    /// A compose project (default: every project on the device).
    pub project: Option<String>,
    #[serde(flatten)]
    pub fresh: Fresh,
}

/// `list_docker_networks`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Networks {
    /// The device.
    pub device: String,
    /// The networks (`docker network ls`, run now).
    pub networks: Vec<Network>,
}

const MAX_WINDOW: std::time::Duration = std::time::Duration::from_secs(30 * 86_400);

pub fn tools() -> Vec<ToolDef> {
    vec![
        read(
            "list_containers",
            "Containers of one device or all: state, status, health, exit code, compose project, restarts, CPU and memory. Filters by state, name and compose project; paginated.",
            |ctx, a: ListArgs| async move {
                let filter = ContainerFilter { state: a.state, name: a.name, project: a.project };
                let list = ctx
                    .handle
                    .list_containers(
                        a.device.as_deref(),
                        &filter,
                        &a.page.paging(),
                        &a.fresh.options()?,
                    )
                    .await?;
                let running = list.page.items.iter().filter(|c| c.state == "running").count();
                let unhealthy = list
                    .page
                    .items
                    .iter()
                    .filter(|c| c.health.as_deref() == Some("unhealthy"))
                    .count();
                let summary = format!(
                    "{} containers ({} on this page: {running} running, {unhealthy} unhealthy) on {} devices; {}",
                    list.page.total,
                    list.page.items.len(),
                    list.devices.len(),
                    args::note(&list.freshness)
                );
                Ok((list, summary))
            },
        ),
        read(
            "get_container_info",
            "One container in depth: ports (host/container/protocol), mounts, networks, restart policy, compose service and depends_on, health, exit code, OOM kill, restart count.",
            |ctx, a: ContainerArgs| async move {
                let d =
                    ctx.handle.container_info(&a.device, &a.container, &a.fresh.options()?).await?;
                let c = &d.container;
                let summary = format!(
                    "{} on {}: {} ({}); {}",
                    c.name,
                    a.device,
                    c.state,
                    c.status,
                    args::note(&d.freshness)
                );
                Ok((d, summary))
            },
        ),
        read(
            "get_container_logs",
            "The newest lines of a container's log (stdout and stderr), optionally since a time and filtered by a literal text; capped, and says when lines were cut.",
            |ctx, a: LogsArgs| async move {
                let mut q = ContainerLogsQuery::new(a.container.clone());
                q.tail = a.tail.unwrap_or(100);
                q.since = a.since;
                q.grep = a.grep;
                q.caps = OutputCaps::default();
                let logs = ctx.handle.container_logs(&a.device, q).await?;
                let cut = if logs.truncated { " (cut to the caps)" } else { "" };
                let summary =
                    format!("{} lines of {} on {}{cut}", logs.lines.len(), a.container, a.device);
                Ok((Logs { device: a.device, container: a.container, logs }, summary))
            },
        ),
        read(
            "get_container_stats",
            "A container's CPU, memory, network and block I/O now, and its CPU and memory over a window from history.",
            |ctx, a: StatsArgs| async move {
                let window = a
                    .window
                    .as_deref()
                    .map(|w| args::duration("window", w, MAX_WINDOW))
                    .transpose()?;
                let s = ctx
                    .handle
                    .container_stats(&a.device, &a.container, window, &a.fresh.options()?)
                    .await?;
                let cpu = s.now.cpu_percent.map_or("-".into(), |c| format!("{c:.1} %"));
                let summary = format!(
                    "{} on {}: {}, CPU {cpu}; {}",
                    s.container,
                    a.device,
                    s.state,
                    args::note(&s.freshness)
                );
                Ok((s, summary))
            },
        ),
        read(
            "list_docker_networks",
            "The device's docker networks (name, driver, scope), read now.",
            |ctx, a: super::devices::DeviceArg| async move {
                let networks = ctx.handle.docker_networks(&a.device).await?;
                let summary = format!("{} networks on {}", networks.len(), a.device);
                Ok((Networks { device: a.device, networks }, summary))
            },
        ),
        read(
            "get_service_dependencies",
            "The compose dependency graph of a project, or of the project a container belongs to: services, their containers' states, and every depends_on edge (a missing dependency shows with no state).",
            |ctx, a: DepsArgs| async move {
                let g = ctx
                    .handle
                    .service_dependencies(
                        &a.device,
                        a.container.as_deref(),
                        a.project.as_deref(),
                        &a.fresh.options()?,
                    )
                    .await?;
                let broken =
                    g.edges.iter().filter(|e| e.on_state.as_deref() != Some("running")).count();
                let summary = format!(
                    "{} services, {} dependencies ({broken} not running) in {}",
                    g.services.len(),
                    g.edges.len(),
                    g.projects.join(", ")
                );
                Ok((g, summary))
            },
        ),
        read(
            "get_network_topology",
            "Which docker networks join which containers (with their addresses), and the ports each container publishes.",
            |ctx, a: DeviceFresh| async move {
                let t = ctx.handle.network_topology(&a.device, &a.fresh.options()?).await?;
                let summary = format!(
                    "{} networks, {} containers publishing ports on {}",
                    t.networks.len(),
                    t.published.len(),
                    a.device
                );
                Ok((t, summary))
            },
        ),
    ]
}
