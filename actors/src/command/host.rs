//! Host commands: system metrics, temperatures, failed systemd units and upgradable packages.
//!
//! None of these take input from users or devices, so nothing is interpolated.

use super::{Command, DEFAULT_TIMEOUT};

/// The shell line of [`metrics`], also used by `tests/fixtures/metrics/capture.sh`.
///
/// Sections, each after an `@@<name>` marker line: `stat` (`/proc/stat`), `meminfo`,
/// `loadavg`, `uptime`, `netdev` (`/proc/net/dev`), `diskstats` (`/proc/diskstats`), `procs`
/// (the number of processes: a shell glob over the numeric `/proc` entries, counted with the
/// builtin `$#`, so no extra process is spawned and the shell itself is included) and `df`
/// (`df -PB1`).
pub const METRICS_LINE: &str = "echo @@stat; cat /proc/stat; echo @@meminfo; cat /proc/meminfo; \
     echo @@loadavg; cat /proc/loadavg; echo @@uptime; cat /proc/uptime; \
     echo @@netdev; cat /proc/net/dev 2>/dev/null; echo @@diskstats; cat /proc/diskstats 2>/dev/null; \
     echo @@procs; set -- /proc/[0-9]*; echo $#; echo @@df; df -PB1 2>/dev/null; true";

/// System metrics in one round trip: sections separated by `@@<name>` marker lines.
pub fn metrics() -> Command {
    Command::new("metrics", METRICS_LINE, DEFAULT_TIMEOUT)
}

/// `sensors -j`: temperatures (lm-sensors ≥ 3.5). Exits 127 where lm-sensors is not
/// installed and 1 (with `{ }` on stdout) where no sensor chip is found.
pub fn sensors() -> Command {
    Command::new("sensors", "sensors -j 2>/dev/null", DEFAULT_TIMEOUT)
}

/// Failed systemd units, one per line: `unit load active sub description`.
pub fn failed_units() -> Command {
    Command::new(
        "failed_units",
        "systemctl list-units --state=failed --all --no-legend --plain --no-pager",
        DEFAULT_TIMEOUT,
    )
}

/// The shell line of [`upgradable`]: the first package manager found prints an `@@<manager>`
/// marker line and then its list of upgradable packages, from the local package cache only
/// (never `apt update`: no network, no root). `@@none` when there is none.
///
/// - apt: `apt list --upgradable` (`name/suites version arch [upgradable from: old]`).
/// - dnf: `@@dnf` then `dnf -q check-update` (exit 100 when updates exist), then
///   `@@dnf-security` and `dnf -q updateinfo list --security` (advisory, severity, package).
/// - pacman: `checkupdates --nosync` when pacman-contrib is installed (`name old -> new`,
///   from the local sync database), else `pacman -Qu` (same format).
pub const UPGRADABLE_LINE: &str = "if command -v apt >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then \
     echo @@apt; apt list --upgradable 2>/dev/null; \
     elif command -v dnf >/dev/null 2>&1; then \
     echo @@dnf; dnf -q -C check-update 2>/dev/null; \
     echo @@dnf-security; dnf -q -C updateinfo list --security 2>/dev/null; \
     elif command -v pacman >/dev/null 2>&1; then \
     echo @@pacman; if command -v checkupdates >/dev/null 2>&1; then checkupdates --nosync 2>/dev/null; \
     else pacman -Qu 2>/dev/null; fi; \
     else echo @@none; fi; true";

/// Upgradable packages of whichever package manager the device has, in one round trip.
pub fn upgradable() -> Command {
    Command::new("upgradable", UPGRADABLE_LINE, DEFAULT_TIMEOUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_metrics_fixtures_were_captured_with_the_catalogue_line() {
        let script = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/metrics/capture.sh"
        ));
        assert!(script.contains(&format!("LINE='{METRICS_LINE}'")), "{METRICS_LINE}");
    }

    #[test]
    fn every_section_marker_is_printed() {
        for section in
            ["stat", "meminfo", "loadavg", "uptime", "netdev", "diskstats", "procs", "df"]
        {
            assert!(METRICS_LINE.contains(&format!("echo @@{section};")), "{section}");
        }
        for manager in ["apt", "dnf", "dnf-security", "pacman", "none"] {
            assert!(UPGRADABLE_LINE.contains(&format!("echo @@{manager};")), "{manager}");
        }
    }
}
