//! `/api/…/containers…`: lists with filters and pages, one container, its logs and stats,
//! networks, the compose graph, the topology, and the gated start/stop/restart.

use infrastructor_actors::query::{
    ActionResult, ContainerDetail, ContainerList, ContainerStats, DependencyGraph, NetworkTopology,
};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};

use super::Tag;
use super::call::{Api, Reply, args};
use crate::auth::Caller;
use crate::mcp::tools::containers::{Logs, Networks};

/// The REST face of the container tools.
pub struct Containers(pub Api);

#[OpenApi(tag = "Tag::Containers")]
impl Containers {
    /// Containers of every device
    ///
    /// State, status, health, exit code, compose project, restarts, CPU and memory;
    /// filtered and paginated.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/containers", method = "get", operation_id = "list_all_containers")]
    async fn all(
        &self,
        caller: Data<&Caller>,
        /// Only this engine state: `running`, `exited`, `restarting`, `paused`, `created`, `dead`.
        state: Query<Option<String>>,
        /// Only names containing this text (case-insensitive).
        name: Query<Option<String>>,
        /// Only this compose project.
        project: Query<Option<String>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
        /// `true`: poll now; `false`: the last poll (default: live).
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<ContainerList> {
        let a = args! { state, name, project, cursor, limit, refresh, max_age_seconds };
        self.0.call(&caller, "list_containers", a).await
    }

    /// Containers of one device
    ///
    /// As `/api/containers`, for one device.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/devices/:device/containers", method = "get", operation_id = "list_containers")]
    async fn list(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// Only this engine state: `running`, `exited`, `restarting`, `paused`, `created`, `dead`.
        state: Query<Option<String>>,
        /// Only names containing this text (case-insensitive).
        name: Query<Option<String>>,
        /// Only this compose project.
        project: Query<Option<String>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
        /// `true`: poll now; `false`: the last poll (default: live).
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<ContainerList> {
        let a = args! { device, state, name, project, cursor, limit, refresh, max_age_seconds };
        self.0.call(&caller, "list_containers", a).await
    }

    /// One container in depth
    ///
    /// Ports (host/container/protocol), mounts, networks, restart policy, compose service
    /// and `depends_on`, health, exit code, OOM kill, restart count.
    #[oai(
        path = "/devices/:device/containers/:container",
        method = "get",
        operation_id = "get_container"
    )]
    async fn info(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// Container name or id.
        #[oai(example = "super::example_container")]
        container: Path<String>,
        /// `true`: poll now; `false`: the last poll (default: live).
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<ContainerDetail> {
        let a = args! { device, container, refresh, max_age_seconds };
        self.0.call(&caller, "get_container_info", a).await
    }

    /// A container's log
    ///
    /// The newest lines (stdout and stderr), read now; capped, and says when lines were cut.
    #[oai(
        path = "/devices/:device/containers/:container/logs",
        method = "get",
        operation_id = "get_container_logs"
    )]
    async fn logs(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// Container name or id.
        #[oai(example = "super::example_container")]
        container: Path<String>,
        /// How many of the newest lines, 1 to 10000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "10000")))]
        tail: Query<Option<u32>>,
        /// Only lines since: RFC 3339, or an age such as `15m`, `2h`.
        since: Query<Option<String>>,
        /// Keep only lines containing this literal text.
        grep: Query<Option<String>>,
    ) -> Reply<Logs> {
        let a = args! { device, container, tail, since, grep };
        self.0.call(&caller, "get_container_logs", a).await
    }

    /// A container's resource use
    ///
    /// CPU, memory, network and block I/O now, and CPU and memory over a window from history.
    #[oai(
        path = "/devices/:device/containers/:container/stats",
        method = "get",
        operation_id = "get_container_stats"
    )]
    async fn stats(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// Container name or id.
        #[oai(example = "super::example_container")]
        container: Path<String>,
        /// History window, e.g. `1h`, `24h`, `7d` (default 1h, at most 30d).
        window: Query<Option<String>>,
        /// `true`: poll now; `false`: the last poll (default: live).
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<ContainerStats> {
        let a = args! { device, container, window, refresh, max_age_seconds };
        self.0.call(&caller, "get_container_stats", a).await
    }

    /// Start, stop or restart a container (admin, allow_actions)
    ///
    /// Runs `docker start|stop|restart` on the device, records an `ActionPerformed` event,
    /// and answers with the container's state after a poll.
    #[oai(
        path = "/devices/:device/containers/:container/:action",
        method = "post",
        operation_id = "container_action"
    )]
    async fn action(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// Container name or id.
        #[oai(example = "super::example_container")]
        container: Path<String>,
        /// `start`, `stop` or `restart`.
        action: Path<String>,
    ) -> Reply<ActionResult> {
        self.0.actions(&caller)?;
        let a = args! { device, container, action, confirm = true };
        self.0.call(&caller, "container_action", a).await
    }

    /// Docker networks of a device
    ///
    /// `docker network ls`, run now.
    #[oai(path = "/devices/:device/networks", method = "get", operation_id = "list_networks")]
    async fn networks(
        &self,
        caller: Data<&Caller>,
        #[oai(example = "super::example_device")] device: Path<String>,
    ) -> Reply<Networks> {
        self.0.call(&caller, "list_docker_networks", args! { device }).await
    }

    /// Compose dependency graph
    ///
    /// Services and their `depends_on`, per compose project, with each one's state.
    #[oai(
        path = "/devices/:device/dependencies",
        method = "get",
        operation_id = "get_service_dependencies"
    )]
    async fn dependencies(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// A container: its compose project's graph.
        container: Query<Option<String>>,
        /// A compose project (default: every project on the device).
        project: Query<Option<String>>,
        /// `true`: poll now; `false`: the last poll (default: live).
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<DependencyGraph> {
        let a = args! { device, container, project, refresh, max_age_seconds };
        self.0.call(&caller, "get_service_dependencies", a).await
    }

    /// Network topology
    ///
    /// Which containers share which network, with their addresses and published ports.
    #[oai(path = "/devices/:device/topology", method = "get", operation_id = "get_topology")]
    async fn topology(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// `true`: poll now; `false`: the last poll (default: live).
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<NetworkTopology> {
        let a = args! { device, refresh, max_age_seconds };
        self.0.call(&caller, "get_network_topology", a).await
    }
}
