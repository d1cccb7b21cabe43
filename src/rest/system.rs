//! `/api/devices/{device}/…` for the host and its storage: metrics now, the journal, failed
//! services, VMs, updates, drives, pools, snapshots and their freshness, arrays; and
//! `/api/backups`, the backup jobs of one device or every device, and
//! `/api/container-updates`, the containers' images against their registries.

use infrastructor_actors::query::{
    ArrayStatus, BackupReport, ContainerUpdates, DriveHealth, FailedServices, SnapshotFreshness,
    SnapshotList, SystemMetrics, Updates, VmStatus, ZfsStatus,
};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Path, Query};

use super::Tag;
use super::call::{Api, Reply, args};
use crate::auth::Caller;
use crate::mcp::tools::system::Journal;

/// The REST face of the system and storage tools.
pub struct System(pub Api);

#[OpenApi(tag = "Tag::System")]
impl System {
    /// Host metrics now
    ///
    /// CPU, memory, swap, load, uptime, filesystems, network and disk rates, temperatures.
    #[oai(path = "/devices/:device/metrics", method = "get", operation_id = "get_system_metrics")]
    async fn metrics(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// `true`: poll now; `false`: the last poll.
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<SystemMetrics> {
        self.0.call(&caller, "get_system_metrics", args! { device, refresh, max_age_seconds }).await
    }

    /// Backup jobs
    ///
    /// The backup jobs (restic, systemd units, marker files, ZFS snapshots) of one device or
    /// every device: last success, its age, the verdict (ok, overdue, failed, unknown), the
    /// evidence and the last restic check; from the last poll unless `refresh` is true.
    #[oai(path = "/backups", method = "get", operation_id = "get_backup_status")]
    async fn backups(
        &self,
        caller: Data<&Caller>,
        /// Device name; omit for every device (from their last polls).
        device: Query<Option<String>>,
        /// `true`: poll now; `false`: the last poll (default).
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<BackupReport> {
        self.0.call(&caller, "get_backup_status", args! { device, refresh, max_age_seconds }).await
    }

    /// Container image updates
    ///
    /// Which containers of one device or every device run an image whose registry has a
    /// newer version under the same tag, and since when; images pinned by digest or built
    /// locally are listed as such. From the last images poll unless `refresh` is true.
    #[oai(path = "/container-updates", method = "get", operation_id = "check_container_updates")]
    async fn container_updates(
        &self,
        caller: Data<&Caller>,
        /// Device name; omit for every device (from their last polls).
        device: Query<Option<String>>,
        /// `true`: poll now; `false`: the last poll (default).
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<ContainerUpdates> {
        self.0
            .call(&caller, "check_container_updates", args! { device, refresh, max_age_seconds })
            .await
    }

    /// Failed systemd units
    ///
    /// Unit, load, active and sub state, description.
    #[oai(
        path = "/devices/:device/services/failed",
        method = "get",
        operation_id = "get_failed_services"
    )]
    async fn failed(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// `true`: poll now; `false`: the last poll.
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<FailedServices> {
        self.0
            .call(&caller, "get_failed_services", args! { device, refresh, max_age_seconds })
            .await
    }

    /// libvirt VMs
    ///
    /// State, vCPUs, memory, autostart.
    #[oai(path = "/devices/:device/vms", method = "get", operation_id = "get_vms")]
    async fn vms(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// `true`: poll now; `false`: the last poll.
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<VmStatus> {
        self.0.call(&caller, "get_vm_status", args! { device, refresh, max_age_seconds }).await
    }

    /// Pending package updates
    ///
    /// apt, dnf or pacman, security updates first; from the last poll unless `refresh`.
    #[oai(path = "/devices/:device/updates", method = "get", operation_id = "get_updates")]
    async fn updates(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// `true`: poll now; `false`: the last poll.
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<Updates> {
        self.0.call(&caller, "check_updates", args! { device, refresh, max_age_seconds }).await
    }

    /// ZFS pools
    ///
    /// Health, capacity, fragmentation, vdevs with error counts, scrub or resilver, data
    /// errors.
    #[oai(path = "/devices/:device/pools", method = "get", operation_id = "get_pools")]
    async fn pools(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// `true`: poll now; `false`: the last poll.
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<ZfsStatus> {
        self.0.call(&caller, "get_zfs_status", args! { device, refresh, max_age_seconds }).await
    }

    /// RAID arrays
    ///
    /// Linux md arrays and the Unraid array: level, members, degraded, sync progress.
    #[oai(path = "/devices/:device/arrays", method = "get", operation_id = "get_arrays")]
    async fn arrays(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// `true`: poll now; `false`: the last poll.
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<ArrayStatus> {
        self.0.call(&caller, "get_array_status", args! { device, refresh, max_age_seconds }).await
    }

    /// The systemd journal
    ///
    /// Read now: filter by unit, time, priority and a literal text; capped, and says when
    /// entries were cut.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/devices/:device/logs", method = "get", operation_id = "get_system_logs")]
    async fn logs(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// Only this systemd unit, e.g. `nginx.service`.
        unit: Query<Option<String>>,
        /// Only entries since: RFC 3339, or an age such as `15m`, `2h`.
        since: Query<Option<String>>,
        /// This priority or more urgent: 0 (emerg) to 7 (debug), or a name (`err`).
        priority: Query<Option<String>>,
        /// Keep only entries containing this literal text.
        grep: Query<Option<String>>,
        /// How many of the newest entries, 1 to 10000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "10000")))]
        lines: Query<Option<u32>>,
    ) -> Reply<Journal> {
        let a = args! { device, unit, since, priority, grep, lines };
        self.0.call(&caller, "get_system_logs", a).await
    }

    /// SMART health of the drives
    ///
    /// A verdict per drive (ok, unknown, warning, failing) with the evidence; from the last
    /// poll unless `refresh`.
    #[oai(path = "/devices/:device/drives", method = "get", operation_id = "get_drives")]
    async fn drives(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// One drive, by device path (`/dev/sda`) or serial.
        drive: Query<Option<String>>,
        /// `true`: poll now; `false`: the last poll (default).
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<DriveHealth> {
        let a = args! { device, drive, refresh, max_age_seconds };
        self.0.call(&caller, "get_drive_health", a).await
    }

    /// ZFS snapshots
    ///
    /// Per dataset: how many and the newest one's time and age.
    #[oai(path = "/devices/:device/snapshots", method = "get", operation_id = "get_snapshots")]
    async fn snapshots(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// Only this dataset and those under it.
        dataset: Query<Option<String>>,
        /// `true`: poll now; `false`: the last poll.
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<SnapshotList> {
        let a = args! { device, dataset, refresh, max_age_seconds };
        self.0.call(&caller, "get_zfs_snapshots", a).await
    }

    /// Stale snapshots
    ///
    /// Datasets whose newest snapshot is older than a limit (default 48h), or that have none.
    #[oai(
        path = "/devices/:device/snapshots/freshness",
        method = "get",
        operation_id = "check_snapshot_freshness"
    )]
    async fn freshness(
        &self,
        caller: Data<&Caller>,
        /// Device name.
        #[oai(example = "super::example_device")]
        device: Path<String>,
        /// The oldest a newest snapshot may be, e.g. `24h`, `7d` (default 48h).
        max_age: Query<Option<String>>,
        /// Only datasets matching this glob (`*` any text, `?` one character).
        dataset: Query<Option<String>>,
        /// `true`: poll now; `false`: the last poll.
        refresh: Query<Option<bool>>,
        /// Accept a stored answer at most this many seconds old (0 to 604800).
        #[oai(validator(maximum(value = "604800")))]
        max_age_seconds: Query<Option<u64>>,
    ) -> Reply<SnapshotFreshness> {
        let a = args! { device, max_age, dataset, refresh, max_age_seconds };
        self.0.call(&caller, "check_snapshot_freshness", a).await
    }
}
