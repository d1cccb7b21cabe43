//! History: what changed on a device or the fleet since a time, the change events grouped by
//! device and type, newest first.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::api::{ApiError, FleetHandle};
use crate::events::Event;
use crate::store::{MAX_PAGE, TimelineQuery};

/// Most example events kept per group.
const EXAMPLES: usize = 3;

/// Change events of one device and type.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ChangeGroup {
    /// The device.
    pub device: String,
    /// Event type, e.g. `ContainerDied`.
    pub kind: String,
    /// How many.
    pub count: usize,
    /// The newest one's time.
    pub newest_at: DateTime<Utc>,
    /// The oldest one's time.
    pub oldest_at: DateTime<Utc>,
    /// The newest few, newest first.
    pub examples: Vec<Event>,
}

/// What changed since a time.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Changes {
    /// The start of the window.
    pub since: DateTime<Utc>,
    /// Change events in the window (at most 1000 are read; see `truncated`).
    pub total: usize,
    /// Whether older events in the window were not read.
    pub truncated: bool,
    /// Groups, the newest activity first.
    pub groups: Vec<ChangeGroup>,
    /// One line per group, for a quick read.
    pub summary: Vec<String>,
}

impl FleetHandle {
    /// Change events of `device` (or the fleet) since `since`, grouped and summarised,
    /// newest first.
    pub async fn what_changed(
        &self,
        device: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<Changes, ApiError> {
        if let Some(d) = device
            && !self.snapshot().devices.contains_key(d)
        {
            return Err(super::unknown_device(d, &self.snapshot()));
        }
        if since >= Utc::now() {
            return Err(ApiError::Invalid(format!("since ({since}) is not in the past")));
        }
        let q = TimelineQuery {
            devices: device.map(|d| vec![d.to_string()]).unwrap_or_default(),
            from: Some(since),
            limit: MAX_PAGE,
            ..Default::default()
        };
        let (events, truncated): (Vec<Event>, bool) = match self.store() {
            Ok(store) => {
                let page = store.timeline(&q).await?;
                let cut = page.older.is_some();
                (page.events, cut)
            }
            Err(_) => {
                let recent = self.newest_events(device, MAX_PAGE);
                let cut = recent.len() >= MAX_PAGE;
                let events =
                    recent.into_iter().filter(|e| e.observed_at >= since).map(|e| (*e).clone());
                (events.collect(), cut)
            }
        };
        let total = events.len();
        let mut groups: BTreeMap<(String, String), ChangeGroup> = BTreeMap::new();
        for ev in events.into_iter().rev() {
            let key = (ev.device.clone(), ev.kind.type_name().to_string());
            let g = groups.entry(key.clone()).or_insert_with(|| ChangeGroup {
                device: key.0,
                kind: key.1,
                count: 0,
                newest_at: ev.observed_at,
                oldest_at: ev.observed_at,
                examples: Vec::new(),
            });
            g.count += 1;
            g.oldest_at = g.oldest_at.min(ev.observed_at);
            g.newest_at = g.newest_at.max(ev.observed_at);
            if g.examples.len() < EXAMPLES {
                g.examples.push(ev);
            }
        }
        let mut groups: Vec<ChangeGroup> = groups.into_values().collect();
        groups.sort_by_key(|g| std::cmp::Reverse(g.newest_at));
        let summary = groups
            .iter()
            .map(|g| {
                format!(
                    "{}: {} × {} (latest {})",
                    g.device,
                    g.count,
                    g.kind,
                    g.newest_at.to_rfc3339()
                )
            })
            .collect();
        Ok(Changes { since, total, truncated, groups, summary })
    }
}
