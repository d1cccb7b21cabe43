//! Device supervisor actor: owns one device's transports, detects its capabilities, runs its
//! poller actors (restarted by policy), decides when the device is offline or online, and
//! serves the requests the query facade routes to the device.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef, SupervisionEvent};
use tokio::time::Instant;

use super::budget::ChannelBudget;
use super::outcome::PollOutcome;
use super::policy::jittered;
use super::poller::PollerMsg;
use super::requests::DeviceRequest;
use super::slots::{LastSample, ProbeSlot};
use super::{DeviceSpec, FleetSettings};
use crate::bus::Bus;
use crate::capabilities;
use crate::events::{Event, EventKind};
use crate::model::capabilities::Capabilities;
use crate::transport::Transport;

/// How often an offline device is knocked on (a TCP connect and the SSH banner) between
/// its backed-off full reconnects, so a device that answers again is back within seconds.
pub const KNOCK_EVERY: Duration = Duration::from_secs(5);

/// Supervises one device.
pub struct DeviceSupervisor;

/// Messages of a [`DeviceSupervisor`].
pub enum DeviceSupervisorMsg {
    /// (Re)connect and detect capabilities; on success start or resume the pollers. Only the
    /// newest scheduled attempt (by token) runs; superseded ones are ignored.
    Connect(u64),
    /// A poller finished a poll.
    Outcome {
        /// Probe name.
        probe: &'static str,
        /// Connection generation the poll started under; stale ones are ignored.
        generation: u64,
        /// How it went.
        outcome: PollOutcome,
    },
    /// Start the poller of this probe again (scheduled by the restart policy).
    RestartPoller(&'static str),
    /// While offline: knock on the device's port.
    Knock,
    /// The answer to a knock.
    Knocked(bool),
    /// A request routed by the fleet (poll now, on-demand queries, check).
    Request(DeviceRequest),
}

/// What a [`DeviceSupervisor`] is started with.
pub struct DeviceSupervisorArgs {
    /// The device.
    pub spec: DeviceSpec,
    /// Thresholds, timeouts and the restart policy.
    pub settings: FleetSettings,
    /// The pollers' transport (one session, `max_channels` + the quick-read channel).
    pub transport: Arc<dyn Transport>,
    /// A transport of its own for on-demand queries and checks (a small channel budget, its
    /// own session), so they never disturb the pollers' session or counters.
    pub ondemand: Arc<dyn Transport>,
    /// Where events go.
    pub bus: Bus,
    /// The probes to run.
    pub slots: Vec<ProbeSlot>,
    /// The newest sample of each probe, which every probe built is resumed from.
    pub last_sample: LastSample,
}

/// State of a running [`DeviceSupervisor`].
pub struct DeviceSupervisorState {
    pub(super) args: DeviceSupervisorArgs,
    /// `None` until the first connection attempt settles it.
    pub(super) online: Option<bool>,
    /// Consecutive unreachable polls or failed connection attempts of this generation.
    failures: u32,
    /// Bumped when the device goes offline and when it connects: outcomes of polls started
    /// under another generation neither count nor reset.
    pub(super) generation: Arc<AtomicU64>,
    /// The pollers' channel budget.
    pub(super) budget: Arc<ChannelBudget>,
    /// Reconnect attempts since the device went offline (drives the backoff).
    reconnect_attempt: u32,
    /// A `Connect` is scheduled or running; avoids piling them up.
    connect_pending: bool,
    /// Token of the newest scheduled `Connect`.
    connect_token: u64,
    /// The last knock's answer while offline; a knock that turns true reconnects at once.
    knock_ok: bool,
    /// A `Knock` is scheduled or running.
    knock_pending: bool,
    /// Last detected capabilities.
    pub(super) capabilities: Option<Capabilities>,
    /// Running pollers by probe name.
    pub(super) pollers: HashMap<&'static str, ActorRef<PollerMsg>>,
    /// Probe name of each running poller's actor id, to route supervision events.
    pub(super) by_id: HashMap<ActorId, &'static str>,
    /// Restart times inside the policy window, per probe.
    pub(super) restarts: HashMap<&'static str, VecDeque<Instant>>,
    /// Probes whose poller waits out a restart delay; `reconcile` leaves them alone.
    pub(super) restart_pending: HashSet<&'static str>,
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
        myself.cast(DeviceSupervisorMsg::Connect(0))?;
        Ok(DeviceSupervisorState {
            budget: Arc::new(ChannelBudget::new(args.settings.max_channels)),
            args,
            online: None,
            failures: 0,
            generation: Arc::new(AtomicU64::new(0)),
            reconnect_attempt: 0,
            connect_pending: true,
            connect_token: 0,
            knock_ok: false,
            knock_pending: false,
            capabilities: None,
            pollers: HashMap::new(),
            by_id: HashMap::new(),
            restarts: HashMap::new(),
            restart_pending: HashSet::new(),
        })
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        // Stop the pollers before we count as stopped, so a device removed and added again
        // never has two sets of pollers on one device.
        state.by_id.clear();
        for (_, p) in state.pollers.drain() {
            let _ =
                p.stop_and_wait(Some("device stopped".into()), Some(Duration::from_secs(5))).await;
        }
        state.args.transport.disconnect().await;
        state.args.ondemand.disconnect().await;
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: Self::Msg,
        state: &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            DeviceSupervisorMsg::Connect(token) if token == state.connect_token => {
                state.connect(&myself).await
            }
            DeviceSupervisorMsg::Connect(_) => {}
            DeviceSupervisorMsg::Outcome { probe, generation, outcome } => {
                if generation != state.generation.load(Ordering::Acquire) {
                    tracing::debug!(device = %state.device(), probe, generation, "stale poll outcome ignored");
                    return Ok(());
                }
                match outcome {
                    PollOutcome::Ok => state.failures = 0,
                    PollOutcome::Failed => {}
                    PollOutcome::Unreachable(err) => {
                        tracing::debug!(device = %state.device(), probe, error = %err, "device unreachable");
                        state.failed(&myself, err).await;
                    }
                }
            }
            DeviceSupervisorMsg::RestartPoller(name) => {
                state.restart_pending.remove(name);
                if state.online == Some(true) {
                    state.reconcile(&myself).await;
                }
            }
            DeviceSupervisorMsg::Knock => state.knock(&myself),
            DeviceSupervisorMsg::Knocked(ok) => state.knocked(&myself, ok),
            DeviceSupervisorMsg::Request(req) => state.serve(req),
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
    pub(super) fn device(&self) -> &str {
        &self.args.spec.name
    }

    pub(super) async fn publish(&self, kind: EventKind) {
        let ev = Event::new(self.device().to_string(), chrono::Utc::now(), kind);
        self.args.bus.publish(ev).await;
    }

    async fn connect(&mut self, myself: &ActorRef<DeviceSupervisorMsg>) {
        self.connect_pending = false;
        let transport = self.args.transport.clone();
        let deadline = self.args.settings.connect_timeout.saturating_mul(2);
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
                self.generation.fetch_add(1, Ordering::AcqRel);
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
            self.generation.fetch_add(1, Ordering::AcqRel);
            self.knock_ok = false;
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
            self.connect_token += 1;
            let token = self.connect_token;
            myself.send_after(delay, move || DeviceSupervisorMsg::Connect(token));
        }
        if self.online == Some(false) && !self.knock_pending {
            self.knock_pending = true;
            myself.send_after(KNOCK_EVERY, || DeviceSupervisorMsg::Knock);
        }
    }

    /// Knocks on the device in a task of its own (never blocking this actor).
    fn knock(&mut self, myself: &ActorRef<DeviceSupervisorMsg>) {
        if self.online != Some(false) {
            self.knock_pending = false;
            return;
        }
        let (transport, me) = (self.args.transport.clone(), myself.clone());
        tokio::spawn(async move {
            if let Some(ok) = transport.knock(KNOCK_EVERY).await {
                let _ = me.cast(DeviceSupervisorMsg::Knocked(ok));
            }
        });
        myself.send_after(KNOCK_EVERY, || DeviceSupervisorMsg::Knock);
    }

    /// A knock that turns from no answer to an answer reconnects at once, instead of waiting
    /// out the backoff (which may be minutes by now).
    fn knocked(&mut self, myself: &ActorRef<DeviceSupervisorMsg>, ok: bool) {
        let turned = ok && !self.knock_ok;
        self.knock_ok = ok;
        if turned && self.online == Some(false) {
            tracing::info!(device = %self.device(), "device answers again; reconnecting now");
            // Supersedes the scheduled attempt.
            self.connect_pending = true;
            self.connect_token += 1;
            let _ = myself.cast(DeviceSupervisorMsg::Connect(self.connect_token));
        }
    }
}
