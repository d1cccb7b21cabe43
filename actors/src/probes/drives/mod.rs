//! Drives probe: `smartctl --scan-open -j`, then `smartctl -j -a -n standby` per drive.
//!
//! smartctl's exit status is a bitmask, not a verdict: bit 0 = command line error, bit 1 =
//! device open failed *or* (with `-n standby`) the drive is asleep, bits 2–7 = SMART findings
//! (failing disk, attributes at threshold, error logs) that still come with a full report.

mod diff;
mod model;
mod parse;
mod scan;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_diff;
#[cfg(test)]
mod tests_report;

pub use diff::{DriveTracker, HOT_C, HOT_NVME_C, HYSTERESIS_C, threshold_c};
pub use model::{Drive, NvmeHealth, SmartAttribute};
pub use parse::{is_standby_message, judge_report, parse_info};
pub use scan::{ScanEntry, parse_scan};

use crate::command;
use crate::events::EventKind;

use super::{PollContext, Probe, ProbeError, Warning};

/// Polls SMART health of every drive without waking sleeping ones.
#[derive(Debug, Default)]
pub struct DrivesProbe {
    /// Previous awake samples and temperature states, for change events.
    tracker: DriveTracker,
}

#[async_trait::async_trait]
impl Probe for DrivesProbe {
    fn name(&self) -> &'static str {
        "drives"
    }

    fn required_tool(&self) -> Option<&'static str> {
        Some("smartctl")
    }

    /// Returns `[DriveHealthSampled, changes…]` with every drive that could be read; drives
    /// that could not (rejected name, open failure) are skipped with a logged warning.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let out = ctx.run_ok(&command::smartctl_scan(ctx.sudo)).await?;
        let (entries, warnings) = parse_scan(&out.stdout, ctx.observed_at);
        log_warnings(&warnings);

        let mut drives = Vec::with_capacity(entries.len());
        for entry in entries {
            match read_drive(ctx, &entry).await? {
                Ok(drive) => drives.push(drive),
                Err(warning) => log_warnings(&[warning]),
            }
        }
        let changes = self.tracker.observe(&drives);
        let mut events = vec![EventKind::DriveHealthSampled { drives }];
        events.extend(changes);
        Ok(events)
    }
}

/// Reads one drive. The outer error is a transport failure (fails the poll); the inner one
/// is a reason to skip this drive.
async fn read_drive(
    ctx: &PollContext<'_>,
    entry: &ScanEntry,
) -> Result<Result<Drive, Warning>, ProbeError> {
    let skip = |why: String| Ok(Err(Warning::general(format!("{}: {why}", entry.name))));
    let Some(cmd) = command::smartctl_info(ctx.sudo, &entry.name, entry.dev_type.as_deref()) else {
        return skip("name or type rejected by the command catalogue".into());
    };
    let out = ctx.run(&cmd).await?;
    let (drive, warnings) = judge_report(&out.stdout, &out.stderr, out.status, ctx.observed_at);
    let mut drive = match drive {
        Ok(drive) => drive,
        Err(why) => return skip(why),
    };
    log_warnings(&warnings);
    if drive.device.is_empty() {
        drive.device.clone_from(&entry.name);
    }
    if drive.dev_type.is_none() {
        drive.dev_type.clone_from(&entry.dev_type);
    }
    Ok(Ok(drive))
}

fn log_warnings(warnings: &[Warning]) {
    for w in warnings {
        tracing::warn!(probe = "drives", line = w.line, message = %w.message, "skipped output");
    }
}
