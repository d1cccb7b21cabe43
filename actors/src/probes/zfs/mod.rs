//! ZFS probe: pools (health, space, vdev tree, scrub/resilver), datasets, snapshots and ARC in
//! one round trip, diffed into pool state and scan events.

mod diff;
mod json;
mod lists;
mod ordered;
mod parse;
mod text;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_text;

pub use diff::diff;
pub use parse::parse_zfs;

use crate::command;
use crate::events::EventKind;
use crate::model::zfs::ZfsSample;

use super::{PollContext, PollWarnings, Probe, ProbeError};

/// Polls ZFS on a device and reports what changed since the previous poll.
#[derive(Debug, Default)]
pub struct ZfsProbe {
    /// The previous sample; `None` before the first successful poll.
    previous: Option<ZfsSample>,
}

#[async_trait::async_trait]
impl Probe for ZfsProbe {
    fn name(&self) -> &'static str {
        "zfs"
    }

    fn required_tool(&self) -> Option<&'static str> {
        Some("zpool")
    }

    fn resume(&mut self, last: &crate::events::Event) {
        if let EventKind::PoolStatusSampled { sample } = &last.kind {
            self.previous = Some(sample.clone());
        }
    }

    /// Returns `[PoolStatusSampled, changes…]`; the first poll has no changes.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let cmd = command::zfs();
        let out = ctx.run_ok(&cmd).await?;
        let (sample, warnings) = parse_zfs(&out.stdout, cmd.section_nonce(), ctx.observed_at);
        let mut log = PollWarnings::new("zfs");
        log.add("zfs", &out.stdout, &warnings);
        log.log();
        let sample = sample.map_err(|detail| ProbeError::Output { command: "zfs", detail })?;
        let changes = match &self.previous {
            Some(previous) => diff(previous, &sample),
            None => Vec::new(),
        };
        self.previous = Some(sample.clone());
        let mut events = Vec::with_capacity(1 + changes.len());
        events.push(EventKind::PoolStatusSampled { sample });
        events.extend(changes);
        Ok(events)
    }
}
