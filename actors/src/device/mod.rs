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
mod supervisor_requests;
mod transports;

pub use crate::transport::Auth;

pub use outcome::PollReport;
pub use policy::RestartPolicy;
pub use requests::CheckReport;
pub(crate) use requests::{Answer, DeviceRequest, Query};
pub use settings::FleetSettings;
pub use slots::{LastSample, ProbeFactory, ProbeSlot, default_slots, no_last_sample, slots_with};
pub use spec::{DeviceSource, DeviceSpec, ProbeSettings, Probes, TransportKind};
pub(crate) use supervisor::{DeviceSupervisor, DeviceSupervisorArgs, DeviceSupervisorMsg};
pub use transports::{ssh_options, transport_for};
