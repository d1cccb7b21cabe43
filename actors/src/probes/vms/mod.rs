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

pub use parse::{Vm, parse_dominfo, parse_names};

use crate::command;
use crate::events::EventKind;

use super::{PollContext, Probe, ProbeError};

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

    /// Returns `[VmsSampled, changes…]`; the first poll has no changes.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let out = ctx.run_ok(&command::virsh_list()).await?;
        let (names, _) = parse_names(&out.stdout, ctx.observed_at);
        let (cmd, rejected) = command::virsh_dominfo(&names);
        for name in rejected {
            tracing::warn!(
                probe = "vms",
                vm = name,
                "skipped a VM whose name is not safe to pass to virsh"
            );
        }
        let vms = match cmd {
            Some(cmd) => {
                let out = ctx.run_ok(&cmd).await?;
                let (vms, warnings) = parse_dominfo(&out.stdout, ctx.observed_at);
                for w in &warnings {
                    tracing::warn!(probe = "vms", line = w.line, message = %w.message, "skipped output");
                }
                vms
            }
            None => Vec::new(),
        };
        let changes = match &self.previous {
            Some(previous) => diff(previous, &vms),
            None => Vec::new(),
        };
        self.previous = Some(vms.clone());
        let mut events = Vec::with_capacity(1 + changes.len());
        events.push(EventKind::VmsSampled { vms });
        events.extend(changes);
        Ok(events)
    }
}

/// `VmStateChanged` for every VM whose state differs, appeared (`previous: None`) or vanished
/// (`current: None`). The same snapshot twice gives no events.
pub fn diff(previous: &[Vm], current: &[Vm]) -> Vec<EventKind> {
    let mut events = Vec::new();
    for old in previous.iter().filter(|o| !current.iter().any(|c| c.name == o.name)) {
        events.push(EventKind::VmStateChanged {
            vm: old.name.clone(),
            previous: Some(old.state.clone()),
            current: None,
        });
    }
    for cur in current {
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
