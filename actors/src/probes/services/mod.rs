//! Services probe: failed systemd units, diffed into `ServiceFailed` / `ServiceRecovered`.

mod parse;

#[cfg(test)]
mod tests;

pub use parse::parse_failed_units;

use crate::command;
use crate::events::EventKind;
use crate::model::services::FailedUnit;

use super::sections::Section;
use super::{PollContext, PollWarnings, Probe, ProbeError};

/// Polls the failed systemd units and reports units that failed or recovered since the
/// previous poll.
///
/// On the first poll every failed unit is reported as `ServiceFailed` once (an admin wants to
/// know about a unit that was already failed when monitoring started), unless the probe was
/// resumed from its last sample: then only units that failed since are. A device without a
/// running systemd (`systemctl` exits 1 with "System has not been booted with systemd") gives
/// a `ProbeFailed` with that message, reported once by the poller.
#[derive(Debug, Default)]
pub struct ServicesProbe {
    /// The failed units of the previous poll; `None` before the first successful poll.
    previous: Option<Vec<FailedUnit>>,
}

#[async_trait::async_trait]
impl Probe for ServicesProbe {
    fn name(&self) -> &'static str {
        "services"
    }

    fn required_tool(&self) -> Option<&'static str> {
        Some("systemctl")
    }

    fn resume(&mut self, last: &crate::events::Event) {
        if let EventKind::ServicesSampled { failed } = &last.kind {
            self.previous = Some(failed.clone());
        }
    }

    /// Returns `[ServicesSampled, ServiceFailed…, ServiceRecovered…]`.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let out = ctx.run_ok(&command::failed_units()).await?;
        let (failed, warnings) = parse_failed_units(&out.stdout, ctx.observed_at);
        let mut log = PollWarnings::new("services");
        log.add("failed_units", &out.stdout, &warnings);
        log.log();
        if let Some(detail) =
            Section::whole("failed_units", &out.stdout).mostly_unreadable(&warnings)
        {
            return Err(ProbeError::Output { command: "failed_units", detail });
        }
        let mut events = vec![EventKind::ServicesSampled { failed: failed.clone() }];
        events.extend(diff(self.previous.as_deref().unwrap_or_default(), &failed));
        self.previous = Some(failed);
        Ok(events)
    }
}

/// `ServiceFailed` for units failed now but not before, then `ServiceRecovered` for units
/// failed before but not now, each in unit order.
pub fn diff(previous: &[FailedUnit], current: &[FailedUnit]) -> Vec<EventKind> {
    let was_failed = |unit: &str| previous.iter().any(|u| u.unit == unit);
    let is_failed = |unit: &str| current.iter().any(|u| u.unit == unit);
    let failed = current.iter().filter(|u| !was_failed(&u.unit)).map(|u| {
        EventKind::ServiceFailed { unit: u.unit.clone(), description: u.description.clone() }
    });
    let recovered = previous
        .iter()
        .filter(|u| !is_failed(&u.unit))
        .map(|u| EventKind::ServiceRecovered { unit: u.unit.clone() });
    failed.chain(recovered).collect()
}
