//! Process measurements for benches: CPU time and RSS from `/proc/self`, and percentiles.

use std::time::Duration;

/// User + system CPU time of this process so far.
pub fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)`; utime and stime are fields 14 and 15 (1-based).
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    // Indexes into `fields` start at field 3 (state).
    let total = ticks(11) + ticks(12);
    let hz = 100; // USER_HZ on Linux.
    Duration::from_millis(total * 1000 / hz)
}

/// Resident set size of this process, in bytes.
pub fn rss_bytes() -> u64 {
    rss_of("self")
}

/// `VmRSS` of `/proc/<pid>` (`self` or a number), in bytes (0 when gone).
pub fn rss_of(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

/// The `p`-th percentile (0–100) of `samples` (sorted in place); zero when empty.
pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort();
    let rank = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[rank.min(samples.len() - 1)]
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
