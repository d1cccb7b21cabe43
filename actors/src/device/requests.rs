//! Requests a device supervisor serves for the query facade (poll a probe now, on-demand
//! queries, checks), their answers, and how a request is refused without running anything.

use ractor::RpcReplyPort;
use serde::Serialize;

use super::outcome::PollReport;
use crate::model::capabilities::Capabilities;
use crate::ondemand::{self, ContainerLogsQuery, JournalQuery, QueryError};

/// A request for one device.
pub enum DeviceRequest {
    /// Poll `probe` now (sharing an in-flight poll) and reply with its report.
    PollNow {
        /// Probe name.
        probe: String,
        /// Gets the report (its `error` says why when the poll could not run).
        reply: RpcReplyPort<PollReport>,
    },
    /// Run an on-demand query.
    Query {
        /// What to run.
        query: Query,
        /// Gets the answer.
        reply: RpcReplyPort<Result<Answer, QueryError>>,
    },
    /// Publish an event about this device (a recorded action or setting), then reply.
    Record {
        /// What to publish (boxed: an event is large beside the other requests).
        kind: Box<crate::events::EventKind>,
        /// Told once it is on the bus.
        reply: RpcReplyPort<()>,
    },
    /// Connect (on the on-demand transport), detect tools and time a round trip.
    Check {
        /// Gets the report or the reason it failed.
        reply: RpcReplyPort<Result<CheckReport, String>>,
    },
}

/// An on-demand query.
#[derive(Debug, Clone)]
pub enum Query {
    /// `docker logs` of one container.
    ContainerLogs(ContainerLogsQuery),
    /// The systemd journal.
    Journal(JournalQuery),
    /// `docker network ls`.
    DockerNetworks,
    /// `docker start|stop|restart`.
    ContainerAction {
        /// What to do.
        verb: crate::command::ondemand::ContainerVerb,
        /// Container name or id (validated before anything runs).
        container: String,
    },
}

/// The answer to a [`Query`].
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// Container log lines.
    ContainerLogs(ondemand::LogsResult),
    /// Journal entries.
    Journal(ondemand::JournalResult),
    /// Docker networks.
    DockerNetworks(Vec<ondemand::Network>),
    /// Docker's answer to an action (the container's name or id).
    ContainerAction(String),
}

/// What a check found.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CheckReport {
    /// `ssh user@host:port` or `local`.
    pub transport: String,
    /// Round trip of a trivial command on the established session, in milliseconds.
    pub rtt_ms: f64,
    /// Detected tools.
    pub capabilities: Capabilities,
}

impl DeviceRequest {
    /// Answers the request with `why` without running anything (no such device, stopping).
    pub fn reject(self, why: &str) {
        match self {
            Self::PollNow { probe, reply } => {
                let mut report = PollReport::refused("unknown", why);
                report.error = Some(format!("{why} (probe `{probe}`)"));
                let _ = reply.send(report);
            }
            Self::Query { reply, .. } => {
                let _ = reply.send(Err(QueryError::Unavailable(why.to_string())));
            }
            Self::Check { reply } => {
                let _ = reply.send(Err(why.to_string()));
            }
            // Nothing to refuse: a record for a device that is gone is dropped.
            Self::Record { reply, .. } => drop(reply),
        }
    }
}
