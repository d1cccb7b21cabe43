//! Drives probe: `smartctl --scan-open -j`, then `smartctl -j -a -n standby` per drive.
//!
//! smartctl's exit status is a bitmask, not a verdict: bit 0 = command line error, bit 1 =
//! device open failed *or* (with `-n standby`) the drive is asleep, bits 2–7 = SMART findings
//! (failing disk, attributes at threshold, error logs) that still come with a full report.

mod diff;
mod parse;
mod scan;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_diff;
#[cfg(test)]
mod tests_report;

pub use diff::DriveTracker;
pub use parse::{judge_report, parse_info};
pub use scan::{ScanEntry, parse_scan};

use std::collections::HashMap;

use crate::command;
use crate::events::EventKind;
use crate::model::drives::Drive;

use super::{PollContext, PollWarnings, Probe, ProbeError, Warning};

/// Polls SMART health of every drive without waking sleeping ones.
#[derive(Debug, Default)]
pub struct DrivesProbe {
    /// Previous awake samples and temperature states, for change events.
    tracker: DriveTracker,
    /// The last good read of each scanned drive (by scan name and type), carried into a
    /// sample when this poll cannot read the drive.
    last: HashMap<String, Drive>,
}

#[async_trait::async_trait]
impl Probe for DrivesProbe {
    fn name(&self) -> &'static str {
        "drives"
    }

    fn required_tool(&self) -> Option<&'static str> {
        Some("smartctl")
    }

    /// Drives read without error seed the change tracker and the last good reads.
    fn resume(&mut self, last: &crate::events::Event) {
        if let EventKind::DriveHealthSampled { drives } = &last.kind {
            let fresh: Vec<Drive> = drives.iter().filter(|d| d.error.is_none()).cloned().collect();
            self.tracker = DriveTracker::default();
            // The first sample of a drive gives no events: this only records them.
            let _ = self.tracker.observe(&fresh);
            self.last = fresh
                .into_iter()
                .map(|d| (entry_key(&d.device, d.dev_type.as_deref()), d))
                .collect();
        }
    }

    /// Returns `[DriveHealthSampled, changes…]` with every drive that could be read; drives
    /// that could not (rejected name, open failure) are skipped with a logged warning. A
    /// drive that hangs or answers garbage is a per-drive error in a sample of the others:
    /// it keeps its last good values, marked with the error, and gives no change events.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let mut log = PollWarnings::new("drives");
        let result = read_drives(ctx, &mut log, &self.last).await;
        log.log();
        let keyed = result?;
        for (key, d) in keyed.iter().filter(|(_, d)| d.error.is_none()) {
            self.last.insert(key.clone(), d.clone());
        }
        let drives: Vec<Drive> = keyed.into_iter().map(|(_, d)| d).collect();
        let fresh: Vec<Drive> = drives.iter().filter(|d| d.error.is_none()).cloned().collect();
        let changes = self.tracker.observe(&fresh);
        let mut events = vec![EventKind::DriveHealthSampled { drives }];
        events.extend(changes);
        Ok(events)
    }
}

/// Scans and reads every drive, each with its key. Unreadable (non-JSON) scan output fails
/// the poll (the previous sample stands); a drive that hangs or answers garbage is carried
/// from its last good read with the error, so it never vanishes from the sample.
async fn read_drives(
    ctx: &PollContext<'_>,
    log: &mut PollWarnings,
    last: &HashMap<String, Drive>,
) -> Result<Vec<(String, Drive)>, ProbeError> {
    let cmd = command::smartctl_scan(ctx.sudo);
    let out = ctx.run_ok(&cmd).await?;
    let (entries, warnings) = parse_scan(&out.stdout, ctx.observed_at);
    log.add(cmd.name, &out.stdout, &warnings);
    if let Some(detail) = not_json(&out.stdout) {
        return Err(ProbeError::Output { command: cmd.name, detail });
    }
    let mut drives = Vec::with_capacity(entries.len());
    for entry in entries {
        let key = entry_key(&entry.name, entry.dev_type.as_deref());
        match read_drive(ctx, &entry, log).await {
            Ok(Ok(drive)) => drives.push((key, drive)),
            Ok(Err(warning)) => log.add("smartctl_info", "", &[warning]),
            // An unreachable device, or a local timeout the poller settles: the whole poll.
            Err(e) if e.is_unreachable() || e.is_timeout() => return Err(e),
            Err(e) => {
                let mut d = last.get(&key).cloned().unwrap_or_else(|| Drive {
                    device: entry.name.clone(),
                    dev_type: entry.dev_type.clone(),
                    ..Drive::default()
                });
                d.error = Some(e.to_string());
                log.add("smartctl_info", "", &[Warning::general(format!("{}: {e}", entry.name))]);
                drives.push((key, d));
            }
        }
    }
    Ok(drives)
}

/// The key of a scanned drive: its scan name and type.
fn entry_key(name: &str, dev_type: Option<&str>) -> String {
    format!("{name}|{}", dev_type.unwrap_or(""))
}

/// Why `output` is not smartctl's JSON, if it is not.
fn not_json(output: &str) -> Option<String> {
    let e = serde_json::from_str::<serde::de::IgnoredAny>(output).err()?;
    Some(format!("not smartctl JSON: {e}"))
}

/// Reads one drive. The outer error is a transport failure (fails the poll); the inner one
/// is a reason to skip this drive.
async fn read_drive(
    ctx: &PollContext<'_>,
    entry: &ScanEntry,
    log: &mut PollWarnings,
) -> Result<Result<Drive, Warning>, ProbeError> {
    let skip = |why: String| Ok(Err(Warning::general(format!("{}: {why}", entry.name))));
    let Some(cmd) = command::smartctl_info(ctx.sudo, &entry.name, entry.dev_type.as_deref()) else {
        return skip("name or type rejected by the command catalogue".into());
    };
    let out = ctx.run(&cmd).await?;
    let (drive, warnings) = judge_report(&out.stdout, &out.stderr, out.status, ctx.observed_at);
    let mut drive = match drive {
        Ok(drive) => drive,
        // Output that is not JSON at all (and not a refused command line) is garbage: the
        // poll fails and the previous sample stands, so a failing drive cannot vanish.
        Err(_) if out.status >= 0 && out.status & 1 == 0 && not_json(&out.stdout).is_some() => {
            let detail = format!("{}: {}", entry.name, not_json(&out.stdout).unwrap_or_default());
            return Err(ProbeError::Output { command: "smartctl_info", detail });
        }
        Err(why) => return skip(why),
    };
    log.add("smartctl_info", &out.stdout, &warnings);
    if drive.device.is_empty() {
        drive.device.clone_from(&entry.name);
    }
    if drive.dev_type.is_none() {
        drive.dev_type.clone_from(&entry.dev_type);
    }
    Ok(Ok(drive))
}
