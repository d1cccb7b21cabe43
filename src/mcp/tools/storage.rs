//! Storage tools: drive health, ZFS pools and snapshots, snapshot freshness, arrays.

use schemars::JsonSchema;
use serde::Deserialize;

use super::containers::DeviceFresh;
use crate::mcp::args::{self, Fresh};
use crate::mcp::registry::{ToolDef, read};

/// `get_drive_health`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DriveArgs {
    /// Device name.
    pub device: String,
    /// One drive, by device path (`/dev/sda`) or serial.
    pub drive: Option<String>,
    #[serde(flatten)]
    pub fresh: Fresh,
}

/// `get_zfs_snapshots`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SnapshotArgs {
    /// Device name.
    pub device: String,
    /// Only this dataset and those under it.
    pub dataset: Option<String>,
    #[serde(flatten)]
    pub fresh: Fresh,
}

pub fn tools() -> Vec<ToolDef> {
    vec![
        read(
            "get_drive_health",
            "SMART health of every drive (or one): a verdict per drive (ok, unknown, warning, failing) with the evidence — self-assessment, reallocated and pending sectors, temperature, NVMe wear and spare. From the last poll unless refresh is true.",
            |ctx, a: DriveArgs| async move {
                let h = ctx
                    .handle
                    .drive_health(&a.device, a.drive.as_deref(), &a.fresh.options()?)
                    .await?;
                let bad = h
                    .drives
                    .iter()
                    .filter(|d| d.verdict >= infrastructor_actors::query::Verdict::Warning)
                    .count();
                let summary = format!(
                    "{} drives on {}, {bad} with warnings or failing; {}",
                    h.drives.len(),
                    a.device,
                    args::note(&h.freshness)
                );
                Ok((h, summary))
            },
        ),
        read(
            "get_zfs_status",
            "ZFS pools: health, capacity, fragmentation, vdevs with error counts, scrub or resilver, data errors.",
            |ctx, a: DeviceFresh| async move {
                let z = ctx.handle.zfs_status(&a.device, &a.fresh.options()?).await?;
                let summary = format!(
                    "{} pools on {}, {} not ONLINE; {}",
                    z.pools.len(),
                    a.device,
                    z.unhealthy.len(),
                    args::note(&z.freshness)
                );
                Ok((z, summary))
            },
        ),
        read(
            "get_zfs_snapshots",
            "ZFS snapshots per dataset: how many and the newest one's time and age.",
            |ctx, a: SnapshotArgs| async move {
                let s = ctx
                    .handle
                    .zfs_snapshots(&a.device, a.dataset.as_deref(), &a.fresh.options()?)
                    .await?;
                let summary = format!(
                    "{} datasets with snapshots on {}; {}",
                    s.datasets.len(),
                    a.device,
                    args::note(&s.freshness)
                );
                Ok((s, summary))
            },
        ),
        read(
            "get_array_status",
            "Linux md RAID arrays and the Unraid array: level, members, degraded or not, sync progress.",
            |ctx, a: DeviceFresh| async move {
                let s = ctx.handle.array_status(&a.device, &a.fresh.options()?).await?;
                let summary = format!(
                    "arrays on {}: {}; {}",
                    a.device,
                    if s.degraded { "DEGRADED" } else { "not degraded" },
                    args::note(&s.freshness)
                );
                Ok((s, summary))
            },
        ),
    ]
}
