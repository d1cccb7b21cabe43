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
