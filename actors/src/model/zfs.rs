//! What the ZFS probe reports: pools with their vdev tree and scan state, datasets, snapshot
//! summaries and ARC statistics.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One poll of ZFS on a device.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ZfsSample {
    /// First line of `zpool version` (e.g. `zfs-2.1.11-1`), when it printed one.
    pub version: Option<String>,
    /// Whether pool status came from `zpool status -j` (OpenZFS ≥ 2.3) rather than text.
    pub json_status: bool,
    /// Every imported pool.
    pub pools: Vec<Pool>,
    /// Filesystems and volumes.
    pub datasets: Vec<Dataset>,
    /// Snapshot count and newest snapshot per dataset that has snapshots.
    pub snapshots: Vec<SnapshotSummary>,
    /// ARC statistics, when `/proc/spl/kstat/zfs/arcstats` was readable.
    pub arc: Option<ArcStats>,
}

/// One pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Pool {
    /// Pool name.
    pub name: String,
    /// `ONLINE`, `DEGRADED`, `FAULTED`, `UNAVAIL`, `SUSPENDED`, ...
    pub health: String,
    /// The `status:` text of `zpool status` (or its JSON `status` code), when not OK.
    pub status: Option<String>,
    /// Total size in bytes (`zpool list`).
    pub size_bytes: Option<u64>,
    /// Allocated bytes.
    pub alloc_bytes: Option<u64>,
    /// Free bytes.
    pub free_bytes: Option<u64>,
    /// Fragmentation of free space, percent.
    pub fragmentation_percent: Option<u64>,
    /// Allocated share of the size, percent.
    pub capacity_percent: Option<u64>,
    /// The vdev tree in pre-order: the pool's root vdev first (depth 0), children deeper.
    pub vdevs: Vec<Vdev>,
    /// Latest scrub or resilver, if any was ever run.
    pub scan: Option<Scan>,
    /// Known permanent data errors (`errors:` line / `error_count`).
    pub data_errors: Option<u64>,
}

/// One node of a pool's vdev tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Vdev {
    /// Name as listed (device, `mirror-0`, `raidz1-0`, or the pool name for the root).
    pub name: String,
    /// Class the vdev belongs to: `logs`, `cache`, `spares`, `special`, `dedup`; `None` for
    /// normal data vdevs.
    pub group: Option<String>,
    /// Depth in the tree: 0 for the root (and for the top of each group), 1 for top-level vdevs.
    pub depth: u32,
    /// `ONLINE`, `DEGRADED`, `FAULTED`, `UNAVAIL`, `REMOVED`, `OFFLINE`, `AVAIL`, `INUSE`, ...
    pub state: String,
    /// Read errors.
    pub read_errors: u64,
    /// Write errors.
    pub write_errors: u64,
    /// Checksum errors.
    pub checksum_errors: u64,
    /// Trailing note, e.g. `cannot open`, `(resilvering)`, `was /dev/sdb1`.
    pub note: Option<String>,
}

/// The latest scrub or resilver of a pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Scan {
    /// `scrub` or `resilver`.
    pub kind: String,
    /// `in_progress`, `paused`, `finished` or `canceled`.
    pub state: String,
    /// Progress while in progress, percent.
    pub percent_done: Option<f64>,
    /// Errors found by a finished scan.
    pub errors: Option<u64>,
    /// When it started (text as the device prints it, or RFC 3339 from JSON epoch seconds).
    pub started_at: Option<String>,
    /// When it finished or was canceled, same format as `started_at`.
    pub finished_at: Option<String>,
}

impl Scan {
    /// Whether the scan is still running (or paused).
    pub fn is_active(&self) -> bool {
        self.state == "in_progress" || self.state == "paused"
    }
}

/// One filesystem or volume (`zfs list -Hp`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Dataset {
    /// Full dataset name (`tank/media`).
    pub name: String,
    /// Bytes used by the dataset and its descendants.
    pub used_bytes: Option<u64>,
    /// Bytes available.
    pub avail_bytes: Option<u64>,
    /// Bytes referenced.
    pub refer_bytes: Option<u64>,
    /// Mount point; `None` for `-` (volumes), `none` and `legacy` are kept as printed.
    pub mountpoint: Option<String>,
}

/// Snapshots of one dataset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SnapshotSummary {
    /// Dataset the snapshots belong to.
    pub dataset: String,
    /// Number of snapshots.
    pub count: u64,
    /// Creation time of the newest snapshot.
    pub newest_created_at: Option<DateTime<Utc>>,
    /// Name of the newest snapshot, the part after `@` (e.g. `autosnap_2026-11-23_hourly`);
    /// `None` when no snapshot has a readable creation time.
    #[serde(default)]
    pub newest_name: Option<String>,
    /// Age of the newest snapshot at observation time, seconds.
    pub newest_age_secs: Option<i64>,
}

/// ARC figures from `arcstats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ArcStats {
    /// Current ARC size, bytes.
    pub size_bytes: Option<u64>,
    /// Maximum ARC size (`c_max`), bytes.
    pub max_bytes: Option<u64>,
    /// Cache hits since boot.
    pub hits: Option<u64>,
    /// Cache misses since boot.
    pub misses: Option<u64>,
    /// `hits / (hits + misses)`, percent.
    pub hit_ratio_percent: Option<f64>,
}
