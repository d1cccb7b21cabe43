//! Restart-loop detection: a container restarted at least [`LOOP_RESTARTS`] times within
//! [`LOOP_WINDOW_SECS`] seconds is reported once per episode.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::events::EventKind;
use crate::model::containers::Container;

/// Restarts inside the window that make a loop.
pub const LOOP_RESTARTS: u64 = 3;
/// The window, seconds.
pub const LOOP_WINDOW_SECS: u64 = 300;

/// Per-container restart history.
#[derive(Debug, Default)]
pub struct RestartTracker {
    by_id: HashMap<String, History>,
}

#[derive(Debug, Default)]
struct History {
    /// `(poll time, restarts seen at that poll)`, oldest first, inside the window.
    restarts: VecDeque<(DateTime<Utc>, u64)>,
    /// A loop was reported and the container has not been quiet for a whole window since.
    in_loop: bool,
}

impl RestartTracker {
    /// Records the restarts between `previous` and `current` (from the inspect restart count,
    /// or the `ContainerRestarted` events in `changes` when the count is unknown) and returns
    /// a `ContainerRestartLoopDetected` for each container that just entered a loop.
    ///
    /// An episode ends once a whole window passes without restarts.
    pub fn observe(
        &mut self,
        previous: &[Container],
        current: &[Container],
        changes: &[EventKind],
        at: DateTime<Utc>,
    ) -> Vec<EventKind> {
        let prev: HashMap<&str, &Container> = previous.iter().map(|c| (c.id.as_str(), c)).collect();
        self.by_id.retain(|id, _| current.iter().any(|c| &c.id == id));
        let mut events = Vec::new();
        for cur in current {
            let counted = prev.get(cur.id.as_str()).and_then(|p| {
                let before = p.inspect.as_ref()?.restart_count?;
                let now = cur.inspect.as_ref()?.restart_count?;
                Some(now.saturating_sub(before))
            });
            let seen = changes.iter().find_map(|e| match e {
                EventKind::ContainerRestarted { container, restarts } if container.id == cur.id => {
                    Some(*restarts)
                }
                _ => None,
            });
            let n = counted.unwrap_or(0).max(seen.unwrap_or(0));
            let history = self.by_id.entry(cur.id.clone()).or_default();
            if n > 0 {
                history.restarts.push_back((at, n));
            }
            let window = chrono::Duration::seconds(LOOP_WINDOW_SECS as i64);
            while history.restarts.front().is_some_and(|(t, _)| at - *t > window) {
                history.restarts.pop_front();
            }
            let total: u64 = history.restarts.iter().map(|(_, n)| n).sum();
            if total == 0 {
                history.in_loop = false;
            } else if total >= LOOP_RESTARTS && !history.in_loop {
                history.in_loop = true;
                events.push(EventKind::ContainerRestartLoopDetected {
                    container: cur.to_ref(),
                    restarts: total,
                    window_secs: LOOP_WINDOW_SECS,
                });
            }
        }
        events
    }
}
