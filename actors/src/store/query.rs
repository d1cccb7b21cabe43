//! The store's query arguments and answers, the same on every engine: the event timeline
//! (filters and an event-id cursor in both directions) and the retention settings (the
//! time-series query is in `samples::query`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::error::StoreError;
use crate::events::Event;

/// A point in time.
pub type Time = DateTime<Utc>;

/// Most events one timeline page may hold.
pub const MAX_PAGE: usize = 1_000;

/// Where a timeline page starts, by event id (events are ordered as the bus delivered them,
/// which is the order the writer stored them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cursor {
    /// The events stored after this one, oldest first (the next newer page).
    After(Uuid),
    /// The events stored before this one (the next older page).
    Before(Uuid),
    /// The oldest events, oldest first (the first page of an export).
    First,
}

/// A filtered slice of the event timeline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimelineQuery {
    /// Only these devices (empty: every device).
    pub devices: Vec<String>,
    /// Only these event types, e.g. `ContainerDied` (empty: every type, see `samples`).
    pub kinds: Vec<String>,
    /// Whether sample events (`…Sampled`) are included when `kinds` is empty.
    pub samples: bool,
    /// Only events observed at or after this time.
    pub from: Option<Time>,
    /// Only events observed before this time.
    pub to: Option<Time>,
    /// Where to start; `None`: the newest page.
    pub cursor: Option<Cursor>,
    /// Most events in the page (1 ..= `MAX_PAGE`).
    pub limit: usize,
}

impl TimelineQuery {
    /// Checks the arguments: a limit in range, a time range that is not reversed, known
    /// event types.
    pub fn validate(&self) -> Result<(), StoreError> {
        if self.limit == 0 || self.limit > MAX_PAGE {
            return Err(StoreError::Invalid(format!(
                "limit must be between 1 and {MAX_PAGE}, not {}",
                self.limit
            )));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from >= to
        {
            return Err(StoreError::Invalid(format!(
                "the time range is empty: from {from} is not before to {to}"
            )));
        }
        if let Some(bad) = self.kinds.iter().find(|k| !crate::events::is_known_type(k)) {
            return Err(StoreError::Invalid(format!("unknown event type {bad:?}")));
        }
        Ok(())
    }
}

/// One page of the timeline, oldest first, with the cursors to its neighbours.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// The events, oldest first.
    pub events: Vec<Event>,
    /// Pass as `Cursor::Before` for the next older page; `None` when there is none.
    pub older: Option<Uuid>,
    /// Pass as `Cursor::After` for the next newer page; `None` when there was none when
    /// this page was read.
    pub newer: Option<Uuid>,
}

impl Page {
    /// Builds a page from its events (oldest first) and whether more lay beyond its far end.
    pub(crate) fn build(events: Vec<Event>, cursor: Option<Cursor>, more: bool) -> Page {
        let (first, last) = (events.first().map(|e| e.id), events.last().map(|e| e.id));
        let (older, newer) = match cursor {
            // Read backwards from the newest (or from a `Before` cursor): `more` is about older
            // events; newer ones exist only past a `Before` cursor.
            None => (first.filter(|_| more), None),
            Some(Cursor::Before(id)) => (first.filter(|_| more), last.or(Some(id))),
            // Read forwards from an `After` cursor: `more` is about newer events.
            Some(Cursor::After(id)) => (first.or(Some(id)), last.filter(|_| more)),
            Some(Cursor::First) => (None, last.filter(|_| more)),
        };
        Page { events, older, newer }
    }
}

/// How long each kind of stored data is kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retention {
    /// Sample events (`…Sampled`) in full (default 48 h, the replay window).
    pub sample_events: std::time::Duration,
    /// Change events (default 1 year).
    pub change_events: std::time::Duration,
    /// Raw samples of load metrics in the typed sample tables (default 30 days).
    pub raw_samples: std::time::Duration,
    /// Hourly and daily rollups of every metric (default 1 year).
    pub rollups: std::time::Duration,
    /// Raw samples of health metrics, `drive.*` and `pool.*` (default 1 year).
    pub health: std::time::Duration,
}

impl Default for Retention {
    fn default() -> Self {
        const DAY: u64 = 24 * 3600;
        Self {
            sample_events: std::time::Duration::from_secs(48 * 3600),
            change_events: std::time::Duration::from_secs(365 * DAY),
            raw_samples: std::time::Duration::from_secs(30 * DAY),
            rollups: std::time::Duration::from_secs(365 * DAY),
            health: std::time::Duration::from_secs(365 * DAY),
        }
    }
}

impl Retention {
    /// The oldest time kept for a retention of `keep`, as of `now`.
    pub fn cutoff(now: Time, keep: std::time::Duration) -> Time {
        now - chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX)
    }
}
