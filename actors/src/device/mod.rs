//! Devices: what a device is (spec), its supervisor actor, and the poller actors it owns.

mod policy;
mod poller;
mod settings;
mod slots;
mod spec;
mod supervisor;

pub use policy::{RestartPolicy, exponential, jittered};
pub use poller::{Poller, PollerArgs, PollerMsg};
pub use settings::FleetSettings;
pub use slots::{ProbeFactory, ProbeSlot, default_slots};
pub use spec::{Auth, DeviceSpec, ProbeSettings, Probes, TransportKind};
pub use supervisor::{DeviceSupervisor, DeviceSupervisorArgs, DeviceSupervisorMsg, PollOutcome};
