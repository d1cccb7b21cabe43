//! Fleet actor: the root supervisor, with one device supervisor per device; devices can be
//! added, edited and removed at run time, requests are routed to their device, and a crashed
//! device supervisor is restarted with backoff (reset once it has run healthily for a while).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use tokio::time::Instant;

use crate::bus::Bus;
use crate::device::{
    DeviceRequest, DeviceSpec, DeviceSupervisor, DeviceSupervisorArgs, DeviceSupervisorMsg,
    FleetSettings, LastSample, ProbeSlot, no_last_sample, transport_for,
};
use crate::events::{Event, EventKind};
use crate::transport::Transport;

/// Builds a transport of a device allowing the given number of concurrent channels.
pub type TransportFactory =
    Arc<dyn Fn(&DeviceSpec, &FleetSettings, usize) -> Arc<dyn Transport> + Send + Sync>;

/// Chooses the probes of a device.
pub type SlotFactory = Arc<dyn Fn(&DeviceSpec) -> Vec<ProbeSlot> + Send + Sync>;

/// Channels of a device's on-demand transport (queries and checks).
pub(crate) const ONDEMAND_CHANNELS: usize = 2;

/// A device supervisor that ran this long before it crashed starts its backoff afresh.
pub const HEALTHY_RUN: Duration = Duration::from_secs(120);

/// How long a removal waits for the device supervisor (and its pollers) to stop.
const STOP_WAIT: Duration = Duration::from_secs(10);

/// The root supervisor.
pub struct Fleet;

/// Messages of the [`Fleet`].
pub enum FleetMsg {
    /// Start monitoring a device; fails if the name is taken (regardless of case).
    Add(Box<DeviceSpec>, RpcReplyPort<Result<(), String>>),
    /// Replace a device's spec: its supervisor is stopped and started again with it.
    Update(Box<DeviceSpec>, RpcReplyPort<Result<(), String>>),
    /// Stop monitoring a device; replies once its supervisor and pollers have stopped and
    /// `DeviceRemoved` is published. Fails if there is no such device.
    Remove(String, RpcReplyPort<Result<(), String>>),
    /// The monitored devices' specs, sorted by name.
    List(RpcReplyPort<Vec<DeviceSpec>>),
    /// Route a request to a device's supervisor; `missing` is answered instead when there is
    /// no such device (so callers get a typed "not found", not a message to parse).
    Route {
        /// Device name.
        device: String,
        /// The request (with its own reply port).
        request: DeviceRequest,
        /// Answered when the device does not exist.
        missing: RpcReplyPort<()>,
    },
    /// Start a device supervisor again after a crash (scheduled with backoff).
    Respawn(String),
}

/// What the [`Fleet`] is started with.
pub struct FleetArgs {
    /// Shared settings.
    pub settings: FleetSettings,
    /// Where events go.
    pub bus: Bus,
    /// Devices to monitor from the start.
    pub devices: Vec<DeviceSpec>,
    /// Builds transports (SSH/local by default; a replay transport in benches).
    pub transports: TransportFactory,
    /// Chooses probes (the built-in ones by default).
    pub slots: SlotFactory,
    /// The newest sample of each (device, probe), which every probe is resumed from (none by
    /// default; the app passes the projection's, restored from the store at start-up).
    pub last_sample: LastSample,
}

impl FleetArgs {
    /// Args with the default SSH/local transports and built-in probes.
    pub fn new(settings: FleetSettings, bus: Bus, devices: Vec<DeviceSpec>) -> Self {
        let patterns = settings.log_patterns.clone();
        Self {
            settings,
            bus,
            devices,
            transports: Arc::new(transport_for),
            slots: Arc::new(move |spec| crate::device::slots_with(spec, &patterns)),
            last_sample: no_last_sample(),
        }
    }
}

/// State of the running [`Fleet`].
pub struct FleetState {
    settings: FleetSettings,
    bus: Bus,
    transports: TransportFactory,
    slots: SlotFactory,
    last_sample: LastSample,
    /// Every monitored device, running or waiting to be respawned.
    specs: HashMap<String, DeviceSpec>,
    /// Running device supervisors by device name, with their start time.
    running: HashMap<String, (ActorRef<DeviceSupervisorMsg>, Instant)>,
    /// Device name of each running supervisor's actor id.
    by_id: HashMap<ActorId, String>,
    /// Consecutive crashes per device (reset after a healthy run and on removal).
    crashes: HashMap<String, u32>,
}

impl Actor for Fleet {
    type Msg = FleetMsg;
    type State = FleetState;
    type Arguments = FleetArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<FleetMsg>,
        args: FleetArgs,
    ) -> Result<FleetState, ActorProcessingErr> {
        let mut state = FleetState {
            settings: args.settings,
            bus: args.bus,
            transports: args.transports,
            slots: args.slots,
            last_sample: args.last_sample,
            specs: HashMap::new(),
            running: HashMap::new(),
            by_id: HashMap::new(),
            crashes: HashMap::new(),
        };
        for spec in args.devices {
            state.add(&myself, spec).await.map_err(ActorProcessingErr::from)?;
        }
        Ok(state)
    }

    async fn handle(
        &self,
        myself: ActorRef<FleetMsg>,
        msg: FleetMsg,
        state: &mut FleetState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            FleetMsg::Add(spec, reply) => {
                let _ = reply.send(state.add(&myself, *spec).await);
            }
            FleetMsg::Update(spec, reply) => {
                let result = match state.specs.contains_key(&spec.name) {
                    false => Err(format!("no device `{}`", spec.name)),
                    true => {
                        state.stop(&spec.name).await;
                        state.specs.insert(spec.name.clone(), (*spec).clone());
                        state.spawn(&myself, *spec).await.map_err(|e| e.to_string())
                    }
                };
                let _ = reply.send(result);
            }
            FleetMsg::Remove(name, reply) => {
                let result = match state.specs.remove(&name) {
                    None => Err(format!("no device `{name}`")),
                    Some(_) => {
                        state.crashes.remove(&name);
                        state.stop(&name).await;
                        let ev = Event::new(name, chrono::Utc::now(), EventKind::DeviceRemoved {});
                        state.bus.publish(ev).await;
                        Ok(())
                    }
                };
                let _ = reply.send(result);
            }
            FleetMsg::List(reply) => {
                let mut specs: Vec<_> = state.specs.values().cloned().collect();
                specs.sort_by(|a, b| a.name.cmp(&b.name));
                let _ = reply.send(specs);
            }
            FleetMsg::Route { device: name, request: req, missing } => {
                match state.running.get(&name) {
                    Some((sup, _)) => {
                        if let Err(e) = sup.cast(DeviceSupervisorMsg::Request(req)) {
                            tracing::debug!(device = %name, error = %e, "device supervisor gone");
                        }
                    }
                    None if state.specs.contains_key(&name) => {
                        req.reject(&format!("device `{name}` is restarting; try again shortly"))
                    }
                    None => {
                        let _ = missing.send(());
                    }
                }
            }
            FleetMsg::Respawn(name) => {
                if let Some(spec) = state.specs.get(&name).cloned()
                    && !state.running.contains_key(&name)
                    && let Err(e) = state.spawn(&myself, spec).await
                {
                    let delay = state.next_delay(&name);
                    tracing::error!(device = %name, error = %e, ?delay, "cannot restart device supervisor; retrying");
                    myself.send_after(delay, move || FleetMsg::Respawn(name));
                }
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<FleetMsg>,
        event: SupervisionEvent,
        state: &mut FleetState,
    ) -> Result<(), ActorProcessingErr> {
        let (cell, reason) = match event {
            SupervisionEvent::ActorFailed(cell, err) => (cell, err.to_string()),
            SupervisionEvent::ActorTerminated(cell, _, r) => (cell, r.unwrap_or_default()),
            _ => return Ok(()),
        };
        let Some(name) = state.by_id.remove(&cell.get_id()) else { return Ok(()) };
        let Some((_, started)) = state.running.remove(&name) else { return Ok(()) };
        if state.specs.contains_key(&name) {
            if started.elapsed() >= HEALTHY_RUN {
                state.crashes.remove(&name);
            }
            let delay = state.next_delay(&name);
            tracing::error!(device = %name, %reason, ?delay, "device supervisor stopped; restarting");
            myself.send_after(delay, move || FleetMsg::Respawn(name));
        }
        Ok(())
    }
}

impl FleetState {
    async fn add(&mut self, myself: &ActorRef<FleetMsg>, spec: DeviceSpec) -> Result<(), String> {
        if let Some(taken) = self.specs.keys().find(|n| n.eq_ignore_ascii_case(&spec.name)) {
            return Err(format!("device `{}` already exists (as `{taken}`)", spec.name));
        }
        self.specs.insert(spec.name.clone(), spec.clone());
        if let Err(e) = self.spawn(myself, spec.clone()).await {
            self.specs.remove(&spec.name);
            return Err(e.to_string());
        }
        Ok(())
    }

    /// Stops a device's supervisor and waits for it (and its pollers) to finish.
    async fn stop(&mut self, name: &str) {
        if let Some((sup, _)) = self.running.remove(name) {
            self.by_id.remove(&sup.get_id());
            if let Err(e) = sup.stop_and_wait(Some("device removed".into()), Some(STOP_WAIT)).await
            {
                tracing::warn!(device = %name, error = %e, "device supervisor did not stop in time");
            }
        }
    }

    /// The next respawn delay of `name`, counting this crash.
    fn next_delay(&mut self, name: &str) -> Duration {
        let n = self.crashes.entry(name.to_string()).or_default();
        let delay = self.settings.restart.delay(*n);
        *n = n.saturating_add(1);
        delay
    }

    async fn spawn(
        &mut self,
        myself: &ActorRef<FleetMsg>,
        spec: DeviceSpec,
    ) -> Result<(), ActorProcessingErr> {
        let s = &self.settings;
        let args = DeviceSupervisorArgs {
            // The pollers' channels plus the one reserved for quick reads.
            transport: (self.transports)(&spec, s, s.max_channels + 1),
            ondemand: (self.transports)(&spec, s, ONDEMAND_CHANNELS),
            slots: (self.slots)(&spec),
            settings: s.clone(),
            bus: self.bus.clone(),
            spec: spec.clone(),
            last_sample: self.last_sample.clone(),
        };
        let (sup, _) = Actor::spawn_linked(None, DeviceSupervisor, args, myself.get_cell()).await?;
        self.by_id.insert(sup.get_id(), spec.name.clone());
        self.running.insert(spec.name, (sup, Instant::now()));
        Ok(())
    }
}
