//! What the metrics probe reports: one sample of system metrics.

use serde::{Deserialize, Serialize};

/// System metrics at one instant. A field is `None` when its source was missing or unreadable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// `SwapTotal - SwapFree`, bytes.
    pub swap_used_bytes: Option<u64>,
    /// 1-minute load average.
    pub load1: Option<f64>,
    /// 5-minute load average.
    pub load5: Option<f64>,
    /// 15-minute load average.
    pub load15: Option<f64>,
    /// Seconds since boot (whole seconds).
    pub uptime_secs: Option<u64>,
    /// Busy percentage of each core (`cpuN` lines of `/proc/stat`) since the previous poll;
    /// empty on the first poll. A core missing from either poll (hot-unplugged) is left out.
    pub cpu_cores: Vec<CoreUsage>,
    /// Number of processes (numeric entries of `/proc`, the sampling shell included).
    pub process_count: Option<u64>,
    /// Network interfaces of `/proc/net/dev` except the loopback `lo`, in file order.
    pub network: Vec<NetInterface>,
    /// Whole disks of `/proc/diskstats` (see `io::is_whole_disk` for the rule), in file order.
    pub disks: Vec<DiskIo>,
    /// Temperature sensors from `sensors -j`; empty where lm-sensors or sensor chips are absent.
    pub temperatures: Vec<Temperature>,
    /// Real filesystems from `df -PB1`; pseudo filesystems (tmpfs, overlay, proc…) excluded.
    pub filesystems: Vec<Filesystem>,
}

/// Busy percentage of one CPU core.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CoreUsage {
    /// Core number `N` of the `cpuN` line.
    pub core: u32,
    /// Busy time since the previous poll, in percent of this core (0–100).
    pub percent: f64,
}

/// Traffic of one network interface.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NetInterface {
    /// Interface name, e.g. `eth0`.
    pub name: String,
    /// Bytes received since boot (the counter may wrap on 32-bit kernels).
    pub rx_bytes: u64,
    /// Bytes sent since boot.
    pub tx_bytes: u64,
    /// Bytes received per second since the previous poll; `None` on the first poll or after a
    /// counter reset.
    pub rx_bytes_per_sec: Option<f64>,
    /// Bytes sent per second since the previous poll; `None` like `rx_bytes_per_sec`.
    pub tx_bytes_per_sec: Option<f64>,
}

/// I/O of one whole disk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DiskIo {
    /// Kernel name, e.g. `sda`, `nvme0n1`.
    pub name: String,
    /// Bytes read since boot (sectors × 512).
    pub read_bytes: u64,
    /// Bytes written since boot (sectors × 512).
    pub write_bytes: u64,
    /// Reads completed since boot.
    pub reads: u64,
    /// Writes completed since boot.
    pub writes: u64,
    /// Bytes read per second since the previous poll; `None` on the first poll or after a
    /// counter reset.
    pub read_bytes_per_sec: Option<f64>,
    /// Bytes written per second since the previous poll.
    pub write_bytes_per_sec: Option<f64>,
    /// Reads completed per second since the previous poll.
    pub read_iops: Option<f64>,
    /// Writes completed per second since the previous poll.
    pub write_iops: Option<f64>,
}

/// One temperature reading of `sensors -j`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Temperature {
    /// Chip name, e.g. `coretemp-isa-0000`.
    pub chip: String,
    /// Feature label, e.g. `Package id 0`, `Composite`.
    pub label: String,
    /// Current reading, °C.
    pub celsius: f64,
    /// `tempN_max`, °C, when the chip reports one.
    pub high: Option<f64>,
    /// `tempN_crit`, °C, when the chip reports one.
    pub critical: Option<f64>,
    /// Why the reading is not believed, when it is not: an unconnected or broken input (a
    /// sentinel value, above its own critical limit, a fault flag, outside -40…150 °C). Such a
    /// reading is not a real temperature; `None` for a plausible one.
    #[serde(default)]
    pub suspect: Option<String>,
}

/// One mounted filesystem, as `df -PB1` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
