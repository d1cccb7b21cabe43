//! Replay for a client that resumes (`since`): stored events after the cursor, page by page
//! through the facade, until the barrier (the last event the fan-out delivered before the
//! client's filter took effect) is passed and the store has nothing newer. Everything after
//! the barrier is in the client's live queue, so replay then live has no gap; the client
//! skips the live copies of replayed events, so there is no duplicate.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use uuid::Uuid;

use super::Filter;
use crate::api::{ApiError, FleetHandle};
use crate::events::Event;

/// Events read from the store per page.
const PAGE: usize = 500;
/// How long a replay waits for the writer to store the barrier (it lingers 250 ms per batch).
const BARRIER_WAIT: Duration = Duration::from_secs(5);
/// How often the store is asked again while waiting for the barrier.
const RECHECK: Duration = Duration::from_millis(50);

/// A replay in progress.
pub struct Replay {
    cursor: Uuid,
    barrier: Option<Uuid>,
    reached: bool,
    /// Whether the store held the cursor.
    started: bool,
    done: bool,
    deadline: Instant,
    filter: Filter,
}

impl Replay {
    /// Replays the events matching `filter` stored after `since`, up to `barrier` and beyond.
    pub fn new(since: Uuid, barrier: Option<Uuid>, filter: Filter) -> Self {
        Self {
            cursor: since,
            reached: barrier.is_none_or(|b| b == since),
            barrier,
            started: false,
            done: false,
            deadline: Instant::now() + BARRIER_WAIT,
            filter,
        }
    }

    /// Whether the replay reached the live stream's start (false when it gave up waiting for
    /// the store, e.g. while the database is unreachable: events may be missing).
    pub fn complete(&self) -> bool {
        self.reached
    }

    /// The next page of matching events (possibly empty); `None` once the replay is over. An
    /// id the store does not hold is `Invalid`; without a store, `Unavailable`.
    pub async fn next(&mut self, fleet: &FleetHandle) -> Result<Option<Vec<Arc<Event>>>, ApiError> {
        loop {
            if self.done {
                return Ok(None);
            }
            let page = match fleet.stored_after(Some(self.cursor), PAGE).await {
                Ok(page) => page,
                // A cursor just delivered live may not be written yet (the writer batches):
                // wait for it as for the barrier, then say it is unknown.
                Err(ApiError::Invalid(_)) if !self.started && Instant::now() < self.deadline => {
                    tokio::time::sleep(RECHECK).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            self.started = true;
            if let Some(last) = page.last() {
                self.cursor = last.id;
            }
            self.reached |= page.iter().any(|e| Some(e.id) == self.barrier);
            let full = page.len() == PAGE;
            let matched: Vec<_> = page.into_iter().filter(|e| self.filter.matches(e)).collect();
            if full {
                return Ok(Some(matched));
            }
            if self.reached || Instant::now() >= self.deadline {
                if !self.reached {
                    tracing::warn!(barrier = ?self.barrier, "replay ended before the store held the live stream's start");
                }
                self.done = true;
                return Ok(Some(matched));
            }
            if !matched.is_empty() {
                return Ok(Some(matched));
            }
            // The writer has not stored the barrier yet: ask again shortly.
            tokio::time::sleep(RECHECK).await;
        }
    }
}
