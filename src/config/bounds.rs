//! Allowed ranges of every numeric and duration setting, checked when the file is resolved so
//! an absurd value is a config error with file:line, never an overflow later on.
//!
//! The same numbers are documented in `config/infrastructor.example.toml` and the README.

use std::time::Duration;

use super::duration::format_duration;

/// An inclusive range of durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Shortest allowed value.
    pub min: Duration,
    /// Longest allowed value.
    pub max: Duration,
}

const fn secs(min: u64, max: u64) -> Span {
    Span { min: Duration::from_secs(min), max: Duration::from_secs(max) }
}

const HOUR: u64 = 3600;
const DAY: u64 = 86_400;

/// `retention.sample_events`: 1 h to 30 d.
pub const RETENTION_SAMPLE_EVENTS: Span = secs(HOUR, 30 * DAY);
/// `retention.change_events`, `raw_samples`, `rollups`, `health`: 1 d to 10 years.
pub const RETENTION: Span = secs(DAY, 3650 * DAY);

/// `fleet.connect_timeout`: 1 s to 1 h.
pub const CONNECT_TIMEOUT: Span = secs(1, HOUR);
/// `fleet.command_timeout`: 1 s to 1 h.
pub const COMMAND_TIMEOUT: Span = secs(1, HOUR);
/// `fleet.keepalive`: 1 s to 1 h.
pub const KEEPALIVE: Span = secs(1, HOUR);
/// `fleet.reconnect_min`: 1 s to 1 h.
pub const RECONNECT_MIN: Span = secs(1, HOUR);
/// `fleet.reconnect_max`: 1 s to 1 d.
pub const RECONNECT_MAX: Span = secs(1, DAY);
/// `fleet.restart.window`: 1 s to 1 d.
pub const RESTART_WINDOW: Span = secs(1, DAY);
/// `fleet.restart.backoff_min` and `backoff_max`: 1 s to 1 h.
pub const RESTART_BACKOFF: Span = secs(1, HOUR);
/// Every `probes.<name>.interval`: 1 s to 7 d.
pub const PROBE_INTERVAL: Span = secs(1, 7 * DAY);

/// Every `backups[].max_age`: 1 min to 365 d.
pub const BACKUP_MAX_AGE: Span = secs(60, 365 * DAY);
/// Every `backups[].check_interval` (restic): 1 h to 365 d.
pub const BACKUP_CHECK_INTERVAL: Span = secs(HOUR, 365 * DAY);

/// `fleet.offline_after`: consecutive failed polls, 1 to 100.
pub const OFFLINE_AFTER: (i64, i64) = (1, 100);
/// `fleet.max_channels`: 1 to 8: the pollers' channels, plus one reserved for quick reads and
/// one for liveness checks, within OpenSSH's default `MaxSessions` of 10.
pub const MAX_CHANNELS: (i64, i64) = (1, 8);
/// `fleet.restart.max_restarts`: 0 (every restart waits a whole window) to 100.
pub const MAX_RESTARTS: (i64, i64) = (0, 100);

impl Span {
    /// `None` if `d` is inside, else the message for the operator (`got` is the text as written).
    pub fn check(&self, d: Duration, got: &str) -> Option<String> {
        let range =
            format!("between {} and {}", format_duration(self.min), format_duration(self.max));
        if d.is_zero() {
            Some(format!("must be more than zero ({range})"))
        } else if d < self.min || d > self.max {
            Some(format!("must be {range}, got \"{got}\""))
        } else {
            None
        }
    }

    /// The message for a value too long to even represent.
    pub fn too_long(&self, got: &str) -> String {
        format!("must be at most {}, got \"{got}\"", format_duration(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_range() {
        let s = CONNECT_TIMEOUT;
        assert_eq!(s.check(Duration::from_secs(5), "5s"), None);
        assert_eq!(s.check(s.min, "1s"), None);
        assert_eq!(s.check(s.max, "1h"), None);
        assert_eq!(
            s.check(Duration::from_millis(500), "500ms").unwrap(),
            "must be between 1s and 1h, got \"500ms\""
        );
        assert_eq!(
            s.check(Duration::ZERO, "0s").unwrap(),
            "must be more than zero (between 1s and 1h)"
        );
        assert_eq!(
            PROBE_INTERVAL.too_long("99999999999999999999d"),
            "must be at most 7d, got \"99999999999999999999d\""
        );
    }
}
