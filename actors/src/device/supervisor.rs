//! Device supervisor actor: owns one device's transport, detects its capabilities, runs its
//! poller actors, restarts them by policy, and decides when the device is offline or online.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef, SupervisionEvent};
use tokio::time::Instant;

use super::policy::jittered;
use super::poller::{Poller, PollerArgs, PollerMsg};
use super::slots::ProbeSlot;
use super::{DeviceSpec, FleetSettings};
use crate::bus::Bus;
use crate::capabilities;
use crate::events::{Capabilities, Event, EventKind};
use crate::transport::Transport;

/// Supervises one device.
pub struct DeviceSupervisor;

/// Messages of a [`DeviceSupervisor`].
pub enum DeviceSupervisorMsg {
    /// (Re)connect and detect capabilities; on success start or resume the pollers.
    Connect,
    /// A poller finished a poll.
    PollOutcome {
        /// Probe name.
        probe: &'static str,
        /// How it went.
        outcome: PollOutcome,
    },
    /// Start the poller of this probe again (scheduled by the restart policy).
    RestartPoller(&'static str),
}

/// How one poll went, as far as reachability is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// The device answered: resets the failure count.
    Ok,
    /// The device could not be reached (or refused us); counts towards offline.
    Unreachable(String),
    /// The device answered but the probe failed (a tool error): neither resets nor counts.
    Failed,
}

/// What a [`DeviceSupervisor`] is started with.
pub struct DeviceSupervisorArgs {
    /// The device.
    pub spec: DeviceSpec,
    /// Thresholds, timeouts and the restart policy.
    pub settings: FleetSettings,
    /// The device's transport, shared with its pollers.
    pub transport: Arc<dyn Transport>,
    /// Where events go.
    pub bus: Bus,
    /// The probes to run.
    pub slots: Vec<ProbeSlot>,
}

/// State of a running [`DeviceSupervisor`].
pub struct DeviceSupervisorState {
    args: DeviceSupervisorArgs,
    /// `None` until the first connection attempt settles it.
    online: Option<bool>,
    /// Consecutive unreachable polls or failed connection attempts.
    failures: u32,
    /// Reconnect attempts since the device went offline (drives the backoff).
    reconnect_attempt: u32,
    /// A `Connect` is scheduled or running; avoids piling them up.
    connect_pending: bool,
    /// Last detected capabilities.
    capabilities: Option<Capabilities>,
    /// Running pollers by probe name.
    pollers: HashMap<&'static str, ActorRef<PollerMsg>>,
    /// Probe name of each running poller's actor id, to route supervision events.
    by_id: HashMap<ActorId, &'static str>,
    /// Restart times inside the policy window, per probe.
    restarts: HashMap<&'static str, VecDeque<Instant>>,
    /// Probes whose poller waits out a restart delay; `reconcile` leaves them alone.
    restart_pending: HashSet<&'static str>,
}

impl Actor for DeviceSupervisor {
    type Msg = DeviceSupervisorMsg;
    type State = DeviceSupervisorState;
    type Arguments = DeviceSupervisorArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: DeviceSupervisorArgs,
    ) -> Result<Self::State, ActorProcessingErr> {
        myself.cast(DeviceSupervisorMsg::Connect)?;
        Ok(DeviceSupervisorState {
            args,
            online: None,
            failures: 0,
            reconnect_attempt: 0,
            connect_pending: true,
            capabilities: None,
            pollers: HashMap::new(),
            by_id: HashMap::new(),
            restarts: HashMap::new(),
            restart_pending: HashSet::new(),
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            DeviceSupervisorMsg::Connect => state.connect(&myself).await,
            DeviceSupervisorMsg::PollOutcome { outcome: PollOutcome::Ok, .. } => state.failures = 0,
            DeviceSupervisorMsg::PollOutcome { outcome: PollOutcome::Failed, .. } => {}
            DeviceSupervisorMsg::PollOutcome { probe, outcome: PollOutcome::Unreachable(err) } => {
                tracing::debug!(device = %state.args.spec.name, probe, error = %err, "device unreachable");
                state.failed(&myself, err).await;
            }
            DeviceSupervisorMsg::RestartPoller(name) => {
                state.restart_pending.remove(name);
                if state.online == Some(true) {
                    state.reconcile(&myself).await;
                }
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        let (cell, reason) = match event {
            SupervisionEvent::ActorFailed(cell, err) => (cell, err.to_string()),
            SupervisionEvent::ActorTerminated(cell, _, reason) => {
                (cell, reason.unwrap_or_else(|| "stopped".into()))
            }
            _ => return Ok(()),
        };
        let Some(name) = state.by_id.remove(&cell.get_id()) else { return Ok(()) };
        state.pollers.remove(name);
        state.schedule_restart(&myself, name, reason).await;
        Ok(())
    }
}

impl DeviceSupervisorState {
    fn device(&self) -> &str {
        &self.args.spec.name
    }

    async fn publish(&self, kind: EventKind) {
        let ev = Event::new(self.device().to_string(), chrono::Utc::now(), kind);
        self.args.bus.publish(ev).await;
    }

    async fn connect(&mut self, myself: &ActorRef<DeviceSupervisorMsg>) {
        self.connect_pending = false;
        let transport = self.args.transport.clone();
        let deadline = self.args.settings.connect_timeout * 2;
        let attempt = async {
            transport.connect().await.map_err(|e| e.to_string())?;
            capabilities::detect(transport.as_ref()).await.map_err(|e| e.to_string())
        };
        let result = match tokio::time::timeout(deadline, attempt).await {
            Ok(r) => r,
            Err(_) => Err(format!("connection attempt timed out after {deadline:?}")),
        };
        match result {
            Ok(caps) => {
                self.failures = 0;
                self.reconnect_attempt = 0;
                if self.online != Some(true) {
                    tracing::info!(device = %self.device(), "device online");
                    self.publish(EventKind::DeviceOnline { transport: transport.describe() }).await;
                }
                self.online = Some(true);
                if self.capabilities.as_ref() != Some(&caps) {
                    self.publish(EventKind::CapabilitiesDetected { capabilities: caps.clone() })
                        .await;
                    self.capabilities = Some(caps);
                    self.report_skipped().await;
                }
                self.reconcile(myself).await;
                for p in self.pollers.values() {
                    let _ = p.cast(PollerMsg::SetPaused(false));
                }
            }
            Err(err) => self.failed(myself, err).await,
        }
    }

    /// Counts a failure; at the threshold the device goes offline. Schedules a reconnect
    /// with jittered backoff whenever the device is not known to be online.
    async fn failed(&mut self, myself: &ActorRef<DeviceSupervisorMsg>, err: String) {
        self.failures += 1;
        let s = &self.args.settings;
        if self.failures >= s.offline_after && self.online != Some(false) {
            tracing::warn!(device = %self.device(), failures = self.failures, error = %err, "device offline");
            self.online = Some(false);
            self.publish(EventKind::DeviceOffline {
                consecutive_failures: self.failures,
                reason: err,
            })
            .await;
            for p in self.pollers.values() {
                let _ = p.cast(PollerMsg::SetPaused(true));
            }
            self.args.transport.disconnect().await;
        }
        if self.online != Some(true) && !self.connect_pending {
            let delay = jittered(s.reconnect_min, s.reconnect_max, self.reconnect_attempt);
            self.reconnect_attempt = self.reconnect_attempt.saturating_add(1);
            self.connect_pending = true;
            myself.send_after(delay, || DeviceSupervisorMsg::Connect);
        }
    }

    async fn report_skipped(&self) {
        let Some(caps) = &self.capabilities else { return };
        for slot in &self.args.slots {
            if let Some(tool) = slot.required_tool.filter(|t| !caps.has(t)) {
                let reason = format!("`{tool}` was not found on the device");
                tracing::info!(device = %self.device(), probe = slot.name, %reason, "probe skipped");
                self.publish(EventKind::ProbeSkipped { probe: slot.name.into(), reason }).await;
            }
        }
    }

    /// Starts a poller for every slot whose tool exists and that is not running or waiting
    /// for a policy restart; stops pollers whose tool disappeared.
    async fn reconcile(&mut self, myself: &ActorRef<DeviceSupervisorMsg>) {
        let caps = self.capabilities.clone().unwrap_or_default();
        for slot in self.args.slots.clone() {
            let available = slot.required_tool.is_none_or(|t| caps.has(t));
            if self.restart_pending.contains(slot.name) {
                continue;
            }
            match (self.pollers.get(slot.name).cloned(), available) {
                (None, true) => self.spawn(myself, &slot).await,
                (Some(p), false) => {
                    // Forget it first so its termination is not taken for a crash.
                    self.pollers.remove(slot.name);
                    self.by_id.remove(&p.get_id());
                    p.stop(Some("tool disappeared".into()));
                }
                _ => {}
            }
        }
    }

    async fn spawn(&mut self, myself: &ActorRef<DeviceSupervisorMsg>, slot: &ProbeSlot) {
        let args = PollerArgs {
            device: self.device().to_string(),
            probe: (slot.make)(),
            interval: slot.settings.interval,
            transport: self.args.transport.clone(),
            bus: self.args.bus.clone(),
            supervisor: myself.clone(),
            sudo: self.args.spec.sudo,
            paused: self.online != Some(true),
            command_timeout: self.args.settings.command_timeout,
        };
        match Actor::spawn_linked(None, Poller, args, myself.get_cell()).await {
            Ok((poller, _)) => {
                self.by_id.insert(poller.get_id(), slot.name);
                self.pollers.insert(slot.name, poller);
            }
            Err(e) => {
                tracing::error!(device = %self.device(), probe = slot.name, error = %e, "cannot start poller");
            }
        }
    }

    async fn schedule_restart(
        &mut self,
        myself: &ActorRef<DeviceSupervisorMsg>,
        name: &'static str,
        reason: String,
    ) {
        let policy = self.args.settings.restart;
        let now = Instant::now();
        let window = self.restarts.entry(name).or_default();
        while window.front().is_some_and(|t| now.duration_since(*t) > policy.window) {
            window.pop_front();
        }
        let used = window.len() as u32;
        let delay = if used < policy.max_restarts {
            window.push_back(now);
            tracing::warn!(device = %self.device(), probe = name, %reason, "poller crashed; restarting");
            self.publish(EventKind::PollerRestarted {
                probe: name.into(),
                restarts_in_window: used + 1,
                reason,
            })
            .await;
            policy.delay(used)
        } else {
            let error = format!(
                "poller crashed {used} times within {:?} ({reason}); next attempt in {:?}",
                policy.window, policy.window
            );
            tracing::error!(device = %self.device(), probe = name, %error, "restart budget exhausted");
            self.publish(EventKind::ProbeFailed { probe: name.into(), error }).await;
            policy.window
        };
        self.restart_pending.insert(name);
        myself.send_after(delay, move || DeviceSupervisorMsg::RestartPoller(name));
    }
}
