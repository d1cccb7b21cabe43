//! `/proc/net/dev` and `/proc/diskstats` lines, and rates from two consecutive readings.

use crate::model::metrics::{DiskIo, NetInterface};
use crate::probes::sane::clean_name;

/// Reads one `/proc/net/dev` line: `name: rx_bytes rx_packets … (8 receive columns) tx_bytes …`.
///
/// `Ok(None)` for the two header lines and the loopback `lo`; `Err(())` for an unreadable line.
pub fn parse_netdev_line(line: &str) -> Result<Option<NetInterface>, ()> {
    if line.contains('|') || line.trim().is_empty() {
        return Ok(None);
    }
    let (name, rest) = line.split_once(':').ok_or(())?;
    let name = clean_name(name).map_err(|_| ())?;
    let values: Vec<u64> =
        rest.split_whitespace().map(|w| w.parse().map_err(|_| ())).collect::<Result<_, _>>()?;
    let (Some(&rx), Some(&tx)) = (values.first(), values.get(8)) else { return Err(()) };
    if name == "lo" {
        return Ok(None);
    }
    Ok(Some(NetInterface { name, rx_bytes: rx, tx_bytes: tx, ..Default::default() }))
}

/// Reads one `/proc/diskstats` line: `major minor name reads merged sectors_read ms writes
/// merged sectors_written …` (14, 18 or 20 columns depending on the kernel).
///
/// `Ok(None)` for devices that are not whole physical disks (see [`is_whole_disk`]);
/// `Err(())` for an unreadable line.
pub fn parse_diskstats_line(line: &str) -> Result<Option<DiskIo>, ()> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let name = words.get(2).ok_or(())?;
    let num = |i: usize| words.get(i).and_then(|w| w.parse::<u64>().ok()).ok_or(());
    let (reads, sectors_read, writes, sectors_written) = (num(3)?, num(5)?, num(7)?, num(9)?);
    let name = clean_name(name).map_err(|_| ())?;
    if !is_whole_disk(&name) {
        return Ok(None);
    }
    Ok(Some(DiskIo {
        name,
        read_bytes: sectors_read.saturating_mul(512),
        write_bytes: sectors_written.saturating_mul(512),
        reads,
        writes,
        ..Default::default()
    }))
}

/// Block devices left out because they are not storage, or because their I/O is already
/// counted on the disks beneath them: loop and RAM disks, zram, optical and floppy drives,
/// device-mapper (LVM, dm-crypt), md RAID, bcache, DRBD and ZFS zvols.
const VIRTUAL_PREFIXES: &[&str] =
    &["loop", "ram", "zram", "sr", "fd", "dm-", "md", "bcache", "drbd", "zd", "nbd"];

/// Whether a `/proc/diskstats` name is a whole physical (or paravirtual) disk.
///
/// The rule: names starting with one of the virtual prefixes above are skipped; partitions
/// are skipped by their kernel naming: `nvme0n1p1` and `mmcblk0p1` (a `p<digits>` suffix
/// after a digit), and `sda1`, `vdb2`, `hdc3`, `xvda1` (letters of an `sd`/`vd`/`hd`/`xvd`
/// disk followed by digits). Everything else (`sda`, `vda`, `nvme0n1`, `mmcblk0`, `rbd0`…)
/// is a whole disk.
pub fn is_whole_disk(name: &str) -> bool {
    if name.is_empty() || VIRTUAL_PREFIXES.iter().any(|p| name.starts_with(p)) {
        return false;
    }
    let trimmed = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let has_digits = trimmed.len() < name.len();
    // nvme0n1p1, mmcblk0p1
    if has_digits
        && let Some(before_p) = trimmed.strip_suffix('p')
        && before_p.ends_with(|c: char| c.is_ascii_digit())
    {
        return false;
    }
    // sda1, vdb2, hdc3, xvda1
    let letters_disk = ["sd", "vd", "hd", "xvd"].iter().any(|p| {
        trimmed
            .strip_prefix(p)
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase()))
    });
    !(letters_disk && has_digits)
}

/// `(current - previous) / secs`; `None` when the counter went backwards or no time passed.
pub fn rate(current: u64, previous: u64, secs: f64) -> Option<f64> {
    let delta = current.checked_sub(previous)?;
    (secs > 0.0 && secs.is_finite()).then(|| delta as f64 / secs)
}

/// Fills the per-second fields of `current` from the same interfaces in `previous`.
pub fn net_rates(current: &mut [NetInterface], previous: &[NetInterface], secs: f64) {
    for iface in current {
        if let Some(p) = previous.iter().find(|p| p.name == iface.name) {
            iface.rx_bytes_per_sec = rate(iface.rx_bytes, p.rx_bytes, secs);
            iface.tx_bytes_per_sec = rate(iface.tx_bytes, p.tx_bytes, secs);
        }
    }
}

/// Fills the per-second fields of `current` from the same disks in `previous`.
pub fn disk_rates(current: &mut [DiskIo], previous: &[DiskIo], secs: f64) {
    for disk in current {
        if let Some(p) = previous.iter().find(|p| p.name == disk.name) {
            disk.read_bytes_per_sec = rate(disk.read_bytes, p.read_bytes, secs);
            disk.write_bytes_per_sec = rate(disk.write_bytes, p.write_bytes, secs);
            disk.read_iops = rate(disk.reads, p.reads, secs);
            disk.write_iops = rate(disk.writes, p.writes, secs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_disks() {
        for name in ["sda", "sdaa", "vda", "hdc", "xvda", "nvme0n1", "mmcblk0", "rbd0", "sr"] {
            assert_eq!(is_whole_disk(name), name != "sr", "{name}");
        }
        for name in [
            "sda1",
            "sdaa12",
            "vda2",
            "xvda1",
            "nvme0n1p1",
            "mmcblk0p2",
            "loop0",
            "ram0",
            "zram0",
            "dm-0",
            "md127",
            "zd0",
            "sr0",
            "",
        ] {
            assert!(!is_whole_disk(name), "{name}");
        }
    }

    #[test]
    fn lines() {
        let eth = parse_netdev_line("  eth0: 245 7509 0 0 0 0 0 0 379 4187 0 0 0 0 0 0").unwrap();
        assert_eq!(eth.map(|i| (i.name, i.rx_bytes, i.tx_bytes)), Some(("eth0".into(), 245, 379)));
        assert_eq!(parse_netdev_line("    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0"), Ok(None));
        assert_eq!(parse_netdev_line(" face |bytes    packets"), Ok(None));
        assert_eq!(parse_netdev_line("eth0: 1 2"), Err(()));
        assert_eq!(parse_netdev_line("eth0 1 2"), Err(()));
        let sda = parse_diskstats_line("   8  0 sda 10 0 8 0 20 0 16 0 0 0 0").unwrap().unwrap();
        assert_eq!((sda.reads, sda.read_bytes, sda.writes, sda.write_bytes), (10, 4096, 20, 8192));
        assert_eq!(parse_diskstats_line("   8  1 sda1 1 0 8 0 2 0 16 0 0 0 0"), Ok(None));
        assert_eq!(parse_diskstats_line("   8  0 sda x"), Err(()));
    }

    #[test]
    fn rates() {
        assert_eq!(rate(30, 10, 2.0), Some(10.0));
        assert_eq!(rate(5, 10, 2.0), None, "counter reset");
        assert_eq!(rate(30, 10, 0.0), None, "no time passed");
    }
}
