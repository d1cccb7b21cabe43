//! Requests a device supervisor serves for the query facade: poll a probe now (through its own
//! poller), on-demand queries and checks (on the device's on-demand transport, in tasks of
//! their own so the supervisor keeps handling poll outcomes meanwhile).

use std::time::Duration;

use ractor::RpcReplyPort;
use serde::Serialize;

use super::outcome::PollReport;
use super::poller::PollerMsg;
use super::supervisor::DeviceSupervisorState;
use crate::capabilities;
use crate::command;
use crate::events::Capabilities;
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
}

/// What a check found.
#[derive(Debug, Clone, Serialize)]
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
        }
    }
}

impl DeviceSupervisorState {
    /// Serves one request without blocking the actor.
    pub(super) fn serve(&mut self, req: DeviceRequest) {
        match req {
            DeviceRequest::PollNow { probe, reply } => self.poll_now(&probe, reply),
            DeviceRequest::Query { query, reply } => {
                let t = self.args.ondemand.clone();
                tokio::spawn(async move {
                    let answer = match query {
                        Query::ContainerLogs(q) => ondemand::container_logs(t.as_ref(), &q)
                            .await
                            .map(Answer::ContainerLogs),
                        Query::Journal(q) => {
                            ondemand::journal(t.as_ref(), &q).await.map(Answer::Journal)
                        }
                        Query::DockerNetworks => {
                            ondemand::docker_networks(t.as_ref()).await.map(Answer::DockerNetworks)
                        }
                    };
                    let _ = reply.send(answer);
                });
            }
            DeviceRequest::Check { reply } => {
                let t = self.args.ondemand.clone();
                let deadline = self.args.settings.connect_timeout.saturating_mul(2);
                tokio::spawn(async move {
                    let check = async {
                        t.connect().await.map_err(|e| e.to_string())?;
                        let caps =
                            capabilities::detect(t.as_ref()).await.map_err(|e| e.to_string())?;
                        let started = tokio::time::Instant::now();
                        let noop =
                            command::Command { timeout: Duration::from_secs(5), ..command::noop() };
                        t.run(&noop).await.map_err(|e| e.to_string())?;
                        let rtt_ms = started.elapsed().as_secs_f64() * 1000.0;
                        Ok(CheckReport { transport: t.describe(), rtt_ms, capabilities: caps })
                    };
                    let result = tokio::time::timeout(deadline, check)
                        .await
                        .unwrap_or_else(|_| Err(format!("check timed out after {deadline:?}")));
                    let _ = reply.send(result);
                });
            }
        }
    }

    fn poll_now(&mut self, probe: &str, reply: RpcReplyPort<PollReport>) {
        let Some(slot) = self.args.slots.iter().find(|s| s.name == probe) else {
            let known: Vec<_> = self.args.slots.iter().map(|s| s.name).collect();
            let why = format!("no probe `{probe}` on this device (enabled: {})", known.join(", "));
            let _ = reply.send(PollReport::refused("unknown", &why));
            return;
        };
        let name = slot.name;
        if self.online != Some(true) {
            let _ = reply.send(PollReport::refused(name, "the device is offline"));
            return;
        }
        match self.pollers.get(name) {
            Some(p) => {
                if let Err(e) = p.cast(PollerMsg::PollNow(reply)) {
                    tracing::debug!(device = %self.device(), probe = name, error = %e, "poller gone");
                }
            }
            None => {
                let why = match slot.required_tool {
                    Some(tool) if self.capabilities.as_ref().is_some_and(|c| !c.has(tool)) => {
                        format!("probe `{name}` is skipped: `{tool}` was not found on the device")
                    }
                    _ => format!("probe `{name}` is restarting after a crash; try again shortly"),
                };
                let _ = reply.send(PollReport::refused(name, &why));
            }
        }
    }
}
