//! Restart policy for crashed poller actors: a budget of restarts per window, with backoff.

use std::time::Duration;

/// How a device supervisor restarts a poller that crashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartPolicy {
    /// Restarts allowed inside `window` before the poller is given up (default 5).
    pub max_restarts: u32,
    /// Sliding window for `max_restarts` (default 60 s).
    pub window: Duration,
    /// Delay before the first restart (default 1 s), doubled per restart in the window.
    pub backoff_min: Duration,
    /// Longest delay before a restart (default 30 s).
    pub backoff_max: Duration,
}

impl Default for RestartPolicy {
    fn default() -> Self {
        Self {
            max_restarts: 5,
            window: Duration::from_secs(60),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
        }
    }
}

impl RestartPolicy {
    /// Delay before restart number `n` (0-based) inside the window: exponential, capped.
    pub fn delay(&self, n: u32) -> Duration {
        exponential(self.backoff_min, self.backoff_max, n)
    }
}

/// `min * 2^n`, capped at `max`.
pub fn exponential(min: Duration, max: Duration, n: u32) -> Duration {
    min.saturating_mul(1u32.checked_shl(n.min(31)).unwrap_or(u32::MAX)).min(max)
}

/// `exponential(min, max, n)` scaled by a random factor in [0.5, 1.0), so that devices that
/// failed together do not reconnect in lockstep.
pub fn jittered(min: Duration, max: Duration, n: u32) -> Duration {
    exponential(min, max, n).mul_f64(0.5 + fastrand::f64() / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RestartPolicy::default();
        assert_eq!(p.delay(0), Duration::from_secs(1));
        assert_eq!(p.delay(3), Duration::from_secs(8));
        assert_eq!(p.delay(10), Duration::from_secs(30));
        assert_eq!(p.delay(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn jitter_stays_within_half_to_full_delay() {
        for n in 0..20 {
            let d = jittered(Duration::from_secs(1), Duration::from_secs(300), n);
            let full = exponential(Duration::from_secs(1), Duration::from_secs(300), n);
            assert!(d >= full / 2 && d < full, "{d:?} vs {full:?}");
        }
    }
}
