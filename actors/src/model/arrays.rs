//! What the arrays probe reports: Linux md arrays and the Unraid array.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One poll of the device's arrays; empty when it has neither md nor Unraid.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ArraysSample {
    /// Linux md arrays from `/proc/mdstat`.
    pub md: Vec<MdArray>,
    /// The Unraid array, when `/var/local/emhttp/var.ini` exists.
    pub unraid: Option<UnraidArray>,
}

/// One md array.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MdArray {
    /// `md0`, `md127`, ...
    pub name: String,
    /// Whether it is `active` (rather than `inactive`).
    pub active: bool,
    /// `read-only` or `auto-read-only` when so flagged.
    pub read_only: Option<String>,
    /// RAID level (`raid1`, `raid5`, `raid0`, `linear`, ...), when printed.
    pub level: Option<String>,
    /// Member devices.
    pub members: Vec<MdMember>,
    /// Size in 1 KiB blocks.
    pub blocks: Option<u64>,
    /// Devices the array should have (`[n/m]`: n).
    pub raid_disks: Option<u32>,
    /// Devices working (`[n/m]`: m).
    pub working_disks: Option<u32>,
    /// Per-slot state as printed, e.g. `UU_` (`U` up, `_` missing or failed).
    pub slots: Option<String>,
    /// Whether a slot is missing or failed, or the array is inactive (never for a container).
    pub degraded: bool,
    /// Resync/recovery/check/reshape in progress or waiting.
    pub sync: Option<MdSync>,
    /// Superblock format after `super` (`1.2`, `external:imsm`, `external:/md127/0`), when
    /// printed.
    #[serde(default)]
    pub metadata: Option<String>,
    /// An external-metadata container (`super external:imsm` or `external:ddf`): it holds
    /// the disks of the member arrays it describes (which are listed as arrays of their own,
    /// `super external:/md127/0`), is always `inactive`, and is never degraded itself.
    #[serde(default)]
    pub container: bool,
    /// A member is marked faulty `(F)`, also when spares keep every slot up (`[UU]`): a disk
    /// to replace. Reported like a degraded array until the failed member is removed.
    #[serde(default)]
    pub failed_member: bool,
}

/// One member of an md array: `sda1[0]`, `sdb1[2](F)`, `sdc[3](S)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MdMember {
    /// Kernel device name.
    pub device: String,
    /// Role number in brackets.
    pub index: Option<u32>,
    /// Marked faulty `(F)`.
    pub faulty: bool,
    /// A spare `(S)`.
    pub spare: bool,
    /// Other flags as printed, e.g. `W` (write-mostly), `R` (replacement), `J` (journal).
    pub flags: String,
}

/// A sync operation of an md array.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MdSync {
    /// `resync`, `recovery`, `check`, `repair` or `reshape`.
    pub action: String,
    /// Progress, percent; `None` while `DELAYED` or `PENDING`.
    pub percent: Option<f64>,
    /// `DELAYED` or `PENDING` when waiting.
    pub waiting: Option<String>,
    /// Estimated time left, minutes.
    pub finish_minutes: Option<f64>,
    /// Speed, KiB/s.
    pub speed_kib_s: Option<u64>,
}

/// The Unraid array (`var.ini` + `disks.ini`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UnraidArray {
    /// `mdState`: `STARTED`, `STOPPED`, ...
    pub state: String,
    /// Disabled disks (`mdNumDisabled`).
    pub disabled: u32,
    /// Missing disks (`mdNumMissing`).
    pub missing: u32,
    /// Invalid disks (`mdNumInvalid`).
    pub invalid: u32,
    /// Running sync (`mdResyncAction`, e.g. `check P`), when `mdResync` is non-zero.
    pub sync_action: Option<String>,
    /// Progress of the running sync, percent (`mdResyncPos / mdResyncSize`).
    pub sync_percent: Option<f64>,
    /// Start of the last parity check/sync (`sbSynced`).
    pub last_sync_started: Option<DateTime<Utc>>,
    /// End of the last parity check/sync (`sbSynced2`).
    pub last_sync_finished: Option<DateTime<Utc>>,
    /// Errors found by the last parity check (`sbSyncErrs`).
    pub last_sync_errors: Option<u64>,
    /// Exit code of the last parity check (`sbSyncExit`; 0 = completed, else aborted/failed).
    pub last_sync_exit: Option<i64>,
    /// Array, cache and flash devices of `disks.ini`.
    pub disks: Vec<UnraidDisk>,
    /// Whether a disk is disabled, missing or invalid.
    pub degraded: bool,
}

/// One disk slot of `disks.ini`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UnraidDisk {
    /// Slot name: `parity`, `parity2`, `disk1`, `cache`, `flash`, ...
    pub name: String,
    /// Kernel device (`sdb`), `None` for an empty slot.
    pub device: Option<String>,
    /// Disk identifier (model_serial).
    pub id: Option<String>,
    /// `DISK_OK`, `DISK_DSBL`, `DISK_NP` (no disk in the slot), `DISK_NP_DSBL`, `DISK_INVALID`, ...
    pub status: String,
    /// `Parity`, `Data`, `Cache`, `Flash`.
    pub kind: Option<String>,
    /// Temperature, °C; `None` when spun down (`*`) or unknown.
    pub temp_c: Option<i64>,
    /// Read/write errors counted by the md driver (`numErrors`).
    pub num_errors: Option<u64>,
}
