//! Infrastructor's domain: events, the bus, transports, device supervisors, pollers and probes.
//!
//! This crate knows nothing of HTTP, JSON-RPC or SQL front-ends; `src/` wires it to the world.
//!
//! The public surface is what the front-ends, the system tests and the benches need: the
//! analyses the tools answer with ([`analysis`]), the facade ([`api`]), events and their
//! payloads ([`events`], [`model`]), the [`bus`], the live-stream [`fanout`], device specs and settings ([`device`]), the
//! root supervisor ([`fleet`]), current state ([`state`]), on-demand query types
//! ([`ondemand`]), transports ([`transport`]), capability detection, the
//! [`command::Command`] type, and the [`probes::Probe`] trait for custom probes.
//! Parsers, diffs and actor internals are crate-private; the benches and tests that exercise
//! them directly go through the hidden `bench_support` module.

pub mod alerts;
pub mod analysis;
pub mod api;
pub mod bus;
pub mod capabilities;
pub mod command;
pub mod device;
pub mod events;
pub mod fanout;
pub mod fleet;
pub mod model;
pub mod ondemand;
pub mod probes;
pub mod query;
pub mod state;
pub mod store;
#[cfg(test)]
pub(crate) mod testing;
pub mod transport;

/// What the crate's own benches and tests reach inside it for: parsers, a fixture helper, a
/// catalogue command, the SSH stream. Not part of the API (it may change at any time); the
/// paths mirror the crate's, e.g. `bench_support::probes::containers::parse_ps`.
#[doc(hidden)]
pub mod bench_support {
    /// Probe parsers, diffs and the sectioned-output fixture helper.
    pub mod probes {
        /// The arrays probe.
        pub mod arrays {
            pub use crate::probes::arrays::parse_arrays;
        }
        /// The backups probe's parser.
        pub mod backups {
            pub use crate::probes::backups::parse_job;
        }
        /// The containers probe.
        pub mod containers {
            pub use crate::probes::containers::{
                diff, merge, parse_inspect, parse_ps, parse_stats,
            };
        }
        /// The drives probe.
        pub mod drives {
            pub use crate::probes::drives::{parse_info, parse_scan};
        }
        /// The metrics probe.
        pub mod metrics {
            pub use crate::probes::metrics::parse_metrics;
        }
        /// Sectioned outputs.
        pub mod sections {
            pub use crate::probes::sections::mark;
        }
        /// The services probe.
        pub mod services {
            pub use crate::probes::services::parse_failed_units;
        }
        /// The updates probe.
        pub mod updates {
            pub use crate::probes::updates::parse_upgradable;
        }
        /// The VMs probe.
        pub mod vms {
            pub use crate::probes::vms::parse_dominfo;
        }
        /// The ZFS probe.
        pub mod zfs {
            pub use crate::probes::zfs::parse_zfs;
        }
    }

    /// Capability detection.
    pub mod capabilities {
        use crate::model::capabilities::Capabilities;

        /// Parses the capabilities command's output.
        pub fn parse(output: &str) -> Capabilities {
            crate::capabilities::parse(output)
        }
    }

    /// The command catalogue.
    pub mod command {
        use crate::command::Command;

        /// `docker ps -a`, for test probes that run a real catalogue command.
        pub fn docker_ps() -> Command {
            crate::command::docker_ps()
        }

        /// `docker stats --no-stream`, for the MCP bench's raw baseline of a containers poll.
        pub fn docker_stats() -> Command {
            crate::command::docker_stats()
        }

        /// `docker inspect` batches of validated ids (`None` for none or an invalid id), for
        /// the MCP bench's raw baseline of a containers poll.
        pub fn docker_inspect<S: AsRef<str>>(ids: &[S]) -> Option<Vec<Command>> {
            crate::command::docker_inspect(ids)
        }
    }

    /// Transports.
    pub mod transport {
        pub use crate::transport::ssh_stream::ReadyStream;
    }
}
