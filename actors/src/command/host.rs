//! Host commands: system metrics, temperatures, failed systemd units and upgradable packages.
//!
//! None of these take input from users or devices, so nothing is interpolated.

use super::{Command, DEFAULT_TIMEOUT};

/// The shell body of [`metrics`], also used by `tests/fixtures/metrics/capture.sh`.
///
/// Sections, each after a marker printed by `section <name>` (see [`Command::sectioned`]):
/// `stat` (`/proc/stat`), `meminfo`, `loadavg`, `uptime`, `netdev` (`/proc/net/dev`),
/// `diskstats` (`/proc/diskstats`), `procs` (the number of processes: a shell glob over the
/// numeric `/proc` entries, counted with the builtin `$#`, so no extra process is spawned and
/// the shell itself is included) and `df` (`df -PB1`).
pub const METRICS_LINE: &str = "section stat; cat /proc/stat; section meminfo; cat /proc/meminfo; \
     section loadavg; cat /proc/loadavg; section uptime; cat /proc/uptime; \
     section netdev; cat /proc/net/dev 2>/dev/null; section diskstats; cat /proc/diskstats 2>/dev/null; \
     section procs; set -- /proc/[0-9]*; echo $#; section df; df -PB1 2>/dev/null; true";

/// The sections [`METRICS_LINE`] always prints, in order.
pub const METRICS_SECTIONS: &[&str] =
    &["stat", "meminfo", "loadavg", "uptime", "netdev", "diskstats", "procs", "df"];

/// System metrics in one round trip, in sections.
pub fn metrics() -> Command {
    Command::sectioned("metrics", METRICS_LINE, DEFAULT_TIMEOUT)
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

/// The shell body of [`upgradable`]: the first package manager found prints its section
/// marker (`section <manager>`) and then its list of upgradable packages, from the local
/// package cache only (never `apt update`: no network, no root). Section `none` when there is
/// none.
///
/// - apt: `apt list --upgradable` (`name/suites version arch [upgradable from: old]`).
/// - dnf: `dnf` then `dnf -q check-update` (exit 100 when updates exist), then
///   `dnf-security` and `dnf -q updateinfo list --security` (advisory, severity, package).
/// - pacman: `checkupdates --nosync` when pacman-contrib is installed (`name old -> new`,
///   from the local sync database), else `pacman -Qu` (same format).
pub const UPGRADABLE_LINE: &str = "if command -v apt >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then \
     section apt; apt list --upgradable 2>/dev/null; \
     elif command -v dnf >/dev/null 2>&1; then \
     section dnf; dnf -q -C check-update 2>/dev/null; \
     section dnf-security; dnf -q -C updateinfo list --security 2>/dev/null; \
     elif command -v pacman >/dev/null 2>&1; then \
     section pacman; if command -v checkupdates >/dev/null 2>&1; then checkupdates --nosync 2>/dev/null; \
     else pacman -Qu 2>/dev/null; fi; \
     else section none; fi; true";

/// Upgradable packages of whichever package manager the device has, in one round trip.
pub fn upgradable() -> Command {
    Command::sectioned("upgradable", UPGRADABLE_LINE, DEFAULT_TIMEOUT)
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
        for section in METRICS_SECTIONS {
            assert!(METRICS_LINE.contains(&format!("section {section};")), "{section}");
        }
        for manager in ["apt", "dnf", "dnf-security", "pacman", "none"] {
            assert!(UPGRADABLE_LINE.contains(&format!("section {manager};")), "{manager}");
        }
        assert!(!METRICS_LINE.contains("@@") && !UPGRADABLE_LINE.contains("@@"));
    }

    #[test]
    fn sectioned_commands_carry_a_new_nonce_each_time() {
        let (a, b) = (metrics(), metrics());
        let nonce = a.section_nonce();
        assert_eq!(nonce.len(), 16, "{nonce}");
        assert_ne!(nonce, b.section_nonce());
        assert!(a.line.starts_with(&format!("N={nonce}; section() {{ printf ")), "{}", a.line);
        assert!(a.line.ends_with(METRICS_LINE));
        assert_eq!(upgradable().nonce.as_ref().map(String::len), Some(16));
        assert_eq!((sensors().nonce, sensors().section_nonce()), (None, ""));
    }
}
