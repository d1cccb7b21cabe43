//! Fleet actor: the root supervisor, with one device supervisor per device; devices can be
//! added and removed at run time, and a crashed device supervisor is restarted with backoff.

use std::collections::HashMap;
use std::sync::Arc;

use ractor::{Actor, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};

use crate::bus::Bus;
use crate::device::{
    DeviceSpec, DeviceSupervisor, DeviceSupervisorArgs, DeviceSupervisorMsg, FleetSettings,
    ProbeSlot, default_slots,
};
use crate::transport::{self, Transport};

/// Builds the transport of a device.
pub type TransportFactory =
    Arc<dyn Fn(&DeviceSpec, &FleetSettings) -> Arc<dyn Transport> + Send + Sync>;

/// Chooses the probes of a device.
pub type SlotFactory = Arc<dyn Fn(&DeviceSpec) -> Vec<ProbeSlot> + Send + Sync>;

/// The root supervisor.
pub struct Fleet;

/// Messages of the [`Fleet`].
pub enum FleetMsg {
    /// Start monitoring a device; fails if the name is taken.
    Add(Box<DeviceSpec>, RpcReplyPort<Result<(), String>>),
    /// Stop monitoring a device; replies whether it existed.
    Remove(String, RpcReplyPort<bool>),
    /// Names of the monitored devices, sorted.
    List(RpcReplyPort<Vec<String>>),
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
}

impl FleetArgs {
    /// Args with the default SSH/local transports and built-in probes.
    pub fn new(settings: FleetSettings, bus: Bus, devices: Vec<DeviceSpec>) -> Self {
        Self {
            settings,
            bus,
            devices,
            transports: Arc::new(transport::for_spec),
            slots: Arc::new(default_slots),
        }
    }
}

/// State of the running [`Fleet`].
pub struct FleetState {
    settings: FleetSettings,
    bus: Bus,
    transports: TransportFactory,
    slots: SlotFactory,
    /// Every monitored device, running or waiting to be respawned.
    specs: HashMap<String, DeviceSpec>,
    /// Running device supervisors by device name.
    running: HashMap<String, ActorRef<DeviceSupervisorMsg>>,
    /// Device name of each running supervisor's actor id.
    by_id: HashMap<ActorId, String>,
    /// Consecutive crashes per device (reset when a device is removed).
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
            FleetMsg::Remove(name, reply) => {
                let existed = state.specs.remove(&name).is_some();
                state.crashes.remove(&name);
                if let Some(sup) = state.running.remove(&name) {
                    state.by_id.remove(&sup.get_id());
                    sup.stop(Some("device removed".into()));
                }
                let _ = reply.send(existed);
            }
            FleetMsg::List(reply) => {
                let mut names: Vec<_> = state.specs.keys().cloned().collect();
                names.sort();
                let _ = reply.send(names);
            }
            FleetMsg::Respawn(name) => {
                if let Some(spec) = state.specs.get(&name).cloned()
                    && !state.running.contains_key(&name)
                    && let Err(e) = state.spawn(&myself, spec).await
                {
                    let n = state.crashes.entry(name.clone()).or_default();
                    let delay = state.settings.restart.delay(*n);
                    *n = n.saturating_add(1);
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
        state.running.remove(&name);
        if state.specs.contains_key(&name) {
            let n = state.crashes.entry(name.clone()).or_default();
            let delay = state.settings.restart.delay(*n);
            *n = n.saturating_add(1);
            tracing::error!(device = %name, %reason, ?delay, "device supervisor stopped; restarting");
            myself.send_after(delay, move || FleetMsg::Respawn(name));
        }
        Ok(())
    }
}

impl FleetState {
    async fn add(&mut self, myself: &ActorRef<FleetMsg>, spec: DeviceSpec) -> Result<(), String> {
        if self.specs.contains_key(&spec.name) {
            return Err(format!("device `{}` already exists", spec.name));
        }
        self.specs.insert(spec.name.clone(), spec.clone());
        self.spawn(myself, spec).await.map_err(|e| e.to_string())
    }

    async fn spawn(
        &mut self,
        myself: &ActorRef<FleetMsg>,
        spec: DeviceSpec,
    ) -> Result<(), ActorProcessingErr> {
        let args = DeviceSupervisorArgs {
            transport: (self.transports)(&spec, &self.settings),
            slots: (self.slots)(&spec),
            settings: self.settings.clone(),
            bus: self.bus.clone(),
            spec: spec.clone(),
        };
        let (sup, _) = Actor::spawn_linked(None, DeviceSupervisor, args, myself.get_cell()).await?;
        self.by_id.insert(sup.get_id(), spec.name.clone());
        self.running.insert(spec.name, sup);
        Ok(())
    }
}
