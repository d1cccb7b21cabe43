//! One poll, run in a task of its own: the probe's commands, the liveness check that settles
//! a timeout, publishing the events, and catching a panicking probe.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;

use super::budget::Budgeted;
use super::outcome::PollReport;
use crate::bus::Bus;
use crate::events::Event;
use crate::probes::{PollContext, Probe, ProbeError};
use crate::transport::{Transport, TransportError};

/// Longest deadline of the liveness check that follows a local command timeout (the poll's
/// command timeout when that is shorter).
pub const LIVENESS_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything one poll needs; the probe travels back with the report.
pub struct Job {
    /// The probe (its previous snapshot inside).
    pub probe: Box<dyn Probe>,
    /// The device's transport, behind the channel budget.
    pub transport: Budgeted,
    /// Where events go.
    pub bus: Bus,
    /// Device name.
    pub device: String,
    /// Run privileged tools through `sudo -n`.
    pub sudo: bool,
    /// Deadline of every command.
    pub command_timeout: Duration,
    /// Connection generation at the start of the poll.
    pub generation: u64,
}

/// Runs the poll; the probe comes back with the report, or the reason it panicked.
pub async fn run(job: Job) -> Result<(Box<dyn Probe>, PollReport), String> {
    let Job { mut probe, transport, bus, device, sudo, command_timeout, generation } = job;
    let name = probe.name();
    let observed_at = chrono::Utc::now();
    let work = async {
        let ctx = PollContext { transport: &transport, observed_at, sudo, command_timeout };
        let outcome = probe.poll(&ctx).await;
        (probe, outcome)
    };
    let (probe, outcome) = match AssertUnwindSafe(work).catch_unwind().await {
        Ok(done) => done,
        Err(panic) => {
            let reason = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "probe panicked".into());
            return Err(format!("probe panicked: {reason}"));
        }
    };
    let mut report = PollReport {
        probe: name,
        generation,
        observed_at,
        events: Vec::new(),
        error: None,
        unreachable: false,
        hung: false,
        ran: true,
    };
    match outcome {
        Ok(kinds) => {
            for kind in kinds {
                report
                    .events
                    .push(bus.publish(Event::new(device.clone(), observed_at, kind)).await);
            }
        }
        Err(e) => {
            let within = LIVENESS_TIMEOUT.min(command_timeout.max(Duration::from_secs(1)));
            settle(&transport, e, within, &mut report).await
        }
    }
    Ok((probe, report))
}

/// Fills in the failure. A local timeout is ambiguous (a hung tool, or a dead link): the
/// current session is asked for a keepalive reply, which needs no channel and no reconnect.
async fn settle(transport: &Budgeted, e: ProbeError, within: Duration, report: &mut PollReport) {
    let hung_on_device = matches!(&e, ProbeError::Transport(TransportError::Hung { .. }));
    if e.is_timeout() {
        match transport.ping(within).await {
            Ok(()) => report.hung = true,
            Err(dead) => {
                let dead = match dead {
                    TransportError::Timeout { .. } => TransportError::Unreachable {
                        target: transport.describe(),
                        detail: format!("no answer to a liveness check within {within:?} ({e})"),
                    },
                    other => other,
                };
                report.error = Some(dead.to_string());
                report.unreachable = true;
                return;
            }
        }
    }
    report.hung |= hung_on_device;
    report.unreachable = e.is_unreachable();
    report.error = Some(e.to_string());
}
