//! How a device supervisor serves requests: poll a probe now (through its own poller),
//! on-demand queries and checks (on the device's on-demand transport, in tasks of their own so
//! the supervisor keeps handling poll outcomes meanwhile).

use std::time::Duration;

use ractor::RpcReplyPort;

use super::outcome::PollReport;
use super::poller::PollerMsg;
use super::requests::{Answer, CheckReport, DeviceRequest, Query};
use super::supervisor::DeviceSupervisorState;
use crate::capabilities;
use crate::command;
use crate::ondemand;

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
                        Query::ContainerAction { verb, container } => {
                            ondemand::container_action(t.as_ref(), verb, &container)
                                .await
                                .map(Answer::ContainerAction)
                        }
                    };
                    let _ = reply.send(answer);
                });
            }
            DeviceRequest::Record { kind, reply } => {
                let (bus, device) = (self.args.bus.clone(), self.device().to_string());
                tokio::spawn(async move {
                    bus.publish(crate::events::Event::new(device, chrono::Utc::now(), *kind)).await;
                    let _ = reply.send(());
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
