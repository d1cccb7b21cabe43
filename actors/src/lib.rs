//! Infrastructor's domain: events, the bus, transports, device supervisors, pollers and probes.
//!
//! This crate knows nothing of HTTP, JSON-RPC or SQL front-ends; `src/` wires it to the world.

pub mod api;
pub mod bus;
pub mod capabilities;
pub mod command;
pub mod device;
pub mod events;
pub mod fleet;
pub mod model;
pub mod ondemand;
pub mod probes;
pub mod state;
#[cfg(test)]
pub(crate) mod testing;
pub mod transport;
