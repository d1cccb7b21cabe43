//! Devices: what a device is (spec), its supervisor actor, and the poller actors it owns.

mod policy;
mod poller;
mod settings;
mod spec;
mod supervisor;

pub use policy::RestartPolicy;
pub use poller::{Poller, PollerArgs, PollerMsg};
pub use settings::FleetSettings;
pub use spec::{Auth, DeviceSpec, ProbeSettings, Probes, TransportKind};
pub use supervisor::{DeviceSupervisor, DeviceSupervisorArgs, DeviceSupervisorMsg};
