//! What the drives probe knows about one drive.

use serde::{Deserialize, Serialize};

/// One drive's identity and SMART health. Fields smartctl did not report are `None`; a drive in
/// standby has only its identity from the scan and `standby: true`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Drive {
    /// Device path, e.g. `/dev/sda` or `/dev/bus/0` (with `dev_type` `megaraid,0`).
    pub device: String,
    /// smartctl device type, e.g. `sat`, `nvme`, `scsi`, `megaraid,0`.
    pub dev_type: Option<String>,
    /// Model name, e.g. `WDC WD40EFRX-68N32N0`.
    pub model: Option<String>,
    /// Serial number.
    pub serial: Option<String>,
    /// User capacity, bytes.
    pub capacity_bytes: Option<u64>,
    /// Protocol smartctl speaks to the drive: `ATA`, `NVMe` or `SCSI`.
    pub protocol: Option<String>,
    /// The drive was asleep and was not woken (`-n standby`); no SMART data this poll.
    pub standby: bool,
    /// SMART overall health self-assessment: `Some(false)` means the drive predicts failure.
    pub smart_passed: Option<bool>,
    /// Current temperature, °C.
    pub temperature_c: Option<i64>,
    /// Power-on time, hours.
    pub power_on_hours: Option<u64>,
    /// ATA attribute 5 `Reallocated_Sector_Ct` (raw).
    pub reallocated_sectors: Option<u64>,
    /// ATA attribute 197 `Current_Pending_Sector` (raw).
    pub pending_sectors: Option<u64>,
    /// ATA attribute 198 `Offline_Uncorrectable` (raw).
    pub offline_uncorrectable: Option<u64>,
    /// ATA attribute 199 `UDMA_CRC_Error_Count` (raw): cabling/interface errors.
    pub crc_errors: Option<u64>,
    /// NVMe `percentage_used`: vendor estimate of life used, may exceed 100.
    pub nvme_percentage_used: Option<u64>,
    /// NVMe `available_spare`, percent of spare capacity left.
    pub nvme_available_spare: Option<u64>,
    /// NVMe `media_errors`: unrecovered data integrity errors.
    pub nvme_media_errors: Option<u64>,
    /// smartctl's exit status bitmask (bit 3: disk failing, 4: prefail attribute at threshold,
    /// 5: attribute was at threshold, 6: error log has entries, 7: self-test log has errors).
    pub smartctl_exit_status: Option<i64>,
}
