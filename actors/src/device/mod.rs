//! Devices: what a device is (spec), its supervisor actor, the poller actors it owns, and the
//! requests it serves for the query facade.

mod budget;
mod outcome;
mod policy;
mod poll_task;
mod poller;
mod requests;
mod settings;
mod slots;
mod spec;
mod supervisor;
mod supervisor_pollers;
mod transports;

pub use crate::transport::Auth;

pub use budget::ChannelBudget;
pub use outcome::{OutcomeSink, PollOutcome, PollReport};
pub use policy::{RestartPolicy, exponential, jittered};
pub use poller::{Poller, PollerArgs, PollerConfig, PollerMsg};
pub use requests::{Answer, CheckReport, DeviceRequest, Query};
pub use settings::FleetSettings;
pub use slots::{ProbeFactory, ProbeSlot, default_slots};
pub use spec::{DeviceSpec, ProbeSettings, Probes, TransportKind};
pub use supervisor::{DeviceSupervisor, DeviceSupervisorArgs, DeviceSupervisorMsg, KNOCK_EVERY};
pub use transports::transport_for;
