//! Containers probe: `docker ps -a` + one `docker stats` for all, diffed into change events.

mod diff;
mod model;
mod parse;
mod status;
mod units;

#[cfg(test)]
mod snapshot;
#[cfg(test)]
mod tests;

pub use diff::diff;
pub use model::Container;
pub use parse::{Stats, merge, parse_labels, parse_ps, parse_stats};
pub use units::{parse_percent, parse_size, parse_size_pair};

use crate::command;
use crate::events::EventKind;

use super::{PollContext, Probe, ProbeError, Warning};

/// Polls every container on a device and reports what changed since the previous poll.
#[derive(Debug, Default)]
pub struct ContainersProbe {
    /// The previous snapshot; `None` before the first successful poll.
    previous: Option<Vec<Container>>,
}

#[async_trait::async_trait]
impl Probe for ContainersProbe {
    fn name(&self) -> &'static str {
        "containers"
    }

    fn required_tool(&self) -> Option<&'static str> {
        Some("docker")
    }

    /// Returns `[ContainerStatsSampled, changes…]`; the first poll has no changes.
    async fn poll(&mut self, ctx: &PollContext<'_>) -> Result<Vec<EventKind>, ProbeError> {
        let ps = ctx.run_ok(&command::docker_ps()).await?;
        let (mut containers, warnings) = parse_ps(&ps.stdout, ctx.observed_at);
        log_warnings("docker_ps", &warnings);

        // `docker stats` only lists running containers; skip the round trip when there are none.
        if containers.iter().any(Container::is_running) {
            match ctx.run_ok(&command::docker_stats()).await {
                Ok(out) => {
                    let (stats, warnings) = parse_stats(&out.stdout, ctx.observed_at);
                    log_warnings("docker_stats", &warnings);
                    merge(&mut containers, stats);
                }
                // An unreachable device fails the poll; a failing `docker stats` only loses
                // the resource figures of this sample.
                Err(e @ ProbeError::Transport(_)) => return Err(e),
                Err(e) => tracing::warn!(probe = "containers", error = %e, "docker stats failed"),
            }
        }

        let changes = match &self.previous {
            Some(previous) => diff(previous, &containers),
            None => Vec::new(),
        };
        self.previous = Some(containers.clone());
        let mut events = Vec::with_capacity(1 + changes.len());
        events.push(EventKind::ContainerStatsSampled { containers });
        events.extend(changes);
        Ok(events)
    }
}

fn log_warnings(command: &'static str, warnings: &[Warning]) {
    for w in warnings {
        tracing::warn!(probe = "containers", command, line = w.line, message = %w.message, "skipped output");
    }
}
