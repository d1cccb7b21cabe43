//! VMs probe: `virsh list --all --name`, then every domain's `virsh dominfo` in one batched
//! command, diffed into `VmStateChanged` events.
//!
//! Why not `virsh domstats --state --vcpu --balloon` in one call: libvirt's drivers differ in
//! what they report there (the test driver gives only the state), while `dominfo` gives state,
//! vCPUs and memory everywhere; the names it needs come from device output, so each is
//! validated and shell-quoted by the catalogue and an invalid one is skipped with a warning.

mod parse;

#[cfg(test)]
mod tests;

pub use parse::{parse_dominfo, parse_names};

use crate::command;
use crate::events::EventKind;
use crate::model::vms::Vm;

use super::{PollContext, PollWarnings, Probe, ProbeError};

/// Polls libvirt domains and reports state changes since the previous poll.
#[derive(Debug, Default)]
pub struct VmsProbe {
    /// The previous snapshot; `None` before the first successful poll.
    previous: Option<Vec<Vm>>,
}

#[async_trait::async_trait]
impl Probe for VmsProbe {
    fn name(&self) -> &'static str {
        "vms"
    }

    fn required_tool(&self) -> Option<&'static str> {
        Some("virsh")
    }

    /// A VM the sample could not read stays out of the baseline, as after a poll.
    fn resume(&mut self, last: &crate::events::Event) {
        if let EventKind::VmsSampled { vms } = &last.kind {
            self.previous = Some(vms.iter().filter(|v| v.error.is_none()).cloned().collect());
        }
    }

    /// Returns `[VmsSampled, changes…]`; the first poll has no changes.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let mut log = PollWarnings::new("vms");
        let previous = self.previous.as_deref().unwrap_or_default();
        let result = read_vms(ctx, &mut log, previous).await;
        log.log();
        let vms = result?;
        let changes = match &self.previous {
            Some(previous) => diff(previous, &vms),
            None => Vec::new(),
        };
        // A VM never read yet stays out of the baseline until it is read.
        let seen = |v: &Vm| self.previous.iter().flatten().any(|p| p.name == v.name);
        let baseline = vms.iter().filter(|v| v.error.is_none() || seen(v)).cloned().collect();
        self.previous = Some(baseline);
        let mut events = Vec::with_capacity(1 + changes.len());
        events.push(EventKind::VmsSampled { vms });
        events.extend(changes);
        Ok(events)
    }
}

/// Lists the VMs and reads each one's `dominfo`, in batches. A poll fails when the list is
/// mostly names we refuse, or a batch fails, is cut short or mostly unreadable.
async fn read_vms(
    ctx: &PollContext<'_>,
    log: &mut PollWarnings,
    previous: &[Vm],
) -> Result<Vec<Vm>, ProbeError> {
    let out = ctx.run_ok(&command::virsh_list()).await?;
    let (names, refused) = parse_names(&out.stdout, ctx.observed_at);
    log.add("virsh_list", &out.stdout, &refused);
    let (batches, rejected) = command::virsh_dominfo(&names);
    for name in &rejected {
        let name: String = name.chars().take(120).collect();
        log.note(
            "virsh_list",
            format!("skipped a VM whose name is not safe to pass to virsh: {name:?}"),
        );
    }
    let (bad, total) = (rejected.len() + refused.len(), names.len() + refused.len());
    if bad * 2 > total {
        let detail = format!("{bad} of {total} VM names unreadable");
        return Err(ProbeError::Output { command: "virsh_list", detail });
    }
    let mut vms = Vec::with_capacity(names.len());
    for (cmd, batch) in batches {
        let out = ctx.run_ok(&cmd).await?;
        let (found, warnings) = parse_dominfo(&out.stdout, cmd.section_nonce(), ctx.observed_at);
        log.add("virsh_dominfo", &out.stdout, &warnings);
        let sections = found.len() + warnings.len();
        let detail = if sections != batch.len() {
            format!("{sections} dominfo sections for {} VMs (output cut short?)", batch.len())
        } else if warnings.len() * 2 > batch.len() {
            format!("{} of {} dominfo sections unreadable", warnings.len(), batch.len())
        } else {
            // A domain whose section was unreadable is an error of its own in a sample of
            // the others, carried from its last good read: it neither vanishes nor changes.
            for name in batch.iter().filter(|n| !found.iter().any(|v| &v.name == *n)) {
                let mut vm =
                    previous.iter().find(|v| &v.name == name).cloned().unwrap_or_else(|| Vm {
                        name: name.clone(),
                        state: "unknown".into(),
                        ..Vm::default()
                    });
                vm.error = Some("`virsh dominfo` gave no readable answer for it".into());
                vms.push(vm);
            }
            vms.extend(found);
            continue;
        };
        return Err(ProbeError::Output { command: "virsh_dominfo", detail });
    }
    Ok(vms)
}

/// `VmStateChanged` for every VM whose state differs, appeared (`previous: None`) or vanished
/// (`current: None`). The same snapshot twice gives no events; a VM this poll could not read
/// (`error`) is compared neither way.
pub fn diff(previous: &[Vm], current: &[Vm]) -> Vec<EventKind> {
    let mut events = Vec::new();
    for old in previous.iter().filter(|o| !current.iter().any(|c| c.name == o.name)) {
        events.push(EventKind::VmStateChanged {
            vm: old.name.clone(),
            previous: Some(old.state.clone()),
            current: None,
        });
    }
    for cur in current.iter().filter(|c| c.error.is_none()) {
        let prev = previous.iter().find(|p| p.name == cur.name).map(|p| &p.state);
        if prev != Some(&cur.state) {
            events.push(EventKind::VmStateChanged {
                vm: cur.name.clone(),
                previous: prev.cloned(),
                current: Some(cur.state.clone()),
            });
        }
    }
    events
}
