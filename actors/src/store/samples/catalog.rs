//! The metric catalogue: every number the store keeps from sample events, with its unit,
//! what its `instance` names, and how long its raw samples are kept.

/// How long a metric's raw samples are kept (its rollups are kept `Retention::rollups`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawClass {
    /// Kept `Retention::raw_samples` (default 30 days): fast-moving load figures.
    Load,
    /// Kept `Retention::health` (default 1 year): slow-moving health figures (drives, pools)
    /// whose raw history is needed to see when a counter first moved.
    Health,
}

/// One metric of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metric {
    /// Dotted name, e.g. `fs.used_bytes`.
    pub name: &'static str,
    /// Unit: `percent`, `bytes`, `bytes/s`, `celsius`, `count`, `bool` (1 or 0), `load`.
    pub unit: &'static str,
    /// The resolution the store promises once raw samples are compacted into blocks
    /// (`store::blocks`): values are kept as multiples of it (rounded to the nearest), so a
    /// value read back differs from the one observed by at most half of it. `0.01` for
    /// percentages and load averages, `0.1` for temperatures, 4 KiB (`PAGE`) for memory and
    /// filesystem sizes (the kernel's page and the usual block: finer digits are noise), `1`
    /// for other bytes (counters), byte rates, counts and booleans. Values that are not finite
    /// or too large for it are kept exactly.
    pub quantum: f64,
    /// What the instance names (`""`: the metric is device-wide and has no instance).
    pub instance: &'static str,
    /// Raw retention class.
    pub class: RawClass,
    /// What it measures.
    pub about: &'static str,
}

const fn m(
    name: &'static str,
    unit: &'static str,
    quantum: f64,
    instance: &'static str,
    class: RawClass,
    about: &'static str,
) -> Metric {
    Metric { name, unit, quantum, instance, class, about }
}

use RawClass::{Health, Load};

/// The resolution of memory and filesystem sizes: one 4 KiB page or block.
pub const PAGE: f64 = 4096.0;

/// Every metric, grouped by the event it comes from.
pub const METRICS: &[Metric] = &[
    // MetricsSampled
    m("host.cpu_percent", "percent", 0.01, "", Load, "busy CPU time, percent of all CPUs"),
    m("host.mem_used_bytes", "bytes", PAGE, "", Load, "MemTotal - MemAvailable"),
    m("host.mem_used_percent", "percent", 0.01, "", Load, "used memory, percent of MemTotal"),
    m("host.swap_used_bytes", "bytes", PAGE, "", Load, "SwapTotal - SwapFree"),
    m("host.load1", "load", 0.01, "", Load, "1-minute load average"),
    m("host.load5", "load", 0.01, "", Load, "5-minute load average"),
    m("host.load15", "load", 0.01, "", Load, "15-minute load average"),
    m("host.process_count", "count", 1.0, "", Load, "processes"),
    m("fs.used_bytes", "bytes", PAGE, "mount point", Load, "used bytes of a filesystem"),
    m("fs.size_bytes", "bytes", PAGE, "mount point", Load, "size of a filesystem"),
    m("fs.used_percent", "percent", 0.01, "mount point", Load, "used, percent of used + available"),
    m("net.rx_bytes_per_sec", "bytes/s", 1.0, "interface", Load, "bytes received per second"),
    m("net.tx_bytes_per_sec", "bytes/s", 1.0, "interface", Load, "bytes sent per second"),
    m("disk.read_bytes_per_sec", "bytes/s", 1.0, "disk", Load, "bytes read per second"),
    m("disk.write_bytes_per_sec", "bytes/s", 1.0, "disk", Load, "bytes written per second"),
    m("temp.celsius", "celsius", 0.1, "chip/label", Load, "a plausible sensor reading"),
    // ContainerStatsSampled
    m("container.cpu_percent", "percent", 0.01, "container name", Load, "percent of one core"),
    m("container.mem_bytes", "bytes", PAGE, "container name", Load, "memory in use"),
    m("container.net_rx_bytes", "bytes", 1.0, "container name", Load, "received since start"),
    m("container.net_tx_bytes", "bytes", 1.0, "container name", Load, "sent since start"),
    m("container.block_read_bytes", "bytes", 1.0, "container name", Load, "read since start"),
    m("container.block_write_bytes", "bytes", 1.0, "container name", Load, "written since start"),
    m("container.pids", "count", 1.0, "container name", Load, "processes and threads"),
    // DriveHealthSampled
    m("drive.temperature_celsius", "celsius", 0.1, DRIVE, Health, "drive temperature"),
    m("drive.reallocated_sectors", "count", 1.0, DRIVE, Health, "ATA 5 raw"),
    m("drive.pending_sectors", "count", 1.0, DRIVE, Health, "ATA 197 raw"),
    m("drive.healthy", "bool", 1.0, DRIVE, Health, "SMART overall self-assessment passed"),
    m("drive.nvme_percentage_used", "percent", 0.01, DRIVE, Health, "NVMe life used estimate"),
    m("drive.nvme_available_spare", "percent", 0.01, DRIVE, Health, "NVMe spare capacity left"),
    m("drive.nvme_media_errors", "count", 1.0, DRIVE, Health, "NVMe media errors"),
    // PoolStatusSampled
    m("pool.size_bytes", "bytes", 1.0, "pool name", Health, "pool size"),
    m("pool.alloc_bytes", "bytes", 1.0, "pool name", Health, "allocated bytes"),
    m("pool.capacity_percent", "percent", 0.01, "pool name", Health, "allocated, percent of size"),
    m("pool.healthy", "bool", 1.0, "pool name", Health, "health is ONLINE"),
];

/// What a drive's instance is.
const DRIVE: &str = "drive serial, else device path (`path|type` behind a controller)";

/// The metrics whose series are capacity-planning inputs (`Store::capacity`).
pub const CAPACITY: &[&str] =
    &["fs.used_bytes", "fs.size_bytes", "pool.alloc_bytes", "pool.size_bytes"];

/// The catalogue entry of `name`.
pub fn metric(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

/// The names of every metric of a raw retention class.
pub fn names_of(class: RawClass) -> impl Iterator<Item = &'static str> {
    METRICS.iter().filter(move |m| m.class == class).map(|m| m.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_health_is_drives_and_pools() {
        let mut names: Vec<_> = METRICS.iter().map(|m| m.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), METRICS.len());
        for m in METRICS {
            let health = m.name.starts_with("drive.") || m.name.starts_with("pool.");
            assert_eq!(m.class == RawClass::Health, health, "{}", m.name);
        }
        assert!(CAPACITY.iter().all(|c| metric(c).is_some()));
        for m in METRICS {
            let sized = ["mem", "swap", "fs."].iter().any(|k| m.name.contains(k));
            let expected = match m.unit {
                "percent" | "load" => 0.01,
                "celsius" => 0.1,
                "bytes" if sized => PAGE,
                _ => 1.0,
            };
            assert_eq!(m.quantum, expected, "{}", m.name);
        }
    }
}
