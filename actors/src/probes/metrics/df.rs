//! `df -PB1` lines: real filesystems only.

use crate::model::metrics::Filesystem;
use crate::probes::sane::TEXT_MAX;

/// Sources that are never real storage.
const PSEUDO_SOURCES: &[&str] = &[
    "tmpfs",
    "devtmpfs",
    "overlay",
    "overlayfs",
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "none",
    "udev",
    "shm",
    "devpts",
    "mqueue",
    "securityfs",
    "debugfs",
    "tracefs",
    "pstore",
    "bpf",
    "efivarfs",
    "hugetlbfs",
    "configfs",
    "fusectl",
    "binfmt_misc",
    "autofs",
    "nsfs",
    "ramfs",
    "squashfs",
    "rootfs",
    "portal",
    "gvfsd-fuse",
    "lxcfs",
];

/// Mount points below which nothing is real storage (`/snap/*` are read-only squashfs images).
const PSEUDO_MOUNT_PREFIXES: &[&str] = &["/proc/", "/sys/", "/dev/", "/run/", "/snap/"];

/// Why a `df` line was not turned into a [`Filesystem`].
#[derive(Debug, PartialEq, Eq)]
pub enum DfLine {
    /// A real filesystem.
    Real(Filesystem),
    /// The header, or a pseudo/empty filesystem.
    Skipped,
    /// The line did not have the `source size used avail capacity% mount` shape.
    Unreadable,
}

/// Reads one line of `df -PB1`: `source size used avail capacity% mount`. Sources and mount
/// points may contain spaces, so the four numeric columns are located first.
pub fn parse_df_line(line: &str) -> DfLine {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.first() == Some(&"Filesystem") {
        return DfLine::Skipped;
    }
    let Some(i) = (1..words.len()).find(|&i| numeric_columns(words.get(i..i + 4))) else {
        return DfLine::Unreadable;
    };
    let (Some(size), Some(used), Some(avail)) =
        (num(&words, i), num(&words, i + 1), num(&words, i + 2))
    else {
        return DfLine::Unreadable;
    };
    let source = words.get(..i).unwrap_or_default().join(" ");
    let mount = words.get(i + 4..).unwrap_or_default().join(" ");
    // A path is at most PATH_MAX (4096) bytes and has no control characters in real life.
    let path = |p: &str| !p.is_empty() && p.len() <= TEXT_MAX && !p.contains(char::is_control);
    if !path(&mount) || !path(&source) {
        return DfLine::Unreadable;
    }
    if size == 0
        || PSEUDO_SOURCES.contains(&source.as_str())
        || source.starts_with("cgroup")
        || mount == "/dev"
        || mount == "/run"
        || PSEUDO_MOUNT_PREFIXES.iter().any(|p| mount.starts_with(p))
    {
        return DfLine::Skipped;
    }
    DfLine::Real(Filesystem {
        source,
        mount,
        size_bytes: size,
        used_bytes: used,
        avail_bytes: avail,
    })
}

fn num(words: &[&str], i: usize) -> Option<u64> {
    words.get(i)?.parse().ok()
}

/// `size used avail capacity%`, where capacity may be `-` for filesystems without a size.
fn numeric_columns(cols: Option<&[&str]>) -> bool {
    let Some([size, used, avail, cap]) = cols else { return false };
    let is_num = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    is_num(size)
        && is_num(used)
        && is_num(avail)
        && (*cap == "-" || cap.strip_suffix('%').is_some_and(is_num))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs(source: &str, mount: &str, size: u64, used: u64, avail: u64) -> DfLine {
        DfLine::Real(Filesystem {
            source: source.into(),
            mount: mount.into(),
            size_bytes: size,
            used_bytes: used,
            avail_bytes: avail,
        })
    }

    #[test]
    fn lines() {
        let check =
            |line: &str, expected: DfLine| assert_eq!(parse_df_line(line), expected, "{line}");
        check("Filesystem 1-blocks Used Available Capacity Mounted on", DfLine::Skipped);
        check(
            "/dev/vda 270553174016 15291883520 82280865792 16% /",
            fs("/dev/vda", "/", 270553174016, 15291883520, 82280865792),
        );
        check(
            "tank/my data 100 40 60 40% /mnt/my data",
            fs("tank/my data", "/mnt/my data", 100, 40, 60),
        );
        check("//nas/share 100 0 100 0% /mnt/nas", fs("//nas/share", "/mnt/nas", 100, 0, 100));
        check("tmpfs 25276510208 1077248 25275432960 1% /dev/shm", DfLine::Skipped);
        check("overlay 100 1 99 1% /var/lib/docker/overlay2/x/merged", DfLine::Skipped);
        check("cgroup2 0 0 0 - /sys/fs/cgroup", DfLine::Skipped);
        check("/dev/loop3 58327040 58327040 0 100% /snap/core20/2015", DfLine::Skipped);
        check("/dev/sdb1 12 x 3 1% /data", DfLine::Unreadable);
        check("/dev/sdb1 12 1 3 1%", DfLine::Unreadable);
        check("", DfLine::Unreadable);
        check("/dev/sdb1 12 1 3 1% /mnt/\u{1b}[2J", DfLine::Unreadable);
        check(&format!("/dev/sdb1 12 1 3 1% /{}", "x".repeat(5000)), DfLine::Unreadable);
    }
}
