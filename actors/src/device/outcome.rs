//! What one poll produced and how it counts for the device's reachability; the sink through
//! which a poller reports it (so pollers know nothing of their supervisor).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::events::Event;

/// Receives `(probe, connection generation, outcome)` after every poll.
pub type OutcomeSink = Arc<dyn Fn(&'static str, u64, PollOutcome) + Send + Sync>;

/// How one poll went, as far as reachability is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// The device answered: resets the failure count.
    Ok,
    /// The device could not be reached (or refused us); counts towards offline.
    Unreachable(String),
    /// The device answered but the probe failed (a tool error or a hung tool): neither resets
    /// nor counts.
    Failed,
}

/// The result of one poll, as told to the supervisor and to "poll now" callers.
#[derive(Debug, Clone)]
pub struct PollReport {
    /// Probe name.
    pub probe: &'static str,
    /// Connection generation the poll started under.
    pub generation: u64,
    /// When the poll started (every event of the poll carries it).
    pub observed_at: DateTime<Utc>,
    /// The events the poll published, in order.
    pub events: Vec<Arc<Event>>,
    /// Why the poll failed, if it did.
    pub error: Option<String>,
    /// The failure means the device cannot be reached.
    pub unreachable: bool,
    /// A command hung (killed on the device, or no answer while the device still answered a
    /// liveness check).
    pub hung: bool,
    /// The poll ran (`false`: refused, e.g. the device is offline or the probe unknown).
    pub ran: bool,
}

impl PollReport {
    /// A poll that was not run, with the reason.
    pub fn refused(probe: &'static str, why: &str) -> Self {
        Self {
            probe,
            generation: 0,
            observed_at: Utc::now(),
            events: Vec::new(),
            error: Some(why.to_string()),
            unreachable: false,
            hung: false,
            ran: false,
        }
    }
}

/// The reachability outcome of a report.
pub fn classify(report: &PollReport) -> PollOutcome {
    match &report.error {
        None => PollOutcome::Ok,
        Some(e) if report.unreachable => PollOutcome::Unreachable(e.clone()),
        Some(_) => PollOutcome::Failed,
    }
}
