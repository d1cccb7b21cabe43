//! The numbers of one sample event, as rows of the typed sample tables (see `catalog`):
//! fields that are `None` and values that are not finite are left out.

use crate::events::{Event, EventKind};
use crate::model::containers::Container;
use crate::model::drives::Drive;
use crate::model::metrics::MetricsSample;
use crate::model::zfs::ZfsSample;

use super::super::query::Time;

/// One number of one sample event.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRow {
    /// The device observed.
    pub device: String,
    /// A metric of the catalogue.
    pub metric: &'static str,
    /// Which one of the device's (mount point, interface, container…); `""` for device-wide
    /// metrics.
    pub instance: String,
    /// When it was observed.
    pub at: Time,
    /// The value.
    pub value: f64,
}

/// Collects rows of one event.
struct Rows<'a> {
    ev: &'a Event,
    out: Vec<SampleRow>,
}

impl Rows<'_> {
    fn push(&mut self, metric: &'static str, instance: &str, value: Option<f64>) {
        debug_assert!(super::catalog::metric(metric).is_some(), "{metric} is not catalogued");
        if let Some(value) = value.filter(|v| v.is_finite()) {
            self.out.push(SampleRow {
                device: self.ev.device.clone(),
                metric,
                instance: instance.to_string(),
                at: self.ev.observed_at,
                value,
            });
        }
    }
}

fn num(v: Option<u64>) -> Option<f64> {
    v.map(|v| v as f64)
}

fn flag(v: Option<bool>) -> Option<f64> {
    v.map(|b| if b { 1.0 } else { 0.0 })
}

/// The sample rows of `ev` (none for events that are not samples with numbers).
pub fn rows(ev: &Event) -> Vec<SampleRow> {
    let mut r = Rows { ev, out: Vec::new() };
    match &ev.kind {
        EventKind::MetricsSampled { sample } => metrics(&mut r, sample),
        EventKind::ContainerStatsSampled { containers } => {
            containers.iter().for_each(|c| container(&mut r, c))
        }
        EventKind::DriveHealthSampled { drives } => drives.iter().for_each(|d| drive(&mut r, d)),
        EventKind::PoolStatusSampled { sample } => pools(&mut r, sample),
        _ => {}
    }
    r.out
}

fn metrics(r: &mut Rows<'_>, s: &MetricsSample) {
    r.push("host.cpu_percent", "", s.cpu_percent);
    let used = match (s.mem_total_bytes, s.mem_available_bytes) {
        (Some(total), Some(avail)) => Some(total.saturating_sub(avail)),
        _ => None,
    };
    r.push("host.mem_used_bytes", "", num(used));
    let percent = match (used, s.mem_total_bytes) {
        (Some(used), Some(total)) if total > 0 => Some(used as f64 * 100.0 / total as f64),
        _ => None,
    };
    r.push("host.mem_used_percent", "", percent);
    r.push("host.swap_used_bytes", "", num(s.swap_used_bytes));
    r.push("host.load1", "", s.load1);
    r.push("host.load5", "", s.load5);
    r.push("host.load15", "", s.load15);
    r.push("host.process_count", "", num(s.process_count));
    for fs in &s.filesystems {
        r.push("fs.used_bytes", &fs.mount, Some(fs.used_bytes as f64));
        r.push("fs.size_bytes", &fs.mount, Some(fs.size_bytes as f64));
        // As df's Use%: used over what unprivileged users could have (reserved blocks out).
        let usable = fs.used_bytes.saturating_add(fs.avail_bytes);
        let percent = (usable > 0).then(|| fs.used_bytes as f64 * 100.0 / usable as f64);
        r.push("fs.used_percent", &fs.mount, percent);
    }
    for n in &s.network {
        r.push("net.rx_bytes_per_sec", &n.name, n.rx_bytes_per_sec);
        r.push("net.tx_bytes_per_sec", &n.name, n.tx_bytes_per_sec);
    }
    for d in &s.disks {
        r.push("disk.read_bytes_per_sec", &d.name, d.read_bytes_per_sec);
        r.push("disk.write_bytes_per_sec", &d.name, d.write_bytes_per_sec);
    }
    for t in s.temperatures.iter().filter(|t| t.suspect.is_none()) {
        r.push("temp.celsius", &format!("{}/{}", t.chip, t.label), Some(t.celsius));
    }
}

fn container(r: &mut Rows<'_>, c: &Container) {
    let u = &c.usage;
    r.push("container.cpu_percent", &c.name, u.cpu_percent);
    r.push("container.mem_bytes", &c.name, num(u.mem_usage_bytes));
    r.push("container.net_rx_bytes", &c.name, num(u.net_rx_bytes));
    r.push("container.net_tx_bytes", &c.name, num(u.net_tx_bytes));
    r.push("container.block_read_bytes", &c.name, num(u.block_read_bytes));
    r.push("container.block_write_bytes", &c.name, num(u.block_write_bytes));
    r.push("container.pids", &c.name, num(u.pids));
}

/// A drive's instance: its serial, else its device path; disks addressed through a
/// controller (`megaraid,0`, `cciss,1`) share a path, so their type is appended.
pub fn drive_instance(d: &Drive) -> String {
    match (&d.serial, &d.dev_type) {
        (Some(s), _) if !s.is_empty() => s.clone(),
        (_, Some(t)) if t.contains(',') => format!("{}|{t}", d.device),
        _ => d.device.clone(),
    }
}

fn drive(r: &mut Rows<'_>, d: &Drive) {
    // Asleep: nothing was read. Unreadable: the fields are an older read's, not this one's.
    if d.standby || d.error.is_some() {
        return;
    }
    let id = drive_instance(d);
    r.push("drive.temperature_celsius", &id, d.temperature_c.map(|t| t as f64));
    r.push("drive.reallocated_sectors", &id, num(d.reallocated_sectors));
    r.push("drive.pending_sectors", &id, num(d.pending_sectors));
    r.push("drive.healthy", &id, flag(d.smart_passed));
    r.push("drive.nvme_percentage_used", &id, num(d.nvme_percentage_used));
    r.push("drive.nvme_available_spare", &id, num(d.nvme_available_spare));
    r.push("drive.nvme_media_errors", &id, num(d.nvme_media_errors));
}

fn pools(r: &mut Rows<'_>, s: &ZfsSample) {
    for p in &s.pools {
        r.push("pool.size_bytes", &p.name, num(p.size_bytes));
        r.push("pool.alloc_bytes", &p.name, num(p.alloc_bytes));
        r.push("pool.capacity_percent", &p.name, num(p.capacity_percent));
        r.push("pool.healthy", &p.name, flag(Some(p.health == "ONLINE")));
    }
}

#[cfg(test)]
#[path = "extract_tests.rs"]
mod tests;
