//! Arrays probe: Linux md RAID (`/proc/mdstat`) and the Unraid array (`var.ini`,
//! `disks.ini`), diffed into `ArrayDegraded` / `ArrayRecovered`.
//!
//! It needs no tool: the catalogue command prints only the sections whose files exist, so a
//! device with neither md nor Unraid gives an empty sample and no error.

mod diff;
mod mdstat;
mod unraid;

#[cfg(test)]
mod tests;

pub use diff::diff;
pub use mdstat::parse_mdstat;
pub use unraid::{bad_disks, parse_disks_ini, parse_var_ini};

use chrono::{DateTime, Utc};

use crate::command;
use crate::events::EventKind;
use crate::model::arrays::ArraysSample;

use super::{PollContext, PollWarnings, Probe, ProbeError, Warning, sections};

/// Name of the Unraid array in events.
pub const UNRAID: &str = "unraid";

/// Parses the `arrays` command output, whose markers carry `nonce`. The sample is an error
/// saying why when a section is mostly unreadable.
pub fn parse_arrays(
    output: &str,
    nonce: &str,
    _observed_at: DateTime<Utc>,
) -> (Result<ArraysSample, String>, Vec<Warning>) {
    let (_, sections) = sections::split(output, nonce);
    let mut sample = ArraysSample::default();
    let mut warnings = Vec::new();
    let mut disks = None;
    for s in &sections {
        match s.name {
            "mdstat" => {
                let (md, w) = parse_mdstat(&s.lines, s.first_line);
                sample.md = md;
                warnings.extend(w);
            }
            "unraid-var" => {
                sample.unraid = Some(parse_var_ini(&s.lines, s.first_line, &mut warnings))
            }
            "unraid-disks" => disks = Some(parse_disks_ini(&s.lines, s.first_line, &mut warnings)),
            other => warnings.push(Warning::at(
                s.first_line.saturating_sub(1),
                format!("unknown section `{other}`"),
            )),
        }
    }
    if let (Some(array), Some(disks)) = (sample.unraid.as_mut(), disks) {
        array.disks = disks;
        array.degraded |= !bad_disks(array).is_empty();
    }
    match sections::check(&sections, &[], &warnings) {
        Some(why) => (Err(why), warnings),
        None => (Ok(sample), warnings),
    }
}

/// Polls md and Unraid arrays and reports degradation changes.
#[derive(Debug, Default)]
pub struct ArraysProbe {
    /// The previous sample; `None` before the first successful poll.
    previous: Option<ArraysSample>,
}

#[async_trait::async_trait]
impl Probe for ArraysProbe {
    fn name(&self) -> &'static str {
        "arrays"
    }

    /// `None`: the probe runs when either the `md` or the `unraid` file capability exists,
    /// which one tool name cannot express; without both its command prints nothing.
    fn required_tool(&self) -> Option<&'static str> {
        None
    }

    fn resume(&mut self, last: &crate::events::Event) {
        if let EventKind::ArraysSampled { sample } = &last.kind {
            self.previous = Some(sample.clone());
        }
    }

    /// Returns `[ArraysSampled, changes…]`; the first poll has no changes.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let cmd = command::arrays();
        let out = ctx.run_ok(&cmd).await?;
        let (sample, warnings) = parse_arrays(&out.stdout, cmd.section_nonce(), ctx.observed_at);
        let mut log = PollWarnings::new("arrays");
        log.add("arrays", &out.stdout, &warnings);
        log.log();
        let sample = sample.map_err(|detail| ProbeError::Output { command: "arrays", detail })?;
        let changes = match &self.previous {
            Some(previous) => diff(previous, &sample),
            None => Vec::new(),
        };
        self.previous = Some(sample.clone());
        let mut events = Vec::with_capacity(1 + changes.len());
        events.push(EventKind::ArraysSampled { sample });
        events.extend(changes);
        Ok(events)
    }
}
