//! One sample of system metrics, and the raw CPU counters kept between polls.

use serde::{Deserialize, Serialize};

/// System metrics at one instant. A field is `None` when its source was missing or unreadable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricsSample {
    /// Busy CPU time since the previous poll, in percent of all CPUs (0–100); `None` on the
    /// first poll or after the counters went backwards (reboot).
    pub cpu_percent: Option<f64>,
    /// `MemTotal`, bytes.
    pub mem_total_bytes: Option<u64>,
    /// `MemAvailable` (estimated memory available without swapping), bytes; on kernels older
    /// than 3.14 `MemFree + Buffers + Cached`.
    pub mem_available_bytes: Option<u64>,
    /// `SwapTotal`, bytes.
    pub swap_total_bytes: Option<u64>,
    /// `SwapFree`, bytes.
    pub swap_free_bytes: Option<u64>,
    /// 1-minute load average.
    pub load1: Option<f64>,
    /// 5-minute load average.
    pub load5: Option<f64>,
    /// 15-minute load average.
    pub load15: Option<f64>,
    /// Seconds since boot (whole seconds).
    pub uptime_secs: Option<u64>,
    /// Real filesystems from `df -PB1`; pseudo filesystems (tmpfs, overlay, proc…) excluded.
    pub filesystems: Vec<Filesystem>,
}

/// One mounted filesystem, as `df -PB1` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filesystem {
    /// What is mounted, e.g. `/dev/sda1` or `tank/data`.
    pub source: String,
    /// Where it is mounted, e.g. `/`.
    pub mount: String,
    /// Total size, bytes.
    pub size_bytes: u64,
    /// Used, bytes.
    pub used_bytes: u64,
    /// Available to unprivileged users, bytes (excludes reserved blocks).
    pub avail_bytes: u64,
}

/// The aggregate `cpu` line of `/proc/stat`, in clock ticks (guest time is already included in
/// user/nice, so it is not added again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    /// Ticks spent doing anything but idling or waiting for I/O.
    pub busy: u64,
    /// Ticks spent idle or waiting for I/O.
    pub idle: u64,
}

impl CpuTimes {
    /// Busy percentage between `previous` and `self`; `None` if no time passed or the
    /// counters went backwards.
    pub fn percent_since(&self, previous: &CpuTimes) -> Option<f64> {
        let busy = self.busy.checked_sub(previous.busy)?;
        let idle = self.idle.checked_sub(previous.idle)?;
        let total = busy.checked_add(idle)?;
        (total > 0).then(|| busy as f64 * 100.0 / total as f64)
    }
}
