//! What the drives probe knows about one drive.

use serde::{Deserialize, Serialize};

use super::refs::DriveRef;

/// One drive's identity and SMART health. Fields smartctl did not report are `None`; a drive in
/// standby has only its identity from the scan and `standby: true`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// ATA attribute 187 `Reported_Uncorrect` (raw): errors the drive could not correct.
    #[serde(default)]
    pub reported_uncorrect: Option<u64>,
    /// NVMe `num_err_log_entries`: error-information log entries over the drive's life.
    #[serde(default)]
    pub nvme_error_log_entries: Option<u64>,
    /// SCSI/SAS grown defect list length (sectors remapped since manufacture).
    #[serde(default)]
    pub scsi_grown_defects: Option<u64>,
    /// SCSI/SAS uncorrected read + write errors from the error counter log.
    #[serde(default)]
    pub scsi_uncorrected_errors: Option<u64>,
    /// The full ATA SMART attribute table (empty for NVMe and SCSI).
    #[serde(default)]
    pub attributes: Vec<SmartAttribute>,
    /// The NVMe SMART/health information log (`None` for ATA and SCSI).
    #[serde(default)]
    pub nvme_health: Option<NvmeHealth>,
    /// smartctl's exit status bitmask (bit 3: disk failing, 4: prefail attribute at threshold,
    /// 5: attribute was at threshold, 6: error log has entries, 7: self-test log has errors).
    pub smartctl_exit_status: Option<i64>,
    /// smartctl's own error and warning messages (`smartctl.messages`, informational ones left
    /// out), e.g. why a SMART command failed (exit bit 2); empty when it had none.
    #[serde(default)]
    pub smartctl_messages: Vec<String>,
    /// Why this poll could not read the drive (it hung, or its output was unreadable); the
    /// other fields are then those of its last good read, if there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One row of the ATA SMART attribute table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SmartAttribute {
    /// Attribute id, e.g. 5.
    pub id: u64,
    /// smartctl's name, e.g. `Reallocated_Sector_Ct`.
    pub name: String,
    /// Normalized value (higher is better, typically 1–253).
    pub value: Option<u64>,
    /// Worst normalized value seen.
    pub worst: Option<u64>,
    /// Threshold at or below which the attribute is failing.
    pub thresh: Option<u64>,
    /// Raw value: the leading number of smartctl's raw string, else the raw integer.
    pub raw: Option<u64>,
    /// smartctl's `when_failed` is `now`: the attribute is at or below its threshold.
    pub failing_now: bool,
}

/// The NVMe SMART/health information log; fields smartctl did not print are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NvmeHealth {
    /// Critical warning bit field (0 = none).
    pub critical_warning: Option<u64>,
    /// Composite temperature, °C.
    pub temperature: Option<u64>,
    /// Spare capacity left, percent.
    pub available_spare: Option<u64>,
    /// Spare threshold below which the drive warns, percent.
    pub available_spare_threshold: Option<u64>,
    /// Vendor estimate of life used, percent (may exceed 100).
    pub percentage_used: Option<u64>,
    /// Data units (1000 × 512 bytes) read.
    pub data_units_read: Option<u64>,
    /// Data units (1000 × 512 bytes) written.
    pub data_units_written: Option<u64>,
    /// Read commands completed.
    pub host_reads: Option<u64>,
    /// Write commands completed.
    pub host_writes: Option<u64>,
    /// Minutes the controller was busy.
    pub controller_busy_time: Option<u64>,
    /// Power cycles.
    pub power_cycles: Option<u64>,
    /// Power-on hours.
    pub power_on_hours: Option<u64>,
    /// Unsafe shutdowns.
    pub unsafe_shutdowns: Option<u64>,
    /// Unrecovered data integrity errors.
    pub media_errors: Option<u64>,
    /// Error-information log entries.
    pub num_err_log_entries: Option<u64>,
    /// Minutes above the warning composite temperature.
    pub warning_temp_time: Option<u64>,
    /// Minutes above the critical composite temperature.
    pub critical_comp_time: Option<u64>,
}

impl Drive {
    /// The reference used in change events.
    pub fn to_ref(&self) -> DriveRef {
        DriveRef {
            device: self.device.clone(),
            model: self.model.clone(),
            serial: self.serial.clone(),
        }
    }

    /// Key that follows a drive across polls: its serial, else its device path.
    pub fn key(&self) -> String {
        match &self.serial {
            Some(s) if !s.is_empty() => format!("serial:{s}"),
            // Disks behind one RAID controller share a path (`/dev/bus/0`) and differ by type.
            _ => format!("device:{}|{}", self.device, self.dev_type.as_deref().unwrap_or("")),
        }
    }
}
